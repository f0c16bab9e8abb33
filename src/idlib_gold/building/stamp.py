"""Knowing that `dataset/` is up to date without building it: a stamp this clone wrote itself.

After a build, or a full comparison that found nothing stale, the stamp in `.idlib-gold-cache/`
records the digests of the inputs and of `dataset/`, signed with a key only this clone holds;
`check` skips the build when both still match. See docs/decisions/0001-a-signed-stamp-instead-of-rebuilding.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import subprocess
import sys
from functools import cache
from pathlib import Path

from .. import readlog, vocabulary
from ..outputs.files import write_in_folder
from . import plainfiles

__all__ = ["Inputs", "read_inputs", "inputs_digest", "folder_digest", "files_digest", "is_current", "record",
           "odd_entries", "key_path", "file_modes_tracked", "checks_context", "STAMP_DIR", "clone_key", "binding", "bound_mac", "versions",
           "SUPPORTED"]

STAMP_DIR = ".idlib-gold-cache"
_STAMP = "dataset-stamp.json"
_KEY_NAME = "idlib-gold-stamp.key"
_KEY_BYTES = 32
_FORMAT = 3
#: The libraries whose versions what is kept may depend on: the parser, the tables, the table checks
#: (pandera, polars: a kept clean check is bound to them) and the schema gate (jsonschema-rs answers
#: first, jsonschema with its `referencing` decides: a document kept as checked skipped both).
_LIBRARIES = ("pyarrow", "PyYAML", "numpy", "pandera", "polars", "jsonschema", "jsonschema-rs", "referencing")
_PACKAGE = Path(__file__).resolve().parents[1]
#: Where files cannot be opened without following links, or relative to an open folder, or a
#: key cannot be kept private by its mode, there is no stamp: `check` always compares in full.
_SUPPORTED = os.name == "posix" and hasattr(os, "O_NOFOLLOW") and os.open in os.supports_dir_fd
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
_FOLDER = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_DIRECTORY", 0)


def _skip_cache(name: str) -> bool:
    return "__pycache__" in name.split("/") or name.endswith((".pyc", ".pyo"))


def _trees(root: Path) -> list[tuple[str, Path, object]]:
    """(label, folder, skip) of every tree a build's bytes depend on."""
    out = [("annotations", root / "annotations", None), ("schema", root / "schema", None),
           ("package", _PACKAGE, _skip_cache)]
    packaged = vocabulary.packaged_schemas()  # read where the repository lacks a schema file
    if packaged != root / "schema" and _PACKAGE not in packaged.parents:
        out.append(("packaged schema", packaged, None))
    return out


@cache
def _versions() -> str:
    """Looked up once a process: each `importlib.metadata` lookup scans the installed packages
    (13 ms each on the real corpus's `check`, asked three times: the stamp, the parse cache and
    the checks context)."""
    from importlib.metadata import PackageNotFoundError, version

    out = [sys.version]
    for name in _LIBRARIES:
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} absent")
    return "\n".join(out)


class Inputs:
    """The status of every input file when a command began, and the inputs' digest (`digest`),
    taken when first asked from the digests of the bytes the command read (`readlog`) and from
    the bytes of the files it did not read."""

    def __init__(self, root: Path, listings: tuple | None):
        self.root = root
        self.listings = listings  # None: a folder it may not read, so no digest
        self.stats = _flat_stats(listings) if listings is not None else ()
        self.files: dict[str, str] = {}  # path → the digest it entered the inputs' digest with
        self._digest: str | None = None

    @property
    def digest(self) -> str:
        """The inputs' digest ("" when there is none): what `inputs_digest` gives for these files,
        each file the command has read so far taken as the bytes it read. Reading every input again
        here took 0.7 s of a 10 s rebuild of 5,000 documents, all of it spent on files the loader
        had just read and hashed."""
        if self._digest is None:
            try:
                # a file added, removed or rewritten since the listing: no digest stands for what was read
                current = self.listings is not None and self.unchanged()
                self._digest = _inputs_digest(self.listings, readlog.peek(), self.files) if current else ""
            except OSError:  # a file it may not read: no digest, so nothing is skipped or recorded
                self._digest = ""
        return self._digest

    def unchanged(self) -> bool:
        """No input file was added, removed, rewritten or replaced since the command began (by
        type, size, modification and change time and inode: hashing them all again took as long
        as the first time, 3 s at 1,000×)."""
        try:
            return _flat_stats(_listings(self.root)) == self.stats
        except OSError:
            return False

    def used_as_hashed(self, used: dict[str, str]) -> bool:
        """Every file in `used` (path → digest of the bytes a reader used, see `readlog`) entered the
        digest with those bytes: the command saw exactly the inputs the digest stands for."""
        return all(self.files.get(path) == digest for path, digest in used.items())


