"""`idlib-gold build` is deterministic and atomic, and `check` notices a stale dataset/."""

from __future__ import annotations

import shutil

import pytest

from helpers import ROOT, snapshot

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

    from bench import synth
    from datasets import load_dataset

    from idlib_gold.text.stories import MATRIX_MAX
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
    """The build writes every split table column by column (building/columns.py); the rows of
    `rows.config_rows` through `Table.from_pylist` give the same bytes and sizes, on the real corpus
    and on a generated one with non-ASCII text (the `ner` tokens are cut from UTF-8 bytes)."""

    import pyarrow as pa
    from bench import synth

    from idlib_gold.building import folder
    from idlib_gold.building.features import features_for
    from idlib_gold.building.rows import config_rows
    from idlib_gold.checking import pipeline
    from idlib_gold.layout import SPLIT_CONFIGS, parquet_path
    synth.generate(tmp_path, 40, ROOT)
    generated, findings = pipeline.load(tmp_path)
    assert not findings
    assert any(not d.text.isascii() for d in generated.documents)
    for loaded in (corpus, generated):
        files = folder.render_outputs(loaded)
        for config in SPLIT_CONFIGS:
            rows = config_rows(loaded, config)
            written = [split for split in rows if parquet_path(config, split) in files]
            assert written == [split for split, r in rows.items() if r]  # every non-empty split, compared below
            for split in written:
                table = pa.Table.from_pylist(rows[split], schema=features_for(config).arrow_schema)
                assert files[parquet_path(config, split)] == folder._table_bytes(table)[0], (config, split)


# --- dataset/ holds only plain files, compared byte for byte -------------------------------------------

PLANTED = {"link to the same bytes": "a symbolic link", "dangling link": "a symbolic link", "FIFO": "a FIFO",
           "device": "a character device", "socket": "a socket", "the same bytes, executable": "an executable file"}


def _plant(path, kind: str, tmp_path):
    """Put `kind` where the regular file `path` was."""
    import os
    import socket
    import stat

    data = path.read_bytes()
    if kind == "the same bytes, executable":  # git commits the bit: another file than the one built
        path.chmod(0o755)
        return
    path.unlink()
    if kind == "link to the same bytes":
        (tmp_path / "copy").write_bytes(data)
        path.symlink_to(tmp_path / "copy")
    elif kind == "dangling link":
        path.symlink_to(tmp_path / "nowhere")
    elif kind == "FIFO":
        os.mkfifo(path)
    elif kind == "device":
        try:
            os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
        except PermissionError:
            pytest.skip("making a device node needs privileges")
    else:
        with socket.socket(socket.AF_UNIX) as sock:
            try:
                sock.bind(str(path))
            except OSError:  # a path too long for a socket address
                pytest.skip("no socket at this path")


@pytest.mark.parametrize("kind", list(PLANTED))
def test_anything_but_a_plain_file_in_dataset_is_named_and_build_replaces_it(clone, cli, tmp_path, kind):
    import os
    import stat

    assert cli("check", root=clone).code == 0  # a stamp vouches for the plain folder
    _plant(clone / "dataset/README.md", kind, tmp_path)
    result = cli("check", root=clone)
    assert result.code == 1
    assert f"IG604 dataset/README.md is {PLANTED[kind]}; dataset/ holds only plain files" in result.out
    assert "IG602" not in result.out and "Traceback" not in result.out + result.err
    built = cli("build", root=clone)
    assert built.code == 0 and "wrote dataset/" in built.out
    st = os.lstat(clone / "dataset/README.md")
    assert stat.S_ISREG(st.st_mode) and not st.st_mode & 0o111
    assert cli("check", root=clone).code == 0


def test_a_linked_folder_in_dataset_is_not_followed(clone, cli, tmp_path):
    import shutil

    kb = clone / "dataset/data/kb"
    shutil.copytree(kb, tmp_path / "kb")
    shutil.rmtree(kb)
    kb.symlink_to(tmp_path / "kb")
    result = cli("check", root=clone)
    assert result.code == 1 and "IG604 dataset/data/kb is a symbolic link" in result.out
    assert "IG602" not in result.out  # the files under it are not named again
    assert cli("build", root=clone).code == 0 and not kb.is_symlink()
    assert (tmp_path / "kb/train.parquet").is_file()  # the link's target is left alone


def test_a_parquet_file_with_the_same_rows_in_other_bytes_is_stale(clone, cli):
    """Bytes, not tables: croissant.json records each file's SHA-256 and size, the card its size."""
    import pyarrow.parquet as pq

    path = clone / "dataset/data/kb/train.parquet"
    table = pq.read_table(path)
    pq.write_table(table, path, compression="snappy", row_group_size=10)
    assert pq.read_table(path).equals(table)
    result = cli("check", root=clone)
    assert result.code == 1
    assert "IG601 dataset/data/kb/train.parquet is stale: it differs from what the annotations build " \
           "(the same rows, encoded otherwise)" in result.out
    result = cli("validate", "--parquet", str(clone / "dataset"), root=clone)
    assert result.code == 1 and "dataset/data/kb/train.parquet: IG404" in result.out


