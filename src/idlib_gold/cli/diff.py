"""`idlib-gold diff [REV_A [REV_B]]`: the annotation-level changes between two revisions, a revision
and the working tree, or two folders. Changes are the answer, not findings: the exit status says
only whether both sides could be read (1 when a side's files have errors)."""

from __future__ import annotations

import sys

from .common import UsageError, exit_code, repository


def run(args) -> int:
    from ..reading.trees import snapshots
    from ..review.diff import compare
    from ..review.diffreport import render_diff

    if len(args.revisions) > 2:
        raise UsageError("diff takes at most two revisions (or two folders)")
    old, new = snapshots(args.revisions, args.after_dashes, repository(args.root))
    diff = compare(old, new)
    sys.stdout.write(render_diff(diff, args.format))
    return exit_code(diff.findings)
