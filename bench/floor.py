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
"""

from __future__ import annotations

import sys
from pathlib import Path

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


if __name__ == "__main__":
    counts = run(Path(sys.argv[1]))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    sys.exit(1 if counts["span_failures"] or counts["range_failures"] else 0)
