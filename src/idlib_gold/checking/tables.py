"""Running the pandera models over a dataset folder's Parquet files (level 4).

Used by `idlib-gold validate --parquet DIR` for a dataset someone received without
the YAML, and by `build` on the tables it is about to write. Every failure becomes
an IG4xx finding naming the file, the row, the columns and the annotation.

The tables are read with pyarrow and handed to polars without copying; the helper
columns the models need (see `table_schemas.py`) are computed for whole columns at
once. Spans are the costly part: slicing a text by code points means walking it from
its start, so slicing every span row by row costs (spans × document length), and the
`ner` config has a span per token. Instead `_Texts` keeps all texts in one UTF-8 buffer
with the byte at which each code point starts (every byte that is not a continuation
byte), turns code-point offsets into byte offsets by indexing, and cuts every span's
text out of the buffer with one gather: the cost is that of the bytes compared.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import vocabulary
from ..findings import Finding
from ..memory import return_freed_memory
from .derived import ner_differences, nested_differences, split_differences, story_differences

__all__ = ["validate_folder", "validate_files", "validate_built", "built_material", "parquet_digests", "KeptConfigChecks",
           "validate_tables", "against_croissant", "gather_segments"]

# polars allocates through its own jemalloc, which it sets to give freed pages back after 0.5 s (dirty)
# and 1 s (muzzy), appending whatever `_RJEM_MALLOC_CONF` holds when it is first imported. A config's
# check takes less than that, so each config's frames stayed resident through the next one's, and the
# table check of a 5,000-document build grew by their sum instead of the largest. Freed pages are
# returned at once instead (a value the user set is kept; polars is imported only after this module).
# See docs/decisions/0108-table-check-memory.md.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

#: The hint of the IG402, IG403 and IG404 findings a rebuild fixes.
_REBUILD = "rebuild the dataset with `idlib-gold build`"
#: Configs every dataset has; `ner` is validated when present (datasets built before it lack it).
REQUIRED = ("documents", "entities", "figures", "quotes", "kb")
#: Struct columns holding one span each, flattened to <part>_start, <part>_end, <part>_text.
SPAN_PARTS = {"figures": ("measured",), "quotes": ("content", "speaker", "cue", "addressee")}
_LAYERS = ("entities", "figures", "quotes")


def _read(files: dict[str, bytes | Path]) -> tuple[dict, list[Finding]]:
    """The Parquet files, read; a file that cannot be is a finding.

    Emits: IG403."""
    import pyarrow.parquet as pq

    tables, findings = {}, []
    for name, data in sorted(files.items()):
        parts = Path(name).parts
        if len(parts) != 3 or parts[0] != "data" or not name.endswith(".parquet"):
            if name.endswith(".parquet"):  # counted as checked, so it must not pass unread
                findings.append(Finding("IG403", "a Parquet file outside data/<config>/<split>.parquet is not a "
                                                 "table of this dataset", f"dataset/{name}"))
            continue
        try:
            if not isinstance(data, bytes) and not stat.S_ISREG(os.stat(data).st_mode):  # a FIFO or device
                findings.append(Finding("IG403", "not a regular file (a folder, a FIFO, a device or a socket)",
                                        f"dataset/{name}"))
                continue
            source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
            table = pq.read_table(source)
            broken = _invalid_column(table)
            if broken is not None:
                findings.append(Finding("IG403", f"column {broken[0]}: {broken[1]}", f"dataset/{name}"))
                continue
            tables.setdefault(parts[1], {})[Path(parts[2]).stem] = table
        except Exception as exc:  # any unreadable file is a finding, not a traceback
            findings.append(Finding("IG403", f"cannot read Parquet: {exc}", f"dataset/{name}"))
    return tables, findings


def _invalid_column(table) -> tuple[str, str] | None:
    """(the first column whose data Arrow's full validation refuses, why): a string that is not UTF-8, say,
    which reading Parquet lets through and polars cannot hold; None for valid data (0.05 s for every table
    at 1,000x)."""
    import pyarrow as pa

    for name, column in zip(table.column_names, table.columns):
        try:
            column.validate(full=True)
        except pa.ArrowInvalid as exc:
            return name, str(exc).split("Invalid: ")[-1].strip() or "invalid data"
    return None


def gather_segments(data, begin, size):
    """(offsets, bytes) of the segments data[begin[i]:begin[i] + size[i]], laid end to end.

    The byte index runs up by one inside a segment and jumps between segments, so it is a
    running sum of ones with a jump written at each segment's first byte: two passes over
    the output, where arange + repeat take four.
    """
    import numpy as np

    offsets = np.zeros(len(size) + 1, dtype=np.int64)
    np.cumsum(size, out=offsets[1:])
    if offsets[-1] == 0:
        return offsets, data[:0]
    kind = np.int32 if len(data) < 2**31 else np.int64
    step = np.ones(offsets[-1], dtype=kind)
    used = size > 0
    first, length = begin[used], size[used]
    jumps = np.empty(len(first), dtype=np.int64)
    jumps[0] = first[0]
    jumps[1:] = first[1:] - (first[:-1] + length[:-1] - 1)
    step[offsets[:-1][used]] = jumps
    np.cumsum(step, out=step)
    return offsets, data[step]


#: Bytes of text looked at in one step when finding the continuation bytes.
_CP_STEP = 1 << 22
#: Tokens compared with the texts in one step (`_Texts.tokens_agree`).
_TOKEN_STEP = 1 << 19


def _continuation_bytes(data):
    """The positions of the UTF-8 continuation bytes of `data` (10xxxxxx), found a few MiB at a time
    (`np.flatnonzero` gives int64 positions: for every byte at once, a temporary eight times the text)."""
    import numpy as np

    kind = np.int32 if len(data) < 2**31 else np.int64
    parts = []
    for i in range(0, len(data), _CP_STEP):
        found = np.flatnonzero((data[i:i + _CP_STEP] & 0xC0) == 0x80).astype(kind)
        found += i
        parts.append(found)
    return np.concatenate(parts) if parts else np.zeros(0, kind)


class _Texts:
    """Every document's text in one UTF-8 buffer, and the byte at which each of its code points starts."""

    def __init__(self, ids: list, texts):
        import numpy as np
        import pyarrow as pa

        own = texts.to_arrow()
        own = own.combine_chunks() if isinstance(own, pa.ChunkedArray) else own
        if not (pa.types.is_string(own.type) or pa.types.is_large_string(own.type)):
            own = own.cast(pa.large_string())  # a string view, say: read below as offsets and bytes
        n = len(own)
        # The texts' buffers as they are (no copy of the text: a cast or a concatenation copied 24 MiB
        # of a 5,000-document corpus), and one empty text at the end, so that every lookup below has an
        # element to land on.
        _, offsets, data = own.buffers()
        wide = pa.types.is_large_string(own.type)
        offsets = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)[own.offset:own.offset + n + 1] \
            if offsets is not None else np.zeros(1, np.int32)
        offsets = np.append(offsets.astype(np.int64), offsets[-1] if len(offsets) else 0)
        data = np.frombuffer(data, dtype=np.uint8)[:offsets[-1]] if data is not None else np.zeros(0, np.uint8)
        self.data = data
        # A code point starts at every byte that is not a continuation byte, so the byte of code point g
        # (counted over all texts) is g plus the continuation bytes before it: continuation byte j
        # comes before code point g when fewer than g + 1 code points start before it, which is its
        # position less j. Only these, one number per continuation byte (a few per cent of a news
        # text's bytes), are kept, where a number per code point took 68 MiB at 5,000 documents.
        continuations = _continuation_bytes(data)
        kind = continuations.dtype
        self.after = continuations - np.arange(len(continuations), dtype=kind)
        # each text's first code point, and its length in code points
        offsets = offsets.astype(kind)
        self.first = offsets - np.searchsorted(continuations, offsets).astype(kind)
        del continuations
        self.length = np.diff(self.first)
        present = ~own.is_null().to_numpy(zero_copy_only=False)
        # Later rows win, as a dict built from the rows would; documents without text are unknown.
        self.lookup = {doc_id: k for k, doc_id in enumerate(ids) if doc_id is not None and present[k]}
        # What every lookup below answers from: the ids, which texts are there, the bytes and where each text
        # starts in them.
        h = hashlib.sha256(json.dumps(ids).encode("utf-8", "surrogatepass"))
        for part in (present.astype(np.uint8), offsets.astype(np.int64), data):
            h.update(memoryview(np.ascontiguousarray(part)).cast("B"))
            h.update(b"\0")
        self.digest = h.digest()

    def byte_at(self, code_points):
        """The byte at which each code point (counted over all texts) starts (the buffer's end for the
        code point after the last)."""
        import numpy as np

        if not len(self.after):
            return code_points
        return code_points + np.searchsorted(self.after, code_points, side="right").astype(code_points.dtype,
                                                                                          copy=False)

    def index(self, doc_ids):
        """The position of each row's document, -1 for a document that is not there (int32)."""
        import numpy as np
        import polars as pl

        found = doc_ids.replace_strict(list(self.lookup), list(self.lookup.values()), default=-1,
                                       return_dtype=pl.Int32)
        return found.fill_null(-1).to_numpy().astype(np.int32, copy=False)

    def lengths(self, idx):
        """Each row's document length in code points (null for an unknown document)."""
        import numpy as np
        import polars as pl
        import pyarrow as pa

        values = np.where(idx >= 0, self.length[np.maximum(idx, 0)], 0)
        return pl.from_arrow(pa.array(values, type=pa.int64(), mask=idx < 0))

    def slices(self, idx, starts, ends, nonempty: bool = False):
        """text[start:end] of each row's document, null where the offsets fall outside it (numpy in, polars out).

        Every per-row array is as narrow as its values allow (int32 offsets stay int32; a sum that
        could wrap is only ever used where `valid` holds, where it cannot): with a row per token the
        temporaries here are the largest part of the check's memory."""
        import numpy as np
        import polars as pl
        import pyarrow as pa

        doc = np.maximum(idx, 0)
        valid = (idx >= 0) & (starts >= 0)
        valid &= (starts < ends) if nonempty else (starts <= ends)
        valid &= ends <= self.length[doc]
        first = self.first[doc]
        del doc
        begin = self.byte_at(np.where(valid, first + starts, 0))
        size = self.byte_at(np.where(valid, first + ends, 0))
        del first
        size -= begin
        size[~valid] = 0
        offsets, found = gather_segments(self.data, begin, size)
        del begin, size
        validity = pa.array(valid, type=pa.bool_()).buffers()[1]
        out = pa.LargeStringArray.from_buffers(len(valid), pa.py_buffer(offsets), pa.py_buffer(found), validity)
        return pl.from_arrow(out)

    def span_slices(self, idx, starts, ends):
        """`slices` for polars offset columns (nulls: absent span, so nothing found)."""
        import polars as pl

        return self.slices(idx, starts.cast(pl.Int64).fill_null(-1).to_numpy(),
                           ends.cast(pl.Int64).fill_null(-2).to_numpy())

    def tokens_agree(self, idx, tokens, starts, ends):
        """Per row, whether its lists of tokens and of their start and end offsets are equally long and
        each token is its document's text at its offsets, 0 <= start < end <= the text's length (polars
        booleans; null for a row whose document is unknown or whose lists are null).

        The answer is computed over the flattened tokens in numpy, never as a list of cut strings
        compared in polars: at 1,000x the corpus (3.4 million tokens) cutting the strings took 0.55 s and
        comparing the lists 0.08 s, this 0.42 s, most of it the byte offsets' two searches and comparing
        20 MB, which are the work itself. Rows are taken a few hundred thousand tokens at a time: each token needs a dozen
        numbers on the way, and for every token at once they were the table check's peak."""
        import numpy as np
        import polars as pl

        ends_at = np.cumsum(starts.list.len().fill_null(0).to_numpy())  # tokens up to each row, inclusive
        cuts = [0]
        while cuts[-1] < len(ends_at):  # at least one row a step, however long its list
            done = int(ends_at[cuts[-1] - 1]) if cuts[-1] else 0
            cuts.append(max(cuts[-1] + 1, int(np.searchsorted(ends_at, done + _TOKEN_STEP, side="right"))))
        if len(cuts) <= 2:
            return self._tokens_agree(idx, tokens, starts, ends)
        return pl.concat([self._tokens_agree(idx[a:b], tokens.slice(a, b - a), starts.slice(a, b - a),
                                             ends.slice(a, b - a)) for a, b in zip(cuts, cuts[1:])], rechunk=False)

    def _tokens_agree(self, idx, tokens, starts, ends):
        import numpy as np
        import polars as pl
        import pyarrow as pa

        from .table_models import list_values

        def listed(column, kind=None):
            return list_values(column if kind is None else column.cast(pl.List(kind)))

        def ints(column):
            inner = column.dtype.inner
            kind = pl.Int32 if inner in (pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16) else pl.Int64
            values, flat, offsets = listed(column, kind)
            return values, flat.fill_null(-1).to_numpy(), offsets, flat.is_null().to_numpy(zero_copy_only=False)

        s_list, s_flat, s_off, s_null = ints(starts)
        _, e_all, e_off, e_null = ints(ends)
        t_list, t_flat, t_off = listed(tokens)
        n = len(s_flat)
        index = np.int32 if n < 2**31 else np.int64
        rows = np.repeat(np.arange(len(s_list), dtype=index), np.diff(s_off))
        # Only rows whose three lists are equally long are compared (the others fail); their k-th token,
        # start and end are at the same distance from the rows' first ones. When the three lists are laid
        # out alike, as a build writes them, the k-th of each is simply the k-th: nothing is picked.
        same = (np.diff(s_off) == np.diff(e_off)) & (np.diff(s_off) == np.diff(t_off))
        if same.all() and np.array_equal(s_off, e_off) and np.array_equal(s_off, t_off):
            e_at = t_at = None
        else:
            at = np.arange(n, dtype=index)
            at -= s_off[:-1].astype(index, copy=False)[rows]
            take = same[rows]
            rows, at, s_flat, s_null = rows[take], at[take], s_flat[take], s_null[take]
            e_at = at + e_off[:-1].astype(index, copy=False)[rows]
            t_at = at + t_off[:-1].astype(index, copy=False)[rows]
            del at, take
        first, last = s_flat, _picked(e_all, e_at)
        ok = ~s_null & ~_picked(e_null, e_at)
        del e_all, e_null, s_null
        doc = idx[rows]
        ok &= (doc >= 0) & (first >= 0) & (first < last)
        safe = np.maximum(doc, 0)
        ok &= last <= self.length[safe]
        base = self.first[safe]
        del safe, doc
        begin = self.byte_at(np.where(ok, base + first, 0))
        size = self.byte_at(np.where(ok, base + last, 0)) - begin
        del base, first, last
        # The tokens' own bytes: each token's length in bytes must be its text's, then the bytes must be equal.
        t_flat = t_flat.cast(pa.large_string()) if not pa.types.is_large_string(t_flat.type) else t_flat
        ok &= ~_picked(t_flat.is_null().to_numpy(zero_copy_only=False), t_at)
        _, t_offsets, t_data = t_flat.buffers()
        t_offsets = np.frombuffer(t_offsets, np.int64)[t_flat.offset:t_flat.offset + len(t_flat) + 1]
        t_begin = _picked(t_offsets[:-1], t_at)
        ok &= (_picked(t_offsets[1:], t_at) - t_begin) == size
        del t_at, t_offsets
        size[~ok] = 0
        t_bytes = np.frombuffer(t_data, np.uint8) if t_data is not None else np.zeros(0, np.uint8)
        cut, found = _segments(t_bytes, t_begin, size)
        wanted = _segments(self.data, begin, size)[1]
        del begin, t_begin, size
        differ = np.flatnonzero(wanted != found)
        if len(differ):
            ok[np.searchsorted(cut, differ, side="right") - 1] = False
        bad = ~same
        bad[rows[~ok]] = True
        answer = pa.array(~bad, type=pa.bool_(), mask=(idx < 0) | s_list.is_null().to_numpy(zero_copy_only=False)
                          | t_list.is_null().to_numpy(zero_copy_only=False))
        return pl.from_arrow(answer)


