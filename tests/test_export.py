"""`idlib-gold export`: each format read back by its consuming library (or a strict reader) equals the gold.

CoNLL is read by a small reader here and its spans taken by `seqeval.get_entities`; spaCy
by `DocBin().from_disk` and `doc.ents`; brat by the strict standoff reader below. The brat
reader on PyPI (pybrat 0.1.7) refuses every split of the export, because brat allows two
annotations of one span (a quote's speaker that is also an entity mention) and it does not,
and it has no attribute lines (the 10 quote types of the test document would go unchecked).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, snapshot

FORMATS = ("conll", "spacy", "brat")


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    from helpers import run_cli

    base = tmp_path_factory.mktemp("exports")
    for fmt in FORMATS:
        result = run_cli("export", "--format", fmt, str(base / fmt), root=ROOT)
        assert result.code == 0, result.out + result.err
    return base


def _gold_flat(doc) -> list[tuple[int, int, str]]:
    return sorted((a["start"], a["end"], a["label"]) for a in doc.data["entities"] + doc.data["figures"])


def _splits(corpus) -> dict[str, list]:
    out: dict[str, list] = {}
    for doc in sorted(corpus.documents, key=lambda d: d.id):
        out.setdefault(doc.data["split"], []).append(doc)
    return out


# --- CoNLL -------------------------------------------------------------------------------------------------

def _read_conll(text: str) -> list[list[list[tuple[str, str]]]]:
    """documents → sentences → (token, tag); every non-blank line has exactly two columns."""
    docs: list[list[list[tuple[str, str]]]] = []
    sentence: list[tuple[str, str]] = []
    for number, line in enumerate(text.split("\n"), 1):
        if line == "":
            if sentence:
                docs[-1].append(sentence)
                sentence = []
            continue
        columns = line.split(" ")
        assert len(columns) == 2, f"line {number}: {line!r}"
        if columns[0] == "-DOCSTART-":
            assert not sentence and columns[1] == "O"
            docs.append([])
            continue
        sentence.append((columns[0], columns[1]))
    assert not sentence and text.endswith("\n")
    return docs


def test_conll_spans_read_back_with_seqeval_equal_the_gold(exports, corpus):
    from seqeval.metrics.sequence_labeling import get_entities

    from idlib_gold.text.tokens import paragraphs, tokenize

    splits = _splits(corpus)
    assert sorted(p.name for p in (exports / "conll").iterdir()) == sorted(
        [f"{s}.conll" for s in splits] + ["MANIFEST"])
    for split, docs in splits.items():
        read = _read_conll((exports / "conll" / f"{split}.conll").read_text(encoding="utf-8"))
        assert len(read) == len(docs)
        for doc, sentences in zip(docs, read):
            # Offsets of each token, from the text (the file holds none): tokens of each paragraph.
            pars = [tokenize(doc.text[s:e], s) for s, e in paragraphs(doc.text)]
            pars = [p for p in pars if p]
            assert [[t for t, _ in s] for s in sentences] == [[doc.text[a:b] for a, b in p] for p in pars]
            spans = []
            for sentence, offsets in zip(sentences, pars):
                for label, first, last in get_entities([tag for _, tag in sentence]):
                    spans.append((offsets[first][0], offsets[last][1], label))
            assert sorted(spans) == _gold_flat(doc), doc.id


# --- spaCy -------------------------------------------------------------------------------------------------

def test_spacy_docbin_ents_equal_the_gold(exports, corpus):
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    for split, docs in _splits(corpus).items():
        read = list(DocBin().from_disk(exports / "spacy" / f"{split}.spacy").get_docs(nlp.vocab))
        assert [d.user_data["id"] for d in read] == [d.id for d in docs]
        for gold, doc in zip(docs, read):
            assert doc.text == gold.text
            assert sorted((e.start_char, e.end_char, e.label_) for e in doc.ents) == _gold_flat(gold)
            for e in doc.ents:
                span = doc.char_span(e.start_char, e.end_char, alignment_mode="strict")
                assert span is not None and (span.start, span.end) == (e.start, e.end)


def test_spacy_missing_is_a_usage_error(repo, tmp_path, monkeypatch, cli):
    monkeypatch.setitem(sys.modules, "spacy", None)
    result = cli("export", "--format", "spacy", str(tmp_path / "out"), root=repo)
    assert result.code == 2 and "pip install" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


# --- brat --------------------------------------------------------------------------------------------------

_T = re.compile(r"^(T\d+)\t([A-Za-z_][\w-]*) (\d+ \d+(?:;\d+ \d+)*)\t([^\t\n]*)$")
_R = re.compile(r"^(R\d+)\t([A-Za-z_][\w-]*) Arg1:(T\d+) Arg2:(T\d+)$")
_A = re.compile(r"^(A\d+)\t([A-Za-z_][\w-]*) (T\d+) ([\w-]+)$")
_N = re.compile(r"^(N\d+)\tReference (T\d+) ([A-Za-z]+):([^\t ]+)\t([^\t\n]+)$")
_NOTE = re.compile(r"^(#\d+)\tAnnotatorNotes (T\d+)\t([^\t\n]*)$")


def _read_ann(ann: str, text: str) -> dict:
    """A strict brat standoff reader: every line must be one of the five kinds, ids unique,
    references resolved, and each T line's text equal to its fragments of `text`."""
    out = {"T": {}, "R": [], "A": {}, "N": {}, "#": {}}
    assert ann.endswith("\n")
    for line in ann[:-1].split("\n"):
        if m := _T.match(line):
            tid, kind, frags, covered = m.groups()
            pieces = [tuple(map(int, f.split())) for f in frags.split(";")]
            assert " ".join(text[a:b] for a, b in pieces) == covered, line
            assert tid not in out["T"]
            out["T"][tid] = (pieces[0][0], pieces[-1][1], kind)
        elif m := _R.match(line):
            assert m[3] in out["T"] and m[4] in out["T"], line
            out["R"].append((m[2], m[3], m[4]))
        elif m := _A.match(line):
            assert m[3] in out["T"], line
            out["A"][m[3]] = (m[2], m[4])
        elif m := _N.match(line):
            assert m[2] in out["T"], line
            out["N"].setdefault(m[2], []).append((m[3], m[4]))
        elif m := _NOTE.match(line):
            assert m[2] in out["T"] and m[2] not in out["#"], line
            out["#"][m[2]] = dict(kv.split("=", 1) for kv in m[3].split("; "))
        else:
            raise AssertionError(f"not a brat standoff line: {line!r}")
    return out


