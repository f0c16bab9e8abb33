"""Which documents `evaluate` scores, on the real corpus, in every input form: a file that covers one
split is scored as that split (what `export` writes), documents with no prediction count as missed and
are counted, and predictions for none of the scored documents are an error (IG727), never a pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import ROOT, run_cli
from idlib_gold.text.ner import bio_rows

SPLITS = ("train", "validation", "test")
FORMS = ("spans", "bio", "conll", "pipeline")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The CoNLL files `idlib-gold export` writes, one per split."""
    out = tmp_path_factory.mktemp("export") / "conll"
    result = run_cli("export", "--format", "conll", str(out), root=ROOT)
    assert result.code == 0, result.out + result.err
    return out


def _docs(corpus, split: str) -> list:
    return sorted((d for d in corpus.documents if d.data["split"] == split), key=lambda d: d.id)


def _lines(form: str, docs: list) -> list[str]:
    """The gold of `docs` in one input form (CoNLL is written by the export instead)."""
    if form == "spans":
        return [json.dumps({"id": d.id, **{k: d.data[k] for k in ("entities", "figures", "quotes")}}) for d in docs]
    if form == "bio":
        return [json.dumps({"id": r["id"], "ner_tags": r["ner_tags"]}) for d in docs for r in bio_rows(d)]
    assert form == "pipeline"
    return [json.dumps({"id": d.id, "entities": [{"entity_group": a["label"], "start": a["start"], "end": a["end"]}
                                                 for a in d.data["entities"] + d.data["figures"]]}) for d in docs]


def _file(tmp_path: Path, exported: Path, form: str, corpus, split: str) -> Path:
    if form == "conll":
        return exported / f"{split}.conll"
    path = tmp_path / f"{split}.{form}.jsonl"
    path.write_text("\n".join(_lines(form, _docs(corpus, split))) + "\n", encoding="utf-8")
    return path


def _evaluate(path: Path, *extra: str) -> tuple[int, dict, str]:
    result = run_cli("evaluate", str(path), "--format", "json", *extra, root=ROOT)
    assert "Traceback" not in result.out + result.err
    text = run_cli("evaluate", str(path), *extra, root=ROOT)
    assert text.code == result.code
    return result.code, json.loads(result.out), text.out


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("split", SPLITS)
def test_a_file_covering_one_split_is_scored_as_that_split(form, split, corpus, exported, tmp_path):
    code, out, text = _evaluate(_file(tmp_path, exported, form, corpus, split))
    assert code == 0 and out["findings"] == [], out["findings"]
    scores = out["scores"]
    assert (scores["split"], scores["split_from"], scores["unpredicted"]) == (split, "predictions", [])
    assert scores["documents"] == [d.id for d in _docs(corpus, split)]
    assert scores["entities+figures"]["strict"]["micro"]["f1"] == 1.0
    assert f"\nscored as split {split}: the predictions cover exactly its documents\n" in text
    assert text.endswith(f"PASSED: {len(scores['documents'])} document(s) scored (split {split}, the split the "
                         "predictions cover), no findings\n")


@pytest.mark.parametrize("form", ["spans", "bio", "pipeline"])
def test_a_file_covering_part_of_one_split_counts_the_rest_as_missed(form, corpus, tmp_path):
    train = _docs(corpus, "train")
    path = tmp_path / "part.jsonl"
    path.write_text("\n".join(_lines(form, train[:2])) + "\n", encoding="utf-8")
    code, out, text = _evaluate(path)
    assert code == 0  # a warning: the missing document is counted, not an error
    assert [(f["code"], train[2].id in f["message"]) for f in out["findings"]] == [("IG706", True)]
    scores = out["scores"]
    assert (scores["split"], scores["split_from"], scores["unpredicted"]) == ("train", "predictions", [train[2].id])
    micro = scores["entities+figures"]["strict"]["micro"]
    gold = [len(d.data["entities"]) + len(d.data["figures"]) for d in train]
    assert (micro["tp"], micro["predicted"], micro["gold"]) == (gold[0] + gold[1], gold[0] + gold[1], sum(gold))
    assert "\nscored as split train: the predictions cover 2 of its 3 documents\n" in text
    assert "\nnot predicted: 1 of 3 document(s), counted as missed (their gold annotations are false negatives)\n" \
        in text


