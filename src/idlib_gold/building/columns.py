"""The split tables of dataset/ built column by column, straight into Arrow.

`rows.py` says what each row holds, one dict per row, and stays the reference: a test
holds every table built here to the bytes of `Table.from_pylist` over those rows. The
build does not make the dicts. At 1,000× the corpus (5,000 documents, 416,000 entities)
making them cost 4.2 s of a 10 s rendering step, profiled with cProfile: every entity
row was made twice (for its own config and inside its document's row), and the
`documents` table was converted from nested rows. Here each layer's columns are read
off the annotations once, the `documents` table takes its lists from the layer tables
(Arrow list arrays over the same struct columns), and the `ner` tokens are cut from
the texts' UTF-8 bytes by one mask instead of one Python string per token.
"""

from __future__ import annotations

from array import array

from .. import vocabulary
from ..layout import LAYERS
from ..reading.corpus import Corpus, Document
from ..text.ner import Spans, flat_spans, listed_tags, listed_tokens
from ..text.tokens import paragraphs
from .rows import Encoder, speakers

__all__ = ["documents_by_split", "layer_table", "documents_table", "ner_table"]


def documents_by_split(corpus: Corpus) -> dict[str, list[Document]]:
    """split → its documents by id, every split of the vocabulary present: the rows' order."""
    out: dict[str, list[Document]] = {s: [] for s in vocabulary.splits()}
    for doc in sorted(corpus.documents, key=lambda d: d.id):
        out[doc.data["split"]].append(doc)
    return out


def _index(names: list[str]) -> dict[str, int]:
    return {name: i for i, name in enumerate(names)}


def _layer_columns(config: str, anns: list[dict]) -> dict[str, list]:
    """column → values of one layer's annotations, as `rows.entity_row`, `figure_row` and `quote_row`
    give them. A span struct takes the annotation's own dict: Arrow reads the struct's fields from it
    and ignores any other key."""
    def plain(key):
        return [a[key] for a in anns]

    def optional(key):
        return [a.get(key) for a in anns]

    def coded(key, index):
        return [index[a[key]] for a in anns]

    enc = Encoder()
    if config == "entities":
        return {"id": plain("id"), "label": coded("label", enc.entity), "start": plain("start"),
                "end": plain("end"), "text": plain("text"), "entity": optional("entity"), "value": optional("value")}
    if config == "figures":
        return {"id": plain("id"), "label": coded("label", enc.figure), "start": plain("start"),
                "end": plain("end"), "text": plain("text"), "value": [float(a["value"]) for a in anns],
                "value_max": [None if a["value_max"] is None else float(a["value_max"]) for a in anns],
                "unit": plain("unit"), "approximate": plain("approximate"), "bound": plain("bound"),
                "measured": plain("measured"), "category": coded("category", enc.category),
                "source": plain("source")}
    if config == "quotes":
        return {"id": plain("id"), "type": coded("type", enc.quote), "content": plain("content"),
                "speaker": plain("speaker"), "speaker_entity": [speakers(a["speaker_entity"]) for a in anns],
                "cue": plain("cue"), "addressee": plain("addressee")}
    raise ValueError(f"{config!r} is not a per-annotation config")


def layer_table(docs: list[Document], config: str, schema):
    """The table of one layer (`entities`, `figures`, `quotes`) over `docs`, in their order."""
    import pyarrow as pa

    anns = [a for doc in docs for a in doc.data[config]]
    columns = _layer_columns(config, anns)
    columns["doc_id"] = [doc.id for doc in docs for _ in doc.data[config]]
    return pa.Table.from_arrays([pa.array(columns[f.name], f.type) for f in schema], schema=schema)