def _picked(values, at):
    """values[at], or `values` itself where `at` is None (every position, in order)."""
    return values if at is None else values[at]


def _segments(data, begin, size):
    """`gather_segments`, without a byte index where the segments follow one another in `data` and do not
    overlap (a build's tokens, in text order): then the bytes between them are masked out, which touches
    each byte once, where an index of every byte taken costs eight bytes and a gather per byte (the `ner`
    token rule at 1,000x: 0.42 s against 0.47 s, medians of six runs in one process)."""
    import numpy as np

    if len(size) and np.all(begin[1:] >= begin[:-1] + size[:-1]):
        offsets = np.zeros(len(size) + 1, dtype=np.int64)
        np.cumsum(size, out=offsets[1:])
        low, high = int(begin[0]), int(begin[-1] + size[-1])
        if np.array_equal(begin[1:], begin[:-1] + size[:-1]):  # one run: the bytes as they lie
            return offsets, data[low:high]
        used = size > 0  # so no two segments start, nor two end, at one byte
        inside = np.zeros(high - low + 1, np.int8)
        inside[begin[used] - low] = 1
        inside[begin[used] + size[used] - low] -= 1  # where one ends and the next starts, the two cancel
        return offsets, data[low:high][np.cumsum(inside[:-1], dtype=np.int8).view(bool)]
    return gather_segments(data, begin, size)


