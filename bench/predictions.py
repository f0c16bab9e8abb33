"""A generated predictions file for the real corpus, for timing `idlib-gold evaluate` at scale.

    python bench/predictions.py DATASET_DIR OUT.jsonl [--annotations 100000]
    python bench/predictions.py --floor OUT.jsonl        # the floor: read the file, json.loads each line

Every span lies on the tokens of the `ner` config, so each record is valid: for each token,
spans of 1, 2, … tokens are written with labels taken in turn from the gold's label sets (the
figure labels for spans starting with a digit), until the file holds the requested number of
entity and figure annotations; one quote in twenty spans is added per document, with speaker
and cue. The result is deterministic, overlaps heavily (a stress for the overlap matching) and
scores between 0 and 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq


def _labels() -> tuple[list[str], list[str]]:
    from idlib_gold import vocabulary

    return vocabulary.entity_labels(), vocabulary.figure_labels()


def generate(dataset: Path, out: Path, annotations: int = 100_000) -> int:
    texts = {}
    for path in sorted((dataset / "data/documents").glob("*.parquet")):
        for row in pq.read_table(path, columns=["id", "text"]).to_pylist():
            texts[row["id"]] = row["text"]
    tokens: dict[str, list[tuple[int, int]]] = {doc_id: [] for doc_id in texts}
    for path in sorted((dataset / "data/ner").glob("*.parquet")):
        for row in pq.read_table(path, columns=["doc_id", "token_starts", "token_ends"]).to_pylist():
            tokens[row["doc_id"]] += list(zip(row["token_starts"], row["token_ends"]))
    n_tokens = sum(len(t) for t in tokens.values())
    widths = max(1, -(-annotations // n_tokens))
    entity_labels, figure_labels = _labels()
    written, lines = 0, []
    for doc_id in sorted(texts):
        text, toks = texts[doc_id], tokens[doc_id]
        record = {"id": doc_id, "entities": [], "figures": [], "quotes": []}
        for i, (s, _) in enumerate(toks):
            for w in range(widths):
                if written >= annotations or i + w >= len(toks):
                    break
                e = toks[i + w][1]
                numeric = text[s].isdigit()
                labels = figure_labels if numeric else entity_labels
                span = {"label": labels[(i + w) % len(labels)], "start": s, "end": e, "text": text[s:e]}
                record["figures" if numeric else "entities"].append(span)
                written += 1
                if written % 20 == 0 and i >= 2:
                    (cs, _), (ce_s, ce) = toks[i - 2], toks[i - 1]
                    record["quotes"].append({"content": {"start": s, "end": e, "text": text[s:e]},
                                             "speaker": {"start": cs, "end": toks[i - 2][1],
                                                         "text": text[cs:toks[i - 2][1]]},
                                             "cue": {"start": ce_s, "end": ce, "text": text[ce_s:ce]},
                                             "type": "direct", "speaker_entity": None})
        lines.append(json.dumps(record, ensure_ascii=False))
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)
    return written


def floor(path: Path) -> int:
    """Read the file and parse every line: what any reader of the file must pay."""
    n = 0
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                n += sum(len(record.get(k, ())) for k in ("entities", "figures", "quotes"))
    return n


if __name__ == "__main__":
    if sys.argv[1] == "--floor":
        print(floor(Path(sys.argv[2])))
    else:
        n = int(sys.argv[sys.argv.index("--annotations") + 1]) if "--annotations" in sys.argv else 100_000
        print(generate(Path(sys.argv[1]), Path(sys.argv[2]), n))
