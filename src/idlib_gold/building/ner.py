"""The token-level view (`ner` config): paragraphs, tokens and BIO tags over 18 OntoNotes types.

The tokenizer is a fixed rule that never looks at the annotations, so a model's
tokens and the gold agree only if the gold's spans fall on token boundaries; the
validator reports any span edge inside a token (IG319), which keeps the guidelines
and this rule compatible.

Tokenizer rule, in order of preference at each position:
1. a number: digits with optional `,ddd` groups or a decimal part (`390,000`, `3.6`);
2. a word: a run of Unicode letters, digits and underscores;
3. any other single non-space character (punctuation, `’`, `–`, `&`, `#`, `%`, `-`).
White space separates tokens and is never part of one. Hyphenated words split at
the hyphen (`Russian`, `-`, `backed`), as OntoNotes span rules require.

Paragraphs are the text's lines; empty lines yield no row.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right

from . import schema

__all__ = ["Tokens", "tokenize", "paragraphs", "tag_names", "bio_rows", "spans_from_bio", "flat_spans",
           "misaligned_edges"]

_TOKEN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?(?![\w])|\w+|[^\w\s]")


def tokenize(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each token of `text`, shifted by `offset`."""
    return [(m.start() + offset, m.end() + offset) for m in _TOKEN.finditer(text)]


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line, without its surrounding white space."""
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + lead + len(stripped)))
        pos += len(line) + 1
    return out


def span_labels() -> list[str]:
    """The 18 types of the flat layer: entity labels, then figure labels, in schema order."""
    return schema.entity_labels() + schema.figure_labels()


def tag_names() -> list[str]:
    """O, then B-X and I-X for each of the 18 types (37 tags)."""
    names = ["O"]
    for label in span_labels():
        names += [f"B-{label}", f"I-{label}"]
    return names


def flat_spans(data: dict) -> list[tuple[int, int, str]]:
    """The entity and figure spans of a document as (start, end, label), sorted."""
    return sorted([(a["start"], a["end"], a["label"]) for a in data["entities"] + data["figures"]])


class Tokens:
    """The token offsets of a whole text, as two compact arrays (8 bytes a token, not ~70 as tuples).

    A document is tokenized once (`Document.tokens`) and every reader shares it: the IG319
    check, the BIO rows and the card's counts."""

    __slots__ = ("starts", "ends")

    def __init__(self, text: str) -> None:
        spans = [m.span() for m in _TOKEN.finditer(text)]
        self.starts = array("i", [s for s, _ in spans])
        self.ends = array("i", [e for _, e in spans])

    def __len__(self) -> int:
        return len(self.starts)

    def between(self, start: int, end: int) -> tuple[int, int]:
        """Index range of the tokens that start in [start, end)."""
        return bisect_left(self.starts, start), bisect_left(self.starts, end)


def _tokens(doc) -> Tokens:
    cached = getattr(doc, "tokens", None)
    return cached if isinstance(cached, Tokens) else Tokens(doc.text)


def bio_rows(doc) -> list[dict]:
    """One row per paragraph: tokens, string BIO tags and each token's document offsets.

    A paragraph's tokens are a slice of the document's tokens, and each span finds its
    paragraph and its tokens by bisection. Spans are applied in sorted order, a later
    one overwriting an earlier one's tags (valid gold spans never overlap)."""
    text, toks = doc.text, _tokens(doc)
    pars = paragraphs(text)
    par_starts = [s for s, _ in pars]
    ranges = [toks.between(s, e) for s, e in pars]
    starts = [toks.starts[a:b].tolist() for a, b in ranges]
    ends = [toks.ends[a:b].tolist() for a, b in ranges]
    tags = [["O"] * (b - a) for a, b in ranges]
    for s, e, label in flat_spans(doc.data):
        n = max(0, bisect_right(par_starts, s) - 1)
        while n < len(pars) and pars[n][0] < e:
            if pars[n][1] > s:
                first, last = bisect_left(starts[n], s), bisect_right(ends[n], e)
                for k in range(first, last):
                    tags[n][k] = ("B-" if k == first else "I-") + label
            n += 1
    return [{"id": f"{doc.id}-p{n:03d}", "doc_id": doc.id,
             "tokens": [text[s:e] for s, e in zip(starts[n], ends[n])],
             "ner_tags": tags[n], "token_starts": starts[n], "token_ends": ends[n]} for n in range(len(pars))]


def spans_from_bio(tags: list[str], starts: list[int], ends: list[int]) -> list[tuple[int, int, str]]:
    """Character spans back from BIO tags; an I- without its B- starts a span (as conlleval does)."""
    out, current = [], None
    for tag, s, e in zip(tags, starts, ends):
        if tag.startswith("I-") and current and current[2] == tag[2:]:
            current = (current[0], e, current[2])
            continue
        if current:
            out.append(current)
            current = None
        if tag != "O":
            current = (s, e, tag[2:])
    if current:
        out.append(current)
    return out


def misaligned_edges(tokens: Tokens, start: int, end: int) -> list[int]:
    """Span edges that fall strictly inside a token of the rule above."""
    out = []
    for edge in (start, end):
        k = bisect_right(tokens.starts, edge) - 1
        if k >= 0 and tokens.starts[k] < edge < tokens.ends[k]:
            out.append(edge)
    return out
