"""The dataset card (dataset/README.md): YAML metadata for `datasets` and the Hub, and a datasheet.

Everything countable in the card is computed from the rows being written, so the
card cannot drift from the data. The YAML header declares the configs, their
splits and typed features, and carries a fingerprint of the data files: with
`configs:` in the card, `datasets` keys its cache on the card, so the fingerprint
is what makes a rebuilt dataset load fresh instead of from a stale cache.
"""

from __future__ import annotations

from collections import Counter

import yaml

from . import DATASET_VERSION, schema
from .corpus import Corpus
from .tables import CONFIGS, DOC_CONFIGS

__all__ = ["render_card"]

PRETTY_NAME = "Idlib crisis 2020 news: entities, figures and quotes (gold)"
CONFIG_SUMMARY = {
    "documents": "one row per article: text, metadata and nested lists of entities, figures and quotes",
    "entities": "one row per named-entity mention (OntoNotes 5 types), linked to the knowledge base",
    "figures": "one row per numeric expression, with normalized value, unit, approximation and what it counts",
    "quotes": "one row per attributed quotation: content, speaker, cue and addressee spans",
    "kb": "the knowledge base the mentions link to",
}


def _header(rows: dict, files: dict[str, bytes], sizes: dict[str, int], fingerprint: str) -> str:
    from .build import parquet_path
    from .features import features_for

    n_docs = sum(len(r) for r in rows["documents"].values())
    configs, infos = [], []
    for config in CONFIGS:
        splits = list(rows[config])
        entry = {"config_name": config}
        if config == "documents":
            entry["default"] = True
        entry["data_files"] = [{"split": s, "path": parquet_path(config, s)} for s in splits]
        entry["description"] = f"{CONFIG_SUMMARY[config]}. Data fingerprint sha256:{fingerprint}"
        configs.append(entry)
        infos.append({
            "config_name": config,
            "features": features_for(config)._to_yaml_list(),
            "splits": [{"name": s, "num_bytes": sizes[parquet_path(config, s)], "num_examples": len(rows[config][s])}
                       for s in splits],
            "download_size": sum(len(files[parquet_path(config, s)]) for s in splits),
            "dataset_size": sum(sizes[parquet_path(config, s)] for s in splits),
        })
    meta = {
        "pretty_name": PRETTY_NAME,
        "language": ["en"],
        "license": "other",
        "license_name": "annotations-cc-by-4.0-texts-publishers",
        "license_details": "Annotations: CC BY 4.0. Article texts: copyright of their publishers, included for research.",
        "task_categories": ["token-classification"],
        "task_ids": ["named-entity-recognition"],
        "size_categories": ["n<1K"] if n_docs < 1000 else ["1K<n<10K"],
        "tags": ["news", "entity-linking", "quote-attribution", "numeric-information-extraction", "syria", "gold-standard"],
        "version": DATASET_VERSION,
        "fingerprint": f"sha256:{fingerprint}",
        "configs": configs,
        "dataset_info": infos,
    }
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=120) + "---\n"


def _table(header: list[str], body: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines) + "\n"


def _statistics(corpus: Corpus, rows: dict) -> str:
    splits = schema.splits()
    docs = sorted(corpus.documents, key=lambda d: d.id)
    out = ["### Documents\n",
           _table(["document", "split", "story", "date", "characters", "entities", "figures", "quotes"],
                  [[d.id, d.data["split"], d.data["story"], d.data["date"] or "—", len(d.text),
                    len(d.data["entities"]), len(d.data["figures"]), len(d.data["quotes"])] for d in docs])]
    per_split = [[c] + [len(rows[c][s]) for s in splits] + [sum(len(rows[c][s]) for s in splits)] for c in DOC_CONFIGS]
    out += ["\n### Rows per split\n", _table(["config"] + splits + ["total"], per_split)]
    for title, layer, key, vocab in (
        ("Entity mentions per label", "entities", "label", schema.entity_labels()),
        ("Figures per label", "figures", "label", schema.figure_labels()),
        ("Figures per category", "figures", "category", schema.figure_categories()),
        ("Quotes per type", "quotes", "type", schema.quote_types()),
    ):
        counts = {d.id: Counter(a[key] for a in d.data[layer]) for d in docs}
        body = [[v] + [counts[d.id][v] for d in docs] + [sum(counts[d.id][v] for d in docs)] for v in vocab]
        out += [f"\n### {title}\n", _table([key] + [d.id[:3] for d in docs] + ["total"], body)]
    return "".join(out)


