"""The dataset card (dataset/README.md): YAML metadata for `datasets` and the Hub, and a datasheet.

Everything countable in the card is computed from the rows being written, so the
card cannot drift from the data. The YAML header declares the configs, their
splits and typed features, and carries a fingerprint of the data files: with
`configs:` in the card, `datasets` keys its cache on the card, so the fingerprint
is what makes a rebuilt dataset load fresh instead of from a stale cache.

The header is written with `yaml.safe_dump`, and huggingface_hub only judges it in a test:
see docs/decisions/0010-the-card-header-written-with-safe-dump.md.
"""

from __future__ import annotations

import re
from collections import Counter

import yaml

from .. import DATASET_VERSION, vocabulary
from ..layout import CONFIGS, SPLIT_CONFIGS, fingerprint, parquet_path, written_splits
from ..reading.corpus import Corpus
from ..text.ner import tag_names
from ..text.stories import LISTED, MATRIX_MAX, SHINGLE, THRESHOLD
from ..text.tokens import paragraphs
from .features import features_for

__all__ = ["render_card"]

PRETTY_NAME = "Idlib crisis 2020 news: entities, figures and quotes (gold)"
CONFIG_SUMMARY = {
    "documents": "one row per article: text, metadata and nested lists of entities, figures and quotes",
    "entities": "one row per named-entity mention (OntoNotes 5 types), linked to the knowledge base",
    "figures": "one row per numeric expression, with normalized value, unit, approximation and what it counts",
    "quotes": "one row per attributed quotation: content, speaker, cue and addressee spans",
    "ner": "one row per paragraph: tokens and BIO tags over the 18 OntoNotes types, with token offsets",
    "kb": "the knowledge base the mentions link to",
}


def _header(counts: dict, files: dict[str, bytes], sizes: dict[str, int], fingerprint: str,
            sources: str | None) -> str:

    n_docs = sum(counts["documents"].values())
    configs, infos = [], []
    for config in CONFIGS:
        splits = written_splits(counts[config])
        entry = {"config_name": config}
        if config == "documents":
            entry["default"] = True
        entry["data_files"] = [{"split": s, "path": parquet_path(config, s)} for s in splits]
        entry["description"] = f"{CONFIG_SUMMARY[config]}. Data fingerprint sha256:{fingerprint}"
        configs.append(entry)
        infos.append({
            "config_name": config,
            "features": features_for(config)._to_yaml_list(),
            "splits": [{"name": s, "num_bytes": sizes[parquet_path(config, s)], "num_examples": counts[config][s]}
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
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "entity-linking-classification"],
        "size_categories": ["n<1K"] if n_docs < 1000 else ["1K<n<10K"],
        "tags": ["news", "entity-linking", "quote-attribution", "numeric-information-extraction", "syria", "gold-standard"],
        "version": DATASET_VERSION,
        "fingerprint": f"sha256:{fingerprint}",
        # the gold it was built from (reading/digest.py): how the pre-commit hook knows dataset/ is stale
        **({"source_digest": f"sha256:{sources}"} if sources else {}),
        "configs": configs,
        "dataset_info": infos,
    }
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=120) + "---\n"


def _table(header: list[str], body: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines) + "\n"


def _type_name(feature) -> str:
    """A short, readable type for the structure tables: string, int32, ClassLabel(13), list<...>, struct{...}."""
    kind = type(feature).__name__
    if kind == "Value":
        return feature.dtype
    if kind == "ClassLabel":
        return f"ClassLabel({feature.num_classes})"
    if kind == "List":
        return f"list<{_type_name(feature.feature)}>"
    if isinstance(feature, dict):
        return "struct{" + ", ".join(feature) + "}"
    return kind


