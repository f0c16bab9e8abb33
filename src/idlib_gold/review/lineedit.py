"""Editing an annotation file's text in place, line by line, so a diff shows only the change.

Re-dumping the YAML would rewrite every line: comments, key order, quoting and the one
flow mapping per annotation of the house style would all be lost. So a fix edits the
characters of one value where the reader says it was written (`Loaded.where`, 1-based
line and column in code points), or moves whole annotation lines. Each edit first checks
that the characters it replaces read back as the value it expects; the caller re-reads
the whole edited file and compares it with the data it meant to write before saving.
Writing is atomic and guarded (`outputs.edit_in_place`).

Why not a round-tripping YAML library: see docs/decisions/0007-fixes-edit-lines-in-place.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..outputs.files import replace_file

__all__ = ["Edit", "split_lines", "scalar_extent", "apply_edits", "quoted", "refuse_reason", "scratch_copy"]

# The line breaks YAML counts (PyYAML and libyaml alike): positions are in these lines.
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_INT = re.compile(r"-?\d+")
_PLAIN_END = re.compile(r"[,}\]]|\s#")


def split_lines(text: str) -> list[str]:
    """The text as YAML's lines, each with its line break (joined back, they give the text)."""
    lines, at = [], 0
    for m in _BREAK.finditer(text):
        lines.append(text[at:m.end()])
        at = m.end()
    if at < len(text):
        lines.append(text[at:])
    return lines


def scalar_extent(line: str, col: int) -> int | None:
    """The end (exclusive index in `line`) of the flow scalar that starts at index `col`."""
    if col >= len(line):
        return None
    first = line[col]
    if first == '"':
        i = col + 1
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == '"':
                return i + 1
            i += 1
        return None
    if first == "'":
        i = col + 1
        while i < len(line):
            if line[i] == "'":
                if line[i + 1:i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        return None
    m = _PLAIN_END.search(line, col)
    end = m.start() if m else len(line.rstrip("\r\n"))
    return col + len(line[col:end].rstrip())


@dataclass(frozen=True)
class Edit:
    """Replace the scalar at (line, col), which must read as `old`, with the YAML text `new`."""

    line: int  # 1-based, as the reader gives it
    col: int  # 1-based, in code points
    old: object
    new: str


def _reads_as(token: str, value: object) -> bool:
    try:
        return yaml.safe_load("[" + token + "]") == [value]
    except yaml.YAMLError:
        return False


def apply_edits(lines: list[str], edits: list[Edit]) -> list[str] | None:
    """`lines` with every edit made, or None when an edit does not find the value it expects there."""
    out = list(lines)
    for e in sorted(edits, key=lambda e: (e.line, -e.col)):  # right to left: earlier columns stay put
        if not 1 <= e.line <= len(out):
            return None
        line, at = out[e.line - 1], e.col - 1
        if isinstance(e.old, int) and not isinstance(e.old, bool):
            m = _INT.match(line, at)
            end = m.end() if m else None
        else:
            end = scalar_extent(line, at)
        if end is None or not _reads_as(line[at:end], e.old):
            return None
        out[e.line - 1] = line[:at] + e.new + line[end:]
    return out


def quoted(text: str) -> str:
    """A span text as the house style writes it: double-quoted with JSON's escapes (valid YAML), and the
    characters YAML would read as a line break (NEL, LS, PS) escaped, since JSON leaves them raw."""
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("\x85", "\\x85").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def refuse_reason(path: Path, follow: bool = False) -> str | None:
    """Why fix must not write `path` (or, with `follow`, read it): a symbolic link (unless followed) or
    anything but a regular file, such as a named pipe, which would block a reader; None if fine."""
    try:
        mode = (os.stat if follow else os.lstat)(path).st_mode
    except FileNotFoundError:
        return None  # reported by the reader as a missing file
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    return None


def scratch_copy(root: Path, dest: Path, replaced: dict[str, str]) -> None:
    """The annotations as they would be after fixing, under `dest`, for `--dry-run` to validate: the
    regular files of annotations/ (symbolic links as links; pipes and devices are left out, as copying
    one would block), with the files in `replaced` (repository-relative path → text) written anew."""
    source = root / "annotations"
    for folder, dirs, files in os.walk(source):
        here = Path(folder)
        target = dest / here.relative_to(root)
        target.mkdir(parents=True, exist_ok=True)
        for name in files + [d for d in dirs if (here / d).is_symlink()]:
            path = here / name
            if path.is_symlink():
                os.symlink(os.readlink(path), target / name)
            elif path.is_file():
                shutil.copyfile(path, target / name)
    for rel, text in replaced.items():  # through the one writer, like every file the tool writes
        replace_file(dest / rel, text.encode("utf-8"))
