"""Inter-annotator agreement between two annotation trees of the same texts.

Tree B is scored against tree A with `evaluate`'s definitions (F1 is symmetric, so it is the agreement
figure), and Cohen's kappa is computed over the `ner` view's BIO tags, over all tokens and over the
tokens either annotator tagged. The definitions are in docs/metrics.md; why kappa is computed here and
not with scikit-learn: see docs/decisions/0012-scoring-arithmetic-of-our-own.md.
"""

from __future__ import annotations

from collections import Counter

from ..findings import Finding
from ..text.ner import bio_rows
from .evaluate import match_partial, match_strict, score_figure_attributes, score_quotes, score_spans

__all__ = ["cohen_kappa", "agreement", "texts_differ", "FIGURE_FIELDS"]

#: The figure fields compared on an exact pair when listing disagreements.
FIGURE_FIELDS = ("value", "value_max", "unit", "approximate", "bound", "category", "source", "measured")
_QUOTE_FIELDS = ("type", "speaker", "speaker_entity", "cue", "addressee")
_EXCERPT = 160


def cohen_kappa(a: list, b: list) -> float | None:
    """Cohen's kappa of two equally long label sequences (see the module docstring)."""
    if len(a) != len(b):
        raise ValueError("the two sequences differ in length")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    chance = sum(count_a[t] * count_b[t] for t in count_a) / (n * n)
    if chance == 1:
        return None
    return (observed - chance) / (1 - chance)


def _tags(doc) -> list[str]:
    return [tag for row in bio_rows(doc) for tag in row["ner_tags"]]


def _token_agreement(pairs) -> dict:
    a, b = [], []
    for doc_a, doc_b in pairs:
        a += _tags(doc_a)
        b += _tags(doc_b)
    tagged = [(x, y) for x, y in zip(a, b) if x != "O" or y != "O"]
    ta, tb = [x for x, _ in tagged], [y for _, y in tagged]

    def observed(x, y):
        return sum(p == q for p, q in zip(x, y)) / len(x) if x else None

    return {"tokens": len(a), "observed": observed(a, b), "kappa": cohen_kappa(a, b),
            "annotated_tokens": len(tagged), "observed_annotated": observed(ta, tb),
            "kappa_annotated": cohen_kappa(ta, tb)}


def _speaker_span(q: dict):
    return (q["speaker"]["start"], q["speaker"]["end"]) if q.get("speaker") else None


def _content(quotes: list[dict]) -> list[dict]:
    return [{"start": q["content"]["start"], "end": q["content"]["end"]} for q in quotes]


def _speaker_agreement(pairs) -> dict:
    matched = [(qa, qb) for doc_a, doc_b in pairs
               for ia, ib in match_strict(_content(doc_a.data["quotes"]), _content(doc_b.data["quotes"]))
               for qa, qb in [(doc_a.data["quotes"][ia], doc_b.data["quotes"][ib])]]
    same = sum(_speaker_span(qa) == _speaker_span(qb) for qa, qb in matched)
    return {"matched": len(matched), "correct": same, "accuracy": same / len(matched) if matched else None}


def texts_differ(pairs) -> list[Finding]:
    """IG707 for each document whose text is not the same in both trees: it cannot be compared.

    Emits: IG707."""
    return [Finding("IG707", f"document {b.id}: its text differs from the one {a.rel} is annotated on; not compared",
                    b.rel, hint="compare trees annotated on the same texts; texts are never edited")
            for a, b in pairs if a.text != b.text]


def agreement(pairs, only_a: list[str], only_b: list[str]) -> dict:
    """Every agreement figure over (document in A, the same document in B) pairs, plus the
    disagreements for adjudication."""
    layer_pairs = {layer: [(a.data[layer], b.data[layer]) for a, b in pairs]
                   for layer in ("entities", "figures", "quotes")}
    out = {"documents": [a.id for a, _ in pairs], "only_a": only_a, "only_b": only_b}
    for layer in ("entities", "figures"):
        out[layer] = {"strict": score_spans(layer_pairs[layer], match_strict),
                      "partial": score_spans(layer_pairs[layer], match_partial)}
    out["figures"]["attributes"] = score_figure_attributes(layer_pairs["figures"])
    out["quotes"] = score_quotes(layer_pairs["quotes"])
    out["quotes"]["speaker"] = _speaker_agreement(pairs)
    out["tokens"] = _token_agreement(pairs)
    out["disagreements"] = [d for a, b in pairs for d in _disagreements(a, b)]
    return out