def _span(s):
    return None if s is None else (s["start"], s["end"])


def test_brat_texts_are_byte_identical_and_annotations_equal_the_gold(exports, corpus):
    kb = {e["id"]: e for e in corpus.kb_entries}
    folder = exports / "brat"
    conf = (folder / "annotation.conf").read_text(encoding="utf-8")
    for split, docs in _splits(corpus).items():
        for doc in docs:
            txt = folder / split / f"{doc.id}.txt"
            assert txt.read_bytes() == (ROOT / "annotations" / "texts" / f"{doc.id}.txt").read_bytes()
            ann = _read_ann((folder / split / f"{doc.id}.ann").read_text(encoding="utf-8"), doc.text)
            spans = ann["T"]
            for kind in {k for _, _, k in spans.values()}:
                assert re.search(rf"^{kind}$", conf, re.M), kind
            by_id = {note["id"]: tid for tid, note in ann["#"].items()}
            # entities and figures
            flat = sorted(spans[by_id[a["id"]]] for a in doc.data["entities"] + doc.data["figures"])
            assert flat == _gold_flat(doc)
            for e in doc.data["entities"]:
                tid = by_id[e["id"]]
                assert ann["#"][tid].get("value") == e.get("value")
                want = [] if not e.get("entity") else [("IdlibKB", e["entity"])] + (
                    [("Wikidata", kb[e["entity"]]["wikidata"])] if kb[e["entity"]].get("wikidata") else [])
                assert ann["N"].get(tid, []) == want
            relations = set(ann["R"])
            for f in doc.data["figures"]:
                tid = by_id[f["id"]]
                assert float(ann["#"][tid]["value"]) == float(f["value"])
                assert ann["#"][tid].get("category") == f["category"]
                measured = [spans[a2][:2] for rel, a1, a2 in relations if rel == "Measured" and a1 == tid]
                assert measured == ([_span(f["measured"])] if f.get("measured") else [])
            # quotes
            for q in doc.data["quotes"]:
                tid = by_id[q["id"]]
                assert spans[tid] == (*_span(q["content"]), "Quote")
                assert ann["A"][tid] == ("Quote_type", q["type"])
                for key, rel in (("speaker", "Speaker"), ("cue", "Cue"), ("addressee", "Addressee")):
                    got = [spans[a2][:2] for r, a1, a2 in relations if r == rel and a1 == tid]
                    assert got == ([_span(q[key])] if q.get(key) else []), (q["id"], key)
                speakers = q.get("speaker_entity") or []
                speakers = [speakers] if isinstance(speakers, str) else speakers
                holder = next((a2 for r, a1, a2 in relations if r == "Speaker" and a1 == tid), tid)
                linked = [v for db, v in ann["N"].get(holder, []) if db == "IdlibKB"]
                assert linked == list(speakers), q["id"]
            assert len(ann["R"]) == len(relations)


