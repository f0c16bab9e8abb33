"""`idlib-gold fix`: make the changes whose right answer is certain, and only those.

An annotator can write a span as label, text and rough offsets and let this anchor it;
anything with two possible answers stays a finding with its hint. What is certain:

- IG304/IG305, a span whose `text` is not at its offsets: the occurrences of `text` in
  the window — those starting from 200 characters before the smaller written offset to
  200 characters after the larger (`WINDOW`) — are ranked by how far each offset would
  move (|start shift| + |end shift|); if one is strictly nearest and no other entity or
  figure is annotated there, the offsets move there. No occurrence, or two equally
  near, leave the finding.
- IG306, white space at a span edge: trimmed, offsets and text together, when the
  trimmed text is what the text holds at the trimmed offsets.
- IG318, annotations out of text order: each layer's lines are sorted by start (a quote
  by its earliest part; ties keep their order), when every annotation of the layer is one
  line, the lines follow each other, no span of the layer was left unfixed and no annotation
  of it has a schema error.
- A missing `sha256` (no key, null or "") is filled in for a new document only: one whose
  YAML file is not in git HEAD and whose text is not changed from HEAD. A sha256 that is
  present is never rewritten: a mismatch (IG301) means the text was edited.

An annotation with a schema error is left alone (the validation that follows reports it) and
the others of its file are fixed; only a broken `sha256` or a file that is no mapping stops
the file. Each change is reported as one line, `file:line: what old → new (why)`, the line
being the one it was on before fixing.

Edits go through `lineedit`: values are replaced where the reader says they were written,
annotation lines are moved whole, and the edited file is re-read and compared with the
intended data before it is written.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .. import vocabulary
from ..checking import schema
from ..errors import UsageError
from ..findings import Finding
from ..layout import DOCS, ID_PATTERN, KB_FILE, LAYERS, TEXTS, doc_id_of_path
from ..reading.corpus import Document
from ..reading.files import Loaded, parse_yaml, read_text
from ..text.spans import find_all, iter_spans
from .lineedit import Edit, apply_edits, quoted, refuse_reason, scratch_copy, split_lines

__all__ = ["WINDOW", "FileFix", "fix_document", "is_new", "fix_targets", "fix_repository", "validate_after"]

_EMPTY_SHA = re.compile(r"sha256:[ \t]*(?:null|~|\"\"|'')?[ \t]*(\r\n|[\n\r]|)$")

# An annotation that is one line: a flow mapping, perhaps with a comment after it.
_ONE_LINE = re.compile(r"[ ]*- \{.*\}[ \t]*(?:#.*)?(?:\r\n|[\n\r]|)$")

#: How far from the written offsets `fix` looks for a span's text, in code points.
WINDOW = 200


@dataclass
class FileFix:
    """What fixing one annotation file did: its text before and after, and what was changed or left."""

    rel: str
    before: str
    after: str
    changed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None


def is_new(root: Path, rel_yaml: str, rel_text: str) -> bool | None:
    """True for a document not yet committed: its YAML file is not in HEAD and its text either is not
    or is unchanged from HEAD. None when it cannot be told (no git, or not a git repository)."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.returncode != 0:
        return None
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    if head is None or head.returncode != 0:
        return True  # no commit yet: everything is new
    in_head = _git(root, "cat-file", "-e", f"HEAD:./{rel_yaml}")
    if in_head is None or in_head.returncode == 0:
        return False
    text_changed = _git(root, "diff", "--quiet", "HEAD", "--", rel_text)
    return text_changed is not None and text_changed.returncode == 0