def _listings(root: Path, annotations: bool = True) -> tuple:
    """(label, folder, its entries as `plainfiles.listing` gives them, or None when it is absent) of every
    tree (but the annotations, unless `annotations`)."""
    out = []
    for label, folder, skip in _trees(root):
        if label == "annotations" and not annotations:
            continue
        # the annotations' folders too: whether a second tree or a docs/ folder is there changes the verdict
        listed = plainfiles.listing(folder, skip or (lambda name: False), folders=label == "annotations") \
            if os.path.lexists(folder) else None
        out.append((label, folder, listed))
    return tuple(out)


def _flat_stats(listings: tuple) -> tuple:
    out = []
    for label, _, listed in listings:
        if listed is None:
            out.append((label, None))
        for name, st in listed or ():
            if stat.S_ISDIR(st.st_mode):  # there or not: its times move with every file written in it
                out.append((label, name, "folder"))
                continue
            out.append((label, name, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev))
    return tuple(out)


def read_inputs(root: Path) -> Inputs:
    """The status of every input file, taken now; from here on the digest of every file read is
    logged (`readlog`), and the inputs' digest is taken from the log when first asked (`Inputs.digest`)."""
    readlog.start()
    try:
        return Inputs(root, _listings(root))
    except OSError:  # a folder it may not read: no digest, so nothing is skipped or recorded
        return Inputs(root, None)


def checks_context(root: Path) -> bytes:
    """What a document's checks depend on besides its own files and the KB: the schema files, this
    package's files and the library versions (the parse cache keeps the checks' results under it)."""
    h = hashlib.sha256(f"checks context {_FORMAT}\0".encode())
    if not _hash_listed(h, _listings(root, annotations=False), {}, {}):
        return os.urandom(32)  # no digest stands for the code that runs: nothing kept under it is found
    h.update(_versions().encode())
    return h.digest()


def inputs_digest(root: Path) -> str:
    """What a build's bytes depend on: annotations, schema, this package's files, library versions."""
    return _inputs_digest(_listings(root), {}, {})


def _inputs_digest(listings: tuple, used: dict[str, str], seen: dict[str, str]) -> str:
    """The digest of the listed trees and the library versions; "" when a file was read twice with
    different bytes: no digest stands for what the command saw."""
    h = hashlib.sha256(f"stamp format {_FORMAT}\0".encode())
    if not _hash_listed(h, listings, used, seen) or _unlisted(listings, used, seen):
        return ""
    h.update(_versions().encode())
    return h.hexdigest()


def _unlisted(listings: tuple, used: dict[str, str], seen: dict[str, str]) -> bool:
    """Whether a reader used a file under one of the trees that their listing lacks (one added after
    the command began): the digest would not stand for what the command read."""
    folders = tuple(os.path.join(os.path.abspath(folder), "") for _, folder, _ in listings)
    return any(path.startswith(folders) and path not in seen for path in used)


def _hash_listed(h, listings: tuple, used: dict[str, str], seen: dict[str, str]) -> bool:
    """Each listed entry's name into `h`, with a regular file's SHA-256 (taken from `used` where a
    reader noted it, else from its bytes read now) or what else the entry is (never followed or
    opened), and each of the annotations' folders; each file's digest into `seen`. False when `used` has a
    file read with different bytes, or the package holds a link (Python imports through it, and the
    digest would stand for the link, not for the code that runs)."""
    for label, folder, listed in listings:
        if listed is None:
            h.update(f"{label}: absent\0".encode())
            continue
        for name, st in listed:
            if stat.S_ISDIR(st.st_mode):
                h.update(f"{label}/{name}\0folder\0".encode("utf-8", "surrogateescape"))
                continue
            if label == "package" and stat.S_ISLNK(st.st_mode):  # Python reads through it; the digest would not
                return False
            path = os.fspath(folder) if name == "." else os.path.join(folder, name)
            where = os.path.abspath(path)
            digest = used.get(where) if stat.S_ISREG(st.st_mode) else None
            if digest == readlog.CONFLICT:
                return False
            if digest is None:
                data, what = plainfiles.read_plain(path, st)
                if what == "missing":  # removed since it was listed: it is not there
                    continue
                if data is None:
                    h.update(f"{label}/{name}\0?{what}\0".encode("utf-8", "surrogateescape"))
                    continue
                digest = hashlib.sha256(data).hexdigest()
            # a name need not be UTF-8
            h.update(f"{label}/{name}\0=".encode("utf-8", "surrogateescape") + bytes.fromhex(digest))
            seen[where] = digest
    return True


