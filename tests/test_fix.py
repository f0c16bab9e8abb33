"""`idlib-gold fix` on copies of the real corpus: certain fixes restore the file byte for byte,
ambiguous ones stay findings, nothing else changes, and bad inputs get usage errors."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

import pytest

from helpers import snapshot

DOC = "000_10fe6d47143cad7a"
REL = f"annotations/docs/{DOC}.yaml"


def _doc(repo: Path) -> Path:
    return repo / REL


def _edit(repo: Path, old: str, new: str) -> None:
    path = _doc(repo)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org",
                    "-c", "commit.gpgsign=false", *args], check=True, capture_output=True)


def test_fix_on_the_valid_corpus_changes_no_byte(cli, repo):
    before = snapshot(repo / "annotations")
    result = cli("fix", root=repo)
    assert result.code == 0, result.out
    assert "0 fix(es) in 0 file(s); 0 left" in result.out
    assert snapshot(repo / "annotations") == before


def test_certain_fixes_restore_the_file_byte_for_byte_and_a_second_run_changes_nothing(cli, repo):
    original = _doc(repo).read_bytes()
    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 100, end: 106, text: \"Turkey\"")  # IG305
    _edit(repo, "start: 190, end: 195, text: \"Syria\"", "start: 189, end: 195, text: \" Syria\"")  # IG306
    _edit(repo, "start: 1658, end: 1672,", "start: 1600, end: 1600,")  # IG304, empty span
    _edit(repo, "content: {start: 971, end: 1097,", "content: {start: 960, end: 1097,")  # a quote part
    lines = _doc(repo).read_text(encoding="utf-8").split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith("  - {id: e4,"))
    lines[i], lines[i + 1] = lines[i + 1], lines[i]  # IG318
    _doc(repo).write_text("\n".join(lines), encoding="utf-8")
    assert cli("validate", root=repo).code == 1

    result = cli("fix", root=repo)
    assert result.code == 0, result.out
    assert _doc(repo).read_bytes() == original
    assert "6 fix(es) in 1 file(s); 0 left" in result.out
    assert f"fixed: {REL}:12: e2 start 100 → 112, end 106 → 118 (IG305" in result.out
    assert f"fixed: {REL}:13: e3 start 189 → 190, text ' Syria' → 'Syria' (IG306" in result.out
    assert f"fixed: {REL}:110: q2.content start 960 → 971 (IG305" in result.out
    assert f"fixed: {REL}:15: e4 line 15 → 14 (IG318 entities sorted by start offset)" in result.out
    assert f"fixed: {REL}:14: e5 line 14 → 15 (IG318 entities sorted by start offset)" in result.out
    assert "PASSED: 5 document(s) checked, and 2 in annotations/second/ after fixing, no findings" in result.out

    again = cli("fix", root=repo)
    assert again.code == 0 and "0 fix(es) in 0 file(s)" in again.out
    assert _doc(repo).read_bytes() == original


def test_a_new_annotation_with_label_text_and_rough_offsets_is_anchored(cli, repo):
    """The annotator's way: append a line with label, text and a guess at the offsets; fix does the rest."""
    original = _doc(repo).read_text(encoding="utf-8")
    line = '  - {id: e17, label: GPE, start: 1029, end: 1037, text: "Reyhanli", entity: reyhanli}\n'
    last = '  - {id: e20, label: GPE, start: 1101, end: 1107, text: "Turkey", entity: turkey}\n'
    rough = line.replace("start: 1029, end: 1037", "start: 1000, end: 1000")
    text = original.replace(line, "")
    _doc(repo).write_text(text.replace(last, last + rough), encoding="utf-8")
    result = cli("fix", root=repo)
    assert result.code == 0, result.out
    assert "e17 start 1000 → 1029, end 1000 → 1037" in result.out
    assert _doc(repo).read_text(encoding="utf-8") == original


