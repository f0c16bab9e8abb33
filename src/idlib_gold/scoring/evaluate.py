"""Scoring predictions against the gold: strict and partial span matches, figure attributes, quote
content, token F1 and attribution, all one-to-one per document.

The definitions are in docs/metrics.md; why the arithmetic is the project's own (and how tests hold it
to seqeval and nervaluate): see docs/decisions/0012-scoring-arithmetic-of-our-own.md.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter

__all__ = ["prf", "match_strict", "match_partial", "token_f1", "score_spans", "score_figure_attributes",
           "score_quotes", "FIGURE_ATTRIBUTES", "QUOTE_PARTS"]

QUOTE_PARTS = ("speaker", "cue", "addressee")
FIGURE_ATTRIBUTES = ("value", "value_1pct", "unit", "approximate", "bound", "category", "source")
_ARTICLES = {"a", "an", "the"}
_WORD = re.compile(r"\w+")


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    """Precision, recall, F1 and the counts they come from."""
    if n_pred == 0 and n_gold == 0:
        p = r = f = None
    else:
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "predicted": n_pred, "gold": n_gold}


def _key(item: dict) -> tuple:
    return item["start"], item["end"], item.get("label")


def match_strict(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """(gold index, prediction index) pairs with the same start, end and label, one-to-one, in text order."""
    free: dict[tuple, list[int]] = {}
    for gi, g in enumerate(gold):
        free.setdefault(_key(g), []).append(gi)
    pairs = []
    for pi, p in enumerate(pred):
        slots = free.get(_key(p))
        if slots:
            pairs.append((slots.pop(0), pi))
    return pairs


def match_partial(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs of overlapping spans with equal labels, largest overlap first.

    Candidates are found by bisection over the gold starts: a gold span starting at or before
    `p.start - longest gold span` ends before p starts, so only a window of gold spans is
    looked at per prediction (100,000 overlapping predictions on the real corpus: 0.4 s
    instead of 19 s for the all-pairs loop, same pairs)."""
    order = sorted(range(len(gold)), key=lambda i: gold[i]["start"])
    starts = [gold[i]["start"] for i in order]
    longest = max((g["end"] - g["start"] for g in gold), default=0)
    candidates = []
    for pi, p in enumerate(pred):
        ps, pe, label = p["start"], p["end"], p.get("label")
        for k in range(bisect_right(starts, ps - longest), bisect_left(starts, pe)):
            gi = order[k]
            g = gold[gi]
            overlap = min(g["end"], pe) - max(g["start"], ps)
            if overlap > 0 and g.get("label") == label:
                union = max(g["end"], pe) - min(g["start"], ps)
                candidates.append((-overlap, union, g["start"], ps, gi, pi))
    used_g, used_p, pairs = set(), set(), []
    for *_, gi, pi in sorted(candidates):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return sorted(pairs)


def _average(rows: dict[str, dict]) -> dict:
    if not rows:
        return {"precision": None, "recall": None, "f1": None}
    return {k: sum(r[k] for r in rows.values()) / len(rows) for k in ("precision", "recall", "f1")}


def score_spans(docs: list[tuple[list[dict], list[dict]]], match) -> dict:
    """Per-label, micro and macro scores over (gold, predicted) lists of labelled spans, one pair per document."""
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for gold, pred in docs:
        n_gold.update(g["label"] for g in gold)
        n_pred.update(p["label"] for p in pred)
        tp.update(gold[gi]["label"] for gi, _ in match(gold, pred))
    labels = {label: prf(tp[label], n_pred[label], n_gold[label]) for label in sorted(n_gold | n_pred)}
    micro = prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    return {"micro": micro, "macro": _average(labels), "labels": labels}


def _same_value(p, g, tolerance: float = 0.0) -> bool:
    if not isinstance(p, (int, float)) or isinstance(p, bool):
        return False
    return p == g if tolerance == 0 else abs(p - g) <= tolerance * abs(g)


def score_figure_attributes(docs: list[tuple[list[dict], list[dict]]]) -> dict:
    """Accuracy of each attribute over the strictly matched figure pairs."""
    pairs = [(gold[gi], pred[pi]) for gold, pred in docs for gi, pi in match_strict(gold, pred)]
    carried = {key for _, pred in docs for p in pred for key in p}
    tests = {
        "value": ("value", lambda g, p: _same_value(p.get("value"), g["value"])),
        "value_1pct": ("value", lambda g, p: _same_value(p.get("value"), g["value"], 0.01)),
    }
    out = {"matched": len(pairs)}
    for attribute in FIGURE_ATTRIBUTES:
        field, same = tests.get(attribute, (attribute, None))
        if field not in carried:
            out[attribute] = None
            continue
        if same is None:
            correct = sum(field in p and p[field] == g[field] for g, p in pairs)
        else:
            correct = sum(same(g, p) for g, p in pairs)
        out[attribute] = {"correct": correct, "accuracy": correct / len(pairs) if pairs else None}
    return out


