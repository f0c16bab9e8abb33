"""What token classifiers and inference pipelines write, turned into span predictions.

Three shapes besides the project's own span records (predictions.py):

- **bio**: JSON Lines `{"id": <ner row id>, "ner_tags": [...]}`, tags as names (`B-GPE`) or as
  the ner config's ClassLabel ids (0–36); other keys (`tokens`, scores) are ignored.
- **conll**: one `token tag` line per token (the tag is the last white-space separated column),
  a blank line between sequences, `#` comment and `-DOCSTART-` lines skipped. Sequence k is
  matched to row k of the ner config in the order `load_dataset` gives (splits train, validation,
  test; rows in file order); with `--split`, a file holding exactly that split's number of
  sequences is matched to that split's rows. Every token must equal its row's token (IG717), so
  a file out of step with the rows is caught instead of scored.
- **pipeline**: character spans `{start, end, label | entity_group, score?, word?}` as the common
  inference pipelines emit them (transformers' token-classification pipeline with aggregation),
  as JSON Lines `{"id": <doc id>, "entities": [...]}`, or one raw JSON list per line matched to the
  documents in `load_dataset` order (as for conll). Offsets are code points of the document text;
  white space at a span's edges is trimmed (some tokenizers include a leading space); `word`
  is not checked (it is the tokenizer's detokenized text); a span listed twice counts once.

Tags map back to character spans through the ner rows' token offsets (building/ner.py), with
conlleval's and seqeval's reading of an I-X that follows neither B-X nor I-X: it starts a span
(warning IG715). Labels split into the entities and figures layers by the gold's label sets,
and the result is scored exactly like span records. A bad line or sequence is a finding with its
line and is not scored; the rest is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .. import vocabulary
from ..building.ner import bio_rows, spans_from_bio, tag_names
from ..findings import Finding
from .predictions import Prediction, PredictionsFile, read_predictions

__all__ = ["FORMATS", "detect", "read_input", "row_order"]

FORMATS = ("spans", "bio", "conll", "pipeline")


@dataclass(frozen=True)
class _Row:
    id: str
    doc_id: str
    split: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]


def row_order(documents) -> list[_Row]:
    """The ner rows in the order load_dataset yields them: by split (train, validation, test), then doc id."""
    rank = {s: n for n, s in enumerate(vocabulary.splits())}
    rows = []
    for doc in sorted(documents, key=lambda d: (rank.get(d.data["split"], len(rank)), d.id)):
        rows += [_Row(r["id"], doc.id, doc.data["split"], r["tokens"], r["token_starts"], r["token_ends"])
                 for r in bio_rows(doc)]
    return rows


def _doc_order(documents) -> list:
    rank = {s: n for n, s in enumerate(vocabulary.splits())}
    return sorted(documents, key=lambda d: (rank.get(d.data["split"], len(rank)), d.id))


def detect(raw: bytes) -> str:
    """The shape of a predictions file, from its first line that is neither blank nor a comment
    (nor `{"id": …, "entities": []}`, which both JSON shapes write for a document with no spans)."""
    for line in raw.split(b"\n"):
        line = line.strip()
        if not line or line.startswith(b"#"):
            continue
        if line.startswith(b"["):
            return "pipeline"
        if not line.startswith(b"{"):
            return "conll"
        try:
            record = json.loads(line)
        except ValueError:
            return "spans"  # reported as IG701 by the span reader
        if isinstance(record, dict) and "ner_tags" in record:
            return "bio"
        items = record.get("entities") if isinstance(record, dict) else None
        if items == [] and set(record) <= {"id", "entities"}:
            continue  # either shape: the next line decides
        if isinstance(items, list) and items and all(isinstance(i, dict) for i in items) and any(
                "entity_group" in i or "score" in i or "text" not in i for i in items):
            return "pipeline"
        return "spans"
    return "spans"


class _Collector:
    """Spans per document, the line each document was first met on, and the findings."""

    def __init__(self, rel: str, documents):
        self.rel, self.findings, self.first_line = rel, [], {}
        self.docs = {d.id: d for d in documents}
        self.spans: dict[str, list[tuple[int, int, str]]] = {}
        self.entity_labels = set(vocabulary.entity_labels())

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
            preds.append(Prediction(self.first_line[doc_id], doc_id, layers))
        preds.sort(key=lambda p: p.line)
        return PredictionsFile(self.rel, preds, self.findings, dict(self.first_line))


def _decode_tags(tags, names: list[str], index: dict[str, int], out: _Collector, line: int, where: str):
    decoded = []
    for k, tag in enumerate(tags):
        if isinstance(tag, int) and not isinstance(tag, bool) and 0 <= tag < len(names):
            decoded.append(names[tag])
        elif isinstance(tag, str) and tag in index:
            decoded.append(tag)
        else:
            out.add("IG714", f"{where}tag {k} ({tag!r}) is not a tag of the ner config; the sequence is not scored",
                    line, hint=f"tags are O, B-X, I-X for X in {', '.join(vocabulary.entity_labels()[:3])}, … "
                               f"or their ClassLabel ids 0–{len(names) - 1}")
            return None
    return decoded


def _ill_formed(tags: list[str], out: _Collector, line: int, where: str) -> None:
    previous = "O"
    for k, tag in enumerate(tags):
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            out.add("IG715", f"{where}tag {k} {tag} follows {previous}; it starts a new {tag[2:]} span", line,
                    hint=f"write B-{tag[2:]} where a span starts")
        previous = tag


def _apply(row: _Row, tags: list[str], out: _Collector, line: int, where: str) -> None:
    _ill_formed(tags, out, line, where)
    out.met(row.doc_id, line)
    out.spans[row.doc_id] += spans_from_bio(tags, row.starts, row.ends)


def _check_length(row: _Row, tags, out: _Collector, line: int, where: str) -> bool:
    if len(tags) == len(row.tokens):
        return True
    out.add("IG713", f"{where}{len(tags)} tag(s) for the {len(row.tokens)} token(s) of row {row.id}; "
                     "not scored", line, hint="one tag per token of the ner config's row")
    return False


def _missing_rows(rows: list[_Row], seen: set[str], out: _Collector) -> None:
    for row in rows:
        if row.doc_id in out.spans and row.id not in seen:
            out.add("IG719", f"row {row.id} of a predicted document has no tag sequence; it predicts nothing",
                    out.first_line[row.doc_id], hint="write a sequence of O tags for a row with no spans")


def _read_bio(raw: bytes, out: _Collector, rows: list[_Row]) -> None:
    from .predictions import _parse

    names = tag_names()
    index = {n: i for i, n in enumerate(names)}
    by_id, seen = {r.id: r for r in rows}, {}
    for number, raw_line in enumerate(raw.split(b"\n"), start=1):
        if not raw_line.strip():
            continue
        record, problems = _parse(raw_line.rstrip(b"\r"), out.rel, number)
        if problems:
            out.findings += problems
            continue
        if not (isinstance(record, dict) and isinstance(record.get("id"), str)
                and isinstance(record.get("ner_tags"), list)):
            out.add("IG710", "not an object with a string id and a ner_tags list", number,
                    hint='{"id": "<doc id>-p000", "ner_tags": ["O", "B-GPE", …]}')
            continue
        row = by_id.get(record["id"])
        if row is None:
            out.add("IG711", f"row {record['id']!r} is not in the ner config", number,
                    hint="row ids are <doc id>-pNNN, as in load_dataset('./dataset', 'ner')")
            continue
        if row.id in seen:
            out.add("IG712", f"row {row.id} was already predicted on line {seen[row.id]}; not scored", number)
            continue
        seen[row.id] = number
        out.first_line.setdefault(row.doc_id, number)
        tags = _decode_tags(record["ner_tags"], names, index, out, number, "")
        if tags is not None and _check_length(row, tags, out, number, ""):
            _apply(row, tags, out, number, "")
    _missing_rows(rows, set(seen), out)


def _sequences(raw: bytes, out: _Collector, tags_known: set[str]) -> list[tuple[int, list[str], list[str]]]:
    """(first line, tokens, tags) of each CoNLL sequence; malformed lines are findings.

    A line starting with `#` is a comment unless its last column is a tag: `#` is also a
    token of the texts (`& # 39;`)."""
    seqs, tokens, tags, start, bad = [], [], [], 0, False
    for number, raw_line in enumerate(raw.split(b"\n") + [b""], start=1):
        line = raw_line.decode("utf-8", errors="replace").strip()
        if line.startswith("-DOCSTART-") or (line.startswith("#") and line.split()[-1] not in tags_known):
            continue
        if not line:
            if tokens or bad:
                seqs.append((start, None if bad else tokens, tags))
            tokens, tags, bad = [], [], False
            continue
        fields = line.split()
        if not tokens and not bad:
            start = number
        if len(fields) < 2:
            out.add("IG716", f"{line[:40]!r} has {len(fields)} column(s); a token and a tag are needed", number,
                    hint="write `token<TAB>tag`, a blank line between sequences")
            bad = True
            continue
        tokens.append(fields[0])
        tags.append(fields[-1])
    return seqs


def _matched(items: list, everything: list, split: str | None) -> list:
    """The rows (or documents) a positional file is matched to: all of them, or one split's when its count fits."""
    if split is not None:
        own = [x for x in everything if (x.split if isinstance(x, _Row) else x.data["split"]) == split]
        if len(items) == len(own):
            return own
    return everything


