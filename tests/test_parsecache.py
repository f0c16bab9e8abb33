"""The parse cache (building/parsecache.py) is trusted only as this clone wrote it, for these bytes.

Every way a cache entry can be out of place (copied from another clone, a file edited since,
another parser or library version, a link, a folder, a corrupted, truncated or huge file)
must end in the file being parsed again: never trusted, never a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import snapshot
from idlib_gold.building import parsecache, stamp
from idlib_gold.reading import files
from idlib_gold.reading.files import read_yaml

DOC = "annotations/docs/000_10fe6d47143cad7a.yaml"


def _entries(root: Path) -> list[Path]:
    return sorted((root / stamp.STAMP_DIR).glob(f"{parsecache.PREFIX}*"))


def _parses(monkeypatch) -> list[str]:
    """Count the parses that really happen (a cache hit does not parse)."""
    seen: list[str] = []
    real = files.read_yaml_bytes

    def counted(raw, rel, **options):
        seen.append(rel)
        return real(raw, rel, **options)

    monkeypatch.setattr(files, "read_yaml_bytes", counted)
    return seen


def _warm(root: Path) -> parsecache.ParseCache:
    cache = parsecache.parse_cache(root)
    assert cache is not None
    loaded, findings = read_yaml(root / DOC, DOC, cache)
    assert loaded is not None and not findings
    assert len(_entries(root)) == 1
    return cache


def test_a_hit_gives_the_parsed_data_without_parsing(clone: Path, monkeypatch):
    _warm(clone)
    expected, _ = read_yaml(clone / DOC, DOC)
    seen = _parses(monkeypatch)
    loaded, findings = read_yaml(clone / DOC, DOC, parsecache.parse_cache(clone))
    assert not findings and seen == []
    assert loaded.data == expected.data and loaded.positions == expected.positions
    assert loaded.where(("entities", 0, "label")) == expected.where(("entities", 0, "label"))


def test_no_git_directory_means_no_cache(repo: Path):
    assert parsecache.parse_cache(repo) is None
    assert not (repo / stamp.STAMP_DIR).exists()


def _assert_parsed(root: Path, monkeypatch):
    seen = _parses(monkeypatch)
    loaded, findings = read_yaml(root / DOC, DOC, parsecache.parse_cache(root))
    assert loaded is not None and not findings
    assert seen == [DOC]


def test_a_cache_copied_from_another_clone_is_not_trusted(clone: Path, tmp_path: Path, monkeypatch):
    _warm(clone)
    other = tmp_path / "other"
    shutil.copytree(clone, other, ignore=shutil.ignore_patterns(".git"))
    subprocess.run(["git", "init", "-q", str(other)], check=True, capture_output=True)
    _assert_parsed(other, monkeypatch)


def test_a_cache_and_key_moved_to_another_folder_are_not_trusted(clone: Path, tmp_path: Path, monkeypatch):
    _warm(clone)
    moved = tmp_path / "moved"
    shutil.copytree(clone, moved)  # the key too: the signature is bound to the path and inode
    _assert_parsed(moved, monkeypatch)


def test_an_edited_file_is_parsed_again(clone: Path, monkeypatch):
    _warm(clone)
    path = clone / DOC
    path.write_text(path.read_text(encoding="utf-8").replace("dateline of the text", "dateline"), encoding="utf-8")
    seen = _parses(monkeypatch)
    loaded, _ = read_yaml(path, DOC, parsecache.parse_cache(clone))
    assert seen == [DOC] and loaded.data["entities"][0]["note"].startswith("dateline,")


def test_an_entry_renamed_to_another_files_digest_is_not_trusted(clone: Path, monkeypatch):
    _warm(clone)
    path = clone / DOC
    path.write_bytes(path.read_bytes() + b"\n")
    entry = _entries(clone)[0]
    import hashlib

    entry.rename(entry.with_name(f"{parsecache.PREFIX}{hashlib.sha256(path.read_bytes()).hexdigest()}.bin"))
    _assert_parsed(clone, monkeypatch)


@pytest.mark.parametrize("what", ["python", "library", "parser"])
def test_another_parser_or_library_version_is_not_trusted(clone: Path, monkeypatch, what):
    _warm(clone)
    if what == "parser":
        real = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes", lambda self: real(self) + (b"#" if self.name == "flowstyle.py" else b""))
    else:
        versions = stamp.versions()
        changed = versions.replace("PyYAML", "PyYAML 0.0 ") if what == "library" else "3.0.0\n" + versions
        monkeypatch.setattr(stamp, "versions", lambda: changed)
    _assert_parsed(clone, monkeypatch)


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "mac-only", "appended", "zeroed"])
def test_a_corrupted_or_truncated_entry_is_parsed_again(clone: Path, monkeypatch, damage):
    _warm(clone)
    entry = _entries(clone)[0]
    blob = entry.read_bytes()
    blob = {"flip": blob[:-10] + bytes([blob[-10] ^ 1]) + blob[-9:], "truncate": blob[: len(blob) // 2],
            "empty": b"", "mac-only": blob[:32], "appended": blob + b"\0",
            "zeroed": bytes(len(blob))}[damage]  # zeroed: what a power cut can leave of an unsynced write
    entry.write_bytes(blob)
    _assert_parsed(clone, monkeypatch)


def test_entries_are_written_without_fsync(clone: Path, monkeypatch):
    """A torn entry fails its signature (above), so an fsync per entry would buy nothing."""
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    cache = parsecache.parse_cache(clone)
    assert cache is not None
    (clone / stamp.STAMP_DIR).mkdir(exist_ok=True)
    cache._ensure_folder()  # the folder and its .gitignore are written durably, once
    synced.clear()
    loaded, findings = read_yaml(clone / DOC, DOC, cache)
    assert loaded is not None and not findings
    assert len(_entries(clone)) == 1 and synced == []


def test_a_link_in_place_of_an_entry_is_not_followed(clone: Path, tmp_path: Path, monkeypatch):
    _warm(clone)
    entry = _entries(clone)[0]
    kept = tmp_path / "kept.bin"
    entry.rename(kept)  # a valid entry, reached only through the link
    entry.symlink_to(kept)
    _assert_parsed(clone, monkeypatch)
    assert entry.is_symlink() and kept.read_bytes()  # not written through either


def test_a_link_in_place_of_the_cache_folder_is_neither_read_nor_written(clone: Path, tmp_path: Path, monkeypatch):
    _warm(clone)
    elsewhere = tmp_path / "elsewhere"
    (clone / stamp.STAMP_DIR).rename(elsewhere)
    (clone / stamp.STAMP_DIR).symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    _assert_parsed(clone, monkeypatch)
    (elsewhere / _entries_name(elsewhere)).unlink()
    _assert_parsed(clone, monkeypatch)
    assert sorted(p.name for p in elsewhere.iterdir()) == [n for n in before if not n.startswith(parsecache.PREFIX)]


def _entries_name(folder: Path) -> str:
    return next(p.name for p in folder.iterdir() if p.name.startswith(parsecache.PREFIX))


def test_a_folder_nested_at_an_entrys_name_is_ignored(clone: Path, monkeypatch):
    _warm(clone)
    entry = _entries(clone)[0]
    entry.unlink()
    entry.mkdir()
    (entry / "inner.bin").write_bytes(b"x")
    _assert_parsed(clone, monkeypatch)
    assert entry.is_dir()


def test_a_huge_entry_is_not_read(clone: Path, monkeypatch):
    _warm(clone)
    entry = _entries(clone)[0]
    with open(entry, "ab") as fh:
        fh.truncate(64 * 1024 * 1024)
    seen = _parses(monkeypatch)
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    read_yaml(clone / DOC, DOC, parsecache.parse_cache(clone))
    assert seen == [DOC] and all(n < 64 * 1024 * 1024 for n in reads)


def test_build_and_check_with_a_damaged_cache_give_the_same_dataset(clone: Path, cli):
    before = snapshot(clone / "dataset")
    assert cli("build", root=clone).code == 0
    entries = _entries(clone)
    assert len(entries) == len(list((clone / "annotations/docs").glob("*.yaml")))
    for k, entry in enumerate(entries):  # every kind of damage at once
        if k % 3 == 0:
            entry.write_bytes(entry.read_bytes()[:100])
        elif k % 3 == 1:
            entry.unlink()
            entry.mkdir()
        else:
            entry.write_bytes(b"\0" * 40)
    shutil.rmtree(clone / "dataset")
    run = cli("build", root=clone)
    assert run.code == 0, run.out + run.err
    assert snapshot(clone / "dataset") == before
    (clone / stamp.STAMP_DIR / "dataset-stamp.json").unlink()
    run = cli("check", root=clone)
    assert run.code == 0, run.out + run.err


def test_entries_no_file_uses_are_removed_after_a_whole_load(clone: Path, cli):
    assert cli("build", root=clone).code == 0
    stale = clone / stamp.STAMP_DIR / f"{parsecache.PREFIX}{'0' * 64}.bin"
    stale.write_bytes(b"old")
    assert cli("build", root=clone).code == 0
    assert not stale.exists()
    assert len(_entries(clone)) == len(list((clone / "annotations/docs").glob("*.yaml")))


def _state(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every entry of the cache folder with its bytes and modification time."""
    folder = root / stamp.STAMP_DIR
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())} if folder.exists() else {}


