"""What the token and pipeline readers collect: spans per document, turned into span records.

Both readers (token_inputs.py, pipeline_inputs.py) end in the same place: character spans
with a label per document, the line each document was first met on, and findings. This
module turns them into the `Prediction` records the scorer takes, splitting the labels into
the entities and figures layers by the gold's label sets, and holds the one rule for files
matched by position (CoNLL sequences, raw pipeline lists).
"""

from __future__ import annotations

from .. import vocabulary
from ..findings import Finding
from .predictions import Prediction, PredictionsFile, iter_lines, parse_line

__all__ = ["Collector", "doc_order", "matched"]


def doc_order(documents) -> list:
    rank = {s: n for n, s in enumerate(vocabulary.splits())}
    return sorted(documents, key=lambda d: (rank.get(d.data["split"], len(rank)), d.id))


class Collector:
    """Spans per document, the line each document was first met on, and the findings."""

    def __init__(self, rel: str, documents):
        self.rel, self.findings, self.first_line = rel, [], {}
        self.docs = {d.id: d for d in documents}
        self.spans: dict[str, list[tuple[int, int, str]]] = {}
        #: (doc id, start, end, label) → the span's score, for the readers whose input carries one.
        self.scores: dict[tuple[str, int, int, str], float] = {}
        self.entity_labels = set(vocabulary.entity_labels())

    def json_lines(self, raw: bytes):
        """(line number, value) of each non-blank JSON line; a line that is not JSON is a finding."""
        for number, raw_line in iter_lines(raw):
            if not raw_line.strip():
                continue
            record, problems = parse_line(raw_line, self.rel, number)
            if problems:
                self.findings += problems
                continue
            yield number, record

    def add(self, code: str, message: str, line: int, hint: str | None = None) -> None:
        self.findings.append(Finding(code, message, self.rel, line, hint=hint))

    def met(self, doc_id: str, line: int) -> None:
        self.first_line.setdefault(doc_id, line)
        self.spans.setdefault(doc_id, [])

    def result(self) -> PredictionsFile:
        preds = []
        for doc_id, spans in self.spans.items():
            text = self.docs[doc_id].text
            layers = {"entities": [], "figures": []}
            for s, e, label in sorted(set(spans)):
                layer = "entities" if label in self.entity_labels else "figures"
                layers[layer].append({"label": label, "start": s, "end": e, "text": text[s:e]})
                if (doc_id, s, e, label) in self.scores:
                    layers[layer][-1]["score"] = self.scores[(doc_id, s, e, label)]
            preds.append(Prediction(self.first_line[doc_id], doc_id, layers))
        preds.sort(key=lambda p: p.line)
        return PredictionsFile(self.rel, preds, self.findings, dict(self.first_line))


def matched(items: list, everything: list, split: str | None, split_of, out: Collector, line: int,
            fits=None) -> list | None:
    """The rows (or documents) a positional file is matched to.

    That split's when `split` is named and the file holds exactly its number; all of them when
    the file holds exactly their number; else the one split whose number the file holds, among
    those `fits(rows)` accepts (CoNLL: every token equal), so what `export` wrote for one split
    is scored as that split, and a file of another split than the one named is seen to be one.
    When several splits fit alike and none is named, the file cannot be placed: IG728, and None
    (nothing is matched). Otherwise all of them, in order.

    Emits: IG728."""
    own = {name: [x for x in everything if split_of(x) == name] for name in vocabulary.splits()}
    if split is not None and len(items) == len(own.get(split, ())):
        return own[split]
    if len(items) == len(everything):
        return everything
    candidates = [name for name, rows in own.items()
                  if rows and len(rows) == len(items) and (fits is None or fits(rows))]
    if len(candidates) == 1:
        return own[candidates[0]]
    if candidates and split is None:
        out.add("IG728", f"the file's {len(items)} positional item(s) fit split {' and split '.join(candidates)} "
                         "alike; not scored", line,
                hint=f"name the split: --split {candidates[0]} (or {', '.join(candidates[1:])})")
        return None
    return everything
