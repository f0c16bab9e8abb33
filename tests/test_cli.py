"""The command line: exit codes, output formats, the summary, and what the hook path imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT


def test_check_prints_a_summary_and_the_load_line(cli):
    result = cli("check", root=ROOT)
    assert result.code == 0
    assert "5 documents" in result.out
    for layer in ("entities:", "figures:", "quotes:", "train:", "validation:", "test:"):
        assert layer in result.out
    assert "load_dataset('./dataset')" in result.out


def test_validate_json_output_is_a_list_of_findings(cli):
    result = cli("validate", "--format", "json", root=ROOT)
    data = json.loads(result.out)
    assert result.code == 0 and data["findings"] == [] and data["summary"].startswith("PASSED")


def test_usage_errors_exit_2_without_traceback(cli, tmp_path):
    result = cli("validate", root=tmp_path)
    assert result.code == 2 and "no annotations/ folder" in result.err
    result = cli("frobnicate")
    assert result.code == 2


def test_locate_prints_offsets(cli):
    result = cli("locate", "002_64197da7831f2480", "Cavusoglu", root=ROOT)
    assert result.code == 0
    text = (ROOT / "annotations/texts/002_64197da7831f2480.txt").read_text(encoding="utf-8")
    first = text.index("Cavusoglu")
    assert f"start: {first}, end: {first + 9}" in result.out
    assert cli("locate", "002_64197da7831f2480", "Atlantis", root=ROOT).code == 1


def test_validating_some_files_checks_only_those(cli):
    result = cli("validate", "annotations/docs/003_e4f66969423e83e9.yaml", root=ROOT)
    assert result.code == 0 and "1 document(s) checked" in result.out


def test_the_hook_path_does_not_import_pandas_or_datasets():
    code = ("import sys; from idlib_gold.cli import main; rc = main(['validate', '--root', %r]); "
            "print(rc, 'pandas' in sys.modules, 'datasets' in sys.modules, 'pyarrow' in sys.modules)" % str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.strip().splitlines()[-1] == "0 False False False"


def test_utf16_offsets_get_their_own_hint():
    from idlib_gold.text.spans import diagnose

    text = "Aid 😀 reached Idlib today."
    start = text.index("Idlib")
    u16_start = len(text[:start].encode("utf-16-le")) // 2
    hint = diagnose(text, text.encode(), u16_start, u16_start + 5, "Idlib")
    assert hint == f"these look like UTF-16 code-unit offsets (JavaScript/Java); in code points the span is start: {start}, end: {start + 5}"


def test_validate_imports_none_of_the_build_dependencies():
    """The pre-commit hook's environment has only what validation needs; `validate` must not reach for more."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-c",
                          "import sys; from idlib_gold.cli import main; sys.exit(main(['validate']))"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in run.stderr.splitlines() if "|" in line}
    assert "jsonschema" in imported or "jsonschema_rs" in imported  # the measurement sees imports at all
    assert imported.isdisjoint({"pyarrow", "pandas", "pandera", "polars", "datasets", "numpy"}), imported


@pytest.mark.parametrize("args", [["build"], ["check"], ["validate", "--parquet", "dataset"]])
def test_commands_needing_the_build_extra_say_so_when_it_is_missing(cli, monkeypatch, args):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pandera" else real(name, *a))
    result = cli(*args)
    assert result.code == 2 and "pip install '.[build]'" in result.err and "pandera" in result.err