def test_a_span_equally_near_two_occurrences_stays_a_finding_with_its_hint(cli, repo):
    """'Syrian' is at 230 (e4) and 391 (e6); written at 310–317, either would move its offsets by 161."""
    _edit(repo, "{id: e6, label: NORP, start: 391, end: 397", "{id: e6, label: NORP, start: 310, end: 317")
    before = _doc(repo).read_bytes()
    result = cli("fix", root=repo)
    assert result.code == 1
    assert _doc(repo).read_bytes() == before
    assert (f"left: {REL}:16: e6: IG305 span text mismatch: 'Syrian' occurs 2 times within ±200 characters of "
            "310–317 (at 230, 391); 230 and 391 are equally near: ambiguous; not changed") in result.out
    assert "IG305 e6: text 'Syrian'" in result.out and "fix: the text occurs at start: 230" in result.out


def test_the_nearest_of_several_occurrences_is_taken_when_it_is_strictly_nearest(cli, repo):
    """e6 written eleven characters early: 'Syrian' also occurs at 230, 150 characters away."""
    original = _doc(repo).read_bytes()
    _edit(repo, "{id: e6, label: NORP, start: 391, end: 397", "{id: e6, label: NORP, start: 380, end: 386")
    result = cli("fix", root=repo)
    assert result.code == 0, result.out
    assert _doc(repo).read_bytes() == original
    assert (f"fixed: {REL}:16: e6 start 380 → 391, end 386 → 397 (IG305 span text mismatch: 'Syrian' occurs 2 "
            "times within ±200 characters; the one at 391 is the nearest to 380–386)") in result.out


DOC3 = "003_e4f66969423e83e9"
REL3 = f"annotations/docs/{DOC3}.yaml"


def _edit3(repo: Path, old: str, new: str) -> None:
    path = repo / REL3
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_off_by_one_span_is_fixed_though_the_word_occurs_40_characters_away(cli, repo):
    """'Turkey' is e50 at 1870 and e51 at 1909; e51 written one character late."""
    original = (repo / REL3).read_bytes()
    _edit3(repo, "{id: e51, label: GPE, start: 1909, end: 1915", "{id: e51, label: GPE, start: 1910, end: 1916")
    result = cli("fix", REL3, root=repo)
    assert result.code == 0, result.out
    assert (repo / REL3).read_bytes() == original
    assert f"fixed: {REL3}:61: e51 start 1910 → 1909, end 1916 → 1915 (IG305" in result.out
    assert "1 fix(es) in 1 file(s); 0 left" in result.out


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_schema_error_in_one_annotation_does_not_stop_the_fixes_of_the_others(cli, repo, dry_run):
    original = (repo / REL3).read_text(encoding="utf-8")
    _edit3(repo, "{id: e51, label: GPE, start: 1909, end: 1915", "{id: e51, label: GPE, start: 1910, end: 1916")
    _edit3(repo, "{id: e49, label: GPE, start: 1835,", "{id: e49, label: CITY, start: 1835,")  # IG205
    _edit3(repo, "{id: e52, label: GPE, start: 1920, end: 1926", "{id: e52, label: GPE, start: \"1920\", end: 1926")
    broken = (repo / REL3).read_text(encoding="utf-8")
    result = cli("fix", *(["--dry-run"] if dry_run else []), REL3, root=repo)
    assert result.code == 1  # the schema errors remain
    verb = "would fix" if dry_run else "fixed"
    assert f"{verb}: {REL3}:61: e51 start 1910 → 1909, end 1916 → 1915 (IG305" in result.out
    assert f"left: {REL3}:59: e49: IG205 schema error; not changed" in result.out
    assert f"left: {REL3}:62: e52: IG204 schema error; not changed" in result.out
    assert "1 fix(es) in 1 file(s)" in result.out and "; 2 left" in result.out
    assert re.search(rf"^{re.escape(REL3)}:59:\d+: IG205 entities\[48\]\.label: 'CITY' is not one of", result.out, re.M)
    fixed = broken.replace("start: 1910, end: 1916", "start: 1909, end: 1915")
    if dry_run:
        assert (repo / REL3).read_text(encoding="utf-8") == broken
        assert "+  - {id: e51, label: GPE, start: 1909, end: 1915" in result.out
    else:
        assert (repo / REL3).read_text(encoding="utf-8") == fixed
        assert fixed.replace("CITY", "GPE").replace('"1920"', "1920") == original


