"""Writing one file so that it is never lost or half-written: the step under every guarded output.

Three things go wrong with a plain `open(path, "w")`:

- a crash, a full disk or a kill while writing leaves the old file truncated and the new one
  partial; so a file is written to a temporary file in the same folder, flushed to disk
  (`fsync`) and moved over the target with `os.replace`, which is atomic on POSIX and Windows:
  readers see the whole old file or the whole new one;
- a symbolic link or a special file (a device, a FIFO) at the target path would be followed
  and its target overwritten, or a device written to; such a target is refused. `os.replace`
  itself replaces a link rather than following it, so a link that appears after the check
  still cannot be written through;
- an `OSError` names the temporary file, or nothing at all; here it becomes an `OutputError`
  naming the target and the reason, which the command line reports with exit code 2.

Where a file may be written at all (never into the repository's own folders, never over a file
this tool did not write) is decided before, in `targets`; commands call the guarded writers of
the package, never this module.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ..errors import UsageError

__all__ = ["OutputError", "FILE_MODE", "refuse_unsafe_file", "refuse_unsafe_folder", "replace_file", "write_all",
           "fsync_folder", "reason", "write_in_folder"]

#: Files written are readable by everyone, whatever the temporary file's private mode was.
FILE_MODE = 0o644


class OutputError(UsageError):
    """An output cannot be written; the message names the path and the reason (exit code 2)."""


def reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"{path}: {reason(exc)}") from None


def refuse_unsafe_file(path: Path) -> None:
    """Raise unless `path` is absent or a regular file (never a link, folder or device)."""
    _refuse_unless(path, stat.S_ISREG, "a regular file")


def refuse_unsafe_folder(path: Path) -> None:
    """Raise unless `path` is absent or a real folder (never a link or a file)."""
    _refuse_unless(path, stat.S_ISDIR, "a folder")


def _refuse_unless(path: Path, wanted, noun: str) -> None:
    st = _lstat(path)
    if st is None or wanted(st.st_mode):
        return
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{path}: is a symbolic link; outputs are never written through links "
                          "(remove the link or choose another path)")
    what = "a regular file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)
    raise OutputError(f"{path}: is {what}, not {noun}; choose another path")


def write_all(fd: int, data: bytes, durable: bool = True) -> None:
    """Write every byte to a file descriptor and (`durable`) flush it to disk."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    if durable:
        os.fsync(fd)


def fsync_folder(path: Path) -> None:
    """Make a rename in `path` durable. Best effort: Windows cannot open folders, and some file
    systems refuse to sync one; the rename itself is atomic either way."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_file(path: Path, data: bytes, mode: int = FILE_MODE, name: str | None = None,
                 durable: bool = True) -> None:
    """Replace `path` with `data` atomically: a temporary file in the same folder, fsync, os.replace.
    Errors name `name` (the path as the user gave it) or `path`.

    `durable=False` skips both fsyncs (the file's and the folder's): the rename is still atomic, so a
    reader sees the whole old file or the whole new one, but after a power cut the new one may be
    empty or partial. Only for files whose reader detects that and can do without them (the parse
    cache's signed entries)."""
    path = Path(path)
    shown = name or str(path)
    refuse_unsafe_file(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{shown}: {reason(exc)}") from None
    try:
        try:
            write_all(fd, data, durable)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"{shown}: {reason(exc)}") from None
        raise
    if durable:
        fsync_folder(path.parent)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FOLDER = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_DIRECTORY", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW


def write_in_folder(folder: Path, name: str, data: bytes, *, mode: int = FILE_MODE, replace: bool = True) -> bool:
    """Write `folder/name` whole, through no link: for the tool's own files (the stamp, its key, the
    cache's `.gitignore`), which a later run trusts or reads without the user naming them.

    The folder is opened once with O_NOFOLLOW|O_DIRECTORY (a link or a file in its place: OSError) and
    every step is relative to that descriptor, so swapping a folder on the path for a link midway
    writes nothing elsewhere. The bytes go to a new temporary name in the folder (O_EXCL), are fsynced
    and then renamed over `name` (`replace`), or linked to `name` only where nothing is there yet
    (`replace=False`: a second writer's file is kept, and False is returned). The temporary name is
    always removed. Raises OSError; callers for which the file is a convenience ignore it."""
    import secrets

    fd_folder = os.open(folder, _FOLDER)
    try:
        tmp = f".{name}.{secrets.token_hex(8)}.tmp"
        fd = os.open(tmp, _CREATE, mode, dir_fd=fd_folder)
        try:
            try:
                os.fchmod(fd, mode)  # whatever the umask
                write_all(fd, data)
            finally:
                os.close(fd)
            if replace:
                os.replace(tmp, name, src_dir_fd=fd_folder, dst_dir_fd=fd_folder)
                written = True
            else:
                try:
                    os.link(tmp, name, src_dir_fd=fd_folder, dst_dir_fd=fd_folder, follow_symlinks=False)
                    written = True
                except FileExistsError:
                    written = False
        finally:
            try:
                os.unlink(tmp, dir_fd=fd_folder)
            except FileNotFoundError:  # renamed into place
                pass
        os.fsync(fd_folder)
        return written
    finally:
        os.close(fd_folder)
