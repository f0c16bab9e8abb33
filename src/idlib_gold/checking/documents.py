"""Cross-checks: what JSON Schema cannot say about a document (level 3).

Each function takes schema-valid data and returns findings. The checks are
independent of each other so one broken span does not hide another; what follows
from another finding (every span of an edited text, the edges of a shifted span)
is still reported, and the reporter folds it into its cause (`findings.fold`). A
finding about two annotations names the other one (`involves`), so it can be
folded into either's cause.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict

from ..findings import Finding
from ..layout import KB_FILE, LAYERS
from ..reading.corpus import Corpus, Document
from ..text.spans import diagnose, iter_spans, overlapping_spans
from ..text.stories import assign_splits
from ..text.tokens import may_cut_a_token, misaligned_edges
from .timex import is_valid_timex

__all__ = ["check_corpus", "check_document", "figure_numbers"]



def _at(doc: Document, path: tuple, code: str, message: str, annotation=None, hint=None, involves=()) -> Finding:
    line, col = doc.where(*path)
    return Finding(code, message, doc.rel, line, col, annotation, hint, involves=tuple(involves))


def check_metadata(doc: Document) -> list[Finding]:
    """The document's id, text checksum, date and title against its files.

    Emits: IG301, IG302, IG313, IG317."""
    d, out = doc.data, []
    if d["id"] != doc.id:
        out.append(_at(doc, ("id",), "IG302", f"id {d['id']!r} differs from the file name {doc.id!r}",
                       hint=f"set id: {doc.id}"))
    digest = hashlib.sha256(doc.raw).hexdigest()
    if digest != d["sha256"]:
        hint = "restore the text from the source (git checkout -- the .txt file); texts are never edited"
        if b"\r\n" in doc.raw:
            hint = "the text has CRLF line endings: git or an editor rewrote it; restore it with LF endings"
        out.append(_at(doc, ("sha256",), "IG301",
                       f"text annotations/texts/{doc.id}.txt has SHA-256 {digest[:12]}…, not {d['sha256'][:12]}…",
                       hint=hint))
    if (d["date"] is None) != (d["date_basis"] is None):
        out.append(_at(doc, ("date_basis",), "IG317", "date and date_basis must both be set or both be null"))
    if d["date"] is not None and not is_valid_timex(d["date"]):
        out.append(_at(doc, ("date",), "IG313", f"date {d['date']!r} is not a valid calendar date"))
    if d["title"] is not None and d["title"] not in doc.text.splitlines():
        out.append(_at(doc, ("title",), "IG317", "title is not a line of the text",
                       hint="copy the headline line verbatim, or null if there is none"))
    return out


def check_spans(doc: Document) -> list[Finding]:
    """Each span's offsets against the text: inside it, its text at them, no white space at an edge.

    Emits: IG304, IG305, IG306."""
    out, n = [], len(doc.text)
    for layer in LAYERS:
        for i, ann in enumerate(doc.data[layer]):
            for suffix, span in iter_spans(ann, layer):
                path, s, e, t = (layer, i) + suffix, span["start"], span["end"], span["text"]
                name = ".".join((ann["id"],) + suffix)
                if not (0 <= s < e <= n):
                    out.append(_at(doc, path + ("start",), "IG304",
                                   f"{name}: span {s}–{e} is outside the text (0–{n}) or empty",
                                   ann["id"], hint=diagnose(doc.text, doc.raw, s, e, t)))
                    continue
                if doc.text[s:e] != t:
                    out.append(_at(doc, path + ("text",), "IG305",
                                   f"{name}: text {t!r} ≠ text[{s}:{e}] {doc.text[s:e]!r}",
                                   ann["id"], hint=diagnose(doc.text, doc.raw, s, e, t)))
                elif t != t.strip():
                    out.append(_at(doc, path + ("start",), "IG306", f"{name}: span {t!r} has white space at an edge",
                                   ann["id"], hint="move start/end inward past the white space"))
    return out


def _in_order(starts: list[int]) -> set[int]:
    """Indices of a longest run of `starts` that never decreases (not necessarily adjacent): the
    annotations that may stay where they are; every other one is out of place. Patience sorting,
    from the last line up, so that of two equally long runs the one keeping the upper lines wins
    (of two swapped lines, the lower one is reported)."""
    tails: list[int] = []  # tails[k]: index starting the best run of length k + 1 found so far
    values: list[int] = []  # -starts[tails[k]], for bisection
    after: dict[int, int | None] = {}
    for i in range(len(starts) - 1, -1, -1):
        k = bisect_right(values, -starts[i])
        after[i] = tails[k - 1] if k else None
        if k == len(tails):
            tails.append(i)
            values.append(-starts[i])
        else:
            tails[k], values[k] = i, -starts[i]
    kept, i = set(), (tails[-1] if tails else None)
    while i is not None:
        kept.add(i)
        i = after[i]
    return kept


def check_ids_and_order(doc: Document) -> list[Finding]:
    """Annotation ids unique in the document, and each layer in text order.

    Emits: IG307, IG318."""
    out, seen = [], {}
    for layer in LAYERS:
        anns = doc.data[layer]
        for i, ann in enumerate(anns):
            if ann["id"] in seen:
                out.append(_at(doc, (layer, i, "id"), "IG307", f"id {ann['id']} is used twice", ann["id"],
                               hint=f"first used on line {doc.where(*seen[ann['id']])[0]}; give this one a new id"))
            else:  # where it was first used, looked up only for a finding (a lookup per annotation cost more
                seen[ann["id"]] = (layer, i)  # than the rest of this check)
        starts = [a["start"] if layer != "quotes" else min(s["start"] for _, s in iter_spans(a, layer)) for a in anns]
        kept = _in_order(starts)
        # One line out of place is one finding, on that line, whichever way it moved.
        for i in sorted(set(range(len(anns))) - kept):
            above = next((j for j in range(i - 1, -1, -1) if j in kept), None)
            if above is not None and starts[above] > starts[i]:
                other, where = above, "before {} above it (at {})"
            else:
                other = next(j for j in range(i + 1, len(anns)) if j in kept)
                where = "after {} below it (at {})"
            out.append(_at(doc, (layer, i), "IG318",
                           f"{anns[i]['id']} starts at {starts[i]}, "
                           + where.format(anns[other]["id"], starts[other]),
                           anns[i]["id"], hint="keep each layer sorted by start offset", involves=[anns[other]["id"]]))
    return out


def check_overlaps(doc: Document) -> list[Finding]:
    """Entity and figure spans never overlap; a quote's parts are disjoint.

    Emits: IG310, IG311."""
    out = []
    flat = [(a["start"], a["end"], a["id"]) for layer in ("entities", "figures") for a in doc.data[layer]]
    index = {a["id"]: (layer, i) for layer in LAYERS for i, a in enumerate(doc.data[layer])}
    for first, second in overlapping_spans(flat):
        out.append(_at(doc, index[second[2]], "IG310",
                       f"{second[2]} ({second[0]}–{second[1]}) overlaps {first[2]} ({first[0]}–{first[1]})",
                       second[2], hint="entity and figure spans never overlap: shorten one or remove it",
                       involves=[first[2]]))
    for i, q in enumerate(doc.data["quotes"]):
        parts = [(s["start"], s["end"], name[0]) for name, s in iter_spans(q, "quotes")]
        for first, second in overlapping_spans(parts):
            out.append(_at(doc, ("quotes", i, second[2]), "IG311",
                           f"{q['id']}: {second[2]} overlaps {first[2]}", q["id"],
                           hint="content, speaker, cue and addressee are disjoint spans"))
    return out


_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALE_AFTER = re.compile(r"\s*(thousand|million|billion|trillion)\b", re.I)


def figure_numbers(text: str) -> list[float]:
    """The numbers written with digits in a figure's text, scale words applied: '3.6 million' → [3600000]."""
    numbers = []
    for m in _NUMBER.finditer(text):
        value = float(m.group().replace(",", ""))
        scale = _SCALE_AFTER.match(text, m.end())
        numbers.append(value * _SCALE[scale.group(1).lower()] if scale else value)
    return numbers


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def check_figures(doc: Document) -> list[Finding]:
    """Each figure's value agrees with the digits in its text.

    Emits: IG312."""
    out = []
    for i, f in enumerate(doc.data["figures"]):
        numbers = figure_numbers(f["text"])
        if numbers and not _close(numbers[0], f["value"]):
            out.append(_at(doc, ("figures", i, "value"), "IG312",
                           f"{f['id']}: value {f['value']:g} but the text {f['text']!r} says {numbers[0]:g}", f["id"],
                           hint=f"set value: {numbers[0]:g}"))
        if len(numbers) > 1 and f["value_max"] is not None and not _close(numbers[1], f["value_max"]):
            out.append(_at(doc, ("figures", i, "value_max"), "IG312",
                           f"{f['id']}: value_max {f['value_max']:g} but the text says {numbers[1]:g}", f["id"]))
        if f["value_max"] is not None and f["value_max"] < f["value"]:
            out.append(_at(doc, ("figures", i, "value_max"), "IG312",
                           f"{f['id']}: value_max {f['value_max']:g} is below value {f['value']:g}", f["id"]))
    return out