def _tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _ARTICLES]


def token_f1(gold_text: str, pred_text: str) -> float:
    """SQuAD-style bag-of-tokens F1 between two strings (see the module docstring)."""
    g, p = _tokens(gold_text), _tokens(pred_text)
    if not g or not p:
        return float(g == p)
    common = sum((Counter(g) & Counter(p)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def _speaker_set(value) -> frozenset:
    if value is None:
        return frozenset()
    return frozenset([value] if isinstance(value, str) else value)


def _accuracy(pairs, key: str, carried: set, same) -> dict | None:
    if key not in carried:
        return None
    correct = sum(key in p and same(g[key], p[key]) for g, p in pairs)
    return {"matched": len(pairs), "correct": correct, "accuracy": correct / len(pairs) if pairs else None}


def _soft(total: float, n_pred: int, n_gold: int) -> dict:
    """Precision, recall and F1 where each pair scores its token F1 instead of 1."""
    if n_pred == 0 and n_gold == 0:
        return {"precision": None, "recall": None, "f1": None, "predicted": 0, "gold": 0}
    p, r = (total / n_pred if n_pred else 0.0), (total / n_gold if n_gold else 0.0)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "predicted": n_pred, "gold": n_gold}


def _cue_spans(quotes: list[dict]) -> set[tuple[int, int]]:
    return {(q["cue"]["start"], q["cue"]["end"]) for q in quotes if q.get("cue")}


def _content(quotes: list[dict]) -> list[dict]:
    return [{"start": q["content"]["start"], "end": q["content"]["end"]} for q in quotes]


def _same_span(g: dict, p: dict) -> bool:
    return g["start"] == p["start"] and g["end"] == p["end"]


def _overlaps(g: dict, p: dict) -> bool:
    return min(g["end"], p["end"]) > max(g["start"], p["start"])


_QUOTE_SCHEMES = (("exact", match_strict, _same_span), ("partial", match_partial, _overlaps))


def score_quote_parts(docs: list[tuple[list[dict], list[dict]]], carried: set) -> dict:
    """Speaker, cue and addressee spans on the paired quotes, exact and partial (see the module docstring)."""
    out = {}
    for part in QUOTE_PARTS:
        if part not in carried:
            out[part] = None
            continue
        out[part] = {}
        for scheme, match, same in _QUOTE_SCHEMES:
            tp = n_pred = n_gold = 0
            for gold, pred in docs:
                n_gold += sum(q.get(part) is not None for q in gold)
                n_pred += sum(q.get(part) is not None for q in pred)
                for gi, pi in match(_content(gold), _content(pred)):
                    g, p = gold[gi].get(part), pred[pi].get(part)
                    tp += g is not None and p is not None and same(g, p)
            out[part][scheme] = prf(tp, n_pred, n_gold)
    return out


def score_speaker_links(docs: list[tuple[list[dict], list[dict]]], carried: set) -> dict | None:
    """Speaker links (quote, KB id) as entity-linking P/R/F1 on the exact and the partial quote pairs."""
    if "speaker_entity" not in carried:
        return None
    out = {}
    for scheme, match, _ in _QUOTE_SCHEMES:
        tp = n_pred = n_gold = 0
        for gold, pred in docs:
            n_gold += sum(len(_speaker_set(q.get("speaker_entity"))) for q in gold)
            n_pred += sum(len(_speaker_set(q.get("speaker_entity"))) for q in pred)
            for gi, pi in match(_content(gold), _content(pred)):
                tp += len(_speaker_set(gold[gi].get("speaker_entity")) & _speaker_set(pred[pi].get("speaker_entity")))
        out[scheme] = prf(tp, n_pred, n_gold)
    return out


def score_quotes(docs: list[tuple[list[dict], list[dict]]]) -> dict:
    """Content (exact and token F1), speaker entity, type and cue scores over (gold, predicted) quote lists."""
    content = _content
    exact_pairs, token_scores, n_pred, n_gold = [], [], 0, 0
    cue_tp = cue_pred = cue_gold = 0
    carried = {key for _, pred in docs for p in pred for key in p}
    for gold, pred in docs:
        n_gold, n_pred = n_gold + len(gold), n_pred + len(pred)
        exact_pairs += [(gold[gi], pred[pi]) for gi, pi in match_strict(content(gold), content(pred))]
        token_scores += [token_f1(gold[gi]["content"]["text"], pred[pi]["content"]["text"])
                         for gi, pi in match_partial(content(gold), content(pred))]
        g_cues, p_cues = _cue_spans(gold), _cue_spans(pred)
        cue_tp, cue_pred, cue_gold = cue_tp + len(g_cues & p_cues), cue_pred + len(p_cues), cue_gold + len(g_cues)
    total = sum(token_scores)
    return {
        "content_exact": prf(len(exact_pairs), n_pred, n_gold),
        "content_token": {"pairs": len(token_scores),
                          "mean_f1": total / len(token_scores) if token_scores else None,
                          **_soft(total, n_pred, n_gold)},
        "speaker_entity": _accuracy(exact_pairs, "speaker_entity", carried,
                                    lambda g, p: _speaker_set(g) == _speaker_set(p)),
        "type": _accuracy(exact_pairs, "type", carried, lambda g, p: g == p),
        "cue": prf(cue_tp, cue_pred, cue_gold) if "cue" in carried else None,
        "parts": score_quote_parts(docs, carried),
        "speaker_entity_link": score_speaker_links(docs, carried),
    }


def evaluate_file(documents: list, raw: bytes, rel: str, split: str | None = None,
                  form: str = "auto") -> tuple[dict, list]:
    """Scores and findings for a predictions file (`raw`, shown as `rel`) against the gold documents.

    The documents scored are those of `split`; without it, those of the one split every predicted
    document is in, or else all of them (`token_inputs.scope_of`). Lines for other documents are read and
    checked, then left out with a note. A layer is scored when at least one line carries its key;
    then every scored document counts, and one whose line is missing or lacks the key predicts
    nothing there (IG706): its gold annotations are missed. When no scored document has a line
    at all, nothing was predicted of what is scored (IG727): never a pass.
    `form` is the input shape (token_inputs.FORMATS), or auto to detect it.

    Emits: IG706, IG727, IG728.
    """
    from ..findings import Finding, has_errors
    from .predictions import LAYERS
    from .token_inputs import read_input, scope_of

    form, read = read_input(raw, rel, documents, form, split)
    findings = list(read.findings)
    met = set(read.first_line)  # every document a line was met for, even a line that was not scored
    split, scope = scope_of(documents, met, split)
    scored = sorted((d for d in documents if split is None or d.data["split"] == split), key=lambda d: d.id)
    scored_ids = {d.id for d in scored}
    split_of = {d.id: d.data["split"] for d in documents}
    notes = [f"line {p.line}: document {p.doc_id} is in split {split_of[p.doc_id]}, not {split}; not scored"
             for p in read.predictions if p.doc_id not in scored_ids]
    by_doc = {p.doc_id: p for p in read.predictions if p.doc_id in scored_ids}
    layers = [layer for layer in LAYERS if any(layer in p.data for p in read.predictions)]
    unpredicted = [d.id for d in scored if d.id not in met]
    # not when it follows from the findings already made: a file none of whose lines could be read
    # (IG708, every line broken), or positional items that fit several splits (IG728)
    followed = any(f.code == "IG728" for f in findings) or (not read.predictions and has_errors(findings))
    nothing = bool(scored) and len(unpredicted) == len(scored) and not followed
    if nothing:
        elsewhere = sorted({split_of[i] for i in met if i in split_of} - {split})
        where = f" of split {split}" if split else ""
        more = f"; the file predicts documents of {', '.join(elsewhere)} only" if elsewhere else ""
        findings.append(Finding("IG727", f"none of the {len(scored)} document(s){where} has a prediction{more}; "
                                         "every gold annotation counts as missed", rel,
                                hint=(f"predict the documents{where}, or leave out --split to score the documents "
                                      "the file predicts" if elsewhere else "one line per document, ids as in the "
                                      "gold (annotations/texts/<id>.txt)")))
    pairs: dict[str, list] = {layer: [] for layer in layers}
    for doc in scored:
        pred = by_doc.get(doc.id)
        lacking = [layer for layer in layers if pred is None or layer not in pred.data]
        if lacking and (pred is not None or (doc.id not in met and not nothing)):
            where = f"line {pred.line} has no {', '.join(lacking)}" if pred else "no line predicts it"
            findings.append(Finding("IG706", f"document {doc.id}: {where}; scored as predicting nothing there",
                                    rel, pred.line if pred else None,
                                    hint="write an empty list for a layer the system found nothing in"))
        for layer in layers:
            pairs[layer].append((doc.data[layer], pred.data.get(layer, []) if pred else []))
    scores = {"predictions": rel, "input_format": form, "split": split, "split_from": scope,
              "documents": [d.id for d in scored], "unpredicted": unpredicted, "layers": layers, "notes": notes}
    for layer in ("entities", "figures"):
        scores[layer] = None if layer not in pairs else {
            "strict": score_spans(pairs[layer], match_strict), "partial": score_spans(pairs[layer], match_partial)}
    if scores["figures"] is not None:
        scores["figures"]["attributes"] = score_figure_attributes(pairs["figures"])
    both = None
    if "entities" in pairs and "figures" in pairs:
        flat = [(ge + gf, pe + pf) for (ge, pe), (gf, pf) in zip(pairs["entities"], pairs["figures"])]
        both = {scheme: {"micro": score_spans(flat, match)["micro"]}
                for scheme, match in (("strict", match_strict), ("partial", match_partial))}
    scores["entities+figures"] = both
    scores["quotes"] = score_quotes(pairs["quotes"]) if "quotes" in pairs else None
    return scores, findings
