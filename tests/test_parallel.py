"""Reading a large corpus in worker processes gives exactly what reading it in one process gives."""

from __future__ import annotations

import multiprocessing

import pytest

from idlib_gold.checking.pipeline import load as load_corpus
from idlib_gold.reading import corpus as corpus_module

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="parallel reading is used only where processes can fork")


def _snapshot(loaded):
    corpus, findings = loaded
    docs = [(d.id, d.text, repr(d.data), d.loaded.positions, [f.as_dict() for f in d.checks],
             [f.as_dict() for f in d.unannotated], d.shingles.tolist()) for d in corpus.documents]
    return docs, [f.as_dict() for f in findings]


def test_parallel_reading_matches_serial_reading_findings_included(repo, monkeypatch):
    docs = repo / "annotations/docs"
    first = sorted(docs.glob("*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8").replace("{id: e1,", "{id: e1, id: e1,", 1),
                     encoding="utf-8")  # a duplicated key: this document fails to load, with a finding
    second = sorted(docs.glob("*.yaml"))[1]
    lines = second.read_text(encoding="utf-8").splitlines(keepends=True)
    second.write_text("".join(line for line in lines if not line.startswith("  - {id: e1,")), encoding="utf-8")
    monkeypatch.setattr(corpus_module, "PARALLEL_MIN", 10_000)
    serial = _snapshot(load_corpus(repo, prepare=True))
    monkeypatch.setattr(corpus_module, "PARALLEL_MIN", 1)
    monkeypatch.setattr(corpus_module, "_CHUNK", 2)
    monkeypatch.setattr(corpus_module, "_workers", lambda: 2)
    parallel = _snapshot(load_corpus(repo, prepare=True))
    assert any(f["code"] == "IG105" for f in serial[1])
    assert len(serial[0]) == 4
    assert parallel == serial
    assert any(d[5] for d in serial[0])  # the removed mention left its string bare: IG501


def test_a_documents_bytes_are_made_again_from_its_text_not_carried(corpus):
    """A loaded text is the strict UTF-8 decoding of its file, so its bytes are not kept (nor sent back
    from a worker) but encoded again when asked for; bytes that are not the text's are kept as given."""
    import pickle

    from idlib_gold.reading.corpus import Document

    for doc in corpus.documents:
        assert doc.raw == (corpus.root / f"annotations/texts/{doc.id}.txt").read_bytes()
        assert doc._raw is None and pickle.loads(pickle.dumps(doc)).__dict__["_raw"] is None
    odd = Document("x", "annotations/docs/x.yaml", "Idlib", b"Idlib\r\n", corpus.documents[0].loaded)
    assert pickle.loads(pickle.dumps(odd)).raw == b"Idlib\r\n"
    odd.text, odd.raw = "Syria", b"Syria"
    assert odd._raw is None and odd.raw == b"Syria"
