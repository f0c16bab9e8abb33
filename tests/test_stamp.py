"""The stamp lets `check` skip the build only when a build would write exactly what dataset/ holds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from conftest import ROOT

from idlib_gold.building import stamp

DOC = "annotations/docs/000_10fe6d47143cad7a.yaml"


def _stamped(repo, cli):
    """A repository copy whose stamp vouches for its dataset/ (written by a passing full check)."""
    shutil.rmtree(repo / stamp.STAMP_DIR, ignore_errors=True)
    result = cli("check", root=repo)
    assert result.code == 0, result.out
    assert (repo / stamp.STAMP_DIR / "dataset-stamp.json").is_file()
    return repo


def _full_compares(monkeypatch) -> list[int]:
    """Counts the full build-and-compare runs of `check`."""
    import idlib_gold.building.folder as folder

    calls, real = [], folder.render_outputs

    def counting(corpus, *args):
        calls.append(1)
        return real(corpus, *args)

    monkeypatch.setattr(folder, "render_outputs", counting)
    return calls


def test_a_current_stamp_skips_the_build_and_a_stale_one_does_not(repo, cli, monkeypatch):
    _stamped(repo, cli)
    calls = _full_compares(monkeypatch)
    assert cli("check", root=repo).code == 0 and calls == []
    (repo / stamp.STAMP_DIR / "dataset-stamp.json").write_text("{not json", encoding="utf-8")
    assert cli("check", root=repo).code == 0 and calls == [1]  # unreadable stamp: full comparison, then rewritten
    assert cli("check", root=repo).code == 0 and calls == [1]


def test_an_edited_annotation_is_never_vouched_for(repo, cli, monkeypatch):
    _stamped(repo, cli)
    calls = _full_compares(monkeypatch)
    path = repo / DOC
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("approximate: true")
    assert sep
    path.write_text(head + "approximate: false" + rest, encoding="utf-8")
    result = cli("check", root=repo)
    assert result.code == 1 and calls == [1]
    assert "IG601 dataset/data/figures/train.parquet is stale" in result.out
    assert "dataset/README.md is stale" in result.out


def test_an_edited_data_file_card_or_croissant_is_named(repo, cli):
    _stamped(repo, cli)
    for name in ("data/kb/train.parquet", "README.md", "croissant.json"):
        path = repo / "dataset" / name
        before = path.read_bytes()
        path.write_bytes(before.replace(b"a", b"b", 1) if name != "data/kb/train.parquet" else before[:-1] + b"\0")
        result = cli("check", root=repo)
        assert result.code == 1, name
        assert f"IG601 dataset/{name} is stale" in result.out
        path.write_bytes(before)
        assert cli("check", root=repo).code == 0


def test_an_added_or_removed_dataset_file_is_named(repo, cli):
    _stamped(repo, cli)
    (repo / "dataset/notes.txt").write_text("x")
    assert "IG603 dataset/notes.txt" in cli("check", root=repo).out
    (repo / "dataset/notes.txt").unlink()
    (repo / "dataset/data/kb/train.parquet").unlink()
    assert "IG602 dataset/data/kb/train.parquet is missing" in cli("check", root=repo).out


def test_the_inputs_digest_covers_schema_code_and_library_versions(repo, tmp_path, monkeypatch):
    base = stamp.inputs_digest(repo)
    assert stamp.inputs_digest(repo) == base
    schema = repo / "schema/document.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert stamp.inputs_digest(repo) != base
    schema.write_text(schema.read_text(encoding="utf-8")[:-1], encoding="utf-8")
    assert stamp.inputs_digest(repo) == base
    # the builder's code: a copy of the package with one line of rows.py changed
    package = tmp_path / "package"
    shutil.copytree(stamp._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(stamp, "_PACKAGE", package)
    assert stamp.inputs_digest(repo) == base
    rows = package / "building/rows.py"
    rows.write_text(rows.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert stamp.inputs_digest(repo) != base
    monkeypatch.setattr(stamp, "_PACKAGE", stamp._PACKAGE.__class__(ROOT / "src/idlib_gold"))
    monkeypatch.setattr(stamp, "_versions", lambda: "pyarrow 0.0.0")
    assert stamp.inputs_digest(repo) != base


def test_a_stamp_is_not_written_when_inputs_change_during_the_command(repo):
    inputs = stamp.read_inputs(repo)
    assert inputs.digest == stamp.inputs_digest(repo) and inputs.unchanged()
    (repo / DOC).write_text((repo / DOC).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not inputs.unchanged()
    stamp.record(repo, repo / "dataset", inputs)
    assert not (repo / stamp.STAMP_DIR / "dataset-stamp.json").exists()
    (repo / "annotations/notes.txt").write_text("x", encoding="utf-8")  # an added file counts too
    assert stamp.read_inputs(repo).unchanged() and not inputs.unchanged()


def test_a_stamp_from_another_dataset_is_not_trusted(repo, cli):
    _stamped(repo, cli)
    path = repo / stamp.STAMP_DIR / "dataset-stamp.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert stamp.is_current(repo, repo / "dataset", data["inputs"])
    path.write_text(json.dumps({**data, "dataset": "0" * 64}), encoding="utf-8")
    assert not stamp.is_current(repo, repo / "dataset", data["inputs"])
    path.write_text(json.dumps({**data, "format": 0}), encoding="utf-8")
    assert not stamp.is_current(repo, repo / "dataset", data["inputs"])


def test_build_writes_the_stamp_and_a_stamped_check_imports_no_pyarrow(repo, cli):
    shutil.rmtree(repo / "dataset")
    assert cli("build", root=repo).code == 0
    inputs = stamp.inputs_digest(repo)
    assert stamp.is_current(repo, repo / "dataset", inputs)
    assert (repo / stamp.STAMP_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    probe = ("import sys; from idlib_gold.cli import main; code = main(['check', '--root', sys.argv[1]]); "
             "print('IMPORTED', sorted(m for m in ('pyarrow', 'pandas', 'numpy') if m in sys.modules)); "
             "sys.exit(code)")
    run = subprocess.run([sys.executable, "-c", probe, str(repo)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "IMPORTED []" in run.stdout
