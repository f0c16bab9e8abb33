"""Building `dataset/`: every output file computed in memory, then swapped in at once.

Two properties matter to users: determinism (two builds of the same annotations
are byte-identical, so `check` can compare bytes and git diffs stay empty) and
atomicity (a failed or killed build leaves the previous `dataset/` whole; how the
swap achieves that, and how the next command finishes an interrupted one, is in `outputs.swap`).
"""

from __future__ import annotations

import io
from pathlib import Path

from ..findings import Finding
from ..layout import CONFIGS, DATASET_DIR, LAYERS, parquet_path, written_splits
from ..outputs import swap
from ..reading.corpus import Corpus
from . import columns, plainfiles
from .card import render_card
from .croissant import render_croissant
from .features import features_for
from .keptsplits import KeptSplits, split_material
from .rows import config_rows
from .stamp import STAMP_DIR, file_modes_tracked, files_digest, odd_entries

__all__ = ["render_outputs", "write_outputs", "recover_outputs", "compare_outputs", "stamp_findings"]


def _keep(tables: dict | None, config: str, split: str, table) -> None:
    """Hand the table written to `data/<config>/<split>.parquet` to the caller, when it asked for them
    (for a split taken from `dataset/`, the file's bytes)."""
    if tables is not None:
        tables.setdefault(config, {})[split] = table


def import_renderers() -> None:
    """Import now what rendering imports on first use: pyarrow and numpy, and pandas, which pyarrow
    imports (when it is installed) the first time it converts a Python sequence.

    `build` calls this before loading a large corpus. Imported while the loaded corpus is alive,
    their 200,000 small objects (module code and dicts, a quarter of them pandas') fill the slots
    that loading freed in every one of the interpreter's memory arenas; an arena is returned only
    when all of it is free, so after the corpus was dropped 350 arenas (350 MiB, 30 MiB of it in
    use) stayed resident through the table check. Imported first, they sit together, and dropping
    the corpus returns all but about 115 arenas (docs/decisions/0108-table-check-memory.md)."""
    import numpy  # noqa: F401
    import pyarrow as pa
    import pyarrow.compute  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    pa.array([""])  # the first conversion of a Python sequence loads pyarrow's pandas shim


def _table_bytes(table) -> tuple[bytes, int]:
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    # Fixed writer settings: the bytes depend only on the rows (and the pyarrow version).
    pq.write_table(table, sink, compression="zstd", compression_level=3, use_dictionary=True,
                   write_statistics=True, row_group_size=1_000_000)
    return sink.getvalue(), table.nbytes


#: The configs with a file per split, each made from that split's documents alone.
_SPLIT_CONFIGS = ("documents", *LAYERS, "ner")


def render_outputs(corpus: Corpus, agreement: dict | None = None, sources: str | None = None,
                   tables: dict | None = None, kept: KeptSplits | None = None) -> dict[str, bytes]:
    """Every file of dataset/, as relative path → bytes; with `tables` (a dict), also the Arrow table
    of each Parquet file, config → split → table (the bytes, for a split taken from `dataset/`), so
    that `build` checks them without reading back what it rendered.

    Tables are built column by column (`columns.py`), one split at a time; the card and the
    Croissant file need only the files and the row counts. `agreement` is the card's
    inter-annotator agreement section, computed by the scoring stage and passed in; `sources` the
    digest of the gold files read (reading/digest.py), recorded in the card. With `kept`, a split
    whose documents did not change since a build of this clone takes its files from `dataset/`
    (`keptsplits`), and what each rendered split's files are is kept for the next build."""
    from concurrent.futures import ThreadPoolExecutor

    encoder = ThreadPoolExecutor(1)
    try:
        files, sizes, counts = _render_tables(corpus, tables, kept, encoder)
    finally:  # an error or an interrupt drops the files not yet encoded; the one being encoded is waited for
        encoder.shutdown(wait=True, cancel_futures=True)
    files["croissant.json"] = render_croissant(files).encode("utf-8")
    files["README.md"] = render_card(corpus, counts, files, sizes, agreement, sources).encode("utf-8")
    return files


