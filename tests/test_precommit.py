"""The pre-commit hook, run by the real pre-commit framework in a scratch git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

DOC = "annotations/docs/000_10fe6d47143cad7a.yaml"


def _git(repo: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def git_repo(tmp_path: Path):
    if shutil.which("git") is None:
        pytest.fail("git is required for the pre-commit test")
    repo = tmp_path / "annotators"
    for name in ("annotations", "schema"):
        shutil.copytree(ROOT / name, repo / name)
    for name in (".pre-commit-config.yaml", ".gitattributes"):
        shutil.copy(ROOT / name, repo / name)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-cache")
    env["HOME"] = str(tmp_path)
    env.update(GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="a@example.org", GIT_COMMITTER_NAME="A",
               GIT_COMMITTER_EMAIL="a@example.org")
    assert _git(repo, "init", "-q", env=env).returncode == 0
    assert _git(repo, "add", "-A", env=env).returncode == 0
    assert _git(repo, "commit", "-q", "-m", "start", env=env).returncode == 0
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return repo, env


def test_the_hook_refuses_a_broken_span_and_accepts_the_fix(git_repo):
    repo, env = git_repo
    path = repo / DOC
    good = path.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    line_no = next(i for i, line in enumerate(lines, 1) if 'text: "Turkey"' in line)
    # the annotator adds a note and, by mistake, breaks the span's text
    noted = lines[line_no - 1].replace("}\n", ', note: "checked against the guidelines"}\n')
    bad_line = noted.replace('text: "Turkey"', 'text: "Turkei"')
    path.write_text("".join(lines[:line_no - 1] + [bad_line] + lines[line_no:]), encoding="utf-8")
    _git(repo, "add", DOC, env=env)
    refused = _git(repo, "commit", "-m", "break a span", env=env)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert f"{DOC}:{line_no}:" in out and "IG305" in out
    assert "fix: the text does not occur in the document" in out and "Traceback" not in out

    path.write_text("".join(lines[:line_no - 1] + [noted] + lines[line_no:]), encoding="utf-8")
    _git(repo, "add", DOC, env=env)
    accepted = _git(repo, "commit", "-m", "fix the span", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "validate gold annotations" in accepted.stdout + accepted.stderr


def test_the_hooks_file_patterns_match_annotation_files():
    import re

    for name in (".pre-commit-hooks.yaml", ".pre-commit-config.yaml"):
        data = yaml.safe_load((ROOT / name).read_text())
        hooks = data if isinstance(data, list) else [h for r in data["repos"] for h in r["hooks"]]
        pattern = re.compile(hooks[0]["files"])
        for ok in ("annotations/docs/000_10fe6d47143cad7a.yaml", "annotations/texts/a.txt", "annotations/kb.yaml"):
            assert pattern.search(ok), (name, ok)
        for no in ("annotations/GUIDELINES.md", "dataset/README.md", "src/idlib_gold/cli.py"):
            assert not pattern.search(no), (name, no)


def test_run_all_files_prints_each_finding_once(git_repo):
    """`pre-commit run --all-files` hands the hook every file; in parallel batches each batch
    that holds kb.yaml re-validated the corpus, and findings came out twice."""
    repo, env = git_repo
    path = repo / DOC
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line_no = next(i for i, line in enumerate(lines, 1) if 'text: "Turkey"' in line)
    lines[line_no - 1] = lines[line_no - 1].replace('text: "Turkey"', 'text: "Turkei"')
    path.write_text("".join(lines), encoding="utf-8")
    ran = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=300)
    out = ran.stdout + ran.stderr
    assert ran.returncode != 0 and "Traceback" not in out
    findings = [line for line in out.splitlines() if " IG" in line and line.startswith("annotations/")]
    assert any(f"{DOC}:{line_no}:" in f and "IG305" in f for f in findings), out
    assert len(findings) == len(set(findings)), out