def _flatten(df, part: str):
    import polars as pl

    span = pl.col(part)
    return df.with_columns(span.struct.field("start").alias(f"{part}_start"),
                           span.struct.field("end").alias(f"{part}_end"),
                           span.struct.field("text").alias(f"{part}_text")).drop(part)


def _enrich(config: str, df, texts: _Texts, kb_types: dict, used: set, kept: KeptConfigChecks | None = None,
            parts: list[tuple[str, int, int]] | None = None):
    """The frame's helper columns (table_models.py says what each holds); `parts`: which rows are which
    split's, (split, first row, rows), for the answers kept split by split (`_tokens_agree`)."""
    import polars as pl

    if config in _LAYERS or config == "ner":
        idx = texts.index(df["doc_id"])
        df = df.with_columns(doc_len=texts.lengths(idx))
    if config in ("entities", "figures"):
        df = df.with_columns(found=texts.span_slices(idx, df["start"], df["end"]))
    for part in SPAN_PARTS.get(config, ()):
        df = _flatten(df, part)
        df = df.with_columns(texts.span_slices(idx, df[f"{part}_start"], df[f"{part}_end"])
                             .alias(f"{part}_found"))
    if config == "ner":
        df = df.with_columns(tokens_agree=_tokens_agree(df, idx, texts, kept, parts or [("", 0, len(df))]))
    for layer, column, helper in (("entities", "entity", "kb_type"), ("figures", "source", "source_type")):
        if config == layer:  # a KB reference becomes the type of the entry it names (null: no such entry)
            df = df.with_columns(pl.col(column).replace_strict(list(kb_types), list(kb_types.values()), default=None,
                                                               return_dtype=pl.String).alias(helper))
    if config == "quotes":
        known = pl.col("speaker_entity").list.eval(pl.element().is_in(list(kb_types)).fill_null(False)).list.all()
        df = df.with_columns(speakers_known=known.fill_null(False))
    if config == "documents":
        digests = [None if t is None else hashlib.sha256(t.encode("utf-8")).hexdigest() for t in df["text"]]
        df = df.with_columns(text_sha256=pl.Series(digests, dtype=pl.String))
    if config == "kb":
        df = df.with_columns(used=pl.col("id").is_in(list(used)))
    return df


