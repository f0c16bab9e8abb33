"""`idlib-gold diff` between commits of a temporary git repository built from the real corpus, with
known edits whose report is checked exactly; and its bad inputs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import ROOT

DOC = "000_10fe6d47143cad7a"
GONE = "001_340019b8c38c476d"
NEW = "005_copy"
REL = f"annotations/docs/{DOC}.yaml"


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-c", "commit.gpgsign=false", *args], check=True, capture_output=True, text=True)
    return done.stdout


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _edits(repo: Path) -> None:
    """The known edits: each kind of change the diff reports, in the documents and in the KB."""
    doc = repo / REL
    _replace(doc, "{id: e4, label: NORP, start: 230, end: 236, text: \"Syrian\", entity: norp-syrian}",
             "{id: e4, label: GPE, start: 230, end: 236, text: \"Syrian\", entity: syria}")
    _replace(doc, "{id: e2, label: GPE, start: 112, end: 118,", "{id: e2, label: GPE, start: 2875, end: 2881,")
    _replace(doc, "  - {id: e20, label: GPE, start: 1101, end: 1107, text: \"Turkey\", entity: turkey}\n", "")
    _replace(doc, "text: \"almost 390,000\", value: 390000,", "text: \"almost 390,000\", value: 3900000,")
    _replace(doc, "speaker: {start: 1445, end: 1451, text: \"Conkar\"}, speaker_entity: ahmet-berat-conkar, "
                  "cue: {start: 1440, end: 1444, text: \"said\"}, addressee: null}\n",
             "speaker: {start: 1445, end: 1451, text: \"Conkar\"}, speaker_entity: [ahmet-berat-conkar, turkey], "
             "cue: {start: 1440, end: 1444, text: \"said\"}, addressee: null}\n")
    _replace(doc, "entities:\n", "entities:\n  - {id: e99, label: GPE, start: 0, end: 5, text: \"Idlib\", "
                                 "entity: idlib}\n")
    _replace(doc, "story: story-000\n", "story: story-009\n")
    kb = repo / "annotations/kb.yaml"
    beirut = next(line for line in kb.read_text(encoding="utf-8").splitlines(keepends=True)
                  if line.startswith("  - {id: beirut, "))
    _replace(kb, beirut, "")
    _replace(kb, 'description: "Reuters editor"}\n  - {id: hurriyet', 'description: "Reuters desk editor"}\n'
                                                                    '  - {id: hurriyet')
    _replace(kb, "entries:\n", "entries:\n  - {id: aaa, name: Aaa, type: ORG, aliases: [Aaa]}\n")
    (repo / f"annotations/docs/{GONE}.yaml").unlink()
    source = (repo / "annotations/docs/004_6eacc837ce207b5e.yaml").read_text(encoding="utf-8")
    (repo / f"annotations/docs/{NEW}.yaml").write_text(source, encoding="utf-8")


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, str, str]:
    """A git repository of the real corpus: commit A as it is, commit B with the known edits."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "annotations", repo / "annotations")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "A")
    a = _git(repo, "rev-parse", "HEAD").strip()
    _edits(repo)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "B")
    return repo, a, _git(repo, "rev-parse", "HEAD").strip()


