"""Fuzzing every command: hypothesis breaks real annotation files and writes random argument lists.

Each example starts from a scratch copy of the repository (annotations, schema, a built dataset/),
breaks one file (a value, a type, an offset, the structure, the bytes, or the kind of file it is),
then runs one command in-process with random arguments (`validate --parquet` also on a received copy
of dataset/ with a table or the card broken). Whatever happens, the command must end
with exit 0, 1 or 2, print no traceback, write nothing outside its own target (`--out`, or
`dataset/` for a build that passed), and leave `dataset/` as it was. `baseline`, `render` and `export`
also draw targets they must refuse; and one test tries every `--out` against every such target.

The in-suite profile is short. For a long run: `IDLIB_FUZZ=long python -m pytest tests/test_fuzz.py`
(IDLIB_FUZZ_EXAMPLES sets the number of examples per test).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ROOT, run_cli

_LONG = os.environ.get("IDLIB_FUZZ") == "long"
# Applied to this module's test only, so the other property tests keep their own settings.
FUZZ = settings(max_examples=int(os.environ.get("IDLIB_FUZZ_EXAMPLES", "5000")) if _LONG else 60,
                derandomize=not _LONG, deadline=None, suppress_health_check=list(HealthCheck))

DOCS = sorted(p.name for p in (ROOT / "annotations/docs").glob("*.yaml"))
FILES = ["annotations/kb.yaml"] + [f"annotations/docs/{d}" for d in DOCS] + \
        [f"annotations/texts/{d[:-5]}.txt" for d in DOCS]
DOC_IDS = [d[:-5] for d in DOCS]

# YAML scalars chosen to hit the edges of types: floats for ints, non-finite and huge numbers, booleans,
# nulls, dates, strings that look like numbers, collections where a scalar belongs, tags and aliases.
TRICKY = ["12.0", "0.0", "-1", "1e3", ".inf", "-.inf", ".nan", "1" + "0" * 400, "9" * 5000, "true", "no", "null",
          "~", "", "''", '""', "2020-02-02", "0x1F", "017", "1_000", "[]", "{}", "[1, 2]", "{a: 1}", "!!python/none",
          "&a 1", "*a", "'12'", '"\\u0000"', "\u00a0", "-", "?", "|", ">", "%", "@", "`", "\t1", "1:2", "#x"]
SCALARS = st.one_of(st.sampled_from(TRICKY), st.integers(-2**70, 2**70).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.text(max_size=12).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'))


def _replace_value(raw: bytes, data) -> bytes:
    """Swap one `key: value` of the file for a tricky scalar, or an offset for another number."""
    text = raw.decode("utf-8", errors="replace")
    import re

    spots = [m for m in re.finditer(r"(\w+): ((?:\"[^\"]*\"|[^,{}\[\]\n]*))", text)]
    if not spots:
        return raw
    numeric = [m for m in spots if m.group(1) in ("start", "end", "value", "value_max")]
    # Half the time a number: the same number in another type or form is the likeliest slip.
    m = data.draw(st.sampled_from(numeric if numeric and data.draw(st.booleans(), label="numeric") else spots),
                  label="spot")
    if m.group(2).strip().isdigit():
        v = int(m.group(2))
        near = [f"{v}.0", f"{v + 1}", f"{max(v - 1, 0)}", f"{v}e0", f"'{v}'", "true", "false", "-1", ".inf",
                "-.inf", ".nan", "1" + "0" * 400, f"{v + 0.5}", f"0{v}", f"{v:_}", f"0x{v:x}", "null"]
        value = data.draw(st.one_of(st.sampled_from(near), st.integers(-5, 10**6).map(str), SCALARS), label="number")
    else:
        value = data.draw(SCALARS, label="value")
    return (text[:m.start(2)] + value + text[m.end(2):]).encode("utf-8", errors="surrogatepass")


def _restructure(raw: bytes, data) -> bytes:
    lines = raw.split(b"\n")
    i = data.draw(st.integers(0, max(len(lines) - 1, 0)), label="line")
    how = data.draw(st.sampled_from(["drop", "repeat", "swap", "truncate", "indent", "dedent", "join"]), label="how")
    if how == "drop":
        del lines[i]
    elif how == "repeat":
        lines.insert(i, lines[i])
    elif how == "swap" and i + 1 < len(lines):
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif how == "truncate":
        return raw[:data.draw(st.integers(0, len(raw)), label="cut")]
    elif how == "indent":
        lines[i] = b"  " + lines[i]
    elif how == "dedent":
        lines[i] = lines[i].lstrip()
    elif how == "join" and i + 1 < len(lines):
        lines[i:i + 2] = [lines[i] + lines[i + 1]]
    return b"\n".join(lines)


def _bytes(raw: bytes, data) -> bytes:
    at = data.draw(st.integers(0, len(raw)), label="at")
    junk = data.draw(st.one_of(st.binary(min_size=1, max_size=8),
                               st.sampled_from([b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\r\n", b"\xc3", b"\t",
                                                b"\xe2\x80\xa8", b"&", b"*", b"!", b"#", b"'", b'"', b"{", b"]"])),
                     label="junk")
    replace = data.draw(st.booleans(), label="replace")
    return raw[:at] + junk + raw[at + (len(junk) if replace else 0):]


def _stray(repo: Path, raw: bytes, data) -> None:
    """A file beside the annotation files that is not one, or one whose name is unsafe or not UTF-8."""
    folder = data.draw(st.sampled_from([b"annotations/docs", b"annotations/texts", b"annotations/second/docs"]),
                       label="folder")
    name = data.draw(st.sampled_from([b"x.yml", b"x.YAML", b"x.txt.bak", b".x.yaml.swp", b"bad\xff.yaml",
                                      b"bad\xfe.txt", b"Bad Name.yaml", b"\xc3.txt", b".yaml", b"sub"]), label="name")
    target = os.fsencode(repo) + b"/" + folder + b"/" + name
    if name == b"sub":
        os.makedirs(target, exist_ok=True)
    else:
        with open(target, "wb") as fh:
            fh.write(raw)


def _nested(raw: bytes, data) -> bytes:
    """One annotation's value replaced by collections nested from a few to thousands of levels deep."""
    text = raw.decode("utf-8", errors="replace")
    depth = data.draw(st.sampled_from([31, 33, 40, 200, 600, 990, 5000]), label="depth")
    open_, close = data.draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", "")]), label="brackets")
    if open_ == "- ":  # block style, one level per line
        deep = "\n" + "".join("  " * i + "-\n" for i in range(1, min(depth, 600))) + "  " * min(depth, 600) + "- 1"
        return (text.rstrip("\n") + "\nextra:" + deep + "\n").encode("utf-8", errors="surrogatepass")
    at = text.find(", text: ")
    if at < 0:
        return raw
    deep = open_ * depth + ("1" if open_ != "[" else "") + close * depth
    return (text[:at] + ", note: " + deep + text[at:]).encode("utf-8", errors="surrogatepass")