def _field_docs() -> dict[str, dict[str, str]]:
    """Column descriptions, taken from the JSON Schema where the column is a schema field."""
    doc = vocabulary.load_schema("document.schema.json")
    defs, kb = doc["$defs"], vocabulary.load_schema("kb.schema.json")["$defs"]["entry"]["properties"]

    def described(props: dict) -> dict[str, str]:
        return {k: v.get("description", "") for k, v in props.items()}

    span = "A span {start, end, text}: code-point offsets into the document text, end-exclusive."
    doc_id = {"doc_id": "The document the row belongs to (documents.id)."}
    entities = {**doc_id, **described(defs["entity"]["properties"])}
    entities["label"] = "OntoNotes 5 type, as a ClassLabel."
    entities["entity"] = "Knowledge-base id (kb.id) the mention links to; null for DATE and TIME."
    entities["value"] = "DATE/TIME only: ISO 8601 / TIMEX3 normalization, or null."
    figures = {**doc_id, **described(defs["figure"]["properties"])}
    figures["label"] = "OntoNotes 5 numeric type, as a ClassLabel."
    figures["category"] = "What the figure counts, as a ClassLabel (categories are defined in the guidelines)."
    figures["measured"] = "Span of what is counted or measured, or null. " + span
    quotes = {**doc_id, **described(defs["quote"]["properties"])}
    quotes["type"] = "direct, indirect or mixed, as a ClassLabel."
    quotes["speaker_entity"] = ("Knowledge-base ids the speaker resolves to: one id, several for a joint speaker, "
                                "empty for an anonymous or unnamed source.")
    for part in ("content", "speaker", "cue", "addressee"):
        quotes[part] = quotes[part] + " " + span
    documents = described({k: v for k, v in doc["properties"].items() if k in (
        "id", "sha256", "title", "source", "date", "date_basis", "story")})
    documents.update({"text": "The article text, verbatim (noise included).",
                      "entities": "The document's entity mentions (fields as in the entities config, without doc_id).",
                      "figures": "The document's figures (fields as in the figures config, without doc_id).",
                      "quotes": "The document's quotes (fields as in the quotes config, without doc_id)."})
    ner = {"id": "Paragraph id: <doc_id>-p<number>, numbered from 000 in text order.",
           "doc_id": "The document the paragraph belongs to.",
           "tokens": "The paragraph's tokens (the tokenizer rule is above).",
           "ner_tags": "BIO tags over the 18 span types (13 entity types, then 5 figure types), as ClassLabel.",
           "token_starts": "Each token's start offset in the document text.",
           "token_ends": "Each token's end offset in the document text (exclusive)."}
    kb_docs = described(kb)
    kb_docs["type"] = "OntoNotes 5 type of the entity, as a ClassLabel."
    kb_docs["wikidata"] = kb_docs["wikidata"] + " Null where not certain."
    return {"documents": documents, "entities": entities, "figures": figures, "quotes": quotes, "ner": ner,
            "kb": kb_docs}


def _structure() -> str:

    docs = _field_docs()
    out = []
    for config in CONFIGS:
        features = features_for(config)
        body = [[f"`{name}`", f"`{_type_name(f)}`", docs[config].get(name, "")] for name, f in features.items()]
        out += [f"\n### `{config}`\n\n{CONFIG_SUMMARY[config][0].upper() + CONFIG_SUMMARY[config][1:]}.\n\n", _table(["field", "type", "meaning"], body)]
    return "".join(out)


#: Above this many documents the card lists overlapping pairs instead of the full matrix.

_NOISE = {
    "HTML-entity residue (`& # 39;`)": re.compile(r"& # \d+;"),
    "entity residue `,quot;`": re.compile(r",quot;"),
    "`%MINIFYHTML…%` placeholders": re.compile(r"%MINIFYHTML\w+%"),
    # a word ending a line (`\badvertisement$`), found by its letters first: the pattern with `\b` in
    # front was tried at every position, 0.43 s of the card at 1,000x, where this takes 0.02 s
    "`advertisement` lines": re.compile(r"advertisement$", re.M),
    "typographic quotation marks and apostrophes": re.compile(r"[“”‘’]"),
}
_WORD_CHARACTER = re.compile(r"\w")
#: Kinds of noise that are single characters, counted with `str.count` (the same counts as their
#: pattern's): the character class took 0.14 s of the card at 1,000x, the counts 0.02 s.
_CHARACTERS = {"typographic quotation marks and apostrophes": "“”‘’"}


