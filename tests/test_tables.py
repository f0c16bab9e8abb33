"""The pandera models reject each corruption applied directly to a Parquet table, naming column and row."""

from __future__ import annotations

import decimal
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import ROOT
from idlib_gold.checking.tables import validate_files


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    folder = ROOT / "dataset"
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.parquet"))}
    return {**files, "README.md": (folder / "README.md").read_bytes()}


def _edit(files: dict, name: str, change) -> dict:
    table = pq.read_table(io.BytesIO(files[name]))
    rows = table.to_pylist()
    change(rows)
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), sink)
    return {**files, name: sink.getvalue()}


def _set(row: int, column: str, value):
    def change(rows):
        rows[row][column] = value
    return change


def test_the_shipped_tables_pass(files):
    assert validate_files(files) == []


CASES = [
    ("shifted span", "data/entities/train.parquet", lambda r: r[3].update(start=r[3]["start"] + 1),
     "row 3: start, end, text: text differs"),
    ("label out of range", "data/entities/train.parquet", _set(0, "label", 99), "row 0, column label"),
    ("duplicated id", "data/entities/train.parquet", lambda r: r[1].update(id=r[0]["id"], doc_id=r[0]["doc_id"]),
     "row 1: doc_id, id: (doc_id, id) is not unique"),
    ("unknown KB id", "data/entities/train.parquet", _set(1, "entity", "atlantis"), "row 1: entity, label"),
    ("label differs from KB type", "data/entities/train.parquet",
     lambda r: next(x for x in r if x["entity"] and x["label"] != 0).update(label=0), ": entity, label"),
    ("DATE linked to the KB", "data/entities/train.parquet",
     lambda r: next(x for x in r if x["value"] is not None).update(entity="turkey"), "label, entity: DATE/TIME"),
    ("value_max below value", "data/figures/train.parquet", _set(0, "value_max", -1.0), "value_max is below value"),
    ("unknown figure source", "data/figures/train.parquet", _set(0, "source", "atlantis"), "row 0: source"),
    ("bad bound", "data/figures/train.parquet", _set(0, "bound", "sideways"), "row 0, column bound"),
    ("measured span moved", "data/figures/train.parquet",
     lambda r: next(x for x in r if x["measured"]).update(measured={"start": 0, "end": 3, "text": "xyz"}), "measured:"),
    ("unknown speaker", "data/quotes/train.parquet", _set(0, "speaker_entity", ["atlantis"]), "row 0: speaker_entity"),
    ("content text changed", "data/quotes/validation.parquet",
     lambda r: r[0].update(content={**r[0]["content"], "text": "nothing"}), "row 0: content:"),
    ("bad wikidata id", "data/kb/train.parquet", _set(0, "wikidata", "42"), "row 0, column wikidata"),
    ("checksum differs", "data/documents/test.parquet", _set(0, "sha256", "0" * 64), "row 0: sha256, text"),
    ("text byte changed", "data/documents/test.parquet", lambda r: r[0].update(text="X" + r[0]["text"][1:]),
     "row 0: sha256, text"),
    ("duplicated document id", "data/documents/train.parquet", _set(1, "id", "000_10fe6d47143cad7a"),
     "column id"),
    ("ner token shifted", "data/ner/train.parquet",
     lambda r: r[2].update(token_starts=[s + 1 for s in r[2]["token_starts"]]), "row 2"),
    ("ner tag out of range", "data/ner/train.parquet", lambda r: r[0].update(ner_tags=[37] * len(r[0]["ner_tags"])),
     "row 0"),
    ("ner I- tag without B-", "data/ner/test.parquet",
     lambda r: r[0].update(ner_tags=[2] + r[0]["ner_tags"][1:]), "row 0"),
    ("ner lists of unequal length", "data/ner/validation.parquet",
     lambda r: r[1].update(token_ends=r[1]["token_ends"][:-1]), "row 1"),
    # A null inside a list is no value: it fails the rule of its list, however the rest of the row reads.
    ("ner token null at out-of-range offsets", "data/ner/train.parquet",
     lambda r: r[2].update(tokens=r[2]["tokens"] + [None], token_starts=r[2]["token_starts"] + [10**6],
                           token_ends=r[2]["token_ends"] + [10**6 + 1], ner_tags=r[2]["ner_tags"] + [0]),
     "row 2: tokens, token_starts, token_ends"),
    ("ner token offsets null", "data/ner/train.parquet",
     lambda r: r[2].update(tokens=r[2]["tokens"] + [None], token_starts=r[2]["token_starts"] + [None],
                           token_ends=r[2]["token_ends"] + [None], ner_tags=r[2]["ner_tags"] + [0]),
     "row 2: tokens, token_starts, token_ends"),
    ("ner tag null", "data/ner/test.parquet", lambda r: r[0].update(ner_tags=[None] + r[0]["ner_tags"][1:]),
     "row 0: ner_tags: a tag is outside"),
    ("speaker entity null", "data/quotes/train.parquet", _set(0, "speaker_entity", [None]),
     "row 0: speaker_entity"),
    ("KB alias null", "data/kb/train.parquet", _set(0, "aliases", [None]), "row 0: aliases"),
    ("KB alias empty", "data/kb/train.parquet", _set(1, "aliases", [""]), "row 1: aliases"),
    ("KB alias listed twice", "data/kb/train.parquet", _set(1, "aliases", ["Ankara", "Ankara"]), "row 1: aliases"),
]


