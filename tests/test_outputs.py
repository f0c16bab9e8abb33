"""Outputs are never lost or corrupted: `dataset/` survives a kill at any filesystem operation of a
build, read-only and linked folders are refused before anything changes, and `--out` targets are
written atomically, never through links or into special files, with I/O errors naming the path."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT, run_cli, snapshot

BASE = ROOT / "tests" / "fixtures" / "base"
CRASHED = 70  # exit status of a child killed by the fault injector

#: The filesystem operations the fault injector counts; a build is killed just before the k-th.
STEPS = ("open", "write", "fsync", "mkdir", "rename", "replace", "rmdir", "unlink")


def _leftovers(repo: Path) -> list[str]:
    return sorted(p.name for p in repo.iterdir() if p.name.startswith(".dataset"))


def _edit(repo: Path) -> None:
    """A real change of content: the first figure of alpha is no longer approximate."""
    path = repo / "annotations/docs/alpha.yaml"
    text = path.read_text(encoding="utf-8")
    assert "approximate: true" in text
    path.write_text(text.replace("approximate: true", "approximate: false", 1), encoding="utf-8")


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """A small repository whose dataset/ is an old build, with annotations that build a new one."""
    from idlib_gold.building.folder import render_outputs
    from idlib_gold.checking.pipeline import load
    from idlib_gold.reading.digest import source_digest

    repo = tmp_path_factory.mktemp("states") / "repo"
    shutil.copytree(BASE, repo)
    assert run_cli("build", root=repo).code == 0
    old = snapshot(repo / "dataset")
    _edit(repo)
    corpus, findings = load(repo)
    assert not [f for f in findings if f.severity == "error"]
    new_files = render_outputs(corpus, sources=source_digest(repo))
    assert new_files != old
    shutil.copytree(repo / "dataset", repo.parent / "old-dataset")
    return repo, old, new_files


def _reset(repo: Path, with_dataset: bool = True) -> None:
    for name in ["dataset", *_leftovers(repo)]:
        if (repo / name).is_dir():
            shutil.rmtree(repo / name)
    if with_dataset:
        shutil.copytree(repo.parent / "old-dataset", repo / "dataset")


class Faults:
    """Wraps the os functions a build uses to touch the disk (and the atomic exchange); at the
    k-th call it runs `action` instead. Counting also sees the calls inside shutil.rmtree."""

    def __init__(self, monkeypatch, k: int, action):
        import idlib_gold.outputs.swap as swap

        self.calls = 0
        for name in STEPS:
            monkeypatch.setattr(os, name, self._wrap(getattr(os, name), k, action))
        monkeypatch.setattr(swap, "_exchange", self._wrap(swap._exchange, k, action))

    def _wrap(self, real, k, action):
        def step(*args, **kwargs):
            self.calls += 1
            if self.calls == k:
                action(args)
            return real(*args, **kwargs)
        return step


def _kill(args):
    os._exit(CRASHED)


def _disk_full(args):
    named = [a for a in args[:1] if isinstance(a, (str, os.PathLike))]
    raise OSError(errno.ENOSPC, "No space left on device", *map(str, named))


@pytest.fixture(params=["exchange", "two renames"])
def swap_mode(request, monkeypatch):
    """Both ways of swapping the folder in: the atomic exchange (Linux) and the fallback."""
    import idlib_gold.outputs.swap as swap

    if request.param == "two renames":
        monkeypatch.setattr(swap, "_exchange", lambda a, b: False)
    elif sys.platform != "linux":
        pytest.skip("renameat2 is Linux only")
    return request.param


@pytest.mark.slow
@pytest.mark.parametrize("first_build", [False, True], ids=["replacing", "first build"])
def test_a_build_killed_before_any_filesystem_operation_leaves_dataset_old_or_new(
        states, swap_mode, first_build, monkeypatch):
    """For every k, a forked build dies (os._exit, no cleanup runs) just before its k-th filesystem
    operation; the next `idlib-gold check` finds dataset/ byte-identical to the old or the new
    build (or absent on a first build), recovers the leftovers, and says which."""
    import idlib_gold.building.folder as folder
    from idlib_gold.building.folder import write_outputs

    repo, old, new_files = states
    # `check` renders what the annotations build; that is tested elsewhere and takes most of its time
    monkeypatch.setattr(folder, "render_outputs", lambda corpus, *args, **kwargs: new_files)
    outcomes = []
    for k in range(1, 500):
        _reset(repo, with_dataset=not first_build)
        pid = os.fork()
        if pid == 0:  # the child: crash at the k-th step, or finish
            try:
                Faults(monkeypatch, k, _kill)
                write_outputs(repo / "dataset", new_files)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        assert code in (0, CRASHED)
        before = _leftovers(repo), (repo / "dataset").exists()
        result = run_cli("check", root=repo)
        assert "Traceback" not in result.out + result.err
        assert _leftovers(repo) == [], (k, before, result.err)
        if not (repo / "dataset").exists():
            assert first_build, (k, before)
            assert result.code == 1 and "IG602" in result.out
            outcomes.append("absent")
        elif snapshot(repo / "dataset") == new_files:
            assert result.code == 0, (k, result.out)
            outcomes.append("new")
        else:
            assert snapshot(repo / "dataset") == old, (k, before)
            assert result.code == 1 and "IG601 dataset/data/figures/train.parquet is stale" in result.out
            outcomes.append("old")
        if before[0]:
            assert "left by an interrupted build" in result.err
        if code == 0:
            break
    else:
        pytest.fail("the build never finished")
    print(f"{len(outcomes)} crash points: {outcomes.count('new')} left the new folder")
    assert len(outcomes) > 30  # every file write, sync and rename was a crash point
    assert outcomes[-1] == "new" and outcomes[0] == ("absent" if first_build else "old")
    # once the new folder is in place it stays: no crash point goes back to the old one
    assert outcomes == sorted(outcomes, key=lambda o: o == "new")


@pytest.mark.slow
@pytest.mark.parametrize("command", ["export", "render"])
def test_an_export_or_render_killed_at_any_filesystem_operation_is_recovered_by_the_next_run(
        tmp_path, swap_mode, command, monkeypatch):
    """OUT of `export` and `render` is swapped in by the same code as dataset/: for every k, a forked
    write dies just before its k-th filesystem operation; the previous OUT is then whole, in place or
    (between the two renames of the fallback) as `.OUT.old`, and the next run of the command puts it
    back, writes its output and leaves nothing beside OUT."""
    from idlib_gold.outputs import write_folder

    out = tmp_path / "out"
    kind = f"idlib-gold {command}"
    guard = {"root": ROOT, "kind": kind, "header": kind, "what": command, "by": command}
    write_folder(out, {"a.txt": b"old a\n", "sub/b.txt": b"old b\n"}, **guard)
    old = snapshot(out)
    shutil.copytree(out, tmp_path / "keep")
    new_files = {"a.txt": b"new a\n", "c.txt": b"new c\n"}
    argv = ["export", "--format", "conll", str(out)] if command == "export" else ["render", "--out", str(out)]
    seen = set()
    for k in range(1, 300):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(tmp_path / "keep", out)
        pid = os.fork()
        if pid == 0:
            try:
                Faults(monkeypatch, k, _kill)
                write_folder(out, new_files, **guard)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        assert code in (0, CRASHED)
        left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out."))
        shown = out if out.exists() else tmp_path / ".out.old"
        state = snapshot(shown)
        assert state == old or set(state) == {*new_files, "MANIFEST"}, (k, left)
        seen.add("old" if state == old else "new")
        result = run_cli(*argv, root=ROOT)
        assert result.code == 0, (k, left, result.err)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["keep", "out"], (k, left)
        if code == 0:
            break
    else:
        pytest.fail("the write never finished")
    assert seen == {"old", "new"} and k > 10


@pytest.mark.slow
def test_a_build_failing_at_any_filesystem_operation_leaves_dataset_old_or_new(states, swap_mode, monkeypatch):
    """For every k, the k-th filesystem operation fails with ENOSPC: the build either reports it
    (naming a path, dataset/ unchanged, no staging folder left) or has already swapped in the new
    folder; the next build ends with the new folder and no leftovers."""
    from idlib_gold.building.folder import write_outputs
    from idlib_gold.outputs import OutputError

    repo, old, new_files = states
    failed = 0
    for k in range(1, 500):
        _reset(repo)
        was_new = False
        with monkeypatch.context() as m:
            faults = Faults(m, k, _disk_full)
            try:
                changed, notes = write_outputs(repo / "dataset", new_files)
            except OutputError as exc:
                failed += 1
                assert "No space left on device" in str(exc) and str(repo) in str(exc)
                assert snapshot(repo / "dataset") == old
                assert not [n for n in _leftovers(repo) if ".new-" in n]
            else:
                assert changed and snapshot(repo / "dataset") == new_files
                was_new = True
        assert write_outputs(repo / "dataset", new_files)[0] is not was_new
        assert snapshot(repo / "dataset") == new_files and _leftovers(repo) == []
        if faults.calls < k:
            break
    assert failed > 20


@pytest.mark.slow
def test_a_build_killed_at_random_moments_leaves_dataset_old_or_new(repo):
    """A real SIGKILL of `idlib-gold build` subprocesses at seeded random moments."""
    shutil.copytree(repo / "dataset", repo.parent / "old-dataset")
    old = snapshot(repo / "dataset")
    path = repo / "annotations/docs/000_10fe6d47143cad7a.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("approximate: true", "approximate: false", 1), encoding="utf-8")
    command = [sys.executable, "-m", "idlib_gold.cli", "build", "--root", str(repo)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    start = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    took = time.monotonic() - start
    new = snapshot(repo / "dataset")
    assert new != old
    rng = random.Random(20201)
    for delay in sorted(rng.uniform(0.5, 1.0) * took for _ in range(4)):
        _reset(repo)
        build = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=60)
        result = run_cli("check", root=repo)
        assert "Traceback" not in result.err and _leftovers(repo) == []
        got = snapshot(repo / "dataset")
        assert got in (old, new)
        assert result.code == (0 if got == new else 1)


def test_check_restores_a_dataset_an_interrupted_swap_left_aside(states):
    """The state between the two renames of the fallback swap: no dataset/, a complete .dataset.old
    and a staging folder. `check` restores the old folder and removes the staging one."""
    repo, old, _ = states
    _reset(repo)
    os.rename(repo / "dataset", repo / ".dataset.old")
    (repo / ".dataset.new-a1b2c3d4e5f60718").mkdir()
    (repo / ".dataset.new-a1b2c3d4e5f60718" / "README.md").write_bytes(b"half")
    result = run_cli("check", root=repo)
    assert "restored dataset/ from .dataset.old, left by an interrupted build" in result.err
    assert "removed .dataset.new-a1b2c3d4e5f60718" in result.err
    assert snapshot(repo / "dataset") == old and _leftovers(repo) == []


def test_leftovers_of_earlier_builds_are_removed_by_the_next_build(states):
    repo, _, new_files = states
    _reset(repo)
    shutil.copytree(repo / "dataset", repo / ".dataset.old")
    (repo / ".dataset.trash-0a1b2c3d4e5f6071").mkdir()
    result = run_cli("build", root=repo)
    assert result.code == 0 and _leftovers(repo) == []
    assert snapshot(repo / "dataset") == new_files


# ---- refused before anything changes ----------------------------------------------------------------------


def _owner_only_access(path, mode, **kwargs):
    """os.access as a non-root owner sees it: the owner's permission bits decide."""
    bits = os.stat(path).st_mode
    need = (stat.S_IWUSR if mode & os.W_OK else 0) | (stat.S_IXUSR if mode & os.X_OK else 0)
    return bits & need == need