def _noise_counts(text: str) -> list[int]:
    """Occurrences of each kind of noise in `_NOISE`, in its order; `advertisement` only as a whole word."""
    counts = []
    for name, rx in _NOISE.items():
        if name in _CHARACTERS:
            counts.append(sum(text.count(c) for c in _CHARACTERS[name]))
        elif name.startswith("`advertisement`"):
            counts.append(sum(1 for m in rx.finditer(text)
                              if not (m.start() and _WORD_CHARACTER.match(text, m.start() - 1))))
        else:
            counts.append(len(rx.findall(text)))
    return counts


def _source_data(corpus: Corpus) -> str:
    docs = sorted(corpus.documents, key=lambda d: d.id)
    noise = [[d.id] + _noise_counts(d.text) for d in docs]
    if len(docs) > MATRIX_MAX:  # thousands of rows help no reader: sources and noise are counted instead
        by_source = Counter(d.data["source"] or "—" for d in docs)
        totals = [["all documents"] + [sum(row[k] for row in noise) for k in range(1, len(_NOISE) + 1)]]
        return (_table(["source (outlet)", "documents"], sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0])))
                + "\nNoise kept in the texts (occurrences, counted by the build):\n\n"
                + _table([""] + list(_NOISE), totals))
    body = [[d.id, d.data["source"] or "—", d.data["date"] or "—", d.data["date_basis"] or "—",
             d.data["title"] or "—"] for d in docs]
    return (_table(["document", "source (outlet)", "date", "date known from", "title"], body)
            + "\nNoise kept in the texts (occurrences per document, counted by the build):\n\n"
            + _table(["document"] + list(_NOISE), noise))


def _stories(corpus: Corpus) -> str:

    docs = sorted(corpus.documents, key=lambda d: d.id)
    measured_stories = corpus.stories()
    pairs = measured_stories.pairs

    def value(a, b):
        if a == b:
            return "—"
        return f"{pairs.get((min(a, b), max(a, b)), 0.0):.3f}"

    if len(docs) <= MATRIX_MAX:
        measured = _table(["overlap"] + [d.id[:3] for d in docs], [[d.id[:3]] + [value(d.id, e.id) for e in docs]
                                                                   for d in docs])
    else:  # an n × n matrix of mostly zeros is unreadable and quadratic: list the pairs that overlap
        listed = [[a, b, f"{v:.3f}"] for (a, b), v in sorted(pairs.items()) if v >= LISTED]
        measured = (f"Pairs with an overlap of at least {LISTED} (every other pair is below it):\n\n"
                    + _table(["document", "document", "overlap"], listed or [["—", "—", "—"]]))
    groups = measured_stories.groups
    by_split = {s: [d for d in docs if d.data["split"] == s] for s in vocabulary.splits()}
    assignment = [[s, len(ds), ", ".join(sorted({d.data["story"] for d in ds})) or "—",
                   ", ".join(d.id for d in ds) or "—"] for s, ds in by_split.items()]
    test = by_split["test"]
    tokens = sum(_token_count(d) for d in test)
    mentions = sum(len(d.data["entities"]) + len(d.data["figures"]) for d in test)
    return (f"Overlap of two documents is the containment of word {SHINGLE}-gram shingles, |A ∩ B| / min(|A|, |B|); "
            f"documents whose overlap is at least {THRESHOLD} belong to one story (connected groups). "
            f"Measured by the build:\n\n"
            + measured
            + f"\n{len(groups)} stories: " + "; ".join("{" + ", ".join(g) + "}" for g in groups if len(g) > 1)
            + ("; every other document is a story of its own" if any(len(g) == 1 for g in groups) else "")
            + ".\n\n"
            "Split rule: stories are taken largest first (ties by first document id), and each goes to the split "
            "whose document count is furthest below its target share (train 60%, validation 20%, test 20%). "
            "A story is never divided between splits; the validator rejects a file that divides one.\n\n"
            + _table(["split", "documents", "stories", "document ids"], assignment)
            + f"\n**The test split is small**: {len(test)} document(s), {tokens} tokens, {mentions} entity and figure "
            "spans. Scores on it have wide confidence intervals; for model selection, consider cross-validation "
            "over stories rather than a single test score.\n")


