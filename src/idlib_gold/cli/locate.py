"""`idlib-gold locate ID STRING`: where a string occurs in a text, to write a span by hand."""

from __future__ import annotations

from .common import UsageError, emit, exit_code, root


def run(args) -> int:
    from ..layout import ID_PATTERN, TEXTS
    from ..reading.files import read_text
    from ..text.spans import find_all

    repo = root(args.root)
    if not ID_PATTERN.match(args.doc_id):  # an id, never a path: no file outside annotations/texts is read
        raise UsageError(f"{args.doc_id!r} is not a document id (the stem of {TEXTS}/<id>.txt)")
    rel = f"{TEXTS}/{args.doc_id}.txt"
    text, _, findings = read_text(repo / rel, rel)
    if text is None:
        emit(findings, "nothing located", "text")
        return exit_code(findings, unreadable=findings)
    hits = find_all(text, args.string)
    for start in hits:
        end = start + len(args.string)
        context = text[max(0, start - 30):end + 30].replace("\n", " ")
        print(f"start: {start}, end: {end}, text: {args.string!r}   …{context}…")
    if not hits:
        print(f"{args.string!r} does not occur in {rel}")
    return exit_code([], found_nothing=not hits)
