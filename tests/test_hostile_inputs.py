"""Command-line inputs that are not annotation files: each is a usage error (exit 2) or a finding
with its line, never a traceback and never a PASSED that checked nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, snapshot

BASE = ROOT / "tests" / "fixtures" / "base"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    return repo


def _no_traceback(result) -> None:
    assert "Traceback" not in result.out + result.err


@pytest.mark.parametrize("given", ["README.md", "annotations/GUIDELINES.md", "/tmp/x.yaml", "../other/docs/x.yaml",
                                   "annotations/docs/nope.yaml", "schema", "annotations/docs/alpha.txt"])
def test_validate_refuses_a_path_that_names_no_annotation_file(base, cli, monkeypatch, given):
    (base / "README.md").write_text("# not an annotation file\n", encoding="utf-8")
    (base / "annotations/GUIDELINES.md").write_text("# guidelines\n", encoding="utf-8")
    (base / "schema").mkdir()
    monkeypatch.chdir(base)
    result = cli("validate", given, root=base)
    assert result.code == 2, result.out
    assert given in result.err and "PASSED" not in result.out
    _no_traceback(result)


def test_validate_refuses_a_file_outside_the_repository(base, cli, tmp_path, monkeypatch):
    outside = tmp_path / "other" / "docs"
    outside.mkdir(parents=True)
    shutil.copy(base / "annotations/docs/alpha.yaml", outside / "x.yaml")
    monkeypatch.chdir(base)
    for given in (str(outside / "x.yaml"), "../other/docs/x.yaml"):
        result = cli("validate", given, root=base)
        assert result.code == 2 and "outside the repository" in result.err, result.err
        _no_traceback(result)


@pytest.mark.parametrize("folder", ["annotations", "annotations/", "annotations/docs", "annotations/texts", "."])
def test_an_annotations_folder_validates_the_whole_corpus(base, cli, monkeypatch, folder):
    monkeypatch.chdir(base)
    broken = base / "annotations/docs/beta.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("start: ", "start: x", 1), encoding="utf-8")
    result = cli("validate", folder, root=base)
    assert result.code == 1 and "beta.yaml" in result.out and "2 document(s) checked" not in result.out
    whole = cli("validate", root=base)
    assert result.out == whole.out


def test_locate_takes_only_a_document_id(base, cli, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("WORD\n", encoding="utf-8")
    for doc_id in ("../../../../" + str(secret.with_suffix("")).lstrip("/"), "../texts/alpha", "Alpha", ""):
        result = cli("locate", doc_id, "WORD", root=base)
        assert result.code == 2 and "is not a document id" in result.err, (doc_id, result)
        assert "WORD" not in result.out


def test_locate_refuses_a_text_that_is_a_link_to_dev_zero(base, cli):
    text = base / "annotations/texts/alpha.txt"
    text.unlink()
    text.symlink_to("/dev/zero")
    result = cli("locate", "alpha", "x", root=base)
    assert result.code == 2 and "IG110" in result.out
    _no_traceback(result)


def _evaluate(cli, path, root):
    result = cli("evaluate", str(path), "--format", "json", root=root)
    _no_traceback(result)
    return result


def test_IG708_an_empty_predictions_file_is_an_error_not_a_pass(base, cli, tmp_path):
    for content in (b"", b"\n\n   \n"):
        path = tmp_path / "empty.jsonl"
        path.write_bytes(content)
        result = _evaluate(cli, path, base)
        assert result.code == 1, result.out
        assert [f["code"] for f in json.loads(result.out)["findings"]] == ["IG708"]


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null", "fifo"])
def test_evaluate_refuses_a_special_file(base, cli, tmp_path, special):
    if special == "fifo":
        special = tmp_path / "preds.jsonl"
        os.mkfifo(special)
    result = cli("evaluate", str(special), root=base)
    assert result.code == 2 and "IG110" in result.out, result
    _no_traceback(result)


@pytest.mark.parametrize("field, value", [("start", 6.0), ("end", 12.0), ("start", True), ("start", 1e300)])
def test_a_predicted_offset_must_be_an_integer(base, cli, tmp_path, field, value):
    span = {"label": "GPE", "start": 0, "end": 6, "text": "ANKARA"}
    span[field] = value
    path = tmp_path / "preds.jsonl"
    path.write_text(json.dumps({"id": "alpha", "entities": [span]}) + "\n", encoding="utf-8")
    result = _evaluate(cli, path, base)
    assert result.code == 1
    assert {f["code"] for f in json.loads(result.out)["findings"] if f["severity"] == "error"} == {"IG702"}


def test_a_predicted_value_must_be_finite(base, cli, tmp_path):
    figure = {"label": "CARDINAL", "start": 164, "end": 166, "text": "12", "value": "VALUE"}
    path = tmp_path / "preds.jsonl"
    path.write_text(json.dumps({"id": "alpha", "figures": [figure]}).replace('"VALUE"', "1e999") + "\n",
                    encoding="utf-8")
    result = _evaluate(cli, path, base)
    assert result.code == 1
    assert "IG702" in [f["code"] for f in json.loads(result.out)["findings"]]


def test_render_shows_nothing_of_a_linked_text(base, cli, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("TOP SECRET CONTENT\n", encoding="utf-8")
    text = base / "annotations/texts/alpha.txt"
    text.unlink()
    text.symlink_to(outside)
    result = cli("render", "--out", str(tmp_path / "pages"), root=base)
    _no_traceback(result)
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "pages").glob("*.html"))
    assert "TOP SECRET" not in pages and "IG110" in pages


def test_the_hook_path_refuses_a_linked_folder_before_reading(base, cli, tmp_path, monkeypatch):
    outside = tmp_path / "texts"
    shutil.copytree(base / "annotations/texts", outside)
    shutil.rmtree(base / "annotations/texts")
    (base / "annotations/texts").symlink_to(outside)
    monkeypatch.chdir(base)
    before = snapshot(base / "annotations/docs")
    result = cli("validate", "annotations/docs/alpha.yaml", "--format", "json", root=base)
    assert result.code == 1
    assert {f["code"] for f in json.loads(result.out)["findings"]} == {"IG110"}
    assert snapshot(base / "annotations/docs") == before
