"""Rendering findings, once, at the edge: text for people, JSON for tools."""

from __future__ import annotations

import json
from collections import Counter

from .findings import CODES, Finding, sort_findings

__all__ = ["render_text", "render_json", "summary_line", "MAX_PER_CODE"]

#: After this many findings of one code in one file, the rest are counted, not printed.
MAX_PER_CODE = 20


def _location(f: Finding) -> str:
    parts = [f.path or "."]
    if f.line is not None:
        parts.append(str(f.line))
        if f.col is not None:
            parts.append(str(f.col))
    return ":".join(parts)


def summary_line(findings: list[Finding], checked: str) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    files = len({f.path for f in findings})
    if not findings:
        return f"PASSED: {checked}, no findings"
    verdict = "FAILED" if errors else "PASSED with warnings"
    return f"{verdict}: {errors} error(s), {warnings} warning(s) in {files} file(s); {checked}"


def render_text(findings: list[Finding], checked: str) -> str:
    lines, explained, shown = [], set(), Counter()
    hidden = Counter()
    for f in sort_findings(findings):
        shown[(f.path, f.code)] += 1
        if shown[(f.path, f.code)] > MAX_PER_CODE:
            hidden[(f.path, f.code)] += 1
            continue
        tag = f.code if f.severity == "error" else f"{f.code} (warning)"
        ann = f" ({f.annotation})" if f.annotation else ""
        lines.append(f"{_location(f)}: {tag} {f.message}{ann}")
        if f.hint:
            lines.append(f"    fix: {f.hint}")
        if f.code not in explained:
            explained.add(f.code)
            lines.append(f"    = {f.code} {CODES[f.code].title}: {CODES[f.code].explanation}")
    for (path, code), n in sorted(hidden.items()):
        lines.append(f"{path}: {code} … and {n} more like this")
    lines.append(summary_line(findings, checked))
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding], checked: str) -> str:
    return json.dumps({"summary": summary_line(findings, checked),
                       "findings": [f.as_dict() for f in sort_findings(findings)]},
                      ensure_ascii=False, indent=2) + "\n"
