"""Every `--out` of every command goes through one guarded writer (src/idlib_gold/outputs/): what it
allows (a new path, a link outside the repository, its own earlier output), what it replaces and what
not, and `fix`'s narrow way into annotations/. Every refused target is tried with every command in
tests/test_fuzz.py, which shares the sandbox fixture (conftest.py)."""

from __future__ import annotations

import os
import re
import stat

import pytest

from helpers import tree_state

COMMANDS = {"baseline": lambda t: ["baseline", "figures", "--out", t], "render": lambda t: ["render", "--out", t],
            "export": lambda t: ["export", "--format", "conll", t],
            "suspects": lambda t: ["suspects", "notes/figures.jsonl", "--format", "html", "--out", t]}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_outputs_go_through_links_outside_the_repository_and_into_new_folders_of_it(sandbox, command, cli):
    """Allowed: a new path in the repository outside its own folders (not run in it), and a folder reached through a
    link outside the repository (the user chose it)."""
    (sandbox / "real").mkdir()
    (sandbox / "linked").symlink_to(sandbox / "real", target_is_directory=True)
    for out in ("x", str(sandbox / "linked" / "x")):
        result = cli(*COMMANDS[command](out), root=sandbox / "repo")
        assert result.code == 0, (out, result.err)
    assert (sandbox / "real" / "x").exists() and (sandbox / "repo" / "x").exists()


def test_baseline_replaces_only_an_empty_file_or_its_own_earlier_output(sandbox, cli):
    out = sandbox / "outside" / "figures.jsonl"
    out.write_bytes(b"")
    assert cli("baseline", "figures", "--out", str(out), root=sandbox / "repo").code == 0
    first = out.read_bytes()
    assert cli("baseline", "figures", "--out", str(out), root=sandbox / "repo").code == 0  # its own: replaced
    assert out.read_bytes() == first
    result = cli("baseline", "quotes", "--out", str(out), root=sandbox / "repo")  # another kind: refused
    assert result.code == 2 and "is not an earlier `baseline quotes` output" in result.err
    for edited in (first.replace(b'"id"', b'"id" ', 1), first + b'{"id": "x"}\n', first[:-1], b"\xff\n",
                   first.replace(b"CARDINAL", b"CARDINAL", 1).replace(b', "bound"', b', "extra": 1, "bound"', 1)):
        out.write_bytes(edited)
        result = cli("baseline", "figures", "--out", str(out), root=sandbox / "repo")
        assert result.code == 2 and "is not an earlier `baseline figures` output" in result.err
        assert out.read_bytes() == edited


def test_render_replaces_only_an_empty_folder_or_its_own_earlier_output(sandbox, cli):
    out = sandbox / "outside" / "pages"
    out.mkdir()
    assert cli("render", "--out", str(out), root=sandbox / "repo").code == 0
    assert (out / "MANIFEST").read_text().startswith("idlib-gold render\n")
    assert cli("render", "--out", str(out), root=sandbox / "repo").code == 0
    export = sandbox / "outside" / "export"
    assert cli("export", "--format", "conll", str(export), root=sandbox / "repo").code == 0
    before = tree_state(sandbox)
    assert cli("render", "--out", str(export), root=sandbox / "repo").code == 2  # an export is not a rendering
    assert cli("export", "--format", "conll", str(out), root=sandbox / "repo").code == 2  # nor the other way
    assert tree_state(sandbox) == before


@pytest.mark.parametrize("command", ["render", "export"])
def test_a_folder_of_the_users_named_like_the_swaps_journal_is_never_removed(sandbox, command, cli):
    """`.OUT.old` beside OUT is where the fallback swap keeps the previous folder, and the recovery removes
    it once OUT is whole; a folder of the user's under that name is refused, not removed."""
    out = sandbox / "outside" / "out"
    argv = COMMANDS[command](str(out))
    assert cli(*argv, root=sandbox / "repo").code == 0
    (sandbox / "outside" / ".out.old").mkdir()
    (sandbox / "outside" / ".out.old" / "mine.txt").write_text("keep me\n")
    before = tree_state(sandbox)
    result = cli(*argv, root=sandbox / "repo")
    assert result.code == 2 and ".out.old is in the way" in result.err, result.err
    assert tree_state(sandbox) == before
    (sandbox / "outside" / ".out.old" / "mine.txt").unlink()  # an empty one is a leftover: removed
    assert cli(*argv, root=sandbox / "repo").code == 0 and not (sandbox / "outside" / ".out.old").exists()


