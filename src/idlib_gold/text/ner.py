"""The token-level view (`ner` config): one row per paragraph, BIO tags over 18 OntoNotes types.

Tokens and paragraphs come from the shared tokenizer rule (`text/tokens.py`); this
module turns the flat layer (entities and figures) into BIO tags over them, and
back.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from .. import vocabulary
from .tokens import Tokens, paragraphs

__all__ = ["tag_names", "span_labels", "bio_rows", "tag_tokens", "tag_spans", "spans_from_bio", "flat_spans", "Listed",
           "listed_tokens", "Spans", "listed_tags"]


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
    of the document); `tag_spans` over the document's flat layer."""
    return tag_spans(doc.text, _tokens(doc), flat_spans(doc.data), index)


def tag_spans(text: str, toks: Tokens, spans: list[tuple[int, int, str]], index: dict[str, int]):
    """The BIO rule: (tokens, paragraph token ranges, one tag index per token of the text) for `spans`
    as `flat_spans` gives them, sorted. A span finds its paragraph and its tokens by bisection; spans
    are applied in sorted order, a later one overwriting an earlier one's tags (valid gold spans never
    overlap). Tag index 0 is "O"."""
    pars = paragraphs(text)
    ranges = [toks.between(s, e) for s, e in pars]
    par_starts = [s for s, _ in pars]
    tags = array("q", bytes(8 * len(toks)))
    for s, e, label in spans:
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


@dataclass
class Listed:
    """The tokens the `ner` rows of some documents list, in order: a row per paragraph (`{doc}-p{n:03d}`),
    each row's end in the token arrays (`offsets`, after a leading 0), every listed token's offsets in its
    text, and per document the index of its first listed token in its own tokens and how many it lists."""

    ids: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    offsets: array = field(default_factory=lambda: array("i", [0]))
    starts: array = field(default_factory=lambda: array("i"))
    ends: array = field(default_factory=lambda: array("i"))
    firsts: list[int] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)


def listed_tokens(doc_ids: list[str], tokens: list[Tokens], pars_of: list[list[tuple[int, int]]]) -> Listed:
    """The rows and tokens `bio_rows` gives for each document (its id, tokens and `paragraphs`), as arrays."""
    out = Listed()
    for doc_id, toks, pars in zip(doc_ids, tokens, pars_of):
        ranges = [toks.between(s, e) for s, e in pars]
        first = ranges[0][0] if ranges else 0
        last = ranges[-1][1] if ranges else 0
        shift = len(out.starts) - first
        out.firsts.append(first)
        out.counts.append(last - first)
        for n, (_, z) in enumerate(ranges):
            out.ids.append(f"{doc_id}-p{n:03d}")
            out.doc_ids.append(doc_id)
            out.offsets.append(shift + z)
        out.starts += toks.starts[first:last]
        out.ends += toks.ends[first:last]
    return out


@dataclass
class Spans:
    """The flat layer of some documents, in order: how many spans each has, and every span's start, end and
    label, each document's sorted as `flat_spans` sorts them."""

    counts: list[int]
    starts: object  # a sequence of ints (a list, or a numpy array)
    ends: object
    labels: list[str]

    @classmethod
    def of(cls, spans_of: list[list[tuple[int, int, str]]]) -> Spans:
        flat = [span for spans in spans_of for span in spans]
        return cls([len(spans) for spans in spans_of], [s for s, _, _ in flat], [e for _, e, _ in flat],
                    [label for _, _, label in flat])

    def of_document(self, n: int, base: list[int]) -> list[tuple[int, int, str]]:
        return [(int(self.starts[k]), int(self.ends[k]), self.labels[k]) for k in range(base[n], base[n + 1])]


