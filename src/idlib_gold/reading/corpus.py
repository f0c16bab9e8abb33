"""The annotation repository as data: texts, document files and the knowledge base.

Loading runs the first two levels of validation (reading, JSON Schema) because
later code relies on their guarantees: a document that passes them has every
field with the right type, so the cross-checks and the build need no defensive
code. A document that fails them is reported and left out of later stages.
"""

from __future__ import annotations

import gc
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import schema
from .findings import Finding
from .reading import Loaded, read_text, read_yaml

__all__ = ["Document", "Corpus", "load_corpus", "ID_PATTERN", "TEXTS", "DOCS", "KB_FILE"]

TEXTS = "annotations/texts"
DOCS = "annotations/docs"
KB_FILE = "annotations/kb.yaml"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(eq=False)  # identity: two loaded documents are never "equal" by comparing whole texts
class Document:
    """One schema-valid document: its text, its parsed YAML, and where each value was written."""

    id: str
    rel: str  # repository-relative path of the YAML file
    text: str
    raw: bytes
    loaded: Loaded

    @property
    def data(self) -> dict:
        return self.loaded.data

    def where(self, *path) -> tuple[int | None, int | None]:
        return self.loaded.where(tuple(path))

    #: Findings of the per-document cross-checks, when they were run where the file was read.
    checks: list[Finding] | None = None

    # What later stages compute from one document alone is cached on it: computed once, and,
    # for a large corpus, computed in the worker process that read the file (see `prepare`).

    @cached_property
    def tokens(self):
        """The text's tokens under the `ner` rule (ner.Tokens)."""
        from .ner import Tokens

        return Tokens(self.text)

    @cached_property
    def shingles(self):
        """The text's word-shingle hashes for the story measurement (stories.shingle_keys)."""
        from .stories import shingle_keys

        return shingle_keys(self.text)

    @cached_property
    def unannotated(self) -> list[Finding]:
        """IG501 findings: annotated strings left bare elsewhere in this document."""
        from .lints import lint_unannotated

        return lint_unannotated(self)

    def prepare(self, kb_types: dict[str, str] | None) -> None:
        """Run the per-document cross-checks and fill the caches above."""
        from .checks import check_document

        self.checks = check_document(self, kb_types)
        for cache in ("shingles", "unannotated"):
            getattr(self, cache)


@dataclass
class Corpus:
    root: Path
    documents: list[Document] = field(default_factory=list)
    kb: Loaded | None = None
    complete: bool = True  # False when only some documents were loaded (validate PATHS…)
    _stories: object = field(default=None, repr=False, compare=False)

    @property
    def kb_entries(self) -> list[dict]:
        return list(self.kb.data["entries"]) if self.kb else []

    def stories(self):
        """The measured overlaps and stories (stories.measure), computed once: the checks, the split
        rule and the card all read them, and measuring is the costliest pass over the texts."""
        if self._stories is None:
            from .stories import measure_shingles

            self._stories = measure_shingles({d.id: d.shingles for d in self.documents})
        return self._stories


def _doc_ids(root: Path) -> list[str]:
    stems = {p.stem for p in (root / DOCS).glob("*.yaml")} | {p.stem for p in (root / TEXTS).glob("*.txt")}
    return sorted(stems)


def load_kb(root: Path) -> tuple[Loaded | None, list[Finding]]:
    loaded, findings = read_yaml(root / KB_FILE, KB_FILE)
    if loaded is None:
        return None, findings
    findings = schema.validate(loaded, KB_FILE, schema.KB)
    return (loaded if not findings else None), findings