def _tokens_agree(df, idx, texts: _Texts, kept: KeptConfigChecks | None, parts: list[tuple[str, int, int]]):
    """The `ner` rows' `tokens_agree` column (`_Texts.tokens_agree`), or, where a build of this clone found
    every token in agreement for exactly these texts and these four columns, that answer (`kept`), split
    by split (`parts`: (split, first row, rows)), so that an answer is found again whether its split is
    checked with the others or alone.

    An edited entity or figure changes the tags and leaves the tokens as they were: the rule itself is
    0.42 s of such a rebuild at 1,000x the corpus (3.4 million tokens), the digest that stands for its
    inputs 0.05 s: the columns as polars holds them, written as an Arrow stream into SHA-256, which
    encodes every value, validity bit and length, so other values never give these bytes (the same
    values laid out otherwise may give other bytes: the rule then runs)."""
    import polars as pl

    if df.schema.get("tokens") != pl.List(pl.String):  # the model says the column is broken
        return pl.lit(None, pl.Boolean)
    if kept is None or kept.tokens_known is None:
        return texts.tokens_agree(idx, df["tokens"], df["token_starts"], df["token_ends"])
    materials = [_tokens_material(df.slice(first, rows), texts) for _, first, rows in parts]
    if all(kept.tokens_known(material) for material in materials):
        kept.tokens += materials
        return pl.repeat(True, len(df), eager=True)
    agree = texts.tokens_agree(idx, df["tokens"], df["token_starts"], df["token_ends"])
    for material, (_, first, rows) in zip(materials, parts):
        answer = agree.slice(first, rows)
        if answer.null_count() == 0 and answer.all():
            kept.tokens.append(material)
    return agree


