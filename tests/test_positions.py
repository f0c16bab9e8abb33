"""Where a finding below an annotation points: a value's own line and column, read again when asked.

Reading records positions down to the annotations; the first question about a deeper value (a quote's
speaker, a figure's `measured` span) reads the text again. A file is read again from disk, and only
while it still holds the bytes the data came from; a text that came from no file keeps a copy."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from idlib_gold.checking.pipeline import load as load_corpus
from idlib_gold.reading import corpus as corpus_module
from idlib_gold.reading.files import parse_yaml, read_yaml, read_yaml_bytes

DOC = "annotations/docs/000_10fe6d47143cad7a.yaml"
DEEP = [("quotes", 0, "speaker", "start"), ("quotes", 1, "content", "end"), ("figures", 0, "measured")]


def _full(text: str):
    loaded, findings = parse_yaml(text, "x.yaml", depth=None)
    assert loaded is not None and not findings
    return loaded


def test_a_deeper_position_is_read_from_the_file_and_no_copy_is_kept(repo: Path):
    loaded, findings = read_yaml(repo / DOC, DOC)
    assert not findings and loaded.source is None  # nothing kept beside the data
    full = _full((repo / DOC).read_text(encoding="utf-8"))
    for path in DEEP:
        assert path in full.positions
        assert loaded.where(path) == full.positions[path] != full.positions[path[:2]]


@pytest.mark.parametrize("change", ["edited", "removed", "a folder"])
def test_a_file_changed_since_it_was_read_answers_with_the_annotations_line(repo: Path, change: str):
    """The data came from the bytes read first: a position from other bytes could point anywhere, so
    the nearest recorded ancestor (the annotation's line) answers, and nothing raises."""
    path = repo / DOC
    loaded, _ = read_yaml(path, DOC)
    shallow = loaded.where(DEEP[0][:2])
    if change == "edited":
        path.write_text("# a line more\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    else:
        path.unlink()
        if change == "a folder":
            path.mkdir()
    assert loaded.where(DEEP[0]) == shallow


def test_a_text_from_no_file_keeps_its_copy_for_deeper_positions(repo: Path):
    raw = (repo / DOC).read_bytes()
    full = _full(raw.decode("utf-8"))
    for loaded in (read_yaml_bytes(raw, DOC)[0], parse_yaml(raw.decode("utf-8"), DOC)[0]):
        assert loaded.source is not None and loaded.origin is None
        assert [loaded.where(p) for p in DEEP] == [full.positions[p] for p in DEEP]


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers fork")
def test_a_document_read_by_a_worker_answers_deeper_positions_from_its_file(repo: Path, monkeypatch):
    monkeypatch.setattr(corpus_module, "PARALLEL_MIN", 1)
    monkeypatch.setattr(corpus_module, "_CHUNK", 2)
    monkeypatch.setattr(corpus_module, "_workers", lambda: 2)
    corpus, _ = load_corpus(repo, prepare=True)
    doc = next(d for d in corpus.documents if d.rel == DOC)
    full = _full((repo / DOC).read_text(encoding="utf-8"))
    assert doc.loaded.source is None and doc.loaded.origin == str((repo / DOC).resolve())
    assert [doc.where(*p) for p in DEEP] == [full.positions[p] for p in DEEP]
