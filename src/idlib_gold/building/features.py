"""The typed schema of every Parquet table, as Hugging Face `datasets` Features.

Labels are ClassLabel and spans are structs, so `load_dataset(...).features`
shows users the real schema. The label names come from `schema/`.
"""

from __future__ import annotations

from .. import vocabulary
from .ner import tag_names

__all__ = ["features_for"]


def features_for(config: str):
    from datasets import ClassLabel, Features, List, Value  # heavy import: only the build needs it

    span = {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}
    entity = {"id": Value("string"), "label": ClassLabel(names=vocabulary.entity_labels()),
              "start": Value("int32"), "end": Value("int32"), "text": Value("string"),
              "entity": Value("string"), "value": Value("string")}
    figure = {"id": Value("string"), "label": ClassLabel(names=vocabulary.figure_labels()),
              "start": Value("int32"), "end": Value("int32"), "text": Value("string"),
              "value": Value("float64"), "value_max": Value("float64"), "unit": Value("string"),
              "approximate": Value("bool"), "bound": Value("string"), "measured": span,
              "category": ClassLabel(names=vocabulary.figure_categories()), "source": Value("string")}
    quote = {"id": Value("string"), "type": ClassLabel(names=vocabulary.quote_types()), "content": span,
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
                        "ner_tags": List(ClassLabel(names=tag_names())),
                        "token_starts": List(Value("int32")), "token_ends": List(Value("int32"))},
        "kb": lambda: {"id": Value("string"), "name": Value("string"),
                       "type": ClassLabel(names=vocabulary.kb_types()), "aliases": List(Value("string")),
                       "wikidata": Value("string"), "description": Value("string")},
    }[config]())
