"""The annotation repository as data: texts, document files and the knowledge base.

Loading reads every file (level 1: bytes, UTF-8, YAML with positions) and puts each
document through a gate the caller passes in, `admit`: the checking stage passes its
JSON Schema check (level 2), because later code relies on its guarantee that a
document has every field with the right type; a document the gate rejects is
reported and left out of later stages. Whatever else must run on a document where it
is read (at scale, in the worker that read it) is passed in as `prepare`. So this
module imports no check: loading stays a step anyone can call alone, and the checks
stay a step that reads a loaded corpus (`checking/pipeline.py` joins the two).

A document whose gate and `prepare` results were kept by an earlier run for exactly its
inputs (`Kept`, a parse cache's signed entries) skips both: the worker that read it sends
the kept bytes on (`Packed`), undecoded, and the process that uses the document decodes
them once. Decoding in the worker, pickling the objects and unpickling them in the parent
cost more than the rest of a rebuild's loading (docs/decisions/0107-kept-documents-made-where-used.md).
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from array import array
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from .. import readlog, vocabulary
from ..findings import Finding
from ..layout import ID_PATTERN, Tree
from ..memory import return_freed_memory
from .files import Loaded, read_bounded, read_file_bytes, read_text, read_yaml

__all__ = ["Document", "Corpus", "Gate", "Prepare", "Kept", "Packed", "load_corpus", "load_kb", "load_document",
           "unloadable", "stray_files", "missing_folders"]

#: A gate: (the parsed file, its repository-relative path, the schema file name) → findings;
#: a file with any finding is not admitted.
Gate = Callable[[Loaded, str, str], list[Finding]]


@dataclass(eq=False)  # identity: two loaded documents are never "equal" by comparing whole texts
class Document:
    """One schema-valid document: its text, its parsed YAML, and where each value was written."""

    id: str
    rel: str  # repository-relative path of the YAML file
    text: str
    raw: InitVar[bytes | None]  # the text file's bytes (None: the text's UTF-8): see `Document.raw`, below the class
    loaded: Loaded

    @property
    def data(self) -> dict:
        return self.loaded.data

    def where(self, *path) -> tuple[int | None, int | None]:
        return self.loaded.where(tuple(path))

    #: The text file's bytes when they are not its text's UTF-8 (never, for a loaded document: its text
    #: is their strict UTF-8 decoding), else None: the bytes are made again when asked for, which
    #: keeps 23 MiB of a 5,000-document corpus out of memory and out of the workers' results.
    _raw: bytes | None = field(default=None, init=False, repr=False)

    def __post_init__(self, raw: bytes) -> None:
        self._set_raw(raw)

    def _set_raw(self, raw: bytes | None) -> None:
        if raw is None:  # the text's own UTF-8
            self._raw = None
            return
        try:
            same = raw == self.text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (a text made in code, never one read): kept as given
            same = False
        self._raw = None if same else raw

    #: Findings of the per-document cross-checks and of the IG501 scan, when they were run where the
    #: file was read (`prepare`); None when they were not.
    checks: list[Finding] | None = None
    unannotated: list[Finding] | None = None
    #: The sentences IG503 compares across documents (checking.lints.own_sentences): the digest of the
    #: folded sentence, its start and end, and the digest of its annotations' signature, of each one of
    #: enough words that occurs once in the text, packed in one array; None until computed.
    sentences: array | None = None

    # What later stages compute from one document alone is cached on it: computed once, and,
    # for a large corpus, computed in the worker process that read the file (see `prepare`).

    @cached_property
    def intact(self) -> bool:
        """Whether the text's SHA-256 is the one recorded; when it is not, every offset may be off (IG301)."""
        import hashlib

        return hashlib.sha256(self.raw).hexdigest() == self.data.get("sha256")

    @cached_property
    def tokens(self):
        """The text's tokens under the tokenizer rule (text.tokens.Tokens)."""
        from ..text.tokens import Tokens

        return Tokens(self.text)

    @cached_property
    def shingles(self):
        """The text's word-shingle hashes for the story measurement (text.stories.shingle_keys)."""
        from ..text.stories import shingle_keys

        return shingle_keys(self.text)


def _raw(doc: Document) -> bytes:
    return doc._raw if doc._raw is not None else doc.text.encode("utf-8")


Document.raw = property(_raw, Document._set_raw, doc="The text file's bytes.")  # after the dataclass is made:
# a property in the class body would be taken for the `raw` argument's default


#: Per-document work run where the document is read: (document, KB id → type, or None) → None.
Prepare = Callable[[Document, "dict[str, str] | None"], None]


