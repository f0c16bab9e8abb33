"""The typed schema of every Parquet table, written as `datasets` would write it, without `datasets`.

Labels are ClassLabel and spans are structs, so `load_dataset(...).features` shows
users the real schema. The label names come from `schema/`.

Why not `datasets.Features` itself: see docs/decisions/0009-features-written-without-datasets.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from .. import vocabulary
from ..text.ner import tag_names

__all__ = ["Value", "ClassLabel", "List", "Features", "features_for"]


@dataclass(frozen=True)
class Value:
    dtype: str


@dataclass(frozen=True)
class ClassLabel:
    names: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class List:
    feature: object


def _as_dict(feature) -> dict:
    """The JSON form `datasets` stores in a Parquet file's `huggingface` metadata."""
    if isinstance(feature, Value):
        return {"dtype": feature.dtype, "_type": "Value"}
    if isinstance(feature, ClassLabel):
        return {"names": list(feature.names), "_type": "ClassLabel"}
    if isinstance(feature, List):
        return {"feature": _as_dict(feature.feature), "_type": "List"}
    return {name: _as_dict(sub) for name, sub in feature.items()}


def _as_yaml(feature) -> dict:
    """The body of one entry of the card's `features:` list, in the Hub's simplified form."""
    if isinstance(feature, Value):
        return {"dtype": feature.dtype}
    if isinstance(feature, ClassLabel):
        return {"dtype": {"class_label": {"names": {str(i): n for i, n in enumerate(feature.names)}}}}
    if isinstance(feature, List):
        inner = _as_yaml(feature.feature)
        only = list(inner)
        return {"list": inner[only[0]] if only in (["dtype"], ["struct"]) else inner}
    return {"struct": [{"name": name, **_as_yaml(sub)} for name, sub in feature.items()]}


def _arrow_type(feature):
    import pyarrow as pa

    if isinstance(feature, Value):
        return {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "float64": pa.float64(),
                "bool": pa.bool_()}[feature.dtype]
    if isinstance(feature, ClassLabel):
        return pa.int64()
    if isinstance(feature, List):
        return pa.list_(_arrow_type(feature.feature))
    return pa.struct([pa.field(name, _arrow_type(sub)) for name, sub in feature.items()])


class Features(dict):
    """Column name → feature, with the three forms the build writes."""

    def to_dict(self) -> dict:
        return _as_dict(self)

    def _to_yaml_list(self) -> list[dict]:
        return [{"name": name, **_as_yaml(sub)} for name, sub in self.items()]

    @property
    def arrow_schema(self):
        import pyarrow as pa

        metadata = {"huggingface": json.dumps({"info": {"features": self.to_dict()}})}
        return pa.schema([pa.field(name, _arrow_type(sub)) for name, sub in self.items()]).with_metadata(metadata)


def features_for(config: str) -> Features:
    """The features of `config` for the labels of the schema folder in use, made once for each folder
    (a process may build one repository after another, and a repository's schema/ may narrow them)."""
    return _features(config, vocabulary.schema_dir())


@cache
def _features(config: str, folder) -> Features:
    span = {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}
    entity = {"id": Value("string"), "label": ClassLabel(tuple(vocabulary.entity_labels())),
              "start": Value("int32"), "end": Value("int32"), "text": Value("string"),
              "entity": Value("string"), "value": Value("string")}
    figure = {"id": Value("string"), "label": ClassLabel(tuple(vocabulary.figure_labels())),
              "start": Value("int32"), "end": Value("int32"), "text": Value("string"),
              "value": Value("float64"), "value_max": Value("float64"), "unit": Value("string"),
              "approximate": Value("bool"), "bound": Value("string"), "measured": span,
              "category": ClassLabel(tuple(vocabulary.figure_categories())), "source": Value("string")}
    quote = {"id": Value("string"), "type": ClassLabel(tuple(vocabulary.quote_types())), "content": span,
             "speaker": span, "speaker_entity": List(Value("string")), "cue": span, "addressee": span}
    doc_id = {"doc_id": Value("string")}
    return Features({
        "documents": lambda: {
            "id": Value("string"), "title": Value("string"), "source": Value("string"), "date": Value("string"),
            "date_basis": Value("string"), "story": Value("string"), "sha256": Value("string"),
            "text": Value("string"), "entities": List(entity), "figures": List(figure), "quotes": List(quote)},
        "entities": lambda: {**doc_id, **entity},
        "figures": lambda: {**doc_id, **figure},
        "quotes": lambda: {**doc_id, **quote},
        "ner": lambda: {"id": Value("string"), "doc_id": Value("string"), "tokens": List(Value("string")),
                        "ner_tags": List(ClassLabel(tuple(tag_names()))),
                        "token_starts": List(Value("int32")), "token_ends": List(Value("int32"))},
        "kb": lambda: {"id": Value("string"), "name": Value("string"),
                       "type": ClassLabel(tuple(vocabulary.kb_types())), "aliases": List(Value("string")),
                       "wikidata": Value("string"), "description": Value("string")},
    }[config]())