@pytest.mark.parametrize("name,table,change,expected", CASES, ids=[c[0] for c in CASES])
def test_a_corrupted_table_is_rejected_with_column_and_row(files, name, table, change, expected):
    findings = validate_files(_edit(files, table, change))
    messages = [f"{f.path}: {f.message}" for f in findings if f.code == "IG401"]
    assert any(f"dataset/{table}" in m and expected in m for m in messages), messages


def test_a_removed_kb_entry_breaks_references(files):
    def drop_turkey(rows):
        rows[:] = [r for r in rows if r["id"] != "turkey"]
    findings = validate_files(_edit(files, "data/kb/train.parquet", drop_turkey))
    assert any("entity, label" in f.message and f.path.endswith("entities/train.parquet") for f in findings)


def test_nested_and_flat_tables_must_agree(files):
    findings = validate_files(_edit(files, "data/entities/test.parquet", lambda r: r.pop(0)))  # a Turkey mention
    assert sorted(f.code for f in findings) == ["IG402", "IG404"]  # and the card counts the row left out
    assert "documents/test nests" in next(f for f in findings if f.code == "IG402").message


@pytest.mark.parametrize("change, expected, ner_differs", [
    (lambda e: e[0].update(label=5, start=e[0]["start"] + 3), "at row 0 (label, start)", True),
    (lambda e: e.__setitem__(0, None), "at row 0 (id, label, start, end, text, entity)", True),
    (lambda e: e.reverse(), "at row 0 (id, label, start, end, text, entity", False),
], ids=["a nested entity edited", "a nested entity null", "nested entities reordered"])
def test_nested_annotations_must_be_the_flat_rows(files, change, expected, ner_differs):
    """The documents config's nested lists are what a user of that config reads: they must be the
    per-layer rows, field by field and in order, not only as many. (The ner rows are the nested gold's
    tags: they differ too where a nested entity's tags do.)"""
    findings = validate_files(_edit(files, "data/documents/test.parquet", lambda r: change(r[0]["entities"])))
    assert {(f.code, f.path) for f in findings} == {("IG402", "dataset/data/entities/test.parquet"),
                                                    *[("IG402", "dataset/data/ner/test.parquet")] * ner_differs}
    nested = next(f for f in findings if f.path.endswith("entities/test.parquet"))
    assert f"documents/test nests entities that differ from its entities rows {expected}" in nested.message


def _merge_first_two_tokens(rows):
    row = rows[0]
    for column in ("tokens", "token_starts", "token_ends", "ner_tags"):
        row[column][0:2] = [row[column][0]]
    row["token_ends"][0] = row["token_starts"][0] + len(row["tokens"][0])


@pytest.mark.parametrize("change, expected", [
    (lambda rows: [r.update(ner_tags=[0] * len(r["ner_tags"])) for r in rows], "row 0 (ner_tags); 17 rows differ"),
    (lambda rows: rows.pop(1), "it has 17 rows where the documents' paragraphs make 18"),
    (_merge_first_two_tokens, "row 0 (token_starts, token_ends, ner_tags)"),
    (lambda rows: rows[0].update(id="renamed"), "row 0 (id)"),
    (lambda rows: rows.reverse(), "row 0 (id, token_starts, token_ends, ner_tags); 18 rows differ"),
    (lambda rows: [rows[3][c].pop() for c in ("tokens", "token_starts", "token_ends", "ner_tags")],
     "row 3 (token_starts, token_ends, ner_tags)"),
], ids=["every tag O", "a paragraph's row left out", "two tokens made one", "a row renamed", "rows reordered",
        "a row's last token left out"])
def test_the_ner_rows_must_be_what_the_documents_build(files, change, expected):
    """Each row well formed is not enough: the `ner` config is what a model learns from, so its rows must be
    the rule's paragraphs, tokens and tags of the gold the documents config holds."""
    findings = validate_files(_edit(files, "data/ner/test.parquet", change))
    found = [f for f in findings if f.code == "IG402"]
    assert [f.path for f in found] == ["dataset/data/ner/test.parquet"], findings
    assert found[0].message == f"ner/test is not what documents/test builds: {expected}"


def test_the_ner_rows_follow_the_documents_nested_annotations(files):
    """The documents config holds the gold the ner rows are compared with: a nested entity taken out
    (the flat entities row left) makes the ner tags of its tokens differ."""
    def drop_turkey(rows):
        rows[0]["entities"] = rows[0]["entities"][1:]
    codes = [(f.code, f.path) for f in validate_files(_edit(files, "data/documents/test.parquet", drop_turkey))]
    assert ("IG402", "dataset/data/ner/test.parquet") in codes
    assert ("IG402", "dataset/data/entities/test.parquet") in codes


