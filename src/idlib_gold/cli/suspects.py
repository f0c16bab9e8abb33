"""`idlib-gold suspects PREDICTIONS…`: rank the gold's likely errors from systems' predictions.
Suspects are not findings: they ask for a human decision, so they never set the exit status."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import UsageError, emit, exit_code, note, root


def run(args) -> int:
    from ..checking.repository import load_checked
    from ..findings import has_errors
    from ..scoring.predictions import read_prediction_files
    from ..scoring.suspects import find_suspects, read_decisions, read_systems
    from ..scoring.suspects_report import checked_line, render_suspects

    repo = root(args.root)
    if (args.format == "html") != bool(args.out):
        raise UsageError("--format html writes review pages: give it with --out DIR (and --out only with it)")
    named, unreadable = read_prediction_files(args.predictions, repo)
    guard = {"root": repo, "kind": "idlib-gold suspects", "what": "suspects review"}
    if args.out:  # before the work, so a bad --out fails fast
        from ..outputs import check_folder

        check_folder(args.out, repo, guard["kind"], guard["what"])
    corpus, findings = load_checked(repo)
    if has_errors(findings) or unreadable:
        emit(findings + unreadable, "nothing ranked", "json" if args.format == "json" else "text")
        return exit_code(findings, unreadable=unreadable)
    systems, findings, split = read_systems(corpus.documents, named, args.split)
    suspects = find_suspects(corpus.documents, systems, read_decisions(repo), split)
    ranked = sorted((d for d in corpus.documents if split in (None, d.data["split"])), key=lambda d: d.id)
    if args.format != "html":
        sys.stdout.write(render_suspects(suspects, systems, ranked, findings, split, args.format))
        return exit_code(findings)
    from ..outputs import write_folder
    from ..review.suspect_pages import suspect_pages

    pages = suspect_pages(suspects, systems, ranked)
    files = {name: page.encode("utf-8") for name, page in pages.items()}
    note(write_folder(args.out, files, header=guard["kind"], by="suspects", **guard))
    emit(findings, checked_line(suspects, systems, len(ranked)) + f"; pages in {Path(args.out).as_posix()}/", "text")
    return exit_code(findings)
