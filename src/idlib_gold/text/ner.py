"""The token-level view (`ner` config): one row per paragraph, BIO tags over 18 OntoNotes types.

Tokens and paragraphs come from the shared tokenizer rule (`text/tokens.py`); this
module turns the flat layer (entities and figures) into BIO tags over them, and
back.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right

from .. import vocabulary
from .tokens import Tokens, paragraphs

__all__ = ["tag_names", "span_labels", "bio_rows", "tag_tokens", "spans_from_bio", "flat_spans"]


def span_labels() -> list[str]:
    """The 18 types of the flat layer: entity labels, then figure labels, in schema order."""
    return vocabulary.entity_labels() + vocabulary.figure_labels()


def tag_names() -> list[str]:
    """O, then B-X and I-X for each of the 18 types (37 tags)."""
    names = ["O"]
    for label in span_labels():
        names += [f"B-{label}", f"I-{label}"]
    return names


def flat_spans(data: dict) -> list[tuple[int, int, str]]:
    """The entity and figure spans of a document as (start, end, label), sorted."""
    return sorted([(a["start"], a["end"], a["label"]) for a in data["entities"] + data["figures"]])


def _tokens(doc) -> Tokens:
    cached = getattr(doc, "tokens", None)
    return cached if isinstance(cached, Tokens) else Tokens(doc.text)


def tag_tokens(doc, index: dict[str, int]):
    """BIO tagging, once for every view: (tokens, paragraph token ranges, one tag index per token
    of the document). A span finds its paragraph and its tokens by bisection; spans are applied
    in sorted order, a later one overwriting an earlier one's tags (valid gold spans never
    overlap). Tag index 0 is "O"."""
    text, toks = doc.text, _tokens(doc)
    pars = paragraphs(text)
    ranges = [toks.between(s, e) for s, e in pars]
    par_starts = [s for s, _ in pars]
    tags = array("q", bytes(8 * len(toks)))
    for s, e, label in flat_spans(doc.data):
        b, i = index["B-" + label], index["I-" + label]
        n = max(0, bisect_right(par_starts, s) - 1)
        while n < len(pars) and pars[n][0] < e:
            if pars[n][1] > s:
                lo, hi = ranges[n]
                first, last = bisect_left(toks.starts, s, lo, hi), bisect_right(toks.ends, e, lo, hi)
                for k in range(first, last):
                    tags[k] = b if k == first else i
            n += 1
    return toks, ranges, tags


def bio_rows(doc) -> list[dict]:
    """One row per paragraph: tokens, string BIO tags and each token's document offsets."""
    names = tag_names()
    toks, ranges, tags = tag_tokens(doc, {t: i for i, t in enumerate(names)})
    return [{"id": f"{doc.id}-p{n:03d}", "doc_id": doc.id,
             "tokens": [doc.text[s:e] for s, e in zip(toks.starts[a:z], toks.ends[a:z])],
             "ner_tags": [names[t] for t in tags[a:z]], "token_starts": toks.starts[a:z].tolist(),
             "token_ends": toks.ends[a:z].tolist()} for n, (a, z) in enumerate(ranges)]


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