def test_a_story_sits_in_one_split(files):
    """A received folder whose test document shares its story with the training split leaks, though no row is
    wrong: the second split that holds the story is named, at the row."""
    train = pq.read_table(io.BytesIO(files["data/documents/train.parquet"])).to_pylist()
    findings = validate_files(_edit(files, "data/documents/test.parquet", _set(0, "story", train[1]["story"])))
    assert [(f.code, f.path) for f in findings] == [("IG401", "dataset/data/documents/test.parquet")], findings
    assert findings[0].message == (f"row 0: story: the story {train[1]['story']!r} also has documents in "
                                   "documents/train; the documents of one story sit in one split")


def _put(files: dict, name: str, table) -> dict:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return {**files, name: sink.getvalue()}


def _not_utf8(column):
    values = [v.encode() for v in column.combine_chunks().to_pylist()]
    values[0] = values[0][:3] + b"\xff\xfe" + values[0][3:]
    offsets = np.concatenate([[0], np.cumsum([len(v) for v in values])]).astype(np.int32)
    return pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(offsets.tobytes()),
                                                           pa.py_buffer(b"".join(values))])


@pytest.mark.parametrize("column", ["id", "story", "text"])
def test_a_string_that_is_not_utf8_is_a_finding(files, column):
    """Reading Parquet lets bytes that are not UTF-8 through in a string column, and polars cannot hold
    them: the file is refused with the column named, never a traceback."""
    name = "data/documents/test.parquet"
    table = pq.read_table(io.BytesIO(files[name]))
    k = table.schema.get_field_index(column)
    findings = validate_files(_put(files, name, table.set_column(k, table.schema.field(k), _not_utf8(table[column]))))
    assert [(f.code, f.path) for f in findings] == [("IG403", f"dataset/{name}")], findings
    assert findings[0].message.startswith(f"column {column}: ") and "UTF8" in findings[0].message


def test_nested_records_holding_a_doc_id_are_compared_not_a_traceback(files):
    rows = pq.read_table(io.BytesIO(files["data/documents/test.parquet"])).to_pylist()
    for row in rows:
        for entity in row["entities"]:
            entity["doc_id"] = row["id"]
    without_card = {k: v for k, v in files.items() if k != "README.md"}
    findings = validate_files(_put(without_card, "data/documents/test.parquet", pa.Table.from_pylist(rows)))
    assert ("IG402", "dataset/data/entities/test.parquet") in [(f.code, f.path) for f in findings]


def test_columns_and_fields_in_another_order_are_the_same_rows(files):
    """Nested and flat rows are matched field by field by name: the same data with its columns, or a span's
    fields, in another order is no difference."""
    name = "data/figures/test.parquet"
    table = pq.read_table(io.BytesIO(files[name]))
    columns = table.column_names
    moved = table.select([columns[0], columns[2], columns[1], *columns[3:]])
    assert validate_files(_put(files, name, moved)) == []
    measured = moved["measured"].combine_chunks()
    swapped = pa.StructArray.from_arrays([measured.field("end"), measured.field("text"), measured.field("start")],
                                         names=["end", "text", "start"], mask=measured.is_null())
    without_card = {k: v for k, v in files.items() if k != "README.md"}
    k = moved.schema.get_field_index("measured")
    assert validate_files(_put(without_card, name, moved.set_column(k, "measured", swapped))) == []


def test_kb_aliases_typed_as_nulls_pass_when_every_list_is_empty(files):
    name = "data/kb/train.parquet"
    table = pq.read_table(io.BytesIO(files[name]))
    k = table.schema.get_field_index("aliases")
    empty = table.set_column(k, pa.field("aliases", pa.list_(pa.null())), pa.array([[]] * len(table), pa.list_(pa.null())))
    assert validate_files(_put(files, name, empty)) == []
    one = table.set_column(k, pa.field("aliases", pa.list_(pa.null())),
                           pa.array([[None]] + [[]] * (len(table) - 1), pa.list_(pa.null())))
    assert [(f.code, f.message) for f in validate_files(_put(files, name, one))] == [
        ("IG401", "row 0: aliases: an alias is null, empty or listed twice")]


@pytest.mark.parametrize("declared", [None, "extra"], ids=["left out of the card", "declared as another split"])
def test_every_layer_and_ner_have_the_splits_of_documents(files, declared):
    """A split of ner (or of a layer) that the card leaves out, or names otherwise, is compared with no
    documents: it is a finding whatever the card declares."""
    card = files["README.md"].decode()
    entry = "  - split: test\n    path: data/ner/test.parquet\n"
    assert entry in card
    replaced = entry.replace("test", declared) if declared else ""
    changed = {**files, "README.md": card.replace(entry, replaced).encode()}
    del changed["data/ner/test.parquet"]
    if declared:
        changed[f"data/ner/{declared}.parquet"] = files["data/ner/test.parquet"]
    found = [(f.code, f.path, f.message) for f in validate_files(changed)]
    assert ("IG402", "dataset/data/ner/test.parquet", "missing: ner has no test split, which documents has") in found
    if declared:
        assert ("IG402", f"dataset/data/documents/{declared}.parquet",
                f"missing: documents has no {declared} split, which ner has") in found


