"""Rendering agreement figures, once: a text table for people, Markdown for a card or a pull
request, JSON for tools. All three come from the dict `agreement.agreement` returns, rounded to
four decimals in text and Markdown, "–" for an undefined value."""

from __future__ import annotations

import json

from ..findings import Finding, sort_findings
from ..report import render_text, summary_line
from .report import fmt

__all__ = ["render_agreement", "agreement_rows"]

_ATTRIBUTES = ("value", "value_1pct", "unit", "approximate", "bound", "category", "source")


def _acc(a: dict | None) -> tuple[str, str]:
    if a is None:
        return "–", "–"
    return f"{a['correct']}/{a.get('matched', '')}".rstrip("/"), fmt(a["accuracy"])


def agreement_rows(scores: dict) -> list[tuple[str, str, str]]:
    """The headline figures as (measure, value, on what) rows; the dataset card shows these."""
    t, q = scores["tokens"], scores["quotes"]
    rows = []
    for layer in ("entities", "figures"):
        for scheme, name in (("strict", "exact"), ("partial", "partial")):
            m = scores[layer][scheme]["micro"]
            rows.append((f"{layer}, {name} F1 (micro)", fmt(m["f1"]), f"{m['gold']} in A, {m['predicted']} in B"))
    attributes = scores["figures"]["attributes"]
    rows.append(("figure value agreement", fmt((attributes["value"] or {}).get("accuracy")),
                 f"{attributes['matched']} exactly matched figure(s)"))
    rows.append(("quote content, exact F1", fmt(q["content_exact"]["f1"]),
                 f"{q['content_exact']['gold']} in A, {q['content_exact']['predicted']} in B"))
    rows.append(("quote content, token-overlap F1", fmt(q["content_token"]["f1"]),
                 f"mean over {q['content_token']['pairs']} overlapping pair(s): {fmt(q['content_token']['mean_f1'])}"))
    for name in ("speaker", "speaker_entity"):
        count, value = _acc(q[name] and {**q[name], "matched": q["speaker"]["matched"]})
        rows.append((f"quote {name.replace('_', ' ')} agreement", value, f"{count} content-exact pair(s)"))
    rows.append(("Cohen's kappa, BIO tags, all tokens", fmt(t["kappa"]), f"{t['tokens']} tokens, O–O counted"))
    rows.append(("Cohen's kappa, BIO tags, annotated tokens", fmt(t["kappa_annotated"]),
                 f"{t['annotated_tokens']} tokens tagged by A or B, O–O left out"))
    return rows


def _label_table(layer: str, result: dict, md: bool) -> list[str]:
    head = ["label", "exact F1", "partial F1", "A", "B", "exact matches"]
    body = []
    labels = list(result["strict"]["labels"]) + ["micro", "macro"]
    for label in labels:
        pick = (lambda s: s["labels"][label]) if label not in ("micro", "macro") else (lambda s: s[label])
        strict, partial = pick(result["strict"]), pick(result["partial"])
        counts = [str(strict.get("gold", "")), str(strict.get("predicted", "")), str(strict.get("tp", ""))]
        body.append([label, fmt(strict["f1"]), fmt(partial["f1"]), *counts])
    return _table(layer, head, body, md)


def _table(title: str, head: list[str], body: list[list[str]], md: bool) -> list[str]:
    if md:
        return [f"**{title}**", "", "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|",
                *("| " + " | ".join(row) + " |" for row in body), ""]
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    left = {0} | {i for i, h in enumerate(head) if h == "on"}
    line = lambda row: ("  " + "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)  # noqa: E731
                                          for i, (c, w) in enumerate(zip(row, widths)))).rstrip()
    return [title, line(head), *(line(r) for r in body), ""]


def _detail(scores: dict, md: bool) -> list[str]:
    out = []
    for d in scores["disagreements"]:
        if md:
            out.append(f"- `{d['doc']}` {d['layer']}, {d['what']}: A: {d['a'] or '—'}; B: {d['b'] or '—'}; "
                       f"text: “{d['text']}”")
            continue
        out.append(f"{d['doc']}  {d['layer']}  {d['what']}")
        out.append(f"    A: {d['a'] or '—'}" + (f"  ({d['where_a']})" if d["where_a"] else ""))
        out.append(f"    B: {d['b'] or '—'}" + (f"  ({d['where_b']})" if d["where_b"] else ""))
        out.append(f"    text: “{d['text']}”")
    return out


def _body(scores: dict, detail: bool, md: bool) -> list[str]:
    lines = [f"agreement of A = {scores['a']} and B = {scores['b']}: {len(scores['documents'])} document(s) "
             f"in both; B is scored against A (F1 is symmetric, so it is the agreement figure)"]
    for side, key in (("A", "only_a"), ("B", "only_b")):
        if scores[key]:
            lines.append(f"note: only in {side}, not compared: {', '.join(scores[key])}")
    lines.append("")
    lines += _table("summary", ["measure", "value", "on"], [list(r) for r in agreement_rows(scores)], md)
    for layer in ("entities", "figures"):
        lines += _label_table(layer, scores[layer], md)
    attributes = scores["figures"]["attributes"]
    lines += _table(f"figure attributes on {attributes['matched']} exactly matched pair(s)", ["attribute", "agree", "share"],
                    [[name, *_acc(attributes[name] and {**attributes[name], "matched": attributes["matched"]})]
                     for name in _ATTRIBUTES], md)
    q = scores["quotes"]

    def f1(measure) -> str:  # None: B writes no such field (no quotes at all, or no cues)
        return "—" if measure is None else fmt(measure["f1"])

    matched = (q["speaker"] or {}).get("matched")
    quote_rows = [["content exact F1", f1(q["content_exact"])],
                  ["content token-overlap F1 (soft)", f1(q["content_token"])],
                  ["cue F1", f1(q["cue"])]]
    quote_rows += [[f"{n} agreement", _acc(q[n] and {**q[n], "matched": matched})[1]]
                   for n in ("speaker", "speaker_entity", "type")]
    lines += _table("quotes", ["measure", "value"], quote_rows, md)
    n = len(scores["disagreements"])
    if detail:
        lines += [f"{n} disagreement(s), for adjudication:", *_detail(scores, md), ""]
    else:
        lines.append(f"{n} disagreement(s); --detail lists them")
    return lines


def render_agreement(scores: dict | None, findings: list[Finding], checked: str, form: str, detail: bool) -> str:
    """The whole output of `idlib-gold agree`: figures (if any), then findings and the verdict line."""
    if form == "json":
        shown = scores if scores is None or detail else {k: v for k, v in scores.items() if k != "disagreements"}
        if shown is not None and not detail:
            shown = {**shown, "disagreement_count": len(scores["disagreements"])}
        return json.dumps({"summary": summary_line(findings, checked),
                           "findings": [f.as_dict() for f in sort_findings(findings)],
                           "agreement": shown}, ensure_ascii=False, indent=2) + "\n"
    head = "\n".join(_body(scores, detail, form == "markdown")) + "\n\n" if scores is not None else ""
    return head + render_text(findings, checked)