@pytest.mark.parametrize("command", ["render", "export"])
def test_a_folder_of_the_users_named_like_a_staging_or_trash_folder_is_never_removed(sandbox, command, cli):
    """Only names the swap itself gives (its prefix and sixteen hexadecimal digits, a letter among them) are
    leftovers to remove; `.OUT.new-mywork`, `.OUT.new-archived` or a date is the user's."""
    outside = sandbox / "outside"
    argv = COMMANDS[command](str(outside / "out"))
    mine = [".out.new-mywork", ".out.trash-keep", ".out.new-archived", ".out.new-backup01", ".out.trash-0123456g",
            ".out.new-0123abcde", ".out.new-20240115", ".out.trash-2024011512305900", ".out.new-9f3a0c1e"]
    for name in mine:
        (outside / name).mkdir()
        (outside / name / "notes.txt").write_text("precious\n")
    left = [".out.new-9f3a0c1e5b7d2a40", ".out.trash-0123456789abcdef"]
    for name in left:
        (outside / name).mkdir()
        (outside / name / "part").write_text("half\n")
    assert cli(*argv, root=sandbox / "repo").code == 0
    assert all((outside / name / "notes.txt").read_text() == "precious\n" for name in mine)
    assert not any((outside / name).exists() for name in left)
    assert not [n for n in os.listdir(outside) if n.startswith(".out.") and n not in mine]


def test_fix_edits_only_annotation_files_in_place_never_through_links(sandbox):
    from idlib_gold.outputs import OutputError, edit_in_place

    repo = sandbox / "repo"
    doc = next((repo / "annotations" / "docs").glob("*.yaml"))
    rel = doc.relative_to(repo).as_posix()
    doc.chmod(0o600)
    edit_in_place(repo, {rel: doc.read_text(encoding="utf-8") + "# edited\n"})
    assert doc.read_text(encoding="utf-8").endswith("# edited\n") and stat.S_IMODE(doc.stat().st_mode) == 0o600
    before = tree_state(sandbox)
    for bad in ("annotations/kb.yaml", "src/module.py", "README.md", "annotations/docs/../../README.md",
                "to-annotations/docs/" + doc.name, "annotations/docs/missing.yaml"):
        with pytest.raises(OutputError):
            edit_in_place(repo, {bad: "x"})
    (repo / "annotations" / "docs" / "linked.yaml").symlink_to(sandbox / "outside" / "precious.txt")
    before = tree_state(sandbox)
    with pytest.raises(OutputError, match="symbolic link"):
        edit_in_place(repo, {rel: "x", "annotations/docs/linked.yaml": "x"})  # checked before the first write
    assert tree_state(sandbox) == before


def test_only_the_output_package_writes_files():
    """One writer: no module outside src/idlib_gold/outputs/ writes, renames or links a file itself
    (write_text, write_bytes, os.replace, os.rename, os.link, mkstemp, open for writing)."""
    import ast

    from helpers import ROOT

    package = ROOT / "src" / "idlib_gold"
    writes = {"write_text", "write_bytes", "replace", "rename", "link", "mkstemp", "NamedTemporaryFile"}
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.parent.name == "outputs":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            base = node.func.value.id if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                else ""
            mode = next((a.value for a in node.args[1:2] if isinstance(a, ast.Constant)), None) or \
                next((k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)), "")
            flags = {n.attr if isinstance(n, ast.Attribute) else n.id for a in node.args[1:2] for n in ast.walk(a)
                     if isinstance(n, (ast.Attribute, ast.Name))}
            to_devnull = bool(node.args) and ast.unparse(node.args[0]) == "os.devnull"  # SIGPIPE's end
            if (name in writes and (base in ("os", "tempfile") or name.startswith("write_"))) or \
                    (name in ("open", "fdopen") and any(c in str(mode) for c in "wax+")) or \
                    (base == "os" and name == "open" and not to_devnull
                     and any(w in f for f in flags for w in ("CREAT", "WRONLY", "RDWR"))):
                found.append(f"{path.relative_to(package)}:{node.lineno} {name}")
    assert found == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_corpus_inside_a_clone_protects_the_clones_own_folders(sandbox, command, cli, monkeypatch):
    """A corpus kept inside another clone (a test fixture) is found as the root when a command runs in it;
    the enclosing clone's annotations/, schema/, src/ and git directory are still never written, whether
    the nested root is given or found from the current folder."""
    import shutil

    from helpers import ROOT

    repo = sandbox / "repo"
    nested = repo / "tests" / "fixtures" / "base"
    shutil.copytree(ROOT / "tests" / "fixtures" / "base", nested)
    if command == "suspects":
        assert cli("baseline", "figures", "--out", str(sandbox / "outside" / "p.jsonl"), root=nested).code == 0
    argv = (lambda t: ["suspects", str(sandbox / "outside" / "p.jsonl"), "--format", "html", "--out", t]) \
        if command == "suspects" else COMMANDS[command]
    before = tree_state(sandbox)
    for target in ("src/out", "schema/out", "annotations/out", ".git/out", "README.md"):
        result = cli(*argv(str(repo / target)), root=nested)
        assert result.code == 2 and "Traceback" not in result.err, (target, result.err)
    monkeypatch.chdir(nested)
    for target in ("../../../src/out", "../../../.git/out", "../../../annotations/out"):
        result = cli(*argv(target))
        assert result.code == 2, (target, result.err)
    assert tree_state(sandbox) == before
    assert cli(*argv(str(sandbox / "outside" / "new")), root=nested).code == 0  # outside every clone: written


