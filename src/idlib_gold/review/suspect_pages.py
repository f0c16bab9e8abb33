"""Review pages for `idlib-gold suspects --format html`: each suspect in its sentence, the gold and
every system side by side, and an index in rank order.

An adjudicator decides a suspect by reading the gold and what each system made of the same
words, so a suspect is shown as columns over one context: the gold's entities and figures, then
each system's spans, coloured by label as on the `render` pages (the same shell, style sheet and
marks), with the suspect's span outlined in each. One page per document with suspects
(`<doc id>.html`, a section `#s<rank>` per suspect) and `index.html`, sorted by rank. The pages
load nothing and run no script beyond the shared error recorder; the same suspects give the same
bytes.
"""

from __future__ import annotations

import html

from .. import vocabulary
from ..scoring.suspects_report import suggestion
from .marks import Mark, nest
from .pages import page_html

__all__ = ["suspect_pages", "SUSPECT_CSS"]

SUSPECT_CSS = """
main.suspects { padding: 12px 20px 40px; }
section.suspect { margin: 0 0 18px; padding: 10px 14px; background: #fff; border: 1px solid #e0e0e0;
                  border-radius: 4px; max-width: 1500px; scroll-margin-top: 10px; }
section.suspect h2 { font-size: 15px; margin: 0 0 4px; }
section.suspect .where, section.suspect .guideline { font-size: 13px; color: #444; margin: 2px 0; }
.sides { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 10px; margin-top: 8px; }
.side h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #555; margin: 2px 0 4px; }
.side h3 .name { text-transform: none; letter-spacing: 0; font-weight: 400; }
.side .vote { font-size: 12px; color: #333; margin: 0 0 4px; }
.side .ctx { white-space: pre-wrap; line-height: 2.05; border: 1px solid #eee; border-radius: 3px;
             padding: 6px 8px; overflow-wrap: anywhere; }
.focus { outline: 2px solid #b3261e; outline-offset: 2px; border-radius: 2px; }
.kind-label, .kind-boundary, .kind-missed, .kind-spurious { font-weight: 700; }
.kind-label { color: #6a1b9a; } .kind-boundary { color: #0b57d0; } .kind-missed { color: #2e7d32; }
.kind-spurious { color: #b3261e; }
table.index td.ctx-cell { max-width: 520px; }
"""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _span_marks(spans, lo: int, hi: int, prefix: str) -> list[Mark]:
    """Marks for (start, end, label) spans inside [lo, hi), shifted to the context."""
    entity = set(vocabulary.entity_labels())
    marks = []
    for k, (s, e, label) in enumerate(sorted(spans)):
        if s < hi and lo < e:
            kind = "ent" if label in entity else "fig"
            marks.append(Mark(max(s, lo) - lo, min(e, hi) - lo, 3, {
                "id": f"{prefix}-{k}", "class": f"{kind} l-{label}", "data-label": label,
                "title": f"{label} {s}–{e}"}))
    return marks


def _column(title: str, name: str, note: str, text: str, suspect, spans, prefix: str) -> str:
    lo, hi = suspect.context_start, suspect.context_end
    marks = _span_marks(spans, lo, hi, prefix)
    marks.append(Mark(suspect.start - lo, suspect.end - lo, 0, {"id": f"{prefix}-focus", "class": "focus",
                                                                 "title": suspect.title}))
    return (f'<div class="side"><h3>{_esc(title)} <span class="name">{_esc(name)}</span></h3>'
            f'<p class="vote">{_esc(note)}</p>'
            f'<div class="ctx">{nest(text[lo:hi], marks)}</div></div>')


def _heading(s) -> str:
    if s.kind == "missed":
        what = f"{s.label} {s.text!r}: not in the gold"
    else:
        what = f"{s.annotation} {s.label} {s.text!r}{suggestion(s)}"
    return what