def _fill_sha256(root: Path, rel: str, doc_id: str, source: str, loaded: Loaded | None, raw_text: bytes | None,
                 out: FileFix) -> str:
    """`source` with a missing sha256 filled in when the document is new; else `source` unchanged."""
    if loaded is None or not isinstance(loaded.data, dict) or raw_text is None:
        return source
    data = loaded.data
    if "sha256" in data and data["sha256"] not in (None, ""):
        return source  # present: a mismatch is IG301, an edited text, never "repaired" here
    rel_text = f"{TEXTS}/{doc_id}.txt"
    new = is_new(root, rel, rel_text)
    if not new:
        why = "cannot tell whether it is new (not in a git repository)" if new is None else "it is in git HEAD"
        out.left.append(f"{rel}: sha256 is missing and not filled in: {why}; only a new document's is")
        return source
    digest = hashlib.sha256(raw_text).hexdigest()
    lines = split_lines(source)
    if "sha256" in data:
        line = loaded.where(("sha256",))[0] or 0
        m = _EMPTY_SHA.match(lines[line - 1]) if 1 <= line <= len(lines) else None
        if m is None:
            out.left.append(f"{rel}: sha256 is missing but its line could not be edited safely")
            return source
        lines[line - 1] = f"sha256: {digest}{m.group(1)}"
    else:
        line = (loaded.where(("id",))[0] or 0) if "id" in data else 0
        while line < len(lines) and "id" not in data and (lines[line].lstrip().startswith(("#", "%"))
                                                          or lines[line].rstrip("\r\n") == "---"):
            line += 1  # no id line: after the leading comments, directives and the document's start
        # the file's own line break: that of the line it goes after, else the first the file has
        broken = [x for x in ([lines[line - 1]] if line else []) + lines if x.endswith(("\n", "\r"))]
        near = broken[0] if broken else "\n"
        ending = "\r\n" if near.endswith("\r\n") else "\r" if near.endswith("\r") else "\n"
        if line == len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += ending  # after a last line without its line break: the file still ends without one
            lines.append(f"sha256: {digest}")
        else:
            lines.insert(line, f"sha256: {digest}{ending}")
        line += 1
    after = "".join(lines)
    reread, _ = parse_yaml(after, rel)
    if reread is None or reread.data != {**data, "sha256": digest}:  # a block scalar, a flow mapping …
        out.left.append(f"{rel}: sha256 is missing but a line for it could not be written safely; nothing changed")
        return source
    was = "null" if data.get("sha256") is None and "sha256" in data else '""' if "sha256" in data else "missing"
    out.changed.append(f"{rel}:{line}: sha256 {was} → {digest[:12]}… (filled in: a new document)")
    return after


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def _window_hits(text: str, needle: str, start: int, end: int) -> list[int]:
    lo = max(0, min(start, end) - WINDOW)
    hi = max(start, end) + WINDOW
    return [lo + p for p in find_all(text[lo:hi + len(needle)], needle) if lo + p <= hi]


def _nearest(hits: list[int], length: int, start: int, end: int) -> tuple[int | None, list[int]]:
    """The occurrence whose offsets move least from the written ones, when it is strictly nearer than
    any other (else None), and the occurrences at the smallest distance."""
    distance = {h: abs(h - start) + abs(h + length - end) for h in hits}
    best = min(distance.values())
    closest = [h for h in hits if distance[h] == best]
    return (closest[0] if len(closest) == 1 else None), closest


def _span_fix(text: str, span: dict) -> tuple[int, int, str, str] | str | None:
    """(start, end, text, why) for a span whose fix is certain; a reason string when it has a problem
    that stays; None when it is fine."""
    s, e, t = span["start"], span["end"], span["text"]
    n, stripped = len(text), span["text"].strip()
    if 0 <= s < e <= n and text[s:e] == t:
        if t == stripped or not stripped:
            return None
        lead = len(t) - len(t.lstrip())
        return s + lead, s + lead + len(stripped), stripped, "IG306 white space at an edge: trimmed"
    if 0 <= s < e <= n and stripped and stripped != t and text[s:e] == stripped:
        return s, e, stripped, "IG306 white space at an edge: trimmed from the text"
    code = "IG305 span text mismatch" if 0 <= s < e <= n else "IG304 span out of range"
    if not stripped:
        return f"{code}: the text is empty"
    hits = _window_hits(text, t, s, e)
    if not hits:
        return f"{code}: {_short(t)} does not occur within ±{WINDOW} characters of {s}–{e}"
    lead = len(t) - len(t.lstrip())
    chosen, closest = _nearest(hits, len(t), s, e)
    if chosen is not None:
        p = chosen + lead
        why = (f"occurs once within ±{WINDOW} characters" if len(hits) == 1 else
               f"occurs {len(hits)} times within ±{WINDOW} characters; the one at {chosen} is the nearest "
               f"to {s}–{e}")
        return p, p + len(stripped), stripped, f"{code}: {_short(t)} {why}"
    at = ", ".join(str(h) for h in hits[:5]) + (", …" if len(hits) > 5 else "")
    tied = " and ".join(str(h) for h in closest)
    return (f"{code}: {_short(t)} occurs {len(hits)} times within ±{WINDOW} characters of {s}–{e} (at {at}); "
            f"{tied} are equally near: ambiguous")


