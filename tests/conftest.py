"""Shared fixtures: a scratch copy of the repository (or a clone of it), the CLI run in-process, an offline HF cache."""

from __future__ import annotations

import io
import shutil
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str, root: Path | None = None) -> Run:
    from idlib_gold.cli import main

    argv = list(args) + (["--root", str(root)] if root is not None else [])
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def corpus():
    """The repository's own corpus, loaded once; it must load without findings."""
    from idlib_gold.checking.pipeline import load as load_corpus

    corpus, findings = load_corpus(ROOT)
    assert not findings
    return corpus


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A writable copy of the annotation repository (annotations, schema, dataset)."""
    dest = tmp_path / "repo"
    for name in ("annotations", "schema", "dataset"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


@pytest.fixture
def clone(repo: Path) -> Path:
    """`repo` as a git clone (nothing committed): only a clone has a stamp key, in its git directory."""
    import subprocess

    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    return repo


@pytest.fixture
def hf_offline(tmp_path: Path, monkeypatch):
    """`datasets` with no network and a fresh, private cache."""
    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(cache))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache / "datasets"))
    import datasets.config

    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache / "datasets")
    return cache / "datasets"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (names and bytes), to prove a folder did not change."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def load_yaml_doc(repo: Path, doc_id: str) -> str:
    return (repo / "annotations" / "docs" / f"{doc_id}.yaml").read_text(encoding="utf-8")


if str(ROOT / "src") not in sys.path:  # running from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))
