"""What one config of the dataset's tables repeats of another must agree with it (level 4, `IG402`).

The `documents` config nests each document's entities, figures and quotes, which the per-layer configs
also hold as rows: a user of one config reads what the checks of the other vouched for only if the two
are the same. The models (`table_models.py`) check each config's rows on their own; this module compares
the copies and says where and how they differ; `tables.py` reports it.
"""

from __future__ import annotations

from ..layout import LAYERS

__all__ = ["nested_differences"]


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
    """How the rows nested in `docs[layer]` (with their document's id) first differ from `flat`, or None."""
    import polars as pl

    if "id" not in docs.columns:
        return None  # the documents model reports the missing column
    if not isinstance(docs.schema[layer].inner, pl.Struct):
        return f"nests {layer} that are not records, unlike its {layer} rows"
    nested = (docs.select(pl.col("id").alias("doc_id"), pl.col(layer)).filter(pl.col(layer).list.len() > 0)
              .explode(layer).unnest(layer))
    if nested.columns != flat.columns:
        return f"nests {layer} with the fields {', '.join(nested.columns[1:])}, not those of its {layer} rows"
    try:
        differs = nested.select(pl.any_horizontal(pl.col(c).ne_missing(flat[c]) for c in flat.columns)).to_series()
    except (pl.exceptions.PolarsError, TypeError, ValueError):  # types that do not compare: a difference too
        return f"nests {layer} whose fields are not of the types of its {layer} rows"
    rows = differs.arg_true()
    if not len(rows):
        return None
    k = int(rows[0])
    fields = [c for c in flat.columns if not nested[c].slice(k, 1).equals(flat[c].slice(k, 1), check_names=False)]
    more = f"; {len(rows)} rows differ" if len(rows) > 1 else ""
    return f"nests {layer} that differ from its {layer} rows at row {k} ({', '.join(fields)}){more}"