def _start_of(ann: dict, layer: str) -> int:
    return ann["start"] if layer != "quotes" else min(s["start"] for _, s in iter_spans(ann, layer))


def _place(ann) -> tuple[int, int] | None:
    """An entity's or figure's offsets, when they are integers (an annotation with a schema error may
    still hold its place)."""
    if not isinstance(ann, dict):
        return None
    s, e = ann.get("start"), ann.get("end")
    return (s, e) if type(s) is int and type(e) is int else None


def _fix_spans(doc: Document, data: dict, out: FileFix, unsure: set[str], broken: dict[tuple, list[str]]) -> list[Edit]:
    """Edits for the spans whose fix is certain (applied to `data` too); the layers with a span left
    are added to `unsure`. The annotations in `broken` (layer, index) have schema errors: not touched."""
    edits = []
    for layer in LAYERS:
        for i, ann in enumerate(_layer(doc.data, layer)):
            if (layer, i) in broken:
                continue
            for suffix, span in iter_spans(ann, layer):
                found = _span_fix(doc.text, span)
                if found is None:
                    continue
                if not isinstance(found, str) and layer != "quotes" and not suffix:
                    others = [(o.get("id"), _place(o)) for lay in ("entities", "figures")
                              for o in _layer(doc.data, lay) if o is not ann and isinstance(o, dict)]
                    taken = [str(o_id) for o_id, at in others if at and at[0] < found[1] and found[0] < at[1]]
                    if taken and (found[0], found[1]) != (span["start"], span["end"]):
                        found = (f"{found[3]}, at {found[0]}–{found[1]}, but {taken[0]} is annotated there: "
                                 "ambiguous")
                name = ".".join((ann["id"],) + suffix)
                path = (layer, i) + suffix
                line = doc.where(layer, i)[0]
                if isinstance(found, str):
                    out.left.append(f"{doc.rel}:{line}: {name}: {found}; not changed")
                    unsure.add(layer)
                    continue
                s, e, t, why = found
                target = data[layer][i]
                for key in suffix:
                    target = target[key]
                mine, moved = [], []
                for key, new in (("start", s), ("end", e), ("text", t)):
                    old = span[key]
                    if old == new:
                        continue
                    doc.where(*path, key)  # reads every position on first use
                    at = doc.loaded.positions.get(path + (key,))
                    if at is None:
                        break
                    mine.append(Edit(at[0], at[1], old, quoted(new) if key == "text" else str(new)))
                    shown = (_short(old), _short(new)) if key == "text" else (old, new)
                    moved.append(f"{key} {shown[0]} → {shown[1]}")
                else:
                    edits += mine
                    target.update(start=s, end=e, text=t)
                    out.changed.append(f"{doc.rel}:{line}: {name} {', '.join(moved)} ({why})")
                    continue
                out.left.append(f"{doc.rel}:{line}: {name}: its position is unknown; not changed")
    return edits