def listed_tags(texts: list[str], tokens: list[Tokens], pars_of: list, spans: Spans, listed: Listed):
    """The tag index of every token `listed` holds (numpy int64), by the rule of `tag_spans`.

    When a document's spans each lie inside one paragraph and tag disjoint tokens, as valid gold does, a
    span's tokens are found by one search over all the listed tokens' offsets (each document's offsets
    shifted past the previous documents' texts), and all spans are tagged at once; any other document is
    tagged by `tag_spans` itself. At 1,000x the corpus the rule span by span took 0.8 s of a 4 s
    rendering step."""
    import numpy as np

    index = {name: i for i, name in enumerate(tag_names())}
    counts = listed.counts
    shifts, par_starts, par_ends, par_counts = [], [], [], []
    shift = 0
    for text, pars in zip(texts, pars_of):
        shifts.append(shift)
        par_starts += [s for s, _ in pars]
        par_ends += [e for _, e in pars]
        par_counts.append(len(pars))
        shift += len(text) + 1
    span_counts, span_starts, span_ends, labels = spans.counts, spans.starts, spans.ends, spans.labels
    kind = np.int32 if shift < 2**31 else np.int64  # offsets shifted past every text before: 4 bytes if they fit
    n_docs = len(texts)
    counts, shifts = np.array(counts, np.int64), np.array(shifts, kind)
    token_docs = np.repeat(np.arange(n_docs, dtype=np.int32), counts)
    at = np.frombuffer(listed.starts, np.int32).astype(kind) + shifts[token_docs]
    to = np.frombuffer(listed.ends, np.int32).astype(kind) + shifts[token_docs]
    del token_docs
    tags = np.zeros(len(at), np.int64)
    span_docs = np.repeat(np.arange(n_docs), span_counts)
    s = np.array(span_starts, np.int64) + shifts[span_docs]  # spans are few: int64, whatever offsets they hold
    e = np.array(span_ends, np.int64) + shifts[span_docs]
    par_docs = np.repeat(np.arange(n_docs), par_counts)
    par_ends = np.array(par_ends, np.int64) + shifts[par_docs]
    codes = {label: (index["B-" + label], index["I-" + label]) for label in set(labels)}
    begins = np.array([codes[label][0] for label in labels], np.int64)
    insides = np.array([codes[label][1] for label in labels], np.int64)
    # searched in the tokens' own type (a mixed search copies the whole token array first); a span out
    # of its text, clipped here, leaves its paragraph below, and its document is tagged the slow way
    bounds = np.iinfo(kind)
    first = np.searchsorted(at, np.clip(s, bounds.min, bounds.max).astype(kind), "left")
    last = np.searchsorted(to, np.clip(e, bounds.min, bounds.max).astype(kind), "right")
    par = np.searchsorted(np.array(par_starts, np.int64) + shifts[par_docs], s, "right") - 1
    if len(par_ends):  # the span lies inside one paragraph of its own document
        known = np.maximum(par, 0)
        inside = (par >= 0) & (par_ends[known] >= e) & (par_docs[known] == span_docs)
    else:
        inside = np.zeros(len(s), bool)
    later = np.zeros(len(s), bool)
    later[1:] = (span_docs[1:] == span_docs[:-1]) & (first[1:] < last[:-1])  # tags an earlier span's token
    odd = np.unique(span_docs[~inside | later])
    fast = ~np.isin(span_docs, odd) & (last > first)
    first, last = first[fast], last[fast]
    lengths = last - first
    runs = np.repeat(first - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(lengths.sum())
    tags[runs] = np.repeat(insides[fast], lengths)
    tags[first] = begins[fast]
    token_base = np.concatenate(([0], np.cumsum(counts)))
    span_base = [0, *np.cumsum(span_counts).tolist()]
    for n in odd.tolist():
        _, _, doc_tags = tag_spans(texts[n], tokens[n], spans.of_document(n, span_base), index)
        lo = listed.firsts[n]
        tags[token_base[n]:token_base[n + 1]] = np.frombuffer(doc_tags, np.int64)[lo:lo + counts[n]]
    return tags


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
