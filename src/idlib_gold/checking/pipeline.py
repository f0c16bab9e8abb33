"""The checking stage as one step: load the corpus through the schema gate, run every check.

The corpus loader (`reading/corpus.py`) knows nothing of the checks; this module
passes them in. The JSON Schema check is the loader's gate (a document that fails
it is not loaded), and each document's own cross-checks, its IG501 scan and its
shingles run where the document is read, which for a large corpus is a worker
process: done there, the work is shared out and the heavy intermediate values never
cross back to the parent. The corpus-wide checks and lints then read the results.
"""

from __future__ import annotations

from pathlib import Path

from ..findings import Finding
from ..layout import KB_FILE, Tree, doc_id_of_path
from ..reading.corpus import Corpus, Document, load_corpus
from . import schema
from .documents import check_document
from .lints import lint_unannotated

__all__ = ["prepare_document", "load", "documents_named"]


def prepare_document(doc: Document, kb_types: dict[str, str] | None) -> None:
    """The per-document work that runs where a document is read: its cross-checks, its IG501
    scan, and its shingles for the story measurement."""
    doc.checks = check_document(doc, kb_types)
    doc.unannotated = lint_unannotated(doc)
    doc.shingles  # noqa: B018 -- fills the cached property


def load(root: Path, only: list[str] | None = None, prepare: bool = True,
         tree: Tree = Tree()) -> tuple[Corpus, list[Finding]]:
    """The corpus (all documents, or the ids in `only`) with every schema-valid document loaded, and
    the findings of reading and of the schema; with `prepare`, each document's own checks have run
    too (`check_corpus` and `lint_corpus` then collect them). `tree` says where the files are."""
    return load_corpus(root, only, admit=schema.validate, prepare=prepare_document if prepare else None, tree=tree)


def documents_named(root: Path, paths: list[str]) -> list[str] | None:
    """The document ids that the files in `paths` belong to, or None when a path asks for the whole
    corpus (the KB, which every document references, or the annotations folder itself)."""
    rels = [Path(p).resolve().relative_to(root).as_posix() if Path(p).is_absolute() or Path(p).exists()
            else p for p in paths]
    if KB_FILE in rels or any(r in ("annotations", "annotations/", ".") for r in rels):
        return None
    return sorted({i for i in (doc_id_of_path(r) for r in rels) if i})
