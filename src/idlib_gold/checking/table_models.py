"""pandera models of the Parquet tables: the same rules as the YAML checks, said about tables.

Each model validates an *enriched* frame: the table's own columns plus helper columns
computed from the other tables by `tables.py`:

- `doc_len`, the length of the row's document in code points (null: no such document);
- `found` (and `measured_found`, `content_found`, …), the document text at the row's
  offsets, or null when they fall outside it; `tokens_agree`, per `ner` row, whether its three
  lists are equally long and each token is the text at its offsets, 0 ≤ start < end ≤ doc_len;
- `kb_type`, `source_type`: the type of the KB entry a row links to; `speakers_known`,
  `used`: whether every speaker is a KB entry, whether a KB entry is referenced.

That turns span/text agreement and referential integrity into ordinary dataframe-wide
checks, which pandera reports per row. The models run on polars, so every rule is a
column expression evaluated over the whole table at once, never a Python loop over rows:
validating a million spans costs about what reading them does (measured in bench/).
Each check's error message starts with the columns it is about.
"""

from __future__ import annotations

from functools import cache

import pandera.polars as pa
import polars as pl

from .. import vocabulary

__all__ = ["Documents", "ROW_KEYS", "models"]

ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
KB_ID = r"^[a-z0-9][a-z0-9-]*$"


def _rows(data: pa.PolarsData, expr: pl.Expr) -> pl.LazyFrame:
    """One boolean per row; a rule that cannot be evaluated (a null) counts as broken."""
    return data.lazyframe.select(expr.fill_null(False))


def _lists(data: pa.PolarsData, **inner) -> bool:
    """Whether the columns are lists (of the given element type, where one is given: None for any).

    A rule over list elements cannot even be planned on a column of another type, and the
    dtype check already reports that column; such a rule then marks every row as broken.
    """
    schema = data.lazyframe.collect_schema()
    return all(isinstance(schema.get(c), pl.List) and (t is None or schema[c].inner == t) for c, t in inner.items())


_BROKEN = pl.int_range(pl.len()) < 0  # one False per row


