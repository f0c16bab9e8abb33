"""`idlib-gold export --format F OUT`: the checked gold as files for training tools."""

from __future__ import annotations

from pathlib import Path

from .common import UsageError, emit, exit_code, note, root


def run(args) -> int:
    """A corpus with errors is refused before anything is written."""
    from ..checking.repository import load_checked
    from ..exporting import render_export
    from ..findings import has_errors
    from ..outputs import MANIFEST, check_folder, write_folder

    repo = root(args.root)
    if not args.out:
        raise UsageError("OUT is empty; give a folder name")
    out = Path(args.out)
    guard = {"root": repo, "kind": "idlib-gold export", "what": "export"}
    check_folder(args.out, repo, guard["kind"], guard["what"])
    corpus, findings = load_checked(repo)
    if has_errors(findings):
        emit(findings, f"export stopped: the corpus has errors; {out.as_posix()} left unchanged", "text")
        return exit_code(findings)
    files = render_export(args.format, corpus)
    note(write_folder(args.out, files, header=f"idlib-gold export --format {args.format}", by="export", **guard))
    print(f"wrote {out.as_posix()}/: {args.format}, {len(corpus.documents)} document(s), "
          f"{len(files)} file(s) and {MANIFEST}")
    return exit_code(findings)
