"""Findings: every check returns these values; only the reporter turns them into text.

Keeping problems as data (a code, where, what, how to fix) lets one run collect every
problem in every file, lets tools read them as JSON, and keeps the exit code a pure
function of the findings.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

__all__ = ["Finding", "CODES", "Code", "LEVELS", "CONSEQUENCES", "has_errors", "sort_findings", "fold", "printable"]


@dataclass(frozen=True)
class Code:
    """A stable finding code and everything about it that does not depend on the case: its level
    (and so the stage that raises it), default severity, title, explanation, and the fix hint a
    finding gets when its call site gives none (only where one hint serves every case)."""

    code: str  # IGnnn
    severity: str  # "error" or "warning"
    title: str
    explanation: str
    hint: str | None = None

    @property
    def level(self) -> str:
        """The hundreds digit: the key of LEVELS."""
        return self.code[2]

    @property
    def stage(self) -> str:
        """The module (or package) under src/idlib_gold/ that raises this code, as LEVELS says."""
        return LEVELS[self.level][1]


#: Where each level of codes is emitted: the hundreds digit → (what is checked, the module under
#: src/idlib_gold/ that emits every code of that level). A test holds the code to this table.
LEVELS: dict[str, tuple[str, str]] = {
    "1": ("reading files", "reading/"),
    "2": ("JSON Schema", "checking/schema.py"),
    "3": ("cross-checks", "checking/documents.py"),
    "4": ("Parquet tables", "checking/tables.py"),
    "5": ("consistency lints", "checking/lints.py"),
    "6": ("the dataset folder", "building/"),
    "7": ("predictions files and compared annotation trees", "scoring/"),
}


def _registry(*codes: Code) -> dict[str, Code]:
    """The codes by name; each declared once, well formed and at a level LEVELS knows."""
    out: dict[str, Code] = {}
    for c in codes:
        if c.code in out or not re.fullmatch(r"IG[1-9]\d\d", c.code) or c.level not in LEVELS \
                or c.severity not in ("error", "warning"):
            raise ValueError(f"bad or repeated finding code declaration {c.code}")
        out[c.code] = c
    return out


# The registry of every code a check can emit, each declared once. tests/test_codes.py holds the
# code to it: every code is raised by its stage, named in an `Emits:` line there, and tested.
CODES: dict[str, Code] = _registry(
    # 1xx reading files: reading/
    Code("IG101", "error", "not UTF-8", "The file is not valid UTF-8. Save it as UTF-8 without a byte-order mark.",
         hint="save the file as UTF-8"),
    Code("IG102", "error", "byte-order mark", "The file starts with a UTF-8 byte-order mark (BOM). Save it without one."),
    Code("IG103", "error", "YAML syntax", "The file is not well-formed YAML."),
    Code("IG104", "error", "YAML tag refused", "YAML tags such as !!python/object can run code and are refused; write plain values."),
    Code("IG105", "error", "duplicate key", "A mapping has the same key twice; YAML would silently keep the last one."),
    Code("IG106", "error", "YAML alias refused", "Anchors (&name) and aliases (*name) are refused: every annotation is written out in full."),
    Code("IG107", "error", "file too large", "The file exceeds the size limit for annotation files.",
         hint="annotation and text files are small; check that this is the right file"),
    Code("IG108", "error", "missing file", "A file the corpus needs is missing."),
    Code("IG109", "error", "unreadable file", "The file could not be read."),
    Code("IG110", "error", "not a regular file", "The file is a device, a FIFO or a socket, or it (or a folder on its path) is a symbolic link inside the repository; only regular files are read, and annotations only from the repository itself."),
    Code("IG111", "error", "unexpected file", "A folder of annotation files holds something that is not one: docs/ holds only <id>.yaml files and texts/ only <id>.txt files, so a misnamed file (x.yml, x.YAML, x.txt.bak) or a folder there is never silently left out."),
    # 2xx JSON Schema: checking/schema.py
    Code("IG201", "error", "schema", "The file does not match its JSON Schema in schema/ in a way no other 2xx code names: a combination the schema forbids (a DATE mention with a KB link), a repeated item where items are unique, too few items, no alternative of a choice matching."),
    Code("IG202", "error", "missing field", "A field the schema requires is missing, or one that another field needs (a KB entry's `verified` beside its `wikidata`).",
         hint="add the missing field (null where it does not apply)"),
    Code("IG203", "error", "unknown field", "A mapping holds a field its schema does not allow, most often a misspelt name.",
         hint="remove the field or correct its spelling; allowed fields are listed in the schema"),
    Code("IG204", "error", "wrong type", "A value is not of the type its field takes: an offset written as a string, a boolean or 12.0 (offsets are integers), a figure value of .inf or .nan (numbers are finite), a scalar where a list or mapping belongs.",
         hint="write a value of the type the message names: integers without quotes or a decimal point"),
    Code("IG205", "error", "value not in the vocabulary", "A value is not one of the closed list its field takes: an entity or figure label, a figure category, a quote type.",
         hint="use one of the values the message lists; schema/ defines them"),
    Code("IG206", "error", "number out of range", "A number is outside the range its field takes: an offset below 0 or past 2³¹ − 1 (the int32 offset columns), a figure value past ±(2⁵³ − 1).",
         hint="write a number within the bounds the message gives"),
    Code("IG207", "error", "malformed string", "A string does not have the form its field takes: an id, a sha256, a date, a currency unit or a Wikidata id that does not match its pattern, or an empty (or too long) text, note or name.",
         hint="write the value in the form the message gives"),
    # 3xx cross-checks: checking/documents.py
    Code("IG301", "error", "text checksum", "The text file's SHA-256 differs from the one recorded: the text was edited, so offsets may all be wrong. Restore the text; texts are never edited."),
    Code("IG302", "error", "id and file name", "The document id must equal the file name stem of both the YAML and the text file."),
    Code("IG303", "error", "unsafe file name", "File names must be safe document ids (lower-case letters, digits, _ and -)."),
    Code("IG304", "error", "span out of range", "A span's offsets fall outside the text or end before they start."),
    Code("IG305", "error", "span text mismatch", "A span's text differs from the document text at its offsets."),
    Code("IG306", "error", "white space at span edge", "Spans never start or end with white space."),
    Code("IG307", "error", "duplicate annotation id", "Annotation ids must be unique in a document."),
    Code("IG308", "error", "unknown KB id", "A reference names no entry of annotations/kb.yaml."),
    Code("IG309", "error", "label differs from KB type", "A mention's label must equal the type of the KB entry it links to."),
    Code("IG310", "error", "overlapping spans", "Entity and figure spans form one flat layer and must not overlap."),
    Code("IG311", "error", "overlapping quote parts", "A quote's content, speaker, cue and addressee must not overlap each other."),
    Code("IG312", "error", "figure value disagrees", "A figure's value does not agree with the digits in its text."),
    Code("IG313", "error", "invalid date value", "A DATE/TIME value is not a valid ISO 8601 / TIMEX3 string."),
    Code("IG314", "error", "unused KB entry", "Every KB entry must be referenced at least once; remove it or link it."),
    Code("IG315", "error", "duplicate KB id", "KB ids must be unique."),
    Code("IG316", "error", "text without annotations", "Every text needs an annotation file and every annotation file a text."),
    Code("IG317", "error", "metadata inconsistent", "Document metadata disagree with each other or with the text."),
    Code("IG318", "warning", "annotations out of order", "Annotations are kept in text order (by start offset) so diffs stay small."),
    Code("IG319", "error", "span edge inside a token", "A gold span starts or ends inside a token of the ner tokenizer."),
    Code("IG320", "error", "story disagrees with overlap", "A document's story differs from the stories measured from text overlap."),
    Code("IG321", "warning", "split differs from the rule", "A document's split differs from the deterministic split rule."),
    Code("IG322", "error", "Wikidata id shared", "Two knowledge-base entries carry the same Wikidata id; one item is one entity."),
    Code("IG323", "error", "span edge splits a combining mark", "A span starts or ends between a base character and its combining mark (Unicode category M), cutting what a reader sees as one character."),
    # 4xx Parquet tables (pandera): checking/tables.py
    Code("IG401", "error", "table check", "A Parquet table breaks one of the rules of its pandera model."),
    Code("IG402", "error", "tables disagree", "The documents config and a per-layer config hold different annotations."),
    Code("IG403", "error", "unreadable table", "A Parquet file is missing, unreadable, or lacks the expected columns."),
    Code("IG404", "error", "file differs from croissant.json", "A file's size or SHA-256 differs from what croissant.json records for it (or the card's download size from its files), or croissant.json does not describe it: the file was rewritten after the build, even with the same rows. Rebuild with `idlib-gold build`."),
    # 5xx consistency lints (warnings): checking/lints.py
    Code("IG501", "warning", "unannotated occurrence", "A string annotated elsewhere in the document is left unannotated here."),
    Code("IG502", "warning", "label disagreement", "The same string carries different labels in the corpus."),
    Code("IG503", "warning", "shared sentence differs", "A sentence that two documents share word for word is annotated differently."),
    # 6xx dataset folder: building/ (folder.py compares it, freshness.py asks the card)
    Code("IG601", "error", "stale dataset file", "A file in dataset/ differs from what a build writes now. Run `idlib-gold build`."),
    Code("IG602", "error", "missing dataset file", "A file a build writes is missing from dataset/. Run `idlib-gold build`."),
    Code("IG603", "error", "unexpected dataset file", "dataset/ holds a file a build would not write. Remove it or run `idlib-gold build`."),
    Code("IG604", "error", "not a plain file", "dataset/ holds only regular files: a symbolic link (even to the same bytes), a FIFO, a device or a socket there is never followed or read. Remove it and run `idlib-gold build`, which replaces the folder."),
    Code("IG605", "error", "stamp folder not plain", "The stamp's folder .idlib-gold-cache/ holds only the regular files idlib-gold writes; a symbolic link or special file there, or in its place, is never read or written through. Remove .idlib-gold-cache/ (a cache: the next check compares in full)."),
    Code("IG610", "error", "dataset not rebuilt", "The annotations or schema changed since dataset/ was built: the card's source digest is not that of the files now. Run `idlib-gold build` and commit dataset/ with the annotations.",
         hint=("run `idlib-gold build` and `git add dataset/`; to let such commits through with a warning, give the hook "
         "`args: [--stale-dataset=warning]` and `verbose: true` (pre-commit shows a passing hook's output only then)")),
    # 7xx predictions files (idlib-gold evaluate; the line is the JSON Lines line number) and
    # annotation trees compared by idlib-gold agree: scoring/
    Code("IG701", "error", "prediction line not JSON", "A line of the predictions file is not UTF-8 JSON; each line holds one JSON object."),
    Code("IG702", "error", "prediction schema", "A prediction record does not match schema/predictions.schema.json."),
    Code("IG703", "error", "unknown document", "A prediction names a document id that is not in the corpus.",
         hint="ids are the stems of annotations/texts/<id>.txt"),
    Code("IG704", "error", "document predicted twice", "A document has more than one prediction line; only the first is scored.",
         hint="write one line per document"),
    Code("IG705", "error", "predicted span mismatch", "A predicted span is outside the text, or its text differs from the document text at its offsets."),
    Code("IG706", "warning", "document not predicted", "A scored document has no prediction line, or its line lacks a layer other lines predict; it counts as predicting nothing there."),
    Code("IG707", "error", "text differs between trees", "Two annotation trees compared by `idlib-gold agree` hold different texts for one document id; that document is not compared."),
    # 71x–72x token-classifier and pipeline inputs: scoring/token_inputs.py
    Code("IG710", "error", "tag record malformed", "A BIO line must be a JSON object with a string `id` (a row id of the ner config) and a `ner_tags` list."),
    Code("IG711", "error", "unknown ner row", "A tag record names a row id that is not in the ner config (`<doc id>-pNNN`)."),
    Code("IG712", "error", "ner row predicted twice", "A ner row has more than one tag sequence; only the first is scored."),
    Code("IG713", "error", "wrong number of tags", "A tag sequence is longer or shorter than its ner row's tokens; the sequence is not scored."),
    Code("IG714", "error", "unknown tag", "A tag is neither one of the ner config's 37 tag names nor one of their ClassLabel ids (0–36); the sequence is not scored."),
    Code("IG715", "warning", "I- tag without B-", "An I-X tag follows neither B-X nor I-X; as in conlleval and seqeval, it starts a new X span."),
    Code("IG716", "error", "CoNLL line malformed", "A CoNLL line needs a token and a tag separated by white space (the tag is the last column)."),
    Code("IG717", "error", "CoNLL token differs", "A CoNLL sequence's token differs from the token of the ner row it is matched to: the sequences are out of step with the rows."),
    Code("IG718", "error", "too many sequences", "A CoNLL file or raw pipeline list holds more sequences than there are ner rows or documents to match them to."),
    Code("IG719", "warning", "ner row not predicted", "A ner row of a predicted document has no tag sequence; it counts as predicting nothing there."),
    Code("IG720", "error", "pipeline span malformed", "A pipeline span needs integer `start` < `end` inside the text and a string `label` or `entity_group`."),
    Code("IG721", "error", "pipeline label unknown", "A pipeline span's label is not one of the 18 entity and figure labels of the gold."),
    Code("IG722", "error", "pipeline line malformed", "A pipeline line must be a JSON list of spans or an object with a string `id` and an `entities` list."),
    Code("IG730", "warning", "pipeline score not a probability", "A pipeline span's `score` is not a number in [0, 1]; the span is read without a score."),
    Code("IG723", "error", "prediction line too long", "A line of the predictions file is over the line size limit (4 MiB); it is refused before it is parsed, so memory stays bounded."),
    Code("IG724", "error", "prediction nested too deeply", "A line of the predictions file nests JSON more than 32 levels deep; a prediction record nests a few."),
    Code("IG708", "error", "no predictions", "The predictions file holds no prediction line; nothing would be scored."),
    # 727–728 which documents are scored: scoring/evaluate.py, scoring/collected.py
    Code("IG727", "error", "no scored document predicted", "None of the documents scored (those of `--split`, or all) has a prediction line: every gold annotation would count as missed, so this is not a pass."),
    Code("IG728", "error", "positional file fits several splits", "A CoNLL file or raw pipeline lists hold as many items as more than one split has and nothing tells them apart; name the split with --split."),
)


@dataclass(frozen=True)
class Finding:
    """One problem: what (code, message), where (path, line, column, annotation id), how to fix (hint:
    the case's own, or else the code's default from CODES)."""

    code: str
    message: str
    path: str = ""
    line: int | None = None
    col: int | None = None
    annotation: str | None = None
    hint: str | None = None
    severity: str = field(default="")
    #: Ids of the other annotations of the same file this finding is about ("e4 overlaps e3": e3).
    involves: tuple[str, ...] = ()
    #: The findings that follow from this one, folded into it by `fold`.
    caused: tuple[Finding, ...] = ()

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code}")
        for name in ("message", "path", "annotation", "hint"):
            value = getattr(self, name)
            if isinstance(value, str) and _SURROGATE.search(value):
                object.__setattr__(self, name, printable(value))
        if not self.severity:
            object.__setattr__(self, "severity", CODES[self.code].severity)
        if self.hint is None and CODES[self.code].hint is not None:
            object.__setattr__(self, "hint", CODES[self.code].hint)

    def as_dict(self) -> dict:
        return asdict(self)


_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` as valid UTF-8 text: a file name that is not UTF-8 reaches Python with each bad byte as
    a lone surrogate (U+DC80–U+DCFF), which no UTF-8 output (text, JSON, SARIF, HTML) can hold; each
    becomes the escape `\\xNN` of its byte, any other lone surrogate `\\uNNNN`."""
    def escape(m: re.Match) -> str:
        n = ord(m.group())
        return f"\\x{n - 0xDC00:02x}" if 0xDC80 <= n <= 0xDCFF else f"\\u{n:04x}"

    return _SURROGATE.sub(escape, text)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Order by file, then line, then code, so output is stable and reads top to bottom. A finding
    met twice (one file checked by two loads of a run, as the KB a second tree borrows) is listed once."""
    return sorted(dict.fromkeys(findings), key=lambda f: (f.path, f.line or 0, f.col or 0, f.code, f.message))


def _all(findings) -> list[Finding]:
    """The findings and every finding folded into them."""
    out = []
    for f in findings:
        out.append(f)
        out += _all(f.caused)
    return out


def has_errors(findings: list[Finding]) -> bool:
    """Any error, folded ones included: folding changes how findings are shown, never the exit code."""
    return any(f.severity == "error" for f in _all(findings))


#: Which findings follow from which: cause code → (scope, codes that follow from it). A finding of
#: one of those codes is folded into a cause in the same file (scope "file"), on the same
#: annotation (scope "annotation": the cause's annotation is the finding's own or one it
#: involves), or anywhere (scope "corpus"). Derived from what one slip makes co-occur on the real
#: corpus: shifting, cutting, moving and mistyping every span, mislabelling every mention, editing
#: a text, moving a document to another story (tests/test_fold.py repeats this and holds the
#: table to what it sees). IG306 is absent on purpose: it is
#: reported only for a span whose text is at its offsets, so it follows neither IG301, IG304 nor IG305.
CONSEQUENCES: dict[str, tuple[str, frozenset[str]]] = {
    # an edited text: every offset after the edit may be off, so every span finding of the file follows
    "IG301": ("file", frozenset({"IG304", "IG305", "IG319", "IG501"})),
    # a span whose text is not at its offsets: its edges fall inside words, it lands on or among other
    # annotations, the place it was meant for looks unannotated, a mistyped text disagrees with the value
    "IG304": ("annotation", frozenset({"IG310", "IG318", "IG319", "IG501"})),
    "IG305": ("annotation", frozenset({"IG310", "IG311", "IG312", "IG318", "IG319", "IG501"})),
    # a label that differs from its KB entry's type also differs from the other mentions of the string
    "IG309": ("annotation", frozenset({"IG502"})),
    # a mention labelled unlike the others makes a sentence it shares with another text differ
    "IG502": ("annotation", frozenset({"IG503"})),
    # stories that differ from the measured ones make the split rule's answer moot
    "IG320": ("corpus", frozenset({"IG321"})),
}


def fold(findings: list[Finding]) -> list[Finding]:
    """The findings with each one that follows from another (CONSEQUENCES) folded into the finding it
    follows from, through any chain (an IG319 after an IG305 after an IG301 goes to the IG301), so
    the first line an annotator reads is the cause and the count is the number of things to fix.
    Pure; folding folded findings changes nothing."""
    ordered = sort_findings(list(findings))
    # each cause, findable by where its consequences are: code → key → the first such cause
    index: dict[str, dict[tuple, Finding]] = {code: {} for code in CONSEQUENCES}
    for f in ordered:
        if f.code in CONSEQUENCES:
            scope = CONSEQUENCES[f.code][0]
            key = () if scope == "corpus" else (f.path,) if scope == "file" else (f.path, f.annotation)
            if scope != "annotation" or f.annotation is not None:
                index[f.code].setdefault(key, f)
    parent: dict[int, Finding] = {}
    for f in ordered:
        for code, (scope, codes) in CONSEQUENCES.items():  # the table's order: the broadest cause first
            if f.code not in codes:
                continue
            keys = [()] if scope == "corpus" else [(f.path,)] if scope == "file" else \
                [(f.path, a) for a in (f.annotation, *f.involves) if a is not None]
            hit = next((index[code][k] for k in keys if k in index[code] and index[code][k] is not f), None)
            if hit is not None:
                parent[id(f)] = hit
                break

    def root(f: Finding) -> Finding:
        seen = set()
        while id(f) in parent and id(f) not in seen:
            seen.add(id(f))
            f = parent[id(f)]
        return f

    folded: dict[int, list[Finding]] = {}
    for f in ordered:
        if id(f) in parent:
            folded.setdefault(id(root(f)), []).append(f)
    out = []
    for f in ordered:
        if id(f) in parent:
            continue
        more = [g for c in folded.get(id(f), []) for g in (replace(c, caused=()), *c.caused)]
        out.append(replace(f, caused=tuple(sort_findings([*f.caused, *more]))) if more else f)
    return out