def load_document(root: Path, doc_id: str) -> tuple[Document | None, list[Finding]]:
    rel_yaml, rel_text = f"{DOCS}/{doc_id}.yaml", f"{TEXTS}/{doc_id}.txt"
    findings: list[Finding] = []
    if not ID_PATTERN.match(doc_id):
        return None, [Finding("IG303", f"file name {doc_id!r} is not a safe document id", rel_yaml,
                              hint="rename to lower-case letters, digits, '_' and '-' (at most 64)")]
    yaml_exists, text_exists = (root / rel_yaml).exists(), (root / rel_text).exists()
    if not yaml_exists or not text_exists:
        missing, present = (rel_yaml, rel_text) if not yaml_exists else (rel_text, rel_yaml)
        return None, [Finding("IG316", f"{present} has no {missing}", present,
                              hint="every text needs its annotation file and the reverse")]
    text, raw, text_findings = read_text(root / rel_text, rel_text)
    loaded, yaml_findings = read_yaml(root / rel_yaml, rel_yaml)
    findings = text_findings + yaml_findings
    if loaded is None or text is None:
        return None, findings
    invalid = schema.validate(loaded, rel_yaml)
    if invalid:
        return None, findings + invalid
    return Document(doc_id, rel_yaml, text, raw, loaded), findings


def doc_id_of_path(path: str) -> str | None:
    p = Path(path)
    if p.suffix in (".yaml", ".txt") and p.parent.name in ("docs", "texts"):
        return p.stem
    return None


def load_corpus(root: Path, only: list[str] | None = None, prepare: bool = False) -> tuple[Corpus, list[Finding]]:
    """Load the KB and the documents (all, or the ids in `only`); with `prepare`, also run each
    document's own cross-checks and fill its caches (Document.prepare) as it is read.

    Python's cycle collector is paused meanwhile. Each document leaves thousands of
    dicts, lists and strings alive, and each full collection walks every one of them
    again, so with it running, a document took twice as long to load among 5,000 as
    among 50. Reading creates next to no reference cycles (a few dozen per 500 files),
    and the collector is back on, as it was, before this returns.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_corpus(root, only, prepare)
    finally:
        if was_enabled:
            gc.enable()


def _load_corpus(root: Path, only: list[str] | None, prepare: bool) -> tuple[Corpus, list[Finding]]:
    kb, findings = load_kb(root)
    ids = _doc_ids(root) if only is None else sorted(set(only))
    corpus = Corpus(root=root, kb=kb, complete=only is None)
    if only is None and not ids:
        findings.append(Finding("IG108", "no documents found", DOCS))
    kb_types = {e["id"]: e["type"] for e in corpus.kb_entries} if corpus.kb else None
    for doc, doc_findings in _load_documents(root, ids, prepare, kb_types):
        findings += doc_findings
        if doc is not None:
            corpus.documents.append(doc)
    return corpus, findings


#: Below this many documents one process reads them all: starting workers would cost more than it saves.
PARALLEL_MIN = 400
_CHUNK = 100


def _workers() -> int:
    try:
        return min(len(os.sched_getaffinity(0)), 4)
    except AttributeError:  # not on Linux
        return min(os.cpu_count() or 1, 4)


def _load_chunk(root: Path, ids: list[str], prepare: bool,
                kb_types: dict | None) -> list[tuple[Document | None, list[Finding]]]:
    out = []
    for doc_id in ids:
        doc, findings = load_document(root, doc_id)
        if doc is not None and prepare:
            doc.prepare(kb_types)
        out.append((doc, findings))
    return out


def _load_documents(root: Path, ids: list[str], prepare: bool, kb_types: dict | None):
    """(document, findings) for each id, in order. Reading, parsing, schema-checking and preparing
    a document depend on that document alone, so a large corpus is read by a few forked worker
    processes in chunks; the results, and so every finding and output, are the same as in one.
    (Forked workers share the parent's string-hash seed, so their shingle hashes agree.)"""
    if len(ids) < PARALLEL_MIN or _workers() < 2:  # the pre-commit hook's case: no process machinery imported
        yield from _load_chunk(root, ids, prepare, kb_types)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        yield from _load_chunk(root, ids, prepare, kb_types)
        return
    workers = _workers()
    chunks = [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        n = len(chunks)
        for results in pool.map(_load_chunk, [root] * n, chunks, [prepare] * n, [kb_types] * n):
            yield from results