# --- the output folder -------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_are_byte_identical_across_runs(fmt, exports, tmp_path):
    """A second run in a fresh process with another hash seed writes the same bytes."""
    out = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-m", "idlib_gold.cli", "export", "--format", fmt, str(out),
                             "--root", str(ROOT)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert snapshot(out) == snapshot(exports / fmt)


def test_a_previous_export_is_replaced_and_nothing_else(repo, tmp_path, cli):
    out = tmp_path / "out"
    assert cli("export", "--format", "conll", str(out), root=repo).code == 0
    first = snapshot(out)
    assert cli("export", "--format", "brat", str(out), root=repo).code == 0  # a previous export: replaced
    assert "annotation.conf" in snapshot(out) and "train.conll" not in snapshot(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "repo"]  # no temporary folder left beside it
    (out / "notes.txt").write_text("mine")  # now it holds a file of the user's
    result = cli("export", "--format", "conll", str(out), root=repo)
    assert result.code == 2 and "not empty" in result.err
    assert (out / "notes.txt").read_text() == "mine" and "annotation.conf" in snapshot(out)
    (out / "notes.txt").unlink()
    assert cli("export", "--format", "conll", str(out), root=repo).code == 0
    assert snapshot(out) == first


def test_a_failed_rename_keeps_the_previous_export(repo, tmp_path, cli, monkeypatch):
    """If the new folder cannot be renamed into place (the two-rename swap), the previous export is
    put back and no temporary folder is left."""
    import idlib_gold.outputs.swap as swap

    out = tmp_path / "out"
    assert cli("export", "--format", "conll", str(out), root=repo).code == 0
    before = snapshot(out)
    real = os.rename

    def failing(src, dst):
        if ".out.new-" in str(src):
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(swap, "_exchange", lambda a, b: False)
    monkeypatch.setattr(os, "rename", failing)
    result = cli("export", "--format", "brat", str(out), root=repo)
    assert result.code == 2 and "No space left" in result.err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "repo"]


def test_an_empty_folder_is_filled(repo, tmp_path, cli):
    (tmp_path / "out").mkdir()
    assert cli("export", "--format", "conll", str(tmp_path / "out"), root=repo).code == 0
    assert (tmp_path / "out" / "train.conll").is_file()