def _break(repo: Path, data) -> None:
    rel = data.draw(st.sampled_from(FILES), label="file")
    path = repo / rel
    raw = path.read_bytes()
    kind = data.draw(st.sampled_from(["value", "value", "value", "structure", "bytes", "special", "name", "deep",
                                      "none"]), label="mutation")
    if kind == "name":
        _stray(repo, raw, data)
    elif kind == "deep" and not rel.endswith(".txt"):
        path.write_bytes(_nested(raw, data))
    elif kind == "value" and not rel.endswith(".txt"):
        path.write_bytes(_replace_value(raw, data))
    elif kind in ("structure", "value"):
        path.write_bytes(_restructure(raw, data))
    elif kind == "bytes":
        path.write_bytes(_bytes(raw, data))
    elif kind == "special":
        what = data.draw(st.sampled_from(["dev-zero", "fifo", "folder", "missing", "link-out", "dangling", "empty"]),
                         label="special")
        path.unlink()
        if what == "dev-zero":
            path.symlink_to("/dev/zero")
        elif what == "fifo":
            os.mkfifo(path)
        elif what == "folder":
            path.mkdir()
        elif what == "link-out":
            outside = repo.parent / "outside" / path.name
            outside.write_bytes(raw)
            path.symlink_to(outside)
        elif what == "dangling":
            path.symlink_to(repo.parent / "nowhere")
        elif what == "empty":
            path.write_bytes(b"")