def check_dates(doc: Document) -> list[Finding]:
    """Each DATE and TIME value is a valid ISO 8601 / TIMEX3 string.

    Emits: IG313."""
    out = []
    for i, e in enumerate(doc.data["entities"]):
        if e["label"] in ("DATE", "TIME") and e["value"] is not None and not is_valid_timex(e["value"]):
            out.append(_at(doc, ("entities", i, "value"), "IG313",
                           f"{e['id']}: {e['value']!r} is not a valid ISO 8601 / TIMEX3 value", e["id"],
                           hint="examples: 2020-02-02, 2019-12, 2020-W06, XXXX-WXX-1, P9Y, PT3H; or null"))
    return out


def _kb_refs(doc: Document):
    """(json path, kb id, expected type or None) for every KB reference in a document."""
    for i, e in enumerate(doc.data["entities"]):
        if "entity" in e:
            yield ("entities", i, "entity"), e["entity"], e["label"], e["id"]
    for i, f in enumerate(doc.data["figures"]):
        if f["source"] is not None:
            yield ("figures", i, "source"), f["source"], None, f["id"]
    for i, q in enumerate(doc.data["quotes"]):
        se = q["speaker_entity"]
        for ref in [se] if isinstance(se, str) else (se or []):
            yield ("quotes", i, "speaker_entity"), ref, None, q["id"]


