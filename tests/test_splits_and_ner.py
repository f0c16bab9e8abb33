"""Leakage-free splits measured from the texts, and the token-level `ner` view."""

from __future__ import annotations

import yaml

from helpers import ROOT
from idlib_gold.text.ner import bio_rows, flat_spans, spans_from_bio, tag_names
from idlib_gold.text.stories import assign_splits, story_groups
from idlib_gold.text.stories import containment_of_pairs as overlaps
from idlib_gold.text.tokens import tokenize


def test_stories_are_measured_from_the_texts(corpus):
    texts = {d.id: d.text for d in corpus.documents}
    groups = story_groups(texts)
    declared = {}
    for d in corpus.documents:
        declared.setdefault(d.data["story"], set()).add(d.id)
    assert sorted(map(sorted, declared.values())) == sorted(groups)
    syndicated = [g for g in groups if len(g) > 1]
    assert syndicated == [["001_340019b8c38c476d", "004_6eacc837ce207b5e"]]
    assert overlaps(texts)[("001_340019b8c38c476d", "004_6eacc837ce207b5e")] > 0.4


def test_a_large_corpus_keeps_only_listed_pairs_and_the_same_stories(corpus):
    """Above MATRIX_MAX documents the measurement keeps the pairs the card lists, and nothing it
    drops could have joined two documents into a story."""
    from idlib_gold.text.stories import LISTED, MATRIX_MAX, measure

    texts = {}
    for copy in range(MATRIX_MAX // len(corpus.documents) + 2):
        for d in corpus.documents:
            words = d.text.split()
            texts[f"{copy:02d}-{d.id}"] = " ".join(words[copy * 7:] + words[:copy * 7])  # rotated copies
    assert len(texts) > MATRIX_MAX
    full = overlaps(texts)
    measured = measure(texts)
    assert measured.pairs == {pair: v for pair, v in full.items() if v >= LISTED}
    assert any(v < LISTED for v in full.values())  # something was dropped
    assert measured.groups == story_groups(texts)


def test_no_story_is_on_both_sides_of_a_split(corpus):
    split_of = {}
    for d in corpus.documents:
        assert split_of.setdefault(d.data["story"], d.data["split"]) == d.data["split"]
    rule = assign_splits(story_groups({d.id: d.text for d in corpus.documents}))
    assert {d.id: d.data["split"] for d in corpus.documents} == rule


def test_the_split_rule_keeps_stories_whole_and_follows_the_targets():
    groups = [["a", "b", "c"], ["d"], ["e", "f"], ["g"], ["h"], ["i"], ["j"]]
    splits = assign_splits(groups)
    for g in groups:
        assert len({splits[d] for d in g}) == 1
    counts = {s: sum(1 for v in splits.values() if v == s) for s in ("train", "validation", "test")}
    assert counts == {"train": 6, "validation": 2, "test": 2}
    assert assign_splits(list(reversed(groups))) == splits  # order of input does not matter


def test_moving_one_syndicated_copy_to_another_split_fails_validation(repo, cli):
    path = repo / "annotations/docs/004_6eacc837ce207b5e.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("split: train", "split: test"), encoding="utf-8")
    result = cli("validate", root=repo)
    assert result.code == 1
    assert "IG317 story story-001 is split across splits" in result.out


def test_renaming_a_story_against_the_measured_overlap_fails_validation(repo, cli):
    path = repo / "annotations/docs/004_6eacc837ce207b5e.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("story: story-001", "story: story-004"),
                    encoding="utf-8")
    result = cli("validate", root=repo)
    assert result.code == 1 and "IG320" in result.out


def test_tokenizer_never_looks_at_annotations_and_splits_hyphens():
    text = "Russian-backed forces displaced 390,000 (3.6 million) people – Turkey’s"
    tokens = [text[s:e] for s, e in tokenize(text)]
    assert tokens == ["Russian", "-", "backed", "forces", "displaced", "390,000", "(", "3.6", "million", ")",
                      "people", "–", "Turkey", "’", "s"]


def test_bio_tags_round_trip_to_the_gold_spans_for_every_document(corpus):
    for doc in corpus.documents:
        spans = []
        for row in bio_rows(doc):
            spans += spans_from_bio(row["ner_tags"], row["token_starts"], row["token_ends"])
            for tok, s, e in zip(row["tokens"], row["token_starts"], row["token_ends"]):
                assert doc.text[s:e] == tok
        assert sorted(spans) == flat_spans(doc.data), doc.id


def test_ner_config_loads_with_classlabel_names_and_round_trips(hf_offline, corpus):
    from datasets import load_dataset

    ds = load_dataset(str(ROOT / "dataset"), "ner", cache_dir=str(hf_offline))
    names = ds["train"].features["ner_tags"].feature.names
    assert names == tag_names() and len(names) == 37 and names[:3] == ["O", "B-PERSON", "I-PERSON"]
    texts = {d.id: d for d in corpus.documents}
    got = {}
    for part in ds.values():
        for row in part:
            tags = [names[t] for t in row["ner_tags"]]
            got.setdefault(row["doc_id"], []).extend(spans_from_bio(tags, row["token_starts"], row["token_ends"]))
    assert {d: sorted(v) for d, v in got.items()} == {d: flat_spans(doc.data) for d, doc in texts.items()}
    splits = {d.id: d.data["split"] for d in corpus.documents}
    for split, part in ds.items():
        assert {splits[r] for r in part["doc_id"]} == {split}


def test_card_states_the_overlap_matrix_and_the_test_size():
    card = (ROOT / "dataset/README.md").read_text(encoding="utf-8")
    assert "| overlap | 000 | 001 | 002 | 003 | 004 |" in card
    assert "**The test split is small**" in card
    header = yaml.safe_load(card.split("---\n")[1])
    for key in ("license", "language", "task_categories", "task_ids", "size_categories", "pretty_name",
                "configs", "dataset_info"):
        assert key in header, key
    assert {c["config_name"] for c in header["configs"]} == {"documents", "entities", "figures", "quotes", "ner", "kb"}


def test_a_stale_card_fails_check(repo, cli):
    card = repo / "dataset/README.md"
    card.write_text(card.read_text(encoding="utf-8").replace("## Limitations", "## Limits"), encoding="utf-8")
    result = cli("check", root=repo)
    assert result.code == 1 and "IG601 dataset/README.md is stale" in result.out


def test_stale_croissant_metadata_fails_check(repo, cli):
    meta = repo / "dataset/croissant.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"sha256": "', '"sha256": "0', 1), encoding="utf-8")
    result = cli("check", root=repo)
    assert result.code == 1 and "IG601 dataset/croissant.json is stale" in result.out
