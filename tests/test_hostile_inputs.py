"""Command-line inputs that are not annotation files: each is a usage error (exit 2) or a finding
with its line, never a traceback and never a PASSED that checked nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, snapshot

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


@pytest.mark.parametrize("given, second", [(".", True), ("annotations", True), ("annotations/", True),
                                           ("annotations/kb.yaml", True), ("annotations/texts", True),
                                           ("annotations/texts/beta.txt", True), ("annotations/docs", False),
                                           ("annotations/docs/beta.yaml", False)])
def test_a_path_that_stands_for_what_the_second_tree_reads_validates_it_too(base, cli, monkeypatch, given, second):
    """The second tree lies under annotations/ and its documents reference the KB and the gold's texts, so a
    path naming the whole, the KB or a text validates it as `validate` alone does; a gold document does not."""
    monkeypatch.chdir(base)
    _with_second_tree(base)
    broken = base / "annotations/second/docs/alpha.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("label: ", "label: BOGUS", 1), encoding="utf-8")
    result = cli("validate", given, root=base)
    _no_traceback(result)
    assert ("annotations/second/docs/alpha.yaml" in result.out) == second, result.out
    assert result.code == (1 if second else 0), result.out


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


# ---- file names that are not UTF-8 ------------------------------------------------------------------

def _bytes_names(repo: Path) -> None:
    """A document file and a text whose names are not UTF-8 (a byte 0xff / 0xfe), and a stray of the same kind."""
    docs, texts = os.fsencode(repo / "annotations/docs"), os.fsencode(repo / "annotations/texts")
    alpha = (repo / "annotations/docs/alpha.yaml").read_bytes()
    with open(docs + b"/bad\xff.yaml", "wb") as fh:
        fh.write(alpha)
    with open(texts + b"/t\xfe.txt", "wb") as fh:
        fh.write(b"a text\n")
    with open(docs + b"/s\xfd.yml", "wb") as fh:
        fh.write(alpha)


def _utf8(text: str) -> str:
    return text.encode("utf-8").decode("utf-8")  # raises on a lone surrogate: output no UTF-8 reader takes


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--format", "json"], ["validate", "--format", "sarif"],
                                  ["validate", "--format", "github"], ["build"], ["check"], ["build", "--format", "json"],
                                  ["check", "--format", "sarif"]])
def test_a_file_name_that_is_not_utf8_is_a_finding_in_valid_output(base, cli, argv):
    _bytes_names(base)
    result = cli(*argv, root=base)
    _no_traceback(result)
    assert result.code == 1, result
    out = _utf8(result.out)
    if "json" in argv:
        findings = json.loads(out)["findings"]
        paths = {f["path"] for f in findings}
    elif "sarif" in argv:
        log = json.loads(out)
        paths = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]
                 for loc in r.get("locations", [])}
    else:
        paths = set()
    for shown in ("annotations/docs/bad\\xff.yaml", "annotations/texts/t\\xfe.txt", "annotations/docs/s\\xfd.yml"):
        if "sarif" in argv:
            from urllib.parse import quote

            assert quote(shown) in paths, (shown, paths)
        elif "json" in argv:
            assert shown in paths, (shown, paths)
        else:
            assert shown in out, out


def test_render_lists_a_name_that_is_not_utf8_on_the_index(base, cli, tmp_path):
    _bytes_names(base)
    result = cli("render", "--out", str(tmp_path / "pages"), root=base)
    _no_traceback(result)
    assert result.code == 0, result
    pages = {p.name: _utf8(p.read_bytes().decode("utf-8")) for p in (tmp_path / "pages").iterdir()}
    assert set(pages) == {"MANIFEST", "alpha.html", "beta.html", "index.html"}
    assert "bad\\xff.yaml" in pages["index.html"] and "IG303" in pages["index.html"]


@pytest.mark.parametrize("argv", [["check"], ["check", "--format", "json"], ["build"]])
def test_a_dataset_file_whose_name_is_not_utf8_is_a_finding(base, cli, argv):
    """A file in dataset/ whose name is not UTF-8 is one the build does not write (IG603, the byte shown as
    an escape), not a traceback of the digest of the folder compared; a build replaces the folder."""
    assert cli("build", root=base).code == 0
    with open(os.fsencode(base / "dataset") + b"/x\xff.bin", "wb") as fh:
        fh.write(b"stray")
    result = cli(*argv, root=base)
    _no_traceback(result)
    if argv == ["build"]:
        assert result.code == 0, result
        assert not any(b"\xff" in name for name in os.listdir(os.fsencode(base / "dataset")))
        return
    assert result.code == 1, result
    if "json" in argv:
        found = {(f["code"], f["path"]) for f in json.loads(_utf8(result.out))["findings"]}
        assert ("IG603", "dataset/x\\xff.bin") in found, found
    else:
        assert "IG603" in result.out and "dataset/x\\xff.bin" in _utf8(result.out), result.out


# ---- messages that name the cause --------------------------------------------------------------------

def _with_second_tree(repo: Path) -> None:
    (repo / "annotations/second/docs").mkdir(parents=True)
    shutil.copy(repo / "annotations/docs/alpha.yaml", repo / "annotations/second/docs/alpha.yaml")


@pytest.mark.parametrize("missing, expected", [("annotations/kb.yaml", "annotations/kb.yaml: IG108"),
                                               ("annotations/texts", "annotations/texts: IG108 the folder "
                                                                     "annotations/texts/ is missing")])
def test_a_missing_kb_or_texts_folder_is_reported_as_such_beside_a_second_tree(base, cli, missing, expected):
    _with_second_tree(base)
    target = base / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    result = cli("validate", root=base)
    _no_traceback(result)
    assert result.code == 1 and "annotations/second has no" not in result.err, result
    assert result.out.count(expected) == 1, result.out
    assert "IG316" not in result.out  # the missing folder is the one cause, not every document's missing text


def test_kb_findings_are_printed_once_beside_a_second_tree(base, cli):
    _with_second_tree(base)
    kb = base / "annotations/kb.yaml"
    lines = kb.read_text(encoding="utf-8").splitlines(keepends=True)
    entry = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- {id:"))
    lines.insert(entry + 1, lines[entry])  # a duplicated KB entry: IG315 on the KB, which both trees read
    kb.write_text("".join(lines), encoding="utf-8")
    result = cli("validate", root=base)
    assert result.code == 1
    assert len([line for line in result.out.splitlines() if ": IG315 " in line]) == 1, result.out


def test_a_text_with_an_unsafe_name_is_named_as_the_text(base, cli):
    (base / "annotations/texts/Beta Copy.txt").write_text("a text\n", encoding="utf-8")
    result = cli("validate", "--format", "json", root=base)
    findings = [f for f in json.loads(result.out)["findings"] if f["code"] == "IG303"]
    assert [f["path"] for f in findings] == ["annotations/texts/Beta Copy.txt"], findings


# ---- predictions: hostile lines in every input shape ----------------------------------------------------

def _gold_rows(base):
    from idlib_gold.checking.pipeline import load
    from idlib_gold.scoring.token_inputs import row_order

    corpus, _ = load(base)
    return corpus.documents, row_order(corpus.documents)


def _shapes(base) -> dict[str, str]:
    """A valid predictions file of each input shape for the base corpus."""
    docs, rows = _gold_rows(base)
    alpha = next(d for d in docs if d.id == "alpha")
    first = alpha.data["entities"][0]
    span = {k: first[k] for k in ("label", "start", "end", "text")}
    pipe = {"start": first["start"], "end": first["end"], "entity_group": first["label"], "score": 0.9}
    conll = "\n\n".join("\n".join(f"{t} O" for t in row.tokens) for row in rows) + "\n"
    return {
        "spans": json.dumps({"id": "alpha", "entities": [span]}) + "\n",
        "bio": "".join(json.dumps({"id": r.id, "ner_tags": ["O"] * len(r.tokens)}) + "\n" for r in rows),
        "pipeline": json.dumps({"id": "alpha", "entities": [pipe]}) + "\n",
        "conll": conll,
    }


def _deep(shape: str, depth: int) -> str:
    nest = "[" * depth + "]" * depth
    return {"spans": '{"id": "alpha", "entities": [{"label": "GPE", "start": 0, "end": 6, "text": %s}]}' % nest,
            "bio": '{"id": "alpha-p000", "ner_tags": [%s]}' % nest,
            "pipeline": "[%s]" % nest}[shape] + "\n"


@pytest.mark.parametrize("shape", ["spans", "bio", "pipeline"])
@pytest.mark.parametrize("depth", [33, 900, 5000, 100_000])
@pytest.mark.parametrize("given", ["auto", "explicit"])
def test_IG724_json_nested_deeply_is_a_finding_in_every_shape(base, cli, tmp_path, shape, depth, given):
    path = tmp_path / "deep.jsonl"
    path.write_text(_shapes(base)[shape] + _deep(shape, depth), encoding="utf-8")
    extra = ["--input-format", shape] if given == "explicit" else []
    for fmt in ("json", "text", "sarif"):
        result = cli("evaluate", str(path), "--format", fmt, *extra, root=base)
        _no_traceback(result)
        assert result.code == 1, result
        if fmt == "json":
            codes = [f["code"] for f in json.loads(result.out)["findings"] if f["severity"] == "error"]
            assert "IG724" in codes, codes
            assert all(len(f["message"]) < 300 for f in json.loads(result.out)["findings"])


@pytest.mark.parametrize("shape", ["spans", "bio", "pipeline", "conll"])
def test_IG723_a_line_over_the_limit_is_refused_before_it_is_parsed(base, cli, tmp_path, shape, monkeypatch):
    from idlib_gold.scoring import predictions

    good = _shapes(base)[shape]
    # broken JSON (or a malformed CoNLL line): parsed, it would be IG701/IG716 too
    long = ("{" if shape != "conll" else "x") + " " * (predictions.PREDICTIONS_MAX_LINE_BYTES + 10) + "\n"
    path = tmp_path / "long.txt"
    path.write_text(good + long, encoding="utf-8")
    parsed = []
    real = json.loads
    monkeypatch.setattr(json, "loads", lambda text, *a, **k: parsed.append(len(text)) or real(text, *a, **k))
    result = cli("evaluate", str(path), "--format", "json", "--input-format", shape, root=base)
    _no_traceback(result)
    assert result.code == 1
    findings = json.loads(result.out)["findings"]
    errors = [(f["code"], f["line"]) for f in findings if f["severity"] == "error"]
    assert errors == [("IG723", good.count("\n") + 1)], errors
    assert max(parsed, default=0) <= predictions.PREDICTIONS_MAX_LINE_BYTES


@pytest.mark.parametrize("tag", ["²", "٣", "1" * 5000, "03", "-1", "37"])
def test_a_conll_tag_that_only_looks_like_a_number_is_IG714(base, cli, tmp_path, tag):
    text = _shapes(base)["conll"]
    path = tmp_path / "tags.conll"
    path.write_text(text.replace(" O\n", f" {tag}\n", 1), encoding="utf-8")
    result = cli("evaluate", str(path), "--format", "json", root=base)
    _no_traceback(result)
    assert result.code == 1, result
    findings = [f for f in json.loads(result.out)["findings"] if f["severity"] == "error"]
    assert [f["code"] for f in findings] == ["IG714"], findings
    assert len(findings[0]["message"]) < 200


@pytest.mark.parametrize("shape", ["spans", "bio", "pipeline", "conll"])
def test_a_byte_order_mark_before_the_first_line_is_not_part_of_it(base, cli, tmp_path, shape):
    text = _shapes(base)[shape]
    plain, marked = tmp_path / "plain.txt", tmp_path / "marked.txt"
    plain.write_text(text, encoding="utf-8")
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    runs = [cli("evaluate", str(p), "--format", "json", root=base) for p in (plain, marked)]
    outs = [json.loads(r.out) for r in runs]
    assert [o["scores"]["input_format"] for o in outs] == [shape, shape]
    for o in outs:
        o["scores"].pop("predictions")
        for f in o["findings"]:
            f.pop("path")
    assert outs[0] == outs[1]
    assert runs[0].code == runs[1].code == 0


# ---- annotation files nested deeply, through every command ------------------------------------------------

def _git_repo(repo: Path) -> None:
    import subprocess

    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.org", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@example.org"}
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "start")):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.mark.parametrize("depth", [40, 600, 5000])
@pytest.mark.parametrize("argv", [["validate"], ["build"], ["check"], ["fix", "--dry-run"], ["diff"],
                                  ["diff", "--format", "json"], ["render", "--out", "{tmp}/pages"],
                                  ["export", "--format", "brat", "{tmp}/export"]])
def test_an_annotation_nested_deeply_is_a_finding_in_every_command(base, cli, tmp_path, monkeypatch, depth, argv):
    _git_repo(base)
    doc = base / "annotations/docs/alpha.yaml"
    deep = "{a: " * depth + "1" + "}" * depth
    doc.write_text(doc.read_text(encoding="utf-8").replace("entity: ankara}", f"entity: ankara, note: {deep}}}", 1),
                   encoding="utf-8")
    monkeypatch.chdir(base)
    result = cli(*[a.format(tmp=tmp_path) for a in argv], root=base)
    _no_traceback(result)
    assert result.code in (1, 2) or argv[0] == "render", result
    assert "IG103" in result.out or argv[0] == "render", result.out


@pytest.mark.parametrize("depth", [40, 600, 5000])
def test_a_received_card_nested_deeply_is_a_finding(cli, tmp_path, depth):
    folder = tmp_path / "received"
    shutil.copytree(ROOT / "dataset", folder)
    card = folder / "README.md"
    text = card.read_text(encoding="utf-8")
    deep = "{name: zz, struct: [" * depth + "{name: y, dtype: int32}" + "]}" * depth
    at = text.index("  features:\n") + len("  features:\n")
    card.write_text(text[:at] + f"  - {deep}\n" + text[at:], encoding="utf-8")
    (folder / "croissant.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = cli("validate", "--parquet", str(folder), "--format", "json", root=ROOT)
    _no_traceback(result)
    assert result.code == 1, result
    codes = {f["code"] for f in json.loads(result.out)["findings"]}
    assert codes & {"IG103", "IG403"}, codes


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def test_the_depth_measured_on_the_bytes_is_the_depth_of_the_value():
    """IG724 is decided before parsing, on the line's bytes, where strings may hold brackets, quotes and
    backslashes; it must agree with the nesting of the value the line parses to."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from idlib_gold.scoring.predictions import _deeper_than

    texts = st.text(alphabet=st.sampled_from('[]{}"\\ ab\n'), max_size=8)
    values = st.recursive(st.one_of(st.none(), st.integers(), texts),
                          lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                  st.dictionaries(texts, inner, max_size=3)), max_leaves=60)

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(values, st.integers(0, 6), st.booleans())
    def check(value, limit, ascii_only):
        line = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
        assert _deeper_than(line, limit) == (_depth(value) > limit), line

    check()


