"""Rendering an annotation diff: text for the terminal, JSON for tools, Markdown for a pull request."""

from __future__ import annotations

import json
import math
import re

from ..findings import sort_findings
from ..layout import KB_FILE
from ..report import render_text
from .diff import KINDS, Change, Diff, is_text

__all__ = ["render_diff"]

_SIGN = {"added": "+", "removed": "-", "changed": "~", "moved": ">"}
_BARE = re.compile(r"[\w.:/@+-]+")


def _value(v: object) -> str:
    v = _plain(v)
    if isinstance(v, str):
        return v if _BARE.fullmatch(v) else json.dumps(v, ensure_ascii=False)
    return json.dumps(v, ensure_ascii=False)


def _describe(item: dict, kb: bool) -> str:
    """One line for an added or removed annotation: label, offsets and text (KB: type and name)."""
    if kb:
        return " ".join(_value(item[k]) for k in ("type", "name") if k in item)
    parts = [_value(item[k]) for k in ("label", "type") if k in item]
    span = item if "start" in item else item.get("content") if isinstance(item.get("content"), dict) else None
    if isinstance(span, dict):
        parts.append(f"{span.get('start')}–{span.get('end')}")
        if "text" in span:
            parts.append(_value(span["text"]))
    return " ".join(parts)


def _lines(change: Change, kb: bool) -> list[str]:
    sign = _SIGN[change.kind]
    if change.annotation is not None:
        return [f"{sign} {change.id} {_describe(change.annotation, kb)}"]
    fields = [f"{f} {_value(o)} → {_value(n)}" for f, o, n in change.fields]
    if change.kind == "moved":
        return [f"{sign} {change.id} offsets moved, same text: {', '.join(fields)}"]
    return [f"{sign} {change.id} {f}" for f in fields]


def _counts_line(name: str, counts: dict[str, int]) -> str:
    return f"{name}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items())


def _text(diff: Diff) -> str:
    out = [f"annotation changes {diff.old} → {diff.new}"]
    for f in diff.files:
        out.append(f.path if f.path == KB_FILE else f"{f.path} (text {f.status})" if is_text(f.path)
                   else f"{f.path} ({f.status})")
        out += [f"  metadata {k} {_value(o)} → {_value(n)}" for k, o, n in f.metadata]
        for layer, changes in f.layers.items():
            if f.path != KB_FILE:
                out.append(f"  {layer}")
            for c in changes:
                out += [("    " if f.path != KB_FILE else "  ") + line for line in _lines(c, f.path == KB_FILE)]
    if not diff.files:
        out.append("no annotation changes" + (" in the files compared" if diff.findings else ""))
    out.append("summary")
    out += [f"  {_counts_line(name, counts)}" for name, counts in diff.counts().items()]
    text = "\n".join(out) + "\n"
    if diff.findings:
        text += render_text(diff.findings, "some files could not be compared")
    return text


def _code(s: str) -> str:
    fence = "`" * (max((len(m) for m in re.findall(r"`+", s)), default=0) + 1)
    return f"{fence} {s} {fence}" if "`" in s else f"`{s}`"


def _markdown(diff: Diff) -> str:
    counts = diff.counts()
    out = [f"### Annotation changes: {_code(diff.old)} → {_code(diff.new)}", "",
           "| | " + " | ".join(KINDS) + " |", "|---|" + "---:|" * len(KINDS)]
    for name, row in counts.items():
        out.append(f"| {name} | " + " | ".join(str(row[k]) if k in row else "" for k in KINDS) + " |")
    for f in diff.files:
        kb = f.path == KB_FILE
        out += ["", f"#### {_code(f.path)}" + ("" if kb else f" (text {f.status})" if is_text(f.path) else f" ({f.status})"), ""]
        out += [f"- metadata {_code(k)}: {_code(_value(o))} → {_code(_value(n))}" for k, o, n in f.metadata]
        for layer, changes in f.layers.items():
            for c in changes:
                for line in _lines(c, kb):
                    sign, ident, rest = line.split(" ", 2)
                    out.append(f"- {'' if kb else layer + ' '}**{sign}** {_code(ident)} {_code(rest)}")
    if diff.findings:
        out += ["", "**Not compared:**", ""]
        out += [f"- {_code(x.path)}: {x.code} {x.message}" for x in sort_findings(diff.findings)]
    return "\n".join(out) + "\n"


def _plain(value: object) -> object:
    """Values JSON can hold: a non-finite number (YAML's .inf, .nan) becomes its YAML spelling."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _json(diff: Diff) -> str:
    files = []
    for f in diff.files:
        entry: dict = {"path": f.path, "status": f.status}
        if f.metadata:
            entry["metadata"] = [{"field": k, "old": o, "new": n} for k, o, n in f.metadata]
        entry["changes"] = {layer: {kind: [c.as_dict() for c in changes if c.kind == kind]
                                    for kind in KINDS if any(c.kind == kind for c in changes)}
                            for layer, changes in f.layers.items()}
        files.append(entry)
    return json.dumps(_plain({"old": diff.old, "new": diff.new, "files": files, "summary": diff.counts(),
                              "findings": [x.as_dict() for x in sort_findings(diff.findings)]}),
                      ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def render_diff(diff: Diff, fmt: str) -> str:
    return {"text": _text, "json": _json, "markdown": _markdown}[fmt](diff)