def _read_conll(raw: bytes, out: _Collector, rows: list[_Row], split: str | None) -> None:
    names = tag_names()
    index = {n: i for i, n in enumerate(names)}
    seqs = _sequences(raw, out, set(index) | {str(i) for i in range(len(names))})
    rows = _matched(seqs, rows, split)
    seen = set()
    for k, (line, tokens, tags) in enumerate(seqs):
        if k >= len(rows):
            out.add("IG718", f"sequence {k + 1} has no ner row to match (there are {len(rows)}); not scored", line,
                    hint="sequences follow the ner config's rows in load_dataset order")
            continue
        row = rows[k]
        seen.add(row.id)
        if tokens is None:
            continue
        where = f"sequence {k + 1} (row {row.id}): "
        out.first_line.setdefault(row.doc_id, line)
        if not _check_length(row, tags, out, line, where):
            continue
        wrong = next((n for n, (a, b) in enumerate(zip(tokens, row.tokens)) if a != b), None)
        if wrong is not None:
            out.add("IG717", f"{where}token {wrong} is {tokens[wrong]!r}, the row has {row.tokens[wrong]!r}; "
                             "not scored", line + wrong, hint="sequences follow the ner config's rows in order")
            continue
        tags = _decode_tags([int(t) if t.isdigit() else t for t in tags], names, index, out, line, where)
        if tags is not None:
            _apply(row, tags, out, line, where)
    _missing_rows(rows, seen, out)


