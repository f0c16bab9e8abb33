"""Synthetic corpora for the benchmark: the real gold, resampled paragraph by paragraph.

A scaled corpus is only worth timing if it looks like the real one to every check:
the same texts (noise included), the same annotation density, the same YAML style.
So nothing is invented: each synthetic document is a sequence of real paragraphs (a
paragraph is a line of a text), and each paragraph brings the
annotations that lie wholly inside it, shifted with it. Quotes come along only when
all their parts are inside the paragraph, figures only with their measured span, so
every synthetic document is valid by construction and validation does its normal work
instead of reporting errors.

Synthetic document i is real document i mod 5 with its paragraphs drawn without
replacement in a seeded random order, so every paragraph recurs equally often and the
annotation density is exactly the real one. Drawing from one article keeps documents
coherent, and it matters for the validator's measured stories (stories.py): documents
sharing many paragraphs are one story, and a story lives in one split. Drawing from all
articles at once makes every pair of 10x documents share about a fifth of their text,
so the whole corpus becomes one story in one split, leaving the other splits empty.

**Varied words** (the default): shuffled paragraphs alone repeat the same 104 paragraphs,
so the 1,000x corpus had 22,203 distinct word 8-grams out of 2.88 million, which
flatters everything that hashes or compares text (the story measurement, IG503) and
understates memory. So every word outside the protected text is replaced by a word of
the same length from the real texts' own vocabulary, with its capitalisation, drawn from
the seeded generator: offsets stay valid and the 1,000x corpus has about 2.8 million
distinct 8-grams. Protected, and copied verbatim: every annotated span (entities,
figures and what they measure, every quote part), the title line (it must be a line of
the text), and waived strings. Only whole words of ASCII letters are replaced (a word
glued to digits, `10km`, or inside a placeholder stays), so the tokenizer's tokens keep
their edges, and the vocabulary leaves out every word of an entity or figure span, so
no replacement creates an unannotated occurrence of an annotated string (IG501).
`vary=False` gives the old repeated corpora.

Each document gets its own id, sha256 and story id, except where the measurement groups
documents (at 1x and 10x, where a paragraph recurs in few documents: at 100x and above
it recurs in so many that the measurement discounts it as boilerplate). A story id that
contradicts the measurement is an error, so grouped documents share one, and splits
follow the split rule.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["Paragraph", "paragraph_pool", "generate", "count_annotations", "vocabulary", "vary_words", "REAL_DOCS"]

REAL_DOCS = 5  # the real corpus; scale 1x is this many documents
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}
_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[A-Za-z]+")


@dataclass
class Paragraph:
    """A line of a real text with the annotations inside it, offsets relative to the line."""

    text: str
    source: str  # the real document it comes from
    entities: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    quotes: list[dict] = field(default_factory=list)


def _shift(span: dict | None, delta: int) -> dict | None:
    return None if span is None else {**span, "start": span["start"] + delta, "end": span["end"] + delta}


def _quote_spans(q: dict) -> list[dict]:
    return [q[p] for p in ("content", "speaker", "cue", "addressee") if q.get(p)]


def paragraph_pool(root: Path) -> tuple[list[Paragraph], dict, list[dict]]:
    """(paragraphs, real documents by id, KB entries) of the corpus under `root`."""
    import yaml

    docs, pool = {}, []
    for path in sorted((root / "annotations/docs").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = (root / "annotations/texts" / f"{path.stem}.txt").read_text(encoding="utf-8")
        docs[path.stem] = (data, text)
        pos = 0
        for line in text.split("\n"):
            start, end = pos, pos + len(line)
            pos = end + 1
            if not line.strip():
                continue
            inside = lambda s: s is None or (start <= s["start"] and s["end"] <= end)  # noqa: E731
            par = Paragraph(line, path.stem)
            for e in data["entities"]:
                if inside(e):
                    par.entities.append(_shift(e, -start))
            for f in data["figures"]:
                if inside(f) and inside(f["measured"]):
                    par.figures.append({**_shift(f, -start), "measured": _shift(f["measured"], -start)})
            for q in data["quotes"]:
                if all(inside(s) for s in _quote_spans(q)):
                    par.quotes.append({k: (_shift(v, -start) if k in ("content", "speaker", "cue", "addressee")
                                           else v) for k, v in q.items()})
            pool.append(par)
    kb = yaml.safe_load((root / "annotations/kb.yaml").read_text(encoding="utf-8"))["entries"]
    return pool, docs, kb


# --- writing YAML in the repository's style: one annotation per line, as a flow mapping ---

@lru_cache(maxsize=None)
def _string(v: str) -> str:
    """Plain when YAML reads it back as the same string, else double-quoted (JSON escapes are YAML's)."""
    if _PLAIN.fullmatch(v) and v.lower() not in _YAML_WORDS:
        return v
    return json.dumps(v, ensure_ascii=False)


def _scalar(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        r = repr(v)
        mantissa, _, exp = r.partition("e")
        return f"{mantissa}.0e{exp}" if exp and "." not in mantissa else r
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_scalar(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    raise TypeError(type(v))


def _document_yaml(meta: dict, layers: dict[str, list[dict]], waivers: list[dict]) -> str:
    lines = ["# yaml-language-server: $schema=../../schema/document.schema.json"]
    lines += [f"{k}: {_scalar(v)}" for k, v in meta.items()]
    if waivers:
        lines.append("waivers:")
        lines += [f"  - {_scalar(w)}" for w in waivers]
    for layer in ("entities", "figures", "quotes"):
        if layers[layer]:
            lines.append(f"{layer}:")
            lines += [f"  - {_scalar(a)}" for a in layers[layer]]
        else:
            lines.append(f"{layer}: []")
    return "\n".join(lines) + "\n"


def _kb_yaml(entries: list[dict]) -> str:
    lines = ["# yaml-language-server: $schema=../schema/kb.schema.json", "entries:"]
    lines += [f"  - {_scalar(e)}" for e in sorted(entries, key=lambda e: e["id"])]
    return "\n".join(lines) + "\n"


def _kb_refs(layers: dict) -> set[str]:
    refs = {e["entity"] for e in layers["entities"] if e.get("entity")}
    refs |= {f["source"] for f in layers["figures"] if f.get("source")}
    for q in layers["quotes"]:
        se = q.get("speaker_entity")
        refs |= {se} if isinstance(se, str) else set(se or [])
    return refs


def _compose(pars: list[Paragraph]) -> tuple[str, dict[str, list[dict]]]:
    """Join paragraphs with a blank line between them, as the real texts do; renumber annotations."""
    text_parts, layers, pos = [], {"entities": [], "figures": [], "quotes": []}, 0
    for par in pars:
        layers["entities"] += [_shift(e, pos) for e in par.entities]
        layers["figures"] += [{**_shift(f, pos), "measured": _shift(f["measured"], pos)} for f in par.figures]
        layers["quotes"] += [{k: (_shift(v, pos) if k in ("content", "speaker", "cue", "addressee") else v)
                              for k, v in q.items()} for q in par.quotes]
        text_parts.append(par.text)
        pos += len(par.text) + 2
    for layer, prefix in (("entities", "e"), ("figures", "f"), ("quotes", "q")):
        if layer == "quotes":
            layers[layer].sort(key=lambda q: min(s["start"] for s in _quote_spans(q)))
        else:
            layers[layer].sort(key=lambda a: a["start"])
        layers[layer] = [{"id": f"{prefix}{i}", **{k: v for k, v in a.items() if k != "id"}}
                         for i, a in enumerate(layers[layer], 1)]
    return "\n\n".join(text_parts), layers


def vocabulary(real: dict) -> dict[int, list[str]]:
    """Length → sorted lower-case words of the real texts that no entity or figure span contains."""
    words, banned = set(), set()
    for data, text in real.values():
        words |= {w.lower() for w in _WORD.findall(text) if _LETTERS.fullmatch(w)}
        for layer in ("entities", "figures"):
            banned |= {w.lower() for a in data[layer] for w in _WORD.findall(a["text"])}
    by_length: dict[int, list[str]] = {}
    for w in sorted(words - banned):
        by_length.setdefault(len(w), []).append(w)
    return by_length


def _protected(text: str, layers: dict, title: str | None, waivers: list[dict]) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) ranges of `text` that must stay verbatim."""
    spans = [(a["start"], a["end"]) for a in layers["entities"]]
    spans += [(f["start"], f["end"]) for f in layers["figures"]]
    spans += [(f["measured"]["start"], f["measured"]["end"]) for f in layers["figures"] if f.get("measured")]
    spans += [(s["start"], s["end"]) for q in layers["quotes"] for s in _quote_spans(q)]
    for needle in [title] + [w.get("text") for w in waivers]:
        if needle:
            at = text.find(needle)
            while at >= 0:
                spans.append((at, at + len(needle)))
                at = text.find(needle, at + 1)
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def vary_words(text: str, protected: list[tuple[int, int]], vocab: dict[int, list[str]],
               rng: random.Random) -> str:
    """`text` with each unprotected whole word of ASCII letters replaced by a vocabulary word of the
    same length and capitalisation; every offset stays valid."""
    out, pos, k = [], 0, 0
    for m in _WORD.finditer(text):
        s, e = m.span()
        while k < len(protected) and protected[k][1] <= s:
            k += 1
        if k < len(protected) and protected[k][0] < e:
            continue  # touches protected text
        word = m.group(0)
        choices = vocab.get(len(word))
        if not choices or not _LETTERS.fullmatch(word):
            continue
        new = choices[rng.randrange(len(choices))]
        if word.isupper() and len(word) > 1:
            new = new.upper()
        elif word[0].isupper():
            new = new[0].upper() + new[1:]
        out.append(text[pos:s])
        out.append(new)
        pos = e
    out.append(text[pos:])
    return "".join(out)


def _stories_and_splits(texts: dict[str, str], fallback: dict[str, str]) -> tuple[dict, dict]:
    """Story id and split per document: one story each unless the validator's measurement groups them."""
    try:
        from idlib_gold.text.stories import assign_splits, story_groups
    except ImportError:  # a validator without measured stories: every document its own story
        return {d: f"story-{d}" for d in texts}, fallback
    groups = story_groups(texts)
    story = {d: f"story-{g[0]}" for g in groups for d in g}
    return story, assign_splits(groups)


def count_annotations(layers: dict[str, list[dict]]) -> tuple[int, int]:
    """(annotations, spans): rows of the three layers, and every span they carry."""
    rows = sum(len(layers[k]) for k in ("entities", "figures", "quotes"))
    spans = len(layers["entities"]) + sum(1 + (f["measured"] is not None) for f in layers["figures"])
    spans += sum(len(_quote_spans(q)) for q in layers["quotes"])
    return rows, spans


def generate(out: Path, n_docs: int, source_root: Path, seed: int = 20200202, vary: bool = True) -> dict:
    """Write a corpus of `n_docs` synthetic documents under `out` (annotations/ only).

    Returns its counts, and under "corpus" the same documents as in-memory data, so the
    benchmark can write their Parquet tables without parsing the YAML it just wrote.
    """
    pool, real, kb = paragraph_pool(source_root)
    templates = sorted(real)
    rng = random.Random(seed * 1_000_003 + n_docs)
    (out / "annotations/texts").mkdir(parents=True, exist_ok=True)
    (out / "annotations/docs").mkdir(parents=True, exist_ok=True)
    families = {t: [p for p in pool if p.source == t] for t in templates}
    vocab = vocabulary(real) if vary else {}
    made, used_kb, rows, spans = [], set(), 0, 0
    for i in range(n_docs):
        template_data = real[templates[i % len(templates)]][0]
        pars = list(families[templates[i % len(templates)]])
        rng.shuffle(pars)
        text, layers = _compose(pars)
        sources = {p.source for p in pars}
        waivers, seen = [], set()
        for src in sorted(sources):
            for w in real[src][0].get("waivers", []):
                if (w["code"], w.get("text")) not in seen:
                    seen.add((w["code"], w.get("text")))
                    waivers.append(w)
        if vary:
            text = vary_words(text, _protected(text, layers, template_data["title"], waivers), vocab, rng)
        doc_id = f"syn{i:06d}"
        raw = text.encode("utf-8")
        made.append((doc_id, raw, layers, waivers, template_data))
        used_kb |= _kb_refs(layers)
        r, s = count_annotations(layers)
        rows, spans = rows + r, spans + s
    texts = {doc_id: raw.decode("utf-8") for doc_id, raw, *_ in made}
    story, split = _stories_and_splits(texts, {m[0]: m[4]["split"] for m in made})
    corpus = []
    for doc_id, raw, layers, waivers, template in made:
        meta = {"id": doc_id, "sha256": hashlib.sha256(raw).hexdigest(), "title": template["title"],
                "source": template["source"], "date": template["date"], "date_basis": template["date_basis"],
                "split": split[doc_id], "story": story[doc_id]}
        (out / "annotations/texts" / f"{doc_id}.txt").write_bytes(raw)
        (out / "annotations/docs" / f"{doc_id}.yaml").write_text(_document_yaml(meta, layers, waivers),
                                                                 encoding="utf-8")
        data = {**meta, **({"waivers": waivers} if waivers else {}), **layers}
        corpus.append((doc_id, raw, data))
    entries = [e for e in kb if e["id"] in used_kb]
    (out / "annotations/kb.yaml").write_text(_kb_yaml(entries), encoding="utf-8")
    return {"documents": n_docs, "annotations": rows, "spans": spans, "stories": len(set(story.values())),
            "paragraph_pool": len(pool), "corpus": (corpus, entries)}


def write_dataset(root: Path, generated: dict, target: Path) -> None:
    """The Parquet tables `idlib-gold build` would write for this corpus, under `target`.

    Built by the package's own row and table code from the in-memory documents. The card
    is reduced to its YAML header (configs, splits, features): that is all `load_dataset`
    reads, and the full card has parts that grow with the square of the document count.
    """
    from unittest import mock

    import yaml

    from idlib_gold.building.folder import render_outputs, write_outputs
    from idlib_gold.layout import DOCS
    from idlib_gold.reading.corpus import Corpus, Document
    from idlib_gold.reading.files import Loaded

    docs, entries = generated["corpus"]
    corpus = Corpus(root=root, kb=Loaded({"entries": entries}))
    corpus.documents = [Document(i, f"{DOCS}/{i}.yaml", raw.decode("utf-8"), raw, Loaded(data))
                        for i, raw, data in docs]

    def header_card(corpus, counts, files, sizes, agreement=None, sources=None):
        from idlib_gold.building.features import features_for

        configs, infos = [], []
        for config, splits in counts.items():
            paths = [{"split": s, "path": f"data/{config}/{s}.parquet"} for s, n in splits.items() if n]
            configs.append({"config_name": config, "data_files": paths, **({"default": True}
                                                                          if config == "documents" else {})})
            infos.append({"config_name": config, "features": features_for(config)._to_yaml_list()})
        meta = {"configs": configs, "dataset_info": infos}
        return "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n\nSynthetic benchmark corpus.\n"

    with mock.patch("idlib_gold.building.folder.render_card", header_card):
        files = render_outputs(corpus)
    write_outputs(target, files)
