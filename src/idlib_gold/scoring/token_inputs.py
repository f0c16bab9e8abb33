"""What token classifiers and inference pipelines write, turned into span predictions.

Three shapes besides the project's own span records (predictions.py):

- **bio**: JSON Lines `{"id": <ner row id>, "ner_tags": [...]}`, tags as names (`B-GPE`) or as
  the ner config's ClassLabel ids (0–36); other keys (`tokens`, scores) are ignored.
- **conll**: one `token tag` line per token (the tag is the last white-space separated column),
  a blank line between sequences, `#` comment and `-DOCSTART-` lines skipped. Sequence k is
  matched to row k of the ner config in the order `load_dataset` gives (splits train, validation,
  test; rows in file order); with `--split`, a file holding exactly that split's number of
  sequences is matched to that split's rows; without `--split`, a file holding exactly one split's
  rows, token for token (what `export --format conll` writes per split), is matched to them.
  Every token must equal its row's token (IG717), so a file out of step with the rows is caught
  instead of scored.
- **pipeline**: character spans as inference pipelines emit them (read in pipeline_inputs.py).

Tags map back to character spans through the ner rows' token offsets (text/ner.py), with
conlleval's and seqeval's reading of an I-X that follows neither B-X nor I-X: it starts a span
(warning IG715). Labels split into the entities and figures layers by the gold's label sets,
and the result is scored exactly like span records. A bad line or sequence is a finding with its
line and is not scored; the rest is.
"""

from __future__ import annotations

from itertools import chain
from typing import NamedTuple

from .. import vocabulary
from ..text.ner import bio_rows, spans_from_bio, tag_names
from .collected import Collector, matched
from .pipeline_inputs import read_pipeline
from .predictions import PredictionsFile, iter_lines, parse_line, read_predictions, too_long

__all__ = ["FORMATS", "detect", "read_input", "row_order", "scope_of"]

FORMATS = ("spans", "bio", "conll", "pipeline")


class _Row(NamedTuple):
    """One `ner` row of the gold as token inputs are aligned to it: a plain record, one per paragraph."""

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


def detect(raw: bytes) -> str:
    """The shape of a predictions file, from its first line that is neither blank nor a comment
    (nor `{"id": …, "entities": []}`, which both JSON shapes write for a document with no spans;
    after such a line, a line that is no JSON object makes the file span records, as it began)."""
    undecided = False
    for _, line in iter_lines(raw):
        if too_long(line, "", 0):
            continue  # refused, unread, by whichever reader takes the file (IG723)
        line = line.strip()
        if not line or (line.startswith(b"#") and not undecided):
            continue
        if not line.startswith(b"{") and undecided:
            return "spans"
        if line.startswith(b"["):
            return "pipeline"
        if not line.startswith(b"{"):
            return "conll"
        record, problems = parse_line(line, "", 0)
        if problems:
            return "spans"  # reported by the span reader (IG701, IG723, IG724)
        if isinstance(record, dict) and "ner_tags" in record:
            return "bio"
        items = record.get("entities") if isinstance(record, dict) else None
        if items == [] and set(record) <= {"id", "entities"}:
            undecided = True  # either shape: the next line decides
            continue
        if isinstance(items, list) and items and all(isinstance(i, dict) for i in items) and any(
                "entity_group" in i or "text" not in i for i in items):  # span records may carry a score
            return "pipeline"
        return "spans"
    return "spans"