def test_a_document_not_in_the_corpus_is_an_error_and_the_split_is_still_found(corpus, tmp_path):
    test = _docs(corpus, "test")
    path = tmp_path / "unknown.jsonl"
    path.write_text("\n".join(_lines("spans", test) + ['{"id": "999_nowhere", "entities": []}']) + "\n",
                    encoding="utf-8")
    code, out, _ = _evaluate(path)
    assert code == 1 and [(f["code"], f["line"]) for f in out["findings"]] == [("IG703", 2)]
    assert (out["scores"]["split"], out["scores"]["split_from"]) == ("test", "predictions")


def test_raw_pipeline_lists_are_placed_by_count_and_refused_when_two_splits_fit(corpus, tmp_path):
    """Raw lists carry no id: three lists are train's three documents; one list could be validation's or
    test's one document, and nothing in it says which."""
    for split, expected in (("train", 0), ("test", 1)):
        path = tmp_path / f"{split}.raw.jsonl"
        path.write_text("".join(json.dumps(json.loads(line)["entities"]) + "\n"
                                for line in _lines("pipeline", _docs(corpus, split))), encoding="utf-8")
        code, out, _ = _evaluate(path)
        assert code == expected
        if split == "train":
            assert out["findings"] == [] and out["scores"]["split"] == "train"
            assert out["scores"]["entities+figures"]["strict"]["micro"]["f1"] == 1.0
        else:
            assert [(f["code"], f["line"]) for f in out["findings"]] == [("IG728", 1)]
            assert "--split validation" in out["findings"][0]["hint"]
        code, out, _ = _evaluate(path, "--split", split)
        assert code == 0 and out["scores"]["entities+figures"]["strict"]["micro"]["f1"] == 1.0


@pytest.mark.parametrize("form", FORMS)
def test_no_prediction_for_any_document_of_the_split_is_an_error_not_a_pass(form, corpus, exported, tmp_path):
    path = _file(tmp_path, exported, form, corpus, "train")
    code, out, text = _evaluate(path, "--split", "test")
    assert code == 1
    assert [f["code"] for f in out["findings"]] == ["IG727"]
    assert "none of the 1 document(s) of split test has a prediction; the file predicts documents of train only" \
        in out["findings"][0]["message"]
    scores = out["scores"]
    test = _docs(corpus, "test")
    assert (scores["split"], scores["split_from"], scores["unpredicted"]) == ("test", "option", [test[0].id])
    micro = scores["entities+figures"]["strict"]["micro"]
    assert (micro["tp"], micro["predicted"], micro["gold"]) == (
        0, 0, len(test[0].data["entities"]) + len(test[0].data["figures"]))
    assert "\nnot predicted: 1 of 1 document(s), counted as missed" in text
    assert "PASSED" not in text and text.splitlines()[-1].startswith("FAILED: 1 error(s)")


@pytest.mark.parametrize("form", ["bio", "conll", "pipeline"])
def test_an_empty_file_of_a_token_form_is_not_a_pass(form, tmp_path):
    path = tmp_path / "empty"
    path.write_text("\n", encoding="utf-8")
    code, out, _ = _evaluate(path, "--input-format", form)
    assert code == 1 and [f["code"] for f in out["findings"]] == ["IG727"]


def test_documents_missing_under_split_are_counted_as_missed(corpus, tmp_path):
    train = _docs(corpus, "train")
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(_lines("spans", train[:2] + _docs(corpus, "test"))) + "\n", encoding="utf-8")
    code, out, text = _evaluate(path, "--split", "train")
    assert code == 0 and [f["code"] for f in out["findings"]] == ["IG706"]
    assert out["scores"]["unpredicted"] == [train[2].id] and out["scores"]["split_from"] == "option"
    assert "scored as split" not in text
    assert "\nnot predicted: 1 of 3 document(s), counted as missed" in text
    assert "3 document(s) scored, 1 of them with no prediction" in text.splitlines()[-1]
