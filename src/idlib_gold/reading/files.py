"""Reading files safely: bytes → UTF-8 text → YAML data with the line of every value.

Annotators edit these files by hand, so reading must name each way a file can be
broken (wrong encoding, a byte-order mark, a duplicated key, a YAML tag that would
run code) instead of failing with a parser traceback. It also keeps, for every
value, the line and column it was written on, so later checks can point there.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zlib
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import readlog
from ..findings import Finding
from .flowstyle import PLAIN_BOOLS, read_flow_style

__all__ = ["MAX_BYTES", "MAX_DEPTH", "Loaded", "Positions", "read_bounded", "read_text", "read_yaml", "read_file_bytes",
           "read_yaml_bytes", "line_col_of_offset", "deeper_than"]

#: Annotation and text files are small; anything past this is a mistake (a binary, a dump).
MAX_BYTES = 2 * 1024 * 1024
#: An annotation file nests 5 levels (document, layer, annotation, span, value), a card's header about 8;
#: deeper collections are refused as they are read, so no later step (the schema check, a diff, a message
#: quoting the value) recurses past Python's limit.
MAX_DEPTH = 32

Path_ = tuple  # a JSON path: ("entities", 3, "start")

#: Positions recorded as a file is read: the document, its keys and the items of its lists.
EAGER_DEPTH = 2


def deeper_than(value: Any, limit: int) -> tuple | None:
    """The path to a list or mapping nested more than `limit` deep in `value`, or None; found without
    recursion."""
    stack = [((), value)] if isinstance(value, (dict, list)) else []
    while stack:
        path, value = stack.pop()
        if len(path) >= limit:
            return path
        items = value.items() if isinstance(value, dict) else enumerate(value)
        stack += [(path + (k,), v) for k, v in items if isinstance(v, (dict, list))]
    return None


class Positions(Mapping):
    """JSON path → (line, column), as a dict of them reads, kept compactly.

    A document records the position of each annotation, path (layer, index): 124 a document of
    the 1,000x benchmark corpus, 18 KB as a dict of tuples, 88 MiB of a loaded corpus's 586 MiB.
    Here the positions of a list's items are one array of 8-byte numbers a list (line in the high
    half, column in the low), and only other paths keep a dict entry: about 1 KB a document."""

    __slots__ = ("_paths", "_items")

    def __init__(self, positions=None) -> None:
        self._paths: dict[Path_, tuple[int, int]] = {}
        self._items: dict[str, array] = {}  # list key → packed position of each item, in index order
        if positions:
            self.update(positions)

    def update(self, positions) -> None:
        items, paths = self._items, self._paths
        for path, (line, col) in positions.items():
            # an index (False and True are the dict keys 0 and 1 too, as a dict of paths has them)
            if len(path) == 2 and isinstance(path[1], int) and 0 <= line < 1 << 31 and 0 <= col < 1 << 32:
                key, index = path
                packed = items.get(key)
                if packed is None and index == 0:
                    packed = items[key] = array("q")
                if packed is not None and 0 <= index <= len(packed):  # the next item, or one recorded
                    if index == len(packed):
                        packed.append(line << 32 | col)
                    else:
                        packed[index] = line << 32 | col
                    if paths:
                        paths.pop(path, None)  # recorded out of order before: one entry a path
                    continue
            elif len(path) == 2 and isinstance(path[1], int) and 0 <= path[1] < len(items.get(path[0], ())):
                for index, value in enumerate(items.pop(path[0])):  # a position too large to pack: that
                    paths[(path[0], index)] = (value >> 32, value & 0xFFFFFFFF)  # list's are kept as a dict's
            paths[path] = (line, col)

    def __getitem__(self, path):
        if len(path) == 2 and isinstance(path[1], int):
            packed = self._items.get(path[0])
            if packed is not None and 0 <= path[1] < len(packed):
                value = packed[path[1]]
                return value >> 32, value & 0xFFFFFFFF
        return self._paths[path]

    def __iter__(self):
        yield from self._paths
        for key, packed in self._items.items():
            for index in range(len(packed)):
                yield key, index

    def __len__(self) -> int:
        return len(self._paths) + sum(len(packed) for packed in self._items.values())

    def compact(self) -> tuple[dict, dict]:
        """Plain values (for `marshal`): the other paths, and each list's packed positions as bytes."""
        return self._paths, {key: packed.tobytes() for key, packed in self._items.items()}

    @classmethod
    def from_compact(cls, value) -> Positions:
        """What `compact` gave; TypeError or ValueError when `value` is not in that shape."""
        paths, items = value
        out = cls()
        out._paths = {tuple(path): (int(line), int(col)) for path, (line, col) in paths.items()}
        out._items = {str(key): array("q", packed) for key, packed in items.items()}
        return out


