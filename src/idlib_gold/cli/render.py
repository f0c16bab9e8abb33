"""`idlib-gold render --out DIR [ID…]`: static review pages, one per document and index.html."""

from __future__ import annotations

from pathlib import Path

from .common import UsageError, exit_code, note, root


def run(args) -> int:
    from ..outputs import check_folder, write_folder
    from ..review.pages import render_pages

    repo = root(args.root)
    guard = {"root": repo, "kind": "idlib-gold render", "what": "rendering"}
    check_folder(args.out, repo, guard["kind"], guard["what"])
    pages, unknown = render_pages(repo, args.doc_ids or None)
    if unknown:
        raise UsageError(f"no document {', '.join(unknown)} in {repo.name}/annotations")
    files = {name: page.encode("utf-8") for name, page in pages.items()}
    note(write_folder(args.out, files, header=guard["kind"], by="render", **guard))
    print(f"wrote {len(pages) - 1} document page(s) and index.html to {Path(args.out).as_posix()}/")
    return exit_code([])  # the pages show the findings; rendering them is the job