def _render_tables(corpus: Corpus, tables: dict | None, kept: KeptSplits | None, encoder):
    """(files, their tables' in-memory sizes, rows per config and split) of the Parquet files.

    Each table is handed to `encoder`, a thread, as soon as it is built: Arrow encodes Parquet
    without holding the interpreter, so the file of one table is written while the next is built
    (at 1,000x the corpus, encoding one split's files takes 0.5 s, 0.3 s of it its `ner` file, which is
    built first for that reason). The bytes are the same as encoded one after the other."""
    import pyarrow as pa

    built: dict[str, dict[str, object]] = {config: {} for config in CONFIGS}
    encoded: dict[tuple[str, str], object] = {}  # (config, split) → the future of its file's bytes and size

    def add(config: str, split: str, table) -> None:
        built[config][split] = table
        if table.num_rows:  # an empty split gets no file (`written_splits`), unless every split is empty
            encoded[config, split] = encoder.submit(_table_bytes, table)

    taken: dict[str, dict[str, tuple[bytes, int, int]]] = {config: {} for config in CONFIGS}
    materials: dict[str, bytes | None] = {}
    by_split = columns.documents_by_split(corpus)
    order = list(by_split)
    for split, docs in by_split.items():
        if kept is not None:
            materials[split] = split_material(split, docs)
            found = kept.find(split, materials[split], _SPLIT_CONFIGS)
            if found is not None:
                for config, file in found.items():
                    taken[config][split] = file
                continue
        add("ner", split, columns.ner_table(docs, features_for("ner").arrow_schema))
        layers = {config: columns.layer_table(docs, config, features_for(config).arrow_schema)
                  for config in LAYERS}
        for config, table in layers.items():
            add(config, split, table)
        add("documents", split, columns.documents_table(docs, layers, features_for("documents").arrow_schema))
        del layers
    add("kb", "train", pa.Table.from_pylist(config_rows(corpus, "kb")["train"], schema=features_for("kb").arrow_schema))
    files: dict[str, bytes] = {}
    sizes: dict[str, int] = {}
    counts = {}
    for config in CONFIGS:  # rows per split, in the splits' order, rendered or taken
        rows = {**{s: table.num_rows for s, table in built[config].items()}, **{s: f[2] for s, f in taken[config].items()}}
        counts[config] = {split: rows[split] for split in [*order, *rows] if split in rows}
    for config in CONFIGS:
        for split in written_splits(counts[config]):
            name = parquet_path(config, split)
            if split in taken[config]:
                files[name], sizes[name], _ = taken[config][split]
                _keep(tables, config, split, files[name])  # decoded only if the tables are checked
                continue
            future = encoded.pop((config, split), None)
            files[name], sizes[name] = future.result() if future else _table_bytes(built[config][split])
            _keep(tables, config, split, built[config][split])
        del built[config]  # what is not kept for the caller is freed config by config
    if kept is not None:
        for split, material in materials.items():
            if split not in taken["documents"]:
                kept.keep(material, {config: (files[parquet_path(config, split)], sizes[parquet_path(config, split)],
                                              counts[config][split])
                                     for config in _SPLIT_CONFIGS if parquet_path(config, split) in files})
    return files, sizes, counts


def _existing(target: Path) -> tuple[dict[str, bytes], dict[str, str], list[str]]:
    """The plain files under `target` (relative name → bytes), every other entry (name → what it is),
    read without following a link or opening a special file (`plainfiles`), and the empty folders."""
    files, odd = {}, {}
    for entry in plainfiles.entries(target, executable=lambda: file_modes_tracked(target.parent)):
        if entry.data is None:
            odd[entry.name] = entry.kind
        else:
            files[entry.name] = entry.data
    return files, odd, plainfiles.empty_folders(target)