def test_a_text_far_from_its_offsets_is_left(cli, repo):
    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 400, end: 406, text: \"Turkey\"")
    before = _doc(repo).read_bytes()
    result = cli("fix", root=repo)
    assert result.code == 1 and _doc(repo).read_bytes() == before
    assert "'Turkey' does not occur within ±200 characters of 400–406" in result.out


def test_a_place_another_annotation_holds_is_left(cli, repo):
    """The one occurrence near the offsets is e12's: moving e2 there would be a guess."""
    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 3000, end: 3006, text: \"Turkey\"")
    before = _doc(repo).read_bytes()
    result = cli("fix", root=repo)
    assert result.code == 1 and _doc(repo).read_bytes() == before
    assert "'Turkey' occurs once within ±200 characters, at 2875–2881, but e56 is annotated there" in result.out


def test_dry_run_prints_a_diff_and_writes_nothing(cli, repo):
    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 100, end: 106, text: \"Turkey\"")
    before = snapshot(repo / "annotations")
    result = cli("fix", "--dry-run", REL, root=repo)
    assert snapshot(repo / "annotations") == before
    assert result.code == 0  # no finding would remain
    assert f"--- a/{REL}\n+++ b/{REL}\n" in result.out
    assert '-  - {id: e2, label: GPE, start: 100, end: 106, text: "Turkey", entity: turkey}\n' in result.out
    assert '+  - {id: e2, label: GPE, start: 112, end: 118, text: "Turkey", entity: turkey}\n' in result.out
    assert "would fix:" in result.out and "as they would be after fixing" in result.out
    assert not list((repo / "annotations" / "docs").glob(".*"))


def _committed(repo: Path) -> None:
    _git(repo, "init", "-q")
    _git(repo, "add", "annotations")
    _git(repo, "commit", "-q", "-m", "corpus")


def test_sha256_is_filled_in_for_a_new_document_only(cli, repo):
    new_yaml, yaml_text, digest = _new_document(repo)
    new_id = new_yaml.stem
    new_yaml.write_text(yaml_text, encoding="utf-8")
    sha_line = next(line for line in _doc(repo).read_text(encoding="utf-8").splitlines(keepends=True)
                    if line.startswith("sha256:"))
    _edit(repo, sha_line, "sha256: null\n")  # a committed document whose sha256 was removed

    result = cli("fix", root=repo)
    assert f"sha256: {digest}\n" in new_yaml.read_text(encoding="utf-8")
    assert new_yaml.read_text(encoding="utf-8").splitlines()[1:3] == [f"id: {new_id}", f"sha256: {digest}"]
    assert f"fixed: annotations/docs/{new_id}.yaml:3: sha256 missing → {digest[:12]}… (filled in: a new document)" \
        in result.out
    assert "sha256: null\n" in _doc(repo).read_text(encoding="utf-8")
    assert f"left: {REL}: sha256 is missing and not filled in: it is in git HEAD" in result.out
    assert result.code == 1


def test_a_mismatching_sha256_is_never_repaired(cli, repo):
    _committed(repo)
    text_path = repo / "annotations/texts" / f"{DOC}.txt"
    text_path.write_bytes(text_path.read_bytes().replace(b"Turkey", b"Turkei", 1))
    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 100, end: 106, text: \"Turkey\"")
    before = _doc(repo).read_bytes()
    result = cli("fix", root=repo)
    assert result.code == 1 and _doc(repo).read_bytes() == before
    assert "IG301 the text differs from its sha256: no span is fixed in an edited text" in result.out
    assert "IG301 text" in result.out