@dataclass
class Loaded:
    """YAML data plus the (line, column) — 1-based — where each value starts.

    Every value has a position, but checks ask for few: a valid corpus only for the
    document's keys and for each annotation (depth 2), an invalid one for the values
    that are wrong. Recording all of them cost about 400 KB per document file, 2 GB for
    5,000 documents, so reading records positions down to EAGER_DEPTH, and the first question about a
    deeper value reads the text again for all positions: the file it was read from, when its bytes
    still have `digest` (else the nearest recorded ancestor answers), or a compressed copy of a text
    that came from no file. Compressing every file's text cost 0.15 ms a file (0.8 s of CPU time at
    1,000x the corpus, for positions few documents ever need), and its copy was a quarter of each
    parse-cache entry (docs/decisions/0118-a-file-read-again-for-its-deeper-positions.md).
    """

    data: Any
    positions: Positions = field(default_factory=dict)  # a dict given is kept as Positions
    source: bytes | None = field(default=None, repr=False)  # a text read from no file, zlib-compressed
    # (a fifth of its size), while deeper positions are unread
    #: SHA-256 of the file's bytes, when it was read from a file (`read_yaml`): what the checks' results
    #: of a document are kept under (checking/pipeline.py), and what the file must still hold to be read
    #: again for deeper positions
    digest: bytes | None = field(default=None, repr=False)
    #: The file the data was read from (absolute), while deeper positions are unread
    origin: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.positions, Positions):
            self.positions = Positions(self.positions)

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        if len(path) > EAGER_DEPTH and (self.source is not None or self.origin is not None):
            source = self._text()
            self.source = self.origin = None
            full, _ = parse_yaml(source, "", depth=None) if source is not None else (None, [])
            if full is not None:
                self.positions.update(full.positions)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (None, None))

    def _text(self) -> str | None:
        """The text the data was read from, or None when its file no longer holds the same bytes."""
        if self.source is not None:
            return zlib.decompress(self.source).decode("utf-8")
        # Not noted as read (`readlog`): bytes that are not the ones the data came from are not used.
        raw, _ = read_bounded(Path(self.origin), "", noted=False)
        if raw is None or self.digest is None or hashlib.sha256(raw).digest() != self.digest:
            return None
        return raw.decode("utf-8")  # these bytes decoded once already


_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int, rel: str, what: str) -> Finding:
    """The finding for a file that is a device, a FIFO or a socket.

    Emits: IG110."""
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return Finding("IG110", f"{what} is {kind}; only regular files are read", rel,
                   hint="replace it with a regular file holding the content")


def _symlinked(path: Path, rel: str) -> Finding | None:
    """A symbolic link at the file or at any folder between the repository root and it.

    A link lets content from outside the repository (another checkout, a secret, /dev/zero)
    pass for a committed file, so links are refused wherever they are under the root.

    Emits: IG110."""
    # The folders as strings cut from the path's parts (as Path.parents holds them): making a Path
    # object for each one cost half of this check, 0.5 s of CPU time over 10,000 files.
    parts, depth = Path(path).parts, len(Path(rel).parts)
    for level in range(min(depth, len(parts))):
        try:
            if stat.S_ISLNK(os.lstat(os.path.join(*parts[:len(parts) - level])).st_mode):
                shown = "/".join(Path(rel).parts[:depth - level])
                return Finding("IG110", f"{shown} is a symbolic link; files are read only from the repository itself",
                               rel, hint=f"replace the link {shown} with the file (or folder) it points to")
        except OSError:
            return None  # a missing folder: the read below names the problem
    return None