def _same_rows(a: bytes, b: bytes, name: str) -> str:
    """Why two Parquet files that differ in bytes may hold the same rows, or "".

    Only words for the finding: the file is stale either way, since croissant.json records the
    SHA-256 and size of the bytes a build writes and the card their sizes. Read on this thread
    alone (no pre-buffering, no thread pool): a pool still running at exit aborted the process."""
    if not name.endswith(".parquet"):
        return ""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        fa, fb = (pq.ParquetFile(pa.BufferReader(x), pre_buffer=False) for x in (a, b))
        ta, tb = fa.read(use_threads=False), fb.read(use_threads=False)
        if not (ta.schema.equals(tb.schema, check_metadata=True) and ta.equals(tb)):
            return ""
        here, built = fa.metadata.created_by, fb.metadata.created_by
    except Exception:  # an unreadable file is simply stale
        return ""
    if here != built:
        return f" (the same rows, written by {here}; this build writes them with {built})"
    return " (the same rows, encoded otherwise)"


def compare_outputs(target: Path, expected: dict[str, bytes]) -> tuple[list[Finding], str | None]:
    """What differs between dataset/ on disk and what a build writes now, byte for byte; and the
    digest of the bytes compared (`stamp.files_digest`), None when the folder holds anything but
    plain files. Bytes, not tables: a Parquet file holding the same rows in other bytes no longer
    matches the SHA-256 and size croissant.json gives, nor the card's sizes, so it is stale too.

    Emits: IG601, IG602, IG603, IG604."""
    have, odd, empty = _existing(target)
    out = []
    for name, kind in sorted(odd.items()):
        rel = f"{DATASET_DIR}/{name}"
        out.append(Finding("IG604", f"{rel} is {kind}; {DATASET_DIR}/ holds only plain files", rel,
                           hint="remove it and run `idlib-gold build`, which replaces the folder"))

    def under_odd(name: str) -> bool:
        return any(p.as_posix() in odd for p in Path(name).parents) or name in odd

    for name in sorted(expected):
        rel = f"{DATASET_DIR}/{name}"
        if under_odd(name):
            continue  # named above
        if name not in have:
            out.append(Finding("IG602", f"{rel} is missing", rel, hint="run `idlib-gold build`"))
        elif have[name] != expected[name]:
            out.append(Finding("IG601", f"{rel} is stale: it differs from what the annotations build"
                                        f"{_same_rows(have[name], expected[name], name)}",
                               rel, hint="run `idlib-gold build` and commit the result"))
    for name in sorted(set(have) - set(expected)) + empty:
        rel = f"{DATASET_DIR}/{name}"
        out.append(Finding("IG603", f"{rel} is not written by the build", rel,
                           hint="remove it, or run `idlib-gold build`, which replaces the folder"))
    return out, (None if odd or empty else files_digest(have))


def stamp_findings(root: Path) -> list[Finding]:
    """Anything in `.idlib-gold-cache/` but plain files: the stamp is never read or written through it.

    Emits: IG605."""
    return [Finding("IG605", f"{rel} is {kind}; the stamp is not read or written through it", rel,
                    hint=f"remove {STAMP_DIR}/ (it is a cache: the next check compares in full)")
            for rel, kind in odd_entries(root)]


def recover_outputs(target: Path) -> list[str]:
    """Finish or roll back a swap an interrupted build left behind (see `outputs.swap`); what was done."""
    notes: list[str] = []
    with swap.locked(target):
        swap.recover(target, notes)
    return notes


def write_outputs(target: Path, files: dict[str, bytes]) -> tuple[bool, list[str]]:
    """Replace `target` with exactly `files`, never half-written (see `outputs.swap`): whether anything
    changed, and notes on leftovers of earlier builds it recovered or could not remove."""
    notes: list[str] = []
    with swap.locked(target):
        swap.recover(target, notes)
        try:
            have, odd, empty = _existing(target)
        except OSError:  # a file it may not read: replaced like any other difference
            have, odd, empty = None, None, None
        if not odd and not empty and have == files:  # a link or special file is replaced, never called unchanged
            return False, notes
        swap.replace_folder(target, files, notes)
    return True, notes