def files_digest(files: dict[str, bytes]) -> str:
    """A dataset folder given as relative name → bytes; equal to `folder_digest` of a folder holding them."""
    h = hashlib.sha256(b"dataset\0")
    for name in sorted(files):
        h.update(f"{name}\0".encode("utf-8", "surrogateescape") + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def folder_digest(target: Path) -> str | None:
    """Every file under the dataset folder, as `compare_outputs` sees it; None when it holds
    anything but plain files (a link, a FIFO, a device, an empty folder), which no stamp vouches for."""
    h = hashlib.sha256(b"dataset\0")
    if plainfiles.empty_folders(target):  # no build writes one
        return None
    for entry in plainfiles.entries(target, executable=lambda: file_modes_tracked(target.parent)):
        if entry.data is None:
            return None
        h.update(f"{entry.name}\0".encode("utf-8", "surrogateescape") + hashlib.sha256(entry.data).digest())
    return h.hexdigest()


def _git_dir(root: Path) -> Path | None:
    """The clone's git directory, found as git finds it (`.git` a folder, or a file naming one, as
    in a linked worktree), without running git; None outside a clone or for a `.git` link."""
    for folder in (root, *root.parents):
        dot = folder / ".git"
        try:
            st = os.lstat(dot)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(st.st_mode):
            return dot
        if not stat.S_ISREG(st.st_mode) or st.st_size > 4096:
            return None
        data, _ = plainfiles.read_plain(dot, st)
        line = (data or b"").decode("utf-8", "replace").strip()
        if not line.startswith("gitdir:"):
            return None
        where = folder / line[len("gitdir:"):].strip()
        return where if where.is_dir() else None
    return None


#: The variables that make git look at another repository than the one it is run in (git's own list of
#: "local" environment variables, less the user's settings `GIT_CONFIG_*`; `GIT_CONFIG` is in it: it
#: swaps the clone's config for another file in `git config` alone, not in what git commits).
_GIT_SELECTS = frozenset({"GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
                          "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX", "GIT_CEILING_DIRECTORIES",
                          "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE",
                          "GIT_REPLACE_REF_BASE", "GIT_SHALLOW_FILE", "GIT_INTERNAL_SUPER_PREFIX"})


def file_modes_tracked(root: Path) -> bool:
    """Whether git commits the executable bit of this clone's files, as git itself answers for the clone
    at `root`: inside a work tree, unless `core.fileMode` is false (git sets it so where the file system
    keeps no modes, and every file there looks executable), read with everything git reads (includes, a
    worktree's own config, a `.git` link, and the user's global and command-line settings, which a hook
    gets as `GIT_CONFIG_*`). Git is asked about `root` alone: the variables that choose another repository,
    as a hook runs with (`GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE` …), are left out, and the clone is
    trusted for this read whoever owns it. Where there is a `.git` and git cannot answer (not installed, say), the bit counts as
    committed; where there is none, not. Asked only when a file its owner may execute is met
    (`plainfiles.entries`): two runs of git, about 5 ms."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_SELECTS}
    home = os.fspath(Path(root).resolve())

    def git(*args: str) -> bytes | None:
        try:
            done = subprocess.run(["git", "-c", f"safe.directory={home}", "-C", home, *args], capture_output=True,
                                  timeout=60, env=env)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    inside = git("rev-parse", "--is-inside-work-tree")
    if inside is None:
        return any(os.path.lexists(folder / ".git") for folder in (Path(home), *Path(home).parents))
    if inside != b"true":
        return False
    return git("config", "--bool", "core.fileMode") != b"false"


def key_path(root: Path) -> Path | None:
    """Where this clone's stamp key is: in its git directory; None outside a git clone (no stamp)."""
    git = _git_dir(root)
    return git / _KEY_NAME if git is not None else None


def _read_key(path: Path) -> bytes | None:
    """The key, only from a regular file of this user with mode 0600 holding exactly its bytes."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, _READ)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) != 0o600
                or st.st_size != _KEY_BYTES):
            return None
        key = os.read(fd, _KEY_BYTES + 1)
        return key if len(key) == _KEY_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _make_key(path: Path) -> None:
    """A new random key at `path`, unless something is there already (another command made one
    first: theirs is used); written whole and linked into place, so no reader sees half a key."""
    write_in_folder(path.parent, path.name, secrets.token_bytes(_KEY_BYTES), mode=0o600, replace=False)


def _key(root: Path, create: bool) -> bytes | None:
    path = key_path(root)
    if path is None:
        return None
    if create and not os.path.lexists(path):
        _make_key(path)
    return _read_key(path)


SUPPORTED = _SUPPORTED


def clone_key(root: Path, create: bool) -> bytes | None:
    """This clone's signing key (made when `create` and absent), or None where nothing may be
    trusted: no git directory, a key that is a link, not the user's or not 0600, or no support
    for reading without following links. The parse cache (parsecache.py) signs with it too."""
    if not _SUPPORTED:
        return None
    try:
        return _key(root, create)
    except OSError:
        return None


def binding(root: Path) -> bytes:
    """This repository's path, device and inode, as the stamp's signature is bound to them: a file
    signed with them copied into another clone, or another folder, never verifies there."""
    st = os.stat(root)
    return json.dumps({"root": os.fsdecode(Path(root).resolve()), "device": st.st_dev, "inode": st.st_ino},
                      sort_keys=True).encode() + b"\0"


def bound_mac(key: bytes, bound: bytes):
    """An HMAC-SHA-256 (a `hmac` object to `.copy()` and `.update()`) primed with `binding(root)`."""
    return hmac.new(key, bound, hashlib.sha256)


def versions() -> str:
    """The Python and library versions the stamp's inputs digest covers."""
    return _versions()


def _mac(key: bytes, root: Path, stamp: dict) -> str:
    """The stamp's signature: its digests, bound to this repository's path, device and inode."""
    st = os.stat(root)
    bound = {"format": stamp.get("format"), "inputs": stamp.get("inputs"), "dataset": stamp.get("dataset"),
             "root": os.fsdecode(Path(root).resolve()), "device": st.st_dev, "inode": st.st_ino}
    return hmac.new(key, json.dumps(bound, sort_keys=True).encode(), hashlib.sha256).hexdigest()


def _read_stamp(root: Path) -> object:
    folder = os.open(root / STAMP_DIR, _FOLDER)
    try:
        fd = os.open(_STAMP, _READ, dir_fd=folder)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > 4096:
                return None
            try:
                return json.loads(os.read(fd, 4097).decode("utf-8"))
            except RecursionError:  # 4,096 brackets nest past the JSON reader's recursion limit
                return None
        finally:
            os.close(fd)
    finally:
        os.close(folder)


def is_current(root: Path, target: Path, inputs: str) -> bool:
    """True only when this clone's own signed stamp says a build or full comparison already found
    `target` up to date for the inputs whose digest is `inputs`, and `target` still holds those bytes."""
    if not _SUPPORTED:
        return False
    try:
        key = _key(root, create=False)
        if key is None or not inputs:
            return False
        stamp = _read_stamp(root)
        if not isinstance(stamp, dict) or stamp.get("format") != _FORMAT or stamp.get("inputs") != inputs:
            return False
        mac = stamp.get("mac")
        if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(key, root, stamp)):
            return False
        return folder_digest(target) == stamp.get("dataset")
    except (OSError, ValueError):
        return False


