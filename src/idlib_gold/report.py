"""Rendering findings, once, at the edge: text for people, JSON for tools, SARIF 2.1.0 for code
hosts (a CI job uploads it and the findings appear on the lines of a pull request), and GitHub
workflow commands (`::error file=…,line=…::…`), the lighter way to the same annotations.

Every format first folds the findings that follow from another into it (`findings.fold`): one
slip is one finding, shown with what it caused (text: indented lines under it; JSON: its
`caused` list; SARIF: its `relatedLocations`), and the summary counts the things to fix."""

from __future__ import annotations

import json
from collections import Counter

from .findings import CODES, Finding, fold, has_errors

__all__ = ["render_text", "render_json", "render_sarif", "render_github", "render", "summary_line", "FORMATS",
           "MAX_PER_CODE"]

#: Every format findings can be rendered in; commands offer these with --format.
FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: SARIF's conventional base for repository-relative paths; the code host resolves it to the checkout.
SRCROOT = "%SRCROOT%"

#: After this many findings of one code in one file, the rest are counted, not printed.
MAX_PER_CODE = 20
#: Under a finding, at most this many of the findings it caused are printed; the rest are counted.
MAX_CAUSED = 5


def _location(f: Finding) -> str:
    parts = [f.path or "."]
    if f.line is not None:
        parts.append(str(f.line))
        if f.col is not None:
            parts.append(str(f.col))
    return ":".join(parts)


def summary_line(findings: list[Finding], checked: str) -> str:
    """The verdict and the count of things to fix: a finding with the findings it caused is one, an
    error if any of them is one (so the count agrees with the exit code)."""
    findings = fold(list(dict.fromkeys(findings)))  # each identical finding once
    errors = sum(has_errors([f]) for f in findings)
    warnings = len(findings) - errors
    files = len({f.path for f in findings})
    if not findings:
        return f"PASSED: {checked}, no findings"
    verdict = "FAILED" if errors else "PASSED with warnings"
    return f"{verdict}: {errors} error(s), {warnings} warning(s) in {files} file(s); {checked}"


def _tag(f: Finding) -> str:
    return f.code if f.severity == "error" else f"{f.code} (warning)"


def _one_line(f: Finding) -> str:
    return f"{_location(f)}: {_tag(f)} {f.message}" + (f" ({f.annotation})" if f.annotation else "")


def render_text(findings: list[Finding], checked: str) -> str:
    lines, explained, shown = [], set(), Counter()
    hidden = Counter()
    for f in fold(findings):
        shown[(f.path, f.code)] += 1
        if shown[(f.path, f.code)] > MAX_PER_CODE:
            hidden[(f.path, f.code)] += 1
            continue
        lines.append(_one_line(f))
        if f.hint:
            lines.append(f"    fix: {f.hint}")
        if f.code not in explained:
            explained.add(f.code)
            lines.append(f"    = {f.code} {CODES[f.code].title}: {CODES[f.code].explanation}")
        for c in f.caused[:MAX_CAUSED]:
            lines.append(f"    {_one_line(c)}, caused by the {f.code} above")
        if len(f.caused) > MAX_CAUSED:
            lines.append(f"    … and {len(f.caused) - MAX_CAUSED} more caused by the {f.code} above")
    for (path, code), n in sorted(hidden.items()):
        lines.append(f"{path}: {code} … and {n} more like this")
    lines.append(summary_line(findings, checked))
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding], checked: str) -> str:
    """The summary and the findings; each finding's `caused` lists the findings folded into it."""
    return json.dumps({"summary": summary_line(findings, checked),
                       "findings": [f.as_dict() for f in fold(findings)]},
                      ensure_ascii=False, indent=2) + "\n"


def _artifact(path: str) -> dict:
    """Repository-relative paths against %SRCROOT%; a path outside the repository as a file URI."""
    from pathlib import PurePosixPath
    from urllib.parse import quote

    if PurePosixPath(path).is_absolute():
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": SRCROOT}


def _physical(f: Finding) -> dict | None:
    if not f.path:
        return None
    location: dict = {"artifactLocation": _artifact(f.path)}
    if f.line is not None:
        location["region"] = {"startLine": f.line, **({"startColumn": f.col} if f.col else {})}
    return location


def render_sarif(findings: list[Finding], checked: str) -> str:
    """A SARIF 2.1.0 log: one rule per finding code (title, explanation, default level), one
    result per finding at its file, line and column; the findings it caused are its
    `relatedLocations`, each with its code and message."""
    from . import __version__

    ids = list(CODES)
    rules = [{"id": code, "name": CODES[code].title, "shortDescription": {"text": CODES[code].title},
              "fullDescription": {"text": CODES[code].explanation},
              "help": {"text": f"{CODES[code].title}: {CODES[code].explanation} The README's table of finding "
                               f"codes names a test case for each code."},
              "defaultConfiguration": {"level": CODES[code].severity}} for code in ids]
    results = []
    for f in fold(findings):
        text = f.message + (f" ({f.annotation})" if f.annotation else "") + (f" Fix: {f.hint}" if f.hint else "")
        level = "error" if has_errors([f]) else f.severity
        result = {"ruleId": f.code, "ruleIndex": ids.index(f.code), "level": level, "message": {"text": text}}
        if _physical(f):
            result["locations"] = [{"physicalLocation": _physical(f)}]
        related = []
        for n, c in enumerate(f.caused, 1):
            message = f"{c.code} {c.message}" + (f" ({c.annotation})" if c.annotation else "") + \
                f", caused by the {f.code} of this result"
            related.append({"id": n, "message": {"text": message},
                            **({"physicalLocation": _physical(c)} if _physical(c) else {})})
        if related:
            result["relatedLocations"] = related
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
    for f in fold(findings):
        props = [f"file={_escape(f.path, True)}"] if f.path else []
        if f.line is not None:
            props.append(f"line={f.line}")
            if f.col is not None:
                props.append(f"col={f.col}")
        props.append(f"title={_escape(f'{f.code} {CODES[f.code].title}', True)}")
        text = f.message + (f" ({f.annotation})" if f.annotation else "") + (f"\nfix: {f.hint}" if f.hint else "")
        text += "".join(f"\n{_one_line(c)}, caused by the {f.code} above" for c in f.caused)
        level = "error" if has_errors([f]) else f.severity
        lines.append(f"::{level} {','.join(props)}::{_escape(text)}")
    lines.append(summary_line(findings, checked))
    return "\n".join(lines) + "\n"


def render(findings: list[Finding], checked: str, form: str) -> str:
    """Findings in one of FORMATS."""
    return {"text": render_text, "json": render_json, "sarif": render_sarif, "github": render_github}[form](
        findings, checked)
