"""Consistency lints (warnings): what is probably a mistake but may be a decision.

- IG501: a string annotated somewhere in a document is left bare elsewhere in it.
- IG502: the same string carries different labels.
- IG503: a sentence two documents share word for word is annotated differently.

A document can waive a lint with a reason (`waivers:` in its YAML); `--strict`
turns the remaining warnings into errors.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict

from ..findings import Finding
from ..layout import LAYERS
from ..reading.corpus import Corpus, Document
from ..reading.files import line_col_of_offset
from ..text.spans import iter_spans
from .documents import UNSOUND

__all__ = ["lint_corpus", "shared_sentences", "sentences", "sentence_signature", "own_sentences"]

#: IG503 compares sentences of at least this many words.
MIN_WORDS = 6

# Typographic characters that syndicated copies swap for ASCII; each is one code point either way,
# so normalizing them keeps offsets aligned.
_FOLD = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}


def _fold(text: str) -> str:
    """`text` with the typographic characters of `_FOLD` as ASCII. One `str.replace` per character:
    `str.translate` with a table looks each character up, 150 µs for a 15,000-character text where the
    six replacements take 5 µs (it was a twentieth of the per-document checks' time at 1,000x)."""
    for typographic, plain in _FOLD.items():
        text = text.replace(typographic, plain)
    return text


#: Where a sentence ends: a `.`, `!` or `?`, closing quotes or brackets, white space, and a capital,
#: digit or opening quote next; or line breaks. The end mark is matched, not looked behind for: the
#: same boundaries, and 0.060 against 0.088 s for the 805 texts of 1,000x the corpus read in turns.
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“A-Z0-9])|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split at line breaks and at . ! ? before a capital."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + len(m.group(0).rstrip())  # the mark and quotes stay; line breaks do not
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


def _holds(doc: Document, span: dict) -> bool:
    """Whether a span's text is at its offsets (else IG304 or IG305 reports it)."""
    return 0 <= span["start"] < span["end"] <= len(doc.text) and doc.text[span["start"]:span["end"]] == span["text"]


def _kb_types(corpus: Corpus) -> dict[str, str]:
    return {e["id"]: e["type"] for e in corpus.kb_entries}


def _contradicts_kb(a: dict, kb_types: dict[str, str]) -> bool:
    """A mention whose label differs from the type of the KB entry it links to (IG309)."""
    return a.get("entity") in kb_types and kb_types[a["entity"]] != a["label"]


def _sound(doc: Document, kb_types: dict[str, str]) -> bool:
    """An unedited text whose every span is where its text is and whose every label agrees with the
    KB: only such a document is evidence about another one (IG503); otherwise what it would show
    about the other follows from its own IG301, IG304, IG305 or IG309. When the document's checks
    ran where it was read (`doc.checks`, against the same KB), their findings answer."""
    if doc.checks is not None and kb_types:
        return not any(f.code in UNSOUND for f in doc.checks)
    return doc.intact and not any(_contradicts_kb(a, kb_types) for a in doc.data["entities"]) and \
        all(_holds(doc, span) for layer in LAYERS for a in doc.data[layer] for _, span in iter_spans(a, layer))


#: The lints whose waiver decides a string for good: it is left unannotated here (IG501), or it
#: carries another label here than elsewhere (IG502); `suspects` reads them as adjudications.
UNANNOTATED_STRING, TWO_LABELS = "IG501", "IG502"


def waiver(doc: Document, code: str, text: str) -> dict | None:
    """The document's waiver of lint `code` for the string `text` (one without `text` waives every
    string), or None: the decision a reviewer already wrote down, with its reason."""
    return next((w for w in doc.data.get("waivers", []) if w["code"] == code and w.get("text", text) == text), None)


def _waived(doc: Document, code: str, text: str) -> bool:
    return waiver(doc, code, text) is not None


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


def _intended(doc: Document, starts: list[int], reach: list[int]) -> list[tuple[int, int, dict, tuple]]:
    """(start, end, annotation, json path) of the place each misplaced entity or figure was meant for:
    of the occurrences of its text that no annotation covers, the one nearest its written start."""
    out = []
    for layer in ("entities", "figures"):
        for i, a in enumerate(doc.data[layer]):
            if a["text"] and not _holds(doc, a):
                bare = list(_bare_occurrences(doc.text, a["text"], starts, reach))
                if bare:
                    s, e = min(bare, key=lambda b: (abs(b[0] - a["start"]), b[0]))
                    out.append((s, e, a, (layer, i)))
    return out


