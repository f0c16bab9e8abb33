"""dataset/croissant.json: valid Croissant, and mlcroissant reads from it the rows the Parquet files hold."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys

import pytest

from helpers import ROOT

# Raised inside mlcroissant by the libraries it calls (rdflib's JSON-LD parser, pandas 3); not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index:DeprecationWarning"),
]

CONFIGS = sorted(p.name for p in (ROOT / "dataset" / "data").iterdir() if p.is_dir())


def _dataset_files() -> dict[str, bytes]:
    """The committed dataset folder as the build hands it to `render_croissant` (before croissant.json)."""
    folder = ROOT / "dataset"
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    files.pop("croissant.json", None)
    return files


def _refuse(*args, **kwargs):
    raise OSError("network access attempted in an offline test")


@pytest.fixture(scope="module", autouse=True)
def offline():
    """No network for anything in this module: Hugging Face offline, and every socket refused."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_DATASETS_OFFLINE", "1")
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", _refuse)
        mp.setattr(socket.socket, "connect_ex", _refuse)
        mp.setattr(socket, "create_connection", _refuse)
        mp.setattr(socket, "getaddrinfo", _refuse)
        yield


@pytest.fixture(scope="module")
def folder(tmp_path_factory, offline):
    """A copy of dataset/ with a freshly rendered croissant.json."""
    from idlib_gold.building.croissant import render_croissant

    dest = tmp_path_factory.mktemp("croissant") / "dataset"
    shutil.copytree(ROOT / "dataset", dest)
    (dest / "croissant.json").write_text(render_croissant(_dataset_files()), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def croissant(folder):
    import mlcroissant as mlc

    return mlc.Dataset(jsonld=str(folder / "croissant.json"))


def _plain(value):
    """mlcroissant's values as pyarrow gives them: text as str, numpy as Python."""
    import numpy as np

    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value


def _strip(values: dict, prefix: str) -> dict:
    """{"quotes/cue/start": 1, …} → {"start": 1, …}"""
    return {k[len(prefix) + 1:]: v for k, v in values.items()}


def _struct(values: dict):
    # A null struct comes back from mlcroissant as a struct of nulls; no span has all its keys null.
    return None if all(v is None for v in values.values()) else values


def _column(record: dict, field_id: str, feature):
    """One column of a record, nested back as pyarrow nests it."""
    from idlib_gold.building.features import List

    value = record[field_id]
    if isinstance(feature, dict):
        return _struct(_strip(value, field_id))
    if isinstance(feature, List) and isinstance(feature.feature, dict):
        items = [_strip(item, field_id) for item in value]
        for key, sub in feature.feature.items():
            if isinstance(sub, dict):
                # mlcroissant 1.1.1 returns a struct inside a list of structs beside the list,
                # as one list per key (documents.figures[].measured, documents.quotes[].cue, …).
                columns = _strip(record[f"{field_id}/{key}"], f"{field_id}/{key}")
                for i, item in enumerate(items):
                    item[key] = _struct({k: columns[k][i] for k in sub})
        return items
    return value


def test_mlcroissant_validates_the_generated_file(folder, caplog):
    import mlcroissant as mlc

    ds = mlc.Dataset(jsonld=str(folder / "croissant.json"))  # raises ValidationError on any error
    issues = ds.metadata.ctx.issues
    assert not issues.errors and not issues.warnings, (issues.errors, issues.warnings)
    assert "not standard" not in caplog.text  # the @context is complete


def test_reading_every_record_set_logs_no_warning(folder, caplog):
    """No warning by logging (where mlcroissant reports a transform that does not match) nor by
    `warnings` (pytest turns those into errors, but for the two library deprecations above)."""
    import logging

    import mlcroissant as mlc

    with caplog.at_level(logging.WARNING):
        ds = mlc.Dataset(jsonld=str(folder / "croissant.json"))
        counts = {rs.id: sum(1 for _ in ds.records(record_set=rs.id)) for rs in ds.metadata.record_sets}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert counts["entities"] == sum(pq_rows(folder, "entities").values()) > 0


def pq_rows(folder, config: str) -> dict[str, int]:
    import pyarrow.parquet as pq

    return {p.stem: pq.read_metadata(p).num_rows for p in sorted((folder / "data" / config).glob("*.parquet"))}


def test_class_labels_refer_to_enumerations_that_hold_their_names(croissant, folder):
    """Each ClassLabel column names its enumeration record set, and mlcroissant reads from it the
    names `datasets` gives for the same column. (No `references`: see building/croissant.py.)"""
    from idlib_gold.building.features import ClassLabel, List, features_for  # equal to datasets' (test_features)

    meta = json.loads((folder / "croissant.json").read_text(encoding="utf-8"))
    record_sets = {r["@id"]: r for r in meta["recordSet"]}
    checked = 0
    for config in CONFIGS:
        fields = {f["name"]: f for f in record_sets[config]["field"]}
        for column, feature in features_for(config).items():
            inner = feature.feature if isinstance(feature, List) else feature
            if not isinstance(inner, ClassLabel):
                continue
            enumeration = re.search(r"`(\w+)` record set", fields[column]["description"])[1]
            assert record_sets[enumeration]["dataType"] == "sc:Enumeration"
            rows = [_plain(r) for r in croissant.records(record_set=enumeration)]
            assert [r[f"{enumeration}/name"] for r in rows] == list(inner.names)
            assert [r[f"{enumeration}/index"] for r in rows] == list(range(len(inner.names)))
            checked += 1
    assert checked == 6  # entities.label, figures.label, figures.category, quotes.type, kb.type, ner.ner_tags


def test_date_published_is_the_changelog_date_of_the_dataset_version(folder):
    from idlib_gold import DATASET_DATE, DATASET_VERSION

    meta = json.loads((folder / "croissant.json").read_text(encoding="utf-8"))
    assert meta["datePublished"] == DATASET_DATE
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[[^\]]+\] - {DATASET_DATE} \(dataset {re.escape(DATASET_VERSION)}\)$", changelog, re.M)


