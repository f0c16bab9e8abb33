"""The peer: the floor's checks written the obvious way, with pandas and a Python loop over rows.

`python bench/peer.py DATASET_DIR` reads each table with `pandas.read_parquet` and checks
every span (`text[start:end] == span text`, offsets in range) and every ClassLabel range
row by row, as the validator did before it moved to whole-column checks. It is what a
first version usually looks like, and shows what the vectorized checks save.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

N_LABELS = {"entities": 13, "figures": 5}
N_CATEGORIES, N_QUOTE_TYPES, N_KB_TYPES, N_TAGS = 11, 3, 11, 37


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {config.name: pd.concat([pd.read_parquet(p) for p in sorted(config.glob("*.parquet"))],
                                   ignore_index=True)
            for config in sorted((folder / "data").iterdir())}


def _span_bad(texts: dict, doc_id, start, end, text) -> bool:
    doc = texts.get(doc_id)
    if doc is None:
        return True
    start, end = int(start), int(end)
    return not (0 <= start < end <= len(doc) and doc[start:end] == text)


def run(folder: Path) -> dict[str, int]:
    tables = _read(folder)
    texts = dict(zip(tables["documents"]["id"], tables["documents"]["text"]))
    spans = bad = ranges = 0
    for config in ("entities", "figures"):
        for row in tables[config].itertuples(index=False):
            spans += 1
            bad += _span_bad(texts, row.doc_id, row.start, row.end, row.text)
            ranges += not 0 <= row.label < N_LABELS[config]
            if config == "figures":
                ranges += not 0 <= row.category < N_CATEGORIES
                if row.measured is not None:
                    m = row.measured
                    spans += 1
                    bad += _span_bad(texts, row.doc_id, m["start"], m["end"], m["text"])
    for row in tables["quotes"].itertuples(index=False):
        ranges += not 0 <= row.type < N_QUOTE_TYPES
        for part in (row.content, row.speaker, row.cue, row.addressee):
            if part is not None:
                spans += 1
                bad += _span_bad(texts, row.doc_id, part["start"], part["end"], part["text"])
    for row in tables["kb"].itertuples(index=False):
        ranges += not 0 <= row.type < N_KB_TYPES
    if "ner" in tables:
        for row in tables["ner"].itertuples(index=False):
            n = len(row.tokens)
            ranges += not (len(row.ner_tags) == len(row.token_starts) == len(row.token_ends) == n)
            for token, start, end, tag in zip(row.tokens, row.token_starts, row.token_ends, row.ner_tags):
                spans += 1
                bad += _span_bad(texts, row.doc_id, int(start), int(end), token)
                ranges += not 0 <= tag < N_TAGS
    return {"spans": spans, "span_failures": bad, "range_failures": ranges}


if __name__ == "__main__":
    counts = run(Path(sys.argv[1]))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    sys.exit(1 if counts["span_failures"] or counts["range_failures"] else 0)
