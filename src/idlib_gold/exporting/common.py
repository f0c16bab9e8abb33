"""What every export shares: which documents go where, and writing the output folder safely.

An export is a folder of files rendered in memory (name → bytes) and then written at
once: into a fresh folder beside OUT, which is then renamed into place, so OUT is never
left half written. Every export folder holds a manifest (`MANIFEST`) listing its files;
an existing OUT is replaced only if it is empty or holds exactly the files its manifest
lists (a previous export, with nothing of the user's added). There is no option to
overwrite anything else: a user's files are never deleted by an export.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .. import vocabulary
from ..layout import DATASET_DIR

__all__ = ["MANIFEST", "UnsafeOutput", "by_split", "check_out", "write_folder"]

MANIFEST = "MANIFEST"
_HEADER = "idlib-gold export"
#: Repository folders an export may not be written into (nor replace).
_PROTECTED = ("annotations", DATASET_DIR, "schema", "src", "tests", ".git")


class UnsafeOutput(Exception):
    """OUT cannot be written without losing or corrupting something; a usage error."""


def by_split(documents) -> dict[str, list]:
    """split → its documents sorted by id, for the splits that have any, in the schema's order."""
    out: dict[str, list] = {}
    for split in vocabulary.splits():
        docs = sorted((d for d in documents if d.data["split"] == split), key=lambda d: d.id)
        if docs:
            out[split] = docs
    return out


def _manifest(fmt: str, names: list[str]) -> bytes:
    return "\n".join([f"{_HEADER} --format {fmt}", *names]).encode("utf-8") + b"\n"


def _previous_export(out: Path) -> bool:
    """OUT holds exactly the files its manifest lists, and no folder but theirs."""
    try:
        lines = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if not lines or not lines[0].startswith(_HEADER):
        return False
    listed = set(lines[1:]) | {MANIFEST}
    folders = {p.rsplit("/", 1)[0] for p in listed if "/" in p}
    present = {p.relative_to(out).as_posix() for p in out.rglob("*")}
    return present == listed | folders and all((out / p).is_file() and not (out / p).is_symlink() for p in listed)


def check_out(out: Path, root: Path) -> None:
    """Raise UnsafeOutput unless OUT may be (re)written: not a symlink, not a file, not a
    repository folder or inside one, not the current folder (renaming it away would leave
    the shell in a deleted folder), and empty or a previous export."""
    if out.is_symlink():
        raise UnsafeOutput(f"{out} is a symbolic link; give the real folder")
    above = next((p for p in Path(os.path.abspath(out)).parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise UnsafeOutput(f"{above} is not a folder, so {out} cannot be made")
    resolved, root, here = out.resolve(), root.resolve(), Path.cwd().resolve()
    if resolved == root or resolved in root.parents:
        raise UnsafeOutput(f"{out} holds the repository; give a folder of its own")
    if resolved == here or resolved in here.parents:
        raise UnsafeOutput(f"{out} is the current folder or above it; give a folder of its own")
    for name in _PROTECTED:
        if resolved == root / name or (root / name) in resolved.parents:
            raise UnsafeOutput(f"{out} is inside {name}/ of the repository; give a folder outside it")
    if out.exists() and not out.is_dir():
        raise UnsafeOutput(f"{out} is not a folder")
    if out.is_dir() and any(out.iterdir()) and not _previous_export(out):
        raise UnsafeOutput(f"{out} is not empty and not an unchanged previous export; "
                           "give a new or empty folder (nothing is overwritten)")


def write_folder(out: Path, files: dict[str, bytes], fmt: str) -> None:
    """Write `files` (relative name → bytes) and the manifest as the folder OUT, atomically:
    a temporary folder beside OUT is filled, then renamed to OUT; a previous export is
    moved aside first, put back if the rename fails, and removed once the new one is in place."""
    out = Path(os.path.abspath(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    names = sorted(files)
    fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=out.parent))
    old = None
    try:
        for name in names:
            path = fresh / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[name])
        (fresh / MANIFEST).write_bytes(_manifest(fmt, names))
        os.chmod(fresh, 0o777 & ~_umask())
        if out.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, old / "export")
        os.replace(fresh, out)
    except BaseException:
        if old is not None and (old / "export").is_dir() and not out.exists():
            os.replace(old / "export", out)  # put the previous export back
        shutil.rmtree(fresh, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
