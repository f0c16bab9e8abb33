"""Shared fixtures: a scratch copy of the repository (or a clone of it), the CLI run in-process, an offline HF cache."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import ROOT, run_cli


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


@pytest.fixture(scope="module")
def targets_pristine(tmp_path_factory) -> Path:
    """A repository with annotations, schema, dataset, a src/ file, a README and a git directory."""
    repo = tmp_path_factory.mktemp("targets") / "repo"
    for name in ("annotations", "schema", "dataset"):
        shutil.copytree(ROOT / name, repo / name)
    (repo / "src").mkdir()
    (repo / "src" / "module.py").write_text("VALUE = 1\n")
    (repo / "README.md").write_text("# a text of the repository\n")
    (repo / "notes").mkdir()
    (repo / "notes" / "index.html").write_text("<p>a page of the user's</p>\n")
    made = run_cli("baseline", "figures", "--out", str(repo / "notes" / "figures.jsonl"), root=repo)
    assert made.code == 0, made.err  # a system's predictions, for `suspects`
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


@pytest.fixture
def sandbox(targets_pristine, tmp_path, monkeypatch) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(targets_pristine, repo, symlinks=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "precious.txt").write_text("keep me\n")
    (repo / "to-annotations").symlink_to(repo / "annotations", target_is_directory=True)
    (repo / "to-outside").symlink_to(tmp_path / "outside", target_is_directory=True)
    (repo / "to-precious").symlink_to(tmp_path / "outside" / "precious.txt")
    monkeypatch.chdir(repo)
    return tmp_path
