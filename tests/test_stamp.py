"""The stamp lets `check` skip the build only when a build would write exactly what dataset/ holds,
and only when this clone wrote the stamp itself, for the bytes it compared."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT
from idlib_gold.building import stamp

DOC = "annotations/docs/000_10fe6d47143cad7a.yaml"
STAMP = f"{stamp.STAMP_DIR}/dataset-stamp.json"


def _stamped(repo, cli):
    """A clone whose stamp vouches for its dataset/ (written by a passing full check)."""
    shutil.rmtree(repo / stamp.STAMP_DIR, ignore_errors=True)
    result = cli("check", root=repo)
    assert result.code == 0, result.out
    assert (repo / STAMP).is_file()
    assert stamp.is_current(repo, repo / "dataset", stamp.inputs_digest(repo))
    return repo


def _full_compares(monkeypatch) -> list[int]:
    """Counts the full build-and-compare runs of `check`."""
    import idlib_gold.building.folder as folder

    calls, real = [], folder.render_outputs

    def counting(corpus, *args, **kwargs):
        calls.append(1)
        return real(corpus, *args, **kwargs)

    monkeypatch.setattr(folder, "render_outputs", counting)
    return calls


def test_a_current_stamp_skips_the_build_and_a_stale_one_does_not(clone, cli, monkeypatch):
    _stamped(clone, cli)
    calls = _full_compares(monkeypatch)
    assert cli("check", root=clone).code == 0 and calls == []
    (clone / STAMP).write_text("{not json", encoding="utf-8")
    assert cli("check", root=clone).code == 0 and calls == [1]  # unreadable stamp: full comparison, then rewritten
    assert cli("check", root=clone).code == 0 and calls == [1]


def test_an_edited_annotation_is_never_vouched_for(clone, cli, monkeypatch):
    _stamped(clone, cli)
    calls = _full_compares(monkeypatch)
    path = clone / DOC
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("approximate: true")
    assert sep
    path.write_text(head + "approximate: false" + rest, encoding="utf-8")
    result = cli("check", root=clone)
    assert result.code == 1 and calls == [1]
    assert "IG601 dataset/data/figures/train.parquet is stale" in result.out
    assert "dataset/README.md is stale" in result.out


def test_an_edited_data_file_card_or_croissant_is_named(clone, cli):
    _stamped(clone, cli)
    for name in ("data/kb/train.parquet", "README.md", "croissant.json"):
        path = clone / "dataset" / name
        before = path.read_bytes()
        path.write_bytes(before.replace(b"a", b"b", 1) if name != "data/kb/train.parquet" else before[:-1] + b"\0")
        result = cli("check", root=clone)
        assert result.code == 1, name
        assert f"IG601 dataset/{name} is stale" in result.out
        path.write_bytes(before)
        assert cli("check", root=clone).code == 0


def test_an_added_or_removed_dataset_file_is_named(clone, cli):
    _stamped(clone, cli)
    (clone / "dataset/notes.txt").write_text("x")
    assert "IG603 dataset/notes.txt" in cli("check", root=clone).out
    (clone / "dataset/notes.txt").unlink()
    (clone / "dataset/data/kb/train.parquet").unlink()
    assert "IG602 dataset/data/kb/train.parquet is missing" in cli("check", root=clone).out


def test_an_empty_folder_in_dataset_is_named_and_a_build_removes_it(clone, cli):
    """No build writes an empty folder (git would not even commit one), so dataset/ holding one is not
    exactly what the annotations build: an IG603 where the stamp would have vouched, and a build replaces it."""
    _stamped(clone, cli)
    (clone / "dataset/extra").mkdir()
    (clone / "dataset/data/kb/deeper/still").mkdir(parents=True)
    result = cli("check", root=clone)
    assert result.code == 1, result.out
    assert "IG603 dataset/extra/ is not written by the build" in result.out
    assert "IG603 dataset/data/kb/deeper/ is not written by the build" in result.out
    built = cli("build", root=clone)
    assert built.code == 0 and "wrote dataset/" in built.out, built.out
    assert not (clone / "dataset/extra").exists() and not (clone / "dataset/data/kb/deeper").exists()
    assert cli("check", root=clone).code == 0


def test_a_dataset_file_whose_name_is_not_utf8_is_named_where_a_stamp_would_answer(clone, cli):
    _stamped(clone, cli)
    with open(os.fsencode(clone / "dataset") + b"/x\xff.bin", "wb") as fh:
        fh.write(b"stray")
    result = cli("check", root=clone)
    assert result.code == 1 and "Traceback" not in result.out + result.err
    assert "IG603 dataset/x\\xff.bin" in result.out


def test_the_inputs_digest_covers_schema_code_and_library_versions(repo, tmp_path, monkeypatch):
    base = stamp.inputs_digest(repo)
    assert stamp.inputs_digest(repo) == base
    schema = repo / "schema/document.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert stamp.inputs_digest(repo) != base
    schema.write_text(schema.read_text(encoding="utf-8")[:-1], encoding="utf-8")
    assert stamp.inputs_digest(repo) == base
    # the builder's code: a copy of the package with one line of rows.py changed
    package = tmp_path / "package"
    shutil.copytree(stamp._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(stamp, "_PACKAGE", package)
    assert stamp.inputs_digest(repo) == base
    rows = package / "building/rows.py"
    rows.write_text(rows.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert stamp.inputs_digest(repo) != base
    monkeypatch.setattr(stamp, "_PACKAGE", stamp._PACKAGE.__class__(ROOT / "src/idlib_gold"))
    monkeypatch.setattr(stamp, "_versions", lambda: "pyarrow 0.0.0")
    assert stamp.inputs_digest(repo) != base


def test_a_stamp_is_not_written_when_inputs_change_during_the_command(clone):
    dataset = stamp.folder_digest(clone / "dataset")
    inputs = stamp.read_inputs(clone)
    assert inputs.digest == stamp.inputs_digest(clone) and inputs.unchanged()
    (clone / DOC).write_text((clone / DOC).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not inputs.unchanged()
    stamp.record(clone, inputs, dataset)
    assert not (clone / STAMP).exists()
    (clone / "annotations/notes.txt").write_text("x", encoding="utf-8")  # an added file counts too
    assert stamp.read_inputs(clone).unchanged() and not inputs.unchanged()
    inputs = stamp.read_inputs(clone)
    (clone / "annotations/second/docs").mkdir(parents=True, exist_ok=True)
    (clone / "annotations/empty").mkdir()  # and a folder alone: a second tree with no documents is refused
    assert not inputs.unchanged()
    stamp.record(clone, stamp.read_inputs(clone), dataset)  # the same, unchanged: recorded
    assert (clone / STAMP).is_file()


def test_a_stamp_stands_for_the_bytes_a_reader_used_never_for_others(clone):
    """Sizes and times can be restored; the digest of the bytes a reader used cannot lie. The inputs'
    digest takes a file the command read as the bytes it read, so a stamp taken while a reader used
    other bytes than the file holds never vouches for the file, and a file read twice with
    different bytes gives no digest at all."""
    from idlib_gold import readlog

    dataset = stamp.folder_digest(clone / "dataset")
    raw = (clone / DOC).read_bytes()
    for used, vouched in ((raw.replace(b"byline", b"bylinx"), False), (raw, True)):
        inputs = stamp.read_inputs(clone)
        readlog.note(clone / DOC, used)
        stamp.record(clone, inputs, dataset)
        assert stamp.is_current(clone, clone / "dataset", stamp.inputs_digest(clone)) is vouched
    inputs = stamp.read_inputs(clone)
    readlog.note(clone / DOC, raw)
    readlog.note(clone / DOC, raw + b"\n")  # read twice, differently: never vouched for
    (clone / STAMP).unlink()
    assert inputs.digest == ""
    stamp.record(clone, inputs, dataset)
    assert not (clone / STAMP).exists()


def test_a_file_that_appeared_after_the_listing_leaves_no_digest(clone):
    """A document added while the command ran (a checkout beside it) may have been loaded and checked,
    or be read only later (a second annotation, read for the card after the stamp is asked), but the
    listing the digest is made from lacks it: no digest, so no stamp answers for that corpus."""
    from idlib_gold import readlog

    inputs = stamp.read_inputs(clone)
    added = clone / "annotations/docs/zzz_added.yaml"
    added.write_bytes((clone / DOC).read_bytes())
    readlog.note(added, added.read_bytes())
    assert inputs.digest == ""
    readlog.stop()
    inputs = stamp.read_inputs(clone)  # listed from the start: it counts like any other file
    readlog.note(added, added.read_bytes())
    assert inputs.digest == stamp.inputs_digest(clone) != ""
    readlog.stop()
    inputs = stamp.read_inputs(clone)  # added, and not read before the digest was asked for
    (clone / "annotations/second/docs").mkdir(parents=True, exist_ok=True)
    (clone / "annotations/second/docs/zzz_added.yaml").write_bytes(added.read_bytes())
    assert inputs.digest == ""
    readlog.stop()


def test_the_inputs_digest_reads_again_only_what_the_command_did_not_read(clone, monkeypatch):
    """The files a command read enter the digest with the digests its readers noted; only the rest
    are read for it, and the digest is the one of reading every file."""
    import hashlib

    from idlib_gold import readlog
    from idlib_gold.building import plainfiles

    expected = stamp.inputs_digest(clone)
    inputs = stamp.read_inputs(clone)
    docs = sorted((clone / "annotations/docs").glob("*.yaml"))
    for path in docs:
        readlog.note(path, path.read_bytes())
    read, real = [], plainfiles.read_plain
    monkeypatch.setattr(plainfiles, "read_plain", lambda path, st=None: (read.append(os.path.abspath(path)),
                                                                         real(path, st))[1])
    assert inputs.digest == expected
    assert read and not {os.path.abspath(p) for p in docs} & set(read)
    assert inputs.files[os.path.abspath(docs[0])] == hashlib.sha256(docs[0].read_bytes()).hexdigest()
    readlog.stop()


def test_forked_readers_send_back_what_they_read(clone, monkeypatch):
    """A large corpus is read by forked workers; their notes reach the parent's log."""
    import hashlib

    from idlib_gold import readlog
    from idlib_gold.checking.pipeline import load
    from idlib_gold.reading import corpus

    monkeypatch.setattr(corpus, "PARALLEL_MIN", 1)
    monkeypatch.setattr(corpus, "_CHUNK", 2)
    monkeypatch.setattr(corpus, "_workers", lambda: 2)
    readlog.start()
    load(clone)
    used = readlog.stop()
    expected = {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in [*(clone / "annotations/docs").glob("*.yaml"), *(clone / "annotations/texts").glob("*.txt")]}
    assert {k: v for k, v in used.items() if k in expected} == expected


