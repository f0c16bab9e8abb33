"""The JSON Schema files: loading them, the vocabularies they define, and validating against them.

`schema/*.schema.json` is the single source of truth for field names and closed
vocabularies; the label lists used by the build, the tables and the lints are read
from here rather than repeated in code.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .findings import Finding
from .reading import Loaded

__all__ = [
    "schema_dir", "load_schema", "validate", "entity_labels", "figure_labels",
    "figure_categories", "quote_types", "kb_types", "splits", "units",
]

DOCUMENT = "document.schema.json"
KB = "kb.schema.json"


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


@cache
def _validator(name: str):
    from jsonschema import Draft202012Validator  # imported here: only schema checks need it

    return Draft202012Validator(load_schema(name))


def _json_path(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _deepest(error):
    """For oneOf/anyOf failures, the alternative that got furthest explains the problem best."""
    from jsonschema.exceptions import best_match

    while error.context:
        best = best_match(error.context)
        if best is None or best is error:
            break
        # A null alternative ("is not of type 'null'") says nothing useful.
        error = best
    return error


def _hint(error) -> str | None:
    if error.validator == "enum" and isinstance(error.instance, str):
        close = difflib.get_close_matches(error.instance, [str(v) for v in error.validator_value], n=1)
        if close:
            return f"did you mean {close[0]!r}?"
    if error.validator == "additionalProperties":
        return "remove the field or correct its spelling; allowed fields are listed in the schema"
    if error.validator == "required":
        return "add the missing field (null where it does not apply)"
    if error.validator == "pattern":
        return f"the value must match {error.validator_value}"
    return None


@cache
def _compiled(name: str):
    """A compiled validator (jsonschema-rs) for the fast yes/no, or None where it is not installed."""
    try:
        import jsonschema_rs

        return jsonschema_rs.validator_for(load_schema(name))
    except Exception:  # not installed, or too old for this schema: the reference validator does it all
        return None


def validate(loaded: Loaded, rel: str, name: str = DOCUMENT) -> list[Finding]:
    """Every schema error in the file (not only the first), each at its own line.

    The reference `jsonschema` package takes about 25 ms for a document file; a compiled
    validator says "valid" in a fraction of a millisecond, so it answers first, and any file
    it rejects (or cannot take) goes to the reference validator, which decides and explains.
    Where the two are known to differ (a Rust regex `$` matches only at the very end) the
    compiled one is the stricter, which only sends a file on to the reference.
    """
    compiled = _compiled(name)
    if compiled is not None:
        try:
            if compiled.is_valid(loaded.data):
                return []
        except Exception:  # a value it cannot convert (a huge integer, NaN): let the reference judge
            pass
    findings = []
    for error in _validator(name).iter_errors(loaded.data):
        error = _deepest(error)
        path = tuple(error.absolute_path)
        line, col = loaded.where(path)
        annotation = _annotation_id(loaded.data, path)
        message = error.message
        if len(message) > 200:
            message = message[:197] + "..."
        findings.append(Finding("IG201", f"{_json_path(path)}: {message}", rel, line, col, annotation, _hint(error)))
    return findings


def _annotation_id(data: Any, path: tuple) -> str | None:
    if len(path) >= 2 and path[0] in ("entities", "figures", "quotes", "entries") and isinstance(path[1], int):
        try:
            item = data[path[0]][path[1]]
            return item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
        except (IndexError, KeyError, TypeError):
            return None
    return None
