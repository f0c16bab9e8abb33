"""The tokenizer rule shared by every stage: tokens, paragraphs, and span edges inside a token.

The tokenizer is a fixed rule that never looks at the annotations, so a model's
tokens and the gold agree only if the gold's spans fall on token boundaries; the
validator reports any span edge inside a token (IG319), which keeps the guidelines
and this rule compatible. The `ner` config (text/ner.py) is written with it.

Tokenizer rule, in order of preference at each position:
1. a number: digits with optional `,ddd` groups or a decimal part (`390,000`, `3.6`);
2. a word: a run of Unicode letters, digits and underscores;
3. any other single non-space character (punctuation, `’`, `–`, `&`, `#`, `%`, `-`).
White space separates tokens and is never part of one. Hyphenated words split at
the hyphen (`Russian`, `-`, `backed`), as OntoNotes span rules require.

Paragraphs are the text's lines; empty lines yield no row.

Why one regular expression and no library tokenizer: see docs/decisions/0003-one-regular-expression-tokenizer.md.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right

__all__ = ["Tokens", "tokenize", "paragraphs", "misaligned_edges", "may_cut_a_token"]

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


class Tokens:
    """The token offsets of a whole text, as two compact arrays (8 bytes a token, not ~70 as tuples).

    A document is tokenized once (`Document.tokens`) and every reader shares it: the IG319
    check, the BIO rows and the card's counts."""

    __slots__ = ("starts", "ends")

    def __init__(self, text: str) -> None:
        spans = [m.span() for m in _TOKEN.finditer(text)]
        self.starts = array("i", [s for s, _ in spans])
        self.ends = array("i", [e for _, e in spans])

    @classmethod
    def from_arrays(cls, starts: array, ends: array) -> Tokens:
        """Tokens already found (a document's kept check results, checking/pipeline.py)."""
        tokens = cls.__new__(cls)
        tokens.starts, tokens.ends = starts, ends
        return tokens

    def __len__(self) -> int:
        return len(self.starts)

    def between(self, start: int, end: int) -> tuple[int, int]:
        """Index range of the tokens that start in [start, end)."""
        return bisect_left(self.starts, start), bisect_left(self.starts, end)


def misaligned_edges(tokens: Tokens, start: int, end: int) -> list[int]:
    """Span edges that fall strictly inside a token of the rule above."""
    out = []
    for edge in (start, end):
        k = bisect_right(tokens.starts, edge) - 1
        if k >= 0 and tokens.starts[k] < edge < tokens.ends[k]:
            out.append(edge)
    return out


def may_cut_a_token(text: str, edge: int) -> bool:
    r"""Whether a token of the rule above could hold both characters beside `edge`; where it could not,
    `edge` is on a token boundary whatever the tokens are, and the text need not be tokenized to say so.

    A token holds no white space; a one-character token holds one character; a word token holds word
    characters (`\w`: `str.isalnum()` or `_`) only; a number token holds digits (`\d`: `str.isdecimal()`),
    and a `,` or `.` only with a digit on each side. So an edge inside a token lies between two word
    characters, or between a digit and a `,` or `.` that has a digit on its other side. Tokenizing was
    8% of a cold `validate`'s CPU time at 1,000x the corpus, and gold spans end beside spaces and
    punctuation."""
    if not 0 < edge < len(text):
        return False
    before, after = text[edge - 1], text[edge]
    if (before.isalnum() or before == "_") and (after.isalnum() or after == "_"):
        return True
    if after in ",." and before.isdecimal():
        return edge + 1 < len(text) and text[edge + 1].isdecimal()
    if before in ",." and after.isdecimal():
        return edge >= 2 and text[edge - 2].isdecimal()
    return False
