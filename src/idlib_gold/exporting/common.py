"""What every export shares: which documents go where.

An export is a folder of files rendered in memory (name → bytes); the command line writes it
with the guarded folder writer (`outputs.write_folder`), which adds the `MANIFEST`.
"""

from __future__ import annotations

from .. import vocabulary
from ..errors import UsageError

__all__ = ["UnsafeOutput", "by_split"]


class UnsafeOutput(UsageError):
    """The export cannot be made (spaCy is missing); a usage error."""


def by_split(documents) -> dict[str, list]:
    """split → its documents sorted by id, for the splits that have any, in the schema's order."""
    out: dict[str, list] = {}
    for split in vocabulary.splits():
        docs = sorted((d for d in documents if d.data["split"] == split), key=lambda d: d.id)
        if docs:
            out[split] = docs
    return out
