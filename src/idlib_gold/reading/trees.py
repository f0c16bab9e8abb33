"""Annotation trees: where a tree's files are, and the files of a tree at one state.

`agree`, `validate` (the second annotator's tree), the dataset card, `evaluate`, `suspects`
and `diff` all read annotation trees, through this one module:

- `find_tree` locates a tree given as a folder, in one of two shapes: an annotation folder like
  `annotations/` (`docs/*.yaml`, and `texts/*.txt` and `kb.yaml` where it has them; a second
  annotator's `annotations/second/` has only `docs/`), or a repository root that contains one as
  `annotations/`. What a tree lacks (texts, KB) is lent by the repository the command runs in.
  Its documents are then read and checked by `checking.pipeline.load_tree`, exactly as
  `validate FILES…` checks some documents.
- `snapshots` gives the two states `diff` compares: a git revision (read from git's object store,
  `git ls-tree` and `git cat-file --batch`, never by checking anything out, so a diff leaves the
  working tree and the index as they were), the working tree, or a folder. Each file comes with
  its git blob id, so files that are the same on both sides are skipped unread.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..layout import DOCS, KB_FILE, TEXTS, Tree
from .files import MAX_BYTES

__all__ = ["TreeError", "FoundTree", "find_tree", "Snapshot", "git_snapshot", "worktree_snapshot",
           "folder_snapshot", "snapshots"]


class TreeError(UsageError):
    """A folder or revision that is no annotation tree at all (a bad revision, not a repository, no
    docs/): a usage error, not a finding."""


@dataclass(frozen=True)
class FoundTree:
    """An annotation tree on disk, as `find_tree` located it."""

    given: str  # the folder as the user named it
    shape: str  # "annotation folder" or "repository root"
    tree: Tree  # paths relative to the base the findings are shown against
    ids: tuple[str, ...]  # the documents its docs/ holds
    borrowed: tuple[str, ...]  # what it takes from the repository: "texts", "kb.yaml"


def _rel(path: Path, base: Path) -> str:
    """`path` relative to `base` where it lies inside it, else absolute."""
    rel = Path(os.path.relpath(path, base)).as_posix()
    return Path(os.path.abspath(path)).as_posix() if rel == ".." or rel.startswith("../") else rel


def find_tree(folder: Path, base: Path, repo: Path | None) -> FoundTree:
    """Where the tree's docs, texts and KB are, relative to `base`; `repo` lends what it lacks."""
    if not folder.exists():
        raise TreeError(f"{folder} does not exist")
    if not folder.is_dir():
        raise TreeError(f"{folder} is not a folder")
    if (folder / DOCS).is_dir():
        shape, annotations = "repository root", folder / "annotations"
    elif (folder / "docs").is_dir():
        shape, annotations = "annotation folder", folder
    else:
        raise TreeError(f"{folder} has neither docs/ (an annotation folder) nor annotations/docs/ (a repository root)")
    borrowed, parts = [], {}
    for name, own, lent in (("texts", annotations / "texts", TEXTS), ("kb.yaml", annotations / "kb.yaml", KB_FILE)):
        if own.exists() or own.is_symlink():
            parts[name] = own
        elif repo is not None:  # lent even when the repository lacks it too: reading says so (IG108)
            parts[name] = repo / lent
            borrowed.append(name)
        else:
            raise TreeError(f"{folder} has no {name} and there is no repository to take it from (pass --root)")
    ids = tuple(sorted(p.stem for p in (annotations / "docs").glob("*.yaml")))
    if not ids:
        raise TreeError(f"{folder} has no documents: {_rel(annotations / 'docs', base)}/ holds no *.yaml file")
    tree = Tree(docs=_rel(annotations / "docs", base), texts=_rel(parts["texts"], base), kb=_rel(parts["kb.yaml"], base))
    return FoundTree(str(folder), shape, tree, ids, tuple(borrowed))


