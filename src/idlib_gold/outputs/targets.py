"""Where an output may go: the guards every command's output passes before a byte is written.

A path given on the command line can name anything: the annotations, a file of the package,
`.git/HEAD`, the repository itself, a user's unrelated file, or reach one of them through
`..` or a symbolic link. So a target is resolved component by component, as the kernel
would, and refused (`OutputError`, exit 2) when

- a component inside the repository (or its git directory) is a symbolic link, or the last
  component is a link anywhere: outputs are never written through links;
- its real location is the repository root or a folder above it, or lies inside one of the
  repository's own folders (`PROTECTED`), the names beside them that their swap uses
  (`.dataset.old`, ...), or its git directory (also where `.git` is a file naming it, as in a
  worktree). The same holds for every clone the repository lies in: a corpus kept inside another
  clone (a test fixture, found as the root when a command runs in it) protects that clone's
  folders too, and the git directory of any enclosing clone is never written;
- it reaches one of those folders under another name (a bind mount of it or of a folder inside it, a
  mount moved or stacked over another, a view of the repository): the folders on the target's way are
  also compared by device and inode with every folder of the protected ones, as the kernel shows them.
- something exists there that this tool did not write: a file is replaced only when it is
  empty or `previous` recognises it (`baseline` recognises its own earlier output byte for
  byte, so a system's predictions file is never taken for one), a folder only when it is
  empty or holds exactly the files its `MANIFEST` lists under the same header; a `.OUT.old`
  beside it, which the swap's recovery would remove, likewise.

Outside the repository any folder on the way may be a link (such as `/tmp` on some systems):
the user chose it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from ..layout import DATASET_DIR
from .files import OutputError, reason
from .swap import journal

__all__ = ["PROTECTED", "MANIFEST", "resolve", "check_file", "check_folder", "manifest", "is_previous_folder",
           "annotation_file"]

#: The repository's own folders: no output goes into them (`fix` and `build` have narrow ways of their own).
PROTECTED = ("annotations", "schema", DATASET_DIR, "src", "tests", ".git")
#: The file that marks a folder as written by this tool, listing its files.
MANIFEST = "MANIFEST"
#: An existing file larger than this is never taken for a previous output (nor read to find out).
_LARGEST_PREVIOUS = 64 * 2**20


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _git_dirs(root: Path) -> list[Path]:
    """The real git directory of the repository and, for a worktree, the common one."""
    dot = root / ".git"
    found = [dot]
    try:
        if dot.is_file() and not dot.is_symlink():
            line = dot.read_text(encoding="utf-8").splitlines()[0]
            if line.startswith("gitdir:"):
                git = Path(os.path.realpath(root / line[len("gitdir:"):].strip()))
                found.append(git)
                common = git / "commondir"
                if common.is_file():
                    found.append(Path(os.path.realpath(git / common.read_text(encoding="utf-8").strip())))
    except (OSError, UnicodeDecodeError, IndexError, ValueError):  # ValueError: a NUL in the named path
        pass
    return [Path(os.path.realpath(g)) for g in found]


def _enclosing_clones(root: Path) -> tuple[list[Path], list[Path]]:
    """(the repositories whose own folders are protected: `root` and every enclosing clone that holds a
    corpus (an `annotations/` folder), the git directories of `root` and of every enclosing clone). A
    clone above that is no corpus (a home folder kept in git) keeps its git directory protected, not
    its `src/` or `tests/`. From a linked worktree, the main worktree is such a clone too."""
    repositories, git_dirs = [root], _git_dirs(root)
    for folder in root.parents:
        try:
            os.lstat(folder / ".git")
        except OSError:
            continue
        git_dirs += _git_dirs(folder)
        if os.path.isdir(folder / "annotations"):
            repositories.append(folder)
    for git in git_dirs:  # a linked worktree's main worktree, beside the common git directory it names
        main = git.parent
        if git.name == ".git" and main not in repositories and os.path.isdir(main / "annotations"):
            repositories.append(main)
    return repositories, git_dirs


def resolve(path: str | os.PathLike, root: Path) -> Path:
    """The real location `path` names (missing components appended as written); raises
    OutputError for a link inside the repository or at the last component."""
    text = os.fspath(path)
    if not text:
        raise OutputError("the output path is empty; give a name")
    root = Path(os.path.realpath(root))
    repositories, git_dirs = _enclosing_clones(root)
    guarded = [*repositories, *git_dirs]
    given = Path(text)
    parts = given.parts[1:] if given.is_absolute() else given.parts
    here = Path(given.anchor) if given.is_absolute() else Path(os.path.realpath(os.getcwd()))
    for i, part in enumerate(parts):
        if part == "..":
            here = here.parent
            continue
        step = here / part
        try:
            mode = os.lstat(step).st_mode
        except (FileNotFoundError, NotADirectoryError):
            here = step
            continue
        except OSError as exc:
            raise OutputError(f"{text}: {reason(exc)}") from None
        if stat.S_ISLNK(mode):
            if i == len(parts) - 1:
                raise OutputError(f"{text}: is a symbolic link; outputs are never written through links "
                                  "(remove the link or choose another path)")
            if any(_inside(here, g) for g in guarded):
                raise OutputError(f"{text}: {step} is a symbolic link inside the repository; outputs are never "
                                  "written through links (give the real path)")
            here = Path(os.path.realpath(step))
        else:
            here = step
    _refuse_everywhere(text, here, repositories, git_dirs)
    _refuse_by_identity(text, here, repositories, git_dirs)
    return here


def _refuse_everywhere(text: str, real: Path, repositories: list[Path], git_dirs: list[Path]) -> None:
    """`_refuse_protected` as each repository (the root and the clones around it) judges `real`."""
    for repository in repositories:
        _refuse_protected(text, real, repository, git_dirs)


#: Folders known by device and inode, at the most, in the protected folders and, with a budget of their
#: own, in the git directories (whose object stores may hold tens of thousands): the tops are known first
#: whatever their number, then each tree is walked level by level, so a cap leaves out only the deepest.
_KNOWN_MAX = 20_000


def _known_folders(repositories: list[Path], git_dirs: list[Path]) -> dict[tuple[int, int], Path]:
    """Each repository, and each folder in its protected folders and in the git directories as the kernel
    shows them now (mounts inside included, never through a link), by device and inode → its real path.
    (A folder hidden under a later mount is not seen: a bind mount of it made before is not told apart.)"""
    # Looked at afresh each time, never kept: the second look, once the lock is held, must see a folder
    # made or mounted meanwhile, and a folder's inode may be taken again by another.
    known: dict[tuple[int, int], Path] = {}

    def note(path: Path) -> bool:
        try:
            st = os.lstat(path)  # of a mount point: the mounted file system's top
        except OSError:
            return False
        if not stat.S_ISDIR(st.st_mode):
            return False
        known.setdefault((st.st_dev, st.st_ino), path)
        return True

    def walk(tops: list[Path]) -> None:
        budget = len(known) + _KNOWN_MAX
        level = [top for top in tops if note(top)]
        while level and len(known) < budget:
            deeper = []
            for here in level:
                try:
                    with os.scandir(here) as entries:
                        folders = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
                except OSError:
                    continue
                deeper += [folder for folder in folders if note(folder)]
                if len(known) >= budget:
                    break
            level = deeper

    for repository in repositories:
        note(repository)
    gits = list(dict.fromkeys(git_dirs))
    protected = [r / name for name in PROTECTED for r in repositories if r / name not in gits]
    for path in (*protected, *gits):
        note(path)
    walk(protected)
    walk(gits)
    return known


def _refuse_by_identity(text: str, real: Path, repositories: list[Path], git_dirs: list[Path]) -> None:
    """The checks of `_refuse_protected` where the target reaches a repository, or a folder in its protected
    folders or git directories, under another name than its path (a bind mount of it or of a folder inside
    it, a mount moved or stacked, a view of the repository): the deepest existing folder on the target's way
    that is one of them, compared by device and inode as the kernel shows it now, is replaced by its own
    path, and the way from there is judged as every repository judges a path."""
    known = _known_folders(repositories, git_dirs)
    for folder in (real, *real.parents):
        try:
            st = os.lstat(folder)
        except OSError:  # not there yet (a new name), or not to be looked at: the path checks judge it
            continue
        same = known.get((st.st_dev, st.st_ino))
        if same is None:
            continue
        if same != folder:
            mapped = same.joinpath(*real.parts[len(folder.parts):])
            _refuse_everywhere(f"{text} (reached as {mapped})", mapped, repositories, git_dirs)
        return


def _refuse_protected(text: str, real: Path, root: Path, git_dirs: list[Path]) -> None:
    if _inside(root, real):
        raise OutputError(f"{text}: is the repository or a folder above it; give a path of its own")
    for name in PROTECTED:
        if _inside(real, root / name):
            raise OutputError(f"{text}: is inside {name}/ of the repository, where outputs are never written; "
                              "give a path outside it")
    first = real.relative_to(root).parts[:1] if _inside(real, root) else ()
    swapped = [name for name in PROTECTED if first and first[0].startswith(f".{name}.")]
    if swapped:  # `.dataset.old` and the like: a build would restore or remove what it found there
        raise OutputError(f"{text}: is where {swapped[0]}/ of the repository is swapped in and recovered; "
                          "give another path")
    if any(_inside(real, g) for g in git_dirs):
        raise OutputError(f"{text}: is inside the repository's git directory; give another path")


def _lstat(text: str, path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise OutputError(f"{text}: {reason(exc)}") from None


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISREG, "a regular file"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_file(path: str | os.PathLike, root: Path, previous: Callable[[bytes], bool], what: str) -> Path:
    """The real path a single-file output may be written to: new, empty, or recognised by
    `previous` as an earlier output of the same kind (`what` names it in the refusal)."""
    real = resolve(path, root)
    text = os.fspath(path)
    st = _lstat(text, real)
    if st is None:
        return real
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{text}: is {_kind(st.st_mode)}, not a regular file; choose another path")
    if st.st_size == 0:
        return real
    try:
        ours = st.st_size <= _LARGEST_PREVIOUS and previous(real.read_bytes())
    except OSError as exc:
        raise OutputError(f"{text}: {reason(exc)}") from None
    if not ours:
        raise OutputError(f"{text}: exists and is not {what}; nothing is overwritten "
                          "(remove it or choose another name)")
    return real


def manifest(header: str, files: dict[str, bytes]) -> bytes:
    """The MANIFEST of a folder output: its header line, then each file's SHA-256 and name, sorted by name
    (as `sha256sum` writes them)."""
    return "\n".join([header, *(f"{hashlib.sha256(files[name]).hexdigest()}  {name}" for name in sorted(files))]
                     ).encode("utf-8") + b"\n"


_LISTED = re.compile(r"([0-9a-f]{64})  (.+)")


def is_previous_folder(folder: Path, header: str) -> bool:
    """`folder` holds exactly the files its MANIFEST lists, under a header starting with `header`, each with
    the bytes it lists (a file edited by hand since, say an annotation added to an export in brat, makes
    it a folder of the user's), and no folder but theirs; nothing in it is a link. A MANIFEST of earlier
    versions lists names only: their files are taken on their names."""
    try:
        lines = (folder / MANIFEST).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if not lines or not (lines[0] == header or lines[0].startswith(header + " ")):
        return False
    digests = {}
    for line in lines[1:]:
        m = _LISTED.fullmatch(line)
        digests[m.group(2) if m else line] = m.group(1) if m else None
    listed = set(digests) | {MANIFEST}
    folders = {p.rsplit("/", i)[0] for p in listed for i in range(1, p.count("/") + 1)}
    present = set()
    for here, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(here) / name
            if path.is_symlink():
                return False
            present.add(path.relative_to(folder).as_posix())
    if present != listed | folders or not all((folder / p).is_file() for p in listed):
        return False
    try:
        return all(digest is None or hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
                   for name, digest in digests.items())
    except OSError:
        return False


def check_folder(path: str | os.PathLike, root: Path, header: str, what: str) -> Path:
    """The real path a folder output may be written to: new, empty, or an earlier output under
    `header` (see `is_previous_folder`); never the current folder or one above it, which the
    swap would move away from under the shell."""
    real = resolve(path, root)
    text = os.fspath(path)
    if _inside(Path(os.path.realpath(os.getcwd())), real):
        raise OutputError(f"{text}: is the current folder or above it; give a folder of its own")
    above = next((p for p in real.parents if _lstat(text, p) is not None), None)
    if above is not None and not above.is_dir():
        raise OutputError(f"{text}: {above} is not a folder, so {text} cannot be made")
    st = _lstat(text, real)
    real_old = journal(real)
    st_old = _lstat(text, real_old)
    if st is not None and st_old is not None:  # the swap would remove `.OUT.old`: only a leftover of ours
        _refuse_foreign(text, real_old, st_old, header, what)
    if st is None:  # an interrupted swap may have left the previous output aside; it is put back first
        if st_old is None:
            return real
        st, shown = st_old, real_old
    else:
        shown = real
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{text}: is {_kind(st.st_mode)}, not a folder; choose another path")
    if not _empty(text, shown) and not is_previous_folder(shown, header):
        raise OutputError(f"{text}: is not empty and not an unchanged previous {what}; "
                          "give a new or empty folder (nothing is overwritten)")
    return real


def _empty(text: str, folder: Path) -> bool:
    try:
        return not any(folder.iterdir())
    except OSError as exc:
        raise OutputError(f"{text}: {reason(exc)}") from None


def _refuse_foreign(text: str, old: Path, st: os.stat_result, header: str, what: str) -> None:
    """Refuse a `.OUT.old` beside an existing OUT unless it is what an interrupted swap leaves there:
    an earlier output under `header` (or an empty folder); the recovery would remove it."""
    if stat.S_ISDIR(st.st_mode) and (_empty(text, old) or is_previous_folder(old, header)):
        return
    raise OutputError(f"{text}: {old} is in the way and is not a leftover of an earlier {what}; "
                      "move it away (nothing is overwritten)")


def annotation_file(root: Path, rel: str) -> Path:
    """The path of an existing annotation file (`annotations/docs/<name>.yaml`) that `fix` may edit in
    place: every component from the root a real folder, the file itself a regular file."""
    parts = rel.split("/")
    if len(parts) != 3 or parts[:2] != ["annotations", "docs"] or not parts[2].endswith(".yaml") \
            or parts[2] in (".", "..", ".yaml"):
        raise OutputError(f"{rel}: only annotation files (annotations/docs/<id>.yaml) are edited in place")
    here = Path(root)
    for i, part in enumerate(parts):
        here = here / part
        st = _lstat(rel, here)
        if st is None:
            raise OutputError(f"{rel}: No such file or directory")
        want = stat.S_ISREG if i == len(parts) - 1 else stat.S_ISDIR
        if stat.S_ISLNK(st.st_mode):
            raise OutputError(f"{rel}: {here} is a symbolic link; annotation files are never edited through links")
        if not want(st.st_mode):
            raise OutputError(f"{rel}: {here} is {_kind(st.st_mode)}; it cannot be edited in place")
    return here
