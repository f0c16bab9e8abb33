"""What one config or split file of the dataset's tables says of another must agree with it (level 4).

The `documents` config nests each document's entities, figures and quotes, which the per-layer configs
also hold as rows: a user of one config reads what the checks of the other vouched for only if the two
are the same; the `ner` rows are what the documents build by the tokenizer and BIO rules; and a story's
documents sit in one split. The models (`table_models.py`) check each config's rows on their own; this
module compares across configs and split files and says where and how they differ; `tables.py` reports it.
"""

from __future__ import annotations

from ..layout import LAYERS

__all__ = ["nested_differences", "ner_differences", "story_differences", "split_differences"]


def nested_differences(frames: dict) -> list[tuple[str, str]]:
    """(the per-layer file, how it differs) wherever the documents config's nested lists are not exactly
    the rows of the per-layer configs: as many, and the same, field by field and in the same order (a user
    of `documents` reads the nested copies, which no model checks; the per-layer rows are checked against
    the texts and the KB)."""
    import polars as pl

    out = []
    for split, docs in frames.get("documents", {}).items():
        for layer in LAYERS:
            flat = frames.get(layer, {}).get(split)
            if flat is None or not isinstance(docs.schema.get(layer), pl.List):
                continue  # a missing or mistyped column is reported by the documents model
            nested = int(docs[layer].list.len().sum() or 0)
            if nested != len(flat):
                why = f"nests {nested} {layer} but {layer}/{split} has {len(flat)} rows"
            else:
                why = _nested_difference(docs, layer, flat)
            if why is not None:
                out.append((f"dataset/data/{layer}/{split}.parquet", f"documents/{split} {why}"))
    return out


def _nested_difference(docs, layer: str, flat) -> str | None:
    """How the rows nested in `docs[layer]` (with their document's id) first differ from `flat`, or None.
    Fields are matched by name, at the top and inside a span's record, whatever their order."""
    import polars as pl

    if "id" not in docs.columns:
        return None  # the documents model reports the missing column
    inner = docs.schema[layer].inner
    if inner == pl.Null and not len(flat):
        return None  # no annotation in the split, nested lists typed as holding nothing
    if not isinstance(inner, pl.Struct):
        return f"nests {layer} that are not records, unlike its {layer} rows"
    fields = [f.name for f in inner.fields]
    if sorted(["doc_id", *fields]) != sorted(flat.columns):
        return f"nests {layer} with the fields {', '.join(fields)}, not those of its {layer} rows"
    try:
        nested = (docs.select(pl.col("id").alias("doc_id"), pl.col(layer)).filter(pl.col(layer).list.len() > 0)
                  .explode(layer).unnest(layer).select(flat.columns))
        mine, theirs = _comparable(nested, flat.schema), _comparable(flat, nested.schema)
        if mine.columns != theirs.columns:
            return f"nests {layer} whose records hold other fields than its {layer} rows"
        differs = mine.select(pl.any_horizontal(pl.col(c).ne_missing(theirs[c]) for c in theirs.columns)).to_series()
    except (pl.exceptions.PolarsError, TypeError, ValueError):  # types that do not compare: a difference too
        return f"nests {layer} whose fields are not of the types of its {layer} rows"
    rows = differs.arg_true()
    if not len(rows):
        return None
    k = int(rows[0])
    named = dict.fromkeys(c.split(".")[0] for c in theirs.columns
                          if not mine[c].slice(k, 1).equals(theirs[c].slice(k, 1), check_names=False))
    more = f"; {len(rows)} rows differ" if len(rows) > 1 else ""
    return f"nests {layer} that differ from its {layer} rows at row {k} ({', '.join(named)}){more}"


