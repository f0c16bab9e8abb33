"""What every command shares: finding the repository, the exit-code rule, and the one place findings
are rendered for the terminal.

The exit-code rule, for every command: 0 clean; 1 findings (an error, or with `--strict` a warning);
2 usage (a bad argument, a target the tool must not write, a schema file the rules cannot be read
from, or a file named on the command line that cannot be read at all, whose findings are still
shown). A command returns `exit_code(...)` or raises a UsageError; nothing else picks a status.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError
from ..findings import Finding, has_errors

__all__ = ["UsageError", "root", "repository", "emit", "note", "exit_code", "need_build_dependencies",
           "BUILD_DEPENDENCIES", "card_agreement"]

#: What `build`, `check` and `validate --parquet` need beyond the validator: the `build` extra.
BUILD_DEPENDENCIES = ("pyarrow", "pandas", "pandera", "polars", "datasets")


def root(arg: str | None) -> Path:
    """The repository root: --root, else the nearest folder upwards that has annotations/. Its own
    schema/, where it has one, is what it is validated against (vocabulary.use_repository)."""
    from ..vocabulary import use_repository

    if arg:
        found = Path(arg)
        if not (found / "annotations").is_dir():
            raise UsageError(f"{found} has no annotations/ folder")
        use_repository(found.resolve())
        return found.resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "annotations").is_dir():
            use_repository(folder)
            return folder
    raise UsageError("no annotations/ folder here or above; run inside the repository or pass --root")


def repository(arg: str | None) -> Path | None:
    """The repository root, or None where there is none (agree and diff can compare two folders alone)."""
    try:
        return root(arg)
    except UsageError:
        if arg:
            raise
        return None


def exit_code(findings: list[Finding], strict: bool = False, unreadable: list[Finding] | None = None,
              found_nothing: bool = False) -> int:
    """0 clean; 1 when a finding is an error (or, with `strict`, when there is any finding), or when a
    search found nothing (`locate` of a string the text does not hold: no span can be written from
    it); 2 when a file named on the command line could not be read at all (`unreadable`)."""
    if unreadable:
        return 2
    return 1 if has_errors(findings) or (strict and findings) or found_nothing else 0


def emit(findings: list[Finding], checked: str, fmt: str) -> None:
    """Findings to standard output in one of report.FORMATS; any other name is a programming error."""
    from ..report import render

    sys.stdout.write(render(findings, checked, fmt))


def note(notes: list[str]) -> None:
    """What a command did beside its job (an interrupted build recovered), on standard error."""
    for line in notes:
        print(f"idlib-gold: note: {line}", file=sys.stderr)


def need_build_dependencies(command: str) -> None:
    """A usage error naming the extra when the build dependencies are not installed (the light
    install that the pre-commit hook uses has only what validation needs)."""
    from importlib.util import find_spec

    missing = [name for name in BUILD_DEPENDENCIES if find_spec(name) is None]
    if missing:
        raise UsageError(f"`idlib-gold {command}` needs the build dependencies, which are not installed "
                         f"(missing: {', '.join(missing)}); install them in the idlib-gold checkout with: "
                         f"pip install '.[build]'")


def card_agreement(root: Path, corpus):
    """The dataset card's agreement figures (`build`, `check`), imported only when a build or a full
    comparison needs them: a `check` the stamp answers never loads the scoring stage (10 ms)."""
    from ..scoring.tree_agreement import card_agreement as of_trees

    return of_trees(root, corpus)
