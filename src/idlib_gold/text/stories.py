"""Stories and splits: measuring which documents are copies of one another, and keeping them together.

Syndicated copies (`001` and `004` are one wire story with edits) must never sit on
both sides of a split, or a model is tested on text it trained on. So stories are
measured, not declared:

- **Overlap** of two documents is the containment of word 8-gram shingles:
  |S(a) ∩ S(b)| / min(|S(a)|, |S(b)|), with words lower-cased runs of letters and digits.
  Shingles that occur in more than `COMMON` documents (and more than 1% of them) are
  boilerplate, not evidence of copying, and are ignored; this also keeps the pair
  count near-linear on large corpora.
- Two documents belong to one **story** when their overlap is at least `THRESHOLD`;
  stories are the connected groups of that relation.
- **Split rule**: stories are taken largest first (ties by their first document id) and
  each goes to the split whose document count is furthest below its target share
  (train 60%, validation 20%, test 20%; ties in that order). Deterministic, and a whole
  story always lands in one split.

Why exact counting, and what it costs: see docs/decisions/0004-stories-measured-by-exact-shingle-counts.md.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

__all__ = ["THRESHOLD", "SHINGLE", "TARGETS", "Stories", "measure", "measure_shingles", "shingle_keys",
           "stories_inputs", "to_keep", "kept_stories", "containment_of_pairs", "story_groups", "assign_splits"]

SHINGLE = 8
THRESHOLD = 0.2
COMMON = 50
#: Up to this many documents every pair's overlap is kept (the card shows the full matrix); above it,
#: only pairs whose overlap reaches LISTED (the card lists those).
MATRIX_MAX = 30
LISTED = 0.05
TARGETS = {"train": 0.6, "validation": 0.2, "test": 0.2}
_WORD = re.compile(r"[^\W_]+")


def shingle_keys(text: str, n: int = SHINGLE) -> array:
    """The distinct shingles of `text` as sorted 64-bit hashes (8 bytes each, where a set of 8-tuples
    takes hundreds). Among a million distinct shingles, two share a hash with a chance of about one
    in 40 million, and a shared hash changes one pair's count by one.

    Each word is first given a number by BLAKE2b (`_word_number`), and a shingle's hash is the
    polynomial of its words' numbers (`_polynomial`), which depends on nothing but the words: the
    same in every process and every Python version, so the hashes are kept with a document's check
    results (checking/pipeline.py) and the measured stories with them. Numbering the words costs
    nothing measurable: 0.33 s for 1,000 generated documents either way."""
    numbers = _WORD_NUMBERS
    # Lower-casing a text lower-cases each of its words alike, unless it holds a capital sigma (its small
    # form depends on what follows, and a word can end before a `.`, `'`, `:` or mark that its text goes
    # on after) or the capital I with a dot (two code points in small letters); every other character
    # lowers to one of its own word class (a test holds this over every code point). One call per text.
    if "\u03a3" in text or "\u0130" in text:
        words = [w.lower() for w in _WORD.findall(text)]
    else:
        words = _WORD.findall(text.lower())
    try:
        seq = list(map(numbers.__getitem__, words))
    except KeyError:
        if len(numbers) > 1_000_000:
            numbers.clear()
        for word in set(words).difference(numbers):
            numbers[word] = _word_number(word)
        seq = list(map(numbers.__getitem__, words))
    return _polynomial(seq, n)


_WORD_NUMBERS: dict[str, int] = {}

#: The base of a shingle's polynomial: odd, so that each power of it is invertible modulo 2**64 and a
#: shingle that differs from another in one word differs in its hash.
_BASE = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1
#: Words shingled in this process before numpy is imported for it (`_numpy`): below, the pre-commit
#: hook's five documents, the arithmetic in Python costs less than the import (70 ms or more).
_NUMPY_AFTER = 200_000
_shingled = 0


def _polynomial(seq: list[int], n: int) -> array:
    """The distinct values, sorted as signed 64-bit numbers, of w[i]·B^(n-1) + w[i+1]·B^(n-2) + … +
    w[i+n-1] modulo 2**64 (B: `_BASE`) for each run of `n` word numbers w. With numpy the runs are
    summed for all positions at once (n multiply-adds over the whole array, where Python's hash of a
    tuple per shingle took 0.24 ms of a document's 0.53 ms of shingling at 1,000x the corpus); without
    it the sum rolls from one position to the next. Both give the same values (a test holds them so)."""
    global _shingled
    _shingled += len(seq)
    count = len(seq) - n + 1
    if count <= 0 or n < 1:  # no run of n words (and none of fewer than one)
        return array("q")
    np = _numpy()
    if np is not None:
        words = np.array(seq, np.uint64)
        sums = words[:count].copy()
        for k in range(1, n):
            sums *= np.uint64(_BASE)
            sums += words[k:k + count]
        ordered = np.sort(sums.view(np.int64))
        distinct = np.empty(count, bool)  # np.unique takes 0.28 ms for 3,000 values, these lines 0.07 ms
        distinct[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=distinct[1:])
        return array("q", ordered[distinct].tobytes())
    top = pow(_BASE, n - 1, 1 << 64)  # the weight of the word that leaves the run
    value = 0
    for number in seq[:n]:
        value = (value * _BASE + number) & _MASK
    values = {value}
    for old, new in zip(seq, seq[n:]):
        value = ((value - old * top) * _BASE + new) & _MASK
        values.add(value)
    return array("q", sorted(v - (1 << 64) if v >> 63 else v for v in values))


def _numpy():
    """numpy, when it is installed and this process has shingled `_NUMPY_AFTER` words or imported it already
    (an import that failed is not tried again: it would cost each later document 60 µs)."""
    global _numpy_missing
    import sys

    if _numpy_missing or ("numpy" not in sys.modules and _shingled < _NUMPY_AFTER):
        return None
    try:
        import numpy
    except ImportError:
        _numpy_missing = True
        return None
    return numpy


_numpy_missing = False


def _word_number(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class Stories:
    """What the measurement found: the stories, and the overlaps of the pairs that share a shingle
    (all of them up to MATRIX_MAX documents, above it those of at least LISTED)."""

    pairs: dict[tuple[str, str], float]
    groups: list[list[str]]


def measure(texts: dict[str, str], threshold: float = THRESHOLD) -> Stories:
    """Overlaps and stories in one pass over the texts (the build, the checks and the card share it)."""
    return measure_shingles({doc_id: shingle_keys(text) for doc_id, text in texts.items()}, threshold)


def measure_shingles(keys: dict[str, array], threshold: float = THRESHOLD) -> Stories:
    """`measure`, from each document's shingle_keys; `pairs` as MATRIX_MAX and LISTED say."""
    floor = 0.0 if len(keys) <= MATRIX_MAX else min(LISTED, threshold)
    pairs = _overlaps(keys, floor)
    return Stories(pairs, _groups(keys, pairs, threshold))


def stories_inputs(keys: dict[str, array]) -> bytes:
    """A digest of what `measure_shingles(keys)` reads: each document's id and shingles."""
    h = hashlib.sha256(b"stories 1\0")
    for doc_id in sorted(keys):
        h.update(doc_id.encode("utf-8", "surrogatepass") + b"\0" + len(keys[doc_id]).to_bytes(8, "little"))
        h.update(keys[doc_id].tobytes())
    return h.digest()


def to_keep(stories: Stories) -> tuple:
    """`stories` as plain values (for `marshal`), in their order."""
    return [(a, b, value) for (a, b), value in stories.pairs.items()], stories.groups


def kept_stories(kept) -> Stories | None:
    """The `Stories` that `to_keep` gave, or None when `kept` is not in that shape."""
    try:
        pairs, groups = kept
        return Stories({(str(a), str(b)): float(value) for a, b, value in pairs},
                       [[str(d) for d in group] for group in groups])
    except (TypeError, ValueError):
        return None


def containment_of_pairs(texts: dict[str, str]) -> dict[tuple[str, str], float]:
    """Containment for every pair of documents that shares at least one shingle (others are 0)."""
    return _overlaps({doc_id: shingle_keys(text) for doc_id, text in texts.items()})


def _overlaps(keys_by_id: dict[str, array], floor: float = 0.0) -> dict[tuple[str, str], float]:
    """Pairs whose overlap is at least `floor`.

    Shingles are first grouped by the documents they are found in (`_groups_of_shared`), only
    those in 2 … limit documents; shingles found in exactly the same documents (a copied
    paragraph's, a syndicated story's) add to the same pairs, so each such group is paired once,
    with its size as the weight (`_pairs`). A pair sharing fewer shingles than `floor` times the
    smallest document's count cannot reach `floor`, so most pairs are dropped before their overlap
    is computed."""
    ids = sorted(keys_by_id)
    keys = [keys_by_id[doc_id] for doc_id in ids]
    sizes = [len(k) for k in keys]
    limit = max(COMMON, len(ids) // 100)
    if sum(sizes) < _SORT_MIN:  # a small corpus (the pre-commit hook's) is counted without importing numpy
        found = _pairs_counted(_groups_counted(keys, limit), sizes, floor, floor * min(sizes, default=0))
    else:
        found = _pairs(_groups_of_shared(keys, limit), sizes, floor)
    return {(ids[a], ids[b]): value for (a, b), value in found}


#: From this many shingles in all (about 80 documents of the corpus's length) the sort is used: below
#: it, the dicts take less time than importing numpy (70 ms).
_SORT_MIN = 200_000


def _pairs(groups: Counter, sizes: list[int], floor: float) -> list[tuple[tuple[int, int], float]]:
    """((a, b), overlap) of each pair of documents (by index, a < b) whose overlap reaches `floor`,
    from the groups `_groups_of_shared` gives: each group adds its weight to each of its pairs.

    With numpy the pairs of all groups of one size are made at once and summed by one sort; without
    it, counted in a dict (a `Counter` over pair iterators, in C). At 1,000x the corpus, 737,000
    pairs from 2.5 million pair-incidences: the dict took about 100 MiB, the peak of a `validate`
    with no cache. Both give the same overlaps (tests/test_stories_scaled.py)."""
    least = floor * min(sizes, default=0)
    try:
        import numpy as np
    except ImportError:
        return _pairs_counted(groups, sizes, floor, least)
    by_size: dict[int, list] = defaultdict(list)
    for docs, weight in groups.items():
        by_size[len(docs)].append((docs, weight))
    n = len(sizes)
    kind = np.int32 if n * n < 2**31 else np.int64  # a pair as one number, a * n + b, in 4 bytes if it fits
    keys, weights = [], []
    for size, members in by_size.items():
        rows = np.array([docs for docs, _ in members], kind)
        first, second = np.triu_indices(size, 1)
        keys.append((rows[:, first] * n + rows[:, second]).ravel())
        weights.append(np.repeat(np.array([w for _, w in members], np.int32), len(first)))
    if not keys:
        return []
    keys, weights = np.concatenate(keys), np.concatenate(weights)
    pairs, where = np.unique(keys, return_inverse=True)
    counts = np.bincount(where, weights=weights).astype(np.int64)
    del keys, weights, where
    a, b = pairs.astype(np.int64) // n, pairs.astype(np.int64) % n
    size = np.array(sizes, np.int64)
    smaller = np.maximum(1, np.minimum(size[a], size[b]))
    values = counts / smaller
    kept = (counts >= least) & (values >= floor)
    return [((x, y), v) for x, y, v in zip(a[kept].tolist(), b[kept].tolist(), values[kept].tolist())]


def _pairs_counted(groups: Counter, sizes: list[int], floor: float, least: float) -> list:
    shared = Counter()
    for docs, weight in groups.items():
        if weight == 1:
            shared.update(combinations(docs, 2))
        else:
            for pair in combinations(docs, 2):
                shared[pair] += weight
    out = []
    for (a, b), n in shared.items():
        if n >= least:
            value = n / max(1, min(sizes[a], sizes[b]))
            if value >= floor:
                out.append(((a, b), value))
    return out


def _groups_of_shared(keys: list[array], limit: int) -> Counter:
    """(documents, by index) → how many shingles are found in exactly those documents, for every
    shingle found in 2 … `limit` of them.

    With numpy (installed with the `build` extra) the shingles are sorted once and cut into runs;
    without it, counted in a dict. Both give the same counts (tests/test_stories_scaled.py holds
    them equal). At 1,000x the corpus (2.5 million shingles) the dict took 1.5 s and about 160 MiB
    at its peak, the peak of a `validate` with no cache; the sort takes a fraction of either."""
    try:
        import numpy as np
    except ImportError:
        return _groups_counted(keys, limit)
    sizes = [len(k) for k in keys]
    flat = np.concatenate([np.frombuffer(k, np.int64) for k in keys]) if keys else np.zeros(0, np.int64)
    order = np.argsort(flat, kind="stable")  # stable: each shingle's documents stay in index order
    flat = flat[order]
    docs = np.repeat(np.arange(len(keys), dtype=np.int32), sizes)[order]
    del order
    starts = np.flatnonzero(np.concatenate(([True], flat[1:] != flat[:-1])))
    del flat
    counts = np.diff(np.concatenate((starts, [len(docs)])))
    kept = (counts > 1) & (counts <= limit)
    starts, counts = starts[kept], counts[kept]
    out: Counter = Counter()
    for size in np.unique(counts).tolist():  # the runs of one length as the rows of one array
        first = starts[counts == size]
        out.update(map(tuple, docs[first[:, None] + np.arange(size)].tolist()))
    return out


def _groups_counted(keys: list[array], limit: int) -> Counter:
    """`_groups_of_shared` with the standard library alone: counted in C where it can
    (`Counter.update` over arrays and over the documents' tuples)."""
    frequency = Counter()
    for doc_keys in keys:
        frequency.update(doc_keys)
    evidence = {key for key, n in frequency.items() if 1 < n <= limit}
    del frequency
    index = defaultdict(list)
    for n, doc_keys in enumerate(keys):
        for key in evidence.intersection(doc_keys):
            index[key].append(n)
    del evidence
    # Shingles found in exactly the same documents (a copied paragraph's, a syndicated story's)
    # add to the same pairs: each such group is paired once, with its size as the weight.
    return Counter(map(tuple, index.values()))


def story_groups(texts: dict[str, str], threshold: float = THRESHOLD) -> list[list[str]]:
    """Documents grouped into stories (sorted lists, sorted by first id)."""
    return _groups(texts, containment_of_pairs(texts), threshold)


def _groups(texts, pairs: dict[tuple[str, str], float], threshold: float) -> list[list[str]]:
    parent = {d: d for d in texts}

    def find(d):
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    for (a, b), value in pairs.items():
        if value >= threshold:
            ra, rb = find(a), find(b)
            parent[max(ra, rb)] = min(ra, rb)
    groups = defaultdict(list)
    for d in sorted(texts):
        groups[find(d)].append(d)
    return sorted(groups.values())


def assign_splits(groups: list[list[str]]) -> dict[str, str]:
    """Document id → split, by the rule in the module docstring."""
    total = sum(len(g) for g in groups)
    counts = {s: 0 for s in TARGETS}
    out = {}
    for group in sorted(groups, key=lambda g: (-len(g), g[0])):
        split = max(TARGETS, key=lambda s: (TARGETS[s] * total - counts[s], -list(TARGETS).index(s)))
        counts[split] += len(group)
        out.update({d: split for d in group})
    return out
