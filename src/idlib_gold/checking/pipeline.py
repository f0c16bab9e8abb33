"""The checking stage as one step: load the corpus through the schema gate, run every check.

The corpus loader (`reading/corpus.py`) knows nothing of the checks; this module
passes them in. The JSON Schema check is the loader's gate (a document that fails
it is not loaded), and each document's own cross-checks, its IG501 scan and its
shingles run where the document is read, which for a large corpus is a worker
process: done there, the work is shared out and the heavy intermediate values never
cross back to the parent. The corpus-wide checks and lints then read the results.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from functools import partial
from pathlib import Path

from ..findings import Finding
from ..layout import DOCS, KB_FILE, TEXTS, Tree
from ..reading.corpus import Corpus, Document, Packed, load_corpus
from ..reading.files import Loaded
from ..text.tokens import Tokens
from . import schema
from .documents import check_document
from .lints import lint_unannotated, own_sentences

__all__ = ["prepare_document", "KeptChecks", "load", "documents_named", "relative_path"]


def prepare_document(doc: Document, kb_types: dict[str, str] | None, cache=None, tokens: bool = True) -> None:
    """The per-document work that runs where a document is read: its cross-checks, its IG501
    scan, the sentences IG503 compares, and its shingles for the story measurement.

    With a parse cache (building/parsecache.py), the results are kept under the document's own
    inputs (`_material`), and the cache binds them to everything else they depend on (the schema
    files, this package's code, the library versions); the loader looks them up first
    (`KeptChecks`), so a document whose inputs are unchanged is neither gated nor checked again.
    With `tokens`, the document is tokenized here, where it is read, and its tokens kept with it; without,
    they are not kept on it (a caller that writes no `ner` rows does not carry 7 KB a document back from
    the workers), and the text is tokenized only if a span edge may cut a token (`check_token_edges`)."""
    doc.checks = check_document(doc, kb_types)
    doc.unannotated = lint_unannotated(doc)
    doc.sentences = own_sentences(doc)
    doc.shingles  # noqa: B018 -- fills the cached property
    if tokens:
        doc.tokens  # noqa: B018 -- the `ner` rows need them, and the checks may not have tokenized the text
    if cache is not None:
        inputs = _inputs(doc, kb_types)
        results = _results(doc) if inputs is not None else None
        if results is not None:
            cache.put_checked(inputs, results)
    if not tokens:
        doc.__dict__.pop("tokens", None)


class KeptChecks:
    """The loader's `Kept` (reading/corpus.py) over a parse cache: a document whose parse and whose
    check results are both kept for its exact inputs is made from them, with no schema check and no
    checks run. The results are kept only for a document the schema admitted (`prepare_document`
    runs on no other), under a digest of its id, path and both files' bytes and of the schema files
    and this package's code (`stamp.checks_context`): the same inputs were admitted before."""

    def __init__(self, cache, tokens: bool = True):
        self.cache, self.tokens = cache, tokens
        self.root = os.path.abspath(cache.root)  # where a kept document's file is read again (`Loaded.origin`)

    def find(self, doc_id: str, rel: str, size: int, digest: bytes, raw: bytes,
             kb_types: dict[str, str] | None) -> tuple[bytes, bytes] | None:
        checked = self.cache.get_checked_packed(_material(doc_id, rel, digest, hashlib.sha256(raw).digest(), kb_types))
        if checked is None:
            return None
        parsed = self.cache.get_packed(size, digest)
        return None if parsed is None else (parsed, checked)

    def document(self, packed: Packed) -> Document | None:
        found = self.cache.unpack(packed.parsed)
        if found is None:
            return None
        origin = os.path.join(self.root, packed.rel)  # the file its digest was read from
        doc = Document(packed.id, packed.rel, packed.text, None, Loaded(*found, None, packed.digest, origin))
        if not _restore(doc, self.cache.loads(packed.kept)):
            return None
        if not self.tokens:
            doc.__dict__.pop("tokens", None)
        return doc


_RESULTS_FORMAT = "document checks 6"
_kb_digests: dict[int, tuple[object, bytes]] = {}


def _kb_digest(kb_types: dict[str, str] | None) -> bytes:
    """A digest of the KB's id → type map, made once for each map the loader hands out."""
    found = _kb_digests.get(id(kb_types))
    if found is None or found[0] is not kb_types:
        listed = "none" if kb_types is None else repr(sorted(kb_types.items()))
        found = (kb_types, hashlib.sha256(listed.encode("utf-8", "surrogatepass")).digest())
        _kb_digests.clear()  # one map at a time: the loader hands one to each chunk of documents
        _kb_digests[id(kb_types)] = found
    return found[1]


def _inputs(doc: Document, kb_types: dict[str, str] | None) -> bytes | None:
    """A document's own inputs to its checks: where it is, the bytes of its two files, the KB's types."""
    if doc.loaded.digest is None:
        return None
    return _material(doc.id, doc.rel, doc.loaded.digest, hashlib.sha256(doc.raw).digest(), kb_types)


def _material(doc_id: str, rel: str, yaml_digest: bytes, text_digest: bytes, kb_types: dict[str, str] | None) -> bytes:
    """The key of a document's kept results (the cache binds it to the schema files and folder in use,
    the package and the library versions)."""
    where = f"{_RESULTS_FORMAT}\0{doc_id}\0{rel}\0".encode("utf-8", "surrogatepass")
    return where + yaml_digest + text_digest + _kb_digest(kb_types)


def _finding_fields(f: Finding) -> tuple:
    return (f.code, f.message, f.path, f.line, f.col, f.annotation, f.hint, f.severity, f.involves)


def _results(doc: Document) -> tuple | None:
    """What `prepare_document` keeps: the findings as plain fields, the sentences, the shingles and
    the token offsets."""
    if any(f.caused for f in doc.checks + doc.unannotated):
        return None  # findings are folded later; one that already carries others is not kept
    tokens = doc.__dict__.get("tokens")
    return ([_finding_fields(f) for f in doc.checks], [_finding_fields(f) for f in doc.unannotated],
            doc.sentences.tobytes(), doc.shingles.tobytes(),
            None if tokens is None else (tokens.starts.tobytes(), tokens.ends.tobytes()))


def _restore(doc: Document, kept) -> bool:
    """Put kept results on `doc`; False when they are not in the shape `_results` gives."""
    if kept is None:
        return False
    try:
        checks, unannotated, sentences, shingles, tokens = kept
        doc.checks = [Finding(*fields[:8], involves=tuple(fields[8])) for fields in checks]
        doc.unannotated = [Finding(*fields[:8], involves=tuple(fields[8])) for fields in unannotated]
        doc.sentences = array("Q", sentences)
        doc.__dict__["shingles"] = array("q", shingles)
        if tokens is not None:
            doc.__dict__["tokens"] = Tokens.from_arrays(array("i", tokens[0]), array("i", tokens[1]))
        return True
    except (TypeError, ValueError):  # signed by this clone, so never expected: checked again
        doc.checks = doc.unannotated = doc.sentences = None
        doc.__dict__.pop("tokens", None)
        doc.__dict__.pop("shingles", None)
        return False


def load(root: Path, only: list[str] | None = None, prepare: bool = True,
         tree: Tree = Tree(), cache=None, tokens: bool = True) -> tuple[Corpus, list[Finding]]:
    """The corpus (all documents, or the ids in `only`) with every schema-valid document loaded, and
    the findings of reading and of the schema; with `prepare`, each document's own checks have run
    too (`check_corpus` and `lint_corpus` then collect them). `tree` says where the files are;
    `cache` is a parse cache for the document files and the results of their checks
    (building/parsecache.py), or None; `tokens`: keep each document's tokens (see `prepare_document`)."""
    prepared = partial(prepare_document, cache=cache, tokens=tokens) if prepare else None
    kept = KeptChecks(cache, tokens) if prepare and cache is not None else None
    return load_corpus(root, only, admit=schema.validate, prepare=prepared, tree=tree, cache=cache, kept=kept)


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