def _stale_copy(tmp_path):
    import shutil

    repo = tmp_path / "repo"
    for name in ("annotations", "schema", "dataset"):
        shutil.copytree(ROOT / name, repo / name)
    path = repo / DOC
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("approximate: true", "approximate: false", 1), encoding="utf-8")
    return repo


@pytest.mark.slow
def test_check_on_a_stale_dataset_exits_1_every_time(tmp_path):
    """Comparing a stale Parquet file used to start Arrow's thread pool, which, still running at
    exit, aborted the process (exit 134, "terminate called without an active exception") in about
    one run in ten. Run as a whole process, as the command line is, 30 times."""
    import subprocess
    import sys
    from collections import Counter

    repo = _stale_copy(tmp_path)
    main = "import sys; from idlib_gold.cli import main; sys.exit(main(sys.argv[1:]))"
    codes, errors = Counter(), set()
    for _ in range(30):
        run = subprocess.run([sys.executable, "-c", main, "check", "--root", str(repo)],
                             capture_output=True, text=True, timeout=300)
        codes[run.returncode] += 1
        if run.returncode != 1:
            errors.add(run.stderr.strip()[-200:])
    assert codes == {1: 30}, (codes, errors)


@pytest.mark.parametrize("threshold, imported_first", [(10_000, False), (1, True)], ids=["small", "large"])
def test_a_large_corpus_has_renderings_imports_made_before_it_is_loaded(repo, cli, monkeypatch, threshold,
                                                                       imported_first):
    """Rendering's imports (pyarrow, and the pandas it loads) are made before a corpus of worker-process
    size is loaded, not among its objects; a small corpus is loaded without them."""
    from idlib_gold.building import dataset, folder

    monkeypatch.setattr(dataset, "PARALLEL_MIN", threshold)
    order: list[str] = []
    real_import, real_load = folder.import_renderers, dataset.load_checked
    monkeypatch.setattr(folder, "import_renderers", lambda: order.append("imports") or real_import())
    monkeypatch.setattr(dataset, "load_checked", lambda *a, **k: order.append("load") or real_load(*a, **k))
    assert cli("build", root=repo).code == 0
    assert order == (["imports", "load"] if imported_first else ["load"])


# --- a rebuild that changes no table does not check the tables again -------------------------------

def _counted_table_checks(monkeypatch) -> list[int]:
    """Count the table checks builds run from now on (each appends the number of findings)."""
    from idlib_gold.checking import tables

    runs: list[int] = []
    real = tables.validate_built

    def counted(*args, **kwargs):
        found = real(*args, **kwargs)
        runs.append(len(found))
        return found

    monkeypatch.setattr(tables, "validate_built", counted)
    return runs


def test_a_rebuild_that_changes_no_table_does_not_check_the_tables_again(clone, cli, monkeypatch):
    runs = _counted_table_checks(monkeypatch)
    assert cli("build", root=clone).code == 0 and runs == [0]
    path = clone / DOC
    path.write_text(path.read_text(encoding="utf-8") + "# a comment changes no table\n", encoding="utf-8")
    result = cli("build", root=clone)
    assert result.code == 0 and runs == [0]  # the card names the new sources, the tables are the same
    assert cli("check", root=clone).code == 0
    _retag_first_gpe(clone)  # a changed value changes the tables: checked
    assert cli("build", root=clone).code == 0 and runs == [0, 0]
    assert cli("build", root=clone).code == 0 and runs == [0, 0]
    from idlib_gold.layout import CONFIGS

    kept = sorted(p.name for p in (clone / ".idlib-gold-cache").glob("tables-*"))
    files = list((clone / "dataset" / "data").rglob("*.parquet"))
    assert len(kept) == 1 + len(files) > 1 + len(CONFIGS)  # the last clean build's only: the whole, and each file


def _counted_config_checks(monkeypatch) -> list[str]:
    """The configs whose rows builds check from now on."""
    from idlib_gold.checking import tables

    checked: list[str] = []
    real = tables._check_config

    def counted(config, model, splits, *rest):
        checked.append(config)
        checked_splits.append((config, [split for split, _ in splits]))
        return real(config, model, splits, *rest)

    monkeypatch.setattr(tables, "_check_config", counted)
    checked_splits.clear()
    return checked


#: (config, its splits checked) of each config check since `_counted_config_checks`
checked_splits: list[tuple[str, list[str]]] = []


