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
from bisect import bisect_left, bisect_right

from . import schema

__all__ = ["tokenize", "paragraphs", "tag_names", "bio_rows", "spans_from_bio", "flat_spans", "token_interiors",
           "misaligned_edges", "token_count"]

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


def bio_rows(doc) -> list[dict]:
    """One row per paragraph: tokens, string BIO tags and each token's document offsets.

    Each span finds its paragraph and its tokens by bisection, so a document costs one
    tokenizer pass plus a logarithmic lookup per span. Spans are applied in sorted order,
    a later one overwriting an earlier one's tags (valid gold spans never overlap)."""
    text = doc.text
    pars = paragraphs(text)
    par_starts = [s for s, _ in pars]
    tokens = [[(m.start(), m.end()) for m in _TOKEN.finditer(text, s, e)] for s, e in pars]
    starts = [[s for s, _ in toks] for toks in tokens]
    ends = [[e for _, e in toks] for toks in tokens]
    tags = [["O"] * len(toks) for toks in tokens]
    for s, e, label in flat_spans(doc.data):
        n = max(0, bisect_right(par_starts, s) - 1)
        while n < len(pars) and pars[n][0] < e:
            if pars[n][1] > s:
                first, last = bisect_left(starts[n], s), bisect_right(ends[n], e)
                for k in range(first, last):
                    tags[n][k] = ("B-" if k == first else "I-") + label
            n += 1
    return [{"id": f"{doc.id}-p{n:03d}", "doc_id": doc.id, "tokens": [text[s:e] for s, e in tokens[n]],
             "ner_tags": tags[n], "token_starts": starts[n], "token_ends": ends[n]} for n in range(len(pars))]


def token_count(text: str) -> int:
    """The number of tokens of `text` (tokens never cross white space, so paragraphs need no split)."""
    return sum(1 for _ in _TOKEN.finditer(text))


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


def token_interiors(text: str) -> bytearray:
    """interior[i] is 1 when offset i falls strictly inside a token (tokens never cross white space,
    so one pass over the whole text gives the same tokens as one pass per paragraph)."""
    interior = bytearray(len(text) + 1)
    for ts, te in tokenize(text):
        interior[ts + 1:te] = b"\x01" * (te - ts - 1)
    return interior


def misaligned_edges(text: str, start: int, end: int, interior: bytearray | None = None) -> list[int]:
    """Span edges that fall strictly inside a token of the rule above."""
    interior = token_interiors(text) if interior is None else interior
    return [edge for edge in (start, end) if 0 <= edge < len(interior) and interior[edge]]
