"""Static review pages: one self-contained HTML file per document, plus an index.

Annotators read the gold before committing it, so a page shows exactly what a
reviewer has to judge: every annotation in place (entities coloured by label,
figures with their normalized meaning on hover, quotes with their parts in four
styles and a link to the speaker), the noise the text keeps (greyed and struck
through, so no one annotates it by mistake), and, beside the text, the findings
the validator reports for this document. Pages load nothing from anywhere, and
the same annotations always give the same bytes.

Why f-strings and no template engine: see docs/decisions/0008-review-pages-written-with-f-strings.md.
"""

from __future__ import annotations

import html
from pathlib import Path

from .. import vocabulary
from ..findings import Finding, fold, sort_findings
from .assets import CSS, ERROR_RECORDER, SCRIPT, label_colours
from .marks import Insert, Mark, nest, noise_marks

__all__ = ["document_marks", "document_page", "index_page", "page_html", "render_pages"]

_QUOTE_PARTS = ("content", "speaker", "cue", "addressee")
_RANKS = {"content": 0, "speaker": 1, "cue": 1, "addressee": 1, "entities": 3, "figures": 3, "measured": 4}


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _show(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _entity_title(ann: dict, kb: dict) -> str:
    if "entity" in ann:
        target = f"{ann['entity']} ({kb[ann['entity']]['name']})" if ann["entity"] in kb else ann["entity"]
        what = f"→ {target}"
    else:
        what = f"value {_show(ann.get('value'))}"
    note = f"\nnote: {ann['note']}" if ann.get("note") else ""
    return f"{ann['id']} {ann['label']} {what}{note}"


def _figure_title(ann: dict) -> str:
    value = _show(ann["value"]) + (f" to {_show(ann['value_max'])}" if ann.get("value_max") is not None else "")
    measured = ann["measured"]["text"] if ann.get("measured") else "–"
    note = f"\nnote: {ann['note']}" if ann.get("note") else ""
    return (f"{ann['id']} {ann['label']}: value {value}, unit {_show(ann['unit'])}, "
            f"approximate {_show(ann['approximate'])}, bound {_show(ann['bound'])}\n"
            f"category {ann['category']}, source {_show(ann['source'])}, measured: {measured}{note}")


def _speakers(value) -> str:
    return "–" if value is None else value if isinstance(value, str) else " + ".join(value)


def document_marks(doc_id: str, data: dict, text: str, kb: dict) -> tuple[list[Mark], list[Insert]]:
    """Every annotation and noise token of a document as marks, and each quote's link badge."""
    marks: list[Mark] = []
    for ann in data.get("entities", []):
        marks.append(Mark(ann["start"], ann["end"], _RANKS["entities"], {
            "id": f"{doc_id}-{ann['id']}", "class": f"ent l-{ann['label']}", "data-label": ann["label"],
            "title": _entity_title(ann, kb)}))
    for ann in data.get("figures", []):
        marks.append(Mark(ann["start"], ann["end"], _RANKS["figures"], {
            "id": f"{doc_id}-{ann['id']}", "class": f"fig l-{ann['label']}", "data-label": ann["label"],
            "title": _figure_title(ann)}))
        if ann.get("measured"):
            m = ann["measured"]
            marks.append(Mark(m["start"], m["end"], _RANKS["measured"], {
                "id": f"{doc_id}-{ann['id']}-measured", "class": "measured",
                "title": f"what {ann['id']} ({ann['text']}) measures"}))
    inserts = []
    for q in data.get("quotes", []):
        qid = f"{doc_id}-{q['id']}"
        summary = (f"{q['id']} {q['type']} quote; speaker: {q['speaker']['text'] if q.get('speaker') else '–'} "
                   f"→ {_speakers(q.get('speaker_entity'))}; cue: {q['cue']['text'] if q.get('cue') else '–'}; "
                   f"addressee: {q['addressee']['text'] if q.get('addressee') else '–'}")
        if q.get("note"):
            summary += f"\nnote: {q['note']}"
        for part in _QUOTE_PARTS:
            span = q.get(part)
            if not span:
                continue
            marks.append(Mark(span["start"], span["end"], _RANKS[part], {
                "id": qid if part == "content" else f"{qid}-{part}", "class": f"q-{part}", "data-quote": qid,
                "title": summary if part == "content" else f"{part} of {q['id']}: {span['text']}"}))
        if q.get("speaker"):
            badge = (f'<a class="qlink" id="{_esc(qid)}-link" data-quote="{_esc(qid)}" href="#{_esc(qid)}-speaker" '
                     f'title="{_esc(q["id"])}: go to the speaker, {_esc(q["speaker"]["text"])}">'
                     f'{_esc(q["id"])}&#x2192;</a>')
        else:
            badge = (f'<span class="qlink none" id="{_esc(qid)}-link" data-quote="{_esc(qid)}" '
                     f'title="{_esc(q["id"])}: no speaker in the text">{_esc(q["id"])}</span>')
        inserts.append(Insert(q["content"]["start"], badge))
    return marks + noise_marks(text, doc_id), inserts


def _legend() -> str:
    items = []
    for kind, labels, descriptions in (("ent", vocabulary.entity_labels(), vocabulary.describe("entity_label")),
                                       ("fig", vocabulary.figure_labels(), vocabulary.describe("figure_label"))):
        items += [f'<span class="{kind} l-{label}" '
                  f'title="{_esc(descriptions.get(label, ""))}">{label}</span>' for label in labels]
    parts = ('<span class="q-content">quote content</span> <span class="q-speaker">speaker</span> '
             '<span class="q-cue">cue</span> <span class="q-addressee">addressee</span> '
             '<span class="measured">measured</span> <span class="noise">noise</span>')
    return f'<div class="legend">{"".join(items)}</div><div class="parts">{parts}</div>'


def _findings_list(findings: list[Finding]) -> str:
    if not findings:
        return '<p class="ok">No findings: the validator accepts this document.</p>'
    rows = []
    for f in sort_findings(findings):
        where = ":".join(str(x) for x in (f.path, f.line, f.col) if x is not None)
        ann = f" ({_esc(f.annotation)})" if f.annotation else ""
        hint = f'<br><span class="hint">fix: {_esc(f.hint)}</span>' if f.hint else ""
        hint += "".join(f'<br><span class="hint">{_esc(c.code)} {_esc(c.message)}, caused by the {_esc(f.code)} '
                        f'above</span>' for c in f.caused)
        rows.append(f'<li><span class="sev-{_esc(f.severity)}">{_esc(f.code)}</span> {_esc(where)}{ann}: '
                    f'{_esc(f.message)}{hint}</li>')
    return f'<ol class="findings">{"".join(rows)}</ol>'


def _quote_list(doc_id: str, quotes: list[dict]) -> str:
    if not quotes:
        return "<p>No quotes.</p>"
    rows = []
    for q in quotes:
        qid = f"{doc_id}-{q['id']}"
        speaker = (f'<a href="#{_esc(qid)}-speaker">{_esc(q["speaker"]["text"])}</a>' if q.get("speaker") else "–")
        rows.append(f'<li><a href="#{_esc(qid)}">{_esc(q["id"])}</a> {_esc(q["type"])}: {speaker} '
                    f'({_esc(_speakers(q.get("speaker_entity")))})</li>')
    return f'<ul class="quotes">{"".join(rows)}</ul>'


def _label_css() -> str:
    colours = label_colours(vocabulary.entity_labels() + vocabulary.figure_labels())
    return "".join(f".l-{label} {{ background-color: {colour}; }}\n" for label, colour in colours.items())


def page_html(title: str, body: str, css: str = "") -> str:
    """A whole page: the shell every review page shares (style sheet, label colours, error recorder)
    around `body`, with `css` added to the style sheet."""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_esc(title)}</title>\n<script>{ERROR_RECORDER}</script>\n"
            f"<style>{CSS}{_label_css()}{css}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


