"""Rendering evaluation scores, once, at the edge: tables for people, JSON for tools.

Both outputs come from the same `scores` dict that `evaluate.evaluate_file` returns;
the text shows every number rounded to four decimals and "–" for an undefined one
(nothing predicted and nothing in the gold), so the two always agree. The scores are defined in
docs/metrics.md.
"""

from __future__ import annotations

import json

from ..findings import Finding, sort_findings
from ..report import render_text, summary_line

__all__ = ["render_scores", "render_scores_text", "fmt"]

_SCHEMES = {"strict": "strict: same span and label", "partial": "partial: overlapping span, same label, one-to-one"}
_ATTRIBUTE_NAMES = {"value_1pct": "value ±1%"}


def fmt(value) -> str:
    """A score as the text output shows it."""
    return "–" if value is None else f"{value:.4f}"


def _row(name: str, s: dict, counts: bool = True, width: int = 16) -> str:
    line = f"  {name:<{width}}{fmt(s['precision']):>8}{fmt(s['recall']):>8}{fmt(s['f1']):>8}"
    if counts and "tp" in s:
        line += f"{s['tp']:>7}{s['predicted']:>7}{s['gold']:>7}"
    return line


def _header(width: int = 16) -> str:
    return f"  {'label':<{width}}{'P':>8}{'R':>8}{'F1':>8}{'TP':>7}{'pred':>7}{'gold':>7}"


def _span_tables(layer: str, result: dict) -> list[str]:
    lines = []
    for scheme in ("strict", "partial"):
        s = result[scheme]
        lines += ["", f"{layer}, {_SCHEMES[scheme]}", _header()]
        lines += [_row(label, row) for label, row in s["labels"].items()]
        lines += [_row("micro", s["micro"]), _row("macro", s["macro"], counts=False)]
    return lines


def _attributes(attributes: dict) -> list[str]:
    lines = ["", f"figure attributes on {attributes['matched']} strictly matched figure(s)",
             f"  {'attribute':<16}{'correct':>8}{'accuracy':>10}"]
    for name, value in attributes.items():
        if name == "matched":
            continue
        lines.append(_attribute_line(_ATTRIBUTE_NAMES.get(name, name), value))
    return lines


def _attribute_line(label: str, value: dict | None) -> str:
    """One attribute's correct count and accuracy, or that no system output carried it."""
    if value is None:
        return f"  {label:<16}{'not predicted':>18}"
    return f"  {label:<16}{value['correct']:>8}{fmt(value['accuracy']):>10}"


def _quotes(q: dict) -> list[str]:
    token = q["content_token"]
    lines = ["", "quotes", _header().replace("label", "part ", 1), _row("content exact", q["content_exact"]),
             _row("content token", token, counts=False)
             + f"  soft; mean token F1 over {token['pairs']} overlap pair(s): {fmt(token['mean_f1'])}"]
    lines.append(_row("cue", q["cue"]) if q["cue"] is not None else f"  {'cue':<16}{'not predicted':>24}")
    lines += ["", "quote attribution on paired quotes (exact: content-exact pairs, same span; "
                  "partial: content-overlap pairs, overlapping span)", _header(22).replace("label", "part ", 1)]
    rows = [(f"{name} {scheme}", q["parts"][name][scheme] if q["parts"][name] else None)
            for name in q["parts"] for scheme in ("exact", "partial")]
    link = q["speaker_entity_link"]
    rows += [(f"speaker link {scheme}", link[scheme] if link else None) for scheme in ("exact", "partial")]
    lines += [_row(name, s, width=22) if s is not None else f"  {name:<22}{'not predicted':>24}" for name, s in rows]
    matched = q["content_exact"]["tp"]
    lines += ["", f"quote attributes on {matched} content-exact pair(s)",
              f"  {'attribute':<16}{'correct':>8}{'accuracy':>10}"]
    lines += [_attribute_line(name, q[name]) for name in ("speaker_entity", "type")]
    return lines


def _coverage(scores: dict) -> list[str]:
    """Which documents were scored and how many had no prediction: a file that predicts a part only
    says so, and its misses are never read as a pass."""
    n, missing = len(scores["documents"]), len(scores["unpredicted"])
    lines = []
    if scores["split_from"] == "predictions":
        cover = "exactly its documents" if not missing else f"{n - missing} of its {n} documents"
        lines.append(f"scored as split {scores['split']}: the predictions cover {cover}")
    if missing:
        lines.append(f"not predicted: {missing} of {n} document(s), counted as missed "
                     "(their gold annotations are false negatives)")
    return lines


def render_scores_text(scores: dict) -> str:
    where = f"split {scores['split']}" if scores["split"] else "all splits"
    layers = ", ".join(scores["layers"]) or "none"
    lines = [f"{scores['predictions']}: {len(scores['documents'])} document(s) scored ({where}); "
             f"layers predicted: {layers}"]
    lines += _coverage(scores)
    lines += [f"note: {note}" for note in scores["notes"]]
    for layer in ("entities", "figures"):
        if scores[layer] is not None:
            lines += _span_tables(layer, scores[layer])
    if scores["figures"] is not None:
        lines += _attributes(scores["figures"]["attributes"])
    if scores["entities+figures"] is not None:
        lines += ["", "entities+figures, micro average over both layers",
                  _header().replace("label", "scheme", 1)]
        lines += [_row(scheme, s["micro"]) for scheme, s in scores["entities+figures"].items()]
    if scores["quotes"] is not None:
        lines += _quotes(scores["quotes"])
    return "\n".join(lines) + "\n"


def render_scores(scores: dict | None, findings: list[Finding], checked: str, form: str) -> str:
    """The whole output of `idlib-gold evaluate`: scores, then findings and the verdict line."""
    if form == "json":
        return json.dumps({"summary": summary_line(findings, checked),
                           "findings": [f.as_dict() for f in sort_findings(findings)],
                           "scores": scores}, ensure_ascii=False, indent=2) + "\n"
    head = render_scores_text(scores) + "\n" if scores is not None else ""
    return head + render_text(findings, checked)