def _paths(repo: Path, out: Path):
    """Arguments naming files: real ones, wrong ones, special ones, random ones."""
    fixed = FILES + ["annotations", "annotations/docs", "annotations/texts", ".", "README.md", "schema",
                     "dataset", "/dev/zero", "/dev/null", "/tmp", "/nonexistent/x.yaml", "../x.yaml",
                     "annotations/docs/zz.yaml", "annotations/texts/zz.txt", str(repo / FILES[1]),
                     str(out / "preds.jsonl"), "annotations/docs/../kb.yaml", "", "-", "--"]
    return st.one_of(st.sampled_from(fixed), st.text(max_size=20))


#: `--out` targets every command refuses, relative to the repository (the fuzzed commands run in it).
BAD_TARGETS = ["annotations/kb.yaml", "annotations/docs", "annotations/new.yaml", "schema", "dataset/x", "src",
               ".", "..", "README.md", "annotations/docs/../../dataset/x", ".dataset.old", ".dataset.new-x1"]


def _lines_of(shape: str, doc_ids: list[str], data) -> list[str]:
    import json

    if shape == "bio":
        return [json.dumps({"id": f"{d}-p000", "ner_tags": ["O"] * data.draw(st.integers(0, 20), label="tags")})
                for d in doc_ids]
    if shape == "pipeline":
        span = {"start": 0, "end": 6, "entity_group": "GPE", "score": 0.5}
        return [json.dumps([span]) if data.draw(st.booleans(), label="raw list") else
                json.dumps({"id": d, "entities": [span]}) for d in doc_ids]
    if shape == "conll":
        tag = st.one_of(st.sampled_from(["O", "B-GPE", "I-GPE", "3", "03", "²", "٣", "1" * 5000, "-1", "37", "B-",
                                          "#"]), st.text(max_size=4))
        return ["\n".join(f"tok {data.draw(tag, label='tag')}" for _ in range(data.draw(st.integers(1, 4))))
                + "\n" for _ in doc_ids]
    return [json.dumps({"id": d, "entities": [{"label": "GPE", "start": 0, "end": 6, "text": "ANKARA"}],
                        "figures": [], "quotes": []}) for d in doc_ids]


def _predictions(out: Path, data) -> str:
    """A predictions file in any input shape: the gold's own lines, broken the same ways as annotation files,
    nested deeply, over the line size limit, or behind a byte-order mark."""
    doc_ids = data.draw(st.lists(st.sampled_from(DOC_IDS + ["nope"]), max_size=4), label="predicted")
    shape = data.draw(st.sampled_from(["spans", "spans", "bio", "pipeline", "conll"]), label="shape")
    lines = _lines_of(shape, doc_ids, data)
    extra = data.draw(st.sampled_from(["none", "none", "deep", "long", "bom"]), label="extra line")
    if extra == "deep":
        depth = data.draw(st.sampled_from([32, 33, 900, 5000, 100_000]), label="json depth")
        lines.insert(data.draw(st.integers(0, len(lines))), "[" * depth + "]" * depth)
    elif extra == "long":  # just past the line limit: refused before it is parsed
        from idlib_gold.scoring.predictions import PREDICTIONS_MAX_LINE_BYTES

        lines.append("[" + " " * PREDICTIONS_MAX_LINE_BYTES + "]")
    raw = ("\ufeff" if extra == "bom" else "").encode("utf-8") + "\n".join(lines).encode("utf-8")
    mutation = data.draw(st.sampled_from(["none", "value", "bytes"]), label="predictions mutation")
    if mutation == "value":
        raw = _replace_value(raw.replace(b'"', b""), data) if data.draw(st.booleans()) else raw.replace(
            b'"start": 0', b'"start": ' + data.draw(st.sampled_from(
                [b"0.0", b"1e999", b"-1e999", b"NaN", b"Infinity", b"true", b"null", b'"0"', b"1" + b"0" * 5000])))
    elif mutation == "bytes":
        raw = _bytes(raw, data)
    path = out / "preds.jsonl"
    path.write_bytes(raw)
    return str(path)