def test_a_rebuild_checks_again_only_the_configs_whose_files_changed(clone, cli, monkeypatch):
    from idlib_gold.layout import CONFIGS

    checked = _counted_config_checks(monkeypatch)
    assert cli("build", root=clone).code == 0 and checked == list(CONFIGS)
    checked.clear()
    checked_splits.clear()
    _retag_first_gpe(clone)  # a figure's value: documents and figures change, nothing else, in one split
    assert cli("build", root=clone).code == 0 and checked == ["documents", "figures"]
    split = _split_of(clone, DOC)
    assert checked_splits == [("documents", [split]), ("figures", [split])]
    assert cli("check", root=clone).code == 0
    checked.clear()
    path = clone / DOC  # an entity taken out: entities, documents and the ner tags change (and a warning)
    line = '  - {id: e13, label: GPE, start: 735, end: 741, text: "Russia", entity: russia}\n'
    text = path.read_text(encoding="utf-8")
    assert line in text
    path.write_text(text.replace(line, ""), encoding="utf-8")
    result = cli("build", root=clone)
    assert result.code == 0 and sorted(checked) == ["documents", "entities", "ner"], result.out


def _split_of(root, doc: str) -> str:
    from idlib_gold.reading.files import read_yaml

    return read_yaml(root / doc, doc)[0].data["split"]


def test_a_split_check_is_taken_only_for_the_same_file_and_lookups(clone):
    """A split's kept check answers for its own file and for the lookups every config reads (texts, KB
    types, the KB ids in use): any of them changed, it is checked again."""
    import polars as pl

    from idlib_gold.checking import tables

    files = snapshot(clone / "dataset")
    digests = {name: __import__("hashlib").sha256(data).digest() for name, data in files.items()}
    frames = {config: {path.split("/")[2][:-len(".parquet")]: pl.from_arrow(tables._decoded(files[path]))
                       for path in files if path.startswith(f"data/{config}/")}
              for config in ("documents", "kb", "entities", "figures", "quotes")}
    lookups = tables._lookups_digest(*tables._lookups(frames))
    shapes = {config: tables._shapes_digest({split: files[f"data/{config}/{split}.parquet"] for split in frames[config]})[0]
              for config in frames}

    def material(config, split="train", digests=digests, lookups=lookups):
        return tables._split_material(config, split, digests, lookups, shapes[config])

    base = {(config, split): material(config, split) for config in frames for split in frames[config]}
    assert len(set(base.values())) == len(base) > len(frames) and None not in base.values()
    flipped = dict(digests, **{"data/entities/train.parquet": b"\0" * 32})
    assert material("entities", digests=flipped) != base["entities", "train"]
    assert material("entities", "test", flipped) == base["entities", "test"]
    assert material("figures", digests=flipped) == base["figures", "train"]
    assert material("entities", "test", {k: v for k, v in digests.items() if k != "data/entities/test.parquet"}) is None
    texts, kb_types, used = tables._lookups(frames)
    docs = frames["documents"]["train"]
    edited = dict(frames, documents=dict(frames["documents"], train=docs.with_columns(
        pl.col("text").str.replace("Turkey", "Turkei"))))
    assert tables._lookups_digest(texts, {**kb_types, None: None}, used) != lookups  # a table's null id
    for other in (tables._lookups_digest(*tables._lookups(edited)),
                  tables._lookups_digest(texts, {**kb_types, "turkey": "ORG"}, used),
                  tables._lookups_digest(texts, kb_types, used - {"turkey"})):
        assert other != lookups and material("figures", lookups=other) != base["figures", "train"]


_RUSSIA = '  - {id: e13, label: GPE, start: 735, end: 741, text: "Russia", entity: russia}\n'


def _toggle_russia(root) -> None:
    """Take the entity e13 out of the document, or put it back: the ner tags change, the tokens do not."""
    path = root / DOC
    text = path.read_text(encoding="utf-8")
    if _RUSSIA in text:
        path.write_text(text.replace(_RUSSIA, ""), encoding="utf-8")
    else:
        head, sep, rest = text.partition("  - {id: e14,")
        assert sep, "the entity after e13 is where the test expects it"
        path.write_text(head + _RUSSIA + sep + rest, encoding="utf-8")


def _counted_token_rules(monkeypatch) -> list[int]:
    """The rows each run of the ner token rule compared, from now on."""
    from idlib_gold.checking import tables

    runs: list[int] = []
    real = tables._Texts.tokens_agree

    def counted(self, idx, tokens, starts, ends):
        runs.append(len(tokens))
        return real(self, idx, tokens, starts, ends)

    monkeypatch.setattr(tables._Texts, "tokens_agree", counted)
    return runs


def test_an_edited_entity_takes_the_token_rule_as_a_build_of_this_clone_found_it(clone, cli, monkeypatch):
    """The ner tags change with an entity, the tokens do not: the token rule's answer is taken, bound to
    the texts and the four columns it reads, and kept through builds that check no ner row."""
    checked = _counted_config_checks(monkeypatch)
    runs = _counted_token_rules(monkeypatch)
    assert cli("build", root=clone).code == 0 and len(runs) == 1 and "ner" in checked
    _toggle_russia(clone)
    checked.clear()
    assert cli("build", root=clone).code == 0 and "ner" in checked and len(runs) == 1  # checked, tokens taken
    _retag_first_gpe(clone)  # a figure's value: no ner check, and the token rule's entry stays
    assert cli("build", root=clone).code == 0 and len(runs) == 1
    _toggle_russia(clone)
    checked.clear()
    assert cli("build", root=clone).code == 0 and "ner" in checked and len(runs) == 1
    assert len(list((clone / ".idlib-gold-cache").glob("tokens-*"))) == 1
    assert cli("check", root=clone).code == 0
    for entry in (clone / ".idlib-gold-cache").glob("tokens-*"):  # a torn or forged entry: the rule runs
        entry.write_bytes(b"\0" * 32 + entry.read_bytes()[32:])
    _toggle_russia(clone)
    assert cli("build", root=clone).code == 0 and len(runs) == 2


