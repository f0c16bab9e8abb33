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
from ..text.ner import flat_spans, tag_names, tag_tokens
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

    Tags follow the one BIO rule (`_tags`); integer columns are handed to Arrow as buffers, and
    the token strings are cut from the documents' UTF-8 bytes by one mask over them (tokens never
    overlap and come in text order)."""
    import numpy as np
    import pyarrow as pa

    ids, doc_ids, offsets = [], [], array("i", [0])
    starts, ends = array("i"), array("i")
    encoded, byte_starts, byte_ends, base = [], [], [], 0
    pars_of = [paragraphs(doc.text) for doc in docs]
    counts = []  # tokens listed of each document
    for doc, pars in zip(docs, pars_of):
        toks = doc.tokens
        ranges = [toks.between(s, e) for s, e in pars]
        first = ranges[0][0] if ranges else 0
        last = ranges[-1][1] if ranges else 0
        shift = len(starts) - first
        counts.append(last - first)
        for n, (_, z) in enumerate(ranges):
            ids.append(f"{doc.id}-p{n:03d}")
            doc_ids.append(doc.id)
            offsets.append(shift + z)
        starts += toks.starts[first:last]
        ends += toks.ends[first:last]
        data = doc.text.encode("utf-8")
        bs, be = _byte_offsets(doc.text, data, toks.starts[first:last], toks.ends[first:last])
        if base + len(data) >= 2**31:  # offsets into the split's text are int32, as Arrow's string offsets
            raise OverflowError("the texts of one split exceed 2 GiB")
        byte_starts.append(bs.astype(np.int32) + base)
        byte_ends.append(be.astype(np.int32) + base)
        encoded.append(data)
        base += len(data)
    tags = _tags(docs, pars_of, counts, starts, ends)
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

    def ints(values, kind):
        return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])

    row_offsets = ints(offsets, pa.int32())

    def listed(name, values):
        return pa.ListArray.from_arrays(row_offsets, values, type=schema.field(name).type)

    arrays = [pa.array(ids, pa.string()), pa.array(doc_ids, pa.string()), listed("tokens", tokens),
              listed("ner_tags", pa.Array.from_buffers(pa.int64(), len(tags), [None, pa.py_buffer(tags)])),
              listed("token_starts", ints(starts, pa.int32())), listed("token_ends", ints(ends, pa.int32()))]
    return pa.Table.from_arrays(arrays, schema=schema)


def _tags(docs: list[Document], pars_of: list, counts: list[int], starts: array, ends: array):
    """The tag index of every token `ner_table` lists (the paragraphs' tokens of `docs`, in order;
    `pars_of`: each document's paragraphs, `counts`: how many tokens each lists).

    The rule is `ner.tag_tokens`: each span, in sorted order, tags the tokens of each paragraph it
    touches, B on the first and I on the rest, a later span overwriting an earlier one. When a
    document's spans each lie inside one paragraph and tag disjoint tokens, as valid gold does, a
    span's tokens are found by one search over the whole split's token offsets (each document's
    offsets shifted past the previous documents' texts), and all spans are tagged at once; any other
    document is tagged by `ner.tag_tokens` itself. At 1,000x the corpus the rule span by span took
    0.8 s of a 4 s rendering step."""
    import numpy as np

    index = _index(tag_names())
    shifts, par_starts, par_ends, par_counts = [], [], [], []
    span_starts, span_ends, labels, span_counts = [], [], [], []
    shift = 0
    for doc, pars in zip(docs, pars_of):
        shifts.append(shift)
        par_starts += [s for s, _ in pars]
        par_ends += [e for _, e in pars]
        par_counts.append(len(pars))
        spans = flat_spans(doc.data)
        span_counts.append(len(spans))
        if spans:
            starts_, ends_, labels_ = zip(*spans)
            span_starts += starts_
            span_ends += ends_
            labels += labels_
        shift += len(doc.text) + 1
    kind = np.int32 if shift < 2**31 else np.int64  # offsets shifted past every text before: 4 bytes if they fit
    counts, shifts = np.array(counts, np.int64), np.array(shifts, kind)
    token_docs = np.repeat(np.arange(len(docs), dtype=np.int32), counts)
    at = np.frombuffer(starts, np.int32).astype(kind) + shifts[token_docs]
    to = np.frombuffer(ends, np.int32).astype(kind) + shifts[token_docs]
    del token_docs
    tags = np.zeros(len(at), np.int64)
    span_docs = np.repeat(np.arange(len(docs)), span_counts)
    s = np.array(span_starts, np.int64) + shifts[span_docs]  # spans are few: int64, whatever offsets they hold
    e = np.array(span_ends, np.int64) + shifts[span_docs]
    par_docs = np.repeat(np.arange(len(docs)), par_counts)
    par_ends = np.array(par_ends, np.int64) + shifts[par_docs]
    codes = {label: (index["B-" + label], index["I-" + label]) for label in set(labels)}
    begins = np.array([codes[label][0] for label in labels], np.int64)
    insides = np.array([codes[label][1] for label in labels], np.int64)
    # searched in the tokens' own type (a mixed search copies the whole token array first); a span out
    # of its text, clipped here, leaves its paragraph below, and its document is tagged the slow way
    bounds = np.iinfo(kind)
    first = np.searchsorted(at, np.clip(s, bounds.min, bounds.max).astype(kind), "left")
    last = np.searchsorted(to, np.clip(e, bounds.min, bounds.max).astype(kind), "right")
    par = np.searchsorted(np.array(par_starts, np.int64) + shifts[par_docs], s, "right") - 1
    if len(par_ends):  # the span lies inside one paragraph of its own document
        known = np.maximum(par, 0)
        inside = (par >= 0) & (par_ends[known] >= e) & (par_docs[known] == span_docs)
    else:
        inside = np.zeros(len(s), bool)
    later = np.zeros(len(s), bool)
    later[1:] = (span_docs[1:] == span_docs[:-1]) & (first[1:] < last[:-1])  # tags an earlier span's token
    odd = np.unique(span_docs[~inside | later])
    fast = ~np.isin(span_docs, odd) & (last > first)
    first, last = first[fast], last[fast]
    lengths = last - first
    runs = np.repeat(first - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(lengths.sum())
    tags[runs] = np.repeat(insides[fast], lengths)
    tags[first] = begins[fast]
    token_base = np.concatenate(([0], np.cumsum(counts)))
    for n in odd.tolist():
        toks, ranges, doc_tags = tag_tokens(docs[n], index)
        lo = ranges[0][0] if ranges else 0
        tags[token_base[n]:token_base[n + 1]] = np.frombuffer(doc_tags, np.int64)[lo:lo + counts[n]]
    return tags