def check_references(doc: Document, kb_types: dict[str, str]) -> list[Finding]:
    """Each KB reference names an entry, and a mention's label is its entry's type.

    Emits: IG308, IG309."""
    import difflib

    out = []
    for path, ref, label, ann_id in _kb_refs(doc):
        if ref not in kb_types:
            close = difflib.get_close_matches(ref, list(kb_types), n=1)
            out.append(_at(doc, path, "IG308", f"{ann_id}: {ref!r} is not in {KB_FILE}", ann_id,
                           hint=f"did you mean {close[0]!r}?" if close else f"add an entry to {KB_FILE}"))
        elif label is not None and kb_types[ref] != label:
            out.append(_at(doc, path, "IG309", f"{ann_id}: label {label} but {ref!r} is a {kb_types[ref]}", ann_id,
                           hint=f"label it {kb_types[ref]}, or link it to another entry"))
    return out


#: The findings of these checks that make a document no evidence about another (the IG503 lint): an
#: edited text, a span off its text, a label its KB entry contradicts.
UNSOUND = frozenset({"IG301", "IG304", "IG305", "IG309"})


def check_document(doc: Document, kb_types: dict[str, str] | None) -> list[Finding]:
    out = check_metadata(doc)
    out += check_spans(doc) + check_ids_and_order(doc) + check_overlaps(doc) + check_figures(doc) + check_dates(doc)
    out += check_token_edges(doc) + check_combining_marks(doc)
    if kb_types is not None:
        out += check_references(doc, kb_types)
    return out


def check_kb(corpus: Corpus) -> list[Finding]:
    """KB ids and Wikidata ids unique, and every entry referenced by some document.

    Emits: IG314, IG315, IG322."""
    out, seen = [], set()
    for i, entry in enumerate(corpus.kb_entries):
        if entry["id"] in seen:
            line, col = corpus.kb.where(("entries", i, "id"))
            out.append(Finding("IG315", f"KB id {entry['id']!r} appears twice", KB_FILE, line, col, entry["id"]))
        seen.add(entry["id"])
    out += _shared_wikidata(corpus)
    if corpus.whole:  # a document that failed to load may be the one using an entry
        used = {ref for doc in corpus.documents for _, ref, _, _ in _kb_refs(doc)}
        for i, entry in enumerate(corpus.kb_entries):
            if entry["id"] not in used:
                line, col = corpus.kb.where(("entries", i))
                out.append(Finding("IG314", f"KB entry {entry['id']!r} is never referenced", KB_FILE, line, col,
                                   entry["id"], hint="link a mention to it, or remove the entry"))
    return out


