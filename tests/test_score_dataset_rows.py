"""The dataset's own rows, as `load_dataset` returns them, are predictions that score 1.0 on every layer.

Each config is written back the way a user would: `documents` rows as they are (ClassLabel ids,
null fields and `speaker_entity` lists included), the per-annotation configs grouped by `doc_id`,
and the `ner` rows as BIO tags (ids, names, and a CoNLL file). Nothing is decoded by hand.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from helpers import ROOT

SCORE_KEYS = {"precision", "recall", "f1", "accuracy", "mean_f1"}


def _load(config, cache):
    from datasets import load_dataset

    ds = load_dataset(str(ROOT / "dataset"), config, cache_dir=str(cache))
    return [row for split in ("train", "validation", "test") if split in ds for row in ds[split]]


def _scores(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SCORE_KEYS:
                yield f"{path}.{key}", value
            else:
                yield from _scores(value, f"{path}.{key}")


def _evaluate(cli, path, *extra):
    result = cli("evaluate", str(path), "--format", "json", *extra, root=ROOT)
    out = json.loads(result.out)
    assert result.code == 0 and out["findings"] == [], result.out[:2000]
    return out["scores"]


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _assert_perfect(scores, layers):
    assert scores["layers"] == layers and len(scores["documents"]) == 5
    found = list(_scores(scores))
    assert len(found) > 10
    assert [(p, v) for p, v in found if v != 1.0] == []


def test_documents_rows_score_perfectly(cli, hf_offline, tmp_path):
    rows = _load("documents", hf_offline)
    assert any(q["speaker_entity"] == [] for r in rows for q in r["quotes"])  # the shape that was refused
    records = [{"id": r["id"], "entities": r["entities"], "figures": r["figures"], "quotes": r["quotes"]}
               for r in rows]
    scores = _evaluate(cli, _write_jsonl(tmp_path / "documents.jsonl", records))
    _assert_perfect(scores, ["entities", "figures", "quotes"])
    assert scores["quotes"]["parts"]["speaker"]["exact"]["f1"] == 1.0  # speaker spans are scored too


@pytest.mark.parametrize("config", ["entities", "figures", "quotes"])
def test_per_annotation_rows_grouped_by_document_score_perfectly(cli, hf_offline, tmp_path, config):
    by_doc = defaultdict(list)
    for row in _load(config, hf_offline):
        by_doc[row.pop("doc_id")].append(row)
    documents = _load("documents", hf_offline)
    records = [{"id": d["id"], config: by_doc.get(d["id"], [])} for d in documents]
    scores = _evaluate(cli, _write_jsonl(tmp_path / f"{config}.jsonl", records))
    _assert_perfect(scores, [config])
@pytest.mark.parametrize("tags_as", ["ids", "names"])
def test_ner_rows_as_bio_json_lines_score_perfectly(cli, hf_offline, tmp_path, tags_as):
    from idlib_gold.text.ner import tag_names

    names = tag_names()
    rows = _load("ner", hf_offline)
    records = [{"id": r["id"], "ner_tags": r["ner_tags"] if tags_as == "ids" else [names[t] for t in r["ner_tags"]]}
               for r in rows]
    scores = _evaluate(cli, _write_jsonl(tmp_path / "ner.jsonl", records))
    _assert_perfect(scores, ["entities", "figures"])


def test_ner_rows_as_conll_score_perfectly(cli, hf_offline, tmp_path):
    from idlib_gold.text.ner import tag_names

    names = tag_names()
    rows = _load("ner", hf_offline)
    blocks = ["".join(f"{token}\t{names[tag]}\n" for token, tag in zip(r["tokens"], r["ner_tags"])) for r in rows]
    path = tmp_path / "ner.conll"
    path.write_text("\n".join(blocks), encoding="utf-8")
    scores = _evaluate(cli, path)
    _assert_perfect(scores, ["entities", "figures"])


def test_a_classlabel_id_past_the_last_name_is_a_finding(cli, tmp_path):
    record = {"id": "003_e4f66969423e83e9", "entities": [{"label": 13, "start": 0, "end": 6, "text": "Turkey"}],
              "quotes": [{"type": 3, "content": {"start": 0, "end": 6, "text": "Turkey"}}]}
    result = cli("evaluate", str(_write_jsonl(tmp_path / "p.jsonl", [record])), "--format", "json", root=ROOT)
    out = json.loads(result.out)
    assert result.code == 1
    assert [(f["code"], f["line"], f["message"].split(":")[0]) for f in out["findings"]] == [
        ("IG702", 1, "entities[0].label"), ("IG702", 1, "quotes[0].type")]


def test_the_json_output_keeps_every_field_it_had_and_adds_new_ones(cli, hf_offline, tmp_path):
    """Existing users read these keys; new scores are added beside them, never renamed."""
    rows = _load("documents", hf_offline)
    records = [{"id": r["id"], "entities": r["entities"], "figures": r["figures"], "quotes": r["quotes"]}
               for r in rows]
    scores = _evaluate(cli, _write_jsonl(tmp_path / "documents.jsonl", records))
    assert {"predictions", "split", "documents", "layers", "notes", "entities", "figures", "entities+figures",
            "quotes"} <= set(scores)
    assert {"strict", "partial", "attributes"} <= set(scores["figures"])
    assert {"content_exact", "content_token", "speaker_entity", "type", "cue"} <= set(scores["quotes"])
    assert {"parts", "speaker_entity_link"} <= set(scores["quotes"]) and scores["input_format"] == "spans"
