"""Token-classifier and pipeline inputs to `evaluate`: shapes detected, tags mapped back to spans as
seqeval reads them, and every bad input a finding with its line (IG710–IG722), never a traceback."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ROOT
from idlib_gold.checking.pipeline import load as load_corpus
from idlib_gold.scoring.token_inputs import detect, row_order
from idlib_gold.text.ner import spans_from_bio


@pytest.fixture(scope="module")
def gold():
    corpus, findings = load_corpus(ROOT)
    assert not findings
    return corpus.documents, row_order(corpus.documents)


def _run(cli, tmp_path, text, *extra, name="p.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = cli("evaluate", str(path), "--format", "json", *extra, root=ROOT)
    out = json.loads(result.out)
    return result.code, out, {f["code"]: f for f in out["findings"]}


def _bio_lines(rows, change=None):
    lines = []
    for n, row in enumerate(rows):
        record = {"id": row.id, "ner_tags": ["O"] * len(row.tokens)}
        if change:
            record = change(n, row, record)
        if record is not None:
            lines.append(json.dumps(record) if not isinstance(record, str) else record)
    return "\n".join(lines) + "\n"


# ---- detection ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, shape", [
    ('{"id": "d", "entities": [{"label": "GPE", "start": 0, "end": 6, "text": "ANKARA"}]}', "spans"),
    ('{"id": "d", "ner_tags": ["O"]}', "bio"),
    ("# comment\nAnkara\tB-GPE\n", "conll"),
    ('[{"entity_group": "GPE", "start": 0, "end": 6, "score": 0.9}]', "pipeline"),
    ('{"id": "d", "entities": [{"entity_group": "GPE", "start": 0, "end": 6}]}', "pipeline"),
    ('{"id": "d", "entities": [{"label": "GPE", "start": 0, "end": 6, "text": "ANKARA", "score": 0.9}]}', "spans"),
    ('{"id": "d", "entities": []}', "spans"),
    ('{"id": "d", "entities": []}\n{"id": "e", "entities": [{"entity_group": "GPE", "start": 0, "end": 6}]}', "pipeline"),
    ('{"id": "d", "entities": []}\n{"id": "e", "entities": [{"label": "GPE", "start": 0, "end": 6, "text": "x"}]}', "spans"),
    ("{not json", "spans"),
    ('{"id": "d", "entities": []}\nnot json', "spans"),
    ("", "spans"),
])
def test_the_shape_is_detected_from_the_first_line(text, shape):
    assert detect(text.encode()) == shape


# ---- BIO reading agrees with seqeval -----------------------------------------------------------------

TAGS = st.lists(st.sampled_from(["O", "B-GPE", "I-GPE", "B-ORG", "I-ORG", "I-DATE"]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(TAGS)
def test_tags_become_the_spans_seqeval_extracts_also_when_ill_formed(tags):
    from seqeval.metrics.sequence_labeling import get_entities

    starts = [10 * k for k in range(len(tags))]
    ends = [s + 5 for s in starts]
    ours = [(label, starts.index(s), ends.index(e)) for s, e, label in spans_from_bio(tags, starts, ends)]
    assert sorted(ours) == sorted(get_entities(list(tags)))


def test_strict_f1_of_a_bio_file_equals_seqeval_on_the_same_tags(cli, tmp_path, gold):
    """Damaged gold tags (dropped B-, relabelled, I- without B-) scored by evaluate and by seqeval."""
    import seqeval.metrics as sm

    _, rows = gold
    from idlib_gold.text.ner import bio_rows

    documents, _ = gold
    true = {r["id"]: r["ner_tags"] for d in documents for r in bio_rows(d)}
    y_true, y_pred, lines = [], [], []
    for n, row in enumerate(rows):
        tags = list(true[row.id])
        for k, tag in enumerate(tags):
            if tag.startswith("B-") and (n + k) % 4 == 0:
                tags[k] = "I-" + tag[2:]          # I- without B-: still a span, as in seqeval
            elif tag.startswith("I-") and (n + k) % 5 == 0:
                tags[k] = "O"                     # a span cut short
            elif tag == "O" and (n + k) % 23 == 0:
                tags[k] = "B-ORG"                 # a false positive
        y_true.append(true[row.id])
        y_pred.append(tags)
        lines.append(json.dumps({"id": row.id, "ner_tags": tags}))
    code, out, found = _run(cli, tmp_path, "\n".join(lines) + "\n", name="damaged.jsonl")
    assert code == 0 and "IG715" in found  # ill-formed, warned, scored
    micro = out["scores"]["entities+figures"]["strict"]["micro"]
    assert 0.3 < micro["f1"] < 0.95
    assert (micro["precision"], micro["recall"], micro["f1"]) == pytest.approx(
        (sm.precision_score(y_true, y_pred), sm.recall_score(y_true, y_pred), sm.f1_score(y_true, y_pred)))


# ---- bad BIO lines ---------------------------------------------------------------------------------

def test_bad_bio_lines_are_findings_with_their_lines(cli, tmp_path, gold):
    _, rows = gold

    def damage(n, row, record):
        if n == 0:
            return '{"id": "x", "tags": []}'                            # IG710
        if n == 1:
            return {"id": "nowhere-p000", "ner_tags": []}               # IG711
        if n == 2:
            record["ner_tags"] = record["ner_tags"][:-1]                # IG713
        if n == 3:
            record["ner_tags"][0] = "B-CITY"                            # IG714
        if n == 4:
            record["ner_tags"][0] = 99                                  # IG714 (id)
        if n == 5:
            record["ner_tags"][0] = "I-GPE"                             # IG715 (warning, scored)
        if n == 6:
            return None                                                 # IG719: row 6 missing
        return record

    text = _bio_lines(rows, damage) + json.dumps({"id": rows[7].id, "ner_tags": ["O"] * len(rows[7].tokens)}) + "\n"
    code, out, found = _run(cli, tmp_path, text, "--input-format", "bio", name="bad.jsonl")
    assert code == 1
    assert found["IG710"]["line"] == 1 and found["IG711"]["line"] == 2 and found["IG713"]["line"] == 3
    assert "B-CITY" in [f for f in out["findings"] if f["code"] == "IG714"][0]["message"]
    assert [f["line"] for f in out["findings"] if f["code"] == "IG714"] == [4, 5]
    assert found["IG715"]["line"] == 6 and found["IG715"]["severity"] == "warning"
    assert found["IG719"]["severity"] == "warning" and rows[6].id in found["IG719"]["message"]
    assert found["IG712"]["line"] == len(rows)  # the appended second line for row 7
    assert out["scores"]["entities"]["strict"]["micro"]["tp"] == 0  # the GPE from I-GPE is a wrong span
    assert out["scores"]["entities"]["strict"]["micro"]["predicted"] == 1


# ---- CoNLL -------------------------------------------------------------------------------------------

def _conll(rows, change=None):
    blocks = []
    for n, row in enumerate(rows):
        pairs = [[t, "O"] for t in row.tokens]
        if change:
            pairs = change(n, pairs)
        blocks.append("".join(" ".join(p) + "\n" for p in pairs))
    return "\n".join(blocks)


def test_bad_conll_files_are_findings_with_their_lines(cli, tmp_path, gold):
    _, rows = gold

    def damage(n, pairs):
        if n == 0:
            pairs[1] = [pairs[1][0]]          # IG716: one column
        if n == 1:
            pairs[0][0] = "Wrong"             # IG717: out of step
        if n == 2:
            pairs.pop()                       # IG713
        if n == 3:
            pairs[0][1] = "B-CITY"            # IG714
        return pairs

    text = _conll(rows, damage) + "\nextra O\n"  # IG718: one sequence too many
    code, out, found = _run(cli, tmp_path, text, name="bad.conll")
    assert code == 1 and out["scores"]["input_format"] == "conll"
    first_of_row1 = len(rows[0].tokens) + 2
    assert found["IG716"]["line"] == 2
    assert found["IG717"]["line"] == first_of_row1 and "'Wrong'" in found["IG717"]["message"]
    assert {"IG713", "IG714", "IG718"} <= set(found)


def test_a_conll_file_of_one_split_is_matched_to_that_splits_rows(cli, tmp_path, gold):
    _, rows = gold
    test_rows = [r for r in rows if r.split == "test"]
    code, out, found = _run(cli, tmp_path, _conll(test_rows), "--split", "test", name="test.conll")
    assert code == 0 and out["findings"] == []
    assert out["scores"]["entities"]["strict"]["micro"]["predicted"] == 0
    assert out["scores"]["entities"]["strict"]["micro"]["gold"] > 0


# ---- pipeline spans ------------------------------------------------------------------------------------

def test_pipeline_spans_by_id_and_as_raw_lists(cli, tmp_path, gold):
    documents, _ = gold
    docs = sorted(documents, key=lambda d: (["train", "validation", "test"].index(d.data["split"]), d.id))
    keyed, raw = [], []
    for d in docs:
        spans = [{"entity_group": a["label"], "start": a["start"] - (1 if a["start"] and d.text[a["start"] - 1] == " " else 0),
                  "end": a["end"], "score": 0.9, "word": "ignored"} for a in d.data["entities"] + d.data["figures"]]
        keyed.append(json.dumps({"id": d.id, "entities": spans}))
        raw.append(json.dumps(spans))
    for name, lines in (("keyed.jsonl", keyed), ("raw.jsonl", raw)):
        code, out, _ = _run(cli, tmp_path, "\n".join(lines) + "\n", name=name)
        assert code == 0 and out["findings"] == [] and out["scores"]["input_format"] == "pipeline"
        assert out["scores"]["entities+figures"]["strict"]["micro"]["f1"] == 1.0  # leading spaces trimmed


def test_bad_pipeline_lines_are_findings_with_their_lines(cli, tmp_path, gold):
    documents, _ = gold
    d = [d for d in documents if d.data["split"] == "test"][0]  # last in load order: raw lists meet it last
    lines = [
        json.dumps({"id": d.id, "entities": [{"entity_group": "GPE", "start": 0, "end": 10 ** 7}]}),  # IG720
        json.dumps({"id": d.id, "entities": [{"entity_group": "LOC", "start": 0, "end": 6}]}),        # IG704
        json.dumps({"id": "nowhere", "entities": [{"entity_group": "PER", "start": 0, "end": 6}]}),   # IG703
        json.dumps({"id": 5, "entities": []}),                                                       # IG722
        json.dumps([{"entity": "B-GPE", "start": 0, "end": 6, "score": 0.9}]),                       # IG720 hint
        json.dumps([{"entity_group": "PER", "start": 0, "end": 6}]),                                 # IG721
        "[1, 2",                                                                                     # IG701
    ] + [json.dumps([])] * 6                                                                          # IG718
    code, out, found = _run(cli, tmp_path, "\n".join(lines) + "\n", "--input-format", "pipeline", name="bad.jsonl")
    assert code == 1
    by_line = {(f["code"], f["line"]) for f in out["findings"]}
    assert {("IG720", 1), ("IG704", 2), ("IG703", 3), ("IG722", 4), ("IG720", 5), ("IG721", 6), ("IG701", 7)} <= by_line
    assert "aggregation_strategy" in [f for f in out["findings"] if f["line"] == 5][0]["hint"]
    assert "IG718" in found


def test_empty_and_binary_inputs_of_each_shape_do_not_crash(cli, tmp_path):
    for form in ("bio", "conll", "pipeline"):
        for text in ("", "\n\n", "\x00\x01 \xff"):
            result = cli("evaluate", str(_write_bytes(tmp_path / "x", text)), "--input-format", form, root=ROOT)
            assert result.code in (0, 1) and "Traceback" not in result.out


def _write_bytes(path, text):
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return path
