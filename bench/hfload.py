"""Loading the dataset the way users do, timed as a whole process by the benchmark.

`python bench/hfload.py FOLDER CACHE_DIR` runs `load_dataset(FOLDER)` (the default
`documents` config) and `load_dataset(FOLDER, "ner")` (the largest config, one row per
paragraph), every split, with CACHE_DIR as the cache: an empty folder gives a cold load
(Parquet → Arrow cache files), a folder a previous run filled gives a warm one.

`python bench/hfload.py FOLDER --baseline` does the least that gives the same
`datasets.Dataset` objects: `pyarrow.parquet.read_table` of the same files, then
`datasets.Dataset(table)` (features come from the schema metadata the build writes).
"""

from __future__ import annotations

import sys
from pathlib import Path

CONFIGS = ("documents", "ner")


def load(folder: Path, cache: str) -> int:
    from datasets import load_dataset

    rows = 0
    for config in CONFIGS:
        ds = load_dataset(str(folder), config, cache_dir=cache)
        rows += sum(part.num_rows for part in ds.values())
    return rows


def baseline(folder: Path) -> int:
    import pyarrow.parquet as pq
    from datasets import Dataset

    parts = [Dataset(pq.read_table(p)) for config in CONFIGS
             for p in sorted((folder / "data" / config).glob("*.parquet"))]
    return sum(part.num_rows for part in parts)


if __name__ == "__main__":
    folder = Path(sys.argv[1]).resolve()  # a bare relative name could be taken for a packaged builder ("parquet")
    rows = baseline(folder) if sys.argv[2] == "--baseline" else load(folder, sys.argv[2])
    print(f"rows={rows}")