class _Digesting:
    """A write-only file that feeds SHA-256: Arrow's stream writer writes into it, nothing is held."""

    closed = False

    def __init__(self, digest) -> None:
        self.digest = digest

    def write(self, data) -> int:
        self.digest.update(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def _tokens_material(df, texts: _Texts) -> bytes:
    """What the token rule answers from: the texts (their digest) and the rows' documents, tokens and offsets."""
    import polars as pl
    import pyarrow as pa

    columns = df.select("doc_id", "tokens", "token_starts", "token_ends").to_arrow(compat_level=pl.CompatLevel.newest())
    digest = hashlib.sha256(b"token rule 1\0" + texts.digest)
    with pa.ipc.new_stream(pa.PythonFile(_Digesting(digest), mode="w"), columns.schema) as stream:
        stream.write_table(columns)
    return digest.digest()


def _findings(config: str, parts: list[tuple[str, int, int]], failure_cases, df) -> list[Finding]:
    """IG401 findings from pandera's failure cases; `parts` maps the validated frame's rows to split files.

    Emits: IG401."""
    import polars as pl

    cases = failure_cases.to_dicts()
    rows = sorted({c["index"] for c in cases if c["index"] is not None and 0 <= c["index"] < len(df)})
    ann = {}
    if rows and "id" in df.columns:
        ids = df["id"].gather(rows).to_list()
        docs = df["doc_id"].gather(rows).to_list() if "doc_id" in df.columns else [None] * len(rows)
        ann = {r: (f"{d}:{i}" if d is not None else str(i)) for r, d, i in zip(rows, docs, ids)}
    numeric = {name for name, dtype in df.schema.items() if dtype.is_numeric() or dtype == pl.Boolean}
    out, seen = [], set()
    for case in cases:
        row, column, check = case["index"], case["column"], case["check"]
        table_wide = case["schema_context"] == "DataFrameSchema"
        key = (check, row) if table_wide else (check, row, column)
        if key in seen:
            continue  # a row-wide check lists the row once per column; say it once
        seen.add(key)
        value = case["failure_case"]
        value = value if column in numeric or value is None else repr(value)
        for split, first, count in parts:
            if row is not None and not first <= row < first + count:
                continue
            where = "table" if row is None else f"row {row - first}"
            if row is not None and table_wide:
                message = f"{where}: {check}"
            elif table_wide:
                message = f"{where}: {check} ({value})"
            else:
                message = f"{where}, column {column}: {check} (value {value})"
            out.append(Finding("IG401", message, f"dataset/data/{config}/{split}.parquet", None, None,
                               ann.get(row)))
    return out


#: The configs `_lookups` and `derived.nested_differences` read.
_LOOKED_UP = ("documents", "kb") + _LAYERS


def _lookups(frames: dict) -> tuple[_Texts, dict, set]:
    """The documents' texts, KB id → type name, and every KB id the layers reference.

    Tables too broken to take part (a column missing or of another type) are left out
    here; validating them reports what is wrong.
    """
    import polars as pl

    def usable(f, **types):
        return all(c in f.columns and isinstance(f.schema[c], t) for c, t in types.items())

    docs = [f.select("id", "text") for f in frames.get("documents", {}).values()
            if usable(f, id=pl.String, text=pl.String)]
    docs = pl.concat(docs) if docs else pl.DataFrame(schema={"id": pl.String, "text": pl.String})
    texts = _Texts(docs["id"].to_list(), docs["text"])
    names = vocabulary.kb_types()
    kb_types = {}
    for f in frames.get("kb", {}).values():
        if usable(f, id=pl.String) and "type" in f.columns and f["type"].dtype.is_integer():
            kb_types.update({i: names[t] if t is not None and 0 <= t < len(names) else None
                             for i, t in zip(f["id"].to_list(), f["type"].to_list())})
    used = set()
    for config, column in (("entities", "entity"), ("figures", "source")):
        for f in frames.get(config, {}).values():
            if usable(f, **{column: pl.String}):
                used |= set(f[column].drop_nulls().unique().to_list())
    for f in frames.get("quotes", {}).values():
        if usable(f, speaker_entity=pl.List) and f.schema["speaker_entity"].inner == pl.String:
            used |= set(f["speaker_entity"].explode().drop_nulls().unique().to_list())
    return texts, kb_types, used


def _combined(splits: list[tuple[str, object]]):
    """The splits of one config as one frame, and (split, first row, rows) for each; None if they differ in schema.

    One pandera run per config instead of per file: each run costs a fixed ~50 ms of query
    planning whatever the size, and a rule such as a unique id then holds across splits too
    (a document in two splits is a leak). Findings are mapped back to each file's own rows.
    """
    import polars as pl

    parts, first = [], 0
    for split, df in splits:
        parts.append((split, first, len(df)))
        first += len(df)
    try:
        return pl.concat([df for _, df in splits], how="vertical"), parts
    except (pl.exceptions.PolarsError, ValueError, TypeError):
        return None, parts


CARD = "README.md"


def read_card(raw: bytes | None) -> tuple[object, list[Finding]]:
    """The configs a dataset card declares (table_types.Declared), or None and why not.

    Emits: IG403."""
    from ..reading.files import parse_yaml
    from .table_types import declared

    where = f"dataset/{CARD}"
    if raw is None:
        return None, [Finding("IG403", "no dataset card: the split files and column types cannot be checked", where,
                              hint="the card's YAML header declares them; rebuild with `idlib-gold build`")]
    header = _card_header(raw)
    loaded, problems = parse_yaml(header, where) if header is not None else (None, [])
    card = declared(loaded.data) if loaded is not None else None
    if card is None:
        return None, problems + [Finding("IG403", "the card's YAML header declares no configs", where)]
    return card, []


def _card_header(raw: bytes) -> str | None:
    """The card's YAML header, between its first two `---` lines: all of the card the checks read."""
    text = raw.decode("utf-8", errors="replace")
    parts = text.split("---\n", 2) if text.startswith("---\n") else []
    return parts[1] if len(parts) == 3 else None


def parquet_digests(files: dict[str, bytes]) -> dict[str, bytes]:
    """The SHA-256 of each Parquet file among a build's `files` (name → digest)."""
    return {name: hashlib.sha256(data).digest() for name, data in files.items() if name.endswith(".parquet")}


def built_material(files: dict[str, bytes], digests: dict[str, bytes] | None = None) -> bytes:
    """What `validate_built` answers from for the tables of a build's `files`: each Parquet file's
    bytes (a Parquet file holds its Arrow schema and every value, so equal bytes are equal tables),
    and what the card declares (its split files, column types, counts of examples and the names it
    repeats; the rest of the card, such as the digest of the sources, is never read by the checks). A build keeps a clean check under it
    (building/dataset.py), where the parse cache binds it to the schema folder in use and its files,
    this package's bytes and the versions of the libraries that run the rules. `digests`: the files'
    `parquet_digests`, where the caller has them."""
    digests = parquet_digests(files) if digests is None else digests
    h = hashlib.sha256(b"built tables 1\0")
    for name in sorted(digests):
        h.update(name.encode("utf-8", "surrogateescape") + b"\0" + digests[name])
    card = read_card(files[CARD])[0] if CARD in files else None
    declared = None if card is None else {"files": card.files, "columns": card.columns,
                                          "examples": {c: {k: repr(v) for k, v in splits.items()}
                                                       for c, splits in card.examples.items()},
                                          "repeated": card.repeated}
    h.update(json.dumps(declared, sort_keys=True).encode() + b"\0")
    return h.digest()


def _against_card(tables: dict, card) -> tuple[list[Finding], set[str]]:
    """Split files the card declares but the folder lacks, columns whose type is not the declared one, and
    splits whose rows are not as many as the card counts (`load_dataset` refuses such a folder); and the
    configs whose tables do not have the declared columns (their rules would not apply).

    Emits: IG403, IG404."""
    from .table_types import differences

    findings, broken = [], set()
    for config, splits in sorted(card.files.items()):
        for split, path in sorted(splits.items()):
            if split not in tables.get(config, {}):
                findings.append(Finding("IG403", f"missing: the card declares it as the {split} split of {config}",
                                        f"dataset/{path}", hint=_REBUILD))
    for config, splits in sorted(tables.items()):
        for split, table in sorted(splits.items()):
            where = f"dataset/data/{config}/{split}.parquet"
            if split not in card.files.get(config, {}):
                findings.append(Finding("IG403", "the card does not declare this file", where))
                continue
            for problem in differences(_schema(table), card.columns.get(config, {})):
                findings.append(Finding("IG403", problem, where, hint=_REBUILD))
                broken.add(config)
            counted = card.examples.get(config)
            rows = _row_count(table) if counted is not None else None
            if counted is not None and counted.get(split) != rows:
                said = f"{counted[split]!r} examples" if split in counted else "no number of examples"
                findings.append(Finding("IG404", f"the card gives the {split} split of {config} {said}; the file holds "
                                        f"{rows} rows (load_dataset refuses the folder)", where, hint=_REBUILD))
    findings += [Finding("IG404", f"the card's {what} (load_dataset refuses the folder)", f"dataset/{CARD}",
                         hint=_REBUILD) for what in card.repeated]
    for config, counted in sorted(card.examples.items()):
        if config not in card.files:
            continue  # a config the card does not declare is not loaded
        for split in sorted(set(counted) - set(tables.get(config, {})) - set(card.files.get(config, {}))):
            findings.append(Finding("IG404", f"the card counts examples of a {split} split of {config}, which has "
                                    "no file (load_dataset refuses the folder)", f"dataset/data/{config}",
                                    hint=_REBUILD))
    return findings, broken


def _unheld_columns(tables: dict) -> list[Finding]:
    """A finding for each column of a type no table of this dataset holds and the checks cannot read (a
    decimal, a date, a record naming a field twice): with a card it is also not the declared type, but
    without one it would reach polars, which cannot hold every Arrow type and fails outside any rule.

    Emits: IG403."""
    out = []
    for config, splits in sorted(tables.items()):
        for split, table in sorted(splits.items()):
            for column in _schema(table):
                why = _unheld(column.type)
                if why is not None:
                    out.append(Finding("IG403", f"column {column.name} is {why}, which no table of the dataset holds",
                                       f"dataset/data/{config}/{split}.parquet", hint=_REBUILD))
    return out


def _unheld(kind) -> str | None:
    import pyarrow as pa

    t = pa.types
    if t.is_null(kind) or t.is_boolean(kind) or t.is_integer(kind) or t.is_string(kind) or t.is_large_string(kind) \
            or t.is_string_view(kind) or (t.is_floating(kind) and not t.is_float16(kind)):
        return None
    if t.is_dictionary(kind):
        return _unheld(kind.value_type)
    if t.is_list(kind) or t.is_large_list(kind):
        return _unheld(kind.value_type)
    if t.is_struct(kind):
        names = [kind.field(i).name for i in range(kind.num_fields)]
        if len(set(names)) != len(names):
            return f"a record naming a field twice ({kind})"
        return next((why for i in range(kind.num_fields) if (why := _unheld(kind.field(i).type)) is not None), None)
    return f"of type {kind}"


def _row_count(table) -> int:
    """The rows of an Arrow table, or of the Parquet bytes a build wrote (from the file's footer)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(table, bytes):
        return pq.ParquetFile(pa.BufferReader(table)).metadata.num_rows
    return table.num_rows


@dataclass
class KeptConfigChecks:
    """What a build knows of its configs' checks before running them: the SHA-256 of each Parquet file it is
    about to write (`digests`, name → digest), and `known(material)`, whether a build of this clone
    checked a split file of exactly that material and found nothing (building/dataset.py asks its parse
    cache, which binds the answer to the schema folder, this package and the checking libraries).

    Every rule of a config but one reads a row and the lookups every config shares (the texts, the KB's
    types, the KB ids the layers use); the one, that the columns naming a row (`table_models.ROW_KEYS`)
    are unique, reads all of the config's splits; and the splits are checked as one frame, whose column
    types follow every split's. So the material of a split's check is the digest of its file, of the
    lookups and of the column types of the config's splits (`_split_material`): a rebuild after a
    figure's value was edited checks the documents and figures of that figure's split again, and takes
    the other splits and configs as they were (the ner check alone was 1.3 s of a 10 s rebuild at 1,000×
    the corpus, and an edit changes one split of three). Splits are taken only when no row key of one is
    in another split (`_keys_shared`, asked whenever a split would be taken); else every split of the
    config is checked, as a whole check does. `clean` receives the material of every split found clean,
    checked or taken, for the build to keep once it is stamped.

    `tokens_known(material)` answers the same for the `ner` token rule alone (`_tokens_agree`), which an
    edited entity or figure would have decided again though no token changed; `tokens` receives the
    material of each split's answer in which every token agreed, checked or taken."""

    digests: dict[str, bytes]
    known: Callable[[bytes], bool]
    clean: list[bytes] = field(default_factory=list)
    tokens_known: Callable[[bytes], bool] | None = None
    tokens: list[bytes] = field(default_factory=list)


def _lookups_digest(texts: _Texts, kb_types: dict, used: set) -> bytes:
    """A digest of everything `_lookups` gives the checks."""
    h = hashlib.sha256(b"lookups 1\0" + texts.digest)
    pairs = sorted(json.dumps(pair) for pair in kb_types.items())  # a null id, from a table, sorts too
    h.update(json.dumps([pairs, sorted(json.dumps(i) for i in used)]).encode("utf-8", "surrogatepass"))
    return h.digest()


def _split_material(config: str, split: str, digests: dict[str, bytes], lookups: bytes, shapes: bytes) -> bytes | None:
    """What the check of one split of a config answers from: its file's bytes, the lookups, and the column
    types of every split of the config (`shapes`, `_shapes_digest`): the splits are checked as one frame
    when their columns agree, and one by one otherwise, and polars types a column of one split after
    those before it in that frame (a column of nulls takes another split's type). None: the file's
    digest is not known, so nothing is taken or kept for it."""
    name = f"data/{config}/{split}.parquet"
    if name not in digests:
        return None
    return hashlib.sha256(b"split check 2\0" + name.encode("utf-8", "surrogateescape") + b"\0" + lookups
                          + shapes + digests[name]).digest()


def _shapes_digest(splits: dict) -> tuple[bytes, bool]:
    """A digest of the column names and types, as polars reads them, of each split of a config (split →
    table or Parquet bytes), and whether every split has the same ones: only then is a frame of some of
    the splits typed as the frame of all of them (Arrow names a list's items `item` in a table and
    `element` in a Parquet file, which the check never sees). A file whose columns cannot be read has
    a shape of its own, random: it is checked, never taken."""
    import polars as pl

    h = hashlib.sha256(b"shapes 1\0")
    shapes = set()
    for split in sorted(splits):
        try:
            columns = pl.from_arrow(_schema(splits[split]).empty_table()).schema.items()
            shape = repr([(name, str(dtype)) for name, dtype in columns]).encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001
            shape = os.urandom(16)
        shapes.add(shape)
        h.update(split.encode("utf-8", "surrogateescape") + b"\0" + shape + b"\0")
    return h.digest(), len(shapes) == 1


def _keys_shared(config: str, splits: dict, decoded: dict | None) -> bool:
    """Whether a value of the columns naming a row of `config` (`ROW_KEYS`) is in two of its splits, or they
    cannot be read (`splits`: split → table or Parquet bytes; `decoded`: the frames made of them already).
    Then the splits' checks cannot be taken one by one: the rule that the keys are unique spans them all."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .table_models import ROW_KEYS

    columns = list(ROW_KEYS[config])
    keyed = []
    try:
        for split, table in splits.items():
            if decoded is not None and split in decoded:
                keys = decoded[split].select(columns)
            elif isinstance(table, bytes):
                keys = pl.from_arrow(pq.ParquetFile(pa.BufferReader(table), pre_buffer=False)
                                     .read(columns=columns, use_threads=False))
            else:
                keys = pl.from_arrow(table.select(columns))
            keyed.append((split, keys))
    except (KeyError, ValueError, TypeError, pl.exceptions.PolarsError, pa.ArrowException):
        return True
    shared = _rows_in_two_splits(columns, keyed)
    return shared is None or not shared.is_empty()


def _rows_in_two_splits(columns: list[str], keyed: list):
    """The rows whose key (`columns`) is in two splits or more, with their split (`_split`) and row (`_row`),
    of each split's key columns (`keyed`: (split, frame)); None where the keys of two splits are of types
    no common type holds. A null key is left to its column's own rule, in the split that holds it."""
    import polars as pl

    try:
        both = pl.concat([keys.with_columns(_split=pl.lit(split), _row=pl.int_range(pl.len()))
                          for split, keys in keyed], how="vertical_relaxed").drop_nulls(columns)
        return both.filter(pl.col("_split").n_unique().over(columns) > 1)
    except (pl.exceptions.PolarsError, ValueError, TypeError):
        return None


def validate_tables(tables: dict, card=None, kept: KeptConfigChecks | None = None, derived: bool = True) -> list[Finding]:
    """The pandera models over the tables; with the card's declarations (`read_card`), first the split
    files and column types. A missing split file or a column of another type is reported alone:
    with it every cross-table rule (a KB entry no table uses, a row whose document is absent) would
    fail for that reason, and a coercing model would take "12" or 12.0 for an int32 offset. With
    `kept`, a split file a build of this clone already checked clean for exactly these inputs is not
    checked again (`KeptConfigChecks`). A table may be given as the Parquet bytes a build wrote: it is
    decoded when its rows are checked. With `derived`, the `ner` rows are compared with the rows the
    documents build (`derived.ner_differences`); a build passes False, for it has just made them from
    those documents by that rule (and `check` compares what it makes with `dataset/` byte for byte).

    Emits: IG401, IG402, IG403."""
    import polars as pl

    from .table_models import models

    config_models = models()  # for the vocabulary in use

    unheld = _unheld_columns(tables)
    if unheld:  # nothing else: like a mistyped column, the rules would not apply to the table
        return unheld
    if card is not None:
        findings, broken = _against_card(tables, card)
        if broken or any(f.message.startswith("missing:") for f in findings):
            return findings
    else:
        findings = [Finding("IG403", f"no Parquet files for config {config!r}", f"dataset/data/{config}")
                    for config in REQUIRED if config not in tables]
    # Frames are made up front only for the configs the lookups read, and each config's frames are
    # released once it is checked: the checks never hold two copies of everything at once (the ner
    # tokens alone are millions of strings).
    frames = {c: {s: pl.from_arrow(_decoded(t)) for s, t in splits.items()} for c, splits in tables.items()
              if c in config_models and c in _LOOKED_UP}
    texts, kb_types, used = _lookups(frames)
    lookups = _lookups_digest(texts, kb_types, used) if kept is not None else b""
    differences = split_differences({config: set(splits) for config, splits in tables.items()})
    differences += nested_differences(frames)
    if derived and "ner" in tables:
        ner = {s: pl.from_arrow(_decoded(t)) for s, t in tables["ner"].items()}
        differences += ner_differences({"documents": frames.get("documents", {}), "ner": ner})
        del ner  # decoded again for its own check: kept, it would be held through the other configs' checks
    findings += [Finding("IG402", why, where, hint=_REBUILD) for where, why in differences]
    findings += [Finding("IG401", why, where, hint=_REBUILD) for where, why in story_differences(frames)]
    for config, model in config_models.items():
        present = tables.get(config, {})
        materials: dict[str, bytes | None] = {}
        known: set[str] = set()
        if kept is not None and present:
            shapes, uniform = _shapes_digest(present)
            materials = {split: _split_material(config, split, kept.digests, lookups, shapes) for split in present}
            known = {split for split, material in materials.items() if material is not None and kept.known(material)}
            if not uniform:
                known = set()  # splits whose columns differ: checked as a whole check does, never some alone
            if known and len(present) > 1 and _keys_shared(config, present, frames.get(config)):
                known = set()  # a row key in two splits (or keys unread): every split is checked, as one
            if known == set(present):
                frames.pop(config, None)
                kept.clean += materials.values()
                continue
        splits = frames.pop(config, None)
        if splits is None:
            splits = {s: pl.from_arrow(_decoded(t)) for s, t in present.items() if s not in known}
        found = _check_config(config, model, sorted((s, df) for s, df in splits.items() if s not in known),
                              texts, kb_types, used, kept)
        del splits
        findings += found
        if kept is not None and not found:
            kept.clean += [material for material in materials.values() if material is not None]
    return findings


def _check_config(config: str, model, splits: list, texts, kb_types: dict, used: set,
                  kept: KeptConfigChecks | None = None) -> list[Finding]:
    """One config's split tables against its pandera model (`kept`: see `_tokens_agree`).

    Emits: IG401, IG403."""
    import pandera.errors as pe
    import polars as pl
    import pyarrow as pa

    findings: list[Finding] = []
    combined, parts = _combined(splits) if splits else (None, [])
    # Splits whose columns differ are checked one by one, so each file gets its own findings.
    runs = [(combined, parts)] if combined is not None else [(df, [(s, 0, len(df))]) for s, df in splits]
    for df, where in runs:
        try:
            with _every_rule():
                model.validate(_enrich(config, df, texts, kb_types, used, kept, where), lazy=True)
        except pe.SchemaErrors as exc:
            findings += _findings(config, where, exc.failure_cases, df)
        except (pe.SchemaError, KeyError, ValueError, TypeError, AttributeError, IndexError,
                pl.exceptions.PolarsError, pl.exceptions.PanicException, pa.ArrowException) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]  # not a query plan
            findings += [Finding("IG403", f"table does not have the expected columns or types: {first}",
                                 f"dataset/data/{config}/{split}.parquet") for split, _, _ in where]
    if combined is None and len(splits) > 1:
        findings += _keys_in_two_splits(config, splits)
    return findings


