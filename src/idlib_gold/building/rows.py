"""From the annotation files to table rows: one function per dataset config.

The rows are plain Python values (ClassLabel columns as their integer index), so
this module imports nothing heavy; `features.py` says how the columns are typed.
Rows keep the files' order (documents by id, annotations in text order), which is
what makes two builds byte-identical.
"""

from __future__ import annotations

from .. import vocabulary
from ..reading.corpus import Corpus, Document
from ..text.ner import bio_rows, tag_names

__all__ = ["config_rows", "Encoder", "speakers"]


def _span(s: dict | None) -> dict | None:
    return None if s is None else {"start": s["start"], "end": s["end"], "text": s["text"]}


def speakers(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class Encoder:
    """Label → ClassLabel index, from the schema's vocabularies."""

    def __init__(self) -> None:
        self.entity = {v: i for i, v in enumerate(vocabulary.entity_labels())}
        self.figure = {v: i for i, v in enumerate(vocabulary.figure_labels())}
        self.category = {v: i for i, v in enumerate(vocabulary.figure_categories())}
        self.quote = {v: i for i, v in enumerate(vocabulary.quote_types())}
        self.kb = {v: i for i, v in enumerate(vocabulary.kb_types())}


def entity_row(e: dict, enc: Encoder) -> dict:
    return {"id": e["id"], "label": enc.entity[e["label"]], "start": e["start"], "end": e["end"], "text": e["text"],
            "entity": e.get("entity"), "value": e.get("value")}


def figure_row(f: dict, enc: Encoder) -> dict:
    return {"id": f["id"], "label": enc.figure[f["label"]], "start": f["start"], "end": f["end"], "text": f["text"],
            "value": float(f["value"]), "value_max": None if f["value_max"] is None else float(f["value_max"]),
            "unit": f["unit"], "approximate": f["approximate"], "bound": f["bound"],
            "measured": _span(f["measured"]), "category": enc.category[f["category"]], "source": f["source"]}


def quote_row(q: dict, enc: Encoder) -> dict:
    return {"id": q["id"], "type": enc.quote[q["type"]], "content": _span(q["content"]),
            "speaker": _span(q["speaker"]), "speaker_entity": speakers(q["speaker_entity"]),
            "cue": _span(q["cue"]), "addressee": _span(q["addressee"])}


def document_row(doc: Document, enc: Encoder) -> dict:
    d = doc.data
    return {"id": d["id"], "title": d["title"], "source": d["source"], "date": d["date"],
            "date_basis": d["date_basis"], "story": d["story"], "sha256": d["sha256"], "text": doc.text,
            "entities": [entity_row(e, enc) for e in d["entities"]],
            "figures": [figure_row(f, enc) for f in d["figures"]],
            "quotes": [quote_row(q, enc) for q in d["quotes"]]}


def kb_row(entry: dict, enc: Encoder) -> dict:
    return {"id": entry["id"], "name": entry["name"], "type": enc.kb[entry["type"]],
            "aliases": list(entry["aliases"]), "wikidata": entry.get("wikidata"),
            "description": entry.get("description")}


def config_rows(corpus: Corpus, config: str) -> dict[str, list[dict]]:
    """split → rows of one config. The build asks for one config at a time, so the rows of
    all configs (several copies of every annotation) are never in memory together."""
    enc = Encoder()
    if config == "kb":
        return {"train": [kb_row(e, enc) for e in sorted(corpus.kb_entries, key=lambda e: e["id"])]}
    out: dict[str, list[dict]] = {s: [] for s in vocabulary.splits()}
    docs = sorted(corpus.documents, key=lambda d: d.id)
    if config == "documents":
        for doc in docs:
            out[doc.data["split"]].append(document_row(doc, enc))
    elif config in ("entities", "figures", "quotes"):
        make = {"entities": entity_row, "figures": figure_row, "quotes": quote_row}[config]
        for doc in docs:
            out[doc.data["split"]] += [{"doc_id": doc.id, **make(a, enc)} for a in doc.data[config]]
    elif config == "ner":

        tag_index = {t: i for i, t in enumerate(tag_names())}
        for doc in docs:
            rows = bio_rows(doc)
            for row in rows:
                row["ner_tags"] = [tag_index[t] for t in row["ner_tags"]]
            out[doc.data["split"]] += rows
    else:
        raise ValueError(f"unknown config {config!r}")
    return out