def _bad_out(case: str, repo: Path, tmp_path: Path) -> str:
    if case == "file":
        (tmp_path / "f").write_text("x")
        return str(tmp_path / "f")
    if case == "symlink":
        (tmp_path / "real").mkdir()
        (tmp_path / "link").symlink_to(tmp_path / "real")
        return str(tmp_path / "link")
    if case == "inside-dataset":
        return str(repo / "dataset" / "export")
    if case == "dataset":
        return str(repo / "dataset")
    if case == "annotations":
        return str(repo / "annotations" / "texts")
    if case == "repository":
        return str(repo)
    if case == "above-repository":
        return str(repo.parent)
    if case == "non-empty":
        (tmp_path / "full").mkdir()
        (tmp_path / "full" / "keep.txt").write_text("x")
        return str(tmp_path / "full")
    if case == "current-folder":
        (tmp_path / "here").mkdir()
        os.chdir(tmp_path / "here")
        return "."
    if case == "empty-name":
        return ""
    if case == "deep-under-a-file":
        (tmp_path / "f").write_text("x")
        return str(tmp_path / "f" / "a" / "b")
    if case == "parent-is-a-file":
        (tmp_path / "f").write_text("x")
        return str(tmp_path / "f" / "out")
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["file", "symlink", "inside-dataset", "dataset", "annotations", "repository",
                                  "above-repository", "non-empty", "parent-is-a-file", "current-folder",
                                  "empty-name", "deep-under-a-file"])
def test_a_bad_out_is_a_usage_error_and_changes_nothing(case, repo, tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = _bad_out(case, repo, tmp_path)
    before, around = snapshot(repo), snapshot(tmp_path)
    result = cli("export", "--format", "brat", out, root=repo)
    assert result.code == 2, (result.out, result.err)
    assert result.err.startswith("idlib-gold: error:") and "Traceback" not in result.err
    assert snapshot(repo) == before and snapshot(tmp_path) == around


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_out_where_nothing_can_be_written_is_a_usage_error(repo, cli):
    result = cli("export", "--format", "conll", "/proc/idlib-gold-export", root=repo)  # even root cannot
    assert result.code == 2 and result.err.startswith("idlib-gold: error:") and "Traceback" not in result.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_an_unwritable_out_is_a_usage_error(repo, tmp_path, cli):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        result = cli("export", "--format", "conll", str(parent / "out"), root=repo)
    finally:
        parent.chmod(0o700)
    assert result.code == 2 and "Permission denied" in result.err


def test_bad_format_and_missing_arguments_are_usage_errors(repo, tmp_path, cli):
    assert cli("export", "--format", "csv", str(tmp_path / "o"), root=repo).code == 2
    assert cli("export", str(tmp_path / "o"), root=repo).code == 2
    assert cli("export", "--format", "conll", root=repo).code == 2
    assert not (tmp_path / "o").exists()


def test_missing_corpus_is_a_usage_error(tmp_path, cli):
    result = cli("export", "--format", "conll", str(tmp_path / "o"), root=tmp_path)
    assert result.code == 2 and "annotations/" in result.err
    assert not (tmp_path / "o").exists()


def test_a_corpus_with_errors_is_refused(repo, tmp_path, cli):
    doc = repo / "annotations" / "docs" / "000_10fe6d47143cad7a.yaml"
    doc.write_text(doc.read_text(encoding="utf-8").replace("start: 6, end: 16", "start: 6, end: 17", 1),
                   encoding="utf-8")
    result = cli("export", "--format", "conll", str(tmp_path / "o"), root=repo)
    assert result.code == 1 and "IG3" in result.out and "left unchanged" in result.out
    assert not (tmp_path / "o").exists() and list(tmp_path.iterdir()) == [repo]


def test_the_export_needs_no_dataset_folder_but_every_text(repo, tmp_path, cli):
    """It reads the annotation files: without dataset/ it exports the same bytes; without a text it
    reports the missing file and writes nothing."""
    import shutil

    assert cli("export", "--format", "brat", str(tmp_path / "with"), root=repo).code == 0
    shutil.rmtree(repo / "dataset")
    assert cli("export", "--format", "brat", str(tmp_path / "without"), root=repo).code == 0
    assert snapshot(tmp_path / "with") == snapshot(tmp_path / "without")
    next((repo / "annotations" / "texts").glob("*.txt")).unlink()
    result = cli("export", "--format", "brat", str(tmp_path / "o"), root=repo)
    assert result.code == 1 and "IG" in result.out and not (tmp_path / "o").exists()