@dataclass
class Snapshot:
    """`files`: repository-relative path → (blob id, bytes); the bytes are read only when needed."""

    name: str  # how output names this side: "HEAD", "working tree", a folder
    label: str  # the prefix of a finding's path: "HEAD:" for a revision, "" or "folder/" otherwise
    blobs: dict[str, str] = field(default_factory=dict)
    _read: object = None

    def read(self, paths: list[str]) -> dict[str, bytes]:
        return self._read(paths) if paths else {}


def _wanted(rel: str) -> bool:
    return rel == KB_FILE or (rel.count("/") == 2 and (rel.startswith(DOCS + "/") and rel.endswith(".yaml")
                                                       or rel.startswith(TEXTS + "/") and rel.endswith(".txt")))


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, timeout=300)
    except FileNotFoundError:
        raise TreeError("git is not installed; pass two folders to compare instead") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise TreeError(f"git failed: {exc}") from None


def _repository(root: Path) -> None:
    if _git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise TreeError(f"{root} is not in a git repository; compare two folders with `diff DIR_A DIR_B`")


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # git's object id of a file


def git_snapshot(root: Path, rev: str) -> Snapshot:
    """The annotation files of a commit, tag or branch."""
    _repository(root)
    if rev.startswith("-") or not rev.strip():
        raise TreeError(f"bad revision {rev!r}")
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if found.returncode != 0:
        raise TreeError(_unknown(root, rev))
    commit = found.stdout.decode().strip()
    listed = _git(root, "ls-tree", "-r", "-z", commit, "--", DOCS, TEXTS, KB_FILE)
    if listed.returncode != 0:
        raise TreeError(f"cannot list {rev}: {listed.stderr.decode(errors='replace').strip()}")
    blobs = {}
    for entry in listed.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        mode, kind, blob = meta.split()
        rel = path.decode("utf-8", errors="surrogateescape")
        if kind == b"blob" and mode != b"120000" and _wanted(rel):
            blobs[rel] = blob.decode()

    def read(paths: list[str]) -> dict[str, bytes]:
        return dict(zip(paths, _cat_blobs(root, [blobs[p] for p in paths])))

    return Snapshot(rev, f"{rev}:", blobs, read)


#: How many tag names an unknown-revision message lists.
_TAGS_SHOWN = 10


def _unknown(root: Path, rev: str) -> str:
    """Why `rev` names nothing here, with the tags that do exist: a README or a colleague may name a
    tag this clone never fetched, or a commit a shallow clone lacks."""
    listed = _git(root, "tag", "--list", "--sort=-creatordate")
    tags = listed.stdout.decode(errors="replace").split() if listed.returncode == 0 else []
    shown = ", ".join(tags[:_TAGS_SHOWN]) + (f" and {len(tags) - _TAGS_SHOWN} more" if len(tags) > _TAGS_SHOWN else "")
    message = f"unknown revision {rev!r}: no commit, branch or tag of that name in {root}; " + \
        (f"its tags: {shown}" if tags else "it has no tags; name a commit (git log --oneline) or a branch")
    if _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == b"true":
        message += "; this clone is shallow, so older commits and tags are missing: git fetch --unshallow --tags"
    return message


def _cat_blobs(root: Path, ids: list[str]) -> list[bytes]:
    """The contents of git blobs, all in one `git cat-file --batch` process."""
    done = _git(root, "cat-file", "--batch", stdin="".join(i + "\n" for i in ids).encode())
    out, at, data = [], 0, done.stdout
    for _ in ids:
        end = data.index(b"\n", at)
        header = data[at:end].split()
        if len(header) != 3:
            raise TreeError(f"git cat-file: {data[at:end].decode(errors='replace')}")
        size = int(header[2])
        out.append(data[end + 1:end + 1 + size])
        at = end + 1 + size + 1
    return out