def _validate_parses(root: Path, cli, monkeypatch) -> list[str]:
    seen = _parses(monkeypatch)
    run = cli("validate", root=root)
    assert run.code == 0, run.out + run.err
    monkeypatch.undo()
    return seen


def test_validate_reads_what_a_build_parsed_and_writes_nothing(clone: Path, cli, monkeypatch):
    cold = _validate_parses(clone, cli, monkeypatch)  # the KB, the documents and the second tree
    assert not (clone / stamp.STAMP_DIR).exists()
    assert cli("build", root=clone).code == 0
    unused = clone / stamp.STAMP_DIR / f"{parsecache.PREFIX}{'0' * 64}.bin"
    unused.write_bytes(b"old")  # a whole load by build would remove it; validate leaves the folder alone
    before = _state(clone)
    warm = _validate_parses(clone, cli, monkeypatch)
    documents = len(list((clone / "annotations/docs").glob("*.yaml")))
    assert len(warm) == len(cold) - documents  # every document of the main tree came from the cache
    assert _state(clone) == before


def test_validate_of_named_files_parses_them(clone: Path, cli, monkeypatch):
    assert cli("build", root=clone).code == 0
    seen = _parses(monkeypatch)
    assert cli("validate", str(clone / DOC), root=clone).code == 0
    assert seen == ["annotations/kb.yaml", DOC]  # the pre-commit hook's case: the files it is given, read from disk


