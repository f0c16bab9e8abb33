"""`idlib-gold agree DIR_A DIR_B`: inter-annotator agreement of two annotation trees of the same texts."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import emit, exit_code, repository


def run(args) -> int:
    from ..scoring.agreement_report import render_agreement
    from ..scoring.tree_agreement import agree_trees

    repo = repository(args.root)
    scores, findings, checked = agree_trees(args.dir_a, args.dir_b, repo or Path.cwd().resolve(), repo)
    if scores is None or args.format in ("sarif", "github"):
        emit(findings, checked, args.format if args.format != "markdown" else "text")
    else:
        sys.stdout.write(render_agreement(scores, findings, checked, args.format, args.detail))
    return exit_code(findings)