def _files_in(folder: Path) -> dict[str, Path]:
    files = {}
    for sub, pattern in ((DOCS, "*.yaml"), (TEXTS, "*.txt")):  # a text is compared by its bytes alone
        if (folder / sub).is_dir():
            for p in sorted((folder / sub).glob(pattern)):
                if p.is_file():
                    files[f"{sub}/{p.name}"] = p
    if (folder / KB_FILE).is_file():
        files[KB_FILE] = folder / KB_FILE
    return files


def _disk_snapshot(name: str, label: str, folder: Path) -> Snapshot:
    contents = {}
    for rel, p in _files_in(folder).items():
        try:
            with open(p, "rb") as fh:
                contents[rel] = fh.read(MAX_BYTES + 1)  # more than the limit is refused when parsed
        except OSError as exc:
            raise TreeError(f"cannot read {p}: {exc.strerror or exc}") from None
    # A file cut at the limit gets no blob id, so it is never taken for the same file as the other side's.
    blobs = {rel: _blob_id(data) if len(data) <= MAX_BYTES else "" for rel, data in contents.items()}
    return Snapshot(name, label, blobs, lambda wanted: {p: contents[p] for p in wanted})


def worktree_snapshot(root: Path) -> Snapshot:
    """The files as they are on disk now, uncommitted changes included."""
    _repository(root)
    return _disk_snapshot("working tree", "", root)


def folder_snapshot(folder: Path) -> Snapshot:
    """A folder laid out like the repository (annotations/docs, annotations/kb.yaml)."""
    if not (folder / "annotations").is_dir():
        raise TreeError(f"{folder} has no annotations/ folder")
    return _disk_snapshot(os.fspath(folder), f"{os.fspath(folder)}/", folder)


def _is_revision(root: Path | None, rev: str) -> bool:
    if root is None or rev.startswith("-") or not rev.strip():
        return False
    if _git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        return False
    return _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").returncode == 0


def snapshots(given: list[str], folders_only: int, root: Path | None) -> tuple[Snapshot, Snapshot]:
    """The two sides `diff` compares, from its arguments, as git reads them: arguments are revisions where
    git knows them (a folder that happens to be called HEAD does not hide the revision), else folders;
    the last `folders_only` of them came after `--` and are folders whatever their name. No argument:
    HEAD and the working tree; one revision: it and the working tree."""
    kinds = []
    for n, arg in enumerate(given):
        after_dashes = n >= len(given) - folders_only
        if not after_dashes and _is_revision(root, arg):
            kinds.append("revision")
        elif Path(arg).is_dir():
            kinds.append("folder")
        elif after_dashes or root is None:
            raise TreeError(f"{arg}: no such folder" + ("" if after_dashes else " (and no git repository here "
                                                                               "to read a revision from)"))
        else:
            try:
                git_snapshot(root, arg)  # says why it is no revision (bad, unknown, not a repository)
            except TreeError as exc:
                raise TreeError(f"{arg}: no such folder, and {exc}") from None
            raise TreeError(f"{arg}: neither a revision nor a folder")  # pragma: no cover - _is_revision said no
    folders = [arg for arg, kind in zip(given, kinds) if kind == "folder"]
    if folders and (len(folders) != 2 or len(given) != 2):
        revisions = [arg for arg, kind in zip(given, kinds) if kind == "revision"]
        also = f", and {revisions[0]} a revision" if revisions else ""
        raise TreeError(f"{folders[0]} is a folder{also}: compare two folders, or two revisions "
                        "(put folders after --, as in `diff -- DIR_A DIR_B`)")
    if folders:
        return folder_snapshot(Path(given[0])), folder_snapshot(Path(given[1]))
    if root is None:
        raise TreeError("no annotations/ folder here or above; run inside the repository or pass --root")
    old = git_snapshot(root, given[0] if given else "HEAD")
    return old, git_snapshot(root, given[1]) if len(given) == 2 else worktree_snapshot(root)