def _pipeline_spans(items, doc, out: _Collector, line: int, where: str) -> list | None:
    labels = set(vocabulary.entity_labels()) | set(vocabulary.figure_labels())
    text, spans = doc.text, []
    for k, item in enumerate(items):
        label = item.get("label", item.get("entity_group")) if isinstance(item, dict) else None
        s, e = (item.get("start"), item.get("end")) if isinstance(item, dict) else (None, None)
        ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (s, e)) and 0 <= (s or 0) < (e or 0) <= len(text)
        if not ok or not isinstance(label, str):
            hint = ("run the pipeline with aggregation_strategy='simple' (or 'first') for spans"
                    if isinstance(item, dict) and "entity" in item and label is None else
                    f"start and end are code-point offsets in the document text (0–{len(text)})")
            out.add("IG720", f"{where}span {k} {str(item)[:80]}: no integer start < end inside the text or no "
                             "label; the line is not scored", line, hint=hint)
            return None
        if label not in labels:
            out.add("IG721", f"{where}span {k} label {label!r} is not an entity or figure label; the line is not "
                             "scored", line, hint="map the model's labels to the gold's OntoNotes labels first")
            return None
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            spans.append((s, e, label))
    return spans


def _read_pipeline(raw: bytes, out: _Collector, documents, split: str | None) -> None:
    from .predictions import _parse

    parsed = []
    for number, raw_line in enumerate(raw.split(b"\n"), start=1):
        if not raw_line.strip():
            continue
        record, problems = _parse(raw_line.rstrip(b"\r"), out.rel, number)
        if problems:
            out.findings += problems
            continue
        parsed.append((number, record))
    positional = [p for p in parsed if isinstance(p[1], list)]
    order = _matched(positional, _doc_order(documents), split)
    k = 0
    for number, record in parsed:
        if isinstance(record, list):
            if k >= len(order):
                out.add("IG718", f"list {k + 1} has no document to match (there are {len(order)}); not scored",
                        number, hint="raw lists follow the documents in load_dataset order")
                k += 1
                continue
            doc, items, k = order[k], record, k + 1
        elif isinstance(record, dict) and isinstance(record.get("id"), str) and isinstance(record.get("entities"), list):
            doc, items = out.docs.get(record["id"]), record["entities"]
            if doc is None:
                out.add("IG703", f"document {record['id']!r} is not in the corpus", number,
                        hint="ids are the stems of annotations/texts/<id>.txt")
                continue
        else:
            out.add("IG722", "not a list of spans nor an object with a string id and an entities list", number,
                    hint='{"id": "<doc id>", "entities": [{"start": 0, "end": 6, "entity_group": "GPE"}]}')
            continue
        if doc.id in out.first_line:
            out.add("IG704", f"document {doc.id!r} was already predicted on line {out.first_line[doc.id]}; "
                             "this line is not scored", number, hint="write one line per document")
            continue
        out.first_line[doc.id] = number
        spans = _pipeline_spans(items, doc, out, number, "" if isinstance(record, dict) else f"document {doc.id}: ")
        if spans is not None:
            out.met(doc.id, number)
            out.spans[doc.id] += spans


def read_input(raw: bytes, rel: str, documents, form: str = "auto", split: str | None = None) -> tuple[str, PredictionsFile]:
    """The shape read (detected when `form` is auto) and its predictions as span records."""
    form = detect(raw) if form == "auto" else form
    if form == "spans":
        return form, read_predictions(raw, rel, {d.id: d for d in documents})
    out = _Collector(rel, documents)
    if form == "pipeline":
        _read_pipeline(raw, out, documents, split)
    elif form == "bio":
        _read_bio(raw, out, row_order(documents))
    else:
        _read_conll(raw, out, row_order(documents), split)
    return form, out.result()