def _received(repo: Path, out: Path, data) -> str:
    """A copy of dataset/ as someone might receive it, with one table or the card broken."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder = out / "received"
    shutil.copytree(repo / "dataset", folder)
    tables = sorted(folder.rglob("*.parquet"))
    target = data.draw(st.sampled_from(tables), label="table")
    how = data.draw(st.sampled_from(["bytes", "retype", "drop-file", "drop-column", "card", "none", "not-utf8",
                                     "reorder-columns", "drop-row"]), label="how")
    if how in ("not-utf8", "reorder-columns", "drop-row"):
        table = pq.read_table(target)
        if how == "drop-row" and table.num_rows:
            k = data.draw(st.integers(0, table.num_rows - 1), label="row")
            table = pa.concat_tables([table.slice(0, k), table.slice(k + 1)])
        elif how == "reorder-columns":
            table = table.select(data.draw(st.permutations(table.column_names), label="order"))
        strings = [i for i, f in enumerate(table.schema) if pa.types.is_string(f.type)]
        if how == "not-utf8" and strings and table.num_rows:
            i = data.draw(st.sampled_from(strings), label="column")
            values = [b"" if v is None else v.encode() for v in table.column(i).to_pylist()]
            values[0] += b"\xff"
            offsets = pa.array([0, *itertools.accumulate(map(len, values))], pa.int32()).buffers()[1]
            broken = pa.Array.from_buffers(pa.string(), len(values), [None, offsets, pa.py_buffer(b"".join(values))])
            table = table.set_column(i, table.field(i), broken)
        pq.write_table(table, target)
    elif how == "bytes":
        target.write_bytes(_bytes(target.read_bytes(), data))
    elif how == "drop-file":
        target.unlink()
    elif how == "card":
        card = folder / "README.md"
        card.write_bytes(_replace_value(card.read_bytes(), data) if data.draw(st.booleans())
                         else _restructure(card.read_bytes(), data))
    elif how in ("retype", "drop-column"):
        table = pq.read_table(target)
        i = data.draw(st.integers(0, table.num_columns - 1), label="column")
        if how == "drop-column":
            table = table.remove_column(i)
        else:
            column = table.column(i)
            kind = data.draw(st.sampled_from(["string", "float64", "inf", "int64", "null"]), label="as")
            try:
                if kind == "inf" and pa.types.is_floating(column.type):
                    column = pc.multiply(column, pa.scalar(float("inf")))
                elif kind == "null":
                    column = pa.nulls(len(column), column.type)
                elif kind != "inf":
                    column = column.cast({"string": pa.string(), "float64": pa.float64(), "int64": pa.int64()}[kind])
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # that column has no such form: leave it
            table = table.set_column(i, table.field(i).name, column)
        pq.write_table(table, target)
    return str(folder)


def _argv(command: str, repo: Path, out: Path, data) -> list[str]:
    paths = _paths(repo, out)
    noise = st.one_of(st.sampled_from(["--strict", "--format", "json", "text", "xml", "--split", "test", "dev",
                                       "--parquet", "--out", "-h", "--version", "--nope"]), st.text(max_size=10))
    fmt = st.lists(st.sampled_from([["--format", "json"], ["--format", "text"], ["--strict"]]), max_size=2)
    draw = data.draw
    if command == "validate":
        argv = ["validate", *draw(st.lists(paths, max_size=3), label="paths")]
        parquet = draw(st.sampled_from(["", "", "received", "received", "dataset", "annotations", "/dev/null",
                                        "nowhere", "out"]), label="parquet")
        if parquet:
            folder = {"received": lambda: _received(repo, out, data), "out": lambda: str(out)}.get(parquet,
                                                                                                 lambda: parquet)()
            argv += ["--parquet", folder]
    elif command == "locate":
        argv = ["locate", draw(st.one_of(st.sampled_from(DOC_IDS + ["../kb", "/etc/passwd", "x" * 70]), st.text(max_size=12))),
                draw(st.one_of(st.sampled_from(["Turkey", "Idlib", "", " ", "\n"]), st.text(max_size=6)))]
    elif command == "evaluate":
        target = _predictions(out, data) if draw(st.booleans(), label="own predictions") else draw(paths)
        argv = ["evaluate", target, *draw(st.sampled_from([[], ["--split", "test"], ["--split", "nope"]])),
                *draw(st.sampled_from([[], [], ["--input-format", "spans"], ["--input-format", "bio"],
                                       ["--input-format", "conll"], ["--input-format", "pipeline"],
                                       ["--input-format", "nope"]]), label="input format")]
    elif command == "suspects":
        targets = draw(st.lists(st.one_of(st.just("own"), paths), min_size=0, max_size=3), label="systems")
        argv = ["suspects", *[_predictions(out, data) if t == "own" else t for t in targets],
                *draw(st.sampled_from([[], ["--split", "test"], ["--split", "nope"], ["--format", "json"],
                                       ["--format", "html", "--out", str(out / "pages")], ["--format", "html"],
                                       ["--format", "html", "--out", str(repo / "annotations")],
                                       ["--format", "html", "--out", str(repo)], ["--out", str(out / "p")]]),
                      label="suspects options")]
        return argv
    elif command == "baseline":
        target = draw(st.one_of(st.sampled_from(["b.jsonl", "sub/b.jsonl", "", "."]).map(lambda t: str(out / t)),
                                st.sampled_from(BAD_TARGETS)), label="baseline out")
        argv = ["baseline", draw(st.sampled_from(["figures", "quotes", "entities"])), "--out", target]
    elif command == "render":
        target = draw(st.one_of(st.sampled_from(["pages", "", "x/y"]).map(lambda t: str(out / t)),
                                st.sampled_from(BAD_TARGETS)), label="render out")
        argv = ["render", *draw(st.lists(st.one_of(st.sampled_from(DOC_IDS + ["../x", "nope"]), st.text(max_size=8)),
                                         max_size=2)), "--out", target]
    elif command == "fix":
        argv = ["fix", *draw(st.lists(paths, max_size=2), label="paths"),
                *draw(st.sampled_from([[], [], ["--dry-run"]]), label="dry run")]
    elif command == "diff":
        if draw(st.booleans(), label="folder called HEAD"):
            (repo / "HEAD" / "annotations").mkdir(parents=True, exist_ok=True)
        sides = st.one_of(st.sampled_from(["HEAD", "HEAD~3", "A..B", "--", "--", str(repo), str(repo / "annotations"),
                                           str(out), "nowhere", "/nonexistent", "/dev/null", "HEAD/"]),
                          st.text(max_size=8))
        argv = ["diff", *draw(st.lists(sides, max_size=3), label="sides"),
                *draw(st.sampled_from([[], ["--format", "markdown"], ["--format", "json"]]), label="diff format")]
    elif command == "agree":
        trees = st.one_of(st.sampled_from([str(repo / "annotations"), str(repo / "annotations/second"), str(repo),
                                           str(out), str(repo / "annotations/docs"), "nowhere", "/dev/null", "/"]),
                          st.text(max_size=8))
        argv = ["agree", draw(trees, label="tree a"), draw(trees, label="tree b"),
                *draw(st.sampled_from([[], ["--detail"], ["--format", "markdown"], ["--format", "sarif"]]))]
    elif command == "export":
        target = draw(st.sampled_from([str(out / "export"), str(out / "export"), str(out), str(repo / "dataset"),
                                       str(repo / "annotations"), str(repo), ".", "", "/dev/null",
                                       str(repo / "README.md")] + BAD_TARGETS), label="export out")
        argv = ["export", "--format", draw(st.sampled_from(["conll", "brat", "spacy", "CONLL", ""])), target]
    else:
        argv = [command]
    argv += [a for group in draw(fmt, label="format") for a in group]
    if draw(st.integers(0, 9), label="noisy") == 0:
        argv.insert(draw(st.integers(1, len(argv))), draw(noise, label="noise"))
    return argv


def _state(folder: Path, skip: tuple[Path, ...] = ()) -> dict[str, str]:
    """Every entry under `folder`: its kind and, for a regular file, its content's hash."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        if any(here == s or s in here.parents for s in skip):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = here / name
            if p in skip:
                continue
            mode = os.lstat(p).st_mode
            out[p.relative_to(folder).as_posix()] = (hashlib.sha256(p.read_bytes()).hexdigest()
                                                     if stat.S_ISREG(mode) else str(stat.S_IFMT(mode)))
    return out


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """The repository with its dataset/, copied once; each example works on a fresh copy of it."""
    base = tmp_path_factory.mktemp("fuzz") / "repo"
    for name in ("annotations", "schema", "dataset"):
        shutil.copytree(ROOT / name, base / name)
    (base / "README.md").write_text("# a file that is not an annotation\n", encoding="utf-8")
    return base


