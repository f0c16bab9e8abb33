"""The one writer: every file and folder the tool writes goes through the functions here.

- `write_file`: a single-file output (`baseline --out`, the check stamp), replaced atomically;
- `write_folder`: a folder output (`export OUT`, `render --out DIR`), written beside the target
  and swapped in whole with the same code, and the same recovery of an interrupted swap, as
  `dataset/` (`swap`), with a `MANIFEST` that marks it as ours;
- `edit_in_place`: the one sanctioned write into `annotations/`, for `fix`: an existing
  annotation file, replaced atomically with its permission bits kept;
- `build` writes `dataset/` through `swap` directly, the one folder of the repository it owns.

Where a target may be (`targets`): never inside the repository's own folders, the repository
itself or its git directory, never through a link, never over something this tool did not write.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from . import swap
from .files import FILE_MODE, OutputError, fsync_folder, reason, replace_file, write_all
from .targets import MANIFEST, PROTECTED, annotation_file, check_file, check_folder, manifest

__all__ = ["OutputError", "FILE_MODE", "MANIFEST", "PROTECTED", "check_file", "check_folder", "write_file",
           "write_folder", "edit_in_place", "fsync_folder", "reason", "write_all", "swap"]


def write_file(path: str | os.PathLike, data: bytes, *, root: Path, previous: Callable[[bytes], bool],
               what: str, mode: int = FILE_MODE) -> None:
    """Write a single-file output atomically after the guards of `targets.check_file`: a new path, an
    empty file, or a file `previous` recognises as an earlier output of the same kind (`what`)."""
    real = check_file(path, root, previous, what)
    replace_file(real, data, mode=mode, name=os.fspath(path))


def write_folder(path: str | os.PathLike, files: dict[str, bytes], *, root: Path, kind: str, header: str,
                 what: str, by: str) -> list[str]:
    """Write the folder `path` as exactly `files` and a MANIFEST headed `header` (which starts with
    `kind`), replacing a new, empty or previous output of `kind` whole. Leftovers of an interrupted
    write are recovered first, as for `dataset/`; returns notes on what was recovered."""
    real = check_folder(path, root, kind, what)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{exc.filename or path}: {reason(exc)}") from None
    files = {**files, MANIFEST: manifest(header, files)}
    notes: list[str] = []
    with swap.locked(real):
        swap.recover(real, notes, by=by)
        check_folder(path, root, kind, what)  # again, now that the lock is held and leftovers are settled
        swap.replace_folder(real, files, notes, by=by)
    return notes


def edit_in_place(root: Path, edits: dict[str, str]) -> None:
    """Replace existing annotation files (repository-relative `annotations/docs/<id>.yaml` → new
    text, UTF-8) atomically, keeping their permission bits: no link on the way, nothing but a regular
    file; every file is checked before the first is written."""
    paths = {rel: annotation_file(root, rel) for rel in edits}
    for rel, path in paths.items():
        if not os.access(path, os.W_OK):  # replacing it would work in a writable folder, but it is not ours to
            raise OutputError(f"{rel}: the file is read-only; nothing changed")  # make writable
    for rel, path in paths.items():
        try:
            mode = stat.S_IMODE(os.lstat(path).st_mode)
        except OSError as exc:
            raise OutputError(f"{rel}: {reason(exc)}") from None
        replace_file(path, edits[rel].encode("utf-8"), mode=mode, name=rel)