def _write_stamp(root: Path, text: str) -> None:
    """Write the stamp file atomically inside the stamp folder, never through a link; the folder's
    `.gitignore` keeps it out of commits (whatever is there already is left alone)."""
    try:
        os.mkdir(root / STAMP_DIR, 0o755)
    except FileExistsError:
        pass
    write_in_folder(root / STAMP_DIR, ".gitignore", b"# written by idlib-gold check and build\n*\n", replace=False)
    write_in_folder(root / STAMP_DIR, _STAMP, text.encode("utf-8"))


def record(root: Path, inputs: Inputs, dataset: str | None) -> bool:
    """Remember that the dataset folder whose bytes have digest `dataset` (the bytes compared or
    written, see `files_digest`) is what the inputs with digest `inputs.digest` build; whether it was.

    Nothing is recorded if an input file changed since `read_inputs`, if a file the command used
    had other bytes than those hashed, if `dataset` is None, or if the stamp folder holds anything
    but plain files (`odd_entries`: it is left for the user to remove). A stamp that cannot be written is
    no error: the next `check` compares in full. What else a command keeps about its outputs (the
    split files, a clean table check) is kept only when the stamp was: the same conditions say the
    command's code and inputs were those on disk throughout."""
    listed_now = inputs._digest is None  # taking the digest now lists the trees again: not twice
    digest = inputs.digest  # taken now if not yet: the log is still open
    used = readlog.stop()
    if dataset is None or not digest or not _SUPPORTED:
        return False
    try:
        if (not listed_now and not inputs.unchanged()) or not inputs.used_as_hashed(used) or odd_entries(root):
            return False
        key = _key(root, create=True)
        if key is None:
            return False
        stamp = {"format": _FORMAT, "inputs": digest, "dataset": dataset}
        stamp["mac"] = _mac(key, root, stamp)
        _write_stamp(root, json.dumps(stamp, indent=1) + "\n")
    except OSError:
        return False
    return True


def odd_entries(root: Path) -> list[tuple[str, str]]:
    """(repository-relative path, what it is) of each entry of the stamp folder that is not a plain
    file, the folder itself included: the stamp is never read or written through them."""
    try:
        return [(f"{STAMP_DIR}/{name}" if name != "." else STAMP_DIR, plainfiles.kind(st.st_mode))
                for name, st in plainfiles.listing(root / STAMP_DIR) if not stat.S_ISREG(st.st_mode)]
    except OSError:
        return []