def test_the_ner_rows_are_compared_as_the_models_read_them_without_a_card(files):
    """Without a card to declare the types, the models coerce: so does the comparison with the documents, rather
    than leaving a mistyped table uncompared."""
    name = "data/ner/test.parquet"
    table = pq.read_table(io.BytesIO(files[name]))
    rows = table.to_pylist()
    for row in rows:
        row["ner_tags"] = [0] * len(row["ner_tags"])
    tagged_o = pa.Table.from_pylist(rows, schema=table.schema)
    k = tagged_o.schema.get_field_index("token_starts")
    floats = tagged_o.set_column(k, pa.field("token_starts", pa.list_(pa.float64())),
                                 tagged_o["token_starts"].cast(pa.list_(pa.float64())))
    without_card = {f: v for f, v in files.items() if f != "README.md"}
    found = [(f.code, f.path) for f in validate_files(_put(without_card, name, floats))]
    assert ("IG402", "dataset/" + name) in found


def test_a_split_must_hold_as_many_rows_as_the_card_counts(files):
    """`load_dataset` refuses a folder whose card counts other numbers of examples than its files hold
    (NonMatchingSplitsSizesError), so `validate --parquet` must not pass it."""
    import re

    card = files["README.md"].decode()
    found = re.search(r"  - name: train\n    num_bytes: \d+\n    num_examples: (\d+)\n", card)  # documents comes first
    train, rows = found.group(0), int(found.group(1))
    more = train.replace(f"num_examples: {rows}", f"num_examples: {rows + 1}")
    changed = {**files, "README.md": card.replace(train, more, 1).encode()}
    assert [(f.code, f.path, f.message) for f in validate_files(changed)] == [
        ("IG404", "dataset/data/documents/train.parquet", f"the card gives the train split of documents {rows + 1} "
         f"examples; the file holds {rows} rows (load_dataset refuses the folder)")]
    extra = train.replace("train", "extra")
    changed = {**files, "README.md": card.replace(train, train + extra, 1).encode()}
    assert [(f.code, f.path) for f in validate_files(changed)] == [("IG404", "dataset/data/documents")]


def test_a_span_typed_as_nothing_is_a_null_record(files):
    """A writer given no schema types a span that is always absent as Arrow's `null`: on either side, the
    nested and flat rows are still the same, and a split with no quotes may type its lists as holding
    nothing."""
    name = "data/documents/test.parquet"
    table = pq.read_table(io.BytesIO(files[name]))
    rows = table.to_pylist()
    assert all(q["addressee"] is None for r in rows for q in r["quotes"])
    untyped = pa.Table.from_pylist(rows)  # no schema: each null-only field is typed `null`
    without_card = {k: v for k, v in files.items() if k != "README.md"}
    assert [f for f in validate_files(_put(without_card, name, untyped)) if f.code == "IG402"] == []
    for row in rows:
        row["quotes"] = []
    emptied = pa.Table.from_pylist(rows)
    assert emptied.schema.field("quotes").type == pa.list_(pa.null())
    quotes = pq.read_table(io.BytesIO(files["data/quotes/test.parquet"])).slice(0, 0)
    changed = _put(_put(without_card, name, emptied), "data/quotes/test.parquet", quotes)
    assert [f for f in validate_files(changed) if f.code == "IG402"] == []


def test_a_card_naming_a_split_or_config_twice_is_a_finding(files):
    """`load_dataset` refuses a card that lists a split twice ("Split test already present")."""
    import re

    card = files["README.md"].decode()
    found = re.search(r"  - name: test\n    num_bytes: \d+\n    num_examples: \d+\n", card)
    changed = {**files, "README.md": card.replace(found.group(0), found.group(0) * 2, 1).encode()}
    assert [(f.code, f.path, f.message) for f in validate_files(changed)] == [
        ("IG404", "dataset/README.md", "the card's dataset_info: the splits of documents, the split test is named twice "
                                       "(load_dataset refuses the folder)")]


def test_a_story_is_read_as_the_model_reads_it(files):
    name = "data/documents/test.parquet"
    table = pq.read_table(io.BytesIO(files[name]))
    train = pq.read_table(io.BytesIO(files["data/documents/train.parquet"])).to_pylist()
    leaked = table.set_column(table.schema.get_field_index("story"), "story",
                              pa.array([train[1]["story"]] * len(table)).dictionary_encode())
    without_card = {k: v for k, v in files.items() if k != "README.md"}
    assert ("IG401", "dataset/" + name) in [(f.code, f.path) for f in validate_files(_put(without_card, name, leaked))]


@pytest.mark.parametrize("column", [pa.array([decimal.Decimal("1.5")], pa.decimal256(40, 2)), pa.array([0], pa.date32()),
                                    pa.StructArray.from_arrays([pa.array([1]), pa.array([2])], names=["s", "s"])],
                         ids=["decimal256", "date", "a record naming a field twice"])