def lint_unannotated(doc: Document) -> list[Finding]:
    """IG501 at each whole-word occurrence of an annotated string that no annotation covers, located
    at the annotation of that string nearest to it, the one it is compared with. An occurrence inside
    the place a misplaced annotation was meant for (`_intended`) is bare because of that annotation's
    IG304/IG305: the finding is then on that annotation, and follows from its.

    Emits: IG501."""
    covered = sorted((a["start"], a["end"]) for a, _ in _flat(doc))
    starts, reach, furthest = [], [], -1
    for a, b in covered:
        furthest = max(furthest, b)
        starts.append(a)
        reach.append(furthest)
    uses = defaultdict(list)  # annotated string → [(annotation, json path)]
    for layer in ("entities", "figures"):
        for i, a in enumerate(doc.data[layer]):
            uses[a["text"]].append((a, (layer, i)))
    intended = _intended(doc, starts, reach)
    out = []
    for string, items in sorted(uses.items()):
        if not string or _waived(doc, "IG501", string):
            continue
        labs = sound = None  # made at the first bare occurrence: most strings have none
        for s, e in _bare_occurrences(doc.text, string, starts, reach):
            if labs is None:
                labs = "/".join(sorted({a["label"] for a, _ in items}))
                sound = [(a, path) for a, path in items if _holds(doc, a)]
            tline, tcol = line_col_of_offset(doc.text, s)
            message = f"{string!r} ({labs}) is not annotated at {s}–{e} (text line {tline}, column {tcol})"
            meant = [(abs(a["start"] - s), a, path) for i_s, i_e, a, path in intended if i_s <= s and e <= i_e]
            misplaced = min(meant, key=lambda m: m[0])[1:] if meant else None
            pool = [item for item in (sound or items) if misplaced is None or item[0] is not misplaced[0]]
            compared = min(pool, key=lambda item: (abs(item[0]["start"] - s), item[0]["start"])) if pool else None
            if compared is not None:
                message += f"; it is annotated as {compared[0]['id']} on line {doc.where(*compared[1])[0]}"
            hint = f"annotate it, or add a waiver {{code: IG501, text: {string!r}, reason: …}}"
            at = compared
            if misplaced is not None:
                a, path = misplaced
                message += (f"; {a['id']} on line {doc.where(*path)[0]} is written for this place but at "
                            f"{a['start']}–{a['end']}")
                hint = f"correct the offsets of {a['id']}"
                at = misplaced
            line, col = doc.where(*at[1]) if at else (None, None)
            involves = (compared[0]["id"],) if compared is not None and at is not compared else ()
            out.append(Finding("IG501", message, doc.rel, line, col, at[0]["id"] if at else None, hint,
                               involves=involves))
    return out


def lint_labels(corpus: Corpus) -> list[Finding]:
    """IG502 on each use of a string whose label is not the one most uses of it carry, in the
    documents loaded (all of them, or those `validate PATHS…` named: the message says how many).

    Emits: IG502."""
    kb_types = _kb_types(corpus)
    # A first pass counts labels per folded string; only the strings found with two labels or more
    # (few: most strings carry one) have their uses listed, by a second pass in the same order.
    folded: dict[str, str] = {}  # text → folded text: a corpus repeats its names thousands of times
    labels = defaultdict(set)  # folded text → its labels
    agrees = defaultdict(int)  # (folded text, label) → uses whose label agrees with their KB entry
    for doc in corpus.documents:
        for layer in ("entities", "figures"):
            for a in doc.data[layer]:
                text = a["text"]
                key = folded.get(text)
                if key is None:
                    key = folded[text] = _fold(text)
                labels[key].add(a["label"])
                agrees[key, a["label"]] += not _contradicts_kb(a, kb_types)
    uses = defaultdict(list)  # folded text with two labels or more → [(label, doc, path, id)]
    for doc in corpus.documents:
        for layer in ("entities", "figures"):
            for i, a in enumerate(doc.data[layer]):
                key = folded[a["text"]]
                if len(labels[key]) > 1:
                    uses[key].append((a["label"], doc, (layer, i), a["id"]))
    counted = f"{len(corpus.documents)} document(s) checked"
    out = []
    for string, items in sorted(uses.items()):
        by_label = defaultdict(list)
        for item in items:
            by_label[item[0]].append(item)
        if len(by_label) < 2:
            continue
        summary = ", ".join(f"{lab} ×{len(v)}" for lab, v in sorted(by_label.items()))
        # the label most uses carry, counting first those a KB entry confirms: on a tie, a label that
        # contradicts the KB (IG309) is the one reported, so the finding follows from that IG309
        majority = max(sorted(by_label), key=lambda lab: (agrees[string, lab], len(by_label[lab])))
        for label, group in sorted(by_label.items()):
            if label == majority:
                continue
            for _, doc, path, ann_id in group:
                if _waived(doc, "IG502", string):
                    continue
                line, col = doc.where(*path)
                # the majority use it is compared with: the nearest in this document, else the first
                same = [u for u in by_label[majority] if u[1] is doc]
                ref = min(same, key=lambda u: abs(u[1].where(*u[2])[0] - line)) if same else by_label[majority][0]
                ref_line = ref[1].where(*ref[2])[0]
                where = f"line {ref_line}" if same else f"{ref[1].rel}:{ref_line}"
                out.append(Finding("IG502", f"{string!r} is {label} here and {majority} as {ref[3]} ({where}); "
                                   f"in the {counted}: {summary}", doc.rel, line, col, ann_id,
                                   "if the meaning differs, waive it with the reason; else use one label",
                                   involves=(ref[3],) if same else ()))
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
        return sorted((item for item, _ in self.parts(start, end)), key=repr)

    def parts(self, start: int, end: int) -> list[tuple[tuple, str]]:
        """(signature item, annotation id) of every annotation inside [start, end), in text order."""
        def rel(span):
            return None if span is None else (span["start"] - start, span["end"] - start)

        def part(span):
            # a speaker or cue outside the sentence (a split quote) is compared by its words
            if span is None or start <= span["start"] and span["end"] <= end:
                return rel(span)
            return ("outside", _fold(span["text"]))

        out = []
        for layer, ordered, starts in self.layers:
            for a in ordered[bisect_left(starts, start):bisect_left(starts, end)]:
                if layer == "entities" and a["end"] <= end:
                    out.append((("E", rel(a), a["label"], a.get("entity"), a.get("value")), a["id"]))
                elif layer == "figures" and a["end"] <= end:
                    out.append((("F", rel(a), a["label"], a["value"], a["value_max"], a["unit"], a["approximate"],
                                 a["bound"], rel(a["measured"]), a["category"], a["source"]), a["id"]))
                elif layer == "quotes" and a["content"]["end"] <= end:
                    se = a["speaker_entity"]
                    out.append((("Q", a["type"], rel(a["content"]), part(a["speaker"]), part(a["cue"]),
                                 part(a["addressee"]), tuple(se) if isinstance(se, list) else se), a["id"]))
        return out


