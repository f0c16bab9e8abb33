"""Returning the memory Python has freed to the system, after a pass that freed much of it.

Python's small objects live in the C heap, and glibc keeps the freed holes between live blocks
resident; numpy, Arrow and polars allocate large blocks that cannot reuse them. `malloc_trim` hands
them back: before `build` checks its tables (docs/decisions/0101-return-freed-memory.md), and after
`validate` measures the stories, whose sorted shingles and freed per-document hashes left about
64 MiB resident at 1,000x the corpus (a peak of 497 MiB against the 512 MiB target; 483–486 MiB with
the trim, docs/decisions/0117-a-table-check-taken-split-by-split.md).
"""

from __future__ import annotations

from functools import cache

__all__ = ["return_freed_memory"]


def return_freed_memory() -> None:
    """Hand the memory Python has freed back to the system (glibc's `malloc_trim`; elsewhere nothing)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim():
    """glibc's `malloc_trim`, or None; looked up once a process: finding the C library runs a subprocess
    (28 ms), and a `build` trims after measuring the stories and again before checking its tables."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