def test_a_clone_above_that_is_no_corpus_keeps_only_its_git_directory(tmp_path, cli):
    """A home folder kept in git: its git directory is protected, its other folders are the user's."""
    import shutil
    import subprocess

    from helpers import ROOT

    home = tmp_path / "home"
    repo = home / "work" / "repo"
    shutil.copytree(ROOT / "tests" / "fixtures" / "base", repo)
    subprocess.run(["git", "init", "-q", str(home)], check=True)
    (home / "src").mkdir()
    assert cli("render", "--out", str(home / "src" / "pages"), root=repo).code == 0
    before = tree_state(home / ".git")
    result = cli("render", "--out", str(home / ".git" / "pages"), root=repo)
    assert result.code == 2 and "git directory" in result.err, result.err
    assert tree_state(home / ".git") == before


def test_a_protected_folder_reached_through_a_bind_mount_is_refused(sandbox, cli):
    """The same folder under another path (a bind mount) is the same folder: compared by device and inode."""
    import subprocess

    repo = sandbox / "repo"
    mounted = sandbox / "outside" / "mnt"
    mounted.mkdir()
    tried = subprocess.run(["mount", "--bind", str(repo / "annotations"), str(mounted)], capture_output=True)
    if tried.returncode != 0:
        pytest.skip("bind mounts need privileges this run does not have")
    try:
        whole = sandbox / "outside" / "whole"
        whole.mkdir()
        subprocess.run(["mount", "--bind", str(repo), str(whole)], check=True)
        try:
            docs, refs = sandbox / "outside" / "docs", sandbox / "outside" / "refs"
            docs.mkdir()
            refs.mkdir()
            subprocess.run(["mount", "--bind", str(repo / "annotations" / "docs"), str(docs)], check=True)
            subprocess.run(["mount", "--bind", str(repo / ".git" / "refs"), str(refs)], check=True)
            try:
                before = tree_state(repo)
                for target in (mounted / "out.jsonl", mounted / "docs" / "out.jsonl", whole / "src" / "out.jsonl",
                               whole / ".dataset.old", whole, docs / "out.jsonl", docs / "new" / "out.jsonl",
                               refs / "out.jsonl"):
                    result = cli("baseline", "figures", "--out", str(target), root=repo)
                    assert result.code == 2 and "Traceback" not in result.err, (target, result.err)
                assert tree_state(repo) == before
                assert cli("baseline", "figures", "--out", str(whole / "exports.jsonl"), root=repo).code == 0
            finally:
                subprocess.run(["umount", str(refs)], check=True)
                subprocess.run(["umount", str(docs)], check=True)
        finally:
            subprocess.run(["umount", str(whole)], check=True)
    finally:
        subprocess.run(["umount", str(mounted)], check=True)


