"""Consistency lints (warnings): what is probably a mistake but may be a decision.

- IG501: a string annotated somewhere in a document is left bare elsewhere in it.
- IG502: the same string carries different labels.
- IG503: a sentence two documents share word for word is annotated differently.

A document can waive a lint with a reason (`waivers:` in its YAML); `--strict`
turns the remaining warnings into errors.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict

from ..findings import Finding
from ..reading.corpus import Corpus, Document
from ..reading.files import line_col_of_offset

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


_WORD_CHAR = re.compile(r"[\w-]")


def _bare_occurrences(text: str, string: str, starts: list[int], reach: list[int]):
    """(start, end) of each occurrence of `string` as a whole word (no word character or hyphen on
    either side) that no annotation covers. `str.find` does the scanning; the cover test is a
    bisection over annotation starts plus the furthest end reached by any annotation up to there."""
    n, s = len(string), text.find(string)
    while s >= 0:
        e = s + n
        whole = (s == 0 or not _WORD_CHAR.match(text, s - 1)) and not _WORD_CHAR.match(text, e)
        if whole:
            k = bisect_right(starts, s)
            if not (k and reach[k - 1] >= e):
                yield s, e
        s = text.find(string, e if whole else s + 1)  # whole-word matches do not overlap


def lint_unannotated(doc: Document) -> list[Finding]:
    covered = sorted((a["start"], a["end"]) for a, _ in _flat(doc))
    starts, reach, furthest = [], [], -1
    for a, b in covered:
        furthest = max(furthest, b)
        starts.append(a)
        reach.append(furthest)
    labels = defaultdict(set)
    for a, _ in _flat(doc):
        labels[a["text"]].add(a["label"])
    out = []
    for string, labs in sorted(labels.items()):
        if not string or _waived(doc, "IG501", string):
            continue
        for s, e in _bare_occurrences(doc.text, string, starts, reach):
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
    return _Signer(doc).sign(start, end)


class _Signer:
    """Signatures of many sentences of one document, each found by bisection instead of a full scan."""

    def __init__(self, doc: Document) -> None:
        self.layers = []
        for layer in ("entities", "figures", "quotes"):
            items = doc.data[layer]
            key = (lambda a: a["content"]["start"]) if layer == "quotes" else (lambda a: a["start"])
            ordered = sorted(items, key=key)
            self.layers.append((layer, ordered, [key(a) for a in ordered]))

    def sign(self, start: int, end: int) -> list[tuple]:
        def rel(span):
            return None if span is None else (span["start"] - start, span["end"] - start)

        def part(span):
            # a speaker or cue outside the sentence (a split quote) is compared by its words
            if span is None or start <= span["start"] and span["end"] <= end:
                return rel(span)
            return ("outside", span["text"].translate(_FOLD))

        sig = []
        for layer, ordered, starts in self.layers:
            for a in ordered[bisect_left(starts, start):bisect_left(starts, end)]:
                if layer == "entities" and a["end"] <= end:
                    sig.append(("E", rel(a), a["label"], a.get("entity"), a.get("value")))
                elif layer == "figures" and a["end"] <= end:
                    sig.append(("F", rel(a), a["label"], a["value"], a["value_max"], a["unit"], a["approximate"],
                                a["bound"], rel(a["measured"]), a["category"], a["source"]))
                elif layer == "quotes" and a["content"]["end"] <= end:
                    se = a["speaker_entity"]
                    sig.append(("Q", a["type"], rel(a["content"]), part(a["speaker"]), part(a["cue"]),
                                part(a["addressee"]), tuple(se) if isinstance(se, list) else se))
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


def lint_shared(corpus: Corpus, min_words: int = 6) -> list[Finding]:
    """One pass over every sentence of every document: sentences found in several documents are grouped,
    and a document whose annotations of the sentence differ from the most common ones is reported.

    Linear in the number of sentences (a dict keyed by the folded sentence), so it scales to corpora where
    many documents share passages."""
    where = defaultdict(list)  # folded sentence → [(doc, start, end)]
    # An edited text (IG301) is reported once; its sentences would only echo that finding here.
    for doc in sorted((d for d in corpus.documents if d.intact), key=lambda d: d.id):
        seen = defaultdict(list)
        for s, e in sentences(doc.text):
            key = doc.text[s:e].translate(_FOLD)
            if len(key.split()) >= min_words:
                seen[key].append((s, e))
        for key, spans in seen.items():
            if len(spans) == 1:  # a sentence repeated inside one document is ambiguous: skipped
                where[key].append((doc, *spans[0]))
    signers: dict[str, _Signer] = {}
    out = []
    for key, places in where.items():
        if len(places) < 2:
            continue
        signed = []
        for doc, s, e in places:
            signer = signers.get(doc.id)
            if signer is None:
                signer = signers[doc.id] = _Signer(doc)
            signed.append((doc, s, e, repr(signer.sign(s, e))))
        counts = defaultdict(int)
        for *_, sig in signed:
            counts[sig] += 1
        # the most common signature, the earliest document on ties (an index, not `signed.index`,
        # whose == on Documents compares whole texts: quadratic in the places of a sentence)
        reference = signed[max(range(len(signed)), key=lambda i: (counts[signed[i][3]], -i))]
        for doc, s, e in [(d, s, e) for d, s, e, sig in signed if sig != reference[3]]:
            if _waived(doc, "IG503", doc.text[s:e]):
                continue
            line, _ = line_col_of_offset(doc.text, s)
            ref_doc, ref_s, ref_e = reference[:3]
            out.append(Finding("IG503", f"sentence shared with {ref_doc.id} is annotated differently: "
                               f"{doc.text[s:e][:60]!r}… (text line {line})", doc.rel, None, None, None,
                               f"make the annotations of {doc.id} {s}–{e} match {ref_doc.id} {ref_s}–{ref_e}"))
    return out


def lint_corpus(corpus: Corpus) -> list[Finding]:
    out = []
    for doc in corpus.documents:
        if doc.unannotated is not None:
            out += doc.unannotated
        elif doc.intact:  # an edited text is reported once, as IG301
            out += lint_unannotated(doc)
    out += lint_labels(corpus)
    if corpus.complete:
        out += lint_shared(corpus)
    return out
