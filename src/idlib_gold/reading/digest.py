"""The digest of the gold a build reads, so that a light install can tell dataset/ is stale.

`build` writes this digest into the dataset card (`source_digest`); the pre-commit hook
recomputes it from the files being committed and compares, without pyarrow or a build
(building/freshness.py). It covers exactly the files a build reads: the annotation files
(`docs/*.yaml`, `texts/*.txt`, `kb.yaml`, `second/docs/*.yaml`) and the JSON Schema files the
build uses (the repository's `schema/<name>` where it has one, else the packaged copy, as
vocabulary.schema_dir chooses), by name and SHA-256 of their bytes. The guidelines and any other file are left out: they do
not change a byte of dataset/, and an untracked editor file must not make a commit fail.
A link or a special file is hashed as its kind alone, never read (validation reports it).
A build passes the digests of the bytes its corpus was made of (readlog), so the card names
what was built even if a file changes while the command runs.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from ..layout import DOCS, KB_FILE, SECOND, TEXTS
from ..vocabulary import packaged_schemas
from .files import read_bounded

__all__ = ["SOURCE_PATTERNS", "source_files", "source_digest"]

#: (folder, suffix) of every file a build reads, relative to the repository root; KB_FILE alone.
SOURCE_PATTERNS = ((DOCS, ".yaml"), (TEXTS, ".txt"), (f"{SECOND}/docs", ".yaml"))

#: A schema or annotation file over this is refused by validation; hashing stops there too.
_LIMIT = 64 * 1024 * 1024


def _schema_files(root: Path) -> list[tuple[str, Path]]:
    """(`schema/<name>`, the file used) for every schema the repository or the package has."""
    names = set()
    for folder in (root / "schema", packaged_schemas()):
        try:
            names |= {n for n in os.listdir(folder) if n.endswith(".json")}
        except OSError:
            continue
    return [(f"schema/{n}", root / "schema" / n if os.path.lexists(root / "schema" / n)
             else packaged_schemas() / n) for n in sorted(names)]


def source_files(root: Path) -> list[str]:
    """The repository-relative paths of every annotation file a build reads, sorted."""
    found = []
    if os.path.lexists(root / KB_FILE):
        found.append(KB_FILE)
    for folder, suffix in SOURCE_PATTERNS:
        try:
            names = os.listdir(root / folder)
        except OSError:
            continue
        found += [f"{folder}/{n}" for n in names if n.endswith(suffix)]
    return sorted(found)


def source_digest(root: Path, used: dict[str, str] | None = None) -> str:
    """SHA-256 over the name and bytes of every file a build reads (hex). `used` maps absolute
    paths to the SHA-256 (hex) of the bytes a command already read from them (readlog.peek):
    those are taken as they were used, the other files are read now."""
    used = used or {}
    h = hashlib.sha256(b"idlib-gold sources 1\0")
    for rel, path in [(rel, root / rel) for rel in source_files(root)] + _schema_files(root):
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue
        if os.path.abspath(path) in used:
            body = used[os.path.abspath(path)].encode()
            body = bytes.fromhex(body.decode()) if len(body) == 64 else body  # CONFLICT never matches
        elif stat.S_ISREG(mode):
            raw, _ = read_bounded(path, rel, _LIMIT)
            body = hashlib.sha256(raw).digest() if raw is not None else b"unreadable"
        else:
            body = b"not a regular file"
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0" + body)
    return h.hexdigest()
