"""The checking stage as one step: load the corpus through the schema gate, run every check.

The corpus loader (`reading/corpus.py`) knows nothing of the checks; this module
passes them in. The JSON Schema check is the loader's gate (a document that fails
it is not loaded), and each document's own cross-checks, its IG501 scan and its
shingles run where the document is read, which for a large corpus is a worker
process: done there, the work is shared out and the heavy intermediate values never
cross back to the parent. The corpus-wide checks and lints then read the results.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..findings import Finding
from ..layout import DOCS, KB_FILE, TEXTS, Tree
from ..reading.corpus import Corpus, Document, load_corpus
from . import schema
from .documents import check_document
from .lints import lint_unannotated, own_sentences

__all__ = ["prepare_document", "load", "documents_named", "relative_path"]


def prepare_document(doc: Document, kb_types: dict[str, str] | None) -> None:
    """The per-document work that runs where a document is read: its cross-checks, its IG501
    scan, the sentences IG503 compares, and its shingles for the story measurement."""
    doc.checks = check_document(doc, kb_types)
    doc.unannotated = lint_unannotated(doc)
    doc.sentences = own_sentences(doc)
    doc.shingles  # noqa: B018 -- fills the cached property


def load(root: Path, only: list[str] | None = None, prepare: bool = True,
         tree: Tree = Tree(), cache=None) -> tuple[Corpus, list[Finding]]:
    """The corpus (all documents, or the ids in `only`) with every schema-valid document loaded, and
    the findings of reading and of the schema; with `prepare`, each document's own checks have run
    too (`check_corpus` and `lint_corpus` then collect them). `tree` says where the files are;
    `cache` is a parse cache for the document files (building/parsecache.py), or None."""
    return load_corpus(root, only, admit=schema.validate, prepare=prepare_document if prepare else None, tree=tree,
                       cache=cache)


#: Folders that stand for the whole corpus when given as a path: what a user means by them.
_WHOLE = (".", "annotations", DOCS, TEXTS)
_WHAT = f"an annotation file ({DOCS}/<id>.yaml, {TEXTS}/<id>.txt or {KB_FILE}) or the folder annotations/"


def relative_path(root: Path, given: str) -> tuple[str | None, str | None]:
    """A path as given on the command line → (repository-relative path, None) or (None, why not).

    A relative path is taken from the current folder, else from the repository root (--root)."""
    path = Path(given)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, root / path]
    found = next((c for c in candidates if os.path.lexists(c)), None)
    if found is None:
        return None, f"{given}: no such file"
    absolute = Path(os.path.abspath(found))
    for base in (root, root.resolve()):
        try:
            return absolute.relative_to(base).as_posix() or ".", None
        except ValueError:
            pass
    try:  # reached through a link to the repository: compare the real paths
        return absolute.resolve().relative_to(root.resolve()).as_posix() or ".", None
    except (ValueError, OSError, RuntimeError):
        return None, f"{given}: outside the repository {root}; give {_WHAT}"


def documents_named(root: Path, paths: list[str]) -> tuple[list[str] | None, list[str]]:
    """(the document ids the files in `paths` belong to, or None when a path asks for the whole
    corpus (the KB, which every document references, or an annotations folder); and why each path
    that names no annotation file was refused). Validating such a path would check nothing and
    pass, so the caller treats any refusal as a usage error."""
    ids, whole, refused = set(), False, []
    for given in paths:
        rel, why = relative_path(root, given)
        if rel is None:
            refused.append(why)
            continue
        rel = rel.rstrip("/") or "."
        parent, name = rel.rpartition("/")[0], rel.rpartition("/")[2]
        if rel in _WHOLE or rel == KB_FILE:
            whole = True
        elif (parent, Path(name).suffix) in ((DOCS, ".yaml"), (TEXTS, ".txt")) and Path(name).stem:
            ids.add(Path(name).stem)
        else:
            refused.append(f"{given}: not {_WHAT}")
    return (None if whole else sorted(ids)), refused