_BROKEN_SCHEMAS = {
    "not JSON": ('{"a": [', "is not JSON"),
    "nested deeply": ("[" * 5000 + "]" * 5000, "levels deep"),
    "no schema": ('{"type": 5}', "is not a valid JSON Schema"),
    "a list": ("[]", "is not a JSON Schema object"),
    "no vocabulary": ('{"$id": "x", "$defs": {"entity_label": {"enum": [1]}}}', "has no list of values"),
    "missing": (None, "is missing"),
}


@pytest.mark.parametrize("case", sorted(_BROKEN_SCHEMAS))
@pytest.mark.parametrize("argv", [["validate"], ["check"], ["build"], ["fix", "--dry-run"],
                                  ["render", "--out", "{tmp}/pages"], ["agree", "annotations", "annotations/second"],
                                  ["evaluate", "{tmp}/p.jsonl"]])
def test_a_broken_schema_file_is_a_usage_error_naming_it(repo, cli, tmp_path, monkeypatch, case, argv):
    """A schema file the rules cannot be read from ends every command with exit 2 and the file's name,
    never a traceback and never PASSED against a silently substituted packaged copy."""
    content, said = _BROKEN_SCHEMAS[case]
    path = repo / "schema/document.schema.json"
    if content is None:
        path.unlink()
    else:
        path.write_text(content, encoding="utf-8")
    (tmp_path / "p.jsonl").write_text('{"id": "x", "entities": []}\n', encoding="utf-8")
    monkeypatch.chdir(repo)
    result = cli(*[a.format(tmp=tmp_path) for a in argv], root=repo)
    _no_traceback(result)
    if case == "no vocabulary" and argv[0] in ("validate", "fix", "agree", "evaluate"):
        # a schema that constrains nothing is still a schema: what it allows passes, nothing is read
        # from its vocabulary, and dataset/ is not compared (see check and build)
        assert result.code in (0, 1, 2), result
        return
    assert result.code == 2, result
    assert "schema/document.schema.json" in result.err and said in result.err, result.err
    assert "PASSED" not in result.out


