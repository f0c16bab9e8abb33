"""The floor: the span/text and range checks of `validate --parquet`, in pyarrow and numpy only.

`python bench/floor.py DATASET_DIR` reads every Parquet file of the dataset with
`pyarrow.parquet.read_table` and checks, with whole-column operations and no pandas:

- every span (entities, figures and their measured span, the four quote parts, and
  every ner token) lies in its document (0 <= start < end <= length in code points)
  and its text equals the document text there;
- every ClassLabel column (labels, categories, quote types, KB types, ner tags) is in
  range, and each ner row's lists have one length.

Code-point offsets become byte offsets through the byte positions of code-point starts
(arrow's `utf8_slice_codeunits` counts code points, but takes one offset for the whole
array, so it cannot slice each row at its own offsets). It prints one line of counts;
the benchmark times the whole process, as it times `idlib-gold`.

Two more floors stand beside `idlib-gold build` and `idlib-gold validate` on a YAML tree: the
same documents written once as JSON (`--prepare ROOT`, untimed: ROOT/.floor-json/), then

- `--build ROOT`: every document `json.loads`-ed, its text read and its SHA-256 compared,
  every span checked against the text, and the documents, entities, figures and quotes as
  pyarrow tables (`Table.from_pylist`) written as zstd Parquet files into a temporary folder;
- `--validate ROOT`: every document `json.loads`-ed, checked against the document JSON
  Schema (jsonschema-rs, as the tool's gate), its text read, hashed and span-checked.

One process and no YAML: what the work itself costs, with nothing of ours in the way.

- `--validate-yaml ROOT`: the same as `--validate`, reading the YAML files themselves with the house
  reader (`reading.files.read_yaml_bytes`, which libyaml and rapidyaml do not beat, decisions/0112)
  instead of JSON: the floor of reading, schema-checking and span-checking the same files, which no
  YAML `validate` can go below (one process; the tool reads with two).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Imported by the floors that use them (`_load_arrow`): the validate floors need none of them, and
# importing them anyway (0.17 s, 55 MiB) would raise those floors and flatter what is measured against them.
np = pa = pc = pq = gather_segments = None


def _load_arrow() -> None:
    global np, pa, pc, pq, gather_segments
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from idlib_gold.checking.tables import gather_segments  # the same byte gather our checks use

N_LABELS = {"entities": 13, "figures": 5}
N_CATEGORIES, N_QUOTE_TYPES, N_KB_TYPES, N_TAGS = 11, 3, 11, 37


def _read(folder: Path) -> dict[str, pa.Table]:
    tables = {}
    for config in sorted(p.name for p in (folder / "data").iterdir()):
        parts = [pq.read_table(p) for p in sorted((folder / "data" / config).glob("*.parquet"))]
        tables[config] = pa.concat_tables(parts).combine_chunks()
    return tables


class Texts:
    def __init__(self, docs: pa.Table):
        text = docs.column("text").combine_chunks().cast(pa.large_string())
        _, offsets, data = text.buffers()
        offsets = np.frombuffer(offsets, np.int64)[text.offset:text.offset + len(text) + 1]
        self.data = np.frombuffer(data, np.uint8)[:offsets[-1]]
        mask = np.empty(len(self.data) + 1, bool)
        mask[:-1] = (self.data & 0xC0) != 0x80
        mask[-1] = True
        self.cps = np.flatnonzero(mask)
        self.first = np.searchsorted(self.cps, offsets)
        self.length = np.diff(self.first)
        self.ids = docs.column("id").combine_chunks()

    def check(self, doc_ids, starts, ends, texts) -> tuple[int, int]:
        """(spans checked, spans failing) for arrow arrays; null starts are absent spans."""
        doc_ids, starts, ends, texts = (_array(x) for x in (doc_ids, starts, ends, texts))
        idx = pc.index_in(doc_ids, value_set=self.ids).fill_null(-1).to_numpy(zero_copy_only=False)
        present = pc.is_valid(starts).to_numpy(zero_copy_only=False)
        s = starts.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        e = ends.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        doc = np.maximum(idx, 0)
        valid = present & (idx >= 0) & (s >= 0) & (s < e) & (e <= self.length[doc])
        first = self.first[doc]
        begin = self.cps[np.where(valid, first + s, 0)]
        size = np.where(valid, self.cps[np.where(valid, first + e, 0)] - begin, 0)
        offsets, data = gather_segments(self.data, begin, size)
        found = pa.LargeStringArray.from_buffers(len(size), pa.py_buffer(offsets), pa.py_buffer(data))
        same = pc.equal(found, texts.cast(pa.large_string())).fill_null(False).to_numpy(zero_copy_only=False)
        bad = present & ~(valid & same)
        return int(present.sum()), int(bad.sum())


def _array(x):
    return x.combine_chunks() if isinstance(x, pa.ChunkedArray) else x


def _in_range(column, n: int) -> int:
    return int(pc.sum(pc.invert(pc.and_(pc.greater_equal(column, 0), pc.less(column, n)))).as_py() or 0)


def run(folder: Path) -> dict[str, int]:
    _load_arrow()
    tables = _read(folder)
    texts = Texts(tables["documents"])
    spans = bad = ranges = 0

    def add(result):
        nonlocal spans, bad
        spans, bad = spans + result[0], bad + result[1]

    for config in ("entities", "figures"):
        t = tables[config]
        add(texts.check(t["doc_id"], t["start"], t["end"], t["text"]))
        ranges += _in_range(t["label"], N_LABELS[config])
    m = pc.struct_field(tables["figures"]["measured"], "start")
    measured = tables["figures"]["measured"]
    add(texts.check(tables["figures"]["doc_id"], m, pc.struct_field(measured, "end"),
                    pc.struct_field(measured, "text")))
    ranges += _in_range(tables["figures"]["category"], N_CATEGORIES)
    q = tables["quotes"]
    for part in ("content", "speaker", "cue", "addressee"):
        add(texts.check(q["doc_id"], pc.struct_field(q[part], "start"), pc.struct_field(q[part], "end"),
                        pc.struct_field(q[part], "text")))
    ranges += _in_range(q["type"], N_QUOTE_TYPES) + _in_range(tables["kb"]["type"], N_KB_TYPES)
    if "ner" in tables:
        ner = tables["ner"]
        lengths = [pc.list_value_length(ner[c]) for c in ("tokens", "ner_tags", "token_starts", "token_ends")]
        ranges += sum(int(pc.sum(pc.not_equal(lengths[0], other)).as_py() or 0) for other in lengths[1:])
        rows = pc.list_parent_indices(ner["tokens"])
        add(texts.check(pc.take(ner["doc_id"], rows), pc.list_flatten(ner["token_starts"]),
                        pc.list_flatten(ner["token_ends"]), pc.list_flatten(ner["tokens"])))
        ranges += _in_range(pc.list_flatten(ner["ner_tags"]), N_TAGS)
    return {"spans": spans, "span_failures": bad, "range_failures": ranges}


JSON_DIR = ".floor-json"
_LAYERS = ("entities", "figures", "quotes")


def prepare_json(root: Path) -> int:
    """Write every document of ROOT/annotations/docs as JSON under ROOT/.floor-json (read once
    by the tool's own reader, so both floors see exactly the data the tool sees)."""
    import json

    from idlib_gold.reading.files import read_yaml

    out = root / JSON_DIR
    out.mkdir(exist_ok=True)
    n = 0
    for path in sorted((root / "annotations/docs").glob("*.yaml")):
        loaded, _ = read_yaml(path, path.name)
        (out / f"{path.stem}.json").write_text(json.dumps(loaded.data, ensure_ascii=False), encoding="utf-8")
        n += 1
    return n


def _spans(annotation: dict):
    for value in annotation.values():
        if isinstance(value, dict) and "start" in value:
            yield value
    if "start" in annotation:
        yield annotation


def _json_documents(root: Path, schema_check: bool, yaml: bool = False):
    import hashlib
    import json

    if yaml:
        from idlib_gold.reading.files import read_yaml_bytes

    validator = None
    if schema_check:
        import jsonschema_rs

        from idlib_gold.vocabulary import DOCUMENT, load_schema

        validator = jsonschema_rs.validator_for(load_schema(DOCUMENT))
    paths = (root / "annotations/docs").glob("*.yaml") if yaml else (root / JSON_DIR).glob("*.json")
    for path in sorted(paths):
        if yaml:
            loaded, _ = read_yaml_bytes(path.read_bytes(), path.name)
            data = loaded.data
        else:
            data = json.loads(path.read_bytes())
        if validator is not None and not validator.is_valid(data):
            raise SystemExit(f"{path.name}: not schema-valid")
        raw = (root / "annotations/texts" / f"{path.stem}.txt").read_bytes()
        text = raw.decode("utf-8")
        bad = hashlib.sha256(raw).hexdigest() != data["sha256"]
        for layer in _LAYERS:
            for annotation in data.get(layer) or ():
                for span in _spans(annotation):
                    bad += text[span["start"]:span["end"]] != span["text"]
        yield path.stem, data, text, bad


def _flat(doc_id: str, annotation: dict) -> dict:
    """One row: spans as start/end/text columns, other values as they are, numbers other than
    offsets as text (a value is an integer in one row and a fraction in another)."""
    row = {"doc_id": doc_id}
    for key, value in annotation.items():
        if isinstance(value, dict):
            for part in ("start", "end", "text"):
                row[f"{key}_{part}"] = value.get(part)
        elif isinstance(value, (list, str)) or value is None:
            row[key] = value if isinstance(value, str) or value is None else "|".join(map(str, value))
        else:
            row[key] = value if key in ("start", "end") or isinstance(value, bool) else str(value)
    return row


def build_floor(root: Path) -> dict[str, int]:
    import tempfile

    _load_arrow()

    out = Path(tempfile.mkdtemp(prefix="floor-build-"))
    try:
        docs, rows, bad = [], {layer: [] for layer in _LAYERS}, 0
        for doc_id, data, text, failed in _json_documents(root, schema_check=False):
            bad += failed
            docs.append({"id": doc_id, "text": text, **{k: v for k, v in data.items()
                                                         if not isinstance(v, list)}})
            for layer in _LAYERS:
                rows[layer] += [_flat(doc_id, a) for a in data.get(layer) or ()]
        for name, table_rows in (("documents", docs), *rows.items()):
            table = pa.Table.from_pylist(table_rows)
            pq.write_table(table, out / f"{name}.parquet", compression="zstd", compression_level=3)
        return {"documents": len(docs), "span_failures": bad, "range_failures": 0}
    finally:
        import shutil

        shutil.rmtree(out, ignore_errors=True)


def validate_floor(root: Path, yaml: bool = False) -> dict[str, int]:
    n = bad = 0
    for _doc_id, _data, _text, failed in _json_documents(root, schema_check=True, yaml=yaml):
        n, bad = n + 1, bad + failed
    return {"documents": n, "span_failures": bad, "range_failures": 0}


if __name__ == "__main__":
    if sys.argv[1] == "--prepare":
        print(f"documents={prepare_json(Path(sys.argv[2]))}")
        sys.exit(0)
    if sys.argv[1] in ("--build", "--validate", "--validate-yaml"):
        floors = {"--build": build_floor, "--validate": validate_floor,
                  "--validate-yaml": lambda root: validate_floor(root, yaml=True)}
        counts = floors[sys.argv[1]](Path(sys.argv[2]))
        print(" ".join(f"{k}={v}" for k, v in counts.items()))
        sys.exit(1 if counts["span_failures"] else 0)
    counts = run(Path(sys.argv[1]))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    sys.exit(1 if counts["span_failures"] or counts["range_failures"] else 0)