def read_bounded(path: Path, rel: str, limit: int | None = None,
                 links: bool = False, noted: bool = True) -> tuple[bytes | None, list[Finding]]:
    """The bytes of a regular file, never more than `limit` + 1 of them read, or a finding.

    The file's type is checked before it is opened (os.lstat) and again on the open file
    (O_NOFOLLOW, fstat), and the read stops past the limit whatever `stat` says: a link to
    /dev/zero or a FIFO reports a size of 0 and would otherwise be read forever. Repository
    files are never read through a link; `links` allows one for a file the user names (a
    predictions file), which must still lead to a regular file. The bytes are noted as used
    (`readlog`) unless `noted` is False: a caller that may refuse them notes what it keeps.

    Emits: IG107, IG108, IG109, IG110."""
    limit = MAX_BYTES if limit is None else limit
    linked = None if links else _symlinked(path, rel)
    if linked is not None:
        return None, [linked]
    try:
        mode = (os.stat if links else os.lstat)(path).st_mode
        if stat.S_ISDIR(mode):
            return None, [Finding("IG109", "cannot read: is a folder, not a file", rel)]
        if not stat.S_ISREG(mode):
            return None, [_not_regular(mode, rel, "the file")]
        nofollow = 0 if links else getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, os.O_RDONLY | nofollow | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        try:
            status = os.fstat(fd)
            mode = status.st_mode
            if not stat.S_ISREG(mode):  # swapped between the two looks
                return None, [_not_regular(mode, rel, "the file")]
            # As much as the file's size in one read, so the bytes are held once, not as chunks and their
            # join; the size is only a hint: the loop still stops past the limit.
            step = max(1 << 20, min(status.st_size + 1, limit + 1))
            chunks, size = [], 0
            while size <= limit:
                chunk = os.read(fd, min(step, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except FileNotFoundError:
        return None, [Finding("IG108", "file not found", rel)]
    except OSError as exc:
        return None, [Finding("IG109", f"cannot read: {exc.strerror or exc}", rel)]
    raw = b"".join(chunks)
    if len(raw) > limit:
        line = raw.count(b"\n", 0, limit) + 1
        return None, [Finding("IG107", f"file is over the limit of {limit:,} bytes (crossed on this line)", rel,
                              line)]
    if noted:  # what the corpus is made of, for the stamp (building/stamp.py)
        readlog.note(path, raw)
    return raw, []


def line_col_of_offset(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a code-point offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _decode(raw: bytes, rel: str) -> tuple[str | None, list[Finding]]:
    """The file's bytes as UTF-8 text, or the finding saying why not.

    Emits: IG101, IG102."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [Finding("IG102", "file starts with a UTF-8 byte-order mark", rel, 1, 1,
                              hint="save the file as UTF-8 without BOM")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Finding("IG101", "file is UTF-16, not UTF-8", rel, 1, 1)]
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
        return None, [Finding("IG101", f"invalid UTF-8 byte 0x{byte} at byte {exc.start}{guess}", rel, line, col)]


def read_text(path: Path, rel: str) -> tuple[str | None, bytes | None, list[Finding]]:
    """A text file as (text, raw bytes, findings); text is None when it cannot be used."""
    raw, findings = read_bounded(path, rel)
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
        """Refuses an alias before PyYAML resolves it.

        Emits: IG106."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("IG106", f"alias *{event.anchor} refused", event.start_mark,
                           "write the value out in full instead of *alias")
        if getattr(event, "anchor", None):
            raise _Refused("IG106", f"anchor &{event.anchor} refused", event.start_mark,
                           "write values out in full; remove the &anchor")
        return super().compose_node(parent, index)


# libyaml's parser is about ten times faster, which keeps the pre-commit hook quick. It resolves
# aliases itself, so with it an alias shows up as one node object met twice (see _Builder).
_FastLoader = getattr(yaml, "CSafeLoader", None)


def _keep_dates_as_strings(loader_class):
    """ISO dates stay strings ("2020-02-02"), as the schema expects; YAML 1.1 would make them dates."""
    loader_class.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return loader_class


class _RememberedTags:
    """Resolving a plain scalar's tag tries up to a dozen regular expressions in Python, for every
    key and value of every file: a third of parsing time. The answer depends on the text alone
    (no path resolvers are registered), and the same few hundred texts recur (keys, labels,
    ids, null), so it is remembered across files."""

    _tags: dict[str, str] = {}
    _LIMIT = 100_000

    def resolve(self, kind, value, implicit):
        if kind is not yaml.ScalarNode or not implicit[0] or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        tags = _RememberedTags._tags
        tag = tags.get(value)
        if tag is None:
            if len(tags) >= self._LIMIT:
                tags.clear()
            tag = tags[value] = super().resolve(kind, value, implicit)
        return tag


_StrictLoader = _keep_dates_as_strings(type("_StrictLoader", (_RememberedTags, _StrictLoader), {}))
if _FastLoader is not None:
    _FastLoader = _keep_dates_as_strings(type("_StrictFastLoader", (_RememberedTags, _FastLoader), {}))

_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "map", "seq")
}


# What YAML 1.1 (this reader) and YAML 1.2 (most other readers) read as the same number. YAML 1.1 also
# reads 017 and 0x1F, 1_000 and 3:10 (base 60) as integers, 1_0.5 as a float, and yes, no, on and off as
# truth values, where a YAML 1.2 reader sees another number (17, 31) or text: one file, two meanings.
# Such a plain value is refused where it is met (IG112), whatever the field: quoted, it is text to both.
_AGREED_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_AGREED_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_AMBIGUOUS_HINT = "write a number in decimal digits and a truth value as true or false; quote the value if it is text"


