"""The command line: exit codes, output formats, the summary, and what the hook path imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import ROOT


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


def test_the_top_level_help_is_for_annotators():
    """It says what the tool is for and names the commands of an annotator's day, not the CLI's wiring."""
    from idlib_gold.cli import _parser

    text = _parser().format_help()
    assert "dataset" in text and "entities, figures and quotes" in text
    for command in ("idlib-gold validate", "idlib-gold fix", "idlib-gold locate"):
        assert command in text
    assert "wires the stages" not in text and "parses arguments" not in text


def test_evaluate_help_names_every_input_format_it_reads():
    from idlib_gold.cli import _parser

    sub = _parser()._subparsers._group_actions[0].choices["evaluate"]
    positional = next(a for a in sub._actions if a.dest == "predictions")
    for form in ("span records", "BIO tags", "CoNLL", "pipeline spans"):
        assert form in positional.help, form
    assert "JSON Lines file" not in " ".join(sub.format_help().split())


def test_evaluate_a_missing_file_is_a_usage_error(cli, tmp_path):
    result = cli("evaluate", str(tmp_path / "nope.jsonl"), root=ROOT)
    assert result.code == 2 and result.out == ""
    assert result.err == f"idlib-gold: error: {tmp_path / 'nope.jsonl'}: no such file\n"


def test_install_hints_name_the_checkout_not_an_index(monkeypatch, tmp_path):
    """The package is installed from a checkout: no hint, and no README line, says `idlib-gold[extra]`."""
    import builtins

    from idlib_gold.exporting.common import UnsafeOutput
    from idlib_gold.exporting.docbin import _spacy

    real = builtins.__import__

    def no_spacy(name, *args, **kwargs):
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError("No module named 'spacy'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_spacy)
    with pytest.raises(UnsafeOutput, match=r'pip install "\.\[spacy\]"'):
        _spacy()
    monkeypatch.setattr(builtins, "__import__", real)
    files = [ROOT / "README.md", *(ROOT / "src").rglob("*.py")]
    assert [p.name for p in files if "idlib-gold[" in p.read_text(encoding="utf-8")] == []


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--format", "sarif"], ["locate", "000_10fe6d47143cad7a", "Turkey"]])
def test_a_reader_that_went_away_ends_the_command_by_sigpipe(argv):
    """`idlib-gold validate | head -0`: the exit status a shell reports is 141 (killed by SIGPIPE), as for
    cat, not a silent 1, and nothing is printed about it."""
    import os
    import signal

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write
    try:
        done = subprocess.run([sys.executable, "-c", "import sys; from idlib_gold.cli import main; sys.exit(main())",
                               *argv, "--root", str(ROOT)], stdout=write_end, stderr=subprocess.PIPE, timeout=300)
    finally:
        os.close(write_end)
    assert done.returncode == -signal.SIGPIPE, (done.returncode, done.stderr)
    assert done.stderr == b""


def _command_modules():
    import ast

    folder = ROOT / "src" / "idlib_gold" / "cli"
    for path in sorted(folder.glob("*.py")):
        if path.stem not in ("__init__", "__main__", "common", "parser"):
            yield path.stem, ast.parse(path.read_text(encoding="utf-8"))


def test_every_command_has_a_module_and_picks_its_status_by_the_one_rule():
    """One exit-code rule: a command's `run` returns only `exit_code(...)` (0 clean, 1 findings, 2 for
    an unreadable named file) or raises a UsageError; no command returns a number of its own."""
    import ast

    from idlib_gold.cli.parser import build_parser

    modules = dict(_command_modules())
    subcommands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert set(modules) == set(subcommands)
    for name, tree in modules.items():
        runs = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == "run"]
        assert runs, name
        returns = [n for n in ast.walk(runs[0]) if isinstance(n, ast.Return)]
        assert returns, name
        for r in returns:
            assert isinstance(r.value, ast.Call) and getattr(r.value.func, "id", None) == "exit_code", \
                (name, ast.unparse(r))


@pytest.mark.parametrize("argv, code", [
    (["diff", "{a}", "{b}"], 0),  # changes are diff's answer, not findings
    (["fix", "--dry-run"], 0),
    (["locate", "000_10fe6d47143cad7a", "no such words here"], 1),
    (["validate", "--format", "nope"], 2),
])
def test_exit_codes_follow_the_rule(cli, repo, tmp_path, argv, code):
    import shutil

    a, b = tmp_path / "a", tmp_path / "b"
    for side in (a, b):
        shutil.copytree(repo / "annotations", side / "annotations")
    doc = b / "annotations/docs/000_10fe6d47143cad7a.yaml"
    doc.write_text(doc.read_text(encoding="utf-8").replace("label: GPE", "label: LOC", 1), encoding="utf-8")
    result = cli(*[x.format(a=a, b=b) for x in argv], root=repo)
    assert result.code == code, result
    assert "Traceback" not in result.err
    if argv[0] == "diff":
        assert "LOC" in result.out, result.out  # it did find the change
