"""`idlib-gold diff`: what changed between two versions of the gold, annotation by annotation.

A line diff of the YAML says that line 27 changed; a reviewer of a dataset change wants to
know that e17's label went from NORP to GPE, that f3's value grew tenfold, or that a
hundred annotations only moved because a span before them was fixed. Annotations are
matched by id within a document and layer (KB entries by id); each one is added, removed,
changed (the fields that differ, nested span fields as `content.start`), or moved: the
same annotation with only its offsets changed. Files that are byte-identical on both sides
are not parsed. A file that does not parse on one side is a finding and is not compared.
Texts are never edited, so a text that differs is reported as such, by its bytes alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import vocabulary
from ..checking import schema
from ..findings import Finding, printable
from ..layout import DOCS, KB_FILE, LAYERS, TEXTS
from ..reading.files import read_yaml_bytes
from ..reading.trees import Snapshot

__all__ = ["Change", "DocDiff", "Diff", "compare", "is_text", "KINDS"]

#: What can happen to one annotation or KB entry, in the order output lists them.
KINDS = ("added", "removed", "changed", "moved")
_OFFSETS = ("start", "end")


@dataclass
class Change:
    kind: str  # one of KINDS
    id: str
    fields: list[tuple[str, object, object]] = field(default_factory=list)  # (field, old, new); absent: None
    annotation: dict | None = None  # the whole annotation, for added and removed ones

    def as_dict(self) -> dict:
        out: dict = {"id": self.id}
        if self.annotation is not None:
            out["annotation"] = self.annotation
        if self.fields:
            out["fields"] = [{"field": f, "old": o, "new": n} for f, o, n in self.fields]
        return out


@dataclass
class DocDiff:
    path: str
    status: str  # added, removed, changed
    metadata: list[tuple[str, object, object]] = field(default_factory=list)
    layers: dict[str, list[Change]] = field(default_factory=dict)  # layer (or "entries" for the KB) → changes


@dataclass
class Diff:
    old: str
    new: str
    files: list[DocDiff] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per layer (and `kb`, and `documents`): how many annotations of each kind."""
        out = {layer: dict.fromkeys(KINDS, 0) for layer in LAYERS}
        out["kb"] = dict.fromkeys(KINDS[:3], 0)
        out["documents"] = dict.fromkeys(KINDS[:3], 0)
        out["texts"] = dict.fromkeys(KINDS[:3], 0)
        for f in self.files:
            if is_text(f.path):
                out["texts"][f.status] += 1
                continue
            if f.path == KB_FILE:
                for c in f.layers.get("entries", []):
                    out["kb"][c.kind] += 1
                continue
            out["documents"][f.status] += 1
            for layer, changes in f.layers.items():
                for c in changes:
                    out[layer][c.kind] += 1
        return out


def _keyed(items: list) -> dict[str, dict]:
    """Annotations by id; one without a usable id, or a repeated id, is keyed by its place."""
    out: dict[str, dict] = {}
    for i, item in enumerate(items):
        key = item.get("id") if isinstance(item, dict) else None
        key = key if isinstance(key, str) and key not in out else f"#{i + 1}"
        out[key] = item if isinstance(item, dict) else {"value": item}
    return out


def _field_changes(old: dict, new: dict, prefix: str = "") -> list[tuple[str, object, object]]:
    """(field, old, new) for every field that differs; where both sides hold a mapping (a quote's
    `content`, a figure's `measured`), its fields are compared one by one as `content.start`."""
    missing = object()
    out = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key, missing), new.get(key, missing)
        name = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            out += _field_changes(a, b, name + ".")
        elif a != b:
            out.append((name, None if a is missing else a, None if b is missing else b))
    return out


def compare_items(old: list, new: list, offsets_move: bool = True) -> list[Change]:
    """Changes between two lists of annotations (or KB entries), in the new side's order, then removed."""
    a, b = _keyed(old), _keyed(new)
    out = []
    for key, item in b.items():
        if key not in a:
            out.append(Change("added", key, annotation=item))
            continue
        fields = _field_changes(a[key], item)
        if not fields:
            continue
        moved = offsets_move and all(f.rsplit(".", 1)[-1] in _OFFSETS for f, _, _ in fields)
        out.append(Change("moved" if moved else "changed", key, fields))
    out += [Change("removed", key, annotation=item) for key, item in a.items() if key not in b]
    return out


def _document(path: str, old: dict | None, new: dict | None) -> DocDiff | None:
    status = "added" if old is None else "removed" if new is None else "changed"
    old, new = old or {}, new or {}
    doc = DocDiff(path, status)
    if status == "changed":
        meta_old = {k: v for k, v in old.items() if k not in LAYERS}
        meta_new = {k: v for k, v in new.items() if k not in LAYERS}
        doc.metadata = _field_changes(meta_old, meta_new)
    for layer in LAYERS:
        changes = compare_items(_list(old.get(layer)), _list(new.get(layer)))
        if changes:
            doc.layers[layer] = changes
    return doc if status != "changed" or doc.metadata or doc.layers else None


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _parse(side: Snapshot, rel: str, raw: bytes, findings: list[Finding]) -> dict | None | bool:
    """The file's mapping; False when it cannot be read (the findings say why)."""
    loaded, problems = read_yaml_bytes(raw, side.label + rel)
    if loaded is None:
        findings.extend(problems)
        return False
    data = loaded.data
    if not isinstance(data, dict) or any(not isinstance(data.get(k, []), list) for k in (*LAYERS, "entries")):
        # Not the layout of an annotation file: the JSON Schema check says where, in its own words.
        problems = schema.validate(loaded, side.label + rel, vocabulary.KB if rel == KB_FILE else vocabulary.DOCUMENT)
        if problems:
            findings.extend(problems)
            return False
    return data if isinstance(data, dict) else {}


def is_text(rel: str) -> bool:
    return rel.startswith(TEXTS + "/")


def compare(old: Snapshot, new: Snapshot) -> Diff:
    """Every annotation and KB change from `old` to `new`."""
    diff = Diff(printable(old.name), printable(new.name))  # names as output can hold them (findings.printable)
    paths = sorted(set(old.blobs) | set(new.blobs), key=lambda p: (p == KB_FILE, p))
    differ = [p for p in paths if old.blobs.get(p) != new.blobs.get(p) or not old.blobs.get(p)]
    before = old.read([p for p in differ if p in old.blobs and not is_text(p)])
    after = new.read([p for p in differ if p in new.blobs and not is_text(p)])
    for rel in differ:
        if is_text(rel):  # texts are never edited: any change is reported, by its bytes, and not parsed
            status = "added" if rel not in old.blobs else "removed" if rel not in new.blobs else "changed"
            diff.files.append(DocDiff(printable(rel), status))
            continue
        a = _parse(old, rel, before[rel], diff.findings) if rel in before else None
        b = _parse(new, rel, after[rel], diff.findings) if rel in after else None
        if a is False or b is False:
            continue
        if rel == KB_FILE:
            changes = compare_items(_list((a or {}).get("entries")), _list((b or {}).get("entries")),
                                    offsets_move=False)
            if changes:
                diff.files.append(DocDiff(rel, "changed", layers={"entries": changes}))
        elif rel.startswith(DOCS + "/"):
            found = _document(printable(rel), a, b)
            if found is not None:
                diff.files.append(found)
    return diff
