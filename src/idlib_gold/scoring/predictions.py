"""Reading a predictions file: JSON Lines, one object per document, checked line by line.

A predictions file comes from someone else's system, so every way it can be
broken is expected and named with the line it is on (IG7xx) instead of stopping
the run: a line that is not JSON, a record that does not match
schema/predictions.schema.json, an unknown or repeated document id, a span whose
text is not the document slice. A line with any error is left out of the scores
as a whole (its document then counts as predicting nothing), so a score is never
computed from half a record.

The prediction schema refers to the document schema's definitions instead of
copying them; both are loaded into a registry that never fetches anything, so
validation works offline and a missing definition is an error, not a download.

A record goes through the same schema gate as annotation files
(`checking.schema.schema_errors`): a compiled validator (jsonschema-rs) says
"valid" in microseconds; only a record it rejects goes to the reference
validator, which decides and words the errors. Measured on a generated file of 100,000 predicted annotations
(bench/run.py, step evaluate): the reference validator alone spent about 1.1 ms
per annotation (109 s for the file), the compiled one 0.1 s.

Rows as `load_dataset` returns them are valid records: ClassLabel ids are accepted
for `label`, `category` and `type` and decoded to their names here (an id past
the last name is IG702), and `speaker_entity` may be a list of any length.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, repeat
from pathlib import Path

from .. import vocabulary
from ..checking.schema import hint, schema_errors, short_message  # one wording for schema errors everywhere
from ..findings import Finding
from ..layout import LAYERS
from ..text.spans import diagnose, iter_spans

__all__ = ["PREDICTIONS", "PREDICTIONS_MAX_BYTES", "PREDICTIONS_MAX_LINE_BYTES", "PREDICTIONS_MAX_DEPTH", "LAYERS",
           "Prediction", "PredictionsFile", "read_predictions", "iter_lines", "parse_line",
           "relative_name", "read_prediction_files"]

PREDICTIONS = vocabulary.PREDICTIONS  # the schema file predictions are checked against
#: A predictions file holds one line per document; the gold's own records are 86 KB for the 5
#: documents (82 MiB at 1,000 times the corpus), so a file past this is not a predictions file.
PREDICTIONS_MAX_BYTES = 256 * 1024 * 1024
#: One line (a document's record, a ner row's tags, a pipeline's spans) is refused past this, before it
#: is parsed: parsed, a line takes about seven times its bytes (one 100 MB line of span records peaked at
#: 906 MiB). The gold's largest document record is 22 KB as JSON; this is nearly 200 times that.
PREDICTIONS_MAX_LINE_BYTES = 4 * 1024 * 1024
#: A record nests 5 levels (record, layer, annotation, span, value); deeper JSON is refused, so no later
#: step (the schema validator, a message quoting the value) can recurse past Python's limit.
PREDICTIONS_MAX_DEPTH = 32
_BOM = b"\xef\xbb\xbf"
_SPAN_PARTS = ("content", "speaker", "cue", "addressee")


@dataclass(frozen=True)
class Prediction:
    """One well-formed line: the document it predicts and the record itself."""

    line: int
    doc_id: str
    data: dict


@dataclass
class PredictionsFile:
    """What a predictions file holds: its scorable lines, a finding per bad line, and the line of each id."""

    rel: str
    predictions: list[Prediction]
    findings: list[Finding]
    first_line: dict[str, int]  # every document id met on a line with a known id, even a rejected line


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _schema_findings(record, rel: str, line: int) -> list[Finding]:
    """A prediction record against schema/predictions.schema.json, through the one schema gate.

    Emits: IG702."""
    return [Finding("IG702", short_message(error), rel, line, hint=hint(error))
            for error in schema_errors(record, PREDICTIONS)]


def _names() -> dict[tuple[str, str], list[str]]:
    """The ClassLabel names of each (layer, field) that takes an id, in the dataset's feature order, for
    the schema folder in use (a repository's schema/ may narrow them)."""
    return _names_in(vocabulary.schema_dir())


@cache
def _names_in(folder) -> dict[tuple[str, str], list[str]]:
    return {("entities", "label"): vocabulary.entity_labels(), ("figures", "label"): vocabulary.figure_labels(),
            ("figures", "category"): vocabulary.figure_categories(), ("quotes", "type"): vocabulary.quote_types()}


def _decode_ids(record: dict, rel: str, line: int) -> list[Finding]:
    """Replace ClassLabel ids by their names, in place; an id with no name is a finding.

    Emits: IG702."""
    out = []
    for (layer, field), names in _names().items():
        for i, ann in enumerate(record.get(layer, ())):
            value = ann.get(field)
            if isinstance(value, int) and not isinstance(value, bool):
                if value < len(names):
                    ann[field] = names[value]
                else:
                    out.append(Finding("IG702", f"{layer}[{i}].{field}: ClassLabel id {value} is past the last of "
                                                f"the {len(names)} names", rel, line, annotation=ann.get("id"),
                                       hint=f"ids count from 0 in the order {', '.join(names[:4])}, …"))
    return out


def _span_findings(record: dict, doc, rel: str, line: int) -> list[Finding]:
    """Each predicted span inside the text, with its text at its offsets.

    Emits: IG705."""
    out, n = [], len(doc.text)
    for layer in LAYERS:
        for i, ann in enumerate(record.get(layer, [])):
            for suffix, span in iter_spans(ann, layer):
                where = f"{layer}[{i}]" + "".join(f".{s}" for s in suffix)
                s, e, t = span["start"], span["end"], span["text"]
                if not (0 <= s < e <= n):
                    message = f"{where}: span {s}–{e} is outside the text (0–{n}) or empty"
                elif doc.text[s:e] != t:
                    message = f"{where}: text {t!r} ≠ text[{s}:{e}] {doc.text[s:e]!r}"
                else:
                    continue
                out.append(Finding("IG705", message + "; the line is not scored", rel, line, annotation=ann.get("id"),
                                   hint=diagnose(doc.text, doc.raw, s, e, t)))
    return out


def iter_lines(raw: bytes):
    """(line number, line) of a predictions file, the line break and any CR before it taken off, one line
    at a time (no second copy of the file); a UTF-8 byte-order mark before the first line is not part of it."""
    from io import BytesIO

    lines = BytesIO(raw)
    if raw.startswith(_BOM):
        lines.seek(len(_BOM))
    for number, line in enumerate(lines, start=1):
        yield number, (line[:-1] if line.endswith(b"\n") else line).rstrip(b"\r")


def too_long(raw_line: bytes, rel: str, line: int) -> Finding | None:
    """IG723 for a line past PREDICTIONS_MAX_LINE_BYTES, which is then not parsed.

    Emits: IG723."""
    if len(raw_line) <= PREDICTIONS_MAX_LINE_BYTES:
        return None
    return Finding("IG723", f"the line is {len(raw_line):,} bytes, over the limit of {PREDICTIONS_MAX_LINE_BYTES:,}; "
                            "it is not read", rel, line,
                   hint="write one line per document (or ner row); a line this long is not a predictions line")


_STRING = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _deeper_than(raw_line: bytes, limit: int) -> bool:
    """Whether the brackets of a JSON line, outside its strings, nest more than `limit` deep: measured on the
    bytes before parsing, in a few passes of C loops (a walk of the parsed value cost as much as the parse).
    Escaped backslashes and quotes are dropped first, then everything but brackets and quotes, then the
    strings, which now hold nothing but brackets.
    """
    if raw_line.count(b"[") + raw_line.count(b"{") <= limit:
        return False
    structure = raw_line.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    # most strings hold no bracket: dropping every `""` first leaves few for the expression (merging two
    # strings into one where a closing and an opening quote meet, which keeps each bracket in or out)
    brackets = _STRING.sub(b"", structure.replace(b'""', b""))
    return max(accumulate(map(_STEP.get, brackets, repeat(0))), default=0) > limit  # a stray quote counts 0


def _too_deep(rel: str, line: int) -> Finding:
    """The finding for a line that nests JSON too deeply.

    Emits: IG724."""
    return Finding("IG724", f"the line nests JSON more than {PREDICTIONS_MAX_DEPTH} levels deep; it is not read",
                   rel, line, hint="a prediction record nests a few levels: check the brackets")


def parse_line(raw_line: bytes, rel: str, line: int) -> tuple[object, list[Finding]]:
    """One JSON value, or the findings that say why the line is not one: over the size limit (checked
    before parsing), not UTF-8, not JSON, a key twice, or nested too deeply.

    Emits: IG701, IG702, IG723, IG724."""
    long = too_long(raw_line, rel, line)
    if long is not None:
        return None, [long]
    if _deeper_than(raw_line, PREDICTIONS_MAX_DEPTH):
        return None, [_too_deep(rel, line)]
    try:
        text = raw_line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Finding("IG701", f"byte {exc.start + 1} of the line is not UTF-8", rel, line, exc.start + 1,
                              hint="write the file as UTF-8")]
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant)
    except RecursionError:
        return None, [_too_deep(rel, line)]
    except json.JSONDecodeError as exc:
        return None, [Finding("IG701", f"not JSON: {exc.msg}", rel, line, exc.colno,
                              hint="each line holds one complete JSON object (JSON Lines)")]
    except _DuplicateKey as exc:
        return None, [Finding("IG702", f"key {exc.args[0]!r} appears twice in one object", rel, line,
                              hint="JSON readers would silently keep only one of them; write it once")]
    except ValueError as exc:
        return None, [Finding("IG701", f"not JSON: {exc}", rel, line)]
    return value, []