def _token_count(doc) -> int:
    return len(doc.tokens)


def _paragraph_count(doc) -> int:

    return len(paragraphs(doc.text))


def _statistics(corpus: Corpus, counts: dict) -> str:
    """Documents, rows and labels counted; per document while the corpus is small enough to read so."""
    splits = vocabulary.splits()
    docs = sorted(corpus.documents, key=lambda d: d.id)
    per_doc = len(docs) <= MATRIX_MAX
    tokens = {d.id: _token_count(d) for d in docs}
    facts = {d.id: [len(d.text), tokens[d.id], _paragraph_count(d), len(d.data["entities"]),
                    len(d.data["figures"]), len(d.data["quotes"])] for d in docs}
    sizes = ["characters", "tokens", "paragraphs", "entities", "figures", "quotes"]
    if per_doc:
        table = _table(["document", "split", "story", "date"] + sizes,
                       [[d.id, d.data["split"], d.data["story"], d.data["date"] or "—"] + facts[d.id] for d in docs])
    else:
        totals = {s: [0] * (1 + len(sizes)) for s in splits}  # documents, then each size, summed per split
        for d in docs:
            row = totals[d.data["split"]]
            row[0] += 1
            for k, value in enumerate(facts[d.id], start=1):
                row[k] += value
        table = _table(["split", "documents"] + sizes, [[s] + totals[s] for s in splits])
    out = ["### Documents\n\n", table]
    per_split = [[c] + [counts[c][s] for s in splits] + [sum(counts[c][s] for s in splits)]
                 for c in SPLIT_CONFIGS]
    per_split.append(["tokens"] + [sum(tokens[d.id] for d in docs if d.data["split"] == s) for s in splits]
                     + [sum(tokens.values())])
    out += ["\n### Rows per split\n\n", _table(["config"] + splits + ["total"], per_split)]
    for title, layer, key, vocab in (
        ("Entity mentions per label", "entities", "label", vocabulary.entity_labels()),
        ("Figures per label", "figures", "label", vocabulary.figure_labels()),
        ("Figures per category", "figures", "category", vocabulary.figure_categories()),
        ("Quotes per type", "quotes", "type", vocabulary.quote_types()),
    ):
        # counted per document only where the card shows documents: 20,000 counters at 1,000x otherwise
        by_doc = {d.id: Counter(a[key] for a in d.data[layer]) for d in docs} if per_doc else {}
        by_split = {s: Counter() for s in splits}
        for d in docs:
            by_split[d.data["split"]].update(a[key] for a in d.data[layer])
        shown = docs if per_doc else []
        body = [[v] + [by_doc[d.id][v] for d in shown] + [by_split[s][v] for s in splits]
                + [sum(by_split[s][v] for s in splits)] for v in vocab]
        out += [f"\n### {title}\n\n", _table([key] + [d.id[:3] for d in shown] + splits + ["total"], body)]
    return "".join(out)


CITATION = """@misc{idlib_gold,
  title  = {idlib-gold: a hand-annotated gold dataset of English news on the 2020 Idlib crisis},
  note   = {Entities, figures and quotes; dataset version %s},
  year   = {2026}
}"""


