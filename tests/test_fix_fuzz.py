"""`fix` on randomly damaged copies of a real annotation file (a fixed seed, so every run is the same):
it never raises, it changes only span offsets and texts, the order of lines and nothing else, and a
second run changes nothing."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import ROOT
from idlib_gold.layout import LAYERS
from idlib_gold.review.fix import fix_document

DOC = "002_64197da7831f2480"
CASES = 150
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NUMBER = re.compile(r"(start|end): (\d+)")


def _damage(lines: list[str], rng: random.Random) -> list[str]:
    lines = list(lines)
    n = rng.randrange(len(lines))
    line = lines[n]
    kind = rng.randrange(5)
    if kind == 0:  # an offset off by a little or a lot
        found = list(_NUMBER.finditer(line))
        if found:
            m = rng.choice(found)
            value = max(0, int(m.group(2)) + rng.choice((-300, -12, -1, 1, 7, 150, 5000)))
            line = line[:m.start(2)] + str(value) + line[m.end(2):]
    elif kind == 1:  # white space into a text's edge
        line = line.replace('text: "', rng.choice(('text: " ', 'text: "\\t', 'text: "  ')), 1)
    elif kind == 2 and n + 1 < len(lines):  # two lines swapped
        lines[n], line = line, lines[n + 1]
        lines[n + 1] = lines[n]
        lines[n] = line
        return lines
    elif kind == 3 and line:  # one character gone
        at = rng.randrange(len(line))
        line = line[:at] + line[at + 1:]
    else:  # one character more
        at = rng.randrange(len(line) + 1)
        line = line[:at] + rng.choice('{}[]:,"\'# \t-&*!|>%@`0x\u2028') + line[at:]
    lines[n] = line
    return lines


def _without_spans(value):
    """The data with every start, end and text removed, each layer sorted by id: what fix must keep."""
    if isinstance(value, dict):
        return {k: _without_spans(v) for k, v in value.items() if k not in ("start", "end", "text")}
    if isinstance(value, list):
        items = [_without_spans(v) for v in value]
        return sorted(items, key=repr)
    return value


def _ids(data: dict) -> list:
    """Each layer's annotation ids, sorted; an annotation the damage left without one counts as its repr."""
    return [sorted(repr(a.get("id")) if isinstance(a, dict) else repr(a) for a in data.get(layer) or [])
            for layer in LAYERS]


@pytest.mark.slow
def test_fix_on_damaged_files_changes_only_spans_and_order(tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "annotations", repo / "annotations")
    path = repo / "annotations/docs" / f"{DOC}.yaml"
    original = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rng = random.Random(20201203)
    changed = 0
    for _ in range(CASES):
        damaged = "".join(_damage(_damage(original, rng), rng))
        path.write_text(damaged, encoding="utf-8")
        result = fix_document(repo, DOC)
        assert result is not None and result.before == damaged
        if result.after == damaged:
            continue
        changed += 1
        before, after = (yaml.load(t, Loader=_LOADER) for t in (damaged, result.after))
        assert _without_spans(before) == _without_spans(after)
        assert _ids(before) == _ids(after)
        assert len(result.after.splitlines()) == len(damaged.splitlines())
        path.write_text(result.after, encoding="utf-8")
        assert fix_document(repo, DOC).after == result.after  # idempotent
    assert changed > CASES // 10  # the damage was of the kind fix repairs often enough to test it