def read_predictions(raw: bytes, rel: str, documents: dict) -> PredictionsFile:
    """The well-formed lines of a predictions file and a finding for every other line.

    `documents` maps every gold document id to its Document (text and raw bytes),
    scored or not: an id outside the scored split is known, an id nowhere is not.
    Blank lines are allowed and skipped.

    Emits: IG701, IG702, IG703, IG704, IG705, IG708, IG723, IG724.
    """
    predictions, findings, first_line = [], [], {}
    for number, raw_line in iter_lines(raw):
        if not raw_line.strip():
            continue
        record, problems = parse_line(raw_line, rel, number)
        doc_id = record.get("id") if isinstance(record, dict) else None
        known = isinstance(doc_id, str) and doc_id in documents
        if known and doc_id in first_line:
            findings.append(Finding("IG704", f"document {doc_id!r} was already predicted on line "
                                             f"{first_line[doc_id]}; this line is not scored", rel, number))
            continue
        if known:
            first_line[doc_id] = number  # even if the line turns out broken: the document had its line
        if not problems:
            problems = _schema_findings(record, rel, number)
        if not problems and not known:
            problems = [Finding("IG703", f"document {doc_id!r} is not in the corpus", rel, number)]
        if not problems:
            problems = _decode_ids(record, rel, number) or _span_findings(record, documents[doc_id], rel, number)
        if problems:
            findings += problems
            continue
        predictions.append(Prediction(number, doc_id, record))
    if not predictions and not findings:
        findings.append(Finding("IG708", "the file holds no prediction line", rel,
                                hint='write one JSON object per document: {"id": "<doc id>", "entities": [...], ...}'))
    return PredictionsFile(rel, predictions, findings, first_line)


def relative_name(path: Path, root: Path) -> str:
    """The predictions file as it is shown in findings: repository-relative when inside the repository."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # outside the repository, or a loop of links
        return path.as_posix()


def read_prediction_files(paths: list[str], root: Path) -> tuple[list[tuple[str, bytes | None]], list[Finding]]:
    """(name as shown, bytes) of each predictions file named on the command line, and the findings of
    those that cannot be read (special, oversized). A missing path, or one file named twice, is a
    usage error: each system is one file."""
    import os

    from ..errors import UsageError
    from ..reading.files import read_bounded

    seen: dict[str, str] = {}
    for p in paths:
        if not os.path.lexists(p):
            raise UsageError(f"{p}: no such file")
        if os.path.realpath(p) in seen:
            raise UsageError(f"{p} and {seen[os.path.realpath(p)]} are the same file; name each system once")
        seen[os.path.realpath(p)] = p
    named, unreadable = [], []
    for p in paths:
        raw, problems = read_bounded(Path(p), relative_name(Path(p), root), PREDICTIONS_MAX_BYTES, links=True)
        unreadable += problems
        named.append((relative_name(Path(p), root), raw))
    return named, unreadable
