"""Where things are: the repository's and the dataset folder's layout, shared by every stage.

Paths, the document-id rule, the annotation layers, the dataset configs and how their
Parquet files are named are facts that the reader, the checks, the builder, the scorer
and the review pages all need. They live here, below every stage, so that no stage has
to import another one sideways to learn them (which is how import circles grow).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "TEXTS", "DOCS", "KB_FILE", "SECOND", "ID_PATTERN", "LAYERS", "DATASET_DIR",
    "DOC_CONFIGS", "SPLIT_CONFIGS", "CONFIGS", "doc_id_of_path", "parquet_path", "written_splits",
    "fingerprint", "Tree",
]

TEXTS = "annotations/texts"
DOCS = "annotations/docs"
KB_FILE = "annotations/kb.yaml"
#: A second annotator's copy of some documents (`docs/<id>.yaml`), on the same texts and KB: the
#: agreement the dataset card reports is measured against it.
SECOND = "annotations/second"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")



@dataclass(frozen=True)
class Tree:
    """Where one annotation tree's files are, as paths relative to the corpus root (POSIX, may
    start with `..`), which are also the paths findings show. The repository's own tree is the
    default; `idlib-gold agree` reads trees laid out apart (a second annotator's `docs/` beside
    the repository's texts and KB)."""

    docs: str = DOCS
    texts: str = TEXTS
    kb: str = KB_FILE

    def yaml(self, doc_id: str) -> str:
        return f"{self.docs}/{doc_id}.yaml"

    def text(self, doc_id: str) -> str:
        return f"{self.texts}/{doc_id}.txt"


#: The annotation layers of a document, in the order the files list them.
LAYERS = ("entities", "figures", "quotes")

DATASET_DIR = "dataset"
#: Configs with one row per document or per annotation.
DOC_CONFIGS = ("documents", "entities", "figures", "quotes")
#: Every config with train/validation/test splits; the KB has a single split.
SPLIT_CONFIGS = DOC_CONFIGS + ("ner",)
CONFIGS = SPLIT_CONFIGS + ("kb",)


def doc_id_of_path(path: str) -> str | None:
    """The document id a `docs/<id>.yaml` or `texts/<id>.txt` path names, else None."""
    p = Path(path)
    if p.suffix in (".yaml", ".txt") and p.parent.name in ("docs", "texts"):
        return p.stem
    return None


def parquet_path(config: str, split: str) -> str:
    """A config's split file, relative to the dataset folder."""
    return f"data/{config}/{split}.parquet"


def written_splits(by_split: dict[str, list] | dict[str, int]) -> list[str]:
    """The splits of a config that get a file: the non-empty ones (a zero-row Parquet file makes
    `load_dataset` fail), or the first split alone when all are empty, so the config keeps its schema."""
    non_empty = [s for s, r in by_split.items() if r]
    return non_empty or list(by_split)[:1]


def fingerprint(files: dict[str, bytes]) -> str:
    """SHA-256 over the data files' names and contents: changes whenever any row changes."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()
