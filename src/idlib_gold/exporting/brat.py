"""brat standoff: `<doc id>.txt` and `<doc id>.ann` per document, and `annotation.conf`.

The `.txt` files are the document texts, byte for byte, and offsets are character
offsets into them (code points, end-exclusive), as brat and INCEpTION read them.
What each layer becomes:

- entities and figures: `T` lines typed by their label (PERSON … ORDINAL); the annotation
  id and value (DATE/TIME normalization; a figure's value, range, unit, approximate,
  bound, category and source) as an `AnnotatorNotes` note (`#` line); a KB link as a
  normalization (`N` line, `Reference … IdlibKB:<kb id>`), plus `Wikidata:<QID>` when
  the KB entry has one; what a figure measures as a `Measured_object` `T` line and a
  `Measured` relation from the figure.
- quotes: the content as a `Quote` `T` line with a `Quote_type` attribute (`A` line);
  speaker, cue and addressee as `Quote_speaker`, `Quote_cue`, `Quote_addressee` `T`
  lines, each joined to the content by a `Speaker`, `Cue` or `Addressee` relation; the
  speaker's KB entities as normalizations of the speaker (of the content when the
  quote has no speaker span).

A span crossing a line break is written as fragments split at the break, as brat
itself writes it. Numbering follows the file's order: flat layer by offset, then quotes.
"""

from __future__ import annotations

from .. import vocabulary
from ..text.ner import span_labels
from .common import by_split

__all__ = ["KB_DB", "WIKIDATA_DB", "render_brat", "annotation_conf"]

KB_DB = "IdlibKB"
WIKIDATA_DB = "Wikidata"
QUOTE_PARTS = (("speaker", "Quote_speaker", "Speaker"), ("cue", "Quote_cue", "Cue"),
               ("addressee", "Quote_addressee", "Addressee"))


def annotation_conf() -> str:
    figures = "|".join(vocabulary.figure_labels())
    lines = ["# Annotation types of the idlib-gold brat export.", "[entities]", *span_labels(),
             "Quote", *(t for _, t, _ in QUOTE_PARTS), "Measured_object", "", "[relations]"]
    lines += [f"{rel} Arg1:Quote, Arg2:{t}" for _, t, rel in QUOTE_PARTS]
    lines += [f"Measured Arg1:{figures}, Arg2:Measured_object",
              "<OVERLAP> Arg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>", "", "[events]", "",
              "[attributes]", f"Quote_type Arg:Quote, Value:{'|'.join(vocabulary.quote_types())}", ""]
    return "\n".join(lines)


def _fragments(text: str, start: int, end: int) -> str:
    """`start end` or, across line breaks, `s1 e1;s2 e2` fragments without the breaks."""
    frags, pos = [], start
    for piece in text[start:end].split("\n"):
        if piece:
            frags.append(f"{pos} {pos + len(piece)}")
        pos += len(piece) + 1
    return ";".join(frags)


def _note(value) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return " ".join(text.split())  # a note is one line


class _Ann:
    def __init__(self, text: str, kb: dict[str, dict]) -> None:
        self.text, self.kb = text, kb
        self.lines: list[str] = []
        self.n = {"T": 0, "R": 0, "A": 0, "N": 0, "#": 0}

    def next(self, kind: str) -> str:
        self.n[kind] += 1
        return f"{kind}{self.n[kind]}"

    def span(self, kind: str, s: dict) -> str:
        tid = self.next("T")
        covered = " ".join(p for p in self.text[s["start"]:s["end"]].split("\n") if p)
        self.lines.append(f"{tid}\t{kind} {_fragments(self.text, s['start'], s['end'])}\t{covered}")
        return tid

    def note(self, tid: str, fields: list[tuple[str, object]]) -> None:
        body = "; ".join(f"{k}={_note(v)}" for k, v in fields if v is not None)
        self.lines.append(f"{self.next('#')}\tAnnotatorNotes {tid}\t{body}")

    def relation(self, rel: str, arg1: str, arg2: str) -> None:
        self.lines.append(f"{self.next('R')}\t{rel} Arg1:{arg1} Arg2:{arg2}")

    def link(self, tid: str, kb_id: str) -> None:
        entry = self.kb.get(kb_id, {})
        name = _note(entry.get("name", kb_id))
        self.lines.append(f"{self.next('N')}\tReference {tid} {KB_DB}:{kb_id}\t{name}")
        if entry.get("wikidata"):
            self.lines.append(f"{self.next('N')}\tReference {tid} {WIKIDATA_DB}:{entry['wikidata']}\t{name}")


_FIGURE_NOTES = ("value", "value_max", "unit", "approximate", "bound", "category", "source")


def render_ann(doc, kb: dict[str, dict]) -> str:
    ann = _Ann(doc.text, kb)
    data = doc.data
    flat = sorted([(a["start"], a["end"], 0, a) for a in data["entities"]]
                  + [(a["start"], a["end"], 1, a) for a in data["figures"]], key=lambda x: x[:3])
    for _, _, is_figure, a in flat:
        tid = ann.span(a["label"], a)
        if is_figure:
            ann.note(tid, [("id", a["id"])] + [(k, a.get(k)) for k in _FIGURE_NOTES])
            if a.get("measured"):
                ann.relation("Measured", tid, ann.span("Measured_object", a["measured"]))
        else:
            ann.note(tid, [("id", a["id"]), ("value", a.get("value"))])
            if a.get("entity"):
                ann.link(tid, a["entity"])
    for q in data["quotes"]:
        content = ann.span("Quote", q["content"])
        ann.note(content, [("id", q["id"])])
        ann.lines.append(f"{ann.next('A')}\tQuote_type {content} {q['type']}")
        parts = {}
        for key, kind, rel in QUOTE_PARTS:
            if q.get(key):
                parts[key] = ann.span(kind, q[key])
                ann.relation(rel, content, parts[key])
        speakers = q.get("speaker_entity") or []
        for kb_id in [speakers] if isinstance(speakers, str) else speakers:
            ann.link(parts.get("speaker", content), kb_id)
    return "".join(line + "\n" for line in ann.lines)


def render_brat(documents, kb_entries) -> dict[str, bytes]:
    """`<split>/<doc id>.txt` and `.ann` for every document, and `annotation.conf` at the top
    (brat looks for it in a document's folder and then upwards)."""
    kb = {e["id"]: e for e in kb_entries}
    conf = annotation_conf().encode("utf-8")
    out = {"annotation.conf": conf}
    for split, docs in by_split(documents).items():
        for doc in docs:
            out[f"{split}/{doc.id}.txt"] = doc.text.encode("utf-8")
            out[f"{split}/{doc.id}.ann"] = render_ann(doc, kb).encode("utf-8")
    return out