def test_a_token_defect_is_found_though_the_token_rule_was_kept(clone, cli, monkeypatch):
    """A kept answer stands for exactly the tokens it was given: a renderer that cuts one token wrong after
    a clean build makes other columns, so the rule runs and the build stops."""
    import pyarrow as pa

    from idlib_gold.building import columns

    assert cli("build", root=clone).code == 0
    before = snapshot(clone / "dataset")
    real = columns.ner_table

    def planted(docs, schema):  # the first token of the first row one character short
        table = real(docs, schema)
        tokens = table.column("tokens").to_pylist()
        tokens[0][0] = tokens[0][0][:-1] or "x"
        index = table.schema.get_field_index("tokens")
        return table.set_column(index, table.schema.field("tokens"), pa.array(tokens, table.schema.field("tokens").type))

    monkeypatch.setattr(columns, "ner_table", planted)
    _toggle_russia(clone)
    result = cli("build", root=clone)
    assert result.code == 1 and "IG401" in result.out and "token" in result.out, result.out
    assert snapshot(clone / "dataset") == before


def test_what_a_kept_token_rule_stands_for(clone):
    """The token rule's material changes with a text, a token, an offset or a row's document, and not
    with the tags it does not read."""
    import polars as pl

    from idlib_gold.checking import tables

    files = snapshot(clone / "dataset")
    frames = {config: {path.split("/")[2][:-len(".parquet")]: pl.from_arrow(tables._decoded(files[path]))
                       for path in files if path.startswith(f"data/{config}/")}
              for config in ("documents", "kb", "entities", "figures", "quotes", "ner")}
    texts = tables._lookups(frames)[0]
    ner = frames["ner"]["train"]
    base = tables._tokens_material(ner, texts)
    assert tables._tokens_material(ner.clone(), texts) == base
    assert tables._tokens_material(ner.with_columns(pl.col("ner_tags").list.eval(pl.element() * 0)), texts) == base
    first = ner["tokens"][0].to_list()
    changed = [
        ner.with_columns(pl.Series("tokens", [[first[0] + "x", *first[1:]], *ner["tokens"][1:].to_list()])),
        ner.with_columns(pl.col("token_starts").list.eval(pl.element() + 1)),
        ner.with_columns(pl.col("token_ends").list.eval(pl.element() - 1)),
        ner.with_columns(pl.col("doc_id").reverse()),
    ]
    for other in changed:
        assert tables._tokens_material(other, texts) != base
    docs = frames["documents"]["train"]
    edited = dict(frames, documents=dict(frames["documents"], train=docs.with_columns(
        pl.col("text").str.replace("Turkey", "Turkei"))))
    assert tables._tokens_material(ner, tables._lookups(edited)[0]) != base


def test_the_token_rule_keeps_an_answer_for_each_split_where_every_token_agreed(clone):
    """An answer is kept for each split in which every token agreed, and found again whether that split is
    checked with the others or alone; a split with a token that differs from its text keeps nothing."""
    import polars as pl

    from idlib_gold.checking import tables
    from idlib_gold.checking.table_models import models

    files = snapshot(clone / "dataset")
    frames = {config: {path.split("/")[2][:-len(".parquet")]: pl.from_arrow(tables._decoded(files[path]))
                       for path in files if path.startswith(f"data/{config}/")}
              for config in ("documents", "kb", "entities", "figures", "quotes", "ner")}
    texts, kb_types, used = tables._lookups(frames)
    model = models()["ner"]

    def kept(known=()):
        return tables.KeptConfigChecks({}, lambda material: False, tokens_known=lambda material: material in known)

    splits = sorted(frames["ner"].items())
    assert len(splits) >= 2
    clean = kept()
    assert tables._check_config("ner", model, splits, texts, kb_types, used, clean) == []
    assert len(clean.tokens) == len(set(clean.tokens)) == len(splits)
    for (name, df), material in zip(splits, clean.tokens):  # alone, each split's answer is the one kept
        alone = kept()
        assert tables._check_config("ner", model, [(name, df)], texts, kb_types, used, alone) == []
        assert alone.tokens == [material]
    runs = []
    real = tables._Texts.tokens_agree
    tables._Texts.tokens_agree = lambda self, *a: runs.append(1) or real(self, *a)
    try:
        taken = kept(set(clean.tokens))
        assert tables._check_config("ner", model, splits, texts, kb_types, used, taken) == []
        assert runs == [] and taken.tokens == clean.tokens
        partly = kept(set(clean.tokens[1:]))  # one split's answer unknown: the rule runs
        assert tables._check_config("ner", model, splits, texts, kb_types, used, partly) == [] and runs == [1]
    finally:
        tables._Texts.tokens_agree = real
    name, first = splits[0]
    tokens = first["tokens"].to_list()
    tokens[0] = [tokens[0][0] + "x", *tokens[0][1:]]
    broken, wrong = kept(), first.with_columns(pl.Series("tokens", tokens))
    found = tables._check_config("ner", model, [(name, wrong), *splits[1:]], texts, kb_types, used, broken)
    assert any("token" in f.message for f in found) and broken.tokens == clean.tokens[1:]
    apart = kept()  # one split's tags typed otherwise: the splits are checked one by one
    odd = first.with_columns(pl.col("ner_tags").cast(pl.List(pl.Int32)))
    assert tables._combined([(name, odd), *splits[1:]])[0] is None
    tables._check_config("ner", model, [(name, odd), *splits[1:]], texts, kb_types, used, apart)
    assert apart.tokens == clean.tokens


