"""pandera models of the Parquet tables: the same rules as the YAML checks, said about tables.

Each model validates an *enriched* frame: the table's own columns plus helper columns
joined in from the other tables (`doc_text`, the document's text; `kb_type`, the type
of the KB entry a row links to). That turns span/text agreement and referential
integrity into ordinary dataframe-wide checks, which pandera reports per row.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from . import schema

__all__ = ["Documents", "Entities", "Figures", "Quotes", "KB", "slice_matches"]

ENTITY_LABELS = schema.entity_labels()
FIGURE_LABELS = schema.figure_labels()
CATEGORIES = schema.figure_categories()
QUOTE_TYPES = schema.quote_types()
KB_TYPES = schema.kb_types()
TEMPORAL = {ENTITY_LABELS.index("DATE"), ENTITY_LABELS.index("TIME")}
ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
KB_ID = r"^[a-z0-9][a-z0-9-]*$"


def slice_matches(texts: pd.Series, starts: pd.Series, ends: pd.Series, spans: pd.Series) -> pd.Series:
    """Row-wise: spans[i] == texts[i][starts[i]:ends[i]]; missing spans count as matching."""
    out = [
        (isinstance(t, str) and isinstance(s, str) and t[int(a):int(b)] == s)
        if not (pd.isna(a) or pd.isna(b)) else pd.isna(s)
        for t, a, b, s in zip(texts, starts, ends, spans)
    ]
    return pd.Series(out, index=spans.index)


def _span_ok(df: pd.DataFrame, prefix: str = "") -> pd.Series:
    start, end, text = df[f"{prefix}start"], df[f"{prefix}end"], df[f"{prefix}text"]
    lengths = df["doc_text"].str.len()
    in_range = (start.isna() | ((start >= 0) & (start < end) & (end <= lengths)))
    return in_range & slice_matches(df["doc_text"], start, end, text)


class _Base(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True  # Parquet → pandas dtypes vary with pandas versions and empty tables; the rules do not


class Documents(_Base):
    id: Series[str] = pa.Field(str_matches=ID, unique=True)
    title: Series[str] = pa.Field(nullable=True)
    source: Series[str] = pa.Field(nullable=True)
    date: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{4}-\d{2}-\d{2}$")
    date_basis: Series[str] = pa.Field(nullable=True, isin=["dateline", "caption", "events"])
    story: Series[str] = pa.Field(str_matches=ID)
    sha256: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{64}$")
    text: Series[str] = pa.Field(str_length={"min_value": 1})
    entities: Series[object]
    figures: Series[object]
    quotes: Series[object]
    text_sha256: Series[str]

    @pa.dataframe_check(error="sha256, text: sha256 differs from the SHA-256 of text")
    def checksum(cls, df: pd.DataFrame) -> pd.Series:
        return df["sha256"] == df["text_sha256"]

    @pa.dataframe_check(error="date, date_basis: both set or both null")
    def date_basis_set(cls, df: pd.DataFrame) -> pd.Series:
        return df["date"].isna() == df["date_basis"].isna()


class Entities(_Base):
    doc_id: Series[str] = pa.Field(str_matches=ID)
    id: Series[str] = pa.Field(str_matches=r"^e[0-9]+$")
    label: Series[int] = pa.Field(isin=list(range(len(ENTITY_LABELS))))
    start: Series[int] = pa.Field(ge=0)
    end: Series[int] = pa.Field(ge=1)
    text: Series[str] = pa.Field(str_length={"min_value": 1})
    entity: Series[str] = pa.Field(nullable=True, str_matches=KB_ID)
    value: Series[str] = pa.Field(nullable=True)
    doc_text: Series[str] = pa.Field(nullable=True)
    kb_type: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(error="doc_id: names no document")
    def document_exists(cls, df):
        return df["doc_text"].notna()

    @pa.dataframe_check(error="start, end, text: text differs from the document text at start:end, or the span is out of range")
    def span_text(cls, df):
        return _span_ok(df)

    @pa.dataframe_check(error="doc_id, id: (doc_id, id) is not unique")
    def unique_id(cls, df):
        return ~df.duplicated(["doc_id", "id"], keep=False)

    @pa.dataframe_check(error="label, entity: DATE/TIME rows have no KB entity; every other label needs one")
    def entity_iff_name(cls, df):
        temporal = df["label"].isin(TEMPORAL)
        return temporal == df["entity"].isna()

    @pa.dataframe_check(error="entity, label: entity is not a KB id, or the label differs from the KB entry's type")
    def kb_link(cls, df):
        names = df["label"].map(lambda i: ENTITY_LABELS[i] if 0 <= i < len(ENTITY_LABELS) else None)
        return df["entity"].isna() | (df["kb_type"] == names)


class Figures(_Base):
    doc_id: Series[str] = pa.Field(str_matches=ID)
    id: Series[str] = pa.Field(str_matches=r"^f[0-9]+$")
    label: Series[int] = pa.Field(isin=list(range(len(FIGURE_LABELS))))
    start: Series[int] = pa.Field(ge=0)
    end: Series[int] = pa.Field(ge=1)
    text: Series[str] = pa.Field(str_length={"min_value": 1})
    value: Series[float]
    value_max: Series[float] = pa.Field(nullable=True)
    unit: Series[str] = pa.Field(nullable=True)
    approximate: Series[bool]
    bound: Series[str] = pa.Field(nullable=True, isin=["lower", "upper"])
    measured_start: Series[float] = pa.Field(nullable=True, ge=0)
    measured_end: Series[float] = pa.Field(nullable=True, ge=1)
    measured_text: Series[str] = pa.Field(nullable=True)
    category: Series[int] = pa.Field(isin=list(range(len(CATEGORIES))))
    source: Series[str] = pa.Field(nullable=True, str_matches=KB_ID)
    doc_text: Series[str] = pa.Field(nullable=True)
    source_type: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(error="doc_id: names no document")
    def document_exists(cls, df):
        return df["doc_text"].notna()

    @pa.dataframe_check(error="start, end, text: text differs from the document text at start:end, or the span is out of range")
    def span_text(cls, df):
        return _span_ok(df)

    @pa.dataframe_check(error="measured: its text differs from the document text at its offsets, or they are out of range")
    def measured_text_matches(cls, df):
        return _span_ok(df, "measured_")

    @pa.dataframe_check(error="doc_id, id: (doc_id, id) is not unique")
    def unique_id(cls, df):
        return ~df.duplicated(["doc_id", "id"], keep=False)

    @pa.dataframe_check(error="value, value_max: value_max is below value")
    def range_order(cls, df):
        return df["value_max"].isna() | (df["value_max"] >= df["value"])

    @pa.dataframe_check(error="source: not a KB id")
    def source_exists(cls, df):
        return df["source"].isna() | df["source_type"].notna()


class Quotes(_Base):
    doc_id: Series[str] = pa.Field(str_matches=ID)
    id: Series[str] = pa.Field(str_matches=r"^q[0-9]+$")
    type: Series[int] = pa.Field(isin=list(range(len(QUOTE_TYPES))))
    content_start: Series[int] = pa.Field(ge=0)
    content_end: Series[int] = pa.Field(ge=1)
    content_text: Series[str] = pa.Field(str_length={"min_value": 1})
    speaker_start: Series[float] = pa.Field(nullable=True, ge=0)
    speaker_end: Series[float] = pa.Field(nullable=True, ge=1)
    speaker_text: Series[str] = pa.Field(nullable=True)
    speaker_entity: Series[object]
    cue_start: Series[float] = pa.Field(nullable=True, ge=0)
    cue_end: Series[float] = pa.Field(nullable=True, ge=1)
    cue_text: Series[str] = pa.Field(nullable=True)
    addressee_start: Series[float] = pa.Field(nullable=True, ge=0)
    addressee_end: Series[float] = pa.Field(nullable=True, ge=1)
    addressee_text: Series[str] = pa.Field(nullable=True)
    doc_text: Series[str] = pa.Field(nullable=True)
    speakers_known: Series[bool]

    @pa.dataframe_check(error="doc_id: names no document")
    def document_exists(cls, df):
        return df["doc_text"].notna()

    @pa.dataframe_check(error="content: its text differs from the document text at its offsets, or they are out of range")
    def content_matches(cls, df):
        return _span_ok(df, "content_")

    @pa.dataframe_check(error="speaker: its text differs from the document text at its offsets, or they are out of range")
    def speaker_matches(cls, df):
        return _span_ok(df, "speaker_")

    @pa.dataframe_check(error="cue: its text differs from the document text at its offsets, or they are out of range")
    def cue_matches(cls, df):
        return _span_ok(df, "cue_")

    @pa.dataframe_check(error="addressee: its text differs from the document text at its offsets, or they are out of range")
    def addressee_matches(cls, df):
        return _span_ok(df, "addressee_")

    @pa.dataframe_check(error="doc_id, id: (doc_id, id) is not unique")
    def unique_id(cls, df):
        return ~df.duplicated(["doc_id", "id"], keep=False)

    @pa.dataframe_check(error="speaker_entity: names an id that is not in the KB")
    def speakers_exist(cls, df):
        return df["speakers_known"]


class KB(_Base):
    id: Series[str] = pa.Field(str_matches=KB_ID, unique=True)
    name: Series[str] = pa.Field(str_length={"min_value": 1})
    type: Series[int] = pa.Field(isin=list(range(len(KB_TYPES))))
    aliases: Series[object]
    wikidata: Series[str] = pa.Field(nullable=True, str_matches=r"^Q[1-9][0-9]*$")
    description: Series[str] = pa.Field(nullable=True)
    used: Series[bool]

    @pa.dataframe_check(error="id: the KB entry is referenced by no row of entities, figures or quotes")
    def referenced(cls, df):
        return df["used"]
