"""The JSON Schema files define the hand-written format, and every file in the repository obeys them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from helpers import ROOT
from idlib_gold import vocabulary as schema
from idlib_gold.reading.files import parse_yaml

DOCS = sorted((ROOT / "annotations" / "docs").glob("*.yaml"))


def _walk_properties(node, path=""):
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            yield f"{path}.{key}", value
            yield from _walk_properties(value, f"{path}.{key}")
        for key, value in node.get("$defs", {}).items():
            yield from _walk_properties(value, f"#/{key}")


@pytest.mark.parametrize("name", ["document.schema.json", "kb.schema.json"])
def test_schemas_are_valid_draft_2020_12_and_describe_every_field(name):
    doc = json.loads((ROOT / "schema" / name).read_text())
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    missing = [p for p, v in _walk_properties(doc) if "description" not in v and "$ref" not in v]
    assert missing == []


def test_packaged_schema_is_the_repository_schema():
    assert schema.load_schema("document.schema.json") == json.loads((ROOT / "schema/document.schema.json").read_text())


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_every_document_file_validates_with_jsonschema(path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # yaml.safe_load turns unquoted dates into date objects; our files quote them, so plain PyYAML agrees.
    jsonschema.validate(data, json.loads((ROOT / "schema/document.schema.json").read_text()))


def test_kb_validates_with_jsonschema():
    data = yaml.safe_load((ROOT / "annotations/kb.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads((ROOT / "schema/kb.schema.json").read_text()))


def test_every_file_points_editors_at_its_schema():
    for path in DOCS:
        assert path.read_text(encoding="utf-8").splitlines()[0] == \
            "# yaml-language-server: $schema=../../schema/document.schema.json"
    assert (ROOT / "annotations/kb.yaml").read_text().splitlines()[0] == \
        "# yaml-language-server: $schema=../schema/kb.schema.json"


def test_one_annotation_per_line():
    for path in DOCS:
        loaded, findings = parse_yaml(path.read_text(encoding="utf-8"), path.name)
        assert not findings
        for layer in ("entities", "figures", "quotes"):
            lines = [loaded.positions[(layer, i)][0] for i in range(len(loaded.data[layer]))]
            assert len(set(lines)) == len(lines), f"{path.name} {layer}: two annotations share a line"
            text_lines = path.read_text(encoding="utf-8").splitlines()
            for i, line in enumerate(lines):
                assert text_lines[line - 1].lstrip().startswith("- {id: "), (path.name, layer, i)


def test_a_wrong_field_fails_with_its_path(repo, cli):
    path = repo / "annotations/docs/000_10fe6d47143cad7a.yaml"
    text = path.read_text(encoding="utf-8")
    line_no = next(i for i, line in enumerate(text.splitlines(), 1) if "label: GPE" in line)
    path.write_text(text.replace("label: GPE", "label: GPEE", 1), encoding="utf-8")
    result = cli("validate", root=repo)
    assert result.code == 1
    assert f"annotations/docs/000_10fe6d47143cad7a.yaml:{line_no}:" in result.out
    assert "IG205 entities[" in result.out and ".label: 'GPEE' is not one of" in result.out
    assert "did you mean 'GPE'?" in result.out


def test_vocabularies_come_from_the_schema():
    doc = json.loads((ROOT / "schema/document.schema.json").read_text())
    assert schema.entity_labels() == doc["$defs"]["entity_label"]["enum"]
    assert schema.figure_categories() == doc["$defs"]["figure_category"]["enum"]
    for name in ("entity_label", "figure_label", "figure_category", "quote_type"):
        d = doc["$defs"][name]
        assert len(d["enumDescriptions"]) == len(d["enum"]), name


@pytest.mark.parametrize("linked", ["folder", "file"])
def test_a_schema_read_through_a_link_is_refused(repo, cli, linked):
    """What is kept under the schema (the stamp, the parse cache) hashes a link as a link, so a schema
    behind one could change unnoticed: a linked schema/ or schema file is a usage error, never read."""
    import shutil

    if linked == "folder":
        shutil.move(repo / "schema", repo / "schema-elsewhere")
        (repo / "schema").symlink_to("schema-elsewhere", target_is_directory=True)
    else:
        shutil.move(repo / "schema/document.schema.json", repo / "document.schema.json")
        (repo / "schema/document.schema.json").symlink_to(repo / "document.schema.json")
    for command in ("validate", "check"):
        result = cli(command, root=repo)
        assert result.code == 2, (command, result.out, result.err)
        assert "is a symbolic link" in result.err and "Traceback" not in result.err