def test_a_column_of_a_type_no_table_holds_is_a_finding(files, column):
    """Without a card to declare the types, a column polars cannot hold would end the command outside
    any rule: it is said at once, and nothing else is checked."""
    name = "data/figures/test.parquet"
    table = pq.read_table(io.BytesIO(files[name]))
    extra = table.append_column("extra", pa.concat_arrays([column] * len(table)))
    without_card = {k: v for k, v in files.items() if k != "README.md"}
    found = validate_files(_put(without_card, name, extra))
    assert [(f.code, f.path) for f in found] == [("IG403", "dataset/" + name)]
    assert found[0].message.startswith("column extra is ") and str(column.type) in found[0].message


def test_unreadable_and_missing_tables_are_findings(files):
    broken = {**files, "data/quotes/test.parquet": b"not parquet"}
    del broken["data/kb/train.parquet"]
    codes = [(f.code, f.path) for f in validate_files(broken)]
    assert ("IG403", "dataset/data/quotes/test.parquet") in codes
    assert ("IG403", "dataset/data/kb/train.parquet") in codes
    assert len(codes) == len(set(codes)) == 2  # nothing that follows from the two (unused KB entries …)


def test_validate_parquet_on_a_folder(cli, tmp_path, files):
    import shutil

    folder = tmp_path / "received"
    shutil.copytree(ROOT / "dataset", folder)
    assert cli("validate", "--parquet", str(folder), root=ROOT).code == 0
    edited = _edit(files, "data/entities/train.parquet", _set(0, "label", 99))
    (folder / "data/entities/train.parquet").write_bytes(edited["data/entities/train.parquet"])
    result = cli("validate", "--parquet", str(folder), root=ROOT)
    assert result.code == 1 and "IG401" in result.out and "column label" in result.out
    assert cli("validate", "--parquet", str(tmp_path / "nowhere"), root=ROOT).code == 2


def _column(files: dict, name: str, column: str, array) -> dict:
    table = pq.read_table(io.BytesIO(files[name]))
    table = table.set_column(table.schema.get_field_index(column), column, array)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return {**files, name: sink.getvalue()}


@pytest.mark.parametrize("column, make, declared", [
    ("start", lambda t: t["start"].cast(pa.string()), "int32"),
    ("start", lambda t: t["start"].cast(pa.float64()), "int32"),
    ("label", lambda t: pa.array([str(v) for v in t["label"].to_pylist()]), "int64"),
])
def test_IG403_a_column_of_another_type_than_the_card_declares(files, column, make, declared):
    name = "data/entities/train.parquet"
    table = pq.read_table(io.BytesIO(files[name]))
    findings = validate_files(_column(files, name, column, make(table)))
    assert [f.code for f in findings] == ["IG403"], findings
    assert findings[0].path == f"dataset/{name}"
    assert f"column {column} is" in findings[0].message and f"declares {declared}" in findings[0].message


def test_IG403_a_missing_split_file_is_reported_alone(files):
    broken = dict(files)
    del broken["data/entities/validation.parquet"]
    findings = validate_files(broken)
    assert [(f.code, f.path) for f in findings] == [("IG403", "dataset/data/entities/validation.parquet")]


def test_IG403_a_missing_column_is_one_short_sentence(files):
    name = "data/figures/train.parquet"
    table = pq.read_table(io.BytesIO(files[name])).drop_columns(["unit"])
    sink = io.BytesIO()
    pq.write_table(table, sink)
    findings = validate_files({**files, name: sink.getvalue()})
    assert [f.code for f in findings] == ["IG403"]
    assert "column unit is missing" in findings[0].message and "\n" not in findings[0].message


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_IG401_a_figure_value_that_is_not_finite(files, value):
    findings = validate_files(_edit(files, "data/figures/train.parquet", _set(0, "value", value)))
    assert any(f.code == "IG401" and "not a finite number" in f.message for f in findings), findings


@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
def test_IG403_a_split_file_that_is_not_a_regular_file(cli, tmp_path, special):
    import os
    import shutil

    folder = tmp_path / "received"
    shutil.copytree(ROOT / "dataset", folder)
    target = folder / "data/kb/train.parquet"
    target.unlink()
    os.mkfifo(target) if special == "fifo" else target.symlink_to("/dev/zero")
    result = cli("validate", "--parquet", str(folder), root=ROOT)
    assert result.code == 1 and "IG403" in result.out and "kb/train.parquet" in result.out
    assert "Traceback" not in result.out + result.err


def test_IG403_a_parquet_file_outside_the_table_layout_is_not_passed_over(cli, tmp_path):
    import shutil

    folder = tmp_path / "received"
    shutil.copytree(ROOT / "dataset", folder)
    (folder / "data/kb/old").mkdir()
    shutil.copy(folder / "data/kb/train.parquet", folder / "data/kb/old/train.parquet")
    result = cli("validate", "--parquet", str(folder), root=ROOT)
    assert result.code == 1 and "dataset/data/kb/old/train.parquet: IG403" in result.out


def test_the_card_types_read_here_are_the_ones_datasets_reads():
    """table_types reads the card's features without `datasets`; both readings must agree."""
    import yaml
    from datasets import Features

    from idlib_gold.checking.table_types import _actual, _fits, declared

    header = yaml.safe_load((ROOT / "dataset/README.md").read_text(encoding="utf-8").split("---\n")[1])
    card = declared(header)
    for config in header["dataset_info"]:
        arrow = Features._from_yaml_list(config["features"]).arrow_schema
        mine = card.columns[config["config_name"]]
        assert list(mine) == arrow.names
        for field in arrow:
            assert _fits(_actual(field.type), mine[field.name]), (config["config_name"], field.name)