def _comparable(frame, other):
    """`frame` with each record column (a span) as whether it is null and its fields by name, in name order.
    A column of nulls typed as nothing (Arrow's `null`, as a writer that was given no schema types a span
    that is always absent) is read as a null record of the fields `other` (the other side's schema) gives."""
    import polars as pl

    columns = []
    for name, dtype in frame.schema.items():
        record = dtype if isinstance(dtype, pl.Struct) else other.get(name) if dtype == pl.Null else None
        if isinstance(record, pl.Struct):
            columns.append(pl.col(name).is_null().alias(name))
            columns += [(pl.col(name).struct.field(f) if record is dtype else pl.lit(None)).alias(f"{name}.{f}")
                        for f in sorted(x.name for x in record.fields)]
        else:
            columns.append(pl.col(name))
    return frame.select(columns)


def ner_differences(frames: dict) -> list[tuple[str, str]]:
    """(the ner file, how it differs) for each split whose `ner` rows are not what its documents build:
    a row per paragraph of each document, in order, with the tokenizer's tokens and the BIO tags of the
    document's nested entities and figures (`text.ner`, the rule the build writes them by). The models
    check that each row's tokens are the text at their offsets and that its tags are well formed; only
    this says that they are the rule's tokens and the gold's tags, which is what a model trained on the
    `ner` config learns. Splits whose documents cannot be read for it (a column missing or mistyped, a
    null text or offset, a label out of range) are left to the findings the models give them."""
    out = []
    for split, docs in frames.get("documents", {}).items():
        ner = frames.get("ner", {}).get(split)
        if ner is None:
            continue
        built = _ner_built(docs)
        why = None if built is None else _ner_difference(ner, built)
        if why is not None:
            out.append((f"dataset/data/ner/{split}.parquet", f"ner/{split} is not what documents/{split} builds: {why}"))
    return out


def _ner_built(docs):
    """The ner rows the documents build (`text.ner.Listed` and the tags), or None if they cannot be read."""
    import numpy as np
    import polars as pl

    from .. import vocabulary
    from ..text.ner import Spans, listed_tags, listed_tokens
    from ..text.tokens import Tokens, paragraphs

    try:
        if docs["id"].dtype != pl.String or docs["text"].dtype != pl.String \
                or docs["id"].null_count() or docs["text"].null_count():
            return None
        parts = []
        for layer, names in (("entities", vocabulary.entity_labels()), ("figures", vocabulary.figure_labels())):
            rows = (docs.select(pl.int_range(pl.len()).alias("doc"), pl.col(layer)).explode(layer)
                    .filter(pl.col(layer).is_not_null()).unnest(layer)
                    .select("doc", pl.col("start", "end", "label").cast(pl.Int64)))
            if rows.null_count().sum_horizontal().item() or not rows["label"].is_between(0, len(names) - 1).all():
                return None
            parts.append(rows.with_columns(pl.col("label").replace_strict(list(range(len(names))), names,
                                                                          return_dtype=pl.String)))
    except (pl.exceptions.PolarsError, KeyError, TypeError, ValueError):
        return None
    flat = pl.concat(parts).sort("doc", "start", "end", "label")  # as `flat_spans` sorts them
    texts, ids = docs["text"].to_list(), docs["id"].to_list()
    counts = flat["doc"].value_counts().sort("doc")
    per_doc = np.zeros(len(texts), np.int64)
    per_doc[counts["doc"].to_numpy()] = counts["count"].to_numpy()
    spans = Spans(per_doc.tolist(), flat["start"].to_numpy(), flat["end"].to_numpy(), flat["label"].to_list())
    tokens = [Tokens(text) for text in texts]
    pars_of = [paragraphs(text) for text in texts]
    listed = listed_tokens(ids, tokens, pars_of)
    return listed, listed_tags(texts, tokens, pars_of, spans, listed)