def test_a_stamp_from_another_dataset_is_not_trusted(clone, cli):
    _stamped(clone, cli)
    path = clone / STAMP
    data = json.loads(path.read_text(encoding="utf-8"))
    assert stamp.is_current(clone, clone / "dataset", data["inputs"])
    path.write_text(json.dumps({**data, "dataset": "0" * 64}), encoding="utf-8")
    assert not stamp.is_current(clone, clone / "dataset", data["inputs"])
    path.write_text(json.dumps({**data, "format": 0}), encoding="utf-8")
    assert not stamp.is_current(clone, clone / "dataset", data["inputs"])


def test_build_writes_the_stamp_and_a_stamped_check_imports_no_pyarrow(clone, cli):
    shutil.rmtree(clone / "dataset")
    assert cli("build", root=clone).code == 0
    inputs = stamp.inputs_digest(clone)
    assert stamp.is_current(clone, clone / "dataset", inputs)
    assert (clone / stamp.STAMP_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    probe = ("import sys; from idlib_gold.cli import main; code = main(['check', '--root', sys.argv[1]]); "
             "print('IMPORTED', sorted(m for m in ('pyarrow', 'pandas', 'numpy') if m in sys.modules)); "
             "sys.exit(code)")
    run = subprocess.run([sys.executable, "-c", probe, str(clone)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "IMPORTED []" in run.stdout


# --- a stamp vouches only for a state this clone computed itself -----------------------------------

def test_a_stamp_anyone_can_compute_never_vouches_for_a_tampered_dataset(clone, cli):
    """The digests are public functions of the files: a stamp committed with the repository (or
    written by hand) for a tampered dataset/ must not make `check` pass."""
    _stamped(clone, cli)
    card = clone / "dataset/README.md"
    card.write_bytes(card.read_bytes().replace(b"Idlib", b"Idleb", 1))
    forged = {"format": stamp._FORMAT, "inputs": stamp.inputs_digest(clone),
              "dataset": stamp.folder_digest(clone / "dataset"), "mac": "0" * 64}
    (clone / STAMP).write_text(json.dumps(forged), encoding="utf-8")
    result = cli("check", root=clone)
    assert result.code == 1 and "IG601 dataset/README.md is stale" in result.out


def test_a_stamp_from_another_clone_or_a_copy_compares_in_full(clone, cli, tmp_path, monkeypatch):
    _stamped(clone, cli)
    # a fresh clone that received the stamp (committed with `git add -f`, or copied over): no key
    fresh = tmp_path / "fresh"
    for name in ("annotations", "schema", "dataset", stamp.STAMP_DIR):
        shutil.copytree(clone / name, fresh / name)
    subprocess.run(["git", "init", "-q", str(fresh)], check=True)
    calls = _full_compares(monkeypatch)
    assert cli("check", root=fresh).code == 0 and calls == [1]
    assert cli("check", root=fresh).code == 0 and calls == [1]  # its own stamp now
    # a copy of the whole folder, git directory and key included: another path and inode
    copy = tmp_path / "copy"
    shutil.copytree(clone, copy, symlinks=True)
    assert (copy / ".git" / "idlib-gold-stamp.key").is_file()
    assert not stamp.is_current(copy, copy / "dataset", stamp.inputs_digest(copy))
    assert stamp.is_current(clone, clone / "dataset", stamp.inputs_digest(clone))


@pytest.mark.parametrize("spoil", ["missing", "mode 0644", "a link", "short", "a FIFO"])
def test_a_key_that_is_not_private_and_whole_means_no_stamp(clone, cli, tmp_path, spoil):
    _stamped(clone, cli)
    key = stamp.key_path(clone)
    assert key == clone / ".git/idlib-gold-stamp.key" and oct(key.stat().st_mode & 0o777) == "0o600"
    data = key.read_bytes()
    if spoil == "mode 0644":
        key.chmod(0o644)
    elif spoil == "a link":
        elsewhere = tmp_path / "key"
        elsewhere.write_bytes(data)
        elsewhere.chmod(0o600)
        key.unlink()
        key.symlink_to(elsewhere)
    elif spoil == "short":
        key.write_bytes(data[:-1])
    else:
        key.unlink()
        if spoil == "a FIFO":
            os.mkfifo(key, 0o600)
    assert not stamp.is_current(clone, clone / "dataset", stamp.inputs_digest(clone))
    assert cli("check", root=clone).code == 0
    if spoil != "missing":  # a spoilt key is left as it is, and nothing is vouched for
        assert not stamp.is_current(clone, clone / "dataset", stamp.inputs_digest(clone))


def test_no_git_directory_no_stamp(repo, cli, monkeypatch):
    """An unpacked archive has no git directory, so no key: every check compares in full."""
    calls = _full_compares(monkeypatch)
    assert stamp.key_path(repo) is None
    assert cli("check", root=repo).code == 0 and cli("check", root=repo).code == 0
    assert calls == [1, 1] and not (repo / STAMP).exists()


def test_the_key_of_a_linked_worktree_is_in_its_git_directory(repo, cli, tmp_path, monkeypatch):
    """`.git` may be a file naming the git directory (a linked worktree): the key goes there, never
    into the work tree."""
    gitdir = tmp_path / "elsewhere/worktrees/repo"
    gitdir.mkdir(parents=True)
    (repo / ".git").write_text(f"gitdir: {gitdir}\n", encoding="utf-8")
    assert stamp.key_path(repo) == gitdir / "idlib-gold-stamp.key"
    calls = _full_compares(monkeypatch)
    assert cli("check", root=repo).code == 0 and cli("check", root=repo).code == 0 and calls == [1]
    assert (gitdir / "idlib-gold-stamp.key").is_file()
    assert not [p for p in repo.rglob("*.key")]


# --- it records only what was compared ---------------------------------------------------------------

def test_a_dataset_file_edited_between_comparing_and_recording_is_not_vouched_for(clone, cli, monkeypatch):
    """The dataset digest is of the bytes compared, not of the folder read again afterwards."""
    import idlib_gold.building.folder as folder

    real = folder.compare_outputs
    card = clone / "dataset/README.md"

    def compare_then_edit(*args):
        result = real(*args)
        card.write_bytes(card.read_bytes().replace(b"Idlib", b"Idleb", 1))  # after the comparison
        return result

    monkeypatch.setattr(folder, "compare_outputs", compare_then_edit)
    assert cli("check", root=clone).code == 0  # what it compared was up to date
    monkeypatch.setattr(folder, "compare_outputs", real)
    result = cli("check", root=clone)
    assert result.code == 1 and "IG601 dataset/README.md is stale" in result.out


def _same_size_edit(text: str) -> str:
    new = text.replace("bound: lower", "bound: upper", 1)
    assert new != text and len(new.encode()) == len(text.encode())
    return new


def test_an_input_edited_between_hashing_and_reading_is_not_vouched_for(clone, cli, monkeypatch):
    """A file changed after the stamp hashed it and before the corpus read it (and changed back
    later, its size and modification time restored) must not be vouched for with bytes the build
    never saw: dataset/ is built from the edited file, then the file is put back."""
    from idlib_gold.checking import pipeline

    path = clone / DOC
    original = path.read_text(encoding="utf-8")
    times = (path.stat().st_atime_ns, path.stat().st_mtime_ns)

    def put(text):
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=times)

    put(_same_size_edit(original))
    assert cli("build", root=clone).code == 0  # dataset/ is now the build of the edited file
    put(original)
    shutil.rmtree(clone / stamp.STAMP_DIR)
    assert cli("check", root=clone).code == 1  # and so stale for the original
    real = pipeline.load

    def edit_then_load(*args, **kwargs):
        put(_same_size_edit(original))  # after read_inputs hashed the original
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "load", edit_then_load)
    assert cli("check", root=clone).code == 0  # it compared the edited file's build: up to date
    monkeypatch.setattr(pipeline, "load", real)
    put(original)
    result = cli("check", root=clone)
    assert result.code == 1 and "IG601" in result.out


# --- the stamp folder is never read or written through a link or special file ------------------------

def test_a_fifo_in_place_of_the_stamp_is_named_and_never_waited_on(clone, cli):
    _stamped(clone, cli)
    (clone / STAMP).unlink()
    os.mkfifo(clone / STAMP)
    main = "import sys; from idlib_gold.cli import main; sys.exit(main(sys.argv[1:]))"
    run = subprocess.run([sys.executable, "-c", main, "check", "--root", str(clone)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"IG605 {STAMP} is a FIFO" in run.stdout


def test_the_stamp_is_never_written_through_links(clone, cli, tmp_path):
    _stamped(clone, cli)
    shutil.rmtree(clone / stamp.STAMP_DIR)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (clone / stamp.STAMP_DIR).symlink_to(elsewhere)
    result = cli("check", root=clone)
    assert result.code == 1 and f"IG605 {stamp.STAMP_DIR} is a symbolic link" in result.out
    assert list(elsewhere.iterdir()) == []
    (clone / stamp.STAMP_DIR).unlink()
    (clone / stamp.STAMP_DIR).mkdir()
    (clone / stamp.STAMP_DIR / ".gitignore").symlink_to(tmp_path / "created-through-the-link")
    result = cli("check", root=clone)
    assert result.code == 1 and f"IG605 {stamp.STAMP_DIR}/.gitignore is a symbolic link" in result.out
    assert not (tmp_path / "created-through-the-link").exists()


def test_recording_lists_the_trees_once_more(clone, monkeypatch):
    """Taking the digest at `record` already holds the listing to the one `read_inputs` made; it is
    not listed a second time (at 1,000x a listing is 10,000 lstat calls)."""
    dataset = stamp.folder_digest(clone / "dataset")
    inputs = stamp.read_inputs(clone)
    listed, real = [], stamp._listings
    monkeypatch.setattr(stamp, "_listings", lambda *a, **k: listed.append(1) or real(*a, **k))
    assert stamp.record(clone, inputs, dataset) and listed == [1]
    assert stamp.is_current(clone, clone / "dataset", stamp.inputs_digest(clone))


def test_a_stamp_stands_for_the_annotations_folders_and_the_schema_gates_libraries(clone, cli):
    """An empty folder makes a verdict of its own (a second tree with no documents is a usage error), so a
    folder added is a change of the inputs; and the schema gate's libraries are among the versions."""
    _stamped(clone, cli)
    shutil.rmtree(clone / "annotations" / "second", ignore_errors=True)
    assert cli("build", root=clone).code == 0 and cli("check", root=clone).code == 0
    before = stamp.inputs_digest(clone)
    (clone / "annotations" / "second" / "docs").mkdir(parents=True)
    assert stamp.inputs_digest(clone) != before
    stamped, full = cli("check", root=clone), None
    shutil.rmtree(clone / stamp.STAMP_DIR)
    full = cli("check", root=clone)
    assert (stamped.code, stamped.out) == (full.code, full.out) and full.code != 0, (stamped, full)
    for name in ("jsonschema", "jsonschema-rs", "referencing"):
        assert name in stamp.versions()


def test_a_link_in_the_package_leaves_no_digest_and_no_kept_context(repo, tmp_path, monkeypatch):
    """Python imports a module through a link, so a digest that stood for the link would not stand for
    the code that runs: no stamp is trusted or written, and no kept check result is found."""
    package = tmp_path / "package"
    shutil.copytree(stamp._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(stamp, "_PACKAGE", package)
    assert stamp.inputs_digest(repo) != "" and stamp.checks_context(repo) == stamp.checks_context(repo)
    card = package / "building" / "card.py"
    moved = tmp_path / "card.py"
    card.rename(moved)
    card.symlink_to(moved)
    assert stamp.inputs_digest(repo) == ""
    assert stamp.checks_context(repo) != stamp.checks_context(repo)