@dataclass(frozen=True)
class Packed:
    """A document whose parse and whose gate and `prepare` results were kept (`Kept.find`), as the
    bytes read: its files' text and YAML digest, and the two kept payloads, still encoded."""

    id: str
    rel: str
    text: str
    digest: bytes  # SHA-256 of the YAML file
    parsed: bytes
    kept: bytes


class Kept(Protocol):
    """Results kept by an earlier run for a document's exact inputs (checking/pipeline.py gives one)."""

    def find(self, doc_id: str, rel: str, size: int, digest: bytes, raw: bytes,
             kb_types: dict[str, str] | None) -> tuple[bytes, bytes] | None:
        """(parsed payload, results payload) kept for the document `doc_id` whose YAML file at `rel` has
        `size` bytes of SHA-256 `digest` and whose text file holds `raw`; None when either is not kept."""

    def document(self, packed: Packed) -> Document | None:
        """The document, with its kept results on it; None when the payloads cannot be decoded."""


@dataclass
class Corpus:
    root: Path
    documents: list[Document] = field(default_factory=list)
    kb: Loaded | None = None
    complete: bool = True  # False when only some documents were loaded (validate PATHS…)
    tree: Tree = field(default_factory=Tree)  # where the files are, relative to root
    #: Document ids left out before reading, with the reason (`unloadable`).
    unloadable: dict[str, str] = field(default_factory=dict)
    #: Document ids that were read but not loaded (a reading or schema finding says why).
    failed: set[str] = field(default_factory=set)
    _stories: object = field(default=None, repr=False, compare=False)
    #: A parse cache (building/parsecache.py) that keeps the measured stories, or None.
    cache: object = field(default=None, repr=False, compare=False)

    @property
    def whole(self) -> bool:
        """Every document of the repository is loaded: corpus-wide conclusions (an unused KB entry, a
        measured story) hold only then; otherwise they follow from another finding."""
        return self.complete and not self.failed and not self.unloadable

    @property
    def kb_entries(self) -> list[dict]:
        return list(self.kb.data["entries"]) if self.kb else []

    def stories(self):
        """The measured overlaps and stories (stories.measure), computed once: the checks, the split
        rule and the card all read them, and measuring is the costliest pass over the texts."""
        if self._stories is None:
            from ..text.stories import kept_stories, measure_shingles, stories_inputs, to_keep

            keys = {d.id: d.shingles for d in self.documents}
            inputs = stories_inputs(keys) if self.cache is not None else None
            self._stories = kept_stories(self.cache.get_stories(inputs)) if inputs is not None else None
            measured = self._stories is None
            if measured:
                self._stories = measure_shingles(keys)
                if inputs is not None:
                    self.cache.put_stories(inputs, to_keep(self._stories))
            del keys
            for doc in self.documents:  # read only here: 31 MiB of a 5,000-document corpus freed for what
                doc.__dict__.pop("shingles", None)  # follows (a document makes them again if asked)
            if measured and len(self.documents) >= PARALLEL_MIN:  # a large corpus: the sort's and the
                return_freed_memory()  # shingles' memory back (finding the C library costs a hook run 28 ms)
        return self._stories


def _doc_ids(root: Path, tree: Tree) -> list[str]:
    stems = {p.stem for p in (root / tree.docs).glob("*.yaml")} | {p.stem for p in (root / tree.texts).glob("*.txt")}
    return sorted(stems)


def missing_folders(root: Path, tree: Tree = Tree()) -> list[Finding]:
    """A finding for the docs or texts folder when it is missing: said once, as the cause, rather
    than as every document's missing half.

    Emits: IG108."""
    return [Finding("IG108", f"the folder {folder}/ is missing", folder,
                    hint=f"restore {folder}/ (git checkout -- {folder})")
            for folder in (tree.docs, tree.texts) if not os.path.lexists(root / folder)]


def stray_files(root: Path, tree: Tree = Tree()) -> list[Finding]:
    """A finding for every entry of the docs and texts folders that is not a `<stem>.yaml` or a
    `<stem>.txt` file: the loader reads only those, so anything else there (`x.yml`, `x.YAML`, a
    backup, a subfolder) would be left out without a word. Whether a stem is a safe id, and
    whether a file is a regular one, are checked where the documents are read (IG303, IG110).

    Emits: IG111."""
    out = []
    for folder, suffix in ((tree.docs, ".yaml"), (tree.texts, ".txt")):
        try:
            entries = sorted(os.scandir(root / folder), key=lambda e: e.name)
        except OSError:  # missing or not a folder: said by missing_folders or by the reads
            continue
        for entry in entries:
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            if is_folder:
                what, hint = "a folder", f"{folder}/ holds only files; move the folder out of annotations/"
            elif (whole := _left_by_a_replace(entry.name, suffix, root / folder)) is not None:
                what, hint = f"a temporary file left by an interrupted `fix` ({whole} is whole)", "remove it"
            elif not entry.name.endswith(suffix) or entry.name == suffix:
                what, hint = "not a <id>" + suffix + " file", f"rename it to <id>{suffix}, or move it out of annotations/"
            else:
                continue
            out.append(Finding("IG111", f"'{entry.name}' in {folder}/ is {what}; it is not read",
                               f"{folder}/{entry.name}", hint=hint))
    return out


