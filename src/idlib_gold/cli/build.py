"""`idlib-gold build`: validate, then write dataset/ (swapped in whole)."""

from __future__ import annotations

import sys

from .common import card_agreement, emit, exit_code, need_build_dependencies, note, root


def run(args) -> int:
    from ..building.dataset import build_dataset
    from ..layout import DATASET_DIR

    repo = root(args.root)
    need_build_dependencies("build")
    built = build_dataset(repo, card_agreement, lambda findings: bool(exit_code(findings, args.strict)))
    note(built.notes)
    for report in built.reports:  # what stopped the build, or the warnings it went on with
        emit(report.findings, report.checked, args.format)
    if built.written is None:
        return exit_code(built.findings, args.strict)
    done = f"{'wrote' if built.written else 'unchanged:'} {DATASET_DIR}/ ({built.files} files)"
    if args.format in ("sarif", "github"):  # stdout stays one log for tools; the news goes to stderr
        if not built.reports:
            emit([], done, args.format)
        print(done, file=sys.stderr)
    else:
        print(done)
    return exit_code(built.findings, args.strict)