def _section(s, doc, systems) -> str:
    from ..scoring.suspects_report import vote_text

    gold = [(a["start"], a["end"], a["label"]) for layer in ("entities", "figures") for a in doc.data[layer]]
    where = f"{s.path} line {s.line}" + (" (it would go near this line)" if s.kind == "missed" else "")
    guideline = (f'<p class="guideline">guideline: decision {s.decision.number}, {_esc(s.decision.title)} '
                 f'({_esc(s.decision.group)})</p>' if s.decision else "")
    if s.waiver is not None:
        guideline += f'<p class="guideline">decided: the document waives it ({_esc(s.waiver)})</p>'
    prefix = f"s{s.rank}"
    gold_note = f"{s.annotation} {s.label} {s.start}–{s.end}" if s.annotation else "no gold span here"
    columns = [_column("gold", "", gold_note, doc.text, s, gold, f"{prefix}-gold")]
    by_name = {x.name: x for x in systems}
    for n, vote in enumerate(s.votes, start=1):
        spans = [(a, b, label) for a, b, label, _ in by_name[vote.system].spans.get(doc.id, ())]
        columns.append(_column(f"system {n}", vote.system, vote_text(vote).partition(": ")[2], doc.text, s,
                               spans, f"{prefix}-sys{n}"))
    return (f'<section class="suspect" id="{prefix}"><h2>#{s.rank} <span class="kind-{s.kind}">{_esc(s.title)}'
            f'</span>: {_esc(_heading(s))}</h2>'
            f'<p class="where">{_esc(where)}, offsets {s.start}–{s.end}; agreement {s.agreement:.4f} '
            f'({s.agreeing} of {s.voters} system(s))</p>{guideline}'
            f'<div class="sides">{"".join(columns)}</div></section>')


def _index(suspects, systems, documents) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("rank", "kind", "where", "annotation", "text", "gold", "systems",
                                              "agreement", "guideline"))
    rows = []
    for s in suspects:
        link = f"{s.doc_id}.html#s{s.rank}"
        says = s.suggested_label if s.kind == "label" else (
            f"{s.suggested_start}–{s.suggested_end}" if s.kind == "boundary" else
            s.label if s.kind == "missed" else "nothing")
        guideline = f"decision {s.decision.number}" if s.decision else "–"
        rows.append(f'<tr><td class="num"><a href="{_esc(link)}">{s.rank}</a></td>'
                    f'<td class="kind-{s.kind}">{_esc(s.title)}</td><td>{_esc(s.doc_id)}:{s.line}</td>'
                    f'<td>{_esc(s.annotation or "–")}</td><td class="ctx-cell">{_esc(s.text)}</td>'
                    f'<td>{_esc("–" if s.kind == "missed" else s.label)}</td><td>{_esc(says)}</td>'
                    f'<td class="num">{s.agreement:.4f}</td><td>{_esc(guideline)}</td></tr>')
    names = "; ".join(x.name for x in systems)
    body = (f'<header><h1>idlib-gold suspects</h1><span class="meta">{len(suspects)} suspect(s) in '
            f'{len(documents)} document(s) from {len(systems)} system(s): {_esc(names)}</span></header>'
            f'<table class="index"><tr>{head}</tr>{"".join(rows)}</table>')
    return page_html("idlib-gold suspects", body, SUSPECT_CSS)


def suspect_pages(suspects, systems, documents) -> dict[str, str]:
    """File name → HTML: one page per document with suspects, and index.html in rank order."""
    by_id = {d.id: d for d in documents}
    pages = {}
    for doc_id in sorted({s.doc_id for s in suspects}):
        doc = by_id[doc_id]
        sections = "".join(_section(s, doc, systems) for s in suspects if s.doc_id == doc_id)
        header = (f'<header><a href="index.html">index</a><h1>{_esc(doc_id)}</h1>'
                  f'<span class="meta">suspects in {_esc(doc.rel)}</span></header>')
        pages[f"{doc_id}.html"] = page_html(f"{doc_id} – idlib-gold suspects",
                                            f'{header}<main class="suspects">{sections}</main>', SUSPECT_CSS)
    pages["index.html"] = _index(suspects, systems, documents)
    return pages
