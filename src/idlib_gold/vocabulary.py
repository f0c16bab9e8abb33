"""The JSON Schema files and the closed vocabularies they define.

`schema/*.schema.json` is the single source of truth for field names and closed
vocabularies; the label lists used by the build, the tables, the scorer and the lints
are read from here rather than repeated in code. Validating a file against a schema
is a check, and lives in `checking/schema.py`; this module only reads the files, so
every stage can import it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = [
    "DOCUMENT", "KB", "PREDICTIONS", "schema_dir", "load_schema", "entity_labels", "figure_labels",
    "figure_categories", "quote_types", "kb_types", "splits", "units", "describe",
]

DOCUMENT = "document.schema.json"
KB = "kb.schema.json"
PREDICTIONS = "predictions.schema.json"


def schema_dir() -> Path:
    """The packaged copy of schema/ in an installed wheel, else the source tree's."""
    packaged = resources.files("idlib_gold") / "schema"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "schema"


@cache
def load_schema(name: str) -> dict:
    return json.loads((schema_dir() / name).read_text(encoding="utf-8"))


def _defs(name: str = DOCUMENT) -> dict:
    return load_schema(name)["$defs"]


def entity_labels() -> list[str]:
    return list(_defs()["entity_label"]["enum"])


def figure_labels() -> list[str]:
    return list(_defs()["figure_label"]["enum"])


def figure_categories() -> list[str]:
    return list(_defs()["figure_category"]["enum"])


def quote_types() -> list[str]:
    return list(_defs()["quote_type"]["enum"])


def kb_types() -> list[str]:
    return list(_defs(KB)["entry"]["properties"]["type"]["enum"])


def splits() -> list[str]:
    return list(load_schema(DOCUMENT)["properties"]["split"]["enum"])


def units() -> list[str]:
    return list(_defs()["figure"]["properties"]["unit"]["anyOf"][0]["enum"])


def describe(enum_name: str) -> dict[str, str]:
    """value → definition, from the schema's enumDescriptions."""
    d = _defs()[enum_name]
    return dict(zip(d["enum"], d.get("enumDescriptions", [])))
