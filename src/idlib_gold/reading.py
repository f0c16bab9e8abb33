"""Reading files safely: bytes → UTF-8 text → YAML data with the line of every value.

Annotators edit these files by hand, so reading must name each way a file can be
broken (wrong encoding, a byte-order mark, a duplicated key, a YAML tag that would
run code) instead of failing with a parser traceback. It also keeps, for every
value, the line and column it was written on, so later checks can point there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .findings import Finding

__all__ = ["MAX_BYTES", "Loaded", "read_text", "read_yaml", "line_col_of_offset"]

#: Annotation and text files are small; anything past this is a mistake (a binary, a dump).
MAX_BYTES = 2 * 1024 * 1024

Path_ = tuple  # a JSON path: ("entities", 3, "start")


@dataclass
class Loaded:
    """YAML data plus the (line, column) — 1-based — where each value starts."""

    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (None, None))


def _read_bytes(path: Path, rel: str) -> tuple[bytes | None, list[Finding]]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [Finding("IG107", f"file is {size:,} bytes; the limit is {MAX_BYTES:,}", rel,
                                  hint="annotation and text files are small; check that this is the right file")]
        return path.read_bytes(), []
    except FileNotFoundError:
        return None, [Finding("IG108", "file not found", rel)]
    except OSError as exc:
        return None, [Finding("IG109", f"cannot read: {exc.strerror or exc}", rel)]


def line_col_of_offset(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a code-point offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _decode(raw: bytes, rel: str) -> tuple[str | None, list[Finding]]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [Finding("IG102", "file starts with a UTF-8 byte-order mark", rel, 1, 1,
                              hint="save the file as UTF-8 without BOM")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Finding("IG101", "file is UTF-16, not UTF-8", rel, 1, 1, hint="save the file as UTF-8")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", errors="replace")
        line, col = line_col_of_offset(good, len(good))
        byte = raw[exc.start: exc.start + 1].hex()
        guess = ""
        try:
            raw.decode("cp1252")
            guess = " (it decodes as Windows-1252/Latin-1: the file was probably saved in that encoding)"
        except UnicodeDecodeError:
            pass
        return None, [Finding("IG101", f"invalid UTF-8 byte 0x{byte} at byte {exc.start}{guess}", rel, line, col,
                              hint="save the file as UTF-8")]


def read_text(path: Path, rel: str) -> tuple[str | None, bytes | None, list[Finding]]:
    """A text file as (text, raw bytes, findings); text is None when it cannot be used."""
    raw, findings = _read_bytes(path, rel)
    if raw is None:
        return None, None, findings
    text, findings = _decode(raw, rel)
    return text, raw, findings


class _Refused(Exception):
    def __init__(self, code: str, message: str, mark: Any, hint: str | None = None):
        super().__init__(message)
        self.code, self.message, self.mark, self.hint = code, message, mark, hint


class _StrictLoader(yaml.SafeLoader):
    """Pure-Python SafeLoader that refuses anchors and aliases where it meets them."""

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("IG106", f"alias *{event.anchor} refused", event.start_mark,
                           "write the value out in full instead of *alias")
        if getattr(event, "anchor", None):
            raise _Refused("IG106", f"anchor &{event.anchor} refused", event.start_mark,
                           "write values out in full; remove the &anchor")
        return super().compose_node(parent, index)


# libyaml's parser is about ten times faster, which keeps the pre-commit hook quick. It resolves
# aliases itself, so with it an alias shows up as one node object met twice (see _build).
_FastLoader = getattr(yaml, "CSafeLoader", None)


def _keep_dates_as_strings(loader_class):
    """ISO dates stay strings ("2020-02-02"), as the schema expects; YAML 1.1 would make them dates."""
    loader_class.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return loader_class


_keep_dates_as_strings(_StrictLoader)
if _FastLoader is not None:
    _FastLoader = _keep_dates_as_strings(type("_StrictFastLoader", (_FastLoader,), {}))

_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "map", "seq")
}


def _build(loader, node: yaml.Node, path: Path_, positions: dict, seen: set | None = None) -> Any:
    if seen is None:
        seen = set()
    if id(node) in seen and isinstance(node, (yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode)):
        raise _Refused("IG106", "alias refused: a value defined elsewhere is reused here", node.start_mark,
                       "write the value out in full instead of &anchor / *alias")
    seen.add(id(node))
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _PLAIN_TAGS:
        raise _Refused("IG104", f"YAML tag {node.tag} refused", node.start_mark,
                       "remove the !tag and write a plain value")
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, path + ("<key>",), {}, seen)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise _Refused("IG103", "mapping keys must be plain scalars", key_node.start_mark)
            if key in result:
                raise _Refused("IG105", f"duplicate key {key!r}", key_node.start_mark,
                               "remove one of the two; YAML would keep only the last")
            if id(value_node) in seen:
                raise _Refused("IG106", f"alias refused: the value of {key!r} reuses a value defined elsewhere",
                               key_node.start_mark, "write the value out in full instead of &anchor / *alias")
            result[key] = _build(loader, value_node, path + (key,), positions, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, path + (i,), positions, seen) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def read_yaml(path: Path, rel: str) -> tuple[Loaded | None, list[Finding]]:
    """Load one YAML file strictly; on failure, findings say where and why."""
    raw, findings = _read_bytes(path, rel)
    if raw is None:
        return None, findings
    text, findings = _decode(raw, rel)
    if text is None:
        return None, findings
    return parse_yaml(text, rel)


def parse_yaml(text: str, rel: str) -> tuple[Loaded | None, list[Finding]]:
    loader = (_FastLoader or _StrictLoader)(text)
    try:
        node = loader.get_single_node()
        positions: dict = {}
        data = None if node is None else _build(loader, node, (), positions)
        return Loaded(data, positions), []
    except _Refused as exc:
        mark = exc.mark
        return None, [Finding(exc.code, exc.message, rel, mark.line + 1, mark.column + 1, hint=exc.hint)]
    except yaml.MarkedYAMLError as exc:
        # An unclosed flow mapping is noticed on a later line; the annotation is where it opened.
        in_flow = bool(exc.context and "flow" in exc.context and exc.context_mark)
        mark = exc.context_mark if in_flow else (exc.problem_mark or exc.context_mark)
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        hint = None
        lines = text.splitlines()
        if "found character '\\t'" in problem:
            hint = "YAML does not allow tabs for indentation; use spaces"
        elif line and line <= len(lines) and "#" in lines[line - 1]:
            hint = "a # starts a comment in YAML: put text containing '#' in double quotes"
        elif in_flow:
            hint = "check the quotes and braces of this annotation; put text with , : # { } [ ] in double quotes"
        return None, [Finding("IG103", problem or "YAML syntax error", rel, line, col, hint=hint)]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        return None, [Finding("IG103", str(exc), rel)]
    finally:
        loader.dispose()
