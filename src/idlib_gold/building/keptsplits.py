"""A split's Parquet files taken from `dataset/` when none of its documents changed since a build of
this clone wrote them.

Rendering the split tables and encoding them as Parquet is most of a rebuild after one edit: at
1,000x the corpus (5,000 documents) 3.3 s of an 11 s `build`, profiled with py-spy, though an edit
changes the files of one split. So after rendering, the build keeps, for each split, what its files
were: under a digest of the split's name, each document's id and the SHA-256 of its YAML and text
files, and (added by the parse cache) the schema folder in use, the schema files, this package's
files and the library versions, it keeps each config's file digest, row count and in-memory size
(the card states the sizes). A later build whose split has the same digest takes the files from
`dataset/` when each one still has the kept digest, and renders the split otherwise.

The entry is signed like every parse cache entry (`parsecache`: this clone's key, bound to the
repository), and the files are read as plain files only (`plainfiles`: no link is followed) and
compared by SHA-256, so nothing outside what this clone wrote is taken: the trust of the stamp
(decisions/0001), split by split. `check` without a current stamp takes them too, and renders and
compares the splits that changed; a fresh clone (CI) has no entries and renders every split. See
docs/decisions/0109-a-rebuild-does-what-changed.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..layout import parquet_path
from ..reading.corpus import Document
from . import plainfiles

__all__ = ["KeptSplits", "split_material"]


def split_material(split: str, docs: list[Document]) -> bytes | None:
    """What a split's files are made of: its name, each document's id and the SHA-256 of its YAML
    file and of its text (the cache binds it to the schema files and folder in use, the package and
    the library versions); None when a document was not read from a file (no digest of its YAML)."""
    h = hashlib.sha256(b"split files 1\0" + split.encode() + b"\0")
    for doc in docs:
        digest = doc.loaded.digest
        if digest is None:
            return None
        h.update(doc.id.encode("utf-8") + b"\0" + digest + hashlib.sha256(doc.text.encode("utf-8")).digest())
    return h.digest()


class KeptSplits:
    """The split files a build of this clone wrote, found again (`find`) and kept (`keep`)."""

    def __init__(self, cache, target: Path):
        self.cache = cache  # a ParseCache
        self.target = target
        self.kept: dict[bytes, dict] = {}  # material → what `keep` writes

    def find(self, split: str, material: bytes | None, configs: tuple[str, ...]) -> dict | None:
        """config → (bytes, in-memory size, rows) of each of `configs` for this split, when an entry
        is kept for `material`, names every config with rows, and every file in `dataset/` still
        has the kept digest; else None."""
        if material is None:
            return None
        entry = self.cache.get_split(material)
        if not isinstance(entry, dict) or set(entry) != set(configs):
            return None
        found = {}
        for config in configs:
            kept = entry[config]
            if not (isinstance(kept, tuple) and len(kept) == 3 and isinstance(kept[0], str)
                    and type(kept[1]) is int and type(kept[2]) is int and kept[2] > 0):
                return None
            data = plainfiles.read_below(self.target, parquet_path(config, split))
            if data is None or hashlib.sha256(data).hexdigest() != kept[0]:
                return None
            found[config] = (data, kept[1], kept[2])
        self.kept[material] = entry
        return found

    def keep(self, material: bytes | None, made: dict[str, tuple[bytes, int, int]]) -> None:
        """Remember a rendered split: config → (its file's bytes, its table's in-memory size, its rows)."""
        if material is not None:
            self.kept[material] = {config: (hashlib.sha256(data).hexdigest(), size, rows)
                                   for config, (data, size, rows) in made.items()}

    def done(self) -> None:
        """Write the entries of this build's splits; the entries of earlier builds are removed."""
        self.cache.put_splits(self.kept)
