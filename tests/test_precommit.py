"""The pre-commit hooks, run by the real pre-commit framework in scratch git repositories: this
repository's own hook from a shell without the virtual environment, and the published hook as a
consumer corpus uses it, validating against the consumer's own schema/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import ROOT

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
                   "annotations/second/docs/002_64197da7831f2480.yaml", "annotations/docs/x.yml",
                   "annotations/texts/x.txt.bak", "schema/document.schema.json", "schema/kb.schema.json"):
            assert pattern.search(ok), (name, ok)
        for no in ("dataset/README.md", "src/idlib_gold/cli.py", "README.md", "tests/fixtures/base/schema/x.json"):
            assert not pattern.search(no), (name, no)
        # git hands hooks no deleted file, and one change can break files it does not touch: every commit
        # runs the hook, and the hook validates the whole tree rather than the files it would be handed
        assert hooks[0]["always_run"] is True and hooks[0]["pass_filenames"] is False, name


def _second_refs(repo: Path, kb_id: str) -> list[str]:
    return [p.relative_to(repo).as_posix() for p in sorted((repo / "annotations").rglob("*.yaml"))
            if f"entity: {kb_id}" in p.read_text(encoding="utf-8") and "second" in p.parts]


TEXT = "annotations/texts/004_6eacc837ce207b5e.txt"


def _remove_text(repo: Path, env: dict) -> tuple[list[str], list[str]]:
    _git(repo, "rm", "-q", TEXT, env=env)
    return ["IG316", "annotations/docs/004_6eacc837ce207b5e.yaml"], []


def _rename_to_yml(repo: Path, env: dict) -> tuple[list[str], list[str]]:
    _git(repo, "mv", "annotations/docs/004_6eacc837ce207b5e.yaml", "annotations/docs/004_6eacc837ce207b5e.yml",
         env=env)
    return ["IG111", "annotations/docs/004_6eacc837ce207b5e.yml", "IG316", TEXT], []


def _drop_entity_label(path: Path, label: str) -> None:
    """Remove one entity label (and its description) from a document schema file."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    labels = schema["$defs"]["entity_label"]
    i = labels["enum"].index(label)
    del labels["enum"][i], labels["enumDescriptions"][i]
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")


def _edit_schema(repo: Path, env: dict) -> tuple[list[str], list[str]]:
    _drop_entity_label(repo / "schema" / "document.schema.json", "NORP")
    _git(repo, "add", "schema", env=env)
    return ["IG205", "'NORP' is not one of"], []


def _orphan_kb_links(repo: Path, env: dict) -> tuple[list[str], list[str]]:
    path = repo / "annotations" / "kb.yaml"
    path.write_text("".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                            if "{id: hatay," not in line), encoding="utf-8")
    _git(repo, "add", "annotations/kb.yaml", env=env)
    second = _second_refs(repo, "hatay")
    assert second  # the link the KB edit orphans in a file the commit does not touch
    return ["IG308", DOC, *second], []


@pytest.mark.parametrize("change", [_remove_text, _rename_to_yml, _edit_schema, _orphan_kb_links],
                         ids=["git-rm-text", "rename-to-yml", "schema-edit", "kb-edit-orphans-links"])
def test_the_hook_refuses_every_change_that_breaks_the_gold(git_repo, change):
    """Deleted files are never handed to hooks and a change can break files it does not touch: each of
    these commits used to pass the hook."""
    repo, env = git_repo
    expected, _ = change(repo, env)
    refused = _git(repo, "commit", "-m", "a change that breaks the gold", env=env)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert "Traceback" not in out
    for part in expected:
        assert part in out, (part, out)
    assert _git(repo, "rev-list", "--count", "HEAD", env=env).stdout.strip() == "1"


def test_the_hook_refuses_a_stray_file_and_passes_a_commit_elsewhere(git_repo):
    repo, env = git_repo
    (repo / "notes.md").write_text("a note outside the gold\n", encoding="utf-8")
    _git(repo, "add", "notes.md", env=env)
    accepted = _git(repo, "commit", "-m", "a note", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "validate gold annotations" in accepted.stdout + accepted.stderr and "Passed" in accepted.stderr
    (repo / "annotations/docs/copy.yaml.bak").write_bytes((repo / DOC).read_bytes())
    _git(repo, "add", "annotations/docs/copy.yaml.bak", env=env)
    refused = _git(repo, "commit", "-m", "a backup in docs/", env=env)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "annotations/docs/copy.yaml.bak: IG111" in out, out


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


@pytest.mark.slow
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
    # the consumer's vocabulary has no LOC (its corpus has none)
    _drop_entity_label(consumer / "schema" / "document.schema.json", "LOC")
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

    # a commit that keeps the corpus valid passes; one that labels a mention LOC is refused by the consumer's
    # schema (the packaged schema has LOC)
    plain = consumer / "annotations/docs/002_64197da7831f2480.yaml"
    plain.write_text(plain.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _git(consumer, "add", "-A", env=env)
    accepted = _git(consumer, "commit", "-m", "a blank line", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    relabelled = consumer / DOC
    lines = relabelled.read_text(encoding="utf-8").splitlines(keepends=True)
    line_no = next(n for n, line in enumerate(lines, 1) if "label: GPE" in line)
    lines[line_no - 1] = lines[line_no - 1].replace("label: GPE", "label: LOC")
    relabelled.write_text("".join(lines), encoding="utf-8")
    _git(consumer, "add", "-A", env=env)
    refused = _git(consumer, "commit", "-m", "label a mention LOC", env=env)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert f"{DOC}:{line_no}:" in out and "IG205" in out and "'LOC' is not one of" in out, out
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
    from helpers import run_cli

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