def test_validate_without_a_cache_makes_neither_cache_nor_key(clone: Path, cli, monkeypatch):
    key = stamp.key_path(clone)
    if key.exists():
        key.unlink()
    shutil.rmtree(clone / stamp.STAMP_DIR, ignore_errors=True)
    assert _validate_parses(clone, cli, monkeypatch)
    assert not key.exists() and not (clone / stamp.STAMP_DIR).exists()


# --- the checks' results of each document, kept beside its parsed file ----------------------------------

def _documents(corpus) -> list[tuple]:
    """What the per-document work leaves on each document, comparable across loads."""
    return [(d.id, [f.as_dict() for f in d.checks], [f.as_dict() for f in d.unannotated], d.sentences,
             d.tokens.starts.tolist(), d.tokens.ends.tolist(), d.shingles.tolist()) for d in corpus.documents]


def _checked(monkeypatch) -> list[str]:
    """Count the documents really checked (kept results are not checked again)."""
    from idlib_gold.checking import pipeline

    seen: list[str] = []
    real = pipeline.check_document

    def counted(doc, kb_types):
        seen.append(doc.id)
        return real(doc, kb_types)

    monkeypatch.setattr(pipeline, "check_document", counted)
    return seen


def _load(root: Path, cache=True):
    from idlib_gold.checking import pipeline

    corpus, findings = pipeline.load(root, cache=parsecache.parse_cache(root) if cache else None)
    return corpus, [f.as_dict() for f in findings]


