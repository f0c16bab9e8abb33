"""Level 2: a file against its JSON Schema, with every error at its own line and a code for its kind
(IG202 missing field, IG203 unknown field, IG204 wrong type, IG205 value not in the vocabulary, IG206
number out of range, IG207 malformed string; IG201 for any other).

The schema files and their vocabularies are read by `idlib_gold.vocabulary`; this
module only validates and words the errors, so that every caller (the corpus loader's
gate, the predictions reader) explains a schema error the same way.
"""

from __future__ import annotations

import difflib
import math
from functools import cache
from typing import Any

from ..findings import Finding
from ..reading.files import Loaded
from ..vocabulary import DOCUMENT, SchemaFileError, load_schema, schema_dir

__all__ = ["schema_errors", "short_message", "validate", "error_paths", "error_codes", "code_of", "json_path", "deepest", "hint",
           "strict_validator_class", "typed_loosely"]

#: The code of a schema error by the keyword that failed (after `deepest`); any other keyword is IG201.
BY_KEYWORD: dict[str, str] = {
    "required": "IG202", "dependentRequired": "IG202",
    "additionalProperties": "IG203", "unevaluatedProperties": "IG203",
    "type": "IG204",
    "enum": "IG205", "const": "IG205",
    "minimum": "IG206", "maximum": "IG206", "exclusiveMinimum": "IG206", "exclusiveMaximum": "IG206",
    "pattern": "IG207", "minLength": "IG207", "maxLength": "IG207", "format": "IG207",
}


def _is_integer(_checker, value) -> bool:
    return type(value) is int  # not 12.0, not True


def _is_number(_checker, value) -> bool:
    return type(value) is int or (type(value) is float and math.isfinite(value))


@cache
def strict_validator_class():
    """Draft 2020-12 as the files are typed: an integer is written as one (not 12.0), and a number is
    finite (not .inf or .nan). See docs/decisions/0006-a-compiled-schema-validator-answers-first.md."""
    from jsonschema import Draft202012Validator, validators  # imported here: only schema checks need it

    checker = Draft202012Validator.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number})
    return validators.extend(Draft202012Validator, type_checker=checker)


def _validator(name: str):
    return _reference(schema_dir(name), name)


def _resources(name: str) -> list[str]:
    """The schema files `name` may refer to by `$id`: itself and the document schema (the predictions
    schema reuses the document schema's definitions)."""
    return list(dict.fromkeys([DOCUMENT, name]))


@cache
def _reference(folder, name: str):
    """One validator per schema file (the folder is part of the key: see vocabulary.use_repository),
    resolving references among the schema files from the local copies only, never the network."""
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT202012

    def offline(uri: str):
        raise NoSuchResource(ref=uri)

    schemas = {n: checked_schema(n) for n in _resources(name)}  # each meta-checked once
    registry = Registry(retrieve=offline).with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in schemas.values())
    return strict_validator_class()(schemas[name], registry=registry)


def checked_schema(name: str) -> dict:
    """Schema `name`, once it is known to be a valid Draft 2020-12 schema with an `$id`. A schema/
    file edited into something that is JSON but no schema (`{"type": 5}`) would otherwise surface
    as a traceback in the middle of validating the first document."""
    from jsonschema.exceptions import SchemaError

    schema = load_schema(name)
    where = f"schema/{name}" if schema_dir(name).name == "schema" else name
    try:
        strict_validator_class().check_schema(schema)
    except SchemaError as exc:
        raise SchemaFileError(f"{where} is not a valid JSON Schema ({exc.message[:200]}); "
                              f"restore it (git checkout -- {where})") from None
    if not isinstance(schema.get("$id"), str):
        raise SchemaFileError(f"{where} has no $id; restore it (git checkout -- {where})")
    return schema


def typed_loosely(value) -> bool:
    """Whether a value holds a float the compiled validator would judge as JSON does: a whole one
    (which it takes for an integer) or one that is not finite. Such data go to the reference."""
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is float:
            if v.is_integer() or not math.isfinite(v):
                return True
        elif t is dict:
            stack.extend(v.values())
        elif t is list:
            stack.extend(v)
    return False