# Disagreements, for adjudication -------------------------------------------------------------

def _excerpt(text: str, start: int, end: int) -> str:
    s = text[start:end].replace("\n", " ")
    return s if len(s) <= _EXCERPT else s[:_EXCERPT - 1] + "…"


def _span_words(item: dict) -> str:
    return f"{item['start']}-{item['end']} {item['text']!r}"


def _describe(layer: str, item: dict) -> str:
    if layer == "quotes":
        return f"{item['id']} {item['type']} quote, content {_span_words(item['content'])}"
    link = item.get("entity") or item.get("value")
    return f"{item['id']} {item['label']} {_span_words(item)}" + (f" → {link}" if link is not None else "")


def _extent(layer: str, item: dict) -> tuple[int, int]:
    span = item["content"] if layer == "quotes" else item
    return span["start"], span["end"]


def _show(value) -> str:
    if isinstance(value, dict) and "start" in value:
        return _span_words(value)
    return "null" if value is None else str(value)


def _entry(a_doc, b_doc, layer, what, ia=None, ib=None, a_text=None, b_text=None) -> dict:
    items_a, items_b = a_doc.data[layer], b_doc.data[layer]
    ext = [_extent(layer, x) for x in ([items_a[ia]] if ia is not None else [])
           + ([items_b[ib]] if ib is not None else [])]
    start, end = min(s for s, _ in ext), max(e for _, e in ext)
    return {"doc": a_doc.id, "layer": layer, "what": what,
            "a": a_text if a_text is not None else (_describe(layer, items_a[ia]) if ia is not None else None),
            "b": b_text if b_text is not None else (_describe(layer, items_b[ib]) if ib is not None else None),
            "where_a": _where(a_doc, layer, ia), "where_b": _where(b_doc, layer, ib),
            "text": _excerpt(a_doc.text, start, end), "start": start, "end": end}


def _where(doc, layer: str, index: int | None) -> str | None:
    if index is None:
        return None
    line, _ = doc.where(layer, index)
    return f"{doc.rel}:{line}" if line is not None else doc.rel


def _disagreements(a_doc, b_doc) -> list[dict]:
    out = []
    for layer in ("entities", "figures", "quotes"):
        items_a, items_b = a_doc.data[layer], b_doc.data[layer]
        spans_a = _content(items_a) if layer == "quotes" else items_a
        spans_b = _content(items_b) if layer == "quotes" else items_b
        exact = match_strict(spans_a, spans_b)
        fields = _QUOTE_FIELDS if layer == "quotes" else FIGURE_FIELDS if layer == "figures" else ("entity", "value")
        for ia, ib in exact:
            for name in fields:
                va, vb = items_a[ia].get(name), items_b[ib].get(name)
                if name == "speaker_entity":
                    va, vb = (sorted([va] if isinstance(va, str) else va or []),
                              sorted([vb] if isinstance(vb, str) else vb or []))
                if va != vb:
                    out.append(_entry(a_doc, b_doc, layer, f"{name} differs", ia, ib,
                                      f"{items_a[ia]['id']} {name}: {_show(items_a[ia].get(name))}",
                                      f"{items_b[ib]['id']} {name}: {_show(items_b[ib].get(name))}"))
        left_a = [i for i in range(len(items_a)) if i not in {x for x, _ in exact}]
        left_b = [i for i in range(len(items_b)) if i not in {y for _, y in exact}]
        bare = lambda items, idx: [{"start": s, "end": e} for s, e in (_extent(layer, items[i]) for i in idx)]  # noqa: E731
        overlapping = [(left_a[x], left_b[y]) for x, y in match_partial(bare(items_a, left_a), bare(items_b, left_b))]
        what = "content span differs" if layer == "quotes" else "span or label differs"
        out += [_entry(a_doc, b_doc, layer, what, ia, ib) for ia, ib in overlapping]
        out += [_entry(a_doc, b_doc, layer, "only in A", ia=i) for i in left_a if i not in {x for x, _ in overlapping}]
        out += [_entry(a_doc, b_doc, layer, "only in B", ib=i) for i in left_b if i not in {y for _, y in overlapping}]
    return sorted(out, key=lambda d: (d["layer"], d["start"], d["end"], d["what"]))