# --- IG404: bytes, not tables ------------------------------------------------------------------------------

@pytest.fixture
def received(tmp_path) -> Path:
    import shutil

    folder = tmp_path / "received"
    shutil.copytree(ROOT / "dataset", folder)
    return folder


def _codes(cli, folder) -> list[tuple[str, str]]:
    import json

    result = cli("validate", "--parquet", str(folder), "--format", "json", root=ROOT)
    return sorted((f["code"], f["path"]) for f in json.loads(result.out)["findings"])


def test_IG404_a_file_rewritten_with_the_same_rows_differs_from_croissant(cli, received):
    path = received / "data/kb/train.parquet"
    table = pq.read_table(path)
    pq.write_table(table, path, compression="gzip", row_group_size=7)
    result = cli("validate", "--parquet", str(received), root=ROOT)
    assert result.code == 1
    assert "dataset/data/kb/train.parquet: IG404" in result.out and "croissant.json records" in result.out
    # the card's download_size is the bytes of the config's files
    assert ("IG404", "dataset/README.md") in _codes(cli, received)


def test_IG404_a_file_croissant_does_not_describe_or_lists_but_lacks(cli, received):
    import json

    meta = json.loads((received / "croissant.json").read_text(encoding="utf-8"))
    meta["distribution"] = [d for d in meta["distribution"] if d.get("contentUrl") != "data/ner/test.parquet"]
    meta["distribution"].append({"@type": "cr:FileObject", "contentUrl": "data/old/train.parquet",
                                 "contentSize": "1 B", "sha256": "0" * 64})
    meta["distribution"].append({"@type": "cr:FileObject", "contentUrl": "../outside.parquet",
                                 "contentSize": "1 B", "sha256": "0" * 64})
    (received / "croissant.json").write_text(json.dumps(meta), encoding="utf-8")
    assert _codes(cli, received) == [("IG404", "dataset/croissant.json"), ("IG404", "dataset/data/ner/test.parquet"),
                                     ("IG404", "dataset/data/old/train.parquet")]


@pytest.mark.parametrize("damage", ["missing", "not JSON", "a FIFO"])
def test_IG404_without_a_readable_croissant_the_bytes_are_not_vouched_for(cli, received, damage):
    import os

    path = received / "croissant.json"
    path.unlink()
    if damage == "not JSON":
        path.write_text("{", encoding="utf-8")
    elif damage == "a FIFO":
        os.mkfifo(path)
    assert _codes(cli, received) == [("IG404", "dataset/croissant.json")]


def test_IG404_the_shipped_folder_matches_its_croissant(cli, received):
    assert _codes(cli, received) == []


# --- a split's check taken as a build of this clone found it -------------------------------------------

def _checked_with(files: dict, known: set, checked: list | None = None):
    """`validate_tables` over `files` taking the split checks whose material is in `known`; (findings, the
    materials found clean). `checked` receives (config, splits) of each check that runs."""
    from idlib_gold.checking import tables

    frames, read = tables._read(files)
    assert read == []
    kept = tables.KeptConfigChecks(tables.parquet_digests(files), known.__contains__)
    real = tables._check_config

    def counted(config, model, splits, *rest):
        if checked is not None:
            checked.append((config, [split for split, _ in splits]))
        return real(config, model, splits, *rest)

    tables._check_config = counted
    try:
        found = tables.validate_tables(frames, tables.read_card(files["README.md"])[0], kept)
    finally:
        tables._check_config = real
    return found, set(kept.clean)


def _findings_of(found) -> list:
    return sorted((f.code, f.path, f.message, f.annotation) for f in found)


@pytest.mark.parametrize("name,table,change,expected", CASES, ids=[c[0] for c in CASES])
def test_a_split_checked_alone_gives_the_findings_of_every_split_checked(files, name, table, change, expected):
    """Each corruption above, with the checks of every file but the corrupted one taken as a clean build found
    them: the findings are those of the whole check, and only the corrupted file's split is checked again
    (every split of its config where the corruption puts a row key in two splits)."""
    found, clean = _checked_with(files, set())
    assert found == [] and len(clean) == sum(name.endswith(".parquet") for name in files)
    broken = _edit(files, table, change)
    checked: list = []
    found = _checked_with(broken, clean, checked)[0]
    assert _findings_of(found) == _findings_of(validate_files(broken)) and found
    config, split = table.split("/")[1], table.split("/")[2][:-len(".parquet")]
    if _lookups(broken) == _lookups(files):  # the texts, KB types and KB ids in use: every check reads them
        assert checked == [(config, [split])]
    else:
        assert sorted(checked) == sorted(_splits(files).items())


def _lookups(files: dict) -> bytes:
    import polars as pl

    from idlib_gold.checking import tables

    frames = {config: {split: pl.from_arrow(table) for split, table in splits.items()}
              for config, splits in tables._read(files)[0].items() if config in tables._LOOKED_UP}
    return tables._lookups_digest(*tables._lookups(frames))


