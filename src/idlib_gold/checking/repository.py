"""What `validate`, `build`, `check` and the commands that score against the gold load and check:
the repository's corpus, some of its files, a second annotator's tree, or any annotation tree.

Reading and the schema gate are `pipeline.load`; the per-document and corpus-wide checks are
`documents.check_corpus`; the lints are `lints.lint_corpus`. This module strings them together
the one way each command needs, so no command line holds stage logic.
"""

from __future__ import annotations

import gc
from pathlib import Path

from ..errors import UsageError
from ..findings import Finding
from ..layout import KB_FILE, SECOND, TEXTS
from ..reading.corpus import Corpus, stray_files
from ..reading.trees import FoundTree, find_tree
from . import pipeline
from .documents import check_corpus
from .lints import lint_corpus

__all__ = ["load_checked", "load_tree", "second_tree", "validate_repository"]


def _kept(result):
    """The loaded corpus lives as long as the command does, so it is moved out of the cycle
    collector's reach (gc.freeze): otherwise every full collection during the checks and the
    build walks its millions of objects again, a fifth of a 5,000-document build. The command
    line unfreezes when the command ends."""
    gc.freeze()
    return result


def load_checked(root: Path, cache=None) -> tuple[Corpus, list[Finding]]:
    """The whole corpus, read, schema-checked and cross-checked (not linted); `cache` is a parse
    cache for the document files (building/parsecache.py), which `build` and `check` pass."""
    corpus, findings = _kept(pipeline.load(root, cache=cache))
    return corpus, findings + check_corpus(corpus)


def load_tree(found: FoundTree, base: Path) -> tuple[Corpus, list[Finding]]:
    """A tree's documents, read and checked as `validate FILES…` checks some files: corpus-wide
    checks that need every document (unused KB entries, stories) are left to the gold."""
    corpus, findings = pipeline.load(base, list(found.ids), tree=found.tree, tokens=False)  # no rows written
    return corpus, findings + stray_files(base, found.tree) + check_corpus(corpus)


def second_tree(root: Path) -> tuple[Corpus, list[Finding]] | None:
    """A second annotator's tree (annotations/second/), read and checked on the gold's texts; None
    where there is none. Its documents are compared with the gold's by the scoring stage."""
    if not (root / SECOND).is_dir():
        return None
    return load_tree(find_tree(root / SECOND, root, root), root)


def validate_repository(root: Path, paths: list[str] | None = None, lints: bool = True,
                        cache=None) -> tuple[list[Finding], str]:
    """Reading, schema and cross-checks (and lints) over the whole repository or some of its files,
    and the line that says what was checked. No paths: the whole repository, second tree included; so
    too a path that stands for it (`.`, `annotations/`) or for what the second tree reads (the KB, the
    texts).
    `cache`: a parse cache for the main tree's document files (building/parsecache.py), or None.
    A path that names no annotation file is a usage error: checking nothing and saying PASSED would
    be a false pass."""
    only, main_tree, second = None, True, not paths
    if paths:
        named = [(p, pipeline.relative_path(root, p)[0]) for p in paths]
        in_second = [p for p, rel in named if rel is not None and (rel == SECOND or rel.startswith(SECOND + "/"))]
        paths = [p for p in paths if p not in in_second]
        # the second tree is under annotations/, and its documents reference the KB and the gold's texts
        shared = any(rel is not None and (rel in (".", "annotations", KB_FILE, TEXTS) or rel.startswith(TEXTS + "/"))
                     for _, rel in named)
        second, main_tree = bool(in_second) or shared, bool(paths)
        if paths:
            only, refused = pipeline.documents_named(root, paths)
            if refused:
                raise UsageError("; ".join(refused))
    findings, n = [], 0
    if main_tree:
        corpus, findings = _kept(pipeline.load(root, only, cache=cache, tokens=False))  # no rows written
        findings += check_corpus(corpus)
        if lints:
            findings += lint_corpus(corpus)
        n = len(corpus.documents)
    checked = f"{n} document(s) checked"
    if second:
        loaded = second_tree(root)
        if loaded is not None:
            findings += loaded[1]
            checked += f", and {len(loaded[0].documents)} in {SECOND}/"
    return list(dict.fromkeys(findings)), checked  # the files both trees read (KB, texts) are reported once