def _sort_layers(doc: Document, data: dict, lines: list[str], out: FileFix, unsure: set[str],
                 broken: dict[tuple, list[str]]) -> list[str]:
    for layer in LAYERS:
        anns = _layer(data, layer)
        whole = [i for i in range(len(anns)) if (layer, i) not in broken]
        order = sorted(whole, key=lambda i: _start_of(anns[i], layer))
        if order == whole:
            continue
        at = [doc.where(layer, i)[0] for i in range(len(anns))]
        if len(whole) < len(anns):  # an annotation with a schema error has no start to sort it by
            out.left.append(f"{doc.rel}:{at[0]}: IG318 {layer} are out of order, but not sorted while an "
                            "annotation of the layer has a schema error")
            continue
        if layer in unsure:  # sorting by an offset that is wrong would move a line to a wrong place
            out.left.append(f"{doc.rel}:{at[0]}: IG318 {layer} are out of order, but not sorted while a span "
                            "of the layer is left")
            continue
        one_line_each = all(at[i + 1] == at[i] + 1 for i in range(len(at) - 1)) and all(
            _ONE_LINE.match(lines[n - 1]) for n in at)
        if not one_line_each:
            out.left.append(f"{doc.rel}:{at[0]}: IG318 {layer} are out of order but not one annotation per "
                            "line: not sorted")
            continue
        moved = [lines[at[i] - 1] for i in order]
        if not moved[-1].endswith(("\n", "\r")):  # the last line of a file without a final break
            moved = [m if m.endswith(("\n", "\r")) else m + "\n" for m in moved]
            moved[-1] = moved[-1].rstrip("\r\n")
        lines[at[0] - 1:at[-1]] = moved
        data[layer] = [anns[i] for i in order]
        for new, old in enumerate(order):  # one change per line that moved: old line → new line
            if new != old:
                out.changed.append(f"{doc.rel}:{at[old]}: {anns[old]['id']} line {at[old]} → {at[0] + new} "
                                   f"(IG318 {layer} sorted by start offset)")
    return lines


def _layer(data: dict, layer: str) -> list:
    """A layer's annotations; none where the layer itself is broken (not a list: a schema error)."""
    anns = data.get(layer)
    return anns if isinstance(anns, list) else []


def _all_in_place(doc: Document, broken: dict[tuple, list[str]]) -> bool:
    """Every span matches its text without edge white space and every layer is in order: the case of
    nearly every file, answered without copying the data or reading deeper positions."""
    text = doc.text
    for layer in LAYERS:
        previous = -1
        for i, ann in enumerate(_layer(doc.data, layer)):
            if (layer, i) in broken:
                continue
            for _, span in iter_spans(ann, layer):
                t = span["text"]
                if text[span["start"]:span["end"]] != t or t != t.strip() or span["start"] >= span["end"]:
                    return False
            start = _start_of(ann, layer)
            if start < previous:
                return False
            previous = start
    return True


def _broken(loaded: Loaded) -> dict[tuple, list[str]] | None:
    """The annotations (layer, index) with a schema error, each with the codes of its errors; None when
    the file cannot be fixed at all: it is no mapping, or its sha256 (which says whether offsets can be
    trusted) is broken."""
    data = loaded.data
    errors = schema.error_codes(data, vocabulary.DOCUMENT)
    if not isinstance(data, dict) or not isinstance(data.get("sha256"), str) or any(
            p[:1] == ("sha256",) for p, _ in errors):
        return None
    out: dict[tuple, list[str]] = {}
    for p, code in errors:
        if len(p) >= 2 and p[0] in LAYERS and isinstance(p[1], int):
            codes = out.setdefault((p[0], p[1]), [])
            if code not in codes:
                codes.append(code)
    return {key: sorted(codes) for key, codes in out.items()}


def fix_document(root: Path, doc_id: str) -> FileFix | None:
    """The fixed text of one document's annotation file (unchanged when nothing is certain), or None
    when the file cannot be read; the validation that follows reports why."""
    rel = f"{DOCS}/{doc_id}.yaml"
    source, _, _ = read_text(root / rel, rel)
    if source is None:
        return None
    _, raw_text, _ = read_text(root / TEXTS / f"{doc_id}.txt", f"{TEXTS}/{doc_id}.txt")
    out = FileFix(rel, source, source)
    loaded, _ = parse_yaml(source, rel)
    filled = _fill_sha256(root, rel, doc_id, source, loaded, raw_text, out)
    if filled != source:
        source = out.after = filled
        loaded, _ = parse_yaml(source, rel)
    broken = _broken(loaded) if loaded is not None else None
    if broken is None or raw_text is None:
        return out
    try:
        text = raw_text.decode("utf-8")
    except UnicodeDecodeError:
        return out
    doc = Document(doc_id, rel, text, raw_text, loaded)
    if hashlib.sha256(raw_text).hexdigest() != doc.data["sha256"]:
        out.left.append(f"{rel}: IG301 the text differs from its sha256: no span is fixed in an edited text")
        return out
    for layer, i in sorted(broken):
        ann = doc.data[layer][i]
        name = ann.get("id") if isinstance(ann, dict) and isinstance(ann.get("id"), str) else f"{layer}[{i}]"
        codes = broken[layer, i]
        out.left.append(f"{rel}:{doc.where(layer, i)[0]}: {name}: {', '.join(codes)} schema "
                        f"error{'s' if len(codes) > 1 else ''}; not changed")
    if _all_in_place(doc, broken):
        return out
    data = copy.deepcopy(doc.data)
    unsure: set[str] = set()
    lines = apply_edits(split_lines(source), _fix_spans(doc, data, out, unsure, broken))
    if lines is None:
        out.left.append(f"{rel}: the span fixes could not be written into the lines safely; nothing changed")
        out.changed = [c for c in out.changed if "sha256" in c]
        return out
    lines = _sort_layers(doc, data, lines, out, unsure, broken)
    after = "".join(lines)
    reread, _ = parse_yaml(after, rel)
    if reread is None or reread.data != data:
        out.left.append(f"{rel}: the edited file would not read back as intended; nothing changed")
        out.changed = [c for c in out.changed if "sha256" in c]
        return out
    out.after = after
    return out