class _Builder:
    """Composed YAML nodes → values, refusing aliases, tags and duplicate keys; records positions.

    This walk is most of the cost of reading a file once libyaml has parsed it, so the
    common cases, plain strings and decimal integers, are built here directly instead of
    through the loader's generic `construct_object`; the loader still builds anything else.
    """

    def __init__(self, loader, depth: int | None = None, aliases: bool = True) -> None:
        """A builder of plain values that keeps positions, refusing what the reader refuses.

        Emits: IG103."""
        tag = "tag:yaml.org,2002:"
        self.loader, self.positions, self.seen, self.depth = loader, {}, set(), depth
        # A file without "&" and "*" can hold no anchor and no alias: no need to watch for nodes met twice.
        self.aliases = aliases

        def integer(node):
            """Emits: IG103, IG112."""
            value = node.value
            if not (value.isascii() and value.isdigit() and (value[0] != "0" or len(value) == 1)) \
                    and not _AGREED_INT.fullmatch(value):  # plain digits, most integers here, need no expression
                raise _Refused("IG112", f"{value} is an integer to this YAML reader ({loader.construct_yaml_int(node)}) "
                               "and another number or text to YAML 1.2 readers", node.start_mark, _AMBIGUOUS_HINT)
            try:
                return int(value)
            except ValueError:  # Python refuses integers of over 4,300 digits
                raise _Refused("IG103", f"a number of {len(value):,} digits is too long to read", node.start_mark,
                               "offsets and figures are short numbers; check for a pasted run of digits") from None

        def real(node):
            """Emits: IG112."""
            if not _AGREED_FLOAT.fullmatch(node.value):
                raise _Refused("IG112", f"{node.value} is a number to this YAML reader and text to YAML 1.2 readers",
                               node.start_mark, _AMBIGUOUS_HINT)
            return loader.construct_yaml_float(node)

        def boolean(node):
            """Emits: IG112."""
            if node.value not in PLAIN_BOOLS:
                raise _Refused("IG112", f"{node.value} is a truth value to this YAML reader and text to YAML 1.2 readers",
                               node.start_mark, _AMBIGUOUS_HINT)
            return loader.construct_yaml_bool(node)

        self.scalars = {tag + "str": _node_value, tag + "int": integer, tag + "float": real, tag + "bool": boolean,
                        tag + "null": loader.construct_yaml_null}

    def build(self, node: yaml.Node, path: Path_ | None = (), positions: dict | None = None) -> Any:
        """`path` is None below the depth whose positions are recorded.

        Emits: IG103, IG104, IG105, IG106."""
        positions = self.positions if positions is None else positions
        seen, scalars, mark = self.seen, self.scalars, node.start_mark
        if self.aliases:
            if id(node) in seen:
                raise _Refused("IG106", "alias refused: a value defined elsewhere is reused here", mark,
                               "write the value out in full instead of &anchor / *alias")
            seen.add(id(node))
        if path is not None:
            positions[path] = (mark.line + 1, mark.column + 1)
        tag = node.tag
        if tag not in _PLAIN_TAGS:
            raise _Refused("IG104", f"YAML tag {tag} refused", mark, "remove the !tag and write a plain value")
        if isinstance(node, yaml.ScalarNode):
            construct = scalars.get(tag)
            return self.loader.construct_object(node, deep=True) if construct is None else construct(node)
        deeper = path is not None and (self.depth is None or len(path) < self.depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,) if deeper else None) for i, item in enumerate(node.value)]
        result: dict = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag in scalars and id(key_node) not in seen:
                if self.aliases:
                    seen.add(id(key_node))
                key = scalars[key_node.tag](key_node)
            else:  # an alias, a tag or a collection as key: the full path says which
                key = self.build(key_node, None, {})
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise _Refused("IG103", "mapping keys must be plain scalars", key_node.start_mark)
            if key in result:
                raise _Refused("IG105", f"duplicate key {key!r}", key_node.start_mark,
                               "remove one of the two; YAML would keep only the last")
            if self.aliases and id(value_node) in seen:
                raise _Refused("IG106", f"alias refused: the value of {key!r} reuses a value defined elsewhere",
                               key_node.start_mark, "write the value out in full instead of &anchor / *alias")
            result[key] = self.build(value_node, path + (key,) if deeper else None)
        return result


def _node_value(node: yaml.ScalarNode) -> str:
    return node.value


def _kept(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 1)