def _keys_in_two_splits(config: str, splits: list) -> list[Finding]:
    """IG401 at each row whose key (`ROW_KEYS`) is also in another split's file, for splits checked one by
    one (their columns differ): the model's rule that keys are unique then sees one split at a time.

    Emits: IG401."""
    import polars as pl

    from .table_models import ROW_KEYS

    columns = list(ROW_KEYS[config])
    # a missing key column, or keys of types no common type holds: the split's own check says so
    shared = _rows_in_two_splits(columns, [(split, df.select(columns)) for split, df in splits
                                           if all(c in df.columns for c in columns)])
    if shared is None or shared.is_empty():
        return []
    elsewhere = shared.group_by(columns).agg(pl.col("_split").unique().sort().alias("_in"))
    out = []
    for row in shared.join(elsewhere, on=columns).sort("_split", "_row").iter_rows(named=True):
        others = [s for s in row["_in"] if s != row["_split"]]
        key = ", ".join(columns)
        out.append(Finding("IG401", f"row {row['_row']}: {key}: the row's key is also in the {', '.join(others)} "
                                    f"split{'s' if len(others) > 1 else ''}",
                           f"dataset/data/{config}/{row['_split']}.parquet", None, None,
                           ":".join(str(row[c]) for c in columns)))
    return out


