"""Running the pandera models over a dataset folder's Parquet files (level 4).

Used by `idlib-gold validate --parquet DIR` for a dataset someone received without
the YAML, and by `build` on the tables it is about to write. Every failure becomes
an IG4xx finding naming the file, the column and the row.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from .findings import Finding

__all__ = ["validate_folder", "validate_files", "validate_tables"]

SPAN_PARTS = {"figures": ["measured"], "quotes": ["content", "speaker", "cue", "addressee"]}


def _read(files: dict[str, bytes | Path]) -> tuple[dict, list[Finding]]:
    import pyarrow.parquet as pq

    tables, findings = {}, []
    for name, data in sorted(files.items()):
        parts = Path(name).parts
        if len(parts) != 3 or parts[0] != "data" or not name.endswith(".parquet"):
            continue
        try:
            source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
            tables.setdefault(parts[1], {})[Path(parts[2]).stem] = pq.read_table(source)
        except Exception as exc:  # any unreadable file is a finding, not a traceback
            findings.append(Finding("IG403", f"cannot read Parquet: {exc}", f"dataset/{name}"))
    return tables, findings


def _flatten(df, part: str):
    import pandas as pd

    col = df[part] if part in df else pd.Series([None] * len(df), index=df.index)
    for key, dtype in (("start", "float64"), ("end", "float64"), ("text", object)):
        df[f"{part}_{key}"] = pd.Series([None if v is None else v.get(key) for v in col], index=df.index,
                                        dtype=dtype)
    return df.drop(columns=[part]) if part in df else df


def _frame(table):
    df = table.to_pandas(types_mapper=None)
    return df


def _enrich(config: str, df, texts: dict, kb_types: dict):
    import pandas as pd

    df = df.copy()
    for col in ("start", "end", "label", "category", "type", "content_start", "content_end"):
        if col in df and config != "kb":
            df[col] = df[col].astype("int64")
    for part in SPAN_PARTS.get(config, []):
        df = _flatten(df, part)
    if config == "quotes":
        df["content_start"] = df["content_start"].astype("int64")
        df["content_end"] = df["content_end"].astype("int64")
        df["speakers_known"] = [all(s in kb_types for s in list(v)) for v in df["speaker_entity"]]
    if config in ("entities", "figures", "quotes"):
        df["doc_text"] = pd.Series([texts.get(d) for d in df["doc_id"]], index=df.index, dtype=object)
    if config == "entities":
        df["kb_type"] = pd.Series([kb_types.get(e) if e is not None else None for e in df["entity"]],
                                  index=df.index, dtype=object)
    if config == "figures":
        df["source_type"] = pd.Series([kb_types.get(s) if s is not None else None for s in df["source"]],
                                      index=df.index, dtype=object)
    if config == "documents":
        df["text_sha256"] = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in df["text"]]
    for col in df.columns:
        if df[col].dtype == object and col not in ("entities", "figures", "quotes", "aliases", "speaker_entity"):
            if all(v is None or isinstance(v, str) for v in df[col]):
                df[col] = df[col].astype(object)
    return df


def _findings(config: str, split: str, error_cases, df) -> list[Finding]:
    rel = f"dataset/data/{config}/{split}.parquet"
    out, seen = [], set()
    for case in error_cases.itertuples(index=False):
        row = None if case.index is None or case.index != case.index else int(case.index)
        table_wide = case.schema_context == "DataFrameSchema"
        key = (case.check, row) if table_wide else (case.check, row, case.column)
        if key in seen:
            continue  # a row-wide check lists the row once per column; say it once
        seen.add(key)
        where = f"row {row}" if row is not None else "table"
        ann = None
        if row is not None and "id" in df and row < len(df):
            ann = str(df["id"].iloc[row])
            if "doc_id" in df:
                ann = f"{df['doc_id'].iloc[row]}:{ann}"
        if table_wide:
            message = f"{where}: {case.check}"
        else:
            message = f"{where}, column {case.column}: {case.check} (value {case.failure_case!r})"
        out.append(Finding("IG401", message, rel, None, None, ann))
    return out


def validate_tables(tables: dict) -> list[Finding]:
    import pandas as pd
    import pandera.pandas as pa

    from . import schema
    from .table_schemas import KB, Documents, Entities, Figures, Quotes

    models = {"documents": Documents, "entities": Entities, "figures": Figures, "quotes": Quotes, "kb": KB}
    findings = []
    for config in models:
        if config not in tables:
            findings.append(Finding("IG403", f"no Parquet files for config {config!r}", f"dataset/data/{config}"))
    frames = {c: {s: _frame(t) for s, t in splits.items()} for c, splits in tables.items()}
    texts = {d: t for f in frames.get("documents", {}).values() for d, t in zip(f["id"], f["text"])}
    kb_names = schema.kb_types()
    kb_types = {i: kb_names[t] if 0 <= t < len(kb_names) else None
                for f in frames.get("kb", {}).values() for i, t in zip(f["id"], f["type"])}
    used = set()
    for c, col in (("entities", "entity"), ("figures", "source")):
        for f in frames.get(c, {}).values():
            used |= {v for v in f[col] if v is not None}
    for f in frames.get("quotes", {}).values():
        used |= {s for v in f["speaker_entity"] for s in v}
    for config, model in models.items():
        for split, df in sorted(frames.get(config, {}).items()):
            if config == "kb":
                df = df.copy()
                df["used"] = [i in used for i in df["id"]]
            try:
                enriched = _enrich(config, df, texts, kb_types)
                model.validate(enriched, lazy=True)
            except pa.errors.SchemaErrors as exc:
                findings += _findings(config, split, exc.failure_cases, df)
            except (pa.errors.SchemaError, KeyError, ValueError, TypeError) as exc:
                findings.append(Finding("IG403", f"table does not have the expected columns or types: {exc}",
                                        f"dataset/data/{config}/{split}.parquet"))
    findings += _nested_agree(frames)
    return findings


def _nested_agree(frames: dict) -> list[Finding]:
    """The documents config's nested lists must hold exactly the rows of the per-layer configs."""
    out = []
    for split, docs in frames.get("documents", {}).items():
        for layer in ("entities", "figures", "quotes"):
            flat = frames.get(layer, {}).get(split)
            if flat is None:
                continue
            nested = sum(len(v) for v in docs[layer])
            if nested != len(flat):
                out.append(Finding("IG402", f"documents/{split} nests {nested} {layer} but {layer}/{split} "
                                   f"has {len(flat)} rows", f"dataset/data/{layer}/{split}.parquet",
                                   hint="rebuild the dataset with `idlib-gold build`"))
    return out


def validate_files(files: dict[str, bytes]) -> list[Finding]:
    tables, findings = _read(files)
    return findings + validate_tables(tables)


def validate_folder(folder: Path) -> tuple[list[Finding], str]:
    files = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*.parquet"))}
    tables, findings = _read(files)
    if not files:
        return [Finding("IG403", "no Parquet files under data/", str(folder))], "0 tables"
    findings += validate_tables(tables)
    return findings, f"{len(files)} Parquet file(s) checked"