def _agreement(agreement: dict | None) -> str:
    """The agreement paragraph: the figures `idlib-gold agree` computes (passed in as rows by the
    command, since this stage may not import the scorer), or the statement that there are none."""
    if agreement is None:
        return ("The counts per document, layer and label are in the statistics tables above. There is no\n"
                "inter-annotator agreement figure: the second reading was a review, not a blind double annotation.\n")
    n = len(agreement["documents"])
    return (f"The counts per document, layer and label are in the statistics tables above.\n\n"
            f"Inter-annotator agreement between the gold (`annotations/`) and a second annotator's independent "
            f"annotation of {n} document(s) (`annotations/second/`), as `idlib-gold agree annotations "
            f"annotations/second` computes it. The gold is the reference; pairwise F1 is symmetric, so it is the "
            f"agreement figure. Cohen's kappa is over the BIO tags of the `ner` view, once over all tokens and once "
            f"over the tokens that at least one annotator tagged. The second annotator had the guidelines, whose "
            f"decision list takes its examples from this corpus, so the figures say how reproducible the guidelines "
            f"make the gold, not how hard the task is on unseen text; every disagreement is adjudicated and "
            f"recorded in `CHANGELOG.md`.\n\n"
            + _table(["measure", "value", "on"], [list(r) for r in agreement["rows"]]))


def render_card(corpus: Corpus, counts: dict, files: dict[str, bytes], sizes: dict[str, int],
                agreement: dict | None = None, sources: str | None = None) -> str:

    fp = fingerprint(files)
    n = {c: sum(counts[c].values()) for c in CONFIGS}
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

## Supported tasks

| task | config | what to predict |
|---|---|---|
| named-entity recognition (OntoNotes 5 types) | `ner` (token classification, BIO) or `entities` (spans) | the entity and figure spans with their labels |
| entity linking | `entities` + `kb` | the knowledge-base entry of each name mention |
| temporal normalization | `entities` | the TIMEX3 value of DATE/TIME mentions |
| numeric-fact extraction | `figures` | value, range, unit, approximation, bound, what is measured, category, source |
| quote attribution | `quotes` | content, speaker (span and entity), cue and addressee of each quotation |

```python
from datasets import load_dataset

docs = load_dataset("./dataset")                  # "documents" (default): one row per article
ner = load_dataset("./dataset", "ner")            # tokens + BIO ner_tags, one row per paragraph
entities = load_dataset("./dataset", "entities")  # one row per mention
figures = load_dataset("./dataset", "figures")    # one row per numeric expression
quotes = load_dataset("./dataset", "quotes")      # one row per quotation
kb = load_dataset("./dataset", "kb")              # the knowledge base (one split, "train")

tags = ner["train"].features["ner_tags"].feature.names   # ['O', 'B-PERSON', 'I-PERSON', ...]
```

No loading script is involved: the configs, splits and typed features are declared in this card's
YAML header and the data are Parquet files under `data/<config>/<split>.parquet`. Croissant metadata
is in `croissant.json`: each class-label column refers to an enumeration record set holding its names
(`entity_labels`, `figure_labels`, `figure_categories`, `quote_types`, `kb_types`, `ner_tags`), and
`mlcroissant` returns text fields as `bytes` (decode them with `.decode("utf-8")`).

