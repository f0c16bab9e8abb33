"""Knowing that `dataset/` is up to date without building it: a stamp of inputs and outputs.

`check` must say whether `dataset/` is exactly what a build writes now. Building it in
memory and comparing bytes answers that, but on the real corpus it took 0.84–0.97 s of a
`check`, against 0.22–0.30 s for `validate` (whole processes, 2 cores, same session):
pyarrow and numpy are imported, and pyarrow's first `Table.from_pylist` imports pandas to
ask whether its inputs are pandas objects. The bytes a build writes are a function of its
inputs, and the build is deterministic (tests/test_build.py), so one comparison made for
some inputs holds for as long as neither the inputs nor `dataset/` change.

The stamp is that comparison, remembered. After a build writes `dataset/`, or a full
comparison finds nothing stale, the stamp records two digests:

- **inputs**: SHA-256 over the names and bytes of every file under `annotations/` and
  `schema/`, every file of this package (the builder's code and everything it imports
  from it, `DATASET_VERSION` included), the Python version and the versions of the
  libraries whose output lands in the files (pyarrow writes the Parquet, PyYAML the card's
  header, numpy sits under pyarrow);
- **dataset**: SHA-256 over the names and bytes of every file under `dataset/`.

`check` recomputes both (about 0.5 MB read and hashed on the real corpus; 10,000 files and
about 3 s at 1,000× the corpus, against 30 s or more for validating it) and, when both
equal the stamp, skips the build: no pyarrow, numpy or pandas is imported. Any difference,
a missing or unreadable stamp, or a stamp from another layout falls back to the full build
and byte comparison, which names each stale, missing or unexpected file. So the stamp can
only save time: an edited annotation, text, schema file, card or data file, a changed
builder or another pyarrow all change a digest (tests/test_stamp.py edits each one).

Why a local stamp rather than a fingerprint of the inputs written into the card: the card
is itself compared byte for byte, so a code fingerprint in it would make every change to
the builder's code (a refactor that writes the same bytes included) a change to
`dataset/`, and a pyarrow version in it would make the committed card stale for anyone
with another pyarrow. The stamp lives in `.idlib-gold-cache/` at the repository root (with
a `.gitignore` of its own, as pytest's cache has), is written atomically, and is never
needed: deleting it costs one full comparison.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ..outputs import OutputError, write_file

__all__ = ["Inputs", "read_inputs", "inputs_digest", "folder_digest", "is_current", "record", "STAMP_DIR"]

STAMP_DIR = ".idlib-gold-cache"
_STAMP = "dataset-stamp.json"
_FORMAT = 1
_LIBRARIES = ("pyarrow", "PyYAML", "numpy")
_PACKAGE = Path(__file__).resolve().parents[1]


def _hash_tree(h, folder: Path, label: str, skip=lambda p: False) -> None:
    """Names and contents of every file under `folder`, in a fixed order, into `h`."""
    if not folder.is_dir():
        h.update(f"{label}: absent\0".encode())
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not skip(p)):
        name = path.relative_to(folder).as_posix()
        h.update(f"{label}/{name}\0".encode() + hashlib.sha256(path.read_bytes()).digest())


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = [sys.version]
    for name in _LIBRARIES:
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} absent")
    return "\n".join(out)


@dataclass(frozen=True)
class Inputs:
    """The inputs' digest, and the size and modification time of each file hashed for it."""

    root: Path
    digest: str
    stats: tuple

    def unchanged(self) -> bool:
        """No input file was added, removed or rewritten since the digest was taken (by size and
        modification time: hashing them all again took as long as the first time, 3 s at 1,000×)."""
        return _stats(self.root) == self.stats


def _skip_cache(p: Path) -> bool:
    return "__pycache__" in p.parts or p.suffix in (".pyc", ".pyo")


def _stats(root: Path) -> tuple:
    out = []
    for label, folder in (("annotations", root / "annotations"), ("schema", root / "schema"), ("package", _PACKAGE)):
        if folder.is_dir():
            for p in sorted(folder.rglob("*")):
                if p.is_file() and not _skip_cache(p):
                    st = p.stat()
                    out.append((label, str(p), st.st_size, st.st_mtime_ns))
    return tuple(out)


def read_inputs(root: Path) -> Inputs:
    """The inputs' digest, with the file stats taken just before it was computed."""
    stats = _stats(root)
    return Inputs(root, inputs_digest(root), stats)


def inputs_digest(root: Path) -> str:
    """What a build's bytes depend on: annotations, schema, this package's files, library versions."""
    h = hashlib.sha256(f"stamp format {_FORMAT}\0".encode())
    _hash_tree(h, root / "annotations", "annotations")
    _hash_tree(h, root / "schema", "schema")
    _hash_tree(h, _PACKAGE, "package", skip=_skip_cache)
    h.update(_versions().encode())
    return h.hexdigest()


def folder_digest(target: Path) -> str:
    """Every file under the dataset folder, as `compare_outputs` sees it."""
    h = hashlib.sha256()
    _hash_tree(h, target, "dataset")
    return h.hexdigest()


def _stamp_path(root: Path) -> Path:
    return root / STAMP_DIR / _STAMP


def is_current(root: Path, target: Path, inputs: str) -> bool:
    """True only when a build or full comparison already found `target` up to date for the inputs
    whose digest is `inputs` (taken before the corpus was read)."""
    try:
        stamp = json.loads(_stamp_path(root).read_text(encoding="utf-8"))
        if not isinstance(stamp, dict) or stamp.get("format") != _FORMAT:
            return False
        return stamp.get("inputs") == inputs and stamp.get("dataset") == folder_digest(target)
    except (OSError, ValueError):
        return False


def record(root: Path, target: Path, inputs: Inputs) -> None:
    """Remember that `target` is what the inputs with digest `inputs.digest` build.

    `inputs` is read before the corpus was read; the stamp is written only if no input file
    changed since, so a file edited during the command is never vouched for. A stamp that
    cannot be written is no error: the next `check` compares in full."""
    try:
        if not inputs.unchanged():
            return
        folder = root / STAMP_DIR
        folder.mkdir(exist_ok=True)
        ours = {"root": root, "previous": lambda data: True, "what": "a stamp"}  # the cache folder is ours
        ignore = folder / ".gitignore"
        if not ignore.exists():
            write_file(ignore, b"# written by idlib-gold check and build\n*\n", **ours)
        data = json.dumps({"format": _FORMAT, "inputs": inputs.digest, "dataset": folder_digest(target)},
                          indent=1)
        write_file(folder / _STAMP, (data + "\n").encode("utf-8"), mode=0o600, **ours)
    except (OSError, OutputError):
        return
