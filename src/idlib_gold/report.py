"""Rendering findings, once, at the edge: text for people, JSON for tools, SARIF 2.1.0 for code
hosts (a CI job uploads it and the findings appear on the lines of a pull request), and GitHub
workflow commands (`::error file=…,line=…::…`), the lighter way to the same annotations."""

from __future__ import annotations

import json
from collections import Counter

from .findings import CODES, Finding, sort_findings

__all__ = ["render_text", "render_json", "render_sarif", "render_github", "render", "summary_line", "FORMATS",
           "MAX_PER_CODE"]

#: Every format findings can be rendered in; commands offer these with --format.
FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: SARIF's conventional base for repository-relative paths; the code host resolves it to the checkout.
SRCROOT = "%SRCROOT%"

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
    findings = list(dict.fromkeys(findings))  # counted as sort_findings lists them: each once
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


def _artifact(path: str) -> dict:
    """Repository-relative paths against %SRCROOT%; a path outside the repository as a file URI."""
    from pathlib import PurePosixPath
    from urllib.parse import quote

    if PurePosixPath(path).is_absolute():
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": SRCROOT}


def render_sarif(findings: list[Finding], checked: str) -> str:
    """A SARIF 2.1.0 log: one rule per finding code (title, explanation, default level), one
    result per finding at its file, line and column."""
    from . import __version__

    ids = list(CODES)
    rules = [{"id": code, "name": CODES[code].title, "shortDescription": {"text": CODES[code].title},
              "fullDescription": {"text": CODES[code].explanation},
              "help": {"text": f"{CODES[code].title}: {CODES[code].explanation} The README's table of finding "
                               f"codes names a test case for each code."},
              "defaultConfiguration": {"level": CODES[code].severity}} for code in ids]
    results = []
    for f in sort_findings(findings):
        text = f.message + (f" ({f.annotation})" if f.annotation else "") + (f" Fix: {f.hint}" if f.hint else "")
        result = {"ruleId": f.code, "ruleIndex": ids.index(f.code), "level": f.severity, "message": {"text": text}}
        if f.path:
            location: dict = {"artifactLocation": _artifact(f.path)}
            if f.line is not None:
                location["region"] = {"startLine": f.line, **({"startColumn": f.col} if f.col else {})}
            result["locations"] = [{"physicalLocation": location}]
        results.append(result)
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "idlib-gold", "version": __version__, "rules": rules}},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the annotation repository."}}},
        "results": results,
        "invocations": [{"executionSuccessful": True,
                         "toolExecutionNotifications": [{"message": {"text": summary_line(findings, checked)},
                                                         "level": "note"}]}],
    }]}
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def _escape(value: str, prop: bool = False) -> str:
    """Workflow-command escaping: %, CR and LF always; , and : in properties too."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(",", "%2C").replace(":", "%3A") if prop else value


def render_github(findings: list[Finding], checked: str) -> str:
    """GitHub Actions workflow commands: one `::error` or `::warning` per finding, then the verdict."""
    lines = []
    for f in sort_findings(findings):
        props = [f"file={_escape(f.path, True)}"] if f.path else []
        if f.line is not None:
            props.append(f"line={f.line}")
            if f.col is not None:
                props.append(f"col={f.col}")
        props.append(f"title={_escape(f'{f.code} {CODES[f.code].title}', True)}")
        text = f.message + (f" ({f.annotation})" if f.annotation else "") + (f"\nfix: {f.hint}" if f.hint else "")
        lines.append(f"::{f.severity} {','.join(props)}::{_escape(text)}")
    lines.append(summary_line(findings, checked))
    return "\n".join(lines) + "\n"


def render(findings: list[Finding], checked: str, form: str) -> str:
    """Findings in one of FORMATS."""
    return {"text": render_text, "json": render_json, "sarif": render_sarif, "github": render_github}[form](
        findings, checked)
