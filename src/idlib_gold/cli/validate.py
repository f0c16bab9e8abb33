"""`idlib-gold validate [PATH…] [--parquet DIR] [--stale-dataset …]`: the annotator's check."""

from __future__ import annotations

from pathlib import Path

from .common import UsageError, emit, exit_code, need_build_dependencies, repository, root


def run(args) -> int:
    from ..checking.repository import validate_repository

    # A received dataset folder alone needs no repository: its tables are checked against the packaged
    # schema's vocabulary where no annotations/ folder is found here or above.
    alone = args.parquet is not None and not args.paths and args.stale_dataset == "off"
    repo = repository(args.root) if alone else root(args.root)
    if repo is None:
        from ..vocabulary import use_repository

        use_repository(None)  # the packaged schemas
    findings, checked = [], ""
    if args.parquet is None or args.paths:
        cache = None
        if not args.paths:  # the whole corpus: what a build parsed is read, never written (parsecache.py)
            from ..building.parsecache import parse_cache

            cache = parse_cache(repo, write=False)
        findings, checked = validate_repository(repo, args.paths or None, cache=cache)
    if args.stale_dataset != "off":
        from ..building.freshness import not_rebuilt

        findings += not_rebuilt(repo, args.stale_dataset)
    if args.parquet is not None:
        need_build_dependencies("validate --parquet")
        from ..checking.tables import validate_folder

        folder = Path(args.parquet)
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder")
        more, what = validate_folder(folder)
        findings += more
        checked = "; ".join(x for x in (checked, what) if x)
    emit(findings, checked, args.format)
    return exit_code(findings, args.strict)