#: The temporary file `outputs.files.replace_file` writes beside a file it replaces: `.NAME.` + 8 + `.tmp`.
_REPLACING = re.compile(r"\.(.+)\.[A-Za-z0-9_]{8}\.tmp")


def _left_by_a_replace(name: str, suffix: str, folder: Path) -> str | None:
    """The file `name` was the temporary file of, in an edit killed before its rename, where that file is
    beside it; else None."""
    m = _REPLACING.fullmatch(name)
    return m[1] if m is not None and m[1].endswith(suffix) and os.path.isfile(folder / m[1]) else None


def load_kb(root: Path, admit: Gate | None = None, tree: Tree = Tree()) -> tuple[Loaded | None, list[Finding]]:
    loaded, findings = read_yaml(root / tree.kb, tree.kb)
    if loaded is None or admit is None:
        return loaded, findings
    findings = admit(loaded, tree.kb, vocabulary.KB)
    return (loaded if not findings else None), findings


def unloadable(root: Path, doc_id: str, tree: Tree = Tree()) -> str | None:
    """Why a document id cannot be loaded at all, or None: "unsafe" (the id is not a safe file
    name) or "unpaired" (its text or its annotation file is missing). The checks report these
    (IG303, IG316); the loader only leaves such ids out."""
    if not ID_PATTERN.match(doc_id):
        return "unsafe"
    # lexists: a link (even a dangling one) is read and refused as such, not taken for a missing file
    if not os.path.lexists(root / tree.yaml(doc_id)) or not os.path.lexists(root / tree.text(doc_id)):
        return "unpaired"
    return None


def load_document(root: Path, doc_id: str, admit: Gate | None = None,
                  tree: Tree = Tree(), cache=None) -> tuple[Document | None, list[Finding]]:
    """One document whose files both exist (see `unloadable`), read and put through the gate
    (`cache`: a parse cache, see `files.read_yaml`)."""
    return _read_document(root, doc_id, admit, tree, cache)


def _read_document(root: Path, doc_id: str, admit: Gate | None, tree: Tree, cache=None, kept: Kept | None = None,
                   kb_types: dict | None = None) -> tuple[Document | Packed | None, list[Finding]]:
    """`load_document`, or the document `Packed` when `kept` has its results (it is then not gated)."""
    rel_yaml, rel_text = tree.yaml(doc_id), tree.text(doc_id)
    text, raw, text_findings = read_text(root / rel_text, rel_text)
    yaml_raw, yaml_findings = read_bounded(root / rel_yaml, rel_yaml)
    if yaml_raw is None:
        return None, text_findings + yaml_findings
    digest = hashlib.sha256(yaml_raw).digest()
    if text is not None and kept is not None:
        found = kept.find(doc_id, rel_yaml, len(yaml_raw), digest, raw, kb_types)
        if found is not None:
            return Packed(doc_id, rel_yaml, text, digest, *found), []
    loaded, yaml_findings = read_file_bytes(yaml_raw, rel_yaml, cache, digest, origin=root / rel_yaml)
    del yaml_raw
    findings = text_findings + yaml_findings
    if loaded is None or text is None:
        return None, findings
    invalid = admit(loaded, rel_yaml, vocabulary.DOCUMENT) if admit is not None else []
    if invalid:
        return None, findings + invalid
    return Document(doc_id, rel_yaml, text, raw, loaded), findings