@pytest.mark.parametrize("config", CONFIGS)
def test_each_record_set_yields_the_parquet_rows(croissant, folder, config):
    import pyarrow.parquet as pq

    from idlib_gold.building.features import features_for

    features = features_for(config)
    loaded: dict[str, list[dict]] = {}
    for record in croissant.records(record_set=config):
        record = _plain(record)
        row = {column: _column(record, f"{config}/{column}", f) for column, f in features.items()}
        loaded.setdefault(record[f"{config}/split"], []).append(row)
    expected = {p.stem: pq.read_table(p).to_pylist() for p in sorted((folder / "data" / config).glob("*.parquet"))}
    assert {s: len(r) for s, r in loaded.items()} == {s: len(r) for s, r in expected.items()}
    for split, rows in expected.items():
        for got, want in zip(loaded[split], rows):
            assert got == want, (config, split, want.get("id"))


def test_the_splits_record_set_names_croissant_splits(croissant):
    rows = [_plain(r) for r in croissant.records(record_set="splits")]
    assert rows == [{"splits/name": "train", "splits/url": "cr:TrainingSplit"},
                    {"splits/name": "validation", "splits/url": "cr:ValidationSplit"},
                    {"splits/name": "test", "splits/url": "cr:TestSplit"}]


def test_one_split_loads_alone_from_its_file(folder):
    import mlcroissant as mlc
    import pyarrow.parquet as pq

    ds = mlc.Dataset(jsonld=str(folder / "croissant.json"))  # its own: a filter narrows the file set in place
    records = list(ds.records(record_set="entities", filters={"entities/split": "validation"}))
    assert {r["entities/split"] for r in records} == {b"validation"}
    assert len(records) == pq.read_metadata(folder / "data/entities/validation.parquet").num_rows


def test_file_objects_and_fields_describe_the_folder(folder):
    from idlib_gold.building.features import features_for

    text = (folder / "croissant.json").read_text(encoding="utf-8")
    assert str(folder) not in text and str(ROOT) not in text
    meta = json.loads(text)
    objects = {d["@id"]: d for d in meta["distribution"] if d["@type"] == "cr:FileObject"}
    parquet = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.parquet")}
    assert set(objects) == set(parquet)
    for name, data in parquet.items():
        assert objects[name]["contentUrl"] == name
        assert objects[name]["encodingFormat"] == "application/x-parquet"
        assert objects[name]["contentSize"] == f"{len(data)} B"
        assert objects[name]["sha256"] == hashlib.sha256(data).hexdigest()
    record_sets = {r["@id"]: r for r in meta["recordSet"]}
    assert set(record_sets) == set(CONFIGS) | {"splits", "entity_labels", "figure_labels", "figure_categories",
                                               "quote_types", "kb_types", "ner_tags"}
    for config in CONFIGS:
        assert [f["name"] for f in record_sets[config]["field"]] == ["split"] + list(features_for(config))
    fields = {f["@id"]: f for r in record_sets.values() for f in r["field"]}
    assert fields["entities/label"]["dataType"] == "sc:Integer"
    assert "0=PERSON, 1=NORP" in fields["entities/label"]["description"]
    assert fields["kb/aliases"]["isArray"] is True and fields["kb/aliases"]["dataType"] == "sc:Text"
    assert [s["name"] for s in fields["quotes/cue"]["subField"]] == ["start", "end", "text"]
    assert fields["documents/figures"]["isArray"] is True
    measured = next(s for s in fields["documents/figures"]["subField"] if s["name"] == "measured")
    assert measured["subField"][0]["source"]["transform"] == {"jsonPath": "measured.start"}
    assert meta["version"] == __import__("idlib_gold").DATASET_VERSION
    assert meta["license"][0] == "https://creativecommons.org/licenses/by/4.0/"
    assert "publishers" in meta["license"][1]["name"]


def test_rendering_is_deterministic_and_follows_every_byte():
    from idlib_gold.building.croissant import render_croissant

    files = _dataset_files()
    first = render_croissant(files)
    assert render_croissant(dict(files)) == first and first.endswith("}\n")
    name = "data/kb/train.parquet"
    data = bytearray(files[name])
    data[len(data) // 2] ^= 0xFF
    changed = {**files, name: bytes(data)}

    def file_objects(text: str) -> dict:
        return {d["@id"]: d for d in json.loads(text)["distribution"] if d["@type"] == "cr:FileObject"}

    before, after = file_objects(first), file_objects(render_croissant(changed))
    assert after[name]["sha256"] == hashlib.sha256(changed[name]).hexdigest() != before[name]["sha256"]
    assert {k: v for k, v in after.items() if k != name} == {k: v for k, v in before.items() if k != name}


def test_rendering_needs_no_mlcroissant():
    code = ("import sys; sys.modules['mlcroissant'] = None\n"
            "from pathlib import Path\n"
            "from idlib_gold.building.croissant import render_croissant\n"
            "folder = Path(sys.argv[1])\n"
            "files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob('*') if p.is_file()}\n"
            "files.pop('croissant.json', None)\n"
            "render_croissant(files)\n")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT / "dataset")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
