"""Was dataset/ rebuilt after the gold changed? Answered from the card, without building.

The card carries the digest of the gold it was built from (`source_digest`,
reading/digest.py). Recomputing that digest reads about 0.5 MB and needs neither pyarrow
nor a build, so the pre-commit hook can refuse a commit whose annotations changed while
dataset/ did not, before CI's `check` fails on it (IG601). This is a quick question, not a
proof: only `check` compares dataset/ byte for byte.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..findings import Finding
from ..layout import DATASET_DIR
from ..reading.digest import source_digest
from ..reading.files import read_bounded

__all__ = ["CARD", "recorded_digest", "not_rebuilt"]

CARD = f"{DATASET_DIR}/README.md"
_LINE = re.compile(rb"^source_digest: sha256:([0-9a-f]{64})$", re.MULTILINE)


def recorded_digest(root: Path) -> tuple[str | None, bool]:
    """The digest the card records, and whether there is a card at all."""
    if not os.path.lexists(root / CARD):
        return None, False
    raw, _ = read_bounded(root / CARD, CARD, 4 * 1024 * 1024)
    if raw is None:  # a link, a special file, unreadable: no digest to trust
        return None, True
    header = raw.split(b"\n---\n", 1)[0]
    match = _LINE.search(header)
    return (match.group(1).decode() if match else None), True


def not_rebuilt(root: Path, severity: str = "error") -> list[Finding]:
    """IG610 when the card's digest is not that of the gold on disk; nothing without a dataset/.

    Emits: IG610."""
    if not (root / DATASET_DIR).exists():
        return []  # a corpus that ships no dataset folder (the hook offered to other repositories)
    recorded, exists = recorded_digest(root)
    if recorded is None:
        what = "has no source digest (built by an older idlib-gold)" if exists else "is missing"
        return [Finding("IG610", f"dataset/ was not rebuilt: its card {what}", CARD, severity=severity)]
    now = source_digest(root)
    if recorded == now:
        return []
    return [Finding("IG610", f"dataset/ was not rebuilt: run idlib-gold build (the annotations or schema changed "
                             f"since the card was built: sha256:{recorded[:12]}… there, sha256:{now[:12]}… now)",
                    CARD, severity=severity)]