def _shared_wikidata(corpus: Corpus) -> list[Finding]:
    """One Wikidata item is one entity: two entries with its id are one entry written twice, or one of
    them names the wrong item (the city for the governorate). Each entry after the first is reported,
    naming the others and their lines.

    Emits: IG322."""
    holders = defaultdict(list)
    for i, entry in enumerate(corpus.kb_entries):
        if entry.get("wikidata"):
            holders[entry["wikidata"]].append((corpus.kb.where(("entries", i, "wikidata")), entry["id"]))
    out = []
    for qid, entries in holders.items():
        for k, ((line, col), kb_id) in enumerate(entries[1:], start=1):
            others = ", ".join(f"{other!r} (line {at[0]})" for at, other in entries[:k] + entries[k + 1:])
            out.append(Finding("IG322", f"Wikidata id {qid} of {kb_id!r} (line {line}) is also the id of {others}",
                               KB_FILE, line, col, kb_id,
                               hint="one item is one entity: merge the entries, or check which entity the item "
                                    "is and correct the other's id"))
    return out


def check_stories(corpus: Corpus) -> list[Finding]:
    """Documents of one story must sit in one split, or a model is tested on text it trained on.

    Emits: IG317."""
    by_story = defaultdict(list)
    for doc in corpus.documents:
        by_story[doc.data["story"]].append(doc)
    out = []
    for story, docs in sorted(by_story.items()):
        if len({d.data["split"] for d in docs}) > 1:
            listing = ", ".join(f"{d.id}={d.data['split']}" for d in docs)
            for d in docs:
                out.append(_at(d, ("split",), "IG317", f"story {story} is split across splits ({listing})",
                               hint="put every document of a story in the same split"))
    return out


def _is_mark(char: str) -> bool:
    """A combining mark (category M*); none lies below U+0300, where most edges of a news text are."""
    return char >= "\u0300" and unicodedata.category(char)[0] == "M"


def _mark_name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'combining mark')}"


def check_combining_marks(doc: Document) -> list[Finding]:
    r"""No span edge of any layer falls between a base character and its combining marks (category M*).

    The tokenizer makes a token of a lone mark (`\w` does not match one), so IG319 cannot see
    such a cut; to a reader "Erdog\u0306an" is one word and "e\u0301" one letter, and a span that
    keeps the base without its accent (or the accent without its base) names another string.

    Emits: IG323."""
    out, text = [], doc.text
    for layer in LAYERS:
        for i, ann in enumerate(doc.data[layer]):
            for suffix, span in iter_spans(ann, layer):
                s, e = span["start"], span["end"]
                marked = [(key, edge) for key, edge in (("start", s), ("end", e))
                          if 0 < edge < len(text) and _is_mark(text[edge])]
                if not marked or not (0 <= s < e <= len(text)) or text[s:e] != span["text"]:
                    continue  # no edge at a mark, or IG304/IG305 say where the span really is
                name = ".".join((ann["id"],) + suffix)
                for key, edge in marked:
                    after = edge
                    while after < len(text) and _is_mark(text[after]):
                        after += 1
                    before = edge
                    while before > 0 and _is_mark(text[before - 1]):
                        before -= 1
                    before = max(0, before - 1)  # the base character
                    whole = after if key == "end" else before
                    out.append(_at(doc, (layer, i) + suffix + (key,), "IG323",
                                   f"{name}: the span {span['text']!r} {key}s at {edge}, between {text[edge - 1]!r} "
                                   f"and its combining mark {_mark_name(text[edge])}", ann["id"],
                                   hint=f"keep the character and its marks together: {key}: {whole} "
                                        f"({text[before:after]!r} is one character to a reader)"))
    return out


#: The spans IG319 holds to token boundaries: entities, figures and what a figure measures, every quote part.
_TOKEN_SPANS = (("entities", (None,)), ("figures", (None, "measured")),
                ("quotes", ("content", "speaker", "cue", "addressee")))


