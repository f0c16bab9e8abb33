"""Spans as inference pipelines emit them: `{start, end, label | entity_group, score?, word?}`.

The common shape of token-classification pipelines with aggregation (transformers' among
them), per document: JSON Lines `{"id": <doc id>, "entities": [...]}`, or one raw JSON list
per line matched to the documents in `load_dataset` order of the `documents` config (splits
train, validation, test; ids in order), or to one split's documents with `--split` when the
file holds exactly that many lines, or without it when exactly one split has that many (two
splits of one document each cannot be told apart by position: IG728, name the split).
Offsets are code points of the document text; white space at a span's edges is trimmed (some
tokenizers include a leading space); `word` is not checked (it is the tokenizer's detokenized
text); a span listed twice counts once. `score`, the model's confidence, is kept on the span (the
higher one for a span listed twice): `idlib-gold suspects` weighs votes by it, `evaluate` ignores
it; a score that is not a number in [0, 1] is a warning (IG730) and the span is read without it.
A bad line is a finding with its line (IG703, IG704, IG718, IG720–IG722) and is not scored.
"""

from __future__ import annotations

from .. import vocabulary
from .collected import Collector, doc_order, matched
from .predictions import iter_lines, parse_line

__all__ = ["read_pipeline"]


def _shown(value, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _pipeline_spans(items, doc, out: Collector, line: int, where: str) -> list | None:
    """One document's pipeline spans as gold-shaped entities and figures; None where the line is not scored.

    Emits: IG720, IG721, IG730."""
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
            out.add("IG720", f"{where}span {k} {_shown(item)}: no integer start < end inside the text or no "
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
        score = item.get("score")
        if score is not None and not (isinstance(score, (int, float)) and not isinstance(score, bool)
                                      and 0 <= score <= 1):
            out.add("IG730", f"{where}span {k} score {str(score)[:40]} is not a number in [0, 1]; the span is "
                             "read without a score", line, hint="a score is the model's confidence, 0 to 1")
            score = None
        if s < e:
            spans.append((s, e, label, score))
    return spans


def _count_lists(raw: bytes) -> tuple[int, int]:
    """How many lines hold a raw list, and the first such line: what matching to one split's documents
    needs to know before the first line is matched. Counted in a pass of its own, so no more than one
    parsed line is held at a time."""
    n, first = 0, 1
    for number, line in iter_lines(raw):
        if line.lstrip()[:1] == b"[" and isinstance(parse_line(line, "", number)[0], list):
            first = first if n else number
            n += 1
    return n, first


def read_pipeline(raw: bytes, out: Collector, documents, split: str | None) -> None:
    """Raw pipeline output, a list of spans per document, into the collector.

    Emits: IG703, IG704, IG718, IG720, IG721, IG722, IG730."""
    counted, first = _count_lists(raw)
    order = matched(range(counted), doc_order(documents), split, lambda d: d.data["split"], out, first)
    k = 0
    for number, record in out.json_lines(raw):
        if isinstance(record, list):
            if order is None:  # IG728: the lists fit several splits alike
                continue
            if k >= len(order):
                out.add("IG718", f"list {k + 1} has no document to match (there are {len(order)}); not scored",
                        number, hint="raw lists follow the documents in load_dataset order")
                k += 1
                continue
            doc, items, k = order[k], record, k + 1
        elif isinstance(record, dict) and isinstance(record.get("id"), str) and isinstance(record.get("entities"), list):
            doc, items = out.docs.get(record["id"]), record["entities"]
            if doc is None:
                out.add("IG703", f"document {record['id']!r} is not in the corpus", number)
                continue
        else:
            out.add("IG722", "not a list of spans nor an object with a string id and an entities list", number,
                    hint='{"id": "<doc id>", "entities": [{"start": 0, "end": 6, "entity_group": "GPE"}]}')
            continue
        if doc.id in out.first_line:
            out.add("IG704", f"document {doc.id!r} was already predicted on line {out.first_line[doc.id]}; "
                             "this line is not scored", number)
            continue
        out.first_line[doc.id] = number
        spans = _pipeline_spans(items, doc, out, number, "" if isinstance(record, dict) else f"document {doc.id}: ")
        if spans is not None:
            out.met(doc.id, number)
            out.spans[doc.id] += [(s, e, label) for s, e, label, _ in spans]
            for s, e, label, score in spans:
                if score is not None:
                    key = (doc.id, s, e, label)
                    out.scores[key] = max(score, out.scores.get(key, score))
