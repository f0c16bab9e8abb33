"""Findings: every check returns these values; only the reporter turns them into text.

Keeping problems as data (a code, where, what, how to fix) lets one run collect every
problem in every file, lets tools read them as JSON, and keeps the exit code a pure
function of the findings.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

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


#: The registry of every code a check can emit, each declared once, in codes.json beside this module
#: (one record a line: code, severity, title, explanation, and the default hint where one serves every
#: case): a table to read and edit, not code. tests/test_codes.py holds the code to it: every code is
#: raised by its stage, named in an `Emits:` line there, and tested.
CODES: dict[str, Code] = _registry(*(Code(**record) for record in json.loads(
    (Path(__file__).parent / "codes.json").read_text(encoding="utf-8"))))


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