def _ner_difference(ner, built) -> str | None:
    """Where the `ner` rows first differ from the rows built, or None."""
    import numpy as np
    import polars as pl
    import pyarrow as pa

    from .table_models import list_values

    listed, tags = built
    columns = {"token_starts": np.frombuffer(listed.starts, np.int32), "token_ends": np.frombuffer(listed.ends, np.int32),
               "ner_tags": tags}
    if any(c not in ner.columns for c in ("id", "doc_id", *columns)):
        return None  # the ner model reports the missing column
    try:  # read as the models read them (without a card to declare the types, the models coerce)
        ner = ner.with_columns(pl.col("id", "doc_id").cast(pl.String),
                               *(pl.col(c).cast(pl.List(pl.Int64), strict=False) for c in columns))
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        return None  # a column of another kind, which the ner model reports
    if len(ner) != len(listed.ids):
        return f"it has {len(ner)} rows where the documents' paragraphs make {len(listed.ids)}"
    offsets = np.frombuffer(listed.offsets, np.int32)
    differs = np.zeros(len(ner), bool)
    fields = {}
    for name, values in (("id", listed.ids), ("doc_id", listed.doc_ids)):
        fields[name] = ~ner[name].eq_missing(pl.Series(values, dtype=pl.String)).to_numpy()
    for name, expected in columns.items():
        values, flat, starts = list_values(ner[name])
        lengths = values.value_lengths().fill_null(-1).to_numpy()
        wrong = lengths != np.diff(offsets)
        # the rows as long as built compare value by value, each from where its list starts
        same = np.flatnonzero(~wrong)
        size = lengths[same]
        within = np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
        given = flat.cast(pa.int64(), safe=False).fill_null(-1).to_numpy()
        here = np.repeat(starts[:-1][same], size) + within
        built_here = np.repeat(offsets[:-1][same], size) + within
        wrong[np.repeat(same, size)[given[here] != expected[built_here]]] = True
        fields[name] = wrong
    for wrong in fields.values():
        differs |= wrong
    rows = np.flatnonzero(differs)
    if not len(rows):
        return None
    k = int(rows[0])
    more = f"; {len(rows)} rows differ" if len(rows) > 1 else ""
    return f"row {k} ({', '.join(name for name, wrong in fields.items() if wrong[k])}){more}"


def story_differences(frames: dict) -> list[tuple[str, str]]:
    """(the documents file, how) for each split file holding a story that an earlier split also holds: the
    copies of one story never sit on both sides of a split (a model tested on a copy of what it was
    trained on scores what it remembers), and a received folder may break that where no row is wrong."""
    import polars as pl

    from .. import vocabulary

    splits = frames.get("documents", {})
    order = [s for s in vocabulary.splits() if s in splits] + sorted(set(splits) - set(vocabulary.splits()))
    first_in: dict[str, str] = {}
    out = []
    for split in order:
        docs = splits[split]
        try:  # read as the documents model reads it (it coerces a dictionary-encoded column, say)
            stories = docs["story"].cast(pl.String).to_list()
        except (pl.exceptions.PolarsError, KeyError, TypeError, ValueError):
            continue  # the documents model reports the column
        for row, story in enumerate(stories):
            if story is None:
                continue
            earlier = first_in.setdefault(story, split)
            if earlier != split:
                out.append((f"dataset/data/documents/{split}.parquet",
                            f"row {row}: story: the story {story!r} also has documents in documents/{earlier}; "
                            "the documents of one story sit in one split"))
                first_in[story] = split  # said once a split
    return out


def split_differences(splits: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(the file, how) for each split a per-layer or `ner` config lacks and `documents` has, or has and
    `documents` lacks (`splits`: config → the names of its split files): a row of a split without documents
    is compared with nothing, and a split without its rows loses them, whatever the card declares. Each is
    said at the file that is missing (so a file that cannot be read is said once, as unreadable)."""
    documents = splits.get("documents")
    if documents is None:
        return []  # reported as a missing config
    out, beyond = [], {}
    for config in (*LAYERS, "ner"):
        own = splits.get(config)
        if own is None:
            continue  # a missing layer is reported as such; `ner` is absent from datasets built before it
        out += [(f"dataset/data/{config}/{split}.parquet", f"missing: {config} has no {split} split, which documents has")
                for split in sorted(documents - own)]
        for split in sorted(own - documents):
            beyond.setdefault(split, []).append(config)
    out += [(f"dataset/data/documents/{split}.parquet",
             f"missing: documents has no {split} split, which {', '.join(configs)} {'has' if len(configs) == 1 else 'have'}")
            for split, configs in sorted(beyond.items())]
    return out
