"""Span arithmetic and the diagnosis of a span that does not match its text.

Most broken spans in practice come from other tools: UTF-8 byte offsets (from
Rust, Go or a byte-oriented tokenizer), UTF-16 code units (from JavaScript or
Java), or text whose line endings git rewrote. The hints name these cases
instead of only saying "mismatch".
"""

from __future__ import annotations

import re

__all__ = ["iter_spans", "diagnose", "find_all", "overlapping_spans"]


def find_all(text: str, needle: str) -> list[int]:
    """Start offsets of every occurrence of `needle`, overlapping ones included."""
    if not needle:
        return []
    return [m.start() for m in re.finditer(f"(?={re.escape(needle)})", text)]


def diagnose(text: str, raw: bytes, start: int, end: int, expected: str) -> str:
    """A hint for a span whose `text` is not `text[start:end]`: where it really is, and why."""
    try:
        if raw[start:end].decode("utf-8") == expected:
            s = len(raw[:start].decode("utf-8", errors="ignore"))
            return (f"these look like UTF-8 byte offsets; in code points the span is "
                    f"start: {s}, end: {s + len(expected)}")
    except UnicodeDecodeError:
        pass
    u16 = text.encode("utf-16-le")
    try:
        if u16[2 * start:2 * end].decode("utf-16-le") == expected:
            s = len(u16[:2 * start].decode("utf-16-le", errors="ignore"))
            return (f"these look like UTF-16 code-unit offsets (JavaScript/Java); in code points the span is "
                    f"start: {s}, end: {s + len(expected)}")
    except UnicodeDecodeError:
        pass
    if "\r\n" in text:
        lf = text.replace("\r\n", "\n")
        if lf[start:end] == expected:
            return ("the text has CRLF line endings but the offsets count LF only: restore the text "
                    "with LF endings (check git's core.autocrlf and .gitattributes)")
    hits = find_all(text, expected)
    if hits:
        near = min(hits, key=lambda h: abs(h - start) + abs(h + len(expected) - end))  # as `fix` ranks them
        more = f" ({len(hits)} occurrences; nearest shown)" if len(hits) > 1 else ""
        return f"the text occurs at start: {near}, end: {near + len(expected)}{more}"
    return "the text does not occur in the document; copy it from the text file"


def overlapping_spans(spans: list[tuple[int, int, str]]) -> list[tuple[tuple, tuple]]:
    """Pairs of overlapping (start, end, id) spans, found in one pass over spans sorted by start."""
    pairs = []
    furthest: tuple | None = None
    for span in sorted(spans):
        if furthest is not None and span[0] < furthest[1]:
            pairs.append((furthest, span))
        if furthest is None or span[1] > furthest[1]:
            furthest = span
    return pairs


def iter_spans(annotation: dict, layer: str):
    """(json path suffix, span dict) for every span an annotation carries."""
    if layer in ("entities", "figures"):
        yield (), annotation
        if layer == "figures" and annotation.get("measured"):
            yield ("measured",), annotation["measured"]
    else:
        for part in ("content", "speaker", "cue", "addressee"):
            if annotation.get(part):
                yield (part,), annotation[part]
