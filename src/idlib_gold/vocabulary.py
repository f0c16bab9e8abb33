"""The JSON Schema files and the closed vocabularies they define.

`schema/*.schema.json` is the single source of truth for field names and closed
vocabularies; the label lists used by the build, the tables, the scorer and the lints
are read from here rather than repeated in code. Validating a file against a schema
is a check, and lives in `checking/schema.py`; this module only reads the files, so
every stage can import it.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from importlib import resources
from pathlib import Path

from . import readlog

__all__ = [
    "DOCUMENT", "KB", "PREDICTIONS", "schema_dir", "packaged_schemas", "use_repository", "load_schema", "entity_labels", "figure_labels",
    "figure_categories", "quote_types", "kb_types", "splits", "units", "describe",
]

DOCUMENT = "document.schema.json"
KB = "kb.schema.json"
PREDICTIONS = "predictions.schema.json"


#: The schema/ folder of the repository being validated, when it has one (`use_repository`).
_repository_schemas: Path | None = None


def use_repository(root: Path | None) -> None:
    """Read the schemas of the repository at `root` from now on, where it has a `schema/` with a
    document schema: a corpus that narrows or widens the vocabulary in its own schema/ (say, drops
    TIME) is validated by its own rules, not by the copy packaged with idlib-gold. None goes back
    to the packaged copy. The command line calls this once it knows the repository root."""
    global _repository_schemas
    folder = root / "schema" if root is not None else None
    _repository_schemas = folder if folder is not None and (folder / DOCUMENT).is_file() else None


def packaged_schemas() -> Path:
    """The schema folder packaged with idlib-gold (used where a repository has no schema/)."""
    return _packaged_dir()


def _packaged_dir() -> Path:
    packaged = resources.files("idlib_gold") / "schema"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "schema"


def schema_dir(name: str = DOCUMENT) -> Path:
    """Where schema `name` is read from: the validated repository's schema/ when it has that file
    (see `use_repository`), else the packaged copy in an installed wheel, else the source tree's.
    This is the one place schemas are found."""
    if _repository_schemas is not None and (_repository_schemas / name).is_file():
        return _repository_schemas
    return _packaged_dir()


def load_schema(name: str) -> dict:
    folder = schema_dir(name)
    digest, data = _load(folder, name)
    readlog.merge({os.path.abspath(folder / name): digest})  # the bytes in use, for the stamp
    return data


@cache
def _load(folder: Path, name: str) -> tuple[str, dict]:
    raw = (folder / name).read_bytes()
    return hashlib.sha256(raw).hexdigest(), json.loads(raw.decode("utf-8"))


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
