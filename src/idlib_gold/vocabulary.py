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
from itertools import accumulate
from pathlib import Path

from . import readlog
from .errors import UsageError

__all__ = [
    "DOCUMENT", "KB", "PREDICTIONS", "schema_dir", "packaged_schemas", "use_repository", "load_schema", "entity_labels", "figure_labels",
    "figure_categories", "quote_types", "kb_types", "splits", "units", "describe", "SchemaFileError",
]

DOCUMENT = "document.schema.json"
KB = "kb.schema.json"
PREDICTIONS = "predictions.schema.json"


#: The schema/ folder of the repository being validated, when it has one (`use_repository`).
_repository_schemas: Path | None = None

#: The deepest nesting a schema file may have: the deepest of ours is 7; Python's JSON reader recurses
#: once per bracket and would stop with a RecursionError near 1,000.
MAX_SCHEMA_DEPTH = 200


class SchemaFileError(UsageError):
    """A schema file a command cannot use: missing from a repository's schema/ that holds the others,
    not JSON, nested past MAX_SCHEMA_DEPTH, or without the vocabulary a command reads from it. The
    command line reports it as a usage error (exit 2), never as PASSED: nothing can be checked when
    the rules themselves cannot be read."""


def use_repository(root: Path | None) -> None:
    """Read the schemas of the repository at `root` from now on, where it has a `schema/` with a
    document schema: a corpus that narrows or widens the vocabulary in its own schema/ (say, drops
    TIME) is validated by its own rules, not by the copy packaged with idlib-gold. None goes back
    to the packaged copy. The command line calls this once it knows the repository root."""
    global _repository_schemas
    folder = root / "schema" if root is not None else None
    ours = (DOCUMENT, KB, PREDICTIONS)
    in_use = folder is not None and any(os.path.lexists(folder / name) for name in ours)
    _repository_schemas = folder if in_use else None


def packaged_schemas() -> Path:
    """The schema folder packaged with idlib-gold (used where a repository has no schema/)."""
    return _packaged_dir()


@cache
def _packaged_dir() -> Path:
    """Found once a process: `importlib.resources` asks the package's loader each time, which cost
    1.3 s of CPU time in a 5,000-document build that names the schema folder in every document's key."""
    packaged = resources.files("idlib_gold") / "schema"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "schema"


def schema_dir(name: str = DOCUMENT) -> Path:
    """Where schema `name` is read from: the validated repository's schema/ when it holds any of the
    schema files (see `use_repository`), else the packaged copy in an installed wheel, else the
    source tree's. A repository whose schema/ lost one file is not quietly served the packaged copy:
    loading it raises SchemaFileError. This is the one place schemas are found."""
    if _repository_schemas is not None:
        return _repository_schemas
    return _packaged_dir()


def load_schema(name: str) -> dict:
    folder = schema_dir(name)
    digest, data = _load(folder, name)
    readlog.merge({os.path.abspath(folder / name): digest})  # the bytes in use, for the stamp
    return data


@cache
def _load(folder: Path, name: str) -> tuple[str, dict]:
    where = _shown(folder / name)
    # Never through a link: the stamp and the parse cache hash a link as what it is, not the bytes behind
    # it, so a schema read through one could change without anything kept under it noticing.
    for path, what in ((folder, _shown(folder)), (folder / name, where)):
        if os.path.islink(path):
            raise SchemaFileError(f"{what} is a symbolic link; schema files are read only from the repository "
                                  "itself: replace the link with what it points to")
    try:
        raw = (folder / name).read_bytes()
    except FileNotFoundError:
        raise SchemaFileError(f"{where} is missing; restore it (git checkout -- {where})") from None
    except OSError as exc:
        raise SchemaFileError(f"{where} cannot be read: {exc.strerror or exc}") from None
    depth = max(accumulate(raw.translate(None, _NOT_BRACKETS), lambda d, b: d + (1 if b in b"[{" else -1),
                           initial=0))
    if depth > MAX_SCHEMA_DEPTH:  # counts brackets inside strings too: a schema has few, and none deep
        raise SchemaFileError(f"{where} nests {depth} levels deep (at most {MAX_SCHEMA_DEPTH}); restore it")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SchemaFileError(f"{where} is not JSON ({exc}); restore it (git checkout -- {where})") from None
    if not isinstance(data, dict):
        raise SchemaFileError(f"{where} is not a JSON Schema object; restore it (git checkout -- {where})")
    return hashlib.sha256(raw).hexdigest(), data


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _shown(path: Path) -> str:
    """schema/NAME for a repository's file, the full path for the packaged copy."""
    if _repository_schemas is not None and path.parent == _repository_schemas:
        return f"schema/{path.name}"
    return str(path)


def _vocabulary(name: str, *keys: str | int) -> list[str]:
    """The list of strings at `keys` in schema `name`; SchemaFileError when it is not there."""
    value: object = load_schema(name)
    try:
        for key in keys:
            value = value[key]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        value = None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        where = _shown(schema_dir(name) / name)
        raise SchemaFileError(f"{where} has no list of values at {'/'.join(map(str, keys))}; "
                              f"restore it (git checkout -- {where})")
    return list(value)


def entity_labels() -> list[str]:
    return _vocabulary(DOCUMENT, "$defs", "entity_label", "enum")


def figure_labels() -> list[str]:
    return _vocabulary(DOCUMENT, "$defs", "figure_label", "enum")


def figure_categories() -> list[str]:
    return _vocabulary(DOCUMENT, "$defs", "figure_category", "enum")


def quote_types() -> list[str]:
    return _vocabulary(DOCUMENT, "$defs", "quote_type", "enum")


def kb_types() -> list[str]:
    return _vocabulary(KB, "$defs", "entry", "properties", "type", "enum")


def splits() -> list[str]:
    return _vocabulary(DOCUMENT, "properties", "split", "enum")


def units() -> list[str]:
    return _vocabulary(DOCUMENT, "$defs", "figure", "properties", "unit", "anyOf", 0, "enum")


def describe(enum_name: str) -> dict[str, str]:
    """value → definition, from the schema's enumDescriptions (none where the schema has none)."""
    values = _vocabulary(DOCUMENT, "$defs", enum_name, "enum")
    try:
        texts = _vocabulary(DOCUMENT, "$defs", enum_name, "enumDescriptions")
    except SchemaFileError:
        texts = []
    return dict(zip(values, texts))