def check_token_edges(doc: Document) -> list[Finding]:
    """Gold spans must start and end on token boundaries of the `ner` tokenizer: entities, figures and
    what a figure measures, and each part of a quote (content, speaker, cue, addressee).

    The text is tokenized only when an edge may cut a token (`text.tokens.may_cut_a_token`): where
    no edge can, there is nothing to find.

    Emits: IG319."""
    spans = [(layer, i, a, part, span) for layer, parts in _TOKEN_SPANS for i, a in enumerate(doc.data[layer])
             for part in parts for span in [a if part is None else a.get(part)]
             if isinstance(span, dict)]  # an absent part (null) has no edges
    text = doc.text
    if not any(may_cut_a_token(text, span[key]) for *_, span in spans for key in ("start", "end")):
        return []
    out, tokens = [], doc.tokens
    for layer, i, a, part, span in spans:
        what = "span" if part is None else f"{part} span"
        for edge in misaligned_edges(tokens, span["start"], span["end"]):
            out.append(_at(doc, (layer, i), "IG319",
                           f"{a['id']}: the {what} {span['text']!r} has an edge at {edge} inside a token",
                           a["id"], hint="spans follow the tokenizer in src/idlib_gold/text/tokens.py; widen the "
                                         "span to whole tokens, or change the tokenizer rule and the guidelines "
                                         "together"))
    return out


def check_measured_stories(corpus: Corpus) -> list[Finding]:
    """Declared stories must match the stories measured from text overlap; splits should follow the rule.

    Emits: IG320, IG321."""
    docs = {d.id: d for d in corpus.documents}
    groups = corpus.stories().groups
    group_of = {d: tuple(g) for g in groups for d in g}
    declared = defaultdict(list)
    for d in docs.values():
        declared[d.data["story"]].append(d.id)
    out = []
    for doc_id, doc in sorted(docs.items()):
        same_story = set(declared[doc.data["story"]])
        measured = set(group_of[doc_id])
        if same_story != measured:
            out.append(_at(doc, ("story",), "IG320",
                           f"story {doc.data['story']} groups {sorted(same_story)}, but text overlap groups "
                           f"{sorted(measured)}",
                           hint="give every document of a measured group one story id, and no other document"))
    rule = assign_splits(groups)
    for doc_id, doc in sorted(docs.items()):  # after an IG320 these follow from it (findings.CONSEQUENCES)
        if rule[doc_id] != doc.data["split"]:
            out.append(_at(doc, ("split",), "IG321",
                           f"split {doc.data['split']}, but the split rule assigns {rule[doc_id]}",
                           hint=f"set split: {rule[doc_id]} (the rule is in src/idlib_gold/text/stories.py)"))
    return out


def check_files(corpus: Corpus) -> list[Finding]:
    """The document ids the loader could not load at all: an unsafe file name, or a text and an
    annotation file that are not both there.

    Emits: IG303, IG316."""
    out = []
    for doc_id, reason in sorted(corpus.unloadable.items()):
        rel_yaml, rel_text = corpus.tree.yaml(doc_id), corpus.tree.text(doc_id)
        # each file of the id that is there: a text is named as the text, not as its absent annotation file
        present = [rel for rel in (rel_yaml, rel_text) if os.path.lexists(corpus.root / rel)] or [rel_yaml]
        if reason == "unsafe":
            out += [Finding("IG303", f"file name '{doc_id}' is not a safe document id", rel,
                            hint="rename to lower-case letters, digits, '_' and '-' (at most 64)") for rel in present]
            continue
        missing = rel_text if present == [rel_yaml] else rel_yaml
        if not os.path.lexists(corpus.root / missing.rpartition("/")[0]):
            continue  # the whole folder is missing: one IG108 says so (reading/corpus.py, missing_folders)
        out.append(Finding("IG316", f"{present[0]} has no {missing}", present[0],
                           hint="every text needs its annotation file and the reverse"))
    return out


def check_corpus(corpus: Corpus) -> list[Finding]:
    kb_types = {e["id"]: e["type"] for e in corpus.kb_entries} if corpus.kb else None
    out = check_files(corpus)
    for doc in corpus.documents:
        out += doc.checks if doc.checks is not None else check_document(doc, kb_types)
    if corpus.kb:
        out += check_kb(corpus)
    if corpus.complete:
        out += check_stories(corpus)
    if corpus.whole:  # stories measured without a document that failed would differ from the real ones
        out += check_measured_stories(corpus)
    return out