def shared_sentences(a: Document, b: Document, min_words: int = 6) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Sentences of `a` that occur word for word in `b` (typographic quotes folded), as span pairs."""
    index = defaultdict(list)
    for s, e in sentences(b.text):
        index[_fold(b.text[s:e])].append((s, e))
    pairs = []
    for s, e in sentences(a.text):
        key = _fold(a.text[s:e])
        if len(key.split()) >= min_words and len(index.get(key, [])) == 1:
            pairs.append(((s, e), index[key][0]))
    return pairs


#: Numbers a sentence takes in `own_sentences`: its digest, start, end, and its signature's digest in two.
SENTENCE_FIELDS = 5


def own_sentences(doc: Document, min_words: int = MIN_WORDS) -> array:
    """Each sentence of at least `min_words` words that occurs once in the document, as five numbers
    (`SENTENCE_FIELDS`) in one array: the digest of the folded sentence, its start and end, and the
    digest of its annotations' signature in two halves. What IG503 compares across documents (a
    sentence repeated inside one document is ambiguous, so skipped). Computed where the document
    is read (`Document.sentences`).

    A 64-bit BLAKE2b digest stands for the sentence: the same in every process, so it is kept with
    the document's check results; `lint_shared` compares the texts themselves wherever digests meet.
    A 128-bit digest stands for the signature (`_signature`): where every copy of a sentence has the
    same one, there is nothing to report and `lint_shared` signs none of them again (signing was
    three quarters of its time in a 5,000-document rebuild, profiled with py-spy). Packed in one
    array, a sentence takes 40 bytes where a tuple of five Python numbers took 220: 20 MiB of a
    5,000-document corpus."""
    seen = defaultdict(list)
    folded = _fold(doc.text)  # one code point for one: the sentences' offsets hold
    for s, e in sentences(doc.text):
        key = folded[s:e]
        if len(key.split()) >= min_words:
            seen[key].append((s, e))
    signer = None
    out = array("Q")
    for key, spans in seen.items():
        if len(spans) == 1:
            signer = signer or _Signer(doc)
            s, e = spans[0]
            # the sorted reprs joined by line breaks, which no repr holds: one string for one signature,
            # made in 0.17 s for 800 documents where the repr of their tuple took 0.21 s
            signature = _digest("\n".join(_signature(signer.parts(s, e))), 16)
            out.extend((_digest(key), s, e, signature & _LOW, signature >> 64))
    return out


_LOW = (1 << 64) - 1


def _signature(parts: list[tuple[tuple, str]]) -> tuple[str, ...]:
    """What IG503 compares: the reprs of a sentence's signature items, sorted (each repr made once)."""
    return tuple(sorted(repr(item) for item, _ in parts))


