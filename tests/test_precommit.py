"""The pre-commit hooks, run by the real pre-commit framework in scratch git repositories: this
repository's own hook from a shell without the virtual environment, and the published hook as a
consumer corpus uses it, validating against the consumer's own schema/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import json

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
    shutil.copytree(ROOT / "hooks", repo / "hooks")
    for name in (".pre-commit-config.yaml", ".gitattributes"):
        shutil.copy(ROOT / name, repo / name)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    # a shell without the project's environment: no venv on PATH, none active; the clone's .venv/ has it
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not (Path(p) / "idlib-gold").exists())
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-cache")
    env["HOME"] = str(tmp_path)
    env.update(GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="a@example.org", GIT_COMMITTER_NAME="A",
               GIT_COMMITTER_EMAIL="a@example.org")
    assert _git(repo, "init", "-q", env=env).returncode == 0
    assert _git(repo, "add", "-A", env=env).returncode == 0
    assert _git(repo, "commit", "-q", "-m", "start", env=env).returncode == 0
    (repo / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (repo / ".git" / "info" / "exclude").write_text(".venv\n")
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
        for ok in ("annotations/docs/000_10fe6d47143cad7a.yaml", "annotations/texts/a.txt", "annotations/kb.yaml",
                   "annotations/second/docs/002_64197da7831f2480.yaml"):
            assert pattern.search(ok), (name, ok)
        for no in ("annotations/GUIDELINES.md", "dataset/README.md", "src/idlib_gold/cli.py"):
            assert not pattern.search(no), (name, no)


def test_the_local_hook_says_how_to_install_when_there_is_no_environment(git_repo):
    repo, env = git_repo
    (repo / ".venv").unlink()
    path = repo / DOC
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _git(repo, "add", DOC, env=env)
    refused = _git(repo, "commit", "-m", "no environment", env=env)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "idlib-gold is not installed for this clone" in out and "pip install -e" in out


# ---- the published hook (.pre-commit-hooks.yaml), used by a consumer corpus ----------------------

def _publisher(tmp_path: Path, env: dict) -> tuple[Path, str]:
    """This project's source as a git repository, the way a consumer's config names it."""
    pub = tmp_path / "idlib-gold"
    for name in ("src", "schema"):
        shutil.copytree(ROOT / name, pub / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, pub / name)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "release")):
        assert _git(pub, *args, env=env).returncode == 0
    return pub, _git(pub, "rev-parse", "HEAD", env=env).stdout.strip()


def test_a_consumer_corpus_is_validated_against_its_own_schema(tmp_path):
    if shutil.which("git") is None:
        pytest.fail("git is required for the pre-commit test")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-cache"), HOME=str(tmp_path), GIT_AUTHOR_NAME="A",
               GIT_AUTHOR_EMAIL="a@example.org", GIT_COMMITTER_NAME="A", GIT_COMMITTER_EMAIL="a@example.org")
    pub, rev = _publisher(tmp_path, env)
    consumer = tmp_path / "consumer"
    for name in ("annotations", "schema"):
        shutil.copytree(ROOT / name, consumer / name)
    # the consumer's vocabulary has no TIME
    schema_path = consumer / "schema" / "document.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    labels = schema["$defs"]["entity_label"]
    i = labels["enum"].index("TIME")
    del labels["enum"][i], labels["enumDescriptions"][i]
    schema_path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    (consumer / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {pub}\n    rev: {rev}\n    hooks:\n      - id: idlib-gold-validate\n", encoding="utf-8")
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "start")):
        assert _git(consumer, *args, env=env).returncode == 0
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install", "--install-hooks"], cwd=consumer,
                               env=env, capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    hook_env = [p for p in (tmp_path / "pre-commit-cache").glob("repo*/py_env-*")]
    assert hook_env, list((tmp_path / "pre-commit-cache").iterdir())
    site = next(hook_env[0].glob("lib/python*/site-packages"))
    present = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    assert present.isdisjoint({"pyarrow", "pandas", "pandera", "polars", "datasets", "numpy"}), present

    # a document without TIME passes; one whose TIME annotation is touched is refused by the consumer's schema
    plain = consumer / "annotations/docs/002_64197da7831f2480.yaml"
    plain.write_text(plain.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _git(consumer, "add", "-A", env=env)
    accepted = _git(consumer, "commit", "-m", "a document without TIME", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    timed = consumer / DOC
    lines = timed.read_text(encoding="utf-8").splitlines(keepends=True)
    line_no = next(n for n, line in enumerate(lines, 1) if "label: TIME" in line)
    lines[line_no - 1] = lines[line_no - 1].replace('note: "', 'note: "re-read; ')
    timed.write_text("".join(lines), encoding="utf-8")
    _git(consumer, "add", "-A", env=env)
    refused = _git(consumer, "commit", "-m", "touch a TIME annotation", env=env)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert f"{DOC}:{line_no}:" in out and "IG201" in out and "'TIME' is not one of" in out, out
    assert "Traceback" not in out


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


def test_the_hook_refuses_a_commit_that_did_not_rebuild_dataset_and_can_be_told_to_warn(git_repo):
    from conftest import run_cli

    repo, env = git_repo
    shutil.copytree(ROOT / "dataset", repo / "dataset")
    _git(repo, "add", "dataset", env=env)
    assert _git(repo, "commit", "-q", "-m", "dataset", env=env).returncode == 0
    path = repo / DOC
    path.write_text(path.read_text(encoding="utf-8") + "# reviewed once more\n", encoding="utf-8")
    _git(repo, "add", DOC, env=env)
    refused = _git(repo, "commit", "-m", "annotations only", env=env)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert "IG610" in out and "dataset/ was not rebuilt: run idlib-gold build" in out

    config = repo / ".pre-commit-config.yaml"
    saved = config.read_text(encoding="utf-8")
    data = yaml.safe_load(saved)
    data["repos"][0]["hooks"][0].update(args=["--stale-dataset=warning"], verbose=True)  # as the README says
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    _git(repo, "add", ".pre-commit-config.yaml", env=env)
    warned = _git(repo, "commit", "-m", "annotations only, warned", env=env)
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert "IG610" in warned.stdout + warned.stderr

    config.write_text(saved, encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8") + "# and once more\n", encoding="utf-8")
    assert run_cli("build", root=repo).code == 0
    _git(repo, "add", "-A", env=env)
    accepted = _git(repo, "commit", "-m", "annotations with dataset", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