def _slip(root: Path) -> None:
    """One document with a span off its text (IG305) and a mention removed (IG501): findings to keep."""
    path = sorted((root / "annotations/docs").glob("*.yaml"))[1]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith("  - {id: e1,")]
    first = next(i for i, line in enumerate(lines) if line.startswith("  - {id: e2,"))
    lines[first] = lines[first].replace("start: ", "start: 1", 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_kept_check_results_equal_checking_again(clone: Path, monkeypatch):
    _slip(clone)
    fresh = _load(clone, cache=False)
    _load(clone)  # keeps every document's results
    assert len(list((clone / stamp.STAMP_DIR).glob(f"{parsecache.CHECKED}*"))) == len(fresh[0].documents)
    seen = _checked(monkeypatch)
    kept = _load(clone)
    assert seen == []
    assert _documents(kept[0]) == _documents(fresh[0]) and kept[1] == fresh[1]
    assert any(d[1] for d in _documents(kept[0])) and any(d[2] for d in _documents(kept[0]))


def test_kept_check_results_follow_an_edited_document_and_the_kb(clone: Path, monkeypatch):
    _load(clone)
    seen = _checked(monkeypatch)
    path = sorted((clone / "annotations/docs").glob("*.yaml"))[0]
    path.write_bytes(path.read_bytes() + b"\n")
    _load(clone)
    assert seen == [path.stem]  # only the edited document
    kb = clone / "annotations/kb.yaml"
    kb.write_text(kb.read_text(encoding="utf-8").replace("type: GPE", "type: LOC", 1), encoding="utf-8")
    seen.clear()
    corpus, findings = _load(clone)
    assert len(seen) == len(corpus.documents)  # another KB: every document is checked again
    assert any(f.code == "IG309" for d in corpus.documents for f in d.checks)


def test_kept_check_results_follow_the_schema_and_the_code(clone: Path, monkeypatch):
    _load(clone)
    seen = _checked(monkeypatch)
    schema = clone / "schema/document.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace('"PERSON",', '"PERSON", "PERSONA",', 1),
                      encoding="utf-8")
    corpus, _ = _load(clone)
    assert len(seen) == len(corpus.documents)
    seen.clear()
    _load(clone)
    assert seen == []
    monkeypatch.setattr(stamp, "checks_context", lambda root: b"another version of the package")
    _load(clone)
    assert len(seen) == len(corpus.documents)


def test_kept_check_results_are_trusted_only_as_this_clone_signed_them(clone: Path, tmp_path: Path, monkeypatch):
    fresh = _load(clone, cache=False)
    _load(clone)
    for k, entry in enumerate(sorted((clone / stamp.STAMP_DIR).glob(f"{parsecache.CHECKED}*"))):
        blob = entry.read_bytes()
        entry.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]) if k % 2 else blob[:40])
    seen = _checked(monkeypatch)
    again = _load(clone)
    assert len(seen) == len(fresh[0].documents) and _documents(again[0]) == _documents(fresh[0])
    other = tmp_path / "other"
    shutil.copytree(clone, other)  # the key and the kept results too: bound to the path and inode
    seen.clear()
    _load(other)
    assert len(seen) == len(fresh[0].documents)


def _measured(monkeypatch) -> list[int]:
    """Count the story measurements really made (kept stories are not measured again)."""
    from idlib_gold.text import stories

    seen: list[int] = []
    real = stories.measure_shingles

    def counted(keys, *args):
        seen.append(len(keys))
        return real(keys, *args)

    monkeypatch.setattr(stories, "measure_shingles", counted)
    return seen