def _splits(files: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in sorted(files):
        if name.endswith(".parquet"):
            out.setdefault(name.split("/")[1], []).append(name.split("/")[2][:-len(".parquet")])
    return out


@pytest.mark.parametrize("config, keys", [("documents", ["id"]), ("ner", ["id"]), ("entities", ["doc_id", "id"]),
                                         ("quotes", ["doc_id", "id"])])
def test_a_row_key_in_a_split_checked_again_and_in_a_split_taken_is_found(files, config, keys):
    """A row key that moves into another split's file while the file it already was in is taken: the rule
    that keys are unique spans every split, so every split of the config is checked, as one (a `ner` row's
    id or a layer row's key changes none of the lookups: only this rule sees the leak)."""
    clean = _checked_with(files, set())[1]
    moved = pq.read_table(io.BytesIO(files[f"data/{config}/train.parquet"])).to_pylist()[0]
    broken = _edit(files, f"data/{config}/test.parquet", lambda rows: rows[0].update({k: moved[k] for k in keys}))
    checked: list = []
    found = _checked_with(broken, clean, checked)[0]
    assert _findings_of(found) == _findings_of(validate_files(broken))
    assert any(f.path == f"dataset/data/{config}/train.parquet" and f.code == "IG401" for f in found), found
    assert (config, _splits(files)[config]) in checked


def test_a_clean_rebuild_takes_every_split_and_checks_none(files):
    clean = _checked_with(files, set())[1]
    checked: list = []
    assert _checked_with(files, clean, checked) == ([], clean) and checked == []


def test_row_keys_that_cannot_be_read_check_every_split():
    import pyarrow as pa

    from idlib_gold.checking import tables

    ids = pa.table({"id": ["a", "b"]})
    assert not tables._keys_shared("ner", {"train": ids, "test": pa.table({"id": ["c"]})}, None)
    assert tables._keys_shared("ner", {"train": ids, "test": pa.table({"id": ["b"]})}, None)
    assert tables._keys_shared("ner", {"train": ids, "test": pa.table({"name": ["c"]})}, None)
    assert tables._keys_shared("ner", {"train": ids, "test": b"not parquet"}, None)


def _put_table(files: dict, name: str, table) -> dict:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return {**files, name: sink.getvalue()}


def test_keys_are_compared_though_every_split_would_be_taken(files):
    """Two splits whose clean answers come from two different checks may share a row key: the keys are
    compared before any split is taken, and the config is checked whole."""
    first = pq.read_table(io.BytesIO(files["data/ner/train.parquet"])).to_pylist()[0]
    renamed = _edit(files, "data/ner/train.parquet", _set(0, "id", "renamed"))
    moved = _edit(renamed, "data/ner/test.parquet", lambda rows: rows.append(first))  # the id only in test
    known = _checked_with(files, set())[1] | _checked_with(moved, set())[1]
    both = {**files, "data/ner/test.parquet": moved["data/ner/test.parquet"]}  # the id in train and in test
    checked: list = []
    found = _checked_with(both, known, checked)[0]
    assert _findings_of(found) == _findings_of(validate_files(both))
    assert {f.path for f in found if f.code == "IG401"} >= {"dataset/data/ner/train.parquet",
                                                           "dataset/data/ner/test.parquet"}
    assert ("ner", _splits(files)["ner"]) in checked


def test_a_split_is_taken_only_beside_splits_of_the_same_column_types(files):
    """A column of nulls takes the type of the same column in the splits checked before it in one frame, and a
    split is checked alone when the columns of the splits differ: a split's answer stands for the column
    types of every split of its config, and is checked again when any of them changes."""
    table = pq.read_table(io.BytesIO(files["data/figures/validation.parquet"]))
    index = table.column_names.index("measured")
    untyped = _put_table(files, "data/figures/validation.parquet",
                         table.set_column(index, pa.field("measured", pa.null()), pa.nulls(len(table))))
    untyped = _edit(untyped, "data/documents/validation.parquet",
                    lambda rows: [f.update(measured=None) for d in rows for f in d["figures"]])
    found, known = _checked_with(untyped, set())
    assert found == [] == validate_files(untyped)
    test = pq.read_table(io.BytesIO(untyped["data/figures/test.parquet"]))
    reordered = _put_table(untyped, "data/figures/test.parquet", test.select(test.column_names[::-1]))
    checked: list = []
    found = _checked_with(reordered, known, checked)[0]
    assert found and _findings_of(found) == _findings_of(validate_files(reordered))
    assert "figures" in [config for config, _ in checked]
    # the same rows in other bytes: checked with the splits that type its column of nulls, never alone
    sink = io.BytesIO()
    pq.write_table(pq.read_table(io.BytesIO(untyped["data/figures/validation.parquet"])), sink, compression="gzip")
    rewritten = {**untyped, "data/figures/validation.parquet": sink.getvalue()}
    checked.clear()
    assert _checked_with(rewritten, known, checked)[0] == [] == validate_files(rewritten)
    assert ("figures", _splits(files)["figures"]) in checked


def test_a_token_answer_is_kept_only_for_a_split_whose_every_row_agreed(files):
    """A row whose document is unknown has no token answer (null): its split keeps none, the others do."""
    import polars as pl

    from idlib_gold.checking import tables
    from idlib_gold.checking.table_models import models

    frames, _ = tables._read(files)
    decoded = {c: {s: pl.from_arrow(t) for s, t in splits.items()} for c, splits in frames.items()}
    texts, kb_types, used = tables._lookups(decoded)
    splits = sorted(decoded["ner"].items())
    name, first = splits[0]
    orphan = first.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("nowhere"))
                                .otherwise(pl.col("doc_id")).alias("doc_id"))
    kept = tables.KeptConfigChecks({}, lambda material: False, tokens_known=lambda material: False)
    found = tables._check_config("ner", models()["ner"], [(name, orphan), *splits[1:]], texts, kb_types, used, kept)
    assert any("names no document" in f.message for f in found)
    clean = tables.KeptConfigChecks({}, lambda material: False, tokens_known=lambda material: False)
    assert tables._check_config("ner", models()["ner"], splits, texts, kb_types, used, clean) == []
    assert kept.tokens == clean.tokens[1:]


