"""`idlib-gold fix [PATH…] [--dry-run]`: apply the fixes that are certain, say what changed and what
was left, then validate again."""

from __future__ import annotations

import sys

from .common import emit, exit_code, root


def run(args) -> int:
    import difflib

    from ..review.fix import fix_repository, fix_targets, validate_after

    repo = root(args.root)
    ids = fix_targets(repo, args.paths)
    results = fix_repository(repo, ids, args.dry_run)
    changed = [r for r in results if r.after != r.before]
    for r in results:
        print("".join(f"{'would fix' if args.dry_run else 'fixed'}: {line}\n" for line in r.changed), end="")
    for r in results:
        print("".join(f"left: {line}\n" for line in r.left), end="")
    print(f"{sum(len(r.changed) for r in results)} fix(es) in {len(changed)} file(s)"
          f"{' (dry run: nothing written)' if args.dry_run else ''}; {sum(len(r.left) for r in results)} left")
    if args.dry_run:
        for r in changed:
            sys.stdout.writelines(difflib.unified_diff(r.before.splitlines(keepends=True),
                                                       r.after.splitlines(keepends=True), f"a/{r.rel}", f"b/{r.rel}"))
    findings, checked = validate_after(repo, ids if args.paths else None, results, args.dry_run)
    emit(findings, checked, "text")
    return exit_code(findings, args.strict)