def test_comments_and_a_missing_final_newline_are_kept(cli, repo):
    text = _doc(repo).read_text(encoding="utf-8")
    text = text.replace("entities:\n", "entities:  # checked twice\n# a comment line above e1\n", 1).rstrip("\n")
    text = text.replace("text: \"Syrian\", entity: norp-syrian}\n", "text: \"Syrian\", entity: norp-syrian}  # e4\n", 1)
    _doc(repo).write_text(text, encoding="utf-8")
    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 100, end: 106, text: \"Turkey\"")
    lines = _doc(repo).read_text(encoding="utf-8").split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith("  - {id: e4,"))
    lines[i], lines[i + 1] = lines[i + 1], lines[i]  # e4 and its comment move together
    _doc(repo).write_text("\n".join(lines), encoding="utf-8")
    result = cli("fix", root=repo)
    assert result.code == 0, result.out
    assert _doc(repo).read_text(encoding="utf-8") == text


def test_out_of_order_lines_that_are_not_one_per_line_are_left(cli, repo):
    lines = _doc(repo).read_text(encoding="utf-8").split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith("  - {id: e4,"))
    lines[i], lines[i + 1] = lines[i + 1], "  # a comment between annotations\n" + lines[i]
    _doc(repo).write_text("\n".join(lines), encoding="utf-8")
    before = _doc(repo).read_bytes()
    result = cli("fix", root=repo)
    assert result.code == 0 and _doc(repo).read_bytes() == before  # a warning left: exit 1 only with --strict
    assert "IG318 entities are out of order but not one annotation per line: not sorted" in result.out
    assert cli("fix", "--strict", root=repo).code == 1


@pytest.mark.parametrize("make", ["symlink", "fifo", "fifo text"])
def test_fix_refuses_symlinks_and_special_files(cli, repo, make):
    """A named pipe would block the reader; a symbolic link would be replaced by a file."""
    target = repo / "annotations/docs/zz.yaml"
    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 100, end: 106, text: \"Turkey\"")
    before = snapshot(repo / "annotations")
    if make == "symlink":
        os.symlink(_doc(repo), target)
    elif make == "fifo":
        os.mkfifo(target)
    else:
        target.write_bytes(_doc(repo).read_bytes())
        os.mkfifo(repo / "annotations/texts/zz.txt")
    result = cli("fix", root=repo)
    assert result.code == 2 and "regular files only" in result.err and "Traceback" not in result.err
    assert "zz." in result.err
    assert {k: v for k, v in snapshot(repo / "annotations").items() if "zz" not in k} == before


def test_dry_run_leaves_special_files_out_of_its_scratch_copy(cli, repo):
    os.mkfifo(repo / "annotations/zz-pipe")
    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 100, end: 106, text: \"Turkey\"")
    result = cli("fix", "--dry-run", root=repo)
    assert result.code == 0 and "PASSED" in result.out


@pytest.mark.parametrize("args, message", [
    (["nothere.yaml"], "no such file"),
    (["/etc/hostname"], "is outside the repository"),
    (["schema"], "is not an annotation file"),
])
def test_fix_bad_paths_are_usage_errors(cli, repo, args, message):
    if args[0] == "schema":
        (repo / "schema").mkdir(exist_ok=True)
    if args[0].startswith("/") and not Path(args[0]).exists():
        pytest.skip("no file outside the repository to name")
    result = cli("fix", *args, root=repo)
    assert result.code == 2 and message in result.err and "Traceback" not in result.err


@pytest.mark.parametrize("content", [b"{{{ not yaml", b"\xff\xfe not utf-8", b"entities: 7\n", b""])
def test_fix_on_a_broken_file_changes_nothing_and_reports_it(cli, repo, content):
    _doc(repo).write_bytes(content)
    result = cli("fix", root=repo)
    assert result.code == 1 and _doc(repo).read_bytes() == content
    assert "FAILED" in result.out


