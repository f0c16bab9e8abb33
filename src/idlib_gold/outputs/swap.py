"""Replacing a folder whole (`dataset/`, an export, the review pages), so that a command killed at any
instruction leaves a complete folder; `export OUT` and `render --out DIR` are written and recovered by
the same code as `dataset/`, beside OUT (`.OUT.old`, ...).

The new folder is written beside the old one and swapped in by an atomic exchange where the system
has one, else by two renames with `.dataset.old` as the journal; `recover` finishes an interrupted
swap. See docs/decisions/0005-a-folder-replaced-by-an-exchange-or-a-journalled-rename.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
from pathlib import Path

from .files import OutputError, fsync_folder, reason, refuse_unsafe_folder, write_all

__all__ = ["locked", "recover", "replace_folder", "leftovers", "journal"]

AT_FDCWD = -100
RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, getattr(errno, "ENOTSUP", -1), getattr(errno, "EOPNOTSUPP", -1)}


def _names(target: Path) -> tuple[str, str, str]:
    return f".{target.name}.new-", f".{target.name}.old", f".{target.name}.trash-"


def journal(target: Path) -> Path:
    """Where the fallback swap keeps the previous folder between its two renames."""
    return target.parent / _names(target)[1]


#: The names this module gives staging and trash folders after their prefix: sixteen hexadecimal digits,
#: at least one of them a letter (`_token`). A folder of the user's that merely starts like one
#: (`.pages.new-mywork`, `.pages.new-archived`, a date or a time stamp of digits) is never taken for a
#: leftover. (Staging folders of earlier versions, made by `tempfile.mkdtemp`, had eight of its letters,
#: which ordinary words have too: those are left alone.)
_LEFTOVER = re.compile(r"(?=[0-9]*[a-f])[0-9a-f]{16}")


def _token() -> str:
    """Sixteen hexadecimal digits, at least one a letter: a name no date or count takes."""
    while True:
        token = secrets.token_hex(8)
        if not token.isdigit():
            return token


def leftovers(target: Path) -> list[Path]:
    """Staging, old and trash folders left beside `target` by an interrupted build, sorted."""
    new, old, trash = _names(target)
    try:
        names = os.listdir(target.parent)
    except FileNotFoundError:
        return []
    return sorted(target.parent / n for n in names
                  if n == old or any(n.startswith(p) and _LEFTOVER.fullmatch(n[len(p):]) for p in (new, trash)))


@contextlib.contextmanager
def locked(target: Path):
    """Hold an exclusive lock on `target`'s parent folder (no lock where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        fd = os.open(target.parent, os.O_RDONLY)
    except OSError:  # the parent does not exist yet (or cannot be read): nothing to race on
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _can_write(folder: str | Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _refuse_unremovable(folder: Path, why: str) -> None:
    """Raise unless every folder in `folder` lets us remove its entries."""
    for here, dirs, _ in os.walk(folder, followlinks=False):
        if not _can_write(here):
            raise OutputError(f"{here}: is read-only; {why} (make it writable, e.g. `chmod -R u+w {folder}`)")


def _refuse_unsafe(target: Path, writing: bool, by: str = "build") -> None:
    for path in (target, *leftovers(target)):
        refuse_unsafe_folder(path)
    if writing:
        parent = target.parent
        if parent.exists() and not _can_write(parent):
            raise OutputError(f"{parent}: is read-only; {by} writes {target.name}/ beside the old one there")
        if target.exists():
            _refuse_unremovable(target, f"{by} replaces {target.name}/ whole and must remove the old files")


def _discard(path: Path, trash_prefix: str, by: str = "build") -> None:
    """Remove a leftover folder; `.old` is renamed to a trash name first, so that name only ever
    holds a complete folder."""
    _refuse_unremovable(path, f"it is left from an interrupted {by} and cannot be removed")
    if path.name.endswith(".old"):
        trash = path.parent / f"{trash_prefix}{_token()}"
        os.rename(path, trash)
        path = trash
    shutil.rmtree(path)


def recover(target: Path, notes: list[str], by: str = "build") -> None:
    """Finish what an interrupted build left: restore the old folder if `target` is missing,
    remove staging, old and trash folders. Appends what it did to `notes`. Call it locked."""
    _refuse_unsafe(target, writing=False, by=by)
    new, old_name, trash = _names(target)
    old = target.parent / old_name
    try:
        if not os.path.lexists(target) and old.is_dir():
            os.rename(old, target)
            fsync_folder(target.parent)
            notes.append(f"restored {target.name}/ from {old_name}, left by an interrupted {by}")
        for path in leftovers(target):
            _discard(path, trash, by)
            notes.append(f"removed {path.name}, left by an interrupted {by}")
    except OSError as exc:
        raise OutputError(f"{exc.filename or target}: {reason(exc)}") from None


_renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names atomically; False where this system cannot (the caller falls back)."""
    global _renameat2
    if sys.platform != "linux":
        return False
    if _renameat2 is None:
        try:
            _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
        except (OSError, AttributeError):  # glibc before 2.28, or another C library
            _renameat2 = False
        else:
            _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            _renameat2.restype = ctypes.c_int
    if not _renameat2:
        return False
    if _renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err), str(b))


def _stage(target: Path, files: dict[str, bytes]) -> Path:
    """Write `files` into a new folder beside `target`, every file and folder synced."""
    while True:
        staging = target.parent / f"{_names(target)[0]}{_token()}"
        try:
            os.mkdir(staging, 0o755)
            break
        except FileExistsError:
            continue
    os.chmod(staging, 0o755)  # whatever the umask: the dataset folder is for everyone
    folders = {staging}
    for name in sorted(files):
        path = staging / name
        for parent in reversed(path.relative_to(staging).parents[:-1]):
            if staging / parent not in folders:
                os.mkdir(staging / parent, 0o755)
                folders.add(staging / parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        try:
            write_all(fd, files[name])
        except OSError as exc:  # os.write and os.fsync name no file
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        finally:
            os.close(fd)
    for folder in sorted(folders, reverse=True):
        fsync_folder(folder)
    return staging


def replace_folder(target: Path, files: dict[str, bytes], notes: list[str], by: str = "build") -> None:
    """Replace `target` with exactly `files` (see the module docstring). Call it locked, after
    `recover`. Raises OutputError (target unchanged) if the new folder cannot be put in place;
    a leftover it cannot remove afterwards is only a note, removed by the next command."""
    new, old_name, trash = _names(target)
    parent = target.parent
    _refuse_unsafe(target, writing=True, by=by)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = _stage(target, files)
    except BaseException as exc:
        for path in leftovers(target):
            if path.name.startswith(new):
                shutil.rmtree(path, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{exc.filename or target}: {reason(exc)}; {target.name}/ left unchanged") from None
        raise
    old = parent / old_name
    try:
        if not os.path.lexists(target):
            os.rename(staging, target)
            garbage = None
        elif _exchange(staging, target):
            garbage = staging  # it now holds the old folder
        else:
            os.rename(target, old)
            try:
                os.rename(staging, target)
            except BaseException:
                os.rename(old, target)
                raise
            garbage = old
        fsync_folder(parent)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if not isinstance(exc, OSError):
            raise
        raise OutputError(f"{exc.filename or target}: {reason(exc)}; {target.name}/ left unchanged") from None
    if garbage is not None:
        try:
            _discard(garbage, trash, by)
        except (OSError, OutputError) as exc:
            notes.append(f"could not remove {garbage.name} ({exc}); the next {by} removes it")