def _shown(value, limit: int = 60) -> str:
    """A value quoted in a message, cut to `limit` characters: a tag may be a pasted run of anything."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _decode_tags(tags, names: list[str], index: dict[str, int], out: Collector, line: int, where: str):
    """A tag sequence as ClassLabel ids; None where a tag is unknown.

    Emits: IG714."""
    decoded = []
    for k, tag in enumerate(tags):
        if isinstance(tag, int) and not isinstance(tag, bool) and 0 <= tag < len(names):
            decoded.append(names[tag])
        elif isinstance(tag, str) and tag in index:
            decoded.append(tag)
        else:
            out.add("IG714", f"{where}tag {k} ({_shown(tag)}) is not a tag of the ner config; the sequence is not scored",
                    line, hint=f"tags are O, B-X, I-X for X in {', '.join(vocabulary.entity_labels()[:3])}, … "
                               f"or their ClassLabel ids 0–{len(names) - 1}")
            return None
    return decoded


def _ill_formed(tags: list[str], out: Collector, line: int, where: str) -> None:
    """Warns of each I- tag that continues no span.

    Emits: IG715."""
    previous = "O"
    for k, tag in enumerate(tags):
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            out.add("IG715", f"{where}tag {k} {tag} follows {previous}; it starts a new {tag[2:]} span", line,
                    hint=f"write B-{tag[2:]} where a span starts")
        previous = tag


def _apply(row: _Row, tags: list[str], out: Collector, line: int, where: str) -> None:
    _ill_formed(tags, out, line, where)
    out.met(row.doc_id, line)
    out.spans[row.doc_id] += spans_from_bio(tags, row.starts, row.ends)


def _check_length(row: _Row, tags, out: Collector, line: int, where: str) -> bool:
    """Whether the sequence has one tag per token of its row.

    Emits: IG713."""
    if len(tags) == len(row.tokens):
        return True
    out.add("IG713", f"{where}{len(tags)} tag(s) for the {len(row.tokens)} token(s) of row {row.id}; "
                     "not scored", line, hint="one tag per token of the ner config's row")
    return False


def _missing_rows(rows: list[_Row], seen: set[str], out: Collector) -> None:
    """Warns of each row of a predicted document that has no sequence.

    Emits: IG719."""
    for row in rows:
        if row.doc_id in out.spans and row.id not in seen:
            out.add("IG719", f"row {row.id} of a predicted document has no tag sequence; it predicts nothing",
                    out.first_line[row.doc_id], hint="write a sequence of O tags for a row with no spans")


def _read_bio(raw: bytes, out: Collector, rows: list[_Row]) -> None:
    """BIO tag records, one JSON object per line, into the collector.

    Emits: IG710, IG711, IG712, IG713, IG714, IG715, IG719."""
    names = tag_names()
    index = {n: i for i, n in enumerate(names)}
    by_id, seen = {r.id: r for r in rows}, {}
    for number, record in out.json_lines(raw):
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


def _sequences(raw: bytes, out: Collector | None, tags_known: set[str]):
    """(first line, tokens, tags) of each CoNLL sequence, one at a time; malformed lines are findings
    (with `out`; None counts the sequences and reports nothing). The tokens are None for a
    sequence with a malformed line.

    A line starting with `#` is a comment unless its last column is a tag: `#` is also a
    token of the texts (`& # 39;`).

    Emits: IG716."""
    tokens, tags, start, bad = [], [], 0, False
    for number, raw_line in chain(iter_lines(raw), [(None, b"")]):
        long = too_long(raw_line, out.rel if out else "", number)
        if long is not None:
            if out is not None:
                out.findings.append(long)
            bad = True
            continue
        line = raw_line.decode("utf-8", errors="replace").strip()
        if line.startswith("-DOCSTART-") or (line.startswith("#") and line.split()[-1] not in tags_known):
            continue
        if not line:
            if tokens or bad:
                yield start, None if bad else tokens, tags
            tokens, tags, bad = [], [], False
            continue
        fields = line.split()
        if not tokens and not bad:
            start = number
        if len(fields) < 2:
            if out is not None:
                out.add("IG716", f"{line[:40]!r} has {len(fields)} column(s); a token and a tag are needed", number,
                        hint="write `token<TAB>tag`, a blank line between sequences")
            bad = True
            continue
        tokens.append(fields[0])
        tags.append(fields[-1])


def _read_conll(raw: bytes, out: Collector, rows: list[_Row], split: str | None) -> None:
    """Sequence k against row k, one sequence held at a time. Which rows they are matched to depends on
    how many there are (collected.matched), so they are counted in a pass of their own first.

    Emits: IG713, IG714, IG715, IG716, IG717, IG718, IG719."""
    names = tag_names()
    index = {n: i for i, n in enumerate(names)}
    ids = {str(i): i for i in range(len(names))}
    known = set(index) | set(ids)
    counted, first = 0, 1
    for line, _, _ in _sequences(raw, None, known):  # counted in a pass of their own: one held at a time
        first = first if counted else line
        counted += 1

    def same_tokens(candidate: list[_Row]) -> bool:  # streamed again, only when a split is in question
        return all(tokens is None or tokens == row.tokens
                   for (_, tokens, _), row in zip(_sequences(raw, None, known), candidate))

    rows = matched(range(counted), rows, split, lambda r: r.split, out, first, same_tokens)
    if rows is None:
        return
    seen = set()
    for k, (line, tokens, tags) in enumerate(_sequences(raw, out, known)):
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
            out.add("IG717", f"{where}token {wrong} is {_shown(tokens[wrong])}, the row has {row.tokens[wrong]!r}; "
                             "not scored", line + wrong, hint="sequences follow the ner config's rows in order")
            continue
        # a ClassLabel id is its decimal digits as written ("0"–"36"); anything else is a tag name or IG714
        tags = _decode_tags([ids.get(t, t) for t in tags], names, index, out, line, where)
        if tags is not None:
            _apply(row, tags, out, line, where)
    _missing_rows(rows, seen, out)


def read_input(raw: bytes, rel: str, documents, form: str = "auto", split: str | None = None) -> tuple[str, PredictionsFile]:
    """The shape read (detected when `form` is auto) and its predictions as span records."""
    form = detect(raw) if form == "auto" else form
    if form == "spans":
        return form, read_predictions(raw, rel, {d.id: d for d in documents})
    out = Collector(rel, documents)
    if form == "pipeline":
        read_pipeline(raw, out, documents, split)
    elif form == "bio":
        _read_bio(raw, out, row_order(documents))
    else:
        _read_conll(raw, out, row_order(documents), split)
    return form, out.result()


def scope_of(documents: list, met: set[str], split: str | None) -> tuple[str | None, str | None]:
    """The split a predictions file speaks for, and why: the one named; else the one split every document
    a line was met for is in (what `export` wrote for one split is that split); else all of them (None).
    `evaluate` scores that split and `suspects` ranks in it, so neither counts the documents of other
    splits as predicted empty."""
    if split is not None:
        return split, "option"
    split_of = {d.id: d.data["split"] for d in documents}
    named = {split_of[i] for i in met if i in split_of}
    if len(named) == 1 and len(set(split_of.values())) > 1:
        return named.pop(), "predictions"
    return None, None
