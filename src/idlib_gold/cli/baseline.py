"""`idlib-gold baseline KIND --out FILE`: a reference baseline's predictions, ready for `evaluate`."""

from __future__ import annotations

from pathlib import Path

from .common import emit, exit_code, root


def run(args) -> int:
    from ..checking import pipeline
    from ..findings import has_errors
    from ..outputs import check_file, write_file
    from ..scoring.baselines import baseline_lines, is_baseline_output

    repo = root(args.root)
    corpus, findings = pipeline.load(repo, prepare=False)
    if has_errors(findings):
        emit(findings, "baseline not written: the corpus has errors", "text")
        return exit_code(findings)
    guard = {"root": repo, "previous": lambda data: is_baseline_output(data, args.kind),
             "what": f"an earlier `baseline {args.kind}` output"}
    check_file(args.out, **guard)  # before the work, so a bad --out fails fast
    lines = baseline_lines(args.kind, corpus.documents)
    write_file(args.out, "".join(lines).encode("utf-8"), **guard)
    print(f"wrote {Path(args.out).as_posix()}: {args.kind} predictions for {len(lines)} document(s)")
    return exit_code(findings)
