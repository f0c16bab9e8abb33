"""Reading a folder as plain files only: a link is never followed, a special file never opened.

`dataset/` holds regular files and nothing else, and so must every tree the stamp hashes: a
symbolic link (even to identical bytes) lets a file from elsewhere pass for one of the folder, a
dangling link names nothing, and opening a FIFO for reading waits for a writer forever. So each
entry is looked at with `lstat` first; a regular file is opened with O_NOFOLLOW | O_NONBLOCK and
checked again with `fstat` (it may have been swapped since); anything else is reported as what it
is and never read. Folders are walked, never through a link.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Entry", "entries", "listing", "read_plain", "read_below", "empty_folders"]

_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
          | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def kind(mode: int) -> str:
    """What an entry that is not a regular file is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


@dataclass(frozen=True)
class Entry:
    """One entry under a folder: `data` for a regular file, else `kind` says what it is."""

    name: str  # relative POSIX path
    data: bytes | None = None
    kind: str | None = None


def listing(folder: Path, skip: Callable[[str], bool] = lambda name: False,
            folders: bool = False) -> list[tuple[str, os.stat_result]]:
    """(relative POSIX name, lstat) of every entry under `folder` but its folders (with `folders`, each
    folder too, named with a trailing "/"), sorted by name; a folder is walked unless it is a link.
    `folder` itself, when it is a link or no folder, is the entry "."; when it does not exist there are
    none. `skip` leaves names (and what is under them) out."""
    try:
        top = os.lstat(folder)
    except FileNotFoundError:
        return []
    if not stat.S_ISDIR(top.st_mode):
        return [(".", top)]
    out, pending = [], [("", os.fspath(folder))]
    while pending:
        prefix, here = pending.pop()
        try:
            found = os.scandir(here)
        except FileNotFoundError:  # removed while it was walked: it is not there
            continue
        with found:
            for item in found:
                name = prefix + item.name
                if skip(name):
                    continue
                try:
                    st = item.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if stat.S_ISDIR(st.st_mode):
                    pending.append((name + "/", item.path))
                    if folders:
                        out.append((name + "/", st))
                else:
                    out.append((name, st))
    return sorted(out, key=lambda pair: pair[0])


def read_plain(path: str | Path, st: os.stat_result | None = None) -> tuple[bytes | None, str | None]:
    """(the bytes, None) of a regular file, or (None, what it is instead: "missing" when it is
    gone), never through a link and never blocking. `st` is its lstat when the caller has it;
    an error other than a missing file or another kind of entry (a file it may not read) raises."""
    try:
        st = st if st is not None else os.lstat(path)
    except FileNotFoundError:
        return None, "missing"
    if not stat.S_ISREG(st.st_mode):
        return None, kind(st.st_mode)
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        return None, "missing"
    except OSError:
        now = os.lstat(path)
        if not stat.S_ISREG(now.st_mode):  # swapped since the lstat (a link: ELOOP)
            return None, kind(now.st_mode)
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, kind(st.st_mode)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks), None
    finally:
        os.close(fd)


def read_below(folder: Path, rel: str) -> bytes | None:
    """The bytes of `folder`/`rel` when it is a regular file reached through folders only: no link at
    `folder`, at a folder between, or at the file (`read_plain`); None otherwise, or when it cannot
    be read."""
    here = Path(folder)
    try:
        for part in ("", *Path(rel).parts[:-1]):
            here = here / part if part else here
            if not stat.S_ISDIR(os.lstat(here).st_mode):  # a link, or no folder
                return None
        data, _ = read_plain(Path(folder) / rel)
    except OSError:
        return None
    return data


def entries(folder: Path, skip: Callable[[str], bool] = lambda name: False,
            executable: Callable[[], bool] = lambda: False) -> Iterator[Entry]:
    """Every entry under `folder` but its folders, sorted by name, read one at a time (see `listing`).
    Where `executable()` says git commits the bit (asked once, at the first such file), a regular file its
    owner may execute is not a plain file either: the file committed is not the one a build writes (its
    bytes are not read)."""
    tracked: bool | None = None
    for name, st in listing(folder, skip):
        if stat.S_ISREG(st.st_mode) and st.st_mode & stat.S_IXUSR:
            if tracked is None:
                tracked = executable()
            if tracked:
                yield Entry(name, None, "an executable file")
                continue
        data, what = read_plain(Path(folder) / name if name != "." else folder, st)
        if what != "missing":  # removed since it was listed: it is not there
            yield Entry(name, data, what)


def empty_folders(folder: Path) -> list[str]:
    """The folders under `folder` that hold no entry but other such folders ("name/"), sorted: `entries`
    never names them, and git never commits them, but a folder that must hold exactly some files holds
    none of them either."""
    listed = listing(folder, folders=True)
    held = [name for name, st in listed if not stat.S_ISDIR(st.st_mode)]
    return [name for name, st in listed if stat.S_ISDIR(st.st_mode) and not any(h.startswith(name) for h in held)]
