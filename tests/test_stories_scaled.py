"""The story measurement on generated corpora equals a plain all-pairs computation of its definition."""

from __future__ import annotations

import re
from collections import Counter
from itertools import combinations

import pytest

from helpers import ROOT
from idlib_gold.text.stories import COMMON, LISTED, MATRIX_MAX, SHINGLE, THRESHOLD, measure


def _reference(texts: dict[str, str]) -> tuple[dict, list[list[str]]]:
    """The module docstring's definition, computed the slow way: shingles as word tuples, every pair."""
    shingles = {}
    for doc_id, text in texts.items():
        words = [w.lower() for w in re.findall(r"[^\W_]+", text)]
        shingles[doc_id] = {tuple(words[k:k + SHINGLE]) for k in range(len(words) - SHINGLE + 1)}
    frequency = Counter(s for doc in shingles.values() for s in doc)
    limit = max(COMMON, len(texts) // 100)
    floor = 0.0 if len(texts) <= MATRIX_MAX else LISTED
    pairs = {}
    for a, b in combinations(sorted(texts), 2):
        common = sum(1 for s in shingles[a] & shingles[b] if frequency[s] <= limit)
        value = common / max(1, min(len(shingles[a]), len(shingles[b])))
        if common and value >= floor:
            pairs[(a, b)] = value
    parent = {d: d for d in texts}

    def find(d):
        while parent[d] != d:
            d = parent[d]
        return d

    for (a, b), value in pairs.items():
        if value >= THRESHOLD:
            ra, rb = find(a), find(b)
            parent[max(ra, rb)] = min(ra, rb)
    groups = {}
    for d in sorted(texts):
        groups.setdefault(find(d), []).append(d)
    return pairs, sorted(groups.values())


@pytest.mark.parametrize("vary", [True, False], ids=["varied words", "repeated paragraphs"])
def test_measured_pairs_and_stories_equal_the_definition_on_a_generated_corpus(tmp_path, vary):
    from bench import synth

    n = 2 * MATRIX_MAX  # above MATRIX_MAX, so only listed pairs are kept
    synth.generate(tmp_path, n, ROOT, vary=vary)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted((tmp_path / "annotations/texts").glob("*.txt"))}
    pairs, groups = _reference(texts)
    got = measure(texts)
    assert got.groups == groups
    assert got.pairs.keys() == pairs.keys()
    assert all(got.pairs[k] == pytest.approx(v) for k, v in pairs.items())
    assert any(len(g) > 1 for g in groups)  # the corpus has stories to find, so the test can fail


def test_the_real_corpus_measures_the_same_as_the_definition(corpus):
    texts = {d.id: d.text for d in corpus.documents}
    pairs, groups = _reference(texts)
    got = measure(texts)
    assert got.groups == groups and got.pairs.keys() == pairs.keys()


def test_shingle_hashes_are_the_same_in_every_process(corpus):
    """Shingles are kept with a document's check results and read by later commands, so they may not
    depend on the process's string-hash seed."""
    import os
    import subprocess
    import sys

    from idlib_gold.text.stories import shingle_keys

    doc = corpus.documents[0]
    here = shingle_keys(doc.text).tolist()
    for seed in ("1", "2"):
        code = ("import sys; from idlib_gold.text.stories import shingle_keys; "
                "print(shingle_keys(sys.stdin.read()).tolist())")
        out = subprocess.run([sys.executable, "-c", code], input=doc.text, capture_output=True, text=True,
                             encoding="utf-8", env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
        assert out.strip() == str(here)


@pytest.mark.parametrize("common", [2, COMMON])
def test_shared_shingles_are_grouped_alike_with_and_without_numpy(tmp_path, common):
    """`validate` may run without numpy (it comes with the `build` extra): the standard-library
    count gives the same groups as the sort, here with shingles both under and over the limit."""
    from bench import synth

    from idlib_gold.text import stories

    synth.generate(tmp_path, 60, ROOT, vary=False)
    keys = [stories.shingle_keys(p.read_text(encoding="utf-8"))
            for p in sorted((tmp_path / "annotations/texts").glob("*.txt"))]
    keys.append(stories.shingle_keys(""))  # a document without shingles
    sorted_ = stories._groups_of_shared(keys, common)
    counted = stories._groups_counted(keys, common)
    assert sorted_ == counted and sum(counted.values()) > 0
    assert all(1 < len(docs) <= common and list(docs) == sorted(docs) for docs in sorted_)


@pytest.mark.parametrize("floor", [0.0, LISTED, 0.5])
def test_pair_overlaps_are_the_same_with_and_without_numpy(tmp_path, floor):
    from bench import synth

    from idlib_gold.text import stories

    synth.generate(tmp_path, 60, ROOT, vary=False)
    keys = [stories.shingle_keys(p.read_text(encoding="utf-8"))
            for p in sorted((tmp_path / "annotations/texts").glob("*.txt"))] + [stories.shingle_keys("")]
    groups = stories._groups_counted(keys, COMMON)
    sizes = [len(k) for k in keys]
    least = floor * min(sizes)
    sorted_ = dict(stories._pairs(groups, sizes, floor))
    counted = dict(stories._pairs_counted(groups, sizes, floor, least))
    assert sorted_ == counted and len(counted) > 1 and all(a < b for a, b in counted)


def test_measuring_the_stories_returns_the_memory_it_freed(corpus, monkeypatch):
    """The sort of every shingle and the shingles themselves are freed once the stories are measured; their
    memory goes back to the system then (`memory.return_freed_memory`), not held through the checks after."""
    from idlib_gold.reading import corpus as module

    trims = []
    monkeypatch.setattr(module, "return_freed_memory", lambda: trims.append(len(corpus.documents)))
    monkeypatch.setattr(corpus, "_stories", None)
    corpus.stories()  # the real corpus, as the pre-commit hook reads it: too small to be worth the trim's 28 ms
    assert trims == [] and all("shingles" not in doc.__dict__ for doc in corpus.documents)
    monkeypatch.setattr(module, "PARALLEL_MIN", len(corpus.documents))  # as large as a corpus read by workers
    monkeypatch.setattr(corpus, "_stories", None)
    corpus.stories()
    assert trims == [len(corpus.documents)]
    corpus.stories()  # measured once: nothing more to free
    assert len(trims) == 1