def load_corpus(root: Path, only: list[str] | None = None, admit: Gate | None = None,
                prepare: Prepare | None = None, tree: Tree = Tree(), cache=None,
                kept: Kept | None = None) -> tuple[Corpus, list[Finding]]:
    """Load the KB and the documents (all, or the ids in `only`), each through the gate `admit`
    (None: every file that parses is admitted, unvalidated), running `prepare` on each admitted
    document as it is read. Callers that want the checked corpus use `checking.pipeline`.
    `tree` says where the files are under `root` (default: the repository's own layout);
    `cache` is a parse cache for the document files (see `files.read_yaml`), or None; `kept`
    has what the gate and `prepare` gave for exactly a document's inputs before (see the module's
    docstring), or is None.

    Python's cycle collector is paused meanwhile. Each document leaves thousands of
    dicts, lists and strings alive, and each full collection walks every one of them
    again, so with it running, a document took twice as long to load among 5,000 as
    among 50. Reading creates next to no reference cycles (a few dozen per 500 files),
    and the collector is back on, as it was, before this returns.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_corpus(root, only, admit, prepare, tree, cache, kept)
    finally:
        if was_enabled:
            gc.enable()


def _load_corpus(root: Path, only: list[str] | None, admit: Gate | None, prepare: Prepare | None, tree: Tree,
                 cache=None, kept: Kept | None = None) -> tuple[Corpus, list[Finding]]:
    """The KB and the documents of one tree, with the findings met reading them.

    Emits: IG108, IG111."""
    kb, findings = load_kb(root, admit, tree)
    ids = _doc_ids(root, tree) if only is None else sorted(set(only))
    corpus = Corpus(root=root, kb=kb, complete=only is None, tree=tree, cache=cache)
    missing = missing_folders(root, tree)
    findings += missing
    if only is None:
        findings += stray_files(root, tree)
        if not ids and not missing:
            findings.append(Finding("IG108", "no documents found", tree.docs))
    for doc_id in ids:
        reason = unloadable(root, doc_id, tree)
        if reason:
            corpus.unloadable[doc_id] = reason
    ids = [i for i in ids if i not in corpus.unloadable]
    kb_types = {e["id"]: e["type"] for e in corpus.kb_entries} if corpus.kb else None
    for doc, doc_findings in _load_documents(root, ids, admit, prepare, kb_types, tree, cache, kept):
        findings += doc_findings
        if doc is not None:
            corpus.documents.append(doc)
    corpus.failed = set(ids) - {d.id for d in corpus.documents}
    if cache is not None:
        cache.done(only is None)
    return corpus, findings

#: Below this many documents one process reads them all: starting workers would cost more than it saves.
PARALLEL_MIN = 400
_CHUNK = 100


def _workers() -> int:
    try:
        return min(len(os.sched_getaffinity(0)), 4)
    except AttributeError:  # not on Linux
        return min(os.cpu_count() or 1, 4)


def _load_chunk(root: Path, ids: list[str], admit: Gate | None, prepare: Prepare | None,
                kb_types: dict | None, tree: Tree, cache=None,
                kept: Kept | None = None) -> list[tuple[Document | Packed | None, list[Finding]]]:
    out = []
    for doc_id in ids:
        doc, findings = _read_document(root, doc_id, admit, tree, cache, kept, kb_types)
        if isinstance(doc, Document) and prepare is not None:
            prepare(doc, kb_types)
        out.append((doc, findings))
    return out


def _load_documents(root: Path, ids: list[str], admit: Gate | None, prepare: Prepare | None,
                    kb_types: dict | None, tree: Tree, cache=None, kept: Kept | None = None):
    """(document, findings) for each id, in order. Reading, parsing, schema-checking and preparing
    a document depend on that document alone, so a large corpus is read by a few forked worker
    processes in chunks; the results, and so every finding and output, are the same as in one."""
    for doc, findings in _read_documents(root, ids, admit, prepare, kb_types, tree, cache, kept):
        if isinstance(doc, Packed):
            made = kept.document(doc)
            if made is None:  # kept bytes this clone signed but cannot decode: read as if none were kept
                yield from _load_chunk(root, [doc.id], admit, prepare, kb_types, tree, cache)
                continue
            doc = made
        yield doc, findings


def _read_documents(root: Path, ids: list[str], admit: Gate | None, prepare: Prepare | None,
                    kb_types: dict | None, tree: Tree, cache=None, kept: Kept | None = None):
    args = (admit, prepare, kb_types, tree, cache, kept)
    if len(ids) < PARALLEL_MIN or _workers() < 2:  # the pre-commit hook's case: no process machinery imported
        yield from _load_chunk(root, ids, *args)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        yield from _load_chunk(root, ids, *args)
        return
    workers = _workers()
    chunks = [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        n = len(chunks)
        for results, notes, used in pool.map(_load_chunk_noted, [root] * n, chunks, [readlog.is_open()] * n,
                                             *([arg] * n for arg in args)):
            readlog.merge(notes)
            if cache is not None:
                cache.merge(used)
            yield from results


def _load_chunk_noted(root: Path, ids: list[str], noting: bool, *args):
    """`_load_chunk` in a worker, with the digests of what it read (see `readlog`) when the parent keeps a log,
    and the names of the parse-cache entries it used or wrote."""
    if noting:
        readlog.start()
    results = _load_chunk(root, ids, *args)
    cache = args[4]
    return results, readlog.stop(), (cache.take_used() if cache is not None else set())