def json_path(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def deepest(error):
    """For oneOf/anyOf failures, the alternative that got furthest explains the problem best."""
    from jsonschema.exceptions import best_match

    while error.context:
        best = best_match(error.context)
        if best is None or best is error:
            break
        # A null alternative ("is not of type 'null'") says nothing useful.
        error = best
    return error


def hint(error) -> str | None:
    if error.validator == "enum" and isinstance(error.instance, str):
        close = difflib.get_close_matches(error.instance, [str(v) for v in error.validator_value], n=1)
        if close:
            return f"did you mean {close[0]!r}?"
    if error.validator == "additionalProperties":
        return "remove the field or correct its spelling; allowed fields are listed in the schema"
    if error.validator == "required":
        return "add the missing field (null where it does not apply)"
    if error.validator == "type" and type(error.instance) is float:
        if not math.isfinite(error.instance):
            return "write a finite number (.inf and .nan are not numbers here)"
        if "integer" in error.validator_value and error.instance.is_integer():
            return f"write {int(error.instance)}, without a decimal point: offsets are whole numbers"
    if error.validator in ("maximum", "minimum") and type(error.instance) is int and abs(error.instance) > 10**15:
        return "check for a pasted run of digits"
    comment = error.schema.get("$comment") if isinstance(error.schema, dict) else None
    if isinstance(comment, str) and "then" in error.absolute_schema_path:  # a conditional rule, in words
        return comment
    if error.validator == "pattern":
        return f"the value must match {error.validator_value}"
    return None


def code_of(error) -> str:
    """The finding code of one (deepest) schema error.

    Emits: IG201, IG202, IG203, IG204, IG205, IG206, IG207."""
    return BY_KEYWORD.get(error.validator, "IG201")


def _compiled(name: str):
    return _compiled_for(schema_dir(name), name)


@cache
def _compiled_for(folder, name: str):
    """A compiled validator (jsonschema-rs) for the fast yes/no, or None where it is not installed or
    refuses the schema; it resolves the same local references as the reference validator."""
    try:
        import jsonschema_rs

        resources = [(load_schema(n)["$id"], load_schema(n)) for n in _resources(name)]
        return jsonschema_rs.validator_for(load_schema(name), registry=jsonschema_rs.Registry(resources),
                                           offline=True)
    except Exception:  # not installed, or too old for this schema: the reference validator does it all
        return None


def schema_errors(data: Any, name: str = DOCUMENT) -> list:
    """The schema gate every file and record goes through: each error of `data` against schema `name`
    (the deepest alternative of each, see `deepest`), none when valid. The compiled validator answers
    "valid"; anything else, and any value it cannot take, goes to the reference validator, which
    decides and explains. See docs/decisions/0006-a-compiled-schema-validator-answers-first.md."""
    compiled = _compiled(name)
    if compiled is not None and not typed_loosely(data):
        try:
            if compiled.is_valid(data):
                return []
        except Exception:  # a value it cannot convert (a huge integer, NaN): let the reference judge
            pass
    from referencing.exceptions import Unresolvable  # here: a valid file never imports the reference (25 ms)

    try:
        return [deepest(e) for e in _validator(name).iter_errors(data)]
    except Unresolvable as exc:  # a schema that refers to what another schema file no longer holds
        raise SchemaFileError(f"schema/{name} refers to what the schema files do not hold ({exc}); "
                              "restore schema/ (git checkout -- schema/)") from None


def short_message(error) -> str:
    """`path: message`, the message cut to 200 characters (an enum of 37 tags is long)."""
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{json_path(tuple(error.absolute_path))}: {message}"


def validate(loaded: Loaded, rel: str, name: str = DOCUMENT) -> list[Finding]:
    """Every schema error in the file (not only the first), each at its own line.

    Emits: IG201, IG202, IG203, IG204, IG205, IG206, IG207."""
    findings = []
    for error in schema_errors(loaded.data, name):
        path = tuple(error.absolute_path)
        line, col = loaded.where(path)
        findings.append(Finding(code_of(error), short_message(error), rel, line, col,
                                _annotation_id(loaded.data, path), hint(error)))
    return findings


def error_paths(data: Any, name: str = DOCUMENT) -> list[tuple]:
    """The JSON path of each schema error in `data` (those `validate` reports), for a caller that
    works around the broken parts: `fix` leaves an annotation with an error alone and fixes the rest."""
    return [path for path, _ in error_codes(data, name)]


def error_codes(data: Any, name: str = DOCUMENT) -> list[tuple[tuple, str]]:
    """The JSON path and code of each schema error in `data`, as `validate` reports them.

    Emits: IG201, IG202, IG203, IG204, IG205, IG206, IG207."""
    return [(tuple(e.absolute_path), code_of(e)) for e in schema_errors(data, name)]


def _annotation_id(data: Any, path: tuple) -> str | None:
    if len(path) >= 2 and path[0] in ("entities", "figures", "quotes", "entries") and isinstance(path[1], int):
        try:
            item = data[path[0]][path[1]]
            return item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
        except (IndexError, KeyError, TypeError):
            return None
    return None