def list_values(column: pl.Series):
    """(a list column's Arrow array, its values flattened, where each row's values start in them, from 0,
    with the end after the last): Arrow lets a null list keep values, which `list_flatten` skips and the
    array's own offsets count, so the offsets are made from the lengths, a null list's being 0."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    values = column.to_arrow()
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    offsets = np.zeros(len(values) + 1, np.int64)
    np.cumsum(values.value_lengths().fill_null(0).to_numpy(zero_copy_only=False), out=offsets[1:])
    return values, pc.list_flatten(values), offsets


def _inside_follows_begin(tags: pl.Series) -> pl.LazyFrame:
    """Per row of BIO tag lists, whether every I-X tag (2 + 2k; its B-X is one less) follows B-X or
    I-X; false for a null list. Over the flattened tags in numpy: the same rule as a polars list
    expression (`shift` within each list) took 0.24 s of 3.4 million tags, this 0.05 s."""
    import numpy as np
    import pyarrow as pa

    values, flat, offsets = list_values(tags)
    flat = flat.cast(pa.int64(), safe=False).fill_null(-1).to_numpy()  # null: not inside (its own rule)
    rows = np.repeat(np.arange(len(values)), np.diff(offsets))
    previous = np.empty_like(flat)
    previous[1:] = flat[:-1]
    starts_row = np.zeros(len(flat), bool)
    starts_row[offsets[:-1][np.diff(offsets) > 0]] = True
    inside = (flat > 0) & (flat % 2 == 0)
    stray = inside & (starts_row | ((previous != flat) & (previous != flat - 1)))
    ok = ~values.is_null().to_numpy(zero_copy_only=False)
    ok[rows[stray]] = False
    return pl.LazyFrame({"ok": ok})


def _span_ok(prefix: str = "") -> pl.Expr:
    """A span is absent (start, end and text all null), or in range and equal to the text found there."""
    start, end, text = pl.col(f"{prefix}start"), pl.col(f"{prefix}end"), pl.col(f"{prefix}text")
    in_range = (start >= 0) & (start < end) & (end <= pl.col("doc_len"))
    present = in_range & (pl.col(f"{prefix}found") == text)
    return pl.when(start.is_null() & end.is_null()).then(text.is_null()).otherwise(present.fill_null(False))


def _part_matches(part: str):
    """The check that each row's `part` span (`part_start`, `part_end`, `part_text`) is the document's
    text at its offsets, named after the part so a failure says which."""
    def check(cls, data):
        return _rows(data, _span_ok(f"{part}_"))

    check.__name__ = check.__qualname__ = f"{part}_matches"
    return pa.dataframe_check(error=f"{part}: its text differs from the document text at its offsets, "
                                    "or they are out of range")(check)


#: The columns that name a row of each config, unique over all of its splits (a document in two splits is
#: a leak): the models' only rules that read more of a table than the row itself and the lookups.
ROW_KEYS = {"documents": ("id",), "entities": ("doc_id", "id"), "figures": ("doc_id", "id"),
            "quotes": ("doc_id", "id"), "ner": ("id",), "kb": ("id",)}


def _unique_in_document() -> pl.Expr:
    return ~pl.struct(*ROW_KEYS["entities"]).is_duplicated()


class _Base(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True  # Arrow int32 offsets, int64 ClassLabels and empty tables all meet one set of rules


class Documents(_Base):
    id: str = pa.Field(str_matches=ID, unique=True)
    title: str = pa.Field(nullable=True)
    source: str = pa.Field(nullable=True)
    date: str = pa.Field(nullable=True, str_matches=r"^\d{4}-\d{2}-\d{2}$")
    date_basis: str = pa.Field(nullable=True, isin=["dateline", "caption", "events"])
    story: str = pa.Field(str_matches=ID)
    sha256: str = pa.Field(str_matches=r"^[0-9a-f]{64}$")
    text: str = pa.Field(str_length={"min_value": 1})
    entities: pl.List
    figures: pl.List
    quotes: pl.List
    text_sha256: str = pa.Field(nullable=True)

    @pa.dataframe_check(error="sha256, text: sha256 differs from the SHA-256 of text")
    def checksum(cls, data):
        return _rows(data, pl.col("sha256") == pl.col("text_sha256"))

    @pa.dataframe_check(error="date, date_basis: both set or both null")
    def date_basis_set(cls, data):
        return _rows(data, pl.col("date").is_null() == pl.col("date_basis").is_null())


class _OfDocuments(_Base):
    """Rows that each belong to a document (`doc_len`: its length, null where it is not there)."""

    doc_id: str = pa.Field(str_matches=ID)
    doc_len: int = pa.Field(nullable=True)

    @pa.dataframe_check(error="doc_id: names no document")
    def document_exists(cls, data):
        return _rows(data, pl.col("doc_len").is_not_null())


class _Layer(_OfDocuments):
    @pa.dataframe_check(error="doc_id, id: (doc_id, id) is not unique")
    def unique_id(cls, data):
        return _rows(data, _unique_in_document())


class _Spans(_Layer):
    """A layer whose rows are spans of the document text: entities and figures."""

    start: int = pa.Field(ge=0)
    end: int = pa.Field(ge=1)
    text: str = pa.Field(str_length={"min_value": 1})
    found: str = pa.Field(nullable=True)

    @pa.dataframe_check(error="start, end, text: text differs from the document text at start:end, or the span is out of range")
    def span_text(cls, data):
        return _rows(data, _span_ok())


def models() -> dict:
    """config → model (`layout.CONFIGS`, in their order; `ner` is validated when the dataset has it), for
    the vocabulary in use: a repository's own schema/ may narrow it, and a process
    may check one repository after another (a notebook, the tests). The labels are those of the schema
    folder in use (`vocabulary` reads each folder's files once a process), so the models are made once
    for each folder."""
    return _models(vocabulary.schema_dir())


@cache
def _models(folder) -> dict:
    """The models for the schema folder `folder`, which is the one in use when they are made."""
    entity_labels, figure_labels = vocabulary.entity_labels(), vocabulary.figure_labels()
    categories, quote_types, kb_types = vocabulary.figure_categories(), vocabulary.quote_types(), vocabulary.kb_types()
    # The temporal labels the vocabulary has (a repository's own schema/ may drop TIME, or DATE).
    temporal = [entity_labels.index(label) for label in ("DATE", "TIME") if label in entity_labels]
    # BIO tags of the ner config: O, then B-X and I-X for each entity label, then each figure label.
    tags = 1 + 2 * (len(entity_labels) + len(figure_labels))

    class Entities(_Spans):
        id: str = pa.Field(str_matches=r"^e[0-9]+$")
        label: int = pa.Field(isin=list(range(len(entity_labels))))
        entity: str = pa.Field(nullable=True, str_matches=KB_ID)
        value: str = pa.Field(nullable=True)
        kb_type: str = pa.Field(nullable=True)

        @pa.dataframe_check(error="label, entity: DATE/TIME rows have no KB entity; every other label needs one")
        def entity_iff_name(cls, data):
            return _rows(data, pl.col("label").is_in(temporal) == pl.col("entity").is_null())

        @pa.dataframe_check(error="entity, label: entity is not a KB id, or the label differs from the KB entry's type")
        def kb_link(cls, data):
            name = pl.col("label").replace_strict(list(range(len(entity_labels))), entity_labels, default=None,
                                                  return_dtype=pl.String)
            return _rows(data, pl.col("entity").is_null() | (pl.col("kb_type") == name))


    class Figures(_Spans):
        id: str = pa.Field(str_matches=r"^f[0-9]+$")
        label: int = pa.Field(isin=list(range(len(figure_labels))))
        value: float
        value_max: float = pa.Field(nullable=True)
        unit: str = pa.Field(nullable=True)
        approximate: bool
        bound: str = pa.Field(nullable=True, isin=["lower", "upper"])
        measured_start: int = pa.Field(nullable=True, ge=0)
        measured_end: int = pa.Field(nullable=True, ge=1)
        measured_text: str = pa.Field(nullable=True)
        category: int = pa.Field(isin=list(range(len(categories))))
        source: str = pa.Field(nullable=True, str_matches=KB_ID)
        measured_found: str = pa.Field(nullable=True)
        source_type: str = pa.Field(nullable=True)

        measured_text_matches = _part_matches("measured")

        @pa.dataframe_check(error="value, value_max: not a finite number")
        def finite(cls, data):
            value_max = pl.col("value_max")
            return _rows(data, pl.col("value").is_finite() & (value_max.is_null() | value_max.is_finite()))

        @pa.dataframe_check(error="value, value_max: value_max is below value")
        def range_order(cls, data):
            return _rows(data, pl.col("value_max").is_null() | (pl.col("value_max") >= pl.col("value")))

        @pa.dataframe_check(error="source: not a KB id")
        def source_exists(cls, data):
            return _rows(data, pl.col("source").is_null() | pl.col("source_type").is_not_null())


    class Quotes(_Layer):
        id: str = pa.Field(str_matches=r"^q[0-9]+$")
        type: int = pa.Field(isin=list(range(len(quote_types))))
        content_start: int = pa.Field(ge=0)
        content_end: int = pa.Field(ge=1)
        content_text: str = pa.Field(str_length={"min_value": 1})
        speaker_start: int = pa.Field(nullable=True, ge=0)
        speaker_end: int = pa.Field(nullable=True, ge=1)
        speaker_text: str = pa.Field(nullable=True)
        speaker_entity: pl.List
        cue_start: int = pa.Field(nullable=True, ge=0)
        cue_end: int = pa.Field(nullable=True, ge=1)
        cue_text: str = pa.Field(nullable=True)
        addressee_start: int = pa.Field(nullable=True, ge=0)
        addressee_end: int = pa.Field(nullable=True, ge=1)
        addressee_text: str = pa.Field(nullable=True)
        content_found: str = pa.Field(nullable=True)
        speaker_found: str = pa.Field(nullable=True)
        cue_found: str = pa.Field(nullable=True)
        addressee_found: str = pa.Field(nullable=True)
        speakers_known: bool

        content_matches = _part_matches("content")
        speaker_matches = _part_matches("speaker")
        cue_matches = _part_matches("cue")
        addressee_matches = _part_matches("addressee")

        @pa.dataframe_check(error="speaker_entity: names an id that is not in the KB")
        def speakers_exist(cls, data):
            return _rows(data, pl.col("speakers_known"))


    class Ner(_OfDocuments):
        """One row per paragraph: tokens with their document offsets and BIO tags (ClassLabel indices)."""

        id: str = pa.Field(unique=True)
        tokens: pl.List
        ner_tags: pl.List
        token_starts: pl.List
        token_ends: pl.List
        tokens_agree: bool = pa.Field(nullable=True)

        @pa.dataframe_check(error="tokens, ner_tags, token_starts, token_ends: the lists differ in length")
        def equal_lengths(cls, data):
            if not _lists(data, tokens=None, ner_tags=None, token_starts=None, token_ends=None):
                return _rows(data, _BROKEN)
            n = pl.col("tokens").list.len()
            return _rows(data, (pl.col("ner_tags").list.len() == n) & (pl.col("token_starts").list.len() == n)
                         & (pl.col("token_ends").list.len() == n))

        @pa.dataframe_check(error="tokens, token_starts, token_ends: a token differs from the document text at its "
                                  "offsets, or they are out of range")
        def token_text(cls, data):
            if not _lists(data, tokens=pl.String):
                return _rows(data, _BROKEN)
            return _rows(data, pl.col("tokens_agree"))  # a null token or offset agrees with no text

        @pa.dataframe_check(error=f"ner_tags: a tag is outside 0–{tags - 1}")
        def tags_in_range(cls, data):
            if not _lists(data, ner_tags=None) or not data.lazyframe.collect_schema()["ner_tags"].inner.is_integer():
                return _rows(data, _BROKEN)
            in_range = (pl.element() >= 0) & (pl.element() < tags)
            return _rows(data, pl.col("ner_tags").list.eval(in_range.fill_null(False)).list.all())

        @pa.dataframe_check(error="ner_tags: an I-X tag follows neither B-X nor I-X")
        def inside_follows_begin(cls, data):
            if not _lists(data, ner_tags=None) or not data.lazyframe.collect_schema()["ner_tags"].inner.is_integer():
                return _rows(data, _BROKEN)
            return _inside_follows_begin(data.lazyframe.select("ner_tags").collect().to_series())


    class KB(_Base):
        id: str = pa.Field(str_matches=KB_ID, unique=True)
        name: str = pa.Field(str_length={"min_value": 1})
        type: int = pa.Field(isin=list(range(len(kb_types))))
        aliases: pl.List
        wikidata: str = pa.Field(nullable=True, str_matches=r"^Q[1-9][0-9]*$")
        description: str = pa.Field(nullable=True)
        used: bool

        @pa.dataframe_check(error="aliases: an alias is null, empty or listed twice")
        def aliases_are_names(cls, data):
            if _lists(data, aliases=pl.Null):  # no alias in any row, as Arrow may type it: each list must be empty
                return _rows(data, pl.col("aliases").is_null() | (pl.col("aliases").list.len() == 0))
            if not _lists(data, aliases=pl.String):
                return _rows(data, _BROKEN)
            named = pl.col("aliases").list.eval(pl.element().str.len_chars().fill_null(0) > 0).list.all()
            unique = pl.col("aliases").list.n_unique() == pl.col("aliases").list.len()
            return _rows(data, pl.col("aliases").is_null() | (named & unique))  # a null list: the column's own rule

        @pa.dataframe_check(error="id: the KB entry is referenced by no row of entities, figures or quotes")
        def referenced(cls, data):
            return _rows(data, pl.col("used"))

    return {"documents": Documents, "entities": Entities, "figures": Figures, "quotes": Quotes, "ner": Ner,
            "kb": KB}