def document_page(doc_id: str, text: str, data: dict | None, findings: list[Finding], kb: dict) -> str:
    """The review page of one document; `data` None (annotations unreadable) shows the bare text."""
    data = data or {}
    marks, inserts = document_marks(doc_id, data, text, kb)
    counts = ", ".join(f"{len(data.get(layer, []))} {layer}" for layer in ("entities", "figures", "quotes"))
    meta = " · ".join(f"{key} {_esc(_show(data.get(key)))}" for key in ("split", "date", "source", "story"))
    header = (f'<header><a href="index.html">index</a><h1>{_esc(doc_id)}</h1>'
              f'<span class="meta">{meta} · {counts}</span></header>')
    unreadable = "" if data else '<p class="sev-error">The annotation file could not be loaded; see findings.</p>'
    main = (f'<main><div class="doc"><svg id="arrows" aria-hidden="true"><defs><marker id="head" '
            f'viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="#1565c0"/></marker></defs><g id="arrow-layer"></g></svg>'
            f'{unreadable}<div id="text">{nest(text, marks, inserts)}</div></div></main>')
    aside = (f"<aside><h2>Findings ({len(findings)})</h2>{_findings_list(findings)}"
             f"<h2>Legend</h2>{_legend()}<h2>Quotes</h2>{_quote_list(doc_id, data.get('quotes', []))}</aside>")
    body = f'{header}<div class="layout">{main}{aside}</div>\n<script>{SCRIPT}</script>'
    return page_html(f"{doc_id} – idlib-gold review", body)