def _tree_state(path: Path) -> dict:
    return {p.relative_to(path.parent).as_posix(): (stat.S_IMODE(os.lstat(p).st_mode), os.path.islink(p),
                                                   p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in sorted(path.parent.rglob("*")) if "annotations" not in p.parts}


@pytest.mark.parametrize("read_only", ["dataset", "dataset/data/ner", ".dataset.old"])
def test_a_read_only_dataset_folder_is_refused_and_nothing_changes(states, read_only, monkeypatch):
    """As a non-root user (os.access by owner bits), a folder the build could not empty is refused."""
    import idlib_gold.outputs.swap as swap

    repo, old, _ = states
    _reset(repo)
    if read_only == ".dataset.old":
        shutil.copytree(repo / "dataset", repo / ".dataset.old")
    (repo / read_only).chmod(0o555)
    monkeypatch.setattr(swap.os, "access", _owner_only_access)
    try:
        before = _tree_state(repo / "dataset")
        result = run_cli("build", root=repo)
        after = _tree_state(repo / "dataset")
    finally:
        (repo / read_only).chmod(0o755)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{repo / read_only}: is read-only" in result.err
    assert after == before


def _special(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "out"
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    if kind == "link":
        path.symlink_to(target)
    elif kind == "dangling link":
        path.symlink_to(tmp_path / "nowhere")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "device":
        return Path(os.devnull)
    return path


@pytest.mark.parametrize("kind", ["link", "dangling link", "fifo", "folder", "device"])
def test_baseline_out_refuses_links_and_special_files(tmp_path, kind, cli):
    out = _special(tmp_path, kind)
    result = cli("baseline", "figures", "--out", str(out), root=ROOT)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"idlib-gold: error: {out}: is " in result.err
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    assert not (tmp_path / "nowhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("kind", ["link", "dangling link", "fifo", "file"])
def test_render_out_refuses_a_linked_or_non_folder_out(tmp_path, kind, cli):
    out = _special(tmp_path, "link" if kind == "file" else kind)
    if kind == "file":
        out = tmp_path / "precious.txt"
    if kind == "link":
        out.unlink()
        (tmp_path / "pages").mkdir()
        out.symlink_to(tmp_path / "pages", target_is_directory=True)
    result = cli("render", "--out", str(out), root=ROOT)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"idlib-gold: error: {out}: is " in result.err
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    assert not (tmp_path / "nowhere").exists()
    assert not (tmp_path / "pages").exists() or not list((tmp_path / "pages").iterdir())


def test_render_refuses_a_link_among_its_pages_before_writing_any(tmp_path, cli):
    out = tmp_path / "review"
    assert cli("render", "--out", str(out), root=ROOT).code == 0
    (tmp_path / "precious.txt").write_text("keep me")
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(tmp_path / "precious.txt")
    before = sorted(p.name for p in out.iterdir())
    result = cli("render", "--out", str(out), root=ROOT)
    assert result.code == 2 and f"{out}: is not empty and not an unchanged previous rendering" in result.err
    assert sorted(p.name for p in out.iterdir()) == before and (out / "index.html").is_symlink()
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_a_full_disk_while_writing_baseline_names_the_file_and_keeps_the_old_one(tmp_path, cli, monkeypatch):
    out = tmp_path / "figures.jsonl"
    assert cli("baseline", "figures", "--out", str(out), root=ROOT).code == 0
    previous = out.read_bytes()

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    result = cli("baseline", "figures", "--out", str(out), root=ROOT)
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err == f"idlib-gold: error: {out}: No space left on device\n"
    assert out.read_bytes() == previous
    assert [p.name for p in tmp_path.iterdir()] == ["figures.jsonl"]


def test_a_full_disk_while_rendering_keeps_every_page_whole(tmp_path, cli, monkeypatch):
    out = tmp_path / "review"
    assert cli("render", "--out", str(out), root=ROOT).code == 0
    before = snapshot(out)
    for page in out.glob("*.html"):
        page.write_bytes(b"old " + page.name.encode())
    from idlib_gold.outputs import MANIFEST
    from idlib_gold.outputs.targets import manifest

    header = (out / MANIFEST).read_text(encoding="utf-8").splitlines()[0]  # an earlier rendering of these pages
    (out / MANIFEST).write_bytes(manifest(header, {p.name: p.read_bytes() for p in out.glob("*.html")}))
    old = snapshot(out)
    real, calls = os.write, []

    def full_after_two(fd, data):
        calls.append(fd)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(os, "write", full_after_two)
    result = cli("render", "--out", str(out), root=ROOT)
    assert result.code == 2 and "No space left on device" in result.err and "review/ left unchanged" in result.err
    after = snapshot(out)
    assert set(after) == set(before)  # no temporary file left
    assert all(after[name] in (old[name], before[name]) for name in after)
    assert after["index.html"] == old["index.html"]  # written last, so it never links to a missing page


def test_baseline_and_render_write_the_same_bytes_every_time_with_readable_modes(tmp_path, cli):
    for n in (1, 2):
        assert cli("baseline", "quotes", "--out", str(tmp_path / f"q{n}.jsonl"), root=ROOT).code == 0
        assert cli("render", "--out", str(tmp_path / f"r{n}"), root=ROOT).code == 0
    assert (tmp_path / "q1.jsonl").read_bytes() == (tmp_path / "q2.jsonl").read_bytes()
    assert snapshot(tmp_path / "r1") == snapshot(tmp_path / "r2")
    assert stat.S_IMODE((tmp_path / "q1.jsonl").stat().st_mode) == 0o644
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "r1").iterdir()} == {0o644}


def test_baseline_into_a_missing_folder_is_a_usage_error_naming_it(tmp_path, cli):
    out = tmp_path / "no" / "such" / "folder.jsonl"
    result = cli("baseline", "figures", "--out", str(out), root=ROOT)
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err == f"idlib-gold: error: {out}: No such file or directory\n"