def test_a_bind_mount_of_an_enclosing_clone_does_not_free_its_tests_folder(sandbox, cli):
    """A corpus inside another clone, reached through a mount of that clone: the way is judged as every
    repository judges it, so the enclosing clone's tests/ (which holds the corpus) stays protected."""
    import shutil
    import subprocess

    from helpers import ROOT

    repo = sandbox / "repo"
    nested = repo / "tests" / "fixtures" / "base"
    shutil.copytree(ROOT / "tests" / "fixtures" / "base", nested)
    mounted = sandbox / "outside" / "mnt"
    mounted.mkdir()
    if subprocess.run(["mount", "--bind", str(repo), str(mounted)], capture_output=True).returncode != 0:
        pytest.skip("bind mounts need privileges this run does not have")
    try:
        before = tree_state(repo)
        for target in (nested / "p.jsonl", mounted / "tests" / "fixtures" / "base" / "p.jsonl"):
            result = cli("baseline", "figures", "--out", str(target), root=nested)
            assert result.code == 2 and "tests/" in result.err, (target, result.err)
        assert tree_state(repo) == before
    finally:
        subprocess.run(["umount", str(mounted)], check=True)


def test_an_unreadable_git_file_above_the_repository_is_no_traceback(sandbox, cli):
    """A `.git` file naming a path with a NUL in a folder above: the guard reads every enclosing clone's."""
    (sandbox / ".git").write_bytes(b"gitdir: a\0b\n")
    result = cli("baseline", "figures", "--out", str(sandbox / "outside" / "p.jsonl"), root=sandbox / "repo")
    assert result.code == 0 and "Traceback" not in result.err, result.err


def test_from_a_linked_worktree_the_main_worktrees_folders_are_protected(sandbox, cli):
    """A linked worktree's `.git` names the common git directory of the main worktree, whose annotations/,
    src/ and the rest are protected as the worktree's own are."""
    import subprocess

    repo = sandbox / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "add", "-A"], check=True, capture_output=True)
    subprocess.run([*git, "commit", "-qm", "all"], check=True, capture_output=True)
    linked = sandbox / "linked"
    subprocess.run([*git, "worktree", "add", "-q", str(linked)], check=True, capture_output=True)
    before = tree_state(repo)
    for target in (repo / "annotations" / "x.jsonl", repo / "src" / "x.jsonl", repo / ".git" / "x.jsonl"):
        result = cli("baseline", "figures", "--out", str(target), root=linked)
        assert result.code == 2, (target, result.err)
    assert tree_state(repo) == before


@pytest.mark.parametrize("command", ["render", "export"])
def test_an_earlier_output_edited_by_hand_is_the_users_and_never_replaced(sandbox, command, cli):
    """The MANIFEST lists each file with its SHA-256: an export whose `.ann` file was edited in brat, or a page
    edited since, is no longer an unchanged earlier output and is refused, edit kept; a MANIFEST of names
    alone (earlier versions) is still taken on its names."""
    out = sandbox / "outside" / "out"
    argv = COMMANDS[command](str(out))
    assert cli(*argv, root=sandbox / "repo").code == 0
    listed = (out / "MANIFEST").read_text(encoding="utf-8").splitlines()
    assert all(re.fullmatch(r"[0-9a-f]{64}  \S.*", line) for line in listed[1:]), listed
    edited = next(p for p in sorted(out.rglob("*")) if p.is_file() and p.name != "MANIFEST")
    edited.write_bytes(edited.read_bytes() + b"T999\tGPE 0 6\tTurkey\n")
    before = tree_state(sandbox)
    result = cli(*argv, root=sandbox / "repo")
    assert result.code == 2 and "not an unchanged previous" in result.err, result.err
    assert tree_state(sandbox) == before
    (out / "MANIFEST").write_text("\n".join([listed[0], *(line.split("  ", 1)[1] for line in listed[1:])]) + "\n")
    assert cli(*argv, root=sandbox / "repo").code == 0  # names alone: taken on its names, as before


def test_a_file_system_mounted_inside_a_protected_folder_is_protected_wherever_it_is_mounted(sandbox, cli):
    """A file system mounted at annotations/shared, and the same mounted again elsewhere: the target is placed
    in its file system through the mounts, as the protected folder is, whatever devices the way crosses."""
    import subprocess

    repo = sandbox / "repo"
    shared, again = repo / "annotations" / "shared", sandbox / "outside" / "again"
    shared.mkdir()
    again.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(shared)], capture_output=True).returncode != 0:
        pytest.skip("mounting needs privileges this run does not have")
    try:
        subprocess.run(["mount", "--bind", str(shared), str(again)], check=True)
        try:
            for target in (shared / "x.jsonl", again / "x.jsonl", again / "new" / "x.jsonl"):
                result = cli("baseline", "figures", "--out", str(target), root=repo)
                assert result.code == 2 and "Traceback" not in result.err, (target, result.err)
            assert not any(again.iterdir())
        finally:
            subprocess.run(["umount", str(again)], check=True)
    finally:
        subprocess.run(["umount", str(shared)], check=True)


