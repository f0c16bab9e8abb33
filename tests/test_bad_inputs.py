"""Every malformed input in tests/fixtures/invalid/ is reported with its code and line, and never
changes dataset/.

Each fixture replaces one file of the small valid corpus in tests/fixtures/base/. Its first line
says what is wrong and what to expect: `# CODE [line N] [max_bytes=N] [strict] [alone]: why`
(`alone`: no other code may be reported, so a finding that follows from this one is not). The
file's suffix says what it replaces:

- `NAME.yaml`: annotations/docs/alpha.yaml; `NAME.kb.yaml`: annotations/kb.yaml;
  `NAME.txt`: annotations/texts/alpha.txt
- `NAME.text.yaml`: annotations/docs/alpha.yaml, and annotations/texts/alpha.txt the JSON string
  on its second line, `# text: "…"` (a text the base lacks: combining marks, say)
- `NAME.rename.yaml`: a new document file, at the path on the second line
- `NAME.remove` / `NAME.mkdir`: deletes the file or folder on the second line / puts a folder there
- `NAME.fifo`: puts a FIFO (named pipe) at the path on the second line
- `NAME.symlink`: replaces the path on the second line by a symbolic link to the third line, where
  `@copy` stands for an identical copy of that file or folder outside the repository
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, snapshot
from idlib_gold.findings import CODES

FIXTURES = ROOT / "tests" / "fixtures"
CASES = sorted((FIXTURES / "invalid").iterdir())
HEADER = re.compile(rb"^(?:\xef\xbb\xbf)?# (IG\d{3})(?: line (\d+))?(?: max_bytes=(\d+))?( strict)?( alone)?: (.+)$")


def _header(path: Path) -> tuple[str, int | None, int | None, bool, bool]:
    raw = path.read_bytes()
    first = raw.decode("utf-16").splitlines()[0].encode() if raw.startswith((b"\xff\xfe", b"\xfe\xff")) \
        else raw.splitlines()[0]
    m = HEADER.match(first)
    assert m, f"{path.name}: first line must be '# CODE [line N]: why'"
    code, line, max_bytes, strict, alone, _ = m.groups()
    return (code.decode(), int(line) if line else None, int(max_bytes) if max_bytes else None, bool(strict),
            bool(alone))


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory) -> Path:
    """The valid mini corpus with its dataset/ built once."""
    from helpers import run_cli

    repo = tmp_path_factory.mktemp("base") / "repo"
    shutil.copytree(FIXTURES / "base", repo)
    assert run_cli("build", "--strict", root=repo).code == 0
    return repo


def _apply(case: Path, repo: Path, outside: Path) -> None:
    name = case.name
    if name.endswith((".fifo", ".symlink")):
        lines = case.read_text(encoding="utf-8").splitlines()
        target = repo / lines[1].strip()
        destination = lines[2].strip() if name.endswith(".symlink") else None
        if destination == "@copy":
            destination = outside / target.name
            (shutil.copytree if target.is_dir() else shutil.copy)(target, destination)
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        if name.endswith(".fifo"):
            os.mkfifo(target)
        else:
            target.symlink_to(destination)
        return
    if name.endswith((".remove", ".mkdir", ".rename.yaml")):
        lines = case.read_text(encoding="utf-8").splitlines(keepends=True)
        target = repo / lines[1].strip()
        if name.endswith(".rename.yaml"):
            target.write_text(lines[0] + "".join(lines[2:]), encoding="utf-8")
        else:
            shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
            if name.endswith(".mkdir"):
                target.mkdir()
        return
    if name.endswith(".text.yaml"):
        second = case.read_text(encoding="utf-8").splitlines()[1]
        assert second.startswith("# text: "), f"{name}: the second line gives the text"
        (repo / "annotations/texts/alpha.txt").write_text(json.loads(second[len("# text: "):]), encoding="utf-8")
    if name.endswith(".kb.yaml"):
        target = repo / "annotations/kb.yaml"
    elif name.endswith(".txt"):
        target = repo / "annotations/texts/alpha.txt"
    else:
        target = repo / "annotations/docs/alpha.yaml"
    target.write_bytes(case.read_bytes())


def test_the_base_corpus_is_valid(base_repo, cli):
    result = cli("validate", "--strict", root=base_repo)
    assert result.code == 0, result.out


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_bad_input_is_reported_with_code_and_line(case, base_repo, tmp_path, cli, monkeypatch):
    code, line, max_bytes, strict, alone = _header(case)
    repo = tmp_path / "repo"
    shutil.copytree(base_repo, repo)
    before = snapshot(repo / "dataset")
    (tmp_path / "outside").mkdir()
    _apply(case, repo, tmp_path / "outside")
    if max_bytes:
        monkeypatch.setattr("idlib_gold.reading.files.MAX_BYTES", max_bytes)
    flags = ["--strict"] if strict else []

    result = cli("validate", "--format", "json", *flags, root=repo)
    assert result.code == 1, result.out
    findings = json.loads(result.out)["findings"]
    mine = [f for f in findings if f["code"] == code]
    assert mine, f"expected {code}, got {[f['code'] for f in findings]}"
    if line is not None:
        assert line in [f["line"] for f in mine], mine
    if alone:
        assert {f["code"] for f in findings} == {code}, findings
    assert all(not Path(f["path"]).is_absolute() for f in findings)

    text = cli("validate", *flags, root=repo)
    assert text.code == 1 and "Traceback" not in text.out + text.err
    assert re.search(rf"^.+?(:\d+(:\d+)?)?: {code}", text.out, re.M), text.out

    built = cli("build", *flags, root=repo)
    assert built.code == 1 and "dataset/ left unchanged" in built.out
    assert "Traceback" not in built.out + built.err
    assert snapshot(repo / "dataset") == before


def test_every_finding_code_about_files_has_a_fixture():
    covered = {_header(c)[0] for c in CASES}
    # Parquet and dataset/ checks are tested on tables; predictions files (7xx) in tests/test_evaluate.py
    not_about_files = {c for c in CODES if c[2] in "467"}
    assert set(CODES) - not_about_files - covered == set()


def test_every_finding_code_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in CODES if f"| `{c}` |" not in readme]
    assert missing == []


def test_a_reused_id_names_the_line_of_its_first_use(base_repo, tmp_path, cli):
    """IG307's hint points back to where the id was first used (looked up only when an id repeats)."""
    case = FIXTURES / "invalid" / "IG307-duplicate-id.yaml"
    repo = tmp_path / "repo"
    shutil.copytree(base_repo, repo)
    shutil.copy(case, repo / "annotations/docs/alpha.yaml")
    found = json.loads(cli("validate", "--format", "json", root=repo).out)
    reused = [f for f in found["findings"] if f["code"] == "IG307"]
    first = next(n for n, line in enumerate(case.read_text(encoding="utf-8").splitlines(), 1) if "{id: e2," in line)
    assert [f["line"] for f in reused] == [first + 1] and f"first used on line {first};" in reused[0]["hint"]