COMMANDS = ["validate", "validate", "validate", "check", "build", "locate", "evaluate", "baseline", "render",
            "fix", "diff", "agree", "export", "suspects"]


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_no_input_breaks_a_command(pristine, tmp_path_factory, data):
    sandbox = tmp_path_factory.mktemp("example")
    repo, out = sandbox / "repo", sandbox / "out"
    shutil.copytree(pristine, repo, symlinks=True)
    out.mkdir()
    (sandbox / "outside").mkdir()
    _break(repo, data)
    command = data.draw(st.sampled_from(COMMANDS), label="command")
    argv = _argv(command, repo, out, data)
    dataset_before = _state(repo / "dataset")
    # check and build may (re)write their stamp of dataset/ (building/stamp.py): a cache of their own
    own = (out, repo / "dataset", repo / ".idlib-gold-cache")
    if command == "fix":  # fix edits the annotation files it is given, in place: its own target
        own += (repo / "annotations" / "docs",)
    before = _state(sandbox, skip=own)
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        result = run_cli(*argv, root=repo)
    finally:
        os.chdir(cwd)
    try:
        assert result.code in (0, 1, 2), (argv, result)
        assert "Traceback" not in result.out + result.err, (argv, result)
        assert _state(sandbox, skip=own) == before, argv
        if not (command == "build" and result.code == 0):
            assert _state(repo / "dataset") == dataset_before, (argv, result.out)
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)