#: json.loads calls that need no RecursionError handler, and why.
_JSON_SAFE = {
    ("reading/flowstyle.py", "_plain_value"): "decodes one plain literal: no brackets",
    ("reading/flowstyle.py", "_read"): "decodes one quoted key: no brackets",
    ("vocabulary.py", "_load"): "the bracket depth is counted and refused before parsing",
    ("findings.py", None): "the package's own table of codes, one flat record a line",
}


def _json_loads_calls():
    """(module, enclosing function, handled) for every json.load(s) call in the package, where
    handled says whether some enclosing try catches RecursionError."""
    import ast

    package = ROOT / "src" / "idlib_gold"
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("loads", "load") and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "json"):
                continue
            handled, function, at = False, None, node
            while at in parents:
                at = parents[at]
                if isinstance(at, ast.Try):
                    names = {n.id for h in at.handlers for n in ast.walk(h.type or ast.Name("BaseException"))
                             if isinstance(n, ast.Name)}
                    handled |= bool(names & {"RecursionError", "Exception", "BaseException"})
                if function is None and isinstance(at, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    function = at.name
            yield path.relative_to(package).as_posix(), function, handled


def test_every_json_read_survives_deep_nesting():
    """The class behind IG724 and the deep croissant.json: Python's JSON reader recurses once per
    bracket and raises RecursionError (not ValueError) near 1,000, so each reader of JSON it did not
    write itself catches it, or its reason is listed in _JSON_SAFE."""
    calls = list(_json_loads_calls())
    assert len(calls) >= 6, calls
    unsafe = [(m, f) for m, f, handled in calls if not handled and (m, f) not in _JSON_SAFE]
    assert not unsafe, unsafe