def _without_time(repo) -> None:
    """Narrow the repository's vocabulary: its schema/ drops TIME, its annotations use DATE instead."""
    path = repo / "schema/document.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    label = schema["$defs"]["entity_label"]
    at = label["enum"].index("TIME")
    for key in ("enum", "enumDescriptions"):
        if key in label:
            del label[key][at]
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    for doc in (repo / "annotations").rglob("*.yaml"):  # its annotations use the labels it has
        doc.write_text(re.sub(r"label: TIME\b", "label: DATE", doc.read_text(encoding="utf-8")), encoding="utf-8")


def test_the_table_models_follow_the_vocabulary_of_each_command(repo, tmp_path, cli):
    """Commands run in one process (a notebook, the tests) may check one repository after another: the
    table models are those of the vocabulary in use, never of the first repository checked."""
    import shutil

    narrowed = tmp_path / "narrowed"
    shutil.copytree(repo, narrowed, symlinks=True)
    _without_time(narrowed)
    for root in (narrowed, repo, narrowed):  # the full vocabulary's TIME rows after models without TIME, and back
        result = cli("build", root=root)
        assert result.code == 0 and "IG401" not in result.out, result.out
    import subprocess
    import sys

    fresh = subprocess.run([sys.executable, "-m", "idlib_gold.cli", "check", "--root", str(narrowed)],
                           capture_output=True, text=True, timeout=300)  # what a process of its own builds
    assert fresh.returncode == 0, fresh.stdout[-2000:] + fresh.stderr[-2000:]


def test_a_vocabulary_without_time_builds_and_checks_its_tables(repo):
    """A repository's own schema/ may narrow the vocabulary (drop TIME, with no TIME annotations): the
    table models read the labels it has, and never assume one it dropped."""
    import subprocess
    import sys

    _without_time(repo)
    run = subprocess.run([sys.executable, "-m", "idlib_gold.cli", "build", "--root", str(repo)],
                         capture_output=True, text=True, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.returncode == 0, run.stdout[-2000:]