def test_fix_keeps_the_file_mode(cli, repo):
    _doc(repo).chmod(0o640)
    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 100, end: 106, text: \"Turkey\"")
    assert cli("fix", root=repo).code == 0
    assert _doc(repo).stat().st_mode & 0o777 == 0o640
    assert not [p for p in (repo / "annotations/docs").iterdir() if p.name.startswith(".")]


def test_the_readme_example_is_what_fix_prints(cli, repo):
    """The annotator section's two runs, replayed on a copy of the corpus."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("An annotator appended `e17`"):]
    blocks = re.findall(r"```text\n\$ idlib-gold fix[^\n]*\n(.*?)```", section, re.S)[:2]
    line = '  - {id: e17, label: GPE, start: 1029, end: 1037, text: "Reyhanli", entity: reyhanli}\n'
    last = '  - {id: e20, label: GPE, start: 1101, end: 1107, text: "Turkey", entity: turkey}\n'
    _edit(repo, line, "")
    _edit(repo, last, last + line.replace("start: 1029, end: 1037", "start: 1000, end: 1000"))
    _edit(repo, "{id: e6, label: NORP, start: 391, end: 397", "{id: e6, label: NORP, start: 380, end: 386")
    _edit(repo, "{id: e9, label: ORG,", "{id: e9, label: ORGANIZATION,")
    first = cli("fix", root=repo)
    assert first.code == 1 and first.out == blocks[0]
    _edit(repo, "{id: e9, label: ORGANIZATION,", "{id: e9, label: ORG,")
    second = cli("fix", root=repo)
    assert second.code == 0 and second.out == blocks[1]


@pytest.mark.parametrize("how", ["read-only file", "read-only folder", "replace refused"])
def test_fix_on_a_file_it_cannot_write_names_that_file(cli, repo, monkeypatch, how):
    """Run as root, a read-only file or folder is writable, so the refusals the system would give are made
    to happen: os.access says the file is read-only, or creating the temporary file beside it, or the
    rename over it, fails with the temporary file's name, as it does in a read-only folder."""
    import os
    import tempfile

    _edit(repo, "start: 112, end: 118, text: \"Turkey\"", "start: 100, end: 106, text: \"Turkey\"")
    before = _doc(repo).read_bytes()
    target = str(_doc(repo))
    if how == "read-only file":
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, m, **k: False if str(p) == target and m == os.W_OK
                            else real_access(p, m, **k))
    elif how == "read-only folder":
        def refused(*args, dir=None, prefix="", suffix="", **kwargs):
            raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "x1y2z3" + suffix))
        monkeypatch.setattr(tempfile, "mkstemp", refused)
    else:
        def refused(src, dst, **kwargs):
            raise PermissionError(13, "Permission denied", src, dst)
        monkeypatch.setattr(os, "replace", refused)
    result = cli("fix", root=repo)
    assert result.code == 2 and "Traceback" not in result.err, result
    rel = Path(target).relative_to(repo).as_posix()
    assert result.err.startswith(f"idlib-gold: error: {rel}: ") and result.err.count("\n") == 1, result.err
    assert ".tmp" not in result.err and "x1y2z3" not in result.err
    assert _doc(repo).read_bytes() == before
    assert not [p for p in (repo / "annotations/docs").iterdir() if p.name.startswith(".")]