def test_a_protected_folder_is_known_as_the_kernel_shows_it_through_moved_and_stacked_mounts(sandbox, cli):
    """A bind mount moved onto another mount, and a repository mounted over a folder that hides a mount of
    its own: whatever the order the mounts are listed in, the folder the target reaches is compared by
    device and inode with the repository's folders as they are now."""
    import subprocess

    repo = sandbox / "repo"
    outside = sandbox / "outside"
    x, y, m = outside / "x", outside / "y", outside / "m"
    for folder in (x, y, m):
        folder.mkdir()

    def mount(*args) -> bool:
        return subprocess.run(["mount", *args], capture_output=True).returncode == 0

    if not mount("--bind", str(repo / "annotations"), str(y)):
        pytest.skip("mounting needs privileges this run does not have")
    mounted = [y]
    try:
        assert mount("-t", "tmpfs", "t3", str(x)) and mount("--move", str(y), str(x))
        mounted = [x, x]
        assert mount("-t", "tmpfs", "t1", str(m))
        mounted.append(m)
        (m / "annotations").mkdir()
        assert mount("-t", "tmpfs", "t2", str(m / "annotations"))
        mounted.append(m / "annotations")
        assert mount("--bind", str(repo), str(m))
        mounted.append(m)
        before = tree_state(repo)
        for target in (x / "D.jsonl", m / "annotations" / "C.jsonl", m / "src" / "C.jsonl"):
            result = cli("baseline", "figures", "--out", str(target), root=repo)
            assert result.code == 2 and "Traceback" not in result.err, (target, result.err)
        assert tree_state(repo) == before
    finally:
        for folder in reversed(mounted):
            subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_git_directory_full_of_folders_does_not_use_up_what_the_protected_folders_are_known_by(sandbox, cli,
                                                                                                     monkeypatch):
    """The git directories have a budget of their own: an object store of many folders (as Git LFS makes)
    leaves every folder of tests/ known, so a bind mount of a deep one is refused."""
    import subprocess

    from idlib_gold.outputs import targets

    repo = sandbox / "repo"
    monkeypatch.setattr(targets, "_KNOWN_MAX", 60)
    for a in range(10):
        for b in range(10):
            (repo / ".git" / "lfs" / "objects" / f"{a:02x}" / f"{b:02x}").mkdir(parents=True)
    deep = repo / "tests" / "fixtures" / "deep" / "a" / "b" / "c"
    deep.mkdir(parents=True)
    mounted = sandbox / "outside" / "m"
    mounted.mkdir()
    if subprocess.run(["mount", "--bind", str(deep), str(mounted)], capture_output=True).returncode != 0:
        pytest.skip("bind mounts need privileges this run does not have")
    try:
        result = cli("baseline", "figures", "--out", str(mounted / "p.jsonl"), root=repo)
        assert result.code == 2 and "tests/" in result.err, result.err
        assert not any(deep.iterdir())
    finally:
        subprocess.run(["umount", str(mounted)], check=True)


def test_the_second_look_sees_a_folder_mounted_after_the_first(sandbox, monkeypatch):
    """A command looks at its target again once it holds the lock; what it learnt of the protected folders
    the first time is not kept, so a folder mounted in between, or an inode taken again, is seen as it is."""
    import subprocess

    from idlib_gold.outputs import OutputError, targets

    repo = sandbox / "repo"
    mounted = sandbox / "outside" / "m"
    mounted.mkdir()
    monkeypatch.chdir(repo)
    assert targets.resolve(str(mounted / "x"), repo) == mounted / "x"
    (repo / "tests" / "newdir").mkdir(parents=True)
    if subprocess.run(["mount", "--bind", str(repo / "tests" / "newdir"), str(mounted)],
                      capture_output=True).returncode != 0:
        pytest.skip("bind mounts need privileges this run does not have")
    try:
        with pytest.raises(OutputError, match="tests/"):
            targets.resolve(str(mounted / "x"), repo)
    finally:
        subprocess.run(["umount", str(mounted)], check=True)