def test_measured_stories_are_kept_until_a_text_changes(clone: Path, monkeypatch):
    from idlib_gold.text.stories import Stories

    fresh = _load(clone, cache=False)[0].stories()
    _load(clone)[0].stories()
    assert len(list((clone / stamp.STAMP_DIR).glob(f"{parsecache.STORIES}*"))) == 1
    seen = _measured(monkeypatch)
    kept = _load(clone)[0].stories()
    assert seen == [] and isinstance(kept, Stories)
    assert kept.pairs == fresh.pairs and list(kept.pairs) == list(fresh.pairs) and kept.groups == fresh.groups
    path = sorted((clone / "annotations/docs").glob("*.yaml"))[0]  # an annotation edit: stories stand
    path.write_bytes(path.read_bytes() + b"\n")
    _load(clone)[0].stories()
    assert seen == []
    text = sorted((clone / "annotations/texts").glob("*.txt"))[0]  # one word of a text changed: measured again
    text.write_text(text.read_text(encoding="utf-8").replace(" the ", " thy ", 1), encoding="utf-8")
    _load(clone)[0].stories()
    assert len(seen) == 1
    assert len(list((clone / stamp.STAMP_DIR).glob(f"{parsecache.STORIES}*"))) == 1  # the last one only


def test_damaged_kept_stories_are_measured_again(clone: Path, monkeypatch):
    fresh = _load(clone, cache=False)[0].stories()
    _load(clone)[0].stories()
    [entry] = (clone / stamp.STAMP_DIR).glob(f"{parsecache.STORIES}*")
    entry.write_bytes(entry.read_bytes()[:-3])
    seen = _measured(monkeypatch)
    again = _load(clone)[0].stories()
    assert len(seen) == 1 and again == fresh


# --- a document whose parse and results are both kept is made from them: no gate, no parse, no check ---

def _gated(monkeypatch) -> list[str]:
    """Count the documents put through the schema gate."""
    from idlib_gold.checking import schema

    seen: list[str] = []
    real = schema.validate

    def counted(loaded, rel, *args, **kwargs):
        seen.append(rel)
        return real(loaded, rel, *args, **kwargs)

    monkeypatch.setattr(schema, "validate", counted)
    return seen


def _whole(corpus) -> list[tuple]:
    """Each document as later stages see it: its data, positions and text, and what its checks left."""
    return [(d.id, d.rel, d.text, d.raw, repr(d.data), d.loaded.positions, d.loaded.digest,
             d.where("entities", 0, "start")) for d in corpus.documents] + _documents(corpus)


@pytest.mark.parametrize("workers", [False, True], ids=["one process", "worker processes"])
def test_kept_documents_are_made_without_gate_parse_or_check(clone: Path, monkeypatch, workers):
    from idlib_gold.reading import corpus as corpus_module

    if workers:
        if "fork" not in __import__("multiprocessing").get_all_start_methods():
            pytest.skip("parallel reading is used only where processes can fork")
        monkeypatch.setattr(corpus_module, "PARALLEL_MIN", 1)
        monkeypatch.setattr(corpus_module, "_CHUNK", 2)
        monkeypatch.setattr(corpus_module, "_workers", lambda: 2)
    _slip(clone)
    fresh = _load(clone, cache=False)
    _load(clone)
    # counted in one process only: a forked worker would count in its own copy of the lists
    gated, parsed, checked = ([], [], []) if workers else (_gated(monkeypatch), _parses(monkeypatch),
                                                           _checked(monkeypatch))
    from idlib_gold.checking import pipeline

    made, real = [], pipeline.KeptChecks.document
    monkeypatch.setattr(pipeline.KeptChecks, "document", lambda self, packed: made.append(packed.id) or real(self, packed))
    kept = _load(clone)
    assert made == [d.id for d in fresh[0].documents]  # each made where it is used, from the kept bytes
    if not workers:
        assert gated == ["annotations/kb.yaml"] and parsed == ["annotations/kb.yaml"] and checked == []
    assert _whole(kept[0]) == _whole(fresh[0]) and kept[1] == fresh[1]
    edited = sorted((clone / "annotations/docs").glob("*.yaml"))[2]
    edited.write_bytes(edited.read_bytes() + b"# seen\n")
    gated.clear(), parsed.clear()
    again = _load(clone)
    if not workers:
        assert gated == parsed == ["annotations/kb.yaml", f"annotations/docs/{edited.name}"]
        assert checked == [edited.stem]
    assert _whole(again[0]) == _whole(_load(clone, cache=False)[0])