def test_an_interrupted_rendering_leaves_no_encoder_running_and_dataset_as_it_was(clone, cli, monkeypatch):
    import threading

    from idlib_gold.building import columns

    assert cli("build", root=clone).code == 0
    before = snapshot(clone / "dataset")
    real, calls = columns.layer_table, []

    def interrupted(docs, config, schema):  # the second layer: the split's ner and first layer files are queued
        calls.append(config)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(docs, config, schema)

    monkeypatch.setattr(columns, "layer_table", interrupted)
    _toggle_russia(clone)
    running = {t.ident for t in threading.enumerate()}
    assert cli("build", root=clone).code == 130
    assert snapshot(clone / "dataset") == before
    assert not [t for t in threading.enumerate() if t.ident not in running and t.is_alive()]


def test_files_encoded_beside_the_rendering_are_those_encoded_one_after_the_other(clone, monkeypatch):
    """Each table is encoded on a thread while the next is built: the bytes are those of encoding each
    table alone, and an encoding's error reaches the caller."""
    from idlib_gold.building import folder
    from idlib_gold.checking.pipeline import load

    corpus, findings = load(clone)
    assert not [f for f in findings if f.severity == "error"]
    tables: dict = {}
    files = folder.render_outputs(corpus, tables=tables)
    parquet = {name for name in files if name.endswith(".parquet")}
    assert len(parquet) >= 10
    for config, splits in tables.items():
        for split, table in splits.items():
            assert folder._table_bytes(table)[0] == files[f"data/{config}/{split}.parquet"], (config, split)
            parquet.discard(f"data/{config}/{split}.parquet")
    assert not parquet
    real = folder._table_bytes

    def failing(table):
        if "ner_tags" in table.column_names:
            raise OverflowError("planted")
        return real(table)

    monkeypatch.setattr(folder, "_table_bytes", failing)
    with pytest.raises(OverflowError, match="planted"):
        folder.render_outputs(corpus)


def test_the_schema_read_from_a_built_file_is_that_of_its_rows(clone):
    """The card's column types are checked against the schema stored in a taken file's bytes, without
    decoding its rows: it must be the schema the rows decode to."""
    from idlib_gold.checking import tables

    files = snapshot(clone / "dataset")
    parquet = [name for name in files if name.endswith(".parquet")]
    assert len(parquet) >= 10
    for name in parquet:
        assert tables._schema(files[name]).equals(tables._decoded(files[name]).schema, check_metadata=False), name


def test_a_table_check_is_kept_only_when_clean_and_only_in_a_clone(repo, clone, cli, monkeypatch):
    from idlib_gold.checking import tables
    from idlib_gold.findings import Finding

    runs = _counted_table_checks(monkeypatch)
    counted = tables.validate_built
    monkeypatch.setattr(tables, "validate_built", lambda *a, **k: counted(*a, **k) + [
        Finding("IG401", "row 0, column start: planted", "dataset/data/entities/train.parquet")])
    assert cli("build", root=clone).code == 1 and runs == [0]  # failed: nothing kept
    monkeypatch.setattr(tables, "validate_built", counted)
    assert cli("build", root=clone).code == 0 and runs == [0, 0]
    for entry in (clone / ".idlib-gold-cache").glob("tables-*"):  # a torn or forged entry: checked again
        entry.write_bytes(b"\0" * 32 + entry.read_bytes()[32:])
    assert cli("build", root=clone).code == 0 and runs == [0, 0, 0]
    shutil.rmtree(clone / ".git")  # no clone key: nothing is kept or trusted
    assert cli("build", root=clone).code == 0 and cli("build", root=clone).code == 0
    assert runs == [0, 0, 0, 0, 0]


def _kept_name(root, prefix: str, material: bytes) -> str:
    """The name a parse cache of `root` keeps an entry under: it binds the material to the checks
    context (schema files, package, library versions) and to the schema folder in use."""
    from idlib_gold.building.parsecache import parse_cache

    return parse_cache(root)._kept_name(prefix, material)[1]