def test_no_split_of_a_config_with_findings_is_kept(files):
    broken = _edit(files, "data/entities/train.parquet", _set(0, "label", 99))
    from idlib_gold.checking import tables

    digests = tables.parquet_digests(broken)
    found, clean = _checked_with(broken, set())
    assert any(f.path == "dataset/data/entities/train.parquet" for f in found)
    lookups = _lookups(broken)
    shapes = tables._shapes_digest(tables._read(broken)[0]["entities"])[0]
    entities = {tables._split_material("entities", split, digests, lookups, shapes)
                for split in _splits(broken)["entities"]}
    assert None not in entities and not entities & clean
    figures = tables._shapes_digest(tables._read(broken)[0]["figures"])[0]
    assert tables._split_material("figures", "train", digests, lookups, figures) in clean


@pytest.mark.parametrize("config, keys", [("ner", ["id"]), ("quotes", ["doc_id", "id"])])
def test_a_row_key_in_two_splits_whose_columns_differ_is_found(files, config, keys):
    """Splits whose columns differ (here only in their order) are checked one by one; a key in two of them
    is still found, on each row that holds it."""
    moved = pq.read_table(io.BytesIO(files[f"data/{config}/train.parquet"])).to_pylist()[0]
    broken = _edit(files, f"data/{config}/test.parquet", lambda rows: rows[0].update({k: moved[k] for k in keys}))
    test = pq.read_table(io.BytesIO(broken[f"data/{config}/test.parquet"]))
    broken = _put_table(broken, f"data/{config}/test.parquet", test.select(test.column_names[::-1]))
    found = [f for f in validate_files(broken) if "also in" in f.message]
    assert [(f.path, f.message) for f in found] == [
        (f"dataset/data/{config}/test.parquet", f"row 0: {', '.join(keys)}: the row's key is also in the train split"),
        (f"dataset/data/{config}/train.parquet", f"row 0: {', '.join(keys)}: the row's key is also in the test split")]
    assert found[0].code == "IG401" and found[0].annotation == ":".join(str(moved[k]) for k in keys)


def test_a_row_key_in_three_splits_names_the_two_others(files):
    moved = pq.read_table(io.BytesIO(files["data/ner/train.parquet"])).to_pylist()[0]["id"]
    broken = _edit(files, "data/ner/test.parquet", _set(0, "id", moved))
    broken = _edit(broken, "data/ner/validation.parquet", _set(0, "id", moved))
    test = pq.read_table(io.BytesIO(broken["data/ner/test.parquet"]))
    broken = _put_table(broken, "data/ner/test.parquet", test.select(test.column_names[::-1]))
    messages = {f.path: f.message for f in validate_files(broken) if "also in" in f.message}
    assert messages["dataset/data/ner/train.parquet"] == "row 0: id: the row's key is also in the test, validation splits"
    assert messages["dataset/data/ner/test.parquet"] == "row 0: id: the row's key is also in the train, validation splits"


def test_validate_parquet_needs_no_repository(cli, received, monkeypatch):
    """Someone who has the dataset without its YAML runs `validate --parquet DIR` wherever it is: no
    annotations/ folder is needed (the packaged schema's vocabulary), and a broken table still fails."""
    monkeypatch.chdir(received.parent)
    result = cli("validate", "--parquet", str(received))
    assert result.code == 0 and "PASSED" in result.out, result.out + result.err
    assert cli("validate", "--parquet", "received").code == 0
    path = received / "data/kb/train.parquet"
    path.write_bytes(path.read_bytes()[:-9])
    assert cli("validate", "--parquet", "received").code == 1
    for argv in (["validate", "--parquet", "received", "annotations/kb.yaml"],
                 ["validate", "--parquet", "received", "--stale-dataset", "error"]):
        refused = cli(*argv)  # the YAML or the dataset's freshness asks for the repository
        assert refused.code == 2 and "no annotations/ folder" in refused.err, refused