def _digest(sentence: str, size: int = 8) -> int:
    return int.from_bytes(hashlib.blake2b(sentence.encode("utf-8", "surrogatepass"), digest_size=size).digest(),
                          "little")


def lint_shared(corpus: Corpus, min_words: int = MIN_WORDS, doubtful: frozenset = frozenset()) -> list[Finding]:
    """One pass over every sentence of every document: sentences found in several documents are grouped,
    and a document whose annotations of the sentence differ from the most common ones is reported,
    on its first annotation the others lack. Of equally common ones, the reference is one without an
    annotation in `doubtful` ((document id, annotation id) pairs another lint reported), so one
    mislabelled mention is reported where it is, and its IG503 follows from its IG502.

    Linear in the number of sentences (a dict keyed by the folded sentence), so it scales to corpora where
    many documents share passages.

    Emits: IG503."""
    where = defaultdict(list)  # digest of the folded sentence → [(doc, start, end)]
    # A document with an edited text or a misplaced span is no evidence about another one: its
    # sentences are left out until the IG301/IG304/IG305 is fixed.
    kb_types = _kb_types(corpus)
    for doc in sorted((d for d in corpus.documents if _sound(d, kb_types)), key=lambda d: d.id):
        own = doc.sentences if doc.sentences is not None and min_words == MIN_WORDS else own_sentences(doc, min_words)
        for i in range(0, len(own), SENTENCE_FIELDS):
            key, s, e, low, high = own[i:i + SENTENCE_FIELDS]
            where[key].append((doc, s, e, low, high))
    signers: dict[str, _Signer] = {}
    out = []
    for places in _same_sentences(where):
        if all(place[3:] == places[0][3:] for place in places):
            continue  # annotated alike everywhere (their signatures' digests agree): nothing to report
        signed = []
        for doc, s, e, *_ in places:
            signer = signers.get(doc.id)
            if signer is None:
                signer = signers[doc.id] = _Signer(doc)
            parts = signer.parts(s, e)
            doubted = any((doc.id, ann_id) in doubtful for _, ann_id in parts)
            signed.append((doc, s, e, _signature(parts), parts, doubted))
        counts = defaultdict(int)
        for place in signed:
            counts[place[3]] += 1
        # the most common signature, one without a doubted annotation on ties, then the earliest
        # document (an index, not `signed.index`, whose == on Documents compares whole texts:
        # quadratic in the places of a sentence)
        reference = signed[max(range(len(signed)), key=lambda i: (counts[signed[i][3]], not signed[i][5], -i))]
        ref_items = {item for item, _ in reference[4]}
        for doc, s, e, sig, parts, _ in signed:
            if sig == reference[3] or _waived(doc, "IG503", doc.text[s:e]):
                continue
            line, _ = line_col_of_offset(doc.text, s)
            ref_doc, ref_s, ref_e = reference[:3]
            differing = [ann_id for item, ann_id in parts if item not in ref_items]
            at, col, ann = None, None, None
            if differing:
                ann = differing[0]
                at, col = _where_id(doc, ann)
            out.append(Finding("IG503", f"sentence shared with {ref_doc.id} is annotated differently: "
                               f"{doc.text[s:e][:60]!r}… (text line {line})", doc.rel, at, col, ann,
                               f"make the annotations of {doc.id} {s}–{e} match {ref_doc.id} {ref_s}–{ref_e}"))
    return out


def _same_sentences(where: dict) -> list[list[tuple]]:
    """The places of each sentence found in two documents or more, grouped by the folded text itself
    (digests that meet are compared as texts), in the order the digests were first met."""
    out = []
    for places in where.values():
        if len(places) < 2:
            continue
        doc, s, e = places[0][:3]
        first = doc.text[s:e]
        if all(d.text[a:b] == first for d, a, b, *_ in places[1:]):  # the common case: copies word for word
            out.append(places)
            continue
        by_text = defaultdict(list)
        for place in places:
            doc, s, e = place[:3]
            by_text[_fold(doc.text[s:e])].append(place)
        out += [same for same in by_text.values() if len(same) > 1]
    return out


def _where_id(doc: Document, ann_id: str) -> tuple[int | None, int | None]:
    for layer in LAYERS:
        for i, a in enumerate(doc.data[layer]):
            if a["id"] == ann_id:
                return doc.where(layer, i)
    return None, None


def lint_corpus(corpus: Corpus) -> list[Finding]:
    out = []
    for doc in corpus.documents:
        out += doc.unannotated if doc.unannotated is not None else lint_unannotated(doc)
    labels = lint_labels(corpus)
    out += labels
    if corpus.complete:
        by_path = {d.rel: d.id for d in corpus.documents}
        out += lint_shared(corpus, doubtful=frozenset((by_path[f.path], f.annotation) for f in labels))
    return out