def test_what_a_kept_table_check_stands_for(clone, monkeypatch):
    """The key of a kept check changes with a Parquet byte, a declared column or split file, the
    schema folder in use or a checking library's version, and not with the rest of the card."""
    import polars

    from idlib_gold import vocabulary
    from idlib_gold.building import stamp
    from idlib_gold.building.parsecache import TABLES
    from idlib_gold.checking.tables import built_material

    files = snapshot(clone / "dataset")
    base = built_material(files)
    card = files["README.md"].decode()
    assert "source_digest: sha256:" in card
    assert built_material({**files, "README.md": card.replace("source_digest: sha256:", "source_digest: sha256:0")
                           .encode()}) == base
    assert built_material({**files, "README.md": card.replace("dtype: int32", "dtype: int64", 1).encode()}) != base
    assert built_material({**files, "README.md": card.replace("split: test", "split: tests", 1).encode()}) != base
    name = "data/entities/train.parquet"
    assert built_material({**files, name: files[name][:-1] + bytes([files[name][-1] ^ 1])}) != base
    assert built_material({k: v for k, v in files.items() if k != "data/kb/train.parquet"}) != base
    kept = _kept_name(clone, TABLES, base)
    assert f"polars {polars.__version__}" in stamp.versions()  # the version that runs the rules
    monkeypatch.setattr(stamp, "_versions", lambda: f"pandera 0.0.0\npolars {polars.__version__}")
    assert _kept_name(clone, TABLES, base) != kept
    monkeypatch.undo()
    vocabulary.use_repository(clone)
    try:
        assert _kept_name(clone, TABLES, base) != kept  # the repository's schema/, not the packaged copy
    finally:
        vocabulary.use_repository(None)


@pytest.mark.parametrize("setting", [{"validation_enabled": False}, {"validation_depth": "SCHEMA_ONLY"}],
                         ids=["validation-off", "schema-only"])
def test_the_table_checks_run_every_rule_whatever_pandera_is_told(clone, cli, monkeypatch, setting):
    """pandera can be switched off or to schema-only from the environment; the build's table checks
    still run every rule, so a defect in the tables stops the build and no pass is kept for them."""
    import pyarrow as pa
    from pandera.config import config_context

    from idlib_gold.building import columns

    real = columns.layer_table

    def planted(docs, config, schema):  # a renderer defect: the first entity's label out of range
        table = real(docs, config, schema)
        if config == "entities" and table.num_rows:
            labels = table.column("label").to_pylist()
            labels[0] = 99
            index = table.schema.get_field_index("label")
            table = table.set_column(index, table.schema.field("label"), pa.array(labels, table.schema.field("label").type))
        return table

    monkeypatch.setattr(columns, "layer_table", planted)
    with config_context(**setting):
        result = cli("build", root=clone)
    assert result.code == 1 and "IG401" in result.out and "label" in result.out
    assert not list((clone / ".idlib-gold-cache").glob("tables-*"))


# --- a rebuild takes the files of the splits whose documents did not change -----------------------

def _rendered_splits(monkeypatch) -> list[str]:
    """The splits builds render from now on (one entry per split rendered)."""
    from idlib_gold.building import columns

    rendered: list[str] = []
    real = columns.ner_table

    def counted(docs, schema):
        rendered.append(docs[0].data["split"] if docs else "")
        return real(docs, schema)

    monkeypatch.setattr(columns, "ner_table", counted)
    return rendered


def _checked_in_full(repo, cli):
    """`check` without the stamp and without kept split files: every split rendered and compared byte for byte."""
    for kept in [repo / ".idlib-gold-cache/dataset-stamp.json", *(repo / ".idlib-gold-cache").glob("split-*")]:
        kept.unlink(missing_ok=True)
    result = cli("check", root=repo)
    assert result.code == 0, result.out


def test_a_rebuild_takes_the_files_of_the_splits_whose_documents_did_not_change(clone, cli, monkeypatch):
    from idlib_gold.checking import tables

    rendered = _rendered_splits(monkeypatch)
    checked, real = [], tables.validate_tables
    monkeypatch.setattr(tables, "validate_tables", lambda t, *a, **k: checked.append(t) or real(t, *a, **k))
    assert cli("build", root=clone).code == 0 and sorted(rendered) == ["test", "train", "validation"]
    rendered.clear()
    _retag_first_gpe(clone)  # a train document's figure: train's files change, the others do not
    assert cli("build", root=clone).code == 0 and rendered == ["train"]
    _checked_in_full(clone, cli)
    # the files taken are checked as tables of the very types rendered ones have: one run per config
    for config, by_split in checked[-1].items():
        schemas = {split: tables._decoded(table).schema.remove_metadata() for split, table in by_split.items()}
        assert all(s.equals(schemas["train"]) for s in schemas.values()) if "train" in schemas else True, config
    rendered.clear()
    assert cli("build", root=clone).code == 0 and rendered == []  # nothing changed: every split taken
    assert len(list((clone / ".idlib-gold-cache").glob("split-*"))) == 3  # one entry a split, the last