def test_a_document_the_schema_refuses_is_gated_every_time(clone: Path, monkeypatch):
    path = sorted((clone / "annotations/docs").glob("*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace("split: ", "split: nowhere-", 1), encoding="utf-8")
    first = _load(clone)
    assert path.stem not in {d.id for d in first[0].documents}
    assert any(f["path"] == f"annotations/docs/{path.name}" for f in first[1])
    gated = _gated(monkeypatch)
    again = _load(clone)
    assert f"annotations/docs/{path.name}" in gated and again[1] == first[1]


def test_kept_results_that_cannot_be_decoded_are_checked_again(clone: Path, monkeypatch):
    """A signed entry of another shape (never written by this code, but signed by this clone) costs a
    check, never a wrong or missing document."""
    from idlib_gold.checking import pipeline

    fresh = _load(clone, cache=False)
    cache = parsecache.parse_cache(clone)
    _load(clone)
    doc = fresh[0].documents[0]
    kb_types = {e["id"]: e["type"] for e in fresh[0].kb_entries}
    cache.put_checked(pipeline._inputs(doc, kb_types), ("not", "the", "results"))
    checked = _checked(monkeypatch)
    kept = _load(clone)
    assert checked == [doc.id]
    assert _whole(kept[0]) == _whole(fresh[0]) and kept[1] == fresh[1]


def test_results_kept_under_the_packaged_schema_are_not_taken_for_the_repositorys(clone: Path, cli):
    """Which schema folder validates is process state: results a library caller kept while checking
    against the packaged schema are not restored, ungated, when the command line checks against the
    repository's own narrower schema/."""
    import json

    from idlib_gold import vocabulary

    path = clone / "schema/document.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["$defs"]["entity_label"]["enum"].remove("NORP")
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    before = cli("validate", "--format", "json", root=clone)
    assert before.code == 1 and "NORP" in before.out
    vocabulary.use_repository(None)
    assert not _load(clone)[1]  # the packaged schema admits every document: their results are kept
    after = cli("validate", "--format", "json", root=clone)
    assert after.code == 1 and json.loads(after.out)["findings"] == json.loads(before.out)["findings"]


def test_an_entry_holds_no_copy_of_the_text_and_refuses_another_shape(clone: Path):
    """A kept parse is the data and the shallow positions: a deeper position reads the file again
    (`Loaded.where`), so an entry carrying a third part, as entries once did, is not taken."""
    import marshal

    cache = parsecache.parse_cache(clone)
    raw = (clone / DOC).read_bytes()
    cache.put(raw, {"id": "x"}, {})
    assert cache.get(raw)[0] == {"id": "x"}
    assert parsecache.ParseCache.unpack(marshal.dumps(({"id": "x"}, ({}, {}), b"x"))) is None
    assert parsecache.ParseCache.unpack(marshal.dumps(({"id": "x"}, ({}, {})))) is not None


def test_a_deeper_position_of_a_kept_parse_is_read_from_the_file(clone: Path):
    """A hit answers a position below the annotations from the file itself, as a parse would."""
    _warm(clone)
    expected, _ = read_yaml(clone / DOC, DOC)
    loaded, _ = read_yaml(clone / DOC, DOC, parsecache.parse_cache(clone))
    path = ("quotes", 0, "speaker", "start")
    assert loaded.where(path) == expected.where(path) != expected.where(path[:2])
