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
from idlib_gold.reading import files
from idlib_gold.reading.files import parse_yaml, read_yaml, read_yaml_bytes
from idlib_gold.reading.flowstyle import read_flow_style

DOC = "annotations/docs/000_10fe6d47143cad7a.yaml"
LOADER = files._FastLoader or files._StrictLoader
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


def _same_size_edit(text: str) -> str:
    """The first quote's keys one column further right, the file's size unchanged."""
    line = next(line for line in text.splitlines(keepends=True) if line.startswith("  - {id: q1,"))
    assert text.endswith("\n")
    return text.replace(line, line.replace("{id:", "{ id:", 1), 1)[:-1]


@pytest.mark.parametrize("change", ["a line more", "the same size", "removed", "a folder", "a link to the same bytes"])
def test_a_file_changed_since_it_was_read_answers_with_the_annotations_line(repo: Path, change: str):
    """The data came from the bytes read first: a position from other bytes could point anywhere, so
    the nearest recorded ancestor (the annotation's line) answers, and nothing raises. A repository
    file is never read through a link, even to the same bytes; and bytes refused are not noted as read
    (`readlog`: the stamp vouches only for bytes a command used)."""
    from idlib_gold import readlog

    path = repo / DOC
    readlog.start()
    try:
        loaded, _ = read_yaml(path, DOC)
        noted = readlog.peek()
        shallow = loaded.where(DEEP[0][:2])
        text = path.read_text(encoding="utf-8")
        if change == "a line more":
            path.write_text("# a line more\n" + text, encoding="utf-8")
        elif change == "the same size":
            edited = _same_size_edit(text)
            assert len(edited.encode()) == len(text.encode()) and _full(edited).positions[DEEP[0]] != _full(
                text).positions[DEEP[0]]
            path.write_text(edited, encoding="utf-8")
        else:
            path.unlink()
            if change == "a folder":
                path.mkdir()
            elif change == "a link to the same bytes":
                (repo / "elsewhere.yaml").write_text(text, encoding="utf-8")
                path.symlink_to(repo / "elsewhere.yaml")
        assert loaded.where(DEEP[0]) == shallow
        assert readlog.peek() == noted
    finally:
        readlog.stop()


def test_a_file_in_another_style_keeps_no_copy_either(repo: Path):
    """A file the YAML parser reads (not the house style) is read again from disk all the same."""
    path = repo / DOC
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("split: train", "split: 'train'   # quoted: still valid YAML", 1).replace(
        "entities:\n", "entities:\n  # a comment line\n", 1) + "extra_block:\n  key: [1,\n    2]\n", encoding="utf-8")
    assert read_flow_style(path.read_text(encoding="utf-8"), LOADER) is None  # the YAML parser reads it
    loaded, findings = read_yaml(path, DOC)
    assert loaded is not None and not findings and loaded.source is None
    full = _full(path.read_text(encoding="utf-8"))
    assert [loaded.where(p) for p in DEEP] == [full.positions[p] for p in DEEP]


def test_a_file_read_by_a_relative_path_answers_after_the_working_folder_changes(repo: Path, monkeypatch,
                                                                                  tmp_path: Path):
    monkeypatch.chdir(repo)
    loaded, _ = read_yaml(Path(DOC), DOC)
    monkeypatch.chdir(tmp_path)
    full = _full((repo / DOC).read_text(encoding="utf-8"))
    assert [loaded.where(p) for p in DEEP] == [full.positions[p] for p in DEEP]


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