def render_card(corpus: Corpus, rows: dict, files: dict[str, bytes], sizes: dict[str, int]) -> str:
    from .build import fingerprint

    fp = fingerprint(files)
    n = {c: sum(len(r) for r in rows[c].values()) for c in CONFIGS}
    body = f"""
# {PRETTY_NAME}

Version {DATASET_VERSION}. {n['documents']} English news articles about the escalation around Idlib, Syria,
between Turkey, Syria and Russia, each annotated by hand with three layers: {n['entities']} named-entity
mentions (OntoNotes 5 types, linked to a {n['kb']}-entry knowledge base), {n['figures']} figures (numeric
expressions with their normalized value, unit, approximation, what they count and who states them) and
{n['quotes']} quotations (direct, indirect and mixed, with speaker, cue and addressee).

The texts are kept verbatim, noise and all (HTML-entity residue such as `& # 39;`, `,quot;`,
`%MINIFYHTML…%` placeholders, `advertisement` lines, machine-translation slips, typographic quotation
marks), because that is what systems meet in the wild. Every span is a pair of Python string offsets
(Unicode code points, end-exclusive) whose `text` equals the slice of the document text.

## Loading

```python
from datasets import load_dataset

docs = load_dataset("./dataset")                 # config "documents" (default)
entities = load_dataset("./dataset", "entities")  # also: "figures", "quotes", "kb"
print(docs["train"].features)
```

No loading script is involved: the configs, splits and typed features are declared in this card's
YAML header and the data are Parquet files under `data/<config>/<split>.parquet`.

## Configs

{_table(["config", "rows", "what a row is"], [[c, n[c], CONFIG_SUMMARY[c]] for c in CONFIGS])}
Per-document configs have the splits {", ".join(f"`{s}`" for s in schema.splits())}; a document and all
its annotations are in the same split, and syndicated copies of one story are never split apart. The `kb`
config has a single `train` split holding the whole knowledge base.

## Statistics

Generated by the build from the data in this folder.

{_statistics(corpus, rows)}
## Annotation process

Every annotation was written by hand, one YAML file per document, following the project's annotation
guidelines (`annotations/GUIDELINES.md` in the source repository: label definitions, span rules, the
figure categories, quote types, and a numbered decision list of every hard case met in this corpus, each
with its example). Offsets were never typed: annotators chose the words, and a helper command
(`idlib-gold locate`) gave the offsets of the chosen string.

How the annotations were checked:

1. **Validation before every commit**: JSON Schema, then cross-checks: every span's text equals its
   slice of the document, spans never overlap within the flat entity/figure layer, every name links to a
   knowledge-base entry of the same type, DATE/TIME values are valid TIMEX3, figure values agree with
   their digits, and the text checksums are unchanged.
2. **Consistency lints**: a string annotated somewhere but bare elsewhere in the same document, the same
   string with two labels, and sentences that two documents share word for word annotated differently.
   The syndicated copies (`001` and `004`) carry identical annotations on every sentence they share.
   Deliberate exceptions are recorded in the files as waivers with a reason.
3. **An independent second reading**: each document was re-read from top to bottom, sentence by
   sentence, against the guidelines by a reviewer who had not annotated it, looking for misses,
   boundary errors, wrong labels, values and quote structure. The reviewers changed 4 annotations
   (three continuation quotes gained their cue; one infinitive "threatened to …" was
   removed as not a quote) and raised the hard cases that became decisions 40–50.

The counts per document, layer and label are in the statistics tables above.

## Fingerprint

`sha256:{fp}` over the Parquet files of this folder. It is repeated in each config's description, so a
rebuilt dataset gets a fresh `datasets` cache entry.
"""
    return _header(rows, files, sizes, fp) + body
