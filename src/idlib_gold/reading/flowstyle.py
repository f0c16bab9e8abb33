"""The repository's own YAML style, read without a YAML parser.

Each `key: value` line and `  - {…}` annotation line is turned into JSON, and a file's flow values are
read by one `json.loads`; anything it does not recognise with certainty returns None, and the full YAML
reader reads the file. See docs/decisions/0002-a-fast-path-for-the-house-yaml-style.md and
docs/decisions/0110-a-file-read-in-one-json-call-and-configs-checked-as-they-change.md.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import yaml

__all__ = ["read_flow_style", "PLAIN_BOOLS"]

# Keys are short names: libyaml refuses a key over 1,024 characters, so a long one goes to it to say so.
_KEY_MAX = 128
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,%d}):(?: (.*))?" % (_KEY_MAX - 1))
# An annotation line holds a dozen brackets; a line with many more is left to the YAML reader. A line read
# here so nests at most this deep under its key, within files.MAX_DEPTH, and needs no depth check.
_BRACKETS_MAX = 30
_ITEM_LINE = re.compile(r"( *)- (.*)")
# Characters YAML reads as line breaks or refuses, and tabs (indentation rules differ): the full reader decides.
_UNUSUAL = re.compile("[\t\r\x85\u2028\u2029\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff"
                      "\ufffe\uffff]")
# One token of a flow value: a bracket or comma (with the space after it), a plain word (a key takes its
# colon and space along), a quoted string, spaces, or any other single character, which ends the fast
# path. A plain word may not start with an indicator and holds no `: # , [ ] { } ?` and no double space;
# a double-quoted string holds only the escapes JSON reads alike.
_PLAIN_WORD = r"""[^\s,\[\]{}#&*!|>'"%@`?:\-][^,\[\]{}#:?\s]*(?:\ [^,\[\]{}#:?\s]+)*"""
_DOUBLE_QUOTED = r'"[^"\\\x00-\x1f]*(?:\\["\\nt][^"\\\x00-\x1f]*)*"'
_FLOW_TOKEN = re.compile(r"[{}\[\],]\ ?|" + _PLAIN_WORD + r"(?::\ )?|" + _DOUBLE_QUOTED
                         + r"|'(?:[^'\x00-\x1f]|'')*'|\n|\ +|.")
# What a file is cut into: a key and its value, with the `{` or `, ` before them, as one piece where
# they are the tokens `_FLOW_TOKEN` finds there (each word whole, as greedy as there, the value no key:
# the value's atomic group and lookahead see to that; the key's group only spares backtracking, for a
# plain word holds no `:`), else one token. An entity line is 7 pieces instead of 19 tokens: over the
# 5,000 files of 1,000x the corpus, read twice in turns with the one-token cutting in one process,
# 12.7 s against 14.8 s.
_FLOW_PIECE = re.compile(r"(?:[{,]\ ?)?(?>" + _PLAIN_WORD + r"):\ (?:(?>" + _PLAIN_WORD + r")(?!:\ )|"
                         + _DOUBLE_QUOTED + r")|" + _FLOW_TOKEN.pattern)
_PLAIN_START = re.compile(r"""[^\s,\[\]{}#&*!|>'"%@`?:\-]""")
# A plain scalar in block context (a top-level value): no `:` or `#` at all, no indicator first.
_BLOCK_PLAIN = re.compile(r"[^\s,\[\]{}#&*!|>'\"%@`?:\-][^:#]*")
# A file's flow values are read together, one line's value after another with `_SEPARATOR` between them (no
# token holds a line break), and each separator is read as `_MARK`: the fast path refuses every control
# character and every JSON escape that could write one, so no value of a file holds it, and the list read
# back says whether each line held exactly one value.
_SEPARATOR = "\n"
_MARK = "\x00"
_MARK_JSON = ',"\\u0000",'
#: Pieces whose JSON is remembered, at most (a file of new pieces past this starts the memory anew).
_PIECES_KEPT = 100_000
_INT = re.compile(r"0|[1-9][0-9]*")
#: The truth values YAML 1.1 and 1.2 read alike (yes, no, on and off are refused: reading/files.py).
PLAIN_BOOLS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_FLOAT = re.compile(r"(?:0|[1-9][0-9]*)\.[0-9]+")


class _NotFlowStyle(Exception):
    """The text uses YAML beyond the house style: the full reader takes it."""


class _Plain:
    """Plain words → their JSON literal, resolved by YAML's own implicit resolvers (remembered)."""

    def __init__(self, loader_class) -> None:
        self.resolver = loader_class("")
        self.bools = dict(yaml.constructor.SafeConstructor.bool_values)
        self.json: dict[str, str] = {}
        self.pieces: dict[str, str] = {}  # flow pieces → JSON text

    def literal(self, word: str) -> str:
        found = self.json.get(word)
        if found is not None:
            return found
        tag = self.resolver.resolve(yaml.ScalarNode, word, (True, False))
        kind = tag.rsplit(":", 1)[-1]
        if kind == "str":
            found = json.dumps(word, ensure_ascii=False)
        elif kind == "int" and _INT.fullmatch(word):
            found = word
        elif kind == "float" and _FLOAT.fullmatch(word):
            found = word
        elif kind == "bool" and word in PLAIN_BOOLS:  # yes, no, on, off: the full reader refuses them (files.py)
            found = "true" if self.bools[word.lower()] else "false"
        elif kind == "null":
            found = "null"
        else:  # octal, sexagesimal, exponents, .inf, merge keys …
            raise _NotFlowStyle(word)
        if len(self.json) > 100_000:
            self.json.clear()
        self.json[word] = found
        return found

    def key(self, word: str) -> str:
        literal = self.literal(word)
        if not literal.startswith('"'):  # `yes:`, `null:` or `1:` as a key: not a plain string key
            raise _NotFlowStyle(word)
        return literal


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object as a dict, refusing a repeated key as YAML's reader does.

    Keys and short strings (labels, ids, KB links) are interned: each line is decoded on its
    own, so without this every annotation would carry its own copies of the same dozen keys,
    most of the memory a loaded corpus takes."""
    out = {_intern(k): (_intern(v) if type(v) is str and len(v) <= 32 else v) for k, v in pairs}
    if len(out) != len(pairs):
        raise _NotFlowStyle("duplicate key")
    return out


_intern = sys.intern
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)


def _flow_json(values: str, plain: _Plain) -> str:
    """Flow values, each written on one line and `_SEPARATOR` between them → the same values as JSON text.

    Most pieces recur (brackets, keys with their labels, ids or offsets, small numbers), so their JSON is
    remembered, and a file costs one `findall`, one `join` over lookups that run in C, and the pieces not
    seen before (looked for only when a lookup misses: a set of every piece of every file took a tenth of
    the reading)."""
    known = plain.pieces
    pieces = _FLOW_PIECE.findall(values)
    try:
        return "".join(map(known.__getitem__, pieces))
    except KeyError:
        new = set(pieces).difference(known)
        if len(known) + len(new) > _PIECES_KEPT:  # start anew, with every piece of this file
            known.clear()
            new = set(pieces)
        known.update({piece: _piece_json(piece, plain) for piece in new})
        return "".join(map(known.__getitem__, pieces))


def _piece_json(piece: str, plain: _Plain) -> str:
    """A piece's JSON: that of each token it is made of (a key and its value are two)."""
    return "".join(_token_json(token, plain) for token in _FLOW_TOKEN.findall(piece))


def _token_json(token: str, plain: _Plain) -> str:
    first = token[0]
    if token == _SEPARATOR:
        return _MARK_JSON
    if first == '"' or first == "'":
        if len(token) < 2:  # an unclosed quote (a string over several lines, or a stray mark)
            raise _NotFlowStyle(token)
        return token if first == '"' else json.dumps(token[1:-1].replace("''", "'"), ensure_ascii=False)
    if token.endswith(": ") and len(token) > 2:
        if len(token) - 2 > _KEY_MAX:
            raise _NotFlowStyle("a long key")
        found = plain.key(token[:-2]) + ":"
    elif first == " " or first in "{}[],":
        found = token
    elif _PLAIN_START.match(first):
        found = plain.literal(token)
    else:
        raise _NotFlowStyle(token)
    return found


def _flow_value(value: str) -> bool:
    """Whether a line's value is a flow value (read with the file's others), or else a plain word."""
    if value.count("[") + value.count("{") > _BRACKETS_MAX:  # nesting the YAML reader may refuse
        raise _NotFlowStyle("many brackets")
    return value[:1] in ('{', '[', '"', "'")


def _plain_value(value: str, plain: _Plain) -> Any:
    if not _BLOCK_PLAIN.fullmatch(value) or value != value.rstrip():
        raise _NotFlowStyle(value)
    return json.loads(plain.literal(value))


def _flow_values(values: list[str], plain: _Plain) -> list:
    """The flow values of a file's lines, read by one JSON decoding; each line must hold exactly one."""
    try:
        found = _DECODER.decode("[" + _flow_json(_SEPARATOR.join(values), plain) + "]")
    except ValueError as exc:  # JSON refuses what YAML might read otherwise: let YAML decide
        raise _NotFlowStyle(str(exc)) from None
    separators = len(values) - 1  # all at the odd places, and nowhere else
    if len(found) != 2 * separators + 1 or found.count(_MARK) != separators or found[1::2].count(_MARK) != separators:
        raise _NotFlowStyle("a line holds more or less than one value")
    return found[0::2]


def read_flow_style(text: str, loader_class) -> tuple[dict, dict] | None:
    """(data, positions down to depth 2) of a file in the house style, or None for any other file.

    `loader_class` is the YAML loader the full reader uses; its resolvers decide what a
    plain word means, so both readers agree on `null`, `yes`, `017` and the like.
    """
    if _UNUSUAL.search(text):
        return None
    plain = _PLAINS.get(loader_class)
    if plain is None:
        plain = _PLAINS[loader_class] = _Plain(loader_class)
    try:
        return _read(text, plain)
    except (_NotFlowStyle, ValueError, RecursionError):  # a value too large or too deep for JSON: YAML decides
        return None


_PLAINS: dict[type, _Plain] = {}


def _read(text: str, plain: _Plain) -> tuple[dict, dict]:
    data: dict = {}
    positions: dict = {}
    open_key, indent = None, None  # the key whose block list is being read, and its items' indentation
    flows: list[str] = []  # the lines' flow values, read together at the end
    places: list[tuple[Any, Any]] = []  # where each goes: (the file's mapping, a key) or (a list, an index)
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        if line[0] != " " and not line.startswith("- "):
            if open_key is not None and not data[open_key]:
                raise _NotFlowStyle("a key without a value")
            m = _KEY_LINE.fullmatch(line)
            if m is None:
                raise _NotFlowStyle(line)
            key, value = plain.key(m.group(1)), m.group(2)
            key = json.loads(key)
            if key in data:
                raise _NotFlowStyle("duplicate key")
            if not positions:
                positions[()] = (number, 1)
            if value is None or not value.strip(" "):  # only the space: YAML reads NBSP & co. as text
                data[key], open_key, indent = [], key, None
                continue
            open_key = None
            positions[(key,)] = (number, m.start(2) + 1)
            if _flow_value(value):
                data[key] = None
                flows.append(value)
                places.append((data, key))
            else:
                data[key] = _plain_value(value, plain)
            continue
        m = _ITEM_LINE.fullmatch(line)
        if m is None or open_key is None:
            raise _NotFlowStyle(line)
        if indent is None:
            indent = len(m.group(1))
            positions[(open_key,)] = (number, indent + 1)
        elif len(m.group(1)) != indent:
            raise _NotFlowStyle("uneven indentation")
        items = data[open_key]
        positions[(open_key, len(items))] = (number, m.start(2) + 1)
        value = m.group(2)
        if _flow_value(value):
            places.append((items, len(items)))
            items.append(None)
            flows.append(value)
        else:
            items.append(_plain_value(value, plain))
    if open_key is not None and not data[open_key]:
        raise _NotFlowStyle("a key without a value")
    if not data:
        raise _NotFlowStyle("no keys")
    if flows:
        for (where, at), found in zip(places, _flow_values(flows, plain)):
            if where is data and isinstance(found, (dict, list)) and found:  # its children would need positions
                raise _NotFlowStyle("a non-empty collection on a key's line")
            where[at] = found
    return data, positions