def documents_table(docs: list[Document], layers: dict, schema):
    """The `documents` table over `docs`: its metadata and text, and for each layer a list column over
    the struct of that layer's table (built from the same `docs`), cut by each document's count."""
    import pyarrow as pa

    arrays = []
    for f in schema:
        if f.name in LAYERS:
            table = layers[f.name]
            counts = array("i", [0])
            for doc in docs:
                counts.append(counts[-1] + len(doc.data[f.name]))
            struct_type = f.type.value_type
            children = [table.column(sub.name).combine_chunks() for sub in struct_type]
            values = pa.StructArray.from_arrays(children, fields=list(struct_type))
            arrays.append(pa.ListArray.from_arrays(pa.array(counts, pa.int32()), values, type=f.type))
        elif f.name == "text":
            arrays.append(pa.array([doc.text for doc in docs], f.type))
        else:
            arrays.append(pa.array([doc.data[f.name] for doc in docs], f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _byte_offsets(text: str, encoded: bytes, starts, ends):
    """Token starts and ends as offsets into the UTF-8 bytes of `text` (numpy arrays)."""
    import numpy as np

    starts, ends = np.frombuffer(starts, np.int32), np.frombuffer(ends, np.int32)
    if len(encoded) == len(text):  # ASCII: a character is a byte
        return starts, ends
    points = np.frombuffer(text.encode("utf-32-le"), "<u4")
    widths = 1 + (points >= 0x80).astype(np.int32) + (points >= 0x800) + (points >= 0x10000)
    where = np.concatenate(([0], np.cumsum(widths, dtype=np.int64))).astype(np.int32)
    return where[starts], where[ends]


def ner_table(docs: list[Document], schema):
    """The `ner` table over `docs`: one row per paragraph (`ner.bio_rows` says what a row holds).

    Rows, tokens and tags follow the one rule (`text.ner.listed_tokens`, `listed_tags`); integer
    columns are handed to Arrow as buffers, and the token strings are cut from the documents' UTF-8
    bytes by one mask over them (tokens never overlap and come in text order)."""
    import numpy as np
    import pyarrow as pa

    pars_of = [paragraphs(doc.text) for doc in docs]
    tokens_of = [doc.tokens for doc in docs]
    listing = listed_tokens([doc.id for doc in docs], tokens_of, pars_of)
    encoded, byte_starts, byte_ends, base = [], [], [], 0
    for doc, toks, first, count in zip(docs, tokens_of, listing.firsts, listing.counts):
        data = doc.text.encode("utf-8")
        bs, be = _byte_offsets(doc.text, data, toks.starts[first:first + count], toks.ends[first:first + count])
        if base + len(data) >= 2**31:  # offsets into the split's text are int32, as Arrow's string offsets
            raise OverflowError("the texts of one split exceed 2 GiB")
        byte_starts.append(bs.astype(np.int32) + base)
        byte_ends.append(be.astype(np.int32) + base)
        encoded.append(data)
        base += len(data)
    tags = listed_tags([doc.text for doc in docs], tokens_of, pars_of, Spans.of([flat_spans(doc.data) for doc in docs]),
                       listing)
    all_starts = np.concatenate(byte_starts) if byte_starts else np.zeros(0, np.int32)
    all_ends = np.concatenate(byte_ends) if byte_ends else np.zeros(0, np.int32)
    del byte_starts, byte_ends
    lengths = all_ends - all_starts
    token_offsets = np.concatenate(([0], np.cumsum(lengths, dtype=np.int32)))
    # A byte is kept when it lies inside a token: +1 where a token starts, -1 where one ends, summed.
    data = np.frombuffer(b"".join(encoded), np.uint8)
    inside = np.zeros(len(data) + 1, np.int8)
    inside[all_starts] = 1
    inside[all_ends] -= 1  # where a token ends and the next starts, the two cancel
    token_bytes = data[np.cumsum(inside[:-1], dtype=np.int8).view(bool)]
    tokens = pa.Array.from_buffers(pa.string(), len(lengths),
                                   [None, pa.py_buffer(token_offsets.astype(np.int32, copy=False)),
                                    pa.py_buffer(token_bytes)])
    ids, doc_ids, offsets, starts, ends = listing.ids, listing.doc_ids, listing.offsets, listing.starts, listing.ends

    def ints(values, kind):
        return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])

    row_offsets = ints(offsets, pa.int32())

    def listed(name, values):
        return pa.ListArray.from_arrays(row_offsets, values, type=schema.field(name).type)

    arrays = [pa.array(ids, pa.string()), pa.array(doc_ids, pa.string()), listed("tokens", tokens),
              listed("ner_tags", pa.Array.from_buffers(pa.int64(), len(tags), [None, pa.py_buffer(tags)])),
              listed("token_starts", ints(starts, pa.int32())), listed("token_ends", ints(ends, pa.int32()))]
    return pa.Table.from_arrays(arrays, schema=schema)