def test_an_edit_killed_before_its_rename_leaves_its_file_whole_and_a_leftover_named_as_such(cli, repo):
    """A `fix` killed between writing its temporary file and the rename: the annotation file is the old one,
    whole, and `validate` names the leftover as an interrupted edit's (remove it), not as a stray of the
    user's; a file merely named alike, with no file it was for, is a stray as before."""
    import sys

    before = _doc(repo).read_bytes()
    killed = subprocess.run([sys.executable, "-c", (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from idlib_gold.outputs import files\n"
        "os.replace = lambda *a, **k: os._exit(9)\n"  # killed at the rename: nothing is cleaned up
        "files.replace_file(Path(sys.argv[1]), b'half', mode=0o644)\n"), str(_doc(repo))],
        capture_output=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert killed.returncode == 9, killed.stderr
    assert _doc(repo).read_bytes() == before
    left = [n for n in os.listdir(_doc(repo).parent) if n.endswith(".tmp")]
    assert len(left) == 1 and left[0].startswith(f".{DOC}.yaml.")
    (repo / "annotations/docs/.gone.yaml.abcd1234.tmp").write_text("x")
    result = cli("validate", root=repo)
    assert f"IG111 '{left[0]}' in annotations/docs/ is a temporary file left by an interrupted `fix` " \
           f"({DOC}.yaml is whole)" in result.out, result.out
    assert "'.gone.yaml.abcd1234.tmp' in annotations/docs/ is not a <id>.yaml file" in result.out


def _new_document(repo: Path) -> tuple[Path, str, str]:
    """An uncommitted document `005_new` (its text a copy of DOC's and one line more) without its sha256
    line: (its YAML path, its YAML text, the digest `fix` fills in)."""
    _committed(repo)
    new_id = "005_new"
    text = (repo / "annotations/texts" / f"{DOC}.txt").read_bytes() + b"\nA new line.\n"
    (repo / "annotations/texts" / f"{new_id}.txt").write_bytes(text)
    yaml_text = _doc(repo).read_text(encoding="utf-8").replace(f"id: {DOC}\n", f"id: {new_id}\n")
    sha_line = next(line for line in yaml_text.splitlines(keepends=True) if line.startswith("sha256:"))
    return repo / "annotations/docs" / f"{new_id}.yaml", yaml_text.replace(sha_line, ""), \
        hashlib.sha256(text).hexdigest()


def _id_last_without_a_final_newline(text: str) -> str:
    lines = text.splitlines(keepends=True)
    id_line = next(line for line in lines if line.startswith("id:"))
    lines.remove(id_line)
    return "".join(lines).rstrip("\n") + "\n" + id_line.rstrip("\n")


@pytest.mark.parametrize("shape, filled", [
    ("crlf", True), ("id last, no final newline", True), ("crlf, id last, no final newline", True),
    ("a document start and no id", True), ("a directive, a document start and no id", True),
    ("id a block scalar", False)])
def test_a_filled_in_sha256_keeps_the_file_reading_as_it_did(cli, repo, shape, filled):
    """The sha256 line is written with the file's own line endings, after a document start marker, after
    a last line without its line break; where it cannot be (inside a block scalar) the file is left as
    it was, with a `left:` line. Either way the file reads as before, plus its sha256 when filled in."""
    import yaml

    path, text, digest = _new_document(repo)
    if shape == "crlf":
        text = text.replace("\n", "\r\n")
    elif shape == "id last, no final newline":
        text = _id_last_without_a_final_newline(text)
    elif shape == "crlf, id last, no final newline":
        text = _id_last_without_a_final_newline(text).replace("\n", "\r\n")
    elif shape.endswith("a document start and no id"):
        text = ("%YAML 1.1\n" if "directive" in shape else "") + "---\n" + "".join(
            line for line in text.splitlines(keepends=True) if not line.startswith("id:"))
    else:
        text = text.replace("id: 005_new\n", "id: >-\n  005_new\n")
    path.write_bytes(text.encode("utf-8"))
    before = yaml.safe_load(text)
    result = cli("fix", root=repo)
    after = path.read_bytes().decode("utf-8")
    assert "Traceback" not in result.out + result.err
    if filled:
        assert yaml.safe_load(after) == {**before, "sha256": digest}, result.out
        assert "(filled in: a new document)" in result.out
        if shape.startswith("crlf"):
            assert after.count("\r\n") == after.count("\n")
        if "id last, no final newline" in shape:
            assert not after.endswith("\n")
    else:
        assert after == text
        assert "left: annotations/docs/005_new.yaml: sha256 is missing but a line for it could not be written " \
               "safely; nothing changed" in result.out
