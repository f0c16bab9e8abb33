"""Consistency lints (warnings): what is probably a mistake but may be a decision.

- IG501: a string annotated somewhere in a document is left bare elsewhere in it.
- IG502: the same string carries different labels.
- IG503: a sentence two documents share word for word is annotated differently.

A document can waive a lint with a reason (`waivers:` in its YAML); `--strict`
turns the remaining warnings into errors.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .corpus import Corpus, Document
from .findings import Finding

__all__ = ["lint_corpus", "shared_sentences", "sentences", "sentence_signature"]

# Typographic characters that syndicated copies swap for ASCII; each is one code point either way,
# so normalizing them keeps offsets aligned.
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“A-Z0-9])|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split at line breaks and at . ! ? before a capital."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + len(m.group(0).rstrip()) if m.group(0).strip() else m.start()
        seg = text[start:end]
        if seg.strip():
            lead = len(seg) - len(seg.lstrip())
            out.append((start + lead, start + len(seg.rstrip())))
        start = m.end()
    seg = text[start:]
    if seg.strip():
        lead = len(seg) - len(seg.lstrip())
        out.append((start + lead, start + len(seg.rstrip())))
    return out


def _flat(doc: Document):
    return [(a, "entities") for a in doc.data["entities"]] + [(a, "figures") for a in doc.data["figures"]]


def _waived(doc: Document, code: str, text: str) -> bool:
    return any(w["code"] == code and w.get("text", text) == text for w in doc.data.get("waivers", []))


def lint_unannotated(doc: Document) -> list[Finding]:
    covered = sorted((a["start"], a["end"]) for a, _ in _flat(doc))
    labels = defaultdict(set)
    for a, _ in _flat(doc):
        labels[a["text"]].add(a["label"])
    out = []
    for string, labs in sorted(labels.items()):
        if _waived(doc, "IG501", string):
            continue
        for m in re.finditer(r"(?<![\w-])" + re.escape(string) + r"(?![\w-])", doc.text):
            s, e = m.start(), m.end()
            if any(a <= s and e <= b for a, b in covered):
                continue
            from .reading import line_col_of_offset

            tline, tcol = line_col_of_offset(doc.text, s)
            out.append(Finding("IG501", f"{string!r} ({'/'.join(sorted(labs))}) is not annotated at {s}–{e} "
                               f"(text line {tline}, column {tcol})", doc.rel, None, None, None,
                               f"annotate it, or add a waiver {{code: IG501, text: {string!r}, reason: …}}"))
    return out


def lint_labels(corpus: Corpus) -> list[Finding]:
    uses = defaultdict(list)  # folded text → [(label, doc, path, id)]
    for doc in corpus.documents:
        for layer in ("entities", "figures"):
            for i, a in enumerate(doc.data[layer]):
                uses[a["text"].translate(_FOLD)].append((a["label"], doc, (layer, i), a["id"]))
    out = []
    for string, items in sorted(uses.items()):
        by_label = defaultdict(list)
        for item in items:
            by_label[item[0]].append(item)
        if len(by_label) < 2:
            continue
        summary = ", ".join(f"{lab} ×{len(v)}" for lab, v in sorted(by_label.items()))
        majority = max(sorted(by_label), key=lambda lab: len(by_label[lab]))
        for label, group in sorted(by_label.items()):
            if label == majority:
                continue
            for _, doc, path, ann_id in group:
                if _waived(doc, "IG502", string):
                    continue
                line, col = doc.where(*path)
                out.append(Finding("IG502", f"{string!r} is {label} here; across the corpus: {summary}",
                                   doc.rel, line, col, ann_id,
                                   "if the meaning differs, waive it with the reason; else use one label"))
    return out


def sentence_signature(doc: Document, start: int, end: int) -> list[tuple]:
    """Every annotation inside [start, end), with offsets relative to `start` and its non-span fields."""
    def rel(span):
        return None if span is None else (span["start"] - start, span["end"] - start)

    sig = []
    for a in doc.data["entities"]:
        if start <= a["start"] and a["end"] <= end:
            sig.append(("E", rel(a), a["label"], a.get("entity"), a.get("value")))
    for f in doc.data["figures"]:
        if start <= f["start"] and f["end"] <= end:
            sig.append(("F", rel(f), f["label"], f["value"], f["value_max"], f["unit"], f["approximate"],
                        f["bound"], rel(f["measured"]), f["category"], f["source"]))
    def part(span):
        # a speaker or cue outside the sentence (a split quote) is compared by its words
        if span is None or start <= span["start"] and span["end"] <= end:
            return rel(span)
        return ("outside", span["text"].translate(_FOLD))

    for q in doc.data["quotes"]:
        c = q["content"]
        if start <= c["start"] and c["end"] <= end:
            se = q["speaker_entity"]
            sig.append(("Q", q["type"], rel(c), part(q["speaker"]), part(q["cue"]), part(q["addressee"]),
                        tuple(se) if isinstance(se, list) else se))
    return sorted(sig, key=repr)


def shared_sentences(a: Document, b: Document, min_words: int = 6) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Sentences of `a` that occur word for word in `b` (typographic quotes folded), as span pairs."""
    index = defaultdict(list)
    for s, e in sentences(b.text):
        index[b.text[s:e].translate(_FOLD)].append((s, e))
    pairs = []
    for s, e in sentences(a.text):
        key = a.text[s:e].translate(_FOLD)
        if len(key.split()) >= min_words and len(index.get(key, [])) == 1:
            pairs.append(((s, e), index[key][0]))
    return pairs


def lint_shared(corpus: Corpus) -> list[Finding]:
    out = []
    docs = sorted(corpus.documents, key=lambda d: d.id)
    for i, a in enumerate(docs):
        for b in docs[i + 1:]:
            for (sa, ea), (sb, eb) in shared_sentences(a, b):
                if sentence_signature(a, sa, ea) != sentence_signature(b, sb, eb):
                    snippet = a.text[sa:ea][:60]
                    if _waived(b, "IG503", a.text[sa:ea]):
                        continue
                    from .reading import line_col_of_offset

                    line, _ = line_col_of_offset(b.text, sb)
                    out.append(Finding("IG503", f"sentence shared with {a.id} is annotated differently: "
                                       f"{snippet!r}… (text line {line})", b.rel, None, None, None,
                                       f"make the annotations of {b.id} {sb}–{eb} match {a.id} {sa}–{ea}"))
    return out


def lint_corpus(corpus: Corpus) -> list[Finding]:
    out = []
    for doc in corpus.documents:
        out += lint_unannotated(doc)
    out += lint_labels(corpus)
    if corpus.complete:
        out += lint_shared(corpus)
    return out
