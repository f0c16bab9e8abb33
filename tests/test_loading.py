"""What ML users see: `load_dataset("./dataset")` offline, typed, matching the annotation files."""

from __future__ import annotations

import shutil

import pytest
import yaml

from helpers import ROOT

CONFIGS = ["documents", "entities", "figures", "quotes"]


def _gold():
    docs = {}
    for path in sorted((ROOT / "annotations/docs").glob("*.yaml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        d["text"] = (ROOT / "annotations/texts" / f"{path.stem}.txt").read_text(encoding="utf-8")
        docs[path.stem] = d
    return docs


@pytest.fixture(scope="module")
def gold():
    return _gold()


def test_default_config_is_documents_with_three_splits(hf_offline, gold):
    from datasets import load_dataset

    ds = load_dataset(str(ROOT / "dataset"), cache_dir=str(hf_offline))
    assert set(ds) == {"train", "validation", "test"}
    for split, part in ds.items():
        assert sorted(part["id"]) == sorted(i for i, d in gold.items() if d["split"] == split)
    names = ds["train"].features["entities"].feature["label"].names
    assert names[:5] == ["PERSON", "NORP", "FAC", "ORG", "GPE"] and "TIME" in names
    assert ds["train"].features["quotes"].feature["type"].names == ["direct", "indirect", "mixed"]


@pytest.mark.parametrize("config", CONFIGS + ["kb"])
def test_each_config_loads_with_the_annotated_row_counts(hf_offline, gold, config):
    from datasets import load_dataset

    ds = load_dataset(str(ROOT / "dataset"), config, cache_dir=str(hf_offline))
    if config == "kb":
        kb = yaml.safe_load((ROOT / "annotations/kb.yaml").read_text(encoding="utf-8"))
        assert list(ds) == ["train"] and ds["train"].num_rows == len(kb["entries"])
        assert ds["train"].features["type"].names[0] == "PERSON"
        return
    for split, part in ds.items():
        in_split = [d for d in gold.values() if d["split"] == split]
        expected = len(in_split) if config == "documents" else sum(len(d[config]) for d in in_split)
        assert part.num_rows == expected, (config, split)


def test_every_loaded_span_equals_its_slice_of_the_text(hf_offline, gold):
    from datasets import load_dataset

    ds = load_dataset(str(ROOT / "dataset"), cache_dir=str(hf_offline))
    checked = 0
    for part in ds.values():
        for row in part:
            text = row["text"]
            spans = [e for e in row["entities"]] + [f for f in row["figures"]]
            spans += [f["measured"] for f in row["figures"] if f["measured"]]
            spans += [q[k] for q in row["quotes"] for k in ("content", "speaker", "cue", "addressee") if q[k]]
            for s in spans:
                assert text[s["start"]:s["end"]] == s["text"]
                checked += 1
    assert checked == sum(
        len(d["entities"]) + len(d["figures"]) + sum(1 for f in d["figures"] if f["measured"])
        + sum(1 for q in d["quotes"] for k in ("content", "speaker", "cue", "addressee") if q[k])
        for d in gold.values())


def test_labels_round_trip_through_classlabel(hf_offline, gold):
    from datasets import load_dataset

    ds = load_dataset(str(ROOT / "dataset"), "entities", cache_dir=str(hf_offline))
    names = ds["train"].features["label"]
    loaded = {(r["doc_id"], r["id"]): names.int2str(r["label"]) for part in ds.values() for r in part}
    expected = {(d, e["id"]): e["label"] for d, doc in gold.items() for e in doc["entities"]}
    assert loaded == expected


def test_a_rebuilt_dataset_is_not_served_from_a_stale_cache(hf_offline, repo, cli):
    from datasets import load_dataset

    before = load_dataset(str(repo / "dataset"), "figures", cache_dir=str(hf_offline))
    first = before["train"][0]
    path = repo / "annotations/docs" / f"{first['doc_id']}.yaml"
    text = path.read_text(encoding="utf-8")
    old = f"id: {first['id']}, "
    line = next(l for l in text.splitlines() if old in l)
    new_value = first["value"] + 1
    changed = line.replace(f"value: {first['value']:g},", f"value: {new_value:g},", 1)
    assert changed != line
    path.write_text(text.replace(line, changed), encoding="utf-8")
    # the text still says the old number, so the value check would refuse it: keep the test about caching
    value_text = first["text"]
    if any(ch.isdigit() for ch in value_text):
        changed = changed.replace("approximate: true", "approximate: false") if "approximate: true" in changed \
            else changed.replace("approximate: false", "approximate: true")
        path.write_text(text.replace(line, changed), encoding="utf-8")
        flipped = not first["approximate"]
    else:
        flipped = first["approximate"]
    assert cli("build", root=repo).code == 0
    after = load_dataset(str(repo / "dataset"), "figures", cache_dir=str(hf_offline))
    assert after["train"][0]["approximate"] == flipped
    assert after["train"].cache_files[0]["filename"] != before["train"].cache_files[0]["filename"]


def test_the_dataset_folder_works_when_copied_elsewhere(hf_offline, tmp_path):
    from datasets import load_dataset

    copy = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "dataset", copy)
    assert load_dataset(str(copy), "quotes", cache_dir=str(hf_offline))["train"].num_rows > 0


def test_a_corpus_with_an_empty_split_builds_a_loadable_dataset(hf_offline, tmp_path, cli):
    """The small fixture corpus has no test document: no empty file is written, and loading works."""
    from datasets import load_dataset

    repo = tmp_path / "mini"
    shutil.copytree(ROOT / "tests/fixtures/base", repo)
    assert cli("build", root=repo).code == 0
    assert not (repo / "dataset/data/documents/test.parquet").exists()
    ds = load_dataset(str(repo / "dataset"), cache_dir=str(hf_offline))
    assert set(ds) == {"train", "validation"}
    assert cli("validate", "--parquet", str(repo / "dataset"), root=repo).code == 0


def test_the_card_header_reads_back_through_huggingface_hub():
    """huggingface_hub's own card reader gets exactly the metadata the build wrote."""
    from huggingface_hub import DatasetCard

    text = (ROOT / "dataset/README.md").read_text(encoding="utf-8")
    written = yaml.safe_load(text.split("---\n")[1])
    card = DatasetCard(text)
    assert card.data.to_dict() == written
    assert [c["config_name"] for c in card.data.to_dict()["configs"]] == CONFIGS + ["ner", "kb"]


def test_the_cards_pandas_advice_keeps_offsets_integer(monkeypatch, hf_offline):
    """The card's snippet runs as written and keeps nullable offsets integer, where the plain
    `to_pandas()` it warns about turns them into floats."""
    import re

    import pandas as pd
    import pyarrow.parquet as pq

    card = (ROOT / "dataset" / "README.md").read_text(encoding="utf-8")
    section = card[card.index("**Offsets in pandas.**"):]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    monkeypatch.chdir(ROOT)
    names: dict = {}
    exec(compile(code, "dataset/README.md", "exec"), names)
    table = names["quotes"]
    speaker = table["speaker.start"].to_pylist()
    assert None in speaker and all(isinstance(v, int) for v in speaker if v is not None)
    assert table.to_pandas()["speaker.start"].dtype == "float64"  # what the card warns about
    arrow = table.to_pandas(types_mapper=pd.ArrowDtype)["speaker.start"]
    assert str(arrow.dtype) == "int32[pyarrow]"
    assert [None if pd.isna(v) else v for v in arrow] == speaker
    assert [None if pd.isna(v) else v for v in names["df"]["speaker.start"]] == speaker
    polars = names["pl_df"]["speaker.start"]
    assert str(polars.dtype) == "Int32" and polars.to_list() == speaker
    assert pq.read_table(ROOT / "dataset/data/quotes/train.parquet").num_rows == len(speaker)


def test_no_project_code_converts_tables_through_pandas():
    """Offsets never pass through float in the project: no table goes through `to_pandas()`
    without Arrow types (the table checks use polars)."""
    import re

    calls = []
    for path in sorted((ROOT / "src").rglob("*.py")):
        for m in re.finditer(r"\.to_pandas\(([^)]*)\)", path.read_text(encoding="utf-8")):
            if "types_mapper" not in m[1]:
                calls.append(f"{path.relative_to(ROOT)}: {m[0]}")
    assert calls == []