def test_check_without_the_stamp_renders_the_splits_that_changed(clone, cli, monkeypatch):
    """A comparison takes the splits a build kept, as the stamp would; what changed is rendered and found stale."""
    rendered = _rendered_splits(monkeypatch)
    assert cli("build", root=clone).code == 0
    (clone / ".idlib-gold-cache/dataset-stamp.json").unlink()
    rendered.clear()
    assert cli("check", root=clone).code == 0 and rendered == []
    assert (clone / ".idlib-gold-cache/dataset-stamp.json").is_file()
    _retag_first_gpe(clone)
    result = cli("check", root=clone)
    assert result.code == 1 and rendered == ["train"]
    assert "dataset/data/figures/train.parquet is stale" in result.out
    assert "validation.parquet" not in result.out and "test.parquet" not in result.out


def test_a_split_file_that_is_not_the_kept_one_is_rendered_again(clone, cli, monkeypatch):
    """A file in dataset/ changed, removed or replaced by a link, or a torn entry: that split is rendered."""
    rendered = _rendered_splits(monkeypatch)
    assert cli("build", root=clone).code == 0
    test_file = clone / "dataset/data/entities/test.parquet"
    test_file.write_bytes(test_file.read_bytes() + b"\0")
    (clone / "dataset/data/quotes/validation.parquet").unlink()
    rendered.clear()
    assert cli("build", root=clone).code == 0 and sorted(rendered) == ["test", "validation"]
    _checked_in_full(clone, cli)
    elsewhere = clone.parent / "elsewhere.parquet"
    shutil.copy(test_file, elsewhere)
    test_file.unlink()
    test_file.symlink_to(elsewhere)
    for entry in (clone / ".idlib-gold-cache").glob("split-*"):
        if "train" not in entry.name:  # names carry no split: tear every entry but one at random
            entry.write_bytes(b"\0" * 32 + entry.read_bytes()[32:])
    rendered.clear()
    assert cli("build", root=clone).code == 0 and sorted(rendered) == ["test", "train", "validation"]
    assert not test_file.is_symlink()
    _checked_in_full(clone, cli)


def test_what_a_split_entry_stands_for(corpus, clone, monkeypatch):
    """A split's key changes with its name, its documents, a YAML or text byte and the schema folder
    in use; a document not read from a file (no digest) gives no key."""
    import dataclasses

    from idlib_gold import vocabulary
    from idlib_gold.building.columns import documents_by_split
    from idlib_gold.building.keptsplits import split_material

    train = documents_by_split(corpus)["train"]
    base = split_material("train", train)
    assert base is not None and split_material("train", list(train)) == base
    assert split_material("test", train) != base
    assert split_material("train", train[:-1]) != base
    edited = dataclasses.replace(train[0].loaded, digest=bytes(32))
    assert split_material("train", [dataclasses.replace(train[0], loaded=edited, raw=None), *train[1:]]) != base
    assert split_material("train", [dataclasses.replace(train[0], text=train[0].text + " ", raw=None),
                                    *train[1:]]) != base
    assert split_material("train", [dataclasses.replace(train[0], loaded=dataclasses.replace(edited, digest=None),
                                                        raw=None), *train[1:]]) is None
    from idlib_gold.building.parsecache import SPLITS

    kept = _kept_name(clone, SPLITS, base)
    monkeypatch.setattr(vocabulary, "_repository_schemas", ROOT / "schema-elsewhere")  # another schema folder
    assert _kept_name(clone, SPLITS, base) != kept


def test_what_a_build_keeps_about_its_outputs_is_kept_only_with_its_stamp(clone, cli, monkeypatch):
    """An input that changed while the build ran (a checkout of the package or schema beside it) leaves
    no stamp, and no kept split files or table check either: they would bind code on disk to bytes
    the code in memory made."""
    from idlib_gold.building import stamp

    monkeypatch.setattr(stamp.Inputs, "unchanged", lambda self: False)
    assert cli("build", root=clone).code == 0
    cache = clone / ".idlib-gold-cache"
    assert not (cache / "dataset-stamp.json").exists()
    assert not list(cache.glob("split-*")) and not list(cache.glob("tables-*"))
    assert cli("check", root=clone).code == 0  # a full comparison (no stamp), which keeps nothing either
    assert not list(cache.glob("split-*"))
    monkeypatch.undo()
    assert cli("build", root=clone).code == 0

    parquet = list((clone / "dataset" / "data").rglob("*.parquet"))  # the whole, and each file's check
    assert len(list(cache.glob("split-*"))) == 3 and len(list(cache.glob("tables-*"))) == 1 + len(parquet)