def _every_rule():
    """pandera's settings for one validation: enabled, schema and data, its own polars backend.

    pandera takes them from the environment when it is imported (`PANDERA_VALIDATION_ENABLED`,
    `PANDERA_VALIDATION_DEPTH`, …); with validation off or schema-only no data rule ran and the
    tables passed unchecked, and a build kept that pass for the same tables in environments where
    every rule runs. The checks are the product here, so they run whatever the environment says."""
    from pandera.config import ValidationDepth, config_context

    return config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA,
                          use_narwhals_backend=False)


def _folded(read: list[Finding], checked: list[Finding]) -> list[Finding]:
    """An unreadable file is also missing from the tables: say only that it cannot be read."""
    unreadable = {f.path for f in read}
    return read + [f for f in checked if not (f.path in unreadable and f.message.startswith("missing:"))]


def validate_files(files: dict[str, bytes]) -> list[Finding]:
    """The built files' tables, against the card among them (when there is one)."""
    return_freed_memory()  # before the files are read (..memory)
    tables, findings = _read(files)
    card = read_card(files[CARD])[0] if CARD in files else None
    return _folded(findings, validate_tables(tables, card))


def validate_built(tables: dict, card: bytes | None, kept: KeptConfigChecks | None = None) -> list[Finding]:
    """The tables a build is about to write (config → split → Arrow table, as `render_outputs` keeps
    them, or the Parquet bytes of a split file it takes as a build wrote it), against the card it is
    about to write: `validate_files` without encoding and decoding what was rendered, so the check
    holds one copy of the tables (decisions/0103). `kept`: see `KeptConfigChecks`."""
    return_freed_memory()  # the loaded corpus, just dropped, left the C heap full of holes (..memory)
    return validate_tables(tables, read_card(card)[0] if card is not None else None, kept, derived=False)