def fix_targets(root: Path, paths: list[str]) -> list[str]:
    """The document ids `fix` works on: those the paths name (relative to the root, else to the
    current folder; symbolic links are not followed here), or every annotation file. A path that
    names no annotation file, or a file `fix` may not edit, is a usage error: nothing is changed."""
    ids: set[str] = set()
    whole = not paths
    for p in paths:
        given = Path(p)
        path = given if given.is_absolute() else (root / given if os.path.lexists(root / given) else Path.cwd() / given)
        path = Path(os.path.abspath(path))
        if not os.path.lexists(path):
            raise UsageError(f"{p}: no such file")
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            raise UsageError(f"{p} is outside the repository {root}") from None
        if rel in (KB_FILE, "annotations", DOCS, TEXTS, "."):
            whole = True
        elif doc_id_of_path(rel) and rel.startswith(("annotations/docs/", "annotations/texts/")):
            ids.add(doc_id_of_path(rel))
        else:
            raise UsageError(f"{p} is not an annotation file (annotations/docs/<id>.yaml)")
    if whole:
        ids |= {p.stem for p in (root / DOCS).glob("*.yaml")}
    found = sorted(i for i in ids if ID_PATTERN.match(i))
    refused = [f"{DOCS}/{i}.yaml {why}" for i in found if (why := refuse_reason(root / DOCS / f"{i}.yaml"))]
    refused += [f"{TEXTS}/{i}.txt {why}" for i in found
                if (why := refuse_reason(root / TEXTS / f"{i}.txt", follow=True))]
    if refused:
        raise UsageError("fix reads and edits regular files only: " + "; ".join(refused) + "; nothing changed")
    return found


def fix_repository(root: Path, ids: list[str], dry_run: bool) -> list[FileFix]:
    """Every certain fix of the documents `ids`, written in place (all files or none) unless `dry_run`."""
    from ..outputs import edit_in_place

    results = [r for r in (fix_document(root, i) for i in ids) if r is not None]
    if not dry_run:
        edit_in_place(root, {r.rel: r.after for r in results if r.after != r.before})
    return results


def validate_after(root: Path, ids: list[str] | None, results: list[FileFix], dry_run: bool
                   ) -> tuple[list[Finding], str]:
    """The findings of the fixed files (`ids`, or the whole repository when None): as written, or
    with `dry_run` as they would be, validated in a scratch copy that holds the fixed files."""
    import tempfile

    from ..checking.repository import validate_repository

    def named(base: Path) -> list[str] | None:  # absolute: validate reads relative paths from the current folder
        return [str(base / DOCS / f"{i}.yaml") for i in ids] if ids is not None else None

    if not dry_run:
        findings, checked = validate_repository(root, named(root))
        return findings, checked + " after fixing"
    with tempfile.TemporaryDirectory(prefix="idlib-gold-fix-") as tmp:
        scratch = Path(tmp).resolve()
        scratch_copy(root, scratch, {r.rel: r.after for r in results if r.after != r.before})
        findings, checked = validate_repository(scratch, named(scratch))
    return findings, checked + " as they would be after fixing"
