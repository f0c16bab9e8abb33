"""`idlib-gold evaluate PREDICTIONS`: score a system's predictions against the gold."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .common import UsageError, emit, exit_code, root


def run(args) -> int:
    """Bad lines are findings, the rest is scored."""
    from ..checking.repository import load_checked
    from ..findings import has_errors
    from ..reading.files import read_bounded
    from ..scoring.evaluate import evaluate_file
    from ..scoring.predictions import PREDICTIONS_MAX_BYTES, relative_name
    from ..scoring.report import render_scores

    repo = root(args.root)
    if not os.path.lexists(args.predictions):  # a mistyped name is a usage error, not a finding
        raise UsageError(f"{args.predictions}: no such file")
    corpus, findings = load_checked(repo)
    if has_errors(findings):
        emit(findings, "evaluation stopped: the gold itself has errors", args.format)
        return exit_code(findings)
    path = Path(args.predictions)
    raw, unreadable = read_bounded(path, relative_name(path, repo), PREDICTIONS_MAX_BYTES, links=True)
    if raw is None:  # a missing, special or oversized file: nothing can be scored
        emit(unreadable, "nothing scored", args.format)
        return exit_code(unreadable, unreadable=unreadable)
    scores, findings = evaluate_file(corpus.documents, raw, relative_name(path, repo), args.split,
                                     args.input_format)
    checked = f"{len(scores['documents'])} document(s) scored"
    if scores["unpredicted"]:
        checked += f", {len(scores['unpredicted'])} of them with no prediction"
    if scores["split_from"] == "predictions":
        checked += f" (split {scores['split']}, the split the predictions cover)"
    if args.format in ("sarif", "github"):  # the predictions file's findings, on its lines
        emit(findings, checked, args.format)
    else:
        sys.stdout.write(render_scores(scores, findings, checked, args.format))
    return exit_code(findings)
