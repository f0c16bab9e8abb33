"""`idlib-gold build` is deterministic and atomic, and `check` notices a stale dataset/."""

from __future__ import annotations

from conftest import ROOT, snapshot

DOC = "annotations/docs/000_10fe6d47143cad7a.yaml"


def test_committed_dataset_is_what_the_annotations_build(cli):
    result = cli("check", root=ROOT)
    assert result.code == 0, result.out
    assert "PASSED" in result.out


def test_two_builds_are_byte_identical(repo, cli):
    import shutil

    shutil.rmtree(repo / "dataset")
    assert cli("build", root=repo).code == 0
    first = snapshot(repo / "dataset")
    shutil.rmtree(repo / "dataset")
    assert cli("build", root=repo).code == 0
    assert snapshot(repo / "dataset") == first
    assert snapshot(repo / "dataset") == snapshot(ROOT / "dataset")


def test_rebuilding_an_unchanged_dataset_writes_nothing(repo, cli):
    mtimes = {p: p.stat().st_mtime_ns for p in (repo / "dataset").rglob("*.parquet")}
    result = cli("build", root=repo)
    assert result.code == 0 and "unchanged" in result.out
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


def _retag_first_gpe(repo):
    path = repo / DOC
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("entity: turkey}", "entity: turkey, note: \"x\"}", 1).replace(
        "label: NORP", "label: NORP", 1), encoding="utf-8")
    # a real change of content: the first figure's value
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("approximate: true")
    path.write_text(head + "approximate: false" + rest, encoding="utf-8")


def test_editing_an_annotation_makes_check_name_the_stale_files(repo, cli):
    _retag_first_gpe(repo)
    result = cli("check", root=repo)
    assert result.code == 1
    assert "IG601 dataset/data/figures/train.parquet is stale" in result.out
    assert "dataset/data/documents/train.parquet is stale" in result.out
    assert "dataset/README.md is stale" in result.out
    assert "entities/train.parquet is stale" not in result.out  # untouched layer, untouched file
    assert cli("build", root=repo).code == 0
    assert cli("check", root=repo).code == 0


def test_check_reports_missing_and_unexpected_files(repo, cli):
    (repo / "dataset/data/kb/train.parquet").unlink()
    (repo / "dataset/notes.txt").write_text("x")
    result = cli("check", root=repo)
    assert result.code == 1
    assert "IG602 dataset/data/kb/train.parquet is missing" in result.out
    assert "IG603 dataset/notes.txt is not written by the build" in result.out


def test_a_build_that_fails_validation_leaves_dataset_untouched(repo, cli):
    before = snapshot(repo / "dataset")
    path = repo / DOC
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('text: "Turkey"', 'text: "Turkei"', 1), encoding="utf-8")
    result = cli("build", root=repo)
    assert result.code == 1
    assert "IG305" in result.out and "dataset/ left unchanged" in result.out
    assert snapshot(repo / "dataset") == before


def test_a_build_interrupted_while_writing_leaves_dataset_untouched(repo, cli, monkeypatch):
    import errno
    import os

    _retag_first_gpe(repo)
    before = snapshot(repo / "dataset")

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    result = cli("build", root=repo)
    assert result.code == 2 and "No space left on device" in result.err
    assert ".dataset.new-" in result.err and "dataset/ left unchanged" in result.err
    assert snapshot(repo / "dataset") == before
    assert not [p for p in repo.iterdir() if p.name.startswith(".dataset")]


def test_a_large_corpus_builds_a_card_counted_per_split_and_loads(tmp_path, cli, hf_offline):
    """Past MATRIX_MAX documents the card counts per split instead of per document, and still loads."""
    import sys

    from datasets import load_dataset

    from idlib_gold.text.stories import MATRIX_MAX

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "bench"))
    n = MATRIX_MAX + 10
    synth.generate(tmp_path, n, ROOT)
    result = cli("build", root=tmp_path)
    assert result.code == 0, result.out
    card = (tmp_path / "dataset/README.md").read_text(encoding="utf-8")
    documents = card.split("### Documents")[1].split("###")[0]
    assert "| split | documents |" in documents
    split_rows = [line for line in documents.splitlines() if line.startswith(("| train", "| validation", "| test"))]
    assert sum(int(line.split("|")[2]) for line in split_rows) == n
    assert "syn000000" not in card.split("### Entity mentions per label")[1]  # no column per document
    assert "| document | document | overlap |" in card  # overlapping pairs listed, no n × n matrix
    loaded = load_dataset(str(tmp_path / "dataset"), "documents", cache_dir=str(tmp_path / "cache"))
    assert sum(len(split) for split in loaded.values()) == n


def test_the_tables_built_from_columns_equal_those_built_from_rows(tmp_path, corpus):
    """The build writes `ner` and the per-annotation configs from columns; the same rows through
    `Table.from_pylist` give the same bytes and sizes, on the real corpus and on a generated one."""
    import sys

    from idlib_gold.building import folder
    from idlib_gold.building.features import features_for
    from idlib_gold.building.rows import config_rows
    from idlib_gold.checking import pipeline
    from idlib_gold.layout import parquet_path

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "bench"))
    synth.generate(tmp_path, 40, ROOT)
    generated, findings = pipeline.load(tmp_path)
    assert not findings
    for loaded in (corpus, generated):
        for config in ("ner", "entities", "figures", "quotes"):
            files, sizes, counts = {}, {}, {}
            if config == "ner":
                folder._ner_outputs(loaded, files, sizes, counts)
            else:
                folder._layer_outputs(loaded, config, files, sizes, counts)
            rows = config_rows(loaded, config)
            assert counts[config] == {split: len(r) for split, r in rows.items()}
            assert files  # every written split compared below
            for split, split_rows in rows.items():
                name = parquet_path(config, split)
                if name in files:
                    assert (files[name], sizes[name]) == folder._parquet_bytes(split_rows, features_for(config)), name