def _decoded(table):
    """An Arrow table, or the table of the Parquet bytes a build wrote, read on this thread alone and
    without buffering ahead (a thread pool's buffers raised a 1,000x build's peak past 1 GiB)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(table, bytes):
        return table
    return pq.ParquetFile(pa.BufferReader(table), pre_buffer=False).read(use_threads=False)


def _schema(table):
    """The Arrow schema of a table, or of the Parquet bytes a build wrote (the schema its rows decode to)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(table, bytes):
        return table.schema
    return pq.ParquetFile(pa.BufferReader(table), pre_buffer=False).schema_arrow


def validate_folder(folder: Path) -> tuple[list[Finding], str]:
    """The tables of a dataset folder, read through its card, against their models.

    Emits: IG401, IG402, IG403, IG404."""
    from ..reading.files import read_bounded

    files = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*.parquet"))}
    tables, findings = _read(files)
    if not files:
        return [Finding("IG403", "no Parquet files under data/", str(folder))], "0 tables"
    raw = read_bounded(folder / CARD, CARD, 64 * 1024 * 1024, links=True)[0] if (folder / CARD).exists() else None
    card, problems = read_card(raw)
    return (problems + _folded(findings, validate_tables(tables, card)) + against_croissant(folder, sorted(files), card),
            f"{len(files)} Parquet file(s) checked")


CROISSANT = "croissant.json"
_SIZE = re.compile(r"^(\d+) B$")


def _size_and_digest(path: Path) -> tuple[int, str] | None:
    """The size and SHA-256 of a regular file (through a link: a received folder, such as a Hugging
    Face cache snapshot, may hold links), or None for anything else; a FIFO is never waited on."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        h, size = hashlib.sha256(), 0
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
            size += len(chunk)
        return size, h.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def _described(raw: bytes) -> dict[str, tuple[int | None, str | None]] | None:
    """contentUrl → (contentSize in bytes, sha256) of each FileObject croissant.json lists; None when
    it is not a Croissant description."""
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested past the reader's recursion limit
        return None
    items = meta.get("distribution") if isinstance(meta, dict) else None
    if not isinstance(items, list):
        return None
    out = {}
    for item in items:
        if isinstance(item, dict) and item.get("@type") == "cr:FileObject" and isinstance(item.get("contentUrl"), str):
            size = _SIZE.match(item["contentSize"]) if isinstance(item.get("contentSize"), str) else None
            digest = item.get("sha256") if isinstance(item.get("sha256"), str) else None
            out[item["contentUrl"]] = (int(size[1]) if size else None, digest)
    return out


def _inside(url: str) -> bool:
    """A relative path that stays inside the folder."""
    return bool(url) and not url.startswith("/") and "\\" not in url and ".." not in url.split("/")


def against_croissant(folder: Path, parquet: list[str], card=None) -> list[Finding]:
    """IG404: bytes, not tables. Each file croissant.json lists must have the size and SHA-256 it
    records, each Parquet file must be listed, and each config's files must add up to the card's
    `download_size`: a file rewritten after the build (another compression, other row groups)
    may hold the same rows, but it is no longer the file the dataset's metadata describes.

    Emits: IG404."""
    from ..reading.files import read_bounded

    where = f"dataset/{CROISSANT}"
    raw, unreadable = read_bounded(folder / CROISSANT, CROISSANT, 64 * 1024 * 1024, links=True)
    if raw is None:
        why = "missing" if not os.path.lexists(folder / CROISSANT) else unreadable[0].message
        return [Finding("IG404", f"no croissant.json ({why}): nothing records the files' sizes and SHA-256",
                        where, hint=_REBUILD)]
    described = _described(raw)
    if described is None:
        return [Finding("IG404", "croissant.json is not JSON-LD with a distribution list", where,
                        hint=_REBUILD)]
    out, seen = [], {}
    for url, (size, digest) in sorted(described.items()):
        rel = f"dataset/{url}"
        if not _inside(url):
            out.append(Finding("IG404", "croissant.json names a file outside the folder", where))
            continue
        found = _size_and_digest(folder / url)
        if found is None:
            missing = not os.path.lexists(folder / url)
            out.append(Finding("IG404", f"croissant.json lists it, but it is {'missing' if missing else 'not a regular file'}",
                               rel, hint=_REBUILD))
            continue
        seen[url] = found[0]
        if (size, digest) != found:
            out.append(Finding("IG404", f"{found[0]} bytes, SHA-256 {found[1][:16]}…; croissant.json records "
                                        f"{size} bytes, {str(digest)[:16]}…: the file was rewritten after the build",
                               rel, hint=_REBUILD))
    for name in parquet:
        if name not in described:
            out.append(Finding("IG404", "croissant.json does not describe this file", f"dataset/{name}"))
    for config, declared in sorted(getattr(card, "download_sizes", {}).items()):
        paths = [p for p in card.files.get(config, {}).values() if _inside(p)]
        sizes = [seen.get(p) if p in seen else (_size_and_digest(folder / p) or (None,))[0] for p in paths]
        if paths and None not in sizes and sum(sizes) != declared:
            out.append(Finding("IG404", f"the card gives config {config} a download_size of {declared} bytes; "
                                        f"its files hold {sum(sizes)}", f"dataset/{CARD}",
                               hint=_REBUILD))
    return out
