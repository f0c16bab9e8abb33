"""The package's layout: stages in the order data flows, and no import circle anywhere.

Every import (at the top of a module or inside a function) is read with `ast`, so a
lazy import cannot hide a circle. A stage may import the shared low modules and the
stages before it, never one after it.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "idlib_gold"

#: The order data flows; a module may import only from its own rank or a lower one.
RANKS = {
    "findings": 0, "errors": 0, "layout": 0, "outputs": 0, "vocabulary": 0, "report": 0, "readlog": 0, "memory": 0, "__init__": 0,
    "text": 1, "reading": 2, "checking": 3, "building": 4, "exporting": 5, "scoring": 6, "review": 7, "cli": 8,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The idlib_gold modules `path` imports, resolved to module names."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                if node.level else (node.module or "")
            if not base.startswith("idlib_gold"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                out.add(candidate if _exists(candidate) else base)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("idlib_gold")}
    out.discard(name)
    return out


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_belongs_to_a_known_stage():
    assert {_stage(m) for m in _graph()} <= set(RANKS)


def _upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((m, i) for m, deps in graph.items() for i in deps if RANKS[_stage(i)] > RANKS[_stage(m)])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every back edge of a depth-first walk, as the circle it closes."""
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_no_module_imports_a_later_stage():
    assert _upward(_graph()) == []


def test_there_is_no_import_circle():
    assert _cycles(_graph()) == []


@pytest.mark.parametrize("module", sorted(_graph()))
def test_every_module_imports_alone(module):
    importlib.import_module(module)


def test_the_checks_see_an_upward_import_and_a_circle(tmp_path, monkeypatch):
    """The checks above could pass by finding nothing: on a package with a circle they fail."""
    fake = tmp_path / "idlib_gold"
    for folder in (fake / "reading", fake / "building"):
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "reading" / "corpus.py").write_text("def f():\n    from ..building.card import x\n")
    (fake / "building" / "card.py").write_text("from ..reading import corpus\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    graph = _graph()
    assert _upward(graph) == [("idlib_gold.reading.corpus", "idlib_gold.building.card")]
    assert _cycles(graph) == [["idlib_gold.building.card", "idlib_gold.reading.corpus", "idlib_gold.building.card"]]


def test_each_finding_code_is_emitted_only_where_the_levels_table_says():
    """Given a code, its level names the one place to open; no other module writes it."""
    import re

    from idlib_gold.findings import CODES, LEVELS

    emitted: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "findings.py":
            continue
        for code in re.findall(r'"(IG\d{3})"', path.read_text(encoding="utf-8")):
            emitted.setdefault(code, set()).add(rel)
    assert set(emitted) == set(CODES)
    astray = {code: sorted(where) for code, where in emitted.items()
              if not all(w.startswith(LEVELS[code[2]][1]) for w in where)}
    assert astray == {}