def test_a_split_file_reached_through_a_linked_folder_is_not_taken(clone, cli, monkeypatch):
    rendered = _rendered_splits(monkeypatch)
    assert cli("build", root=clone).code == 0
    entities = clone / "dataset/data/entities"
    shutil.copytree(entities, clone.parent / "entities-elsewhere")
    shutil.rmtree(entities)
    entities.symlink_to(clone.parent / "entities-elsewhere", target_is_directory=True)
    rendered.clear()
    assert cli("build", root=clone).code == 0 and sorted(rendered) == ["test", "train", "validation"]
    assert not entities.is_symlink()
    _checked_in_full(clone, cli)


def test_only_the_executable_bit_git_commits_is_judged(clone, cli):
    """git commits a file's mode as executable from its owner's bit alone, and not at all where the clone's
    `core.fileMode` is false (a file system without modes shows every file executable): nothing else is
    an IG604, or no check could pass there."""
    import subprocess

    readme = clone / "dataset/README.md"
    assert cli("check", root=clone).code == 0
    readme.chmod(0o645)  # others may execute: git commits 100644
    assert cli("check", root=clone).code == 0
    readme.chmod(0o755)
    assert "IG604 dataset/README.md is an executable file" in cli("check", root=clone).out
    subprocess.run(["git", "-C", str(clone), "config", "core.fileMode", "false"], check=True)
    assert cli("check", root=clone).code == 0


@pytest.mark.parametrize("how", ["an include", "a worktree's own config", "a linked .git", "no clone"])
def test_whether_git_commits_the_bit_is_what_git_says(clone, cli, tmp_path, how):
    """`core.fileMode` as git reads it (an included file, `git config --worktree`), through a `.git` that is a
    link, and outside any clone, where no bit is committed: a file its owner may execute is an IG604 only
    where git would commit it as one."""
    import shutil
    import subprocess

    def git(*args):
        subprocess.run(["git", "-C", str(clone), *args], check=True, capture_output=True)

    (clone / "dataset/README.md").chmod(0o755)
    if how == "an include":
        (clone / ".git" / "modes.inc").write_text("[core]\n\tfilemode = false\n")
        git("config", "include.path", "modes.inc")
    elif how == "a worktree's own config":
        git("config", "extensions.worktreeConfig", "true")
        git("config", "--worktree", "core.fileMode", "false")
    elif how == "a linked .git":
        shutil.move(str(clone / ".git"), str(tmp_path / "real.git"))
        (clone / ".git").symlink_to(tmp_path / "real.git")
        result = cli("check", root=clone)
        assert "IG604 dataset/README.md is an executable file" in result.out, result.out  # git follows the link
        return
    else:
        shutil.rmtree(clone / ".git")
    assert cli("check", root=clone).code == 0


@pytest.mark.parametrize("how", ["a hook's GIT_DIR naming another repository", "no git installed",
                                 "a corpus that is no clone, under a hook's GIT_DIR"])
def test_whether_git_commits_the_bit_is_asked_of_this_clone_alone(clone, cli, tmp_path, monkeypatch, how):
    """Git is asked about the clone at the root, not about the repository a hook's variables name; where it
    cannot answer in a clone the bit counts as committed, and a corpus that is no clone commits none."""
    import shutil
    import subprocess

    other = tmp_path / "other.git"
    subprocess.run(["git", "init", "-q", "--bare", str(other)], check=True)
    subprocess.run(["git", "-C", str(other), "config", "core.fileMode", "false"], check=True)
    (clone / "dataset/README.md").chmod(0o755)
    if how == "no git installed":
        monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    elif how.startswith("a hook"):
        monkeypatch.setenv("GIT_DIR", str(other))
    else:
        elsewhere = tmp_path / "elsewhere"
        subprocess.run(["git", "init", "-q", str(elsewhere)], check=True)
        monkeypatch.setenv("GIT_DIR", str(elsewhere / ".git"))
    if how.startswith("a corpus"):
        shutil.rmtree(clone / ".git")
        assert cli("check", root=clone).code == 0
        return
    assert "IG604 dataset/README.md is an executable file" in cli("check", root=clone).out


def test_the_users_own_git_settings_are_read_with_the_clones(clone, cli, tmp_path, monkeypatch):
    """A `core.fileMode` the user sets globally (or for one command, as a hook gets it) is git's answer
    where the clone's own config says nothing: no IG604 where git would commit no bit."""
    import subprocess

    subprocess.run(["git", "-C", str(clone), "config", "--unset", "core.filemode"], capture_output=True)
    (clone / "dataset/README.md").chmod(0o755)
    assert "IG604" in cli("check", root=clone).out
    (tmp_path / "global").write_text("[core]\n\tfileMode = false\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "global"))
    assert cli("check", root=clone).code == 0
    monkeypatch.delenv("GIT_CONFIG_GLOBAL")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.fileMode'='false'")
    assert cli("check", root=clone).code == 0
    monkeypatch.delenv("GIT_CONFIG_PARAMETERS")
    monkeypatch.setenv("GIT_CONFIG", str(tmp_path / "global"))  # `git config` alone would read it instead
    assert "IG604" in cli("check", root=clone).out
