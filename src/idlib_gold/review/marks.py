"""Turning overlapping annotations into well-nested HTML: the core of `idlib-gold render`.

HTML elements must nest, annotations need not: a quote's content overlaps the
entities inside it, two quotes can share one speaker span, and a noise token can
sit inside a quote. Every annotation becomes a `Mark` (a span of the text with
the attributes of its element); `nest` splits a mark into fragments only where
another mark crosses it. The first fragment carries the mark's id, later ones
carry `data-for` = that id, so each annotation is exactly one element with its id
and the page still shows the whole span.

Noise (HTML-entity residue, `%MINIFYHTML…%` placeholders, `advertisement` lines)
is found by pattern here, because it is part of the text and never annotated.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

__all__ = ["Mark", "Insert", "nest", "noise_marks", "NOISE"]

#: (pattern, what it is) for each kind of noise the texts keep verbatim.
NOISE = (
    (re.compile(r"&\s*#\s*\d+\s*;"), "HTML-entity residue: a numeric character reference broken by spaces "
                                     "(& # 39; was an apostrophe)"),
    (re.compile(r",quot;|&quot;|&amp;"), "HTML-entity residue: a named character reference that lost its "
                                         "ampersand (,quot; was a quotation mark)"),
    (re.compile(r"%MINIFYHTML[0-9a-f]*%"), "%MINIFYHTML…% placeholder left by an HTML minifier"),
    (re.compile(r"(?m)(?:^|(?<=\s))advertisement(?=[ \t]*$)"), "advertisement line left by the web page"),
)


@dataclass
class Mark:
    """A span of the text rendered as one element (split into fragments only where marks cross)."""

    start: int
    end: int
    rank: int  # nesting order for marks with the same span: lower is outer
    attrs: dict[str, str] = field(default_factory=dict)  # the first fragment's attributes, id included
    tag: str = "span"


@dataclass
class Insert:
    """Markup placed at an offset between the text's characters (a link badge), not around any of it."""

    at: int
    markup: str


def noise_marks(text: str, doc_id: str) -> list[Mark]:
    """One mark per noise token, in text order, with a tooltip saying what it is."""
    found = []
    for pattern, what in NOISE:
        found += [(m.start(), m.end(), what) for m in pattern.finditer(text)]
    return [Mark(s, e, 9, {"id": f"{doc_id}-noise{n}", "class": "noise", "title": what})
            for n, (s, e, what) in enumerate(sorted(found), start=1)]


def _open(mark: Mark, first: bool) -> str:
    attrs = dict(mark.attrs)
    if not first:
        attrs = {"class": attrs.get("class", "") + " cont", "data-for": attrs.get("id", "")}
        attrs.update({k: v for k, v in mark.attrs.items() if k not in ("id", "class")})
    rendered = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
    return f"<{mark.tag}{rendered}>"


def nest(text: str, marks: list[Mark], inserts: list[Insert] = ()) -> str:
    """The text as escaped HTML with every mark as an element, split only where marks cross.

    Marks outside the text or empty are skipped (the validator reports them).
    At one offset, marks that end close first, inserts follow, then marks that
    start open, longest first, so a shorter mark nests inside a longer one.
    """
    n = len(text)
    marks = [m for m in marks if 0 <= m.start < m.end <= n]
    order = {id(m): i for i, m in enumerate(marks)}
    starts: dict[int, list[Mark]] = {}
    for m in marks:
        starts.setdefault(m.start, []).append(m)
    at: dict[int, list[str]] = {}
    for ins in inserts:
        at.setdefault(min(max(ins.at, 0), n), []).append(ins.markup)
    points = sorted({0, n} | {m.start for m in marks} | {m.end for m in marks} | set(at))
    stack: list[Mark] = []
    opened: set[int] = set()
    out: list[str] = []

    def push(group: list[Mark]) -> None:
        for m in sorted(group, key=lambda m: (-m.end, m.rank, order[id(m)])):
            out.append(_open(m, id(m) not in opened))
            opened.add(id(m))
            stack.append(m)

    for i, pos in enumerate(points):
        ending = [k for k, m in enumerate(stack) if m.end == pos]
        reopen: list[Mark] = []
        if ending:
            for m in reversed(stack[ending[0]:]):
                out.append(f"</{m.tag}>")
                if m.end != pos:
                    reopen.append(m)
            del stack[ending[0]:]
        out += at.get(pos, [])
        push(reopen + starts.get(pos, []))
        if i + 1 < len(points):
            out.append(html.escape(text[pos:points[i + 1]], quote=False))
    return "".join(out)