def _layers(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_diff_between_two_commits_reports_exactly_the_known_edits(cli, history):
    repo, a, b = history
    result = cli("diff", a, b, "--format", "json", root=repo)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    files = {f["path"]: f for f in report["files"]}
    assert list(files) == [REL, f"annotations/docs/{GONE}.yaml", f"annotations/docs/{NEW}.yaml",
                           "annotations/kb.yaml"]
    doc = files[REL]
    assert doc["status"] == "changed"
    assert doc["metadata"] == [{"field": "story", "old": "story-000", "new": "story-009"}]
    entities = doc["changes"]["entities"]
    assert [c["id"] for c in entities["added"]] == ["e99"]
    assert entities["added"][0]["annotation"] == {"id": "e99", "label": "GPE", "start": 0, "end": 5,
                                                  "text": "Idlib", "entity": "idlib"}
    assert [c["id"] for c in entities["removed"]] == ["e20"]
    assert entities["changed"] == [{"id": "e4", "fields": [{"field": "label", "old": "NORP", "new": "GPE"},
                                                          {"field": "entity", "old": "norp-syrian", "new": "syria"}]}]
    assert entities["moved"] == [{"id": "e2", "fields": [{"field": "start", "old": 112, "new": 2875},
                                                        {"field": "end", "old": 118, "new": 2881}]}]
    assert doc["changes"]["figures"] == {"changed": [{"id": "f3", "fields": [
        {"field": "value", "old": 390000, "new": 3900000}]}]}
    assert doc["changes"]["quotes"] == {"changed": [{"id": "q4", "fields": [
        {"field": "speaker_entity", "old": "ahmet-berat-conkar", "new": ["ahmet-berat-conkar", "turkey"]}]}]}

    gone = _layers(ROOT / f"annotations/docs/{GONE}.yaml")
    copy = _layers(ROOT / "annotations/docs/004_6eacc837ce207b5e.yaml")
    assert files[f"annotations/docs/{GONE}.yaml"]["status"] == "removed"
    assert files[f"annotations/docs/{NEW}.yaml"]["status"] == "added"
    kb = files["annotations/kb.yaml"]["changes"]["entries"]
    assert [c["id"] for c in kb["added"]] == ["aaa"] and [c["id"] for c in kb["removed"]] == ["beirut"]
    assert kb["changed"] == [{"id": "hugh-lawson", "fields": [
        {"field": "description", "old": "Reuters editor", "new": "Reuters desk editor"}]}]

    summary = report["summary"]
    for layer, (added, removed, changed, moved) in {"entities": (1, 1, 1, 1), "figures": (0, 0, 1, 0),
                                                     "quotes": (0, 0, 1, 0)}.items():
        assert summary[layer] == {"added": added + len(copy[layer]), "removed": removed + len(gone[layer]),
                                  "changed": changed, "moved": moved}
    assert summary["kb"] == {"added": 1, "removed": 1, "changed": 1}
    assert summary["documents"] == {"added": 1, "removed": 1, "changed": 1}
    assert report["findings"] == []


def test_diff_text_and_markdown_name_each_change(cli, history):
    repo, a, b = history
    text = cli("diff", a, b, root=repo).out
    assert f"annotation changes {a} → {b}\n{REL} (changed)\n  metadata story story-000 → story-009\n" in text
    assert "    ~ e4 label NORP → GPE\n    ~ e4 entity norp-syrian → syria\n" in text
    assert "    > e2 offsets moved, same text: start 112 → 2875, end 118 → 2881\n" in text
    assert "    + e99 GPE 0–5 Idlib\n" in text and "    - e20 GPE 1101–1107 Turkey\n" in text
    assert "    ~ f3 value 390000 → 3900000\n" in text
    assert '    ~ q4 speaker_entity ahmet-berat-conkar → ["ahmet-berat-conkar", "turkey"]\n' in text
    assert "annotations/kb.yaml\n  + aaa ORG Aaa\n" in text and "  - beirut GPE Beirut\n" in text
    markdown = cli("diff", a, b, "--format", "markdown", root=repo).out
    assert markdown.startswith(f"### Annotation changes: `{a}` → `{b}`\n\n| | added | removed | changed | moved |")
    assert "- entities **~** `e4` `label NORP → GPE`\n" in markdown
    assert "| kb | 1 | 1 | 1 |  |\n" in markdown


def test_diff_defaults_to_the_working_tree_against_head_and_checks_nothing_out(cli, history):
    repo, a, b = history
    _replace(repo / REL, "text: \"almost 390,000\", value: 3900000,", "text: \"almost 390,000\", value: 390000,")
    status = _git(repo, "status", "--porcelain")
    head = _git(repo, "rev-parse", "HEAD")
    result = cli("diff", "--format", "json", root=repo)
    assert result.code == 0
    report = json.loads(result.out)
    assert report["old"] == "HEAD" and report["new"] == "working tree"
    assert [f["path"] for f in report["files"]] == [REL]
    assert report["files"][0]["changes"] == {"figures": {"changed": [{"id": "f3", "fields": [
        {"field": "value", "old": 3900000, "new": 390000}]}]}}
    assert _git(repo, "status", "--porcelain") == status and _git(repo, "rev-parse", "HEAD") == head
    one = json.loads(cli("diff", a, "--format", "json", root=repo).out)  # one revision: against the working tree
    assert one["old"] == a and one["new"] == "working tree"


def test_diff_of_two_folders(cli, history, tmp_path):
    repo, a, b = history
    old = tmp_path / "old"
    shutil.copytree(ROOT / "annotations", old / "annotations")
    result = cli("diff", str(old), str(repo), "--format", "json")
    assert result.code == 0
    from_git = json.loads(cli("diff", a, b, "--format", "json", root=repo).out)
    assert json.loads(result.out)["files"] == from_git["files"]


def test_identical_sides_report_no_change(cli, history):
    repo, a, b = history
    result = cli("diff", b, b, root=repo)
    assert result.code == 0 and "no annotation changes" in result.out


def test_a_file_that_does_not_parse_on_one_side_is_a_finding_and_the_rest_is_compared(cli, history):
    repo, a, b = history
    (repo / "annotations/docs/004_6eacc837ce207b5e.yaml").write_text("entities: [ {\n", encoding="utf-8")
    (repo / "annotations/kb.yaml").write_text("entries: 7\n", encoding="utf-8")
    result = cli("diff", "--format", "json", root=repo)
    assert result.code == 1 and "Traceback" not in result.err
    report = json.loads(result.out)
    assert {(f["code"], f["path"]) for f in report["findings"]} == {
        ("IG103", "annotations/docs/004_6eacc837ce207b5e.yaml"), ("IG204", "annotations/kb.yaml")}
    assert report["files"] == []
    text = cli("diff", root=repo).out
    assert "annotations/docs/004_6eacc837ce207b5e.yaml:2:1: IG103 " in text
    assert "no annotation changes in the files compared\n" in text
    assert "FAILED: 2 error(s), 0 warning(s) in 2 file(s); some files could not be compared" in text


@pytest.mark.parametrize("args, message", [
    (["no-such-rev"], "unknown revision 'no-such-rev'"),
    (["HEAD", "no-such-rev"], "unknown revision 'no-such-rev'"),
    (["HEAD~99"], "unknown revision"),
    (["a", "b", "c"], "at most two"),
])
def test_bad_revisions_are_usage_errors(cli, history, args, message):
    repo, _, _ = history
    result = cli("diff", *args, root=repo)
    assert result.code == 2 and message in result.err and "Traceback" not in result.err


def test_a_revision_that_looks_like_an_option_is_refused(cli, history):
    repo, _, _ = history
    result = cli("diff", "--root", str(repo), "--", "--output=/tmp/x")  # after --: a folder, as for git
    assert result.code == 2 and "--output=/tmp/x: no such folder" in result.err
    from idlib_gold.reading.trees import TreeError as SideError
    from idlib_gold.reading.trees import git_snapshot as git_side

    with pytest.raises(SideError, match="bad revision '--output=/tmp/x'"):
        git_side(repo, "--output=/tmp/x")


def test_outside_a_git_repository_diff_is_a_usage_error(cli, repo):
    result = cli("diff", root=repo)
    assert result.code == 2 and "is not in a git repository" in result.err


def test_a_folder_without_annotations_or_mixed_with_a_revision_is_a_usage_error(cli, history, tmp_path):
    repo, _, _ = history
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("diff", str(empty), str(repo))
    assert result.code == 2 and "has no annotations/ folder" in result.err
    result = cli("diff", str(repo), "HEAD", root=repo)
    assert result.code == 2 and "compare two folders, or two revisions" in result.err


def test_the_0_2_0_changelog_entry_matches_the_diff_of_its_commits(cli):
    """The dataset entries of the CHANGELOG are checkable: 0.2.0 says 000 gained three cues, 002 lost one
    quote and 003 changed its source; the diff of the two commits says the same."""
    first, second = "2b57f94", "cc708d8"
    try:
        _git(ROOT, "cat-file", "-e", f"{first}^{{commit}}")
        _git(ROOT, "cat-file", "-e", f"{second}^{{commit}}")
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip("not a git checkout with the 0.2.0 history")
    report = json.loads(cli("diff", first, second, "--format", "json", root=ROOT).out)
    files = {f["path"]: f for f in report["files"]}
    quotes_000 = files["annotations/docs/000_10fe6d47143cad7a.yaml"]["changes"]["quotes"]
    assert [(c["id"], [f["field"] for f in c["fields"] if f["field"] == "cue"]) for c in quotes_000["changed"]] \
        == [("q5", ["cue"]), ("q13", ["cue"]), ("q17", ["cue"])]
    quotes_002 = files["annotations/docs/002_64197da7831f2480.yaml"]["changes"]["quotes"]
    assert quotes_002["removed"][0]["annotation"]["content"]["text"].startswith("to withdraw Syrian forces")
    assert files["annotations/docs/003_e4f66969423e83e9.yaml"]["metadata"] == [
        {"field": "source", "old": "middle-east-online.com", "new": "Middle East Online"}]


def test_values_json_cannot_hold_are_written_as_yaml_spells_them(cli, history):
    repo, _, _ = history
    _replace(repo / REL, "text: \"almost 390,000\", value: 3900000,", "text: \"almost 390,000\", value: .inf,")
    result = cli("diff", "--format", "json", root=repo)
    report = json.loads(result.out, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert report["files"][0]["changes"]["figures"]["changed"][0]["fields"] == [
        {"field": "value", "old": 3900000, "new": ".inf"}]
    assert "    ~ f3 value 3900000 → .inf\n" in cli("diff", root=repo).out


def test_an_unknown_tag_names_the_tags_that_exist(cli, history, tmp_path):
    repo, a, b = history
    result = cli("diff", "v0.1.0", root=repo)
    assert result.code == 2 and result.err.count("\n") == 1
    assert "unknown revision 'v0.1.0'" in result.err and "it has no tags" in result.err
    _git(repo, "tag", "v1.0.0", a)
    _git(repo, "tag", "v1.1.0", b)
    result = cli("diff", "v0.1.0", root=repo)
    assert result.code == 2 and "its tags: " in result.err
    assert "v1.0.0" in result.err and "v1.1.0" in result.err and "shallow" not in result.err
    assert cli("diff", "v1.0.0", "v1.1.0", root=repo).code == 0  # a listed tag works


def test_an_unknown_revision_in_a_shallow_clone_says_the_clone_is_shallow(cli, history, tmp_path):
    repo, a, _ = history
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True,
                   capture_output=True)
    result = cli("diff", a[:7], root=shallow)  # the first commit is not in a clone of depth 1
    assert result.code == 2 and "this clone is shallow" in result.err and "git fetch --unshallow" in result.err


# ---- texts, and which argument is a revision or a folder ------------------------------------------------

def test_a_committed_edit_to_a_text_is_reported_as_a_text_change(cli, history):
    repo, _, b = history
    text = repo / f"annotations/texts/{DOC}.txt"
    text.write_bytes(text.read_bytes().replace(b"Turkey", b"Turkiye", 1))
    _git(repo, "commit", "-q", "-am", "C")
    result = cli("diff", b, "HEAD", root=repo)
    assert result.code == 0
    assert f"annotations/texts/{DOC}.txt (text changed)\n" in result.out
    assert "no annotation changes" not in result.out and "  texts: 0 added, 0 removed, 1 changed\n" in result.out
    report = json.loads(cli("diff", b, "HEAD", "--format", "json", root=repo).out)
    assert [(f["path"], f["status"]) for f in report["files"]] == [(f"annotations/texts/{DOC}.txt", "changed")]
    assert report["summary"]["texts"] == {"added": 0, "removed": 0, "changed": 1}
    assert f"#### `annotations/texts/{DOC}.txt` (text changed)" in cli("diff", b, "HEAD", "--format", "markdown",
                                                                      root=repo).out
    text.write_bytes(text.read_bytes() + b"\n")  # and in the working tree
    worktree = json.loads(cli("diff", "--format", "json", root=repo).out)
    assert [(f["path"], f["status"]) for f in worktree["files"]] == [(f"annotations/texts/{DOC}.txt", "changed")]


@pytest.mark.parametrize("order", ["missing first", "missing second"])
def test_a_missing_side_is_named(cli, history, tmp_path, monkeypatch, order):
    repo, _, _ = history
    missing = str(tmp_path / "nonexistent")
    args = [missing, str(repo)] if order == "missing first" else [str(repo), missing]
    for cwd in (repo, tmp_path):  # inside the repository, where it could be a revision, and outside any
        monkeypatch.chdir(cwd)
        result = cli("diff", *args)
        assert result.code == 2 and f"{missing}: no such folder" in result.err, result.err
        assert "Traceback" not in result.err


def test_a_folder_called_like_a_revision_does_not_hide_it(cli, history, tmp_path, monkeypatch):
    repo, a, b = history
    monkeypatch.chdir(repo)
    (repo / "HEAD").mkdir()  # a folder called HEAD, as git would see an ambiguous name
    result = cli("diff", "HEAD", "--format", "json", root=repo)
    assert result.code == 0, result.err
    assert json.loads(result.out)["old"] == "HEAD"
    assert cli("diff", a, "HEAD", "--format", "json", root=repo).code == 0
    # after --, arguments are folders, as for git's paths
    (tmp_path / "old").mkdir()
    shutil.copytree(ROOT / "annotations", tmp_path / "old" / "annotations")
    shutil.copytree(repo / "annotations", repo / "HEAD" / "annotations")
    by_folder = cli("diff", "--root", str(repo), "--format", "json", "--", str(tmp_path / "old"), "HEAD")
    assert by_folder.code == 0, by_folder.err
    assert json.loads(by_folder.out)["new"] == "HEAD" and json.loads(by_folder.out)["files"] == \
        json.loads(cli("diff", a, b, "--format", "json", root=repo).out)["files"]


def test_names_that_are_not_utf8_are_shown_in_valid_output(cli, history):
    import os

    repo, _, _ = history
    with open(os.fsencode(repo / "annotations/docs") + b"/bad\xff.yaml", "wb") as fh:
        fh.write((repo / REL).read_bytes())
    for fmt in ("text", "json", "markdown"):
        result = cli("diff", "--format", fmt, root=repo)
        assert result.code == 0 and "Traceback" not in result.err
        out = result.out.encode("utf-8").decode("utf-8")
        if fmt == "json":
            assert "annotations/docs/bad\\xff.yaml" in [f["path"] for f in json.loads(out)["files"]]
        else:
            assert "annotations/docs/bad\\xff.yaml" in out