**Offsets in pandas.** A span that can be absent (a quote's `speaker`, `cue` or `addressee`, a
figure's `measured`) is stored as Arrow `int32` with nulls. pandas' default conversion has no integer
type with nulls, so `to_pandas()` (pyarrow's or `datasets`') turns its offsets into `float64` (`600.0`,
`NaN` for null), and a float offset cannot slice the text. Keep pyarrow's types, or use polars:

```python
import pandas as pd
import pyarrow.parquet as pq
from datasets import load_dataset

quotes = pq.read_table("dataset/data/quotes/train.parquet").flatten()
df = quotes.to_pandas(types_mapper=pd.ArrowDtype)  # speaker.start: int32[pyarrow], null as <NA>
pl_df = load_dataset("./dataset", "quotes")["train"].flatten().to_polars()  # speaker.start: Int32
```

## Languages

English (`en`). Some texts are machine translations (document `000` reads as one: "a stop the fragile
fire", "military boost stepped up"); their slips are kept and annotated as they stand.

## Dataset structure

Offsets are Python `str` indices (Unicode code points), 0-based, end-exclusive, into the document text;
they are not UTF-8 byte offsets (three documents contain multi-byte characters). In the `ner` config
the tokenizer is a fixed rule that never looks at the annotations: at each position, a number (digits
with `,ddd` groups or a decimal part), else a run of letters and digits, else one other non-space
character; hyphenated words split at the hyphen. Paragraphs are the text's non-empty lines. All
{len(tag_names())} tags: {", ".join(f"`{t}`" for t in tag_names())}.
{_structure()}
## Source data

Five articles from English-language outlets, early February 2020 (one, `003`, from September 2018,
reporting an earlier stage of the same conflict), chosen for the density of names, figures and
attributed statements. Two are syndicated copies of one wire story (`001`, an edit by TRT World of the
Reuters story `004`).

{_source_data(corpus)}
The noise is kept on purpose: it is data a system meets in the wild, and cleaning it would move every
offset. Annotations cover names broken by residue as they stand (`Hay & # 39; et Tahrir al-Sham`).

## Stories and splits

{_stories(corpus)}
## Statistics

Generated by the build from the data in this folder.

{_statistics(corpus, counts)}
## Annotation process

Every annotation was written by hand, one YAML file per document, following the project's annotation
guidelines (`annotations/GUIDELINES.md` in the source repository: label definitions, span rules, the
figure categories, quote types, and a numbered decision list of every hard case met in this corpus, each
with its example). Offsets were never typed: annotators chose the words, and a helper command
(`idlib-gold locate`) gave the offsets of the chosen string.

How the annotations were checked:

1. **Validation before every commit**: JSON Schema, then cross-checks: every span's text equals its
   slice of the document, spans never overlap within the flat entity/figure layer and never cut a
   token, every name links to a knowledge-base entry of the same type, DATE/TIME values are valid
   TIMEX3, figure values agree with their digits, and the text checksums are unchanged.
2. **Consistency lints**: a string annotated somewhere but bare elsewhere in the same document, the same
   string with two labels, and sentences that two documents share word for word annotated differently.
   The syndicated copies (`001` and `004`) carry identical annotations on every sentence they share.
   Deliberate exceptions are recorded in the files as waivers with a reason.
3. **An independent second reading**: each document was re-read from top to bottom, sentence by
   sentence, against the guidelines by a reviewer who had not annotated it, looking for misses,
   boundary errors, wrong labels, values and quote structure. The reviewers changed 4 annotations
   (three continuation quotes gained their cue; one infinitive "threatened to …" was removed as not a
   quote) and raised the hard cases that became decisions 40–50 of the guidelines.

{_agreement(agreement)}
## Personal and sensitive information

The texts name real public figures (heads of state, ministers, members of parliament, the head of
UNICEF) and working journalists in bylines, acting in their public roles, as published. They report
deaths, injuries and displacement of civilians and soldiers in aggregate; no private individual is named.
Quotations are attributed as the outlets attributed them; the dataset asserts nothing about their truth.

## Limitations and biases

- Five articles, one topic, one crisis, a few weeks of 2020 (and one 2018 article): a test set for
  robustness and for checking a pipeline end to end, not a training corpus for general NER.
- The outlets include Turkish state media (TRT World), an international wire (Reuters) and regional
  outlets; the framing ("regime" vs "government", "terrorists") is the outlets', kept verbatim.
- Some text is machine translation with meaning-changing slips; models may be penalized for reading
  the intended meaning. Figures are normalized as written, not fact-checked.
- The test split is one story; see above.

## Licensing

The annotations (everything but the article texts) are released under CC BY 4.0. The article texts
remain the copyright of their publishers (TRT World, Reuters, Middle East Online and the others named in
the texts) and are included for research on the annotations; redistribute them only as your use of
news excerpts allows.

## Citation

```bibtex
{CITATION % DATASET_VERSION}
```

## Fingerprint

`sha256:{fp}` over the Parquet files of this folder. It is repeated in each config's description, so a
rebuilt dataset gets a fresh `datasets` cache entry.
"""
    return _header(counts, files, sizes, fp, sources) + body