def index_page(rows: list[dict], other_findings: list[Finding]) -> str:
    """The list of rendered documents with their counts and findings, and findings tied to no document."""
    head = "".join(f"<th>{h}</th>" for h in ("document", "split", "entities", "figures", "quotes", "findings"))
    body = []
    for r in rows:
        body.append(f'<tr><td><a href="{_esc(r["id"])}.html">{_esc(r["id"])}</a></td><td>{_esc(r["split"])}</td>'
                    + "".join(f'<td class="num">{r[k]}</td>' for k in ("entities", "figures", "quotes", "findings"))
                    + "</tr>")
    other = f"<aside><h2>Other findings</h2>{_findings_list(other_findings)}</aside>" if other_findings else ""
    page = (f'<header><h1>idlib-gold review pages</h1><span class="meta">{len(rows)} document(s)</span></header>'
            f'<table class="index"><tr>{head}</tr>{"".join(body)}</table>{other}')
    return page_html("idlib-gold review pages", page)


def render_pages(root: Path, doc_ids: list[str] | None = None) -> tuple[dict[str, str], list[str]]:
    """File name → HTML for each document asked for (default: all) and index.html; and unknown ids.

    The findings shown are those of a full validation (reading, schema, cross-checks,
    lints), folded as `validate` folds them, filtered to the document's annotation and text files.
    """
    from ..checking import pipeline
    from ..checking.documents import check_corpus
    from ..checking.lints import lint_corpus
    from ..layout import DOCS, ID_PATTERN, TEXTS
    from ..reading.files import read_text

    corpus, findings = pipeline.load(root, prepare=False)
    findings = fold(findings + check_corpus(corpus) + lint_corpus(corpus))  # as `validate` shows them
    # a page per safe id only: an unsafe name (IG303; perhaps not even UTF-8) is no page's name, and its
    # findings are listed on the index
    known = sorted(i for i in {p.stem for p in (root / DOCS).glob("*.yaml")} | {p.stem for p in (root / TEXTS).glob("*.txt")}
                   if ID_PATTERN.match(i))
    wanted = sorted(set(doc_ids)) if doc_ids else known
    unknown = [d for d in wanted if d not in known]
    kb = {e["id"]: e for e in corpus.kb_entries}
    loaded = {d.id: d for d in corpus.documents}
    pages, rows, shown = {}, [], set()
    for doc_id in (d for d in wanted if d in known):
        paths = {f"{DOCS}/{doc_id}.yaml", f"{TEXTS}/{doc_id}.txt"}
        mine = [f for f in findings if f.path in paths]
        shown |= paths
        doc = loaded.get(doc_id)
        text = doc.text if doc else (read_text(root / TEXTS / f"{doc_id}.txt", f"{TEXTS}/{doc_id}.txt")[0] or "")
        data = doc.data if doc else None
        pages[f"{doc_id}.html"] = document_page(doc_id, text, data, mine, kb)
        rows.append({"id": doc_id, "split": (data or {}).get("split", "–"), "findings": len(mine),
                     **{layer: len((data or {}).get(layer, [])) for layer in ("entities", "figures", "quotes")}})
    other = [f for f in findings if f.path not in shown and not doc_ids]
    pages["index.html"] = index_page(rows, other)
    return pages, unknown
