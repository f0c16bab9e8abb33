"""The SHA-256 of the bytes a command actually used from each file, while a log is open.

The stamp (building/stamp.py) may vouch only for the inputs a build really read: a file edited
between the stamp's own hashing and the corpus reading it (and changed back later) would
otherwise be vouched for with bytes the build never saw. So the readers note here the digest of
the bytes they hand on, and the stamp compares them with its own. Forked readers send their notes
back (`merge`). With no log open, noting costs nothing; a command that opens one and records no
stamp leaves it open until the next one starts, which costs only the hashing.
"""

from __future__ import annotations

import hashlib
import os

__all__ = ["CONFLICT", "start", "stop", "peek", "note", "merge", "is_open"]

#: The entry of a file read twice with different bytes: it never matches a digest.
CONFLICT = "read twice with different bytes"

_log: dict[str, str] | None = None


def start() -> None:
    """Open a new, empty log (an open one is dropped)."""
    global _log
    _log = {}


def stop() -> dict[str, str]:
    """Close the log: absolute path → SHA-256 (hex) of the bytes used, or CONFLICT."""
    global _log
    out, _log = _log or {}, None
    return out


def peek() -> dict[str, str]:
    """What the open log holds so far (a copy; empty with no log open)."""
    return dict(_log or {})


def is_open() -> bool:
    return _log is not None


def note(path, data: bytes) -> None:
    """Record that the bytes `data` of the file at `path` were used."""
    if _log is not None:
        merge({os.path.abspath(path): hashlib.sha256(data).hexdigest()})


def merge(entries: dict[str, str]) -> None:
    """Add notes taken elsewhere (by a forked reader)."""
    if _log is None:
        return
    for path, digest in entries.items():
        if _log.setdefault(path, digest) != digest:
            _log[path] = CONFLICT