def read_yaml(path: Path, rel: str, cache=None) -> tuple[Loaded | None, list[Finding]]:
    """Load one YAML file strictly; on failure, findings say where and why.

    `cache`, when given, is a parse cache keyed by the file's bytes (building/parsecache.py):
    `cache.get(raw, digest)` → (data, positions) or None, and `cache.put(raw, data, positions, digest)`
    for a file read without findings (`digest`: the SHA-256 of `raw`). Whatever it answers stands for
    exactly these bytes."""
    raw, findings = read_bounded(path, rel)
    if raw is None:
        return None, findings
    return read_file_bytes(raw, rel, cache, origin=path)


def read_file_bytes(raw: bytes, rel: str, cache=None, digest: bytes | None = None,
                    origin: Path | None = None) -> tuple[Loaded | None, list[Finding]]:
    """`read_yaml` of bytes already read from the file `origin` (`read_bounded`); `digest`: their SHA-256,
    if known. Without `origin`, the text is kept (compressed) for deeper positions."""
    digest = digest or hashlib.sha256(raw).digest()
    where = None if origin is None else os.path.abspath(origin)
    if cache is not None and where is not None:
        found = cache.get(raw, digest)
        if found is not None:
            return Loaded(*found, None, digest, where), []
    loaded, findings = read_yaml_bytes(raw, rel, keep=where is None)
    if loaded is not None:
        loaded.digest, loaded.origin = digest, where
        if cache is not None and where is not None and not findings:
            cache.put(raw, loaded.data, loaded.positions, digest)
    return loaded, findings


def read_yaml_bytes(raw: bytes, rel: str, keep: bool = True) -> tuple[Loaded | None, list[Finding]]:
    """Load YAML held in memory (a file as an old git revision has it) with the same checks as a file;
    `keep`: whether the text is kept for deeper positions (see `Loaded`).

    Emits: IG101, IG102, IG103, IG104, IG105, IG106, IG107."""
    if len(raw) > MAX_BYTES:
        return None, [Finding("IG107", f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}", rel)]
    text, findings = _decode(raw, rel)
    if text is None:
        return None, findings
    return parse_yaml(text, rel, keep=keep)


def _shallow(loaded: Loaded, rel: str) -> tuple[Loaded | None, list[Finding]]:
    """The loaded file, unless it nests deeper than MAX_DEPTH.

    Emits: IG103."""
    path = deeper_than(loaded.data, MAX_DEPTH)
    if path is not None:
        line, col = loaded.where(path[:EAGER_DEPTH])
        return None, [Finding("IG103", f"collections nested more than {MAX_DEPTH} levels deep", rel, line, col,
                              hint="an annotation nests a few levels at most; check the brackets and indentation")]
    return loaded, []


def parse_yaml(text: str, rel: str, depth: int | None = EAGER_DEPTH,
               fast: bool = True, keep: bool = True) -> tuple[Loaded | None, list[Finding]]:
    """Parse YAML text strictly, recording positions down to `depth` (None: every value); `keep`: whether
    the text is kept (compressed) for the deeper positions (a caller that can read its file again need not).

    Files in the repository's own style take a fast path (flowstyle.py) that gives the
    same data and positions; any other file, and every error, goes through the YAML parser.

    Emits: IG103, IG104, IG105, IG106, IG112."""
    loader_class = _FastLoader or _StrictLoader
    if fast and depth == EAGER_DEPTH:
        found = read_flow_style(text, loader_class)
        if found is not None:
            # nests within MAX_DEPTH (flowstyle._BRACKETS_MAX)
            return Loaded(found[0], found[1], _kept(text) if keep else None), []
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        builder = _Builder(loader, depth, aliases="&" in text or "*" in text)
        data = None if node is None else builder.build(node)
        return _shallow(Loaded(data, builder.positions, _kept(text) if keep and depth is not None else None), rel)
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
    except yaml.reader.ReaderError as exc:  # a character YAML refuses (NUL, other control characters)
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        line, col = line_col_of_offset(text, min(max(exc.position, 0), len(text)))
        return None, [Finding("IG103", f"character U+{char:04X} is not allowed in YAML", rel, line, col,
                              hint="remove the control character (an editor may show it as ^@ or a box)")]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        return None, [Finding("IG103", str(exc), rel)]
    except RecursionError:
        return None, [Finding("IG103", "collections nested too deeply to read", rel,
                              hint="an annotation nests a few levels at most; check the brackets")]
    except ValueError as exc:  # Python refuses integers of over 4,300 digits
        return None, [Finding("IG103", f"a value cannot be read: {exc}", rel,
                              hint="offsets and figures are short numbers; check for a pasted run of digits")]
    finally:
        loader.dispose()