# ---- every --out against every target it must refuse ---------------------------------------------------

# fixtures and a function shared with the module that tests what the writer allows
from helpers import tree_state  # noqa: E402

#: Repository-relative unless formatted: the protected folders and files in them, new names inside them, the
#: git directory, the root by every spelling (`.`, `..` above it, absolute), links to a protected folder and to a
#: file outside, `..` walks into protected folders, the names dataset/'s swap uses, and existing files and
#: folders the command did not write, in the repository and outside it.
TARGETS = ["annotations/kb.yaml", "annotations/docs", "annotations/new", "schema/out", "dataset", "dataset/out",
           "src/out", "src/module.py", "src", ".git/HEAD", ".git", ".git/out", ".", "", "..", "{repo}", "{repo}/..",
           "README.md", "notes", "to-annotations/out", "to-outside/out", "to-precious", "to-annotations",
           "annotations/docs/../../dataset/out", "exports/../src/out", "notes/../annotations/texts/out",
           "{outside}/precious.txt", "{outside}/../repo/annotations/out", ".dataset.old", ".dataset.new-x1/out",
           "{outside}/link-to-schema/out", "{outside}"]

OUT_COMMANDS = {"baseline": lambda t: ["baseline", "figures", "--out", t], "render": lambda t: ["render", "--out", t],
                "export": lambda t: ["export", "--format", "conll", t]}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("command", sorted(OUT_COMMANDS))
def test_every_out_refuses_protected_and_foreign_targets_and_changes_nothing(sandbox, command, target):
    """Exit 2, one line on stderr, and not one byte, link or folder changed in the sandbox (the
    repository, its git directory and the folder beside it)."""
    repo = sandbox / "repo"
    (sandbox / "outside" / "link-to-schema").symlink_to(repo / "schema", target_is_directory=True)
    out = target.format(repo=repo, outside=sandbox / "outside")
    before = tree_state(sandbox)
    result = run_cli(*OUT_COMMANDS[command](out), root=repo)
    assert result.code == 2, (result.out, result.err)
    assert result.err.startswith("idlib-gold: error:") and result.err.count("\n") == 1, result.err
    assert tree_state(sandbox) == before


def test_where_git_is_a_file_its_real_directory_is_protected(sandbox):
    """A worktree's `.git` is a file naming the real git directory, which may lie anywhere; the common
    git directory its `commondir` names is protected too."""
    repo = sandbox / "repo"
    shutil.rmtree(repo / ".git")
    real = sandbox / "elsewhere" / "worktrees" / "repo"
    real.mkdir(parents=True)
    (real / "commondir").write_text("../..\n")
    (repo / ".git").write_text(f"gitdir: {real}\n")
    before = tree_state(sandbox)
    for out in (real / "out", sandbox / "elsewhere" / "hooks", repo / ".git"):
        for argv in OUT_COMMANDS.values():
            result = run_cli(*argv(str(out)), root=repo)
            assert result.code == 2 and "Traceback" not in result.err, (out, result.err)
    assert tree_state(sandbox) == before
