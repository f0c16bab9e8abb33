"""Rendering the suspects list once, at the edge: text for an adjudicator, JSON for tools.

Both come from the same `Suspect` values (scoring/suspects.py); the findings of the predictions
files follow, with the verdict line, as `evaluate` prints them. Suspects are not findings: they
change neither the verdict nor the exit code.
"""

from __future__ import annotations

import json

from ..findings import Finding, sort_findings
from ..report import render_text, summary_line

__all__ = ["render_suspects", "checked_line", "vote_text", "context_text", "suggestion"]


def checked_line(suspects, systems, n_documents: int) -> str:
    decided = sum(s.waiver is not None for s in suspects)
    return (f"{len(suspects)} suspect(s) ranked from {len(systems)} system(s) in {n_documents} document(s)"
            + (f" ({decided} already decided by a waiver)" if decided else ""))


def vote_text(vote) -> str:
    """One system's vote, as the text output and the review pages show it."""
    if vote.says == "none":
        return f"{vote.system}: nothing"
    score = f" score {vote.score:g}" if vote.score is not None else ""
    return f"{vote.system}: {vote.label} {vote.start}–{vote.end}{score}"


def context_text(suspect, text: str) -> str:
    """The context with the suspect's span in ⟦ ⟧, on one line."""
    s = suspect
    before, inside, after = text[s.context_start:s.start], text[s.start:s.end], text[s.end:s.context_end]
    return f"{before}⟦{inside}⟧{after}".replace("\n", " ")


def _head(s) -> str:
    where = ":".join(str(x) for x in (s.path, s.line, s.col) if x is not None)
    if s.kind == "missed":
        what = f"{s.label} {s.start}–{s.end} {s.text!r}, not in the gold (it would go near line {s.line})"
    else:
        what = f"{s.annotation} {s.label} {s.start}–{s.end} {s.text!r}{suggestion(s)}"
    return f"{s.rank}. {s.title}: {where}: {what}"


def suggestion(s) -> str:
    """What the systems would make of the gold annotation: another label, other offsets, or nothing."""
    if s.kind == "label":
        return f" → {s.suggested_label}"
    if s.kind == "boundary":
        return f" → {s.suggested_start}–{s.suggested_end}"
    return ""


def _text(suspects, texts: dict[str, str], head: str) -> list[str]:
    lines = [head]
    for s in suspects:
        lines.append(_head(s))
        lines.append(f"   agreement {s.agreement:.4f} ({s.agreeing} of {s.voters} system(s)); "
                     + "; ".join(vote_text(v) for v in s.votes))
        lines.append(f"   context: {context_text(s, texts[s.doc_id])}")
        if s.decision is not None:
            lines.append(f"   guideline: decision {s.decision.number} ({s.decision.title}), {s.decision.group}")
        if s.waiver is not None:
            lines.append(f"   decided: the document waives it ({s.waiver})")
    return lines


def render_suspects(suspects, systems, documents, findings: list[Finding], split: str | None, form: str) -> str:
    """The whole output of `idlib-gold suspects` as text or JSON (documents: those ranked)."""
    checked = checked_line(suspects, systems, len(documents))
    described = [f"{s.name} ({', '.join(sorted(s.layers)) or 'no entities or figures'})" for s in systems]
    if form == "json":
        return json.dumps({"summary": summary_line(findings, checked),
                           "systems": [{"name": s.name, "layers": sorted(s.layers)} for s in systems],
                           "split": split, "documents": [d.id for d in documents],
                           "suspects": [s.as_dict() for s in suspects],
                           "findings": [f.as_dict() for f in sort_findings(findings)]},
                          ensure_ascii=False, indent=2) + "\n"
    where = f"split {split}" if split else "all splits"
    head = f"systems: {'; '.join(described)}; {len(documents)} document(s) ({where})"
    lines = _text(suspects, {d.id: d.text for d in documents}, head)
    return "\n".join(lines) + "\n\n" + render_text(findings, checked)
