"""The two sides of `idlib-gold agree`: where each annotation tree's files are, read and checked.

A side is given as a folder, in one of two shapes:

- an annotation folder like `annotations/`: `docs/*.yaml`, and `texts/*.txt` and `kb.yaml`
  where it has them (a second annotator's `annotations/second/` has only `docs/`);
- a repository root that contains such a folder as `annotations/`.

What a side lacks (texts, KB) is taken from the repository the command runs in. Each
side's documents are read through the normal reading and schema gate and their own
cross-checks (`checking/pipeline.py`), exactly as `validate FILES…` checks some
documents: corpus-wide checks (unused KB entries, stories) are left out, because a
second annotator's tree may hold only some of the documents.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..checking import pipeline
from ..checking.documents import check_corpus
from ..findings import Finding
from ..layout import DOCS, KB_FILE, SECOND, TEXTS, Tree
from ..reading.corpus import Corpus, stray_files

__all__ = ["Side", "SideError", "find_side", "load_side", "SECOND"]

#: A second annotator's tree inside a repository, compared with annotations/ for the dataset card.


class SideError(Exception):
    """A side that is not an annotation tree at all: a usage error, not a finding."""


@dataclass(frozen=True)
class Side:
    given: str  # the folder as the user named it
    shape: str  # "annotation folder" or "repository root"
    tree: Tree  # paths relative to the base the findings are shown against
    ids: tuple[str, ...]  # the documents its docs/ holds
    borrowed: tuple[str, ...]  # what it takes from the repository: "texts", "kb.yaml"


def _rel(path: Path, base: Path) -> str:
    """`path` relative to `base` where it lies inside it, else absolute."""
    rel = Path(os.path.relpath(path, base)).as_posix()
    return Path(os.path.abspath(path)).as_posix() if rel == ".." or rel.startswith("../") else rel


def find_side(folder: Path, base: Path, repo: Path | None) -> Side:
    """Where the side's docs, texts and KB are, relative to `base`; `repo` lends what it lacks."""
    if not folder.exists():
        raise SideError(f"{folder} does not exist")
    if not folder.is_dir():
        raise SideError(f"{folder} is not a folder")
    if (folder / DOCS).is_dir():
        shape, annotations = "repository root", folder / "annotations"
    elif (folder / "docs").is_dir():
        shape, annotations = "annotation folder", folder
    else:
        raise SideError(f"{folder} has neither docs/ (an annotation folder) nor annotations/docs/ (a repository root)")
    borrowed, parts = [], {}
    for name, own, lent in (("texts", annotations / "texts", TEXTS), ("kb.yaml", annotations / "kb.yaml", KB_FILE)):
        if own.exists() or own.is_symlink():
            parts[name] = own
        elif repo is not None:  # lent even when the repository lacks it too: reading says so (IG108)
            parts[name] = repo / lent
            borrowed.append(name)
        else:
            raise SideError(f"{folder} has no {name} and there is no repository to take it from (pass --root)")
    ids = tuple(sorted(p.stem for p in (annotations / "docs").glob("*.yaml")))
    if not ids:
        raise SideError(f"{folder} has no documents: {_rel(annotations / 'docs', base)}/ holds no *.yaml file")
    tree = Tree(docs=_rel(annotations / "docs", base), texts=_rel(parts["texts"], base), kb=_rel(parts["kb.yaml"], base))
    return Side(str(folder), shape, tree, ids, tuple(borrowed))


def load_side(side: Side, base: Path) -> tuple[Corpus, list[Finding]]:
    """The side's documents, read and checked like `validate` checks some files."""
    corpus, findings = pipeline.load(base, list(side.ids), tree=side.tree)
    return corpus, findings + stray_files(base, side.tree) + check_corpus(corpus)
