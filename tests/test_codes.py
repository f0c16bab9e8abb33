"""Every finding code can be followed: declared once (src/idlib_gold/findings.py), raised only by
the stage its level names, listed in the `Emits:` line of each function that raises it, and tested
by a fixture in tests/fixtures/invalid/ or a named test.

Where a code is raised is read from the source (an AST walk for the string literal `"IGnnn"`), not
from a run, so a code no test reaches is still seen. A function's codes are the literals in its body
and in the functions, classes and constants of its own module that it names (its helpers).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import ROOT
from idlib_gold.findings import CODES, LEVELS, Code, Finding

PACKAGE = ROOT / "src" / "idlib_gold"
TESTS = ROOT / "tests"
CODE = re.compile(r"IG\d{3}")
EMITS = re.compile(r"^\s*Emits:(.*)$", re.M)


@dataclass
class Def:
    """A function or class of a module: the codes it holds itself, the names it uses, its Emits line."""

    module: str
    name: str
    line: int
    own: set[str]
    uses: set[str]
    emits: set[str] | None
    parent: Def | None = None
    children: list[Def] = field(default_factory=list)


def _literals(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and CODE.fullmatch(n.value)}


def _names(node: ast.AST) -> set[str]:
    """The names a function or class body uses (its signature's annotations aside): a helper it calls,
    a class it makes, a constant it reads, a method it calls on `self`."""
    body = node.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else [node]
    out = set()
    for stmt in body:
        out |= {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
        out |= {n.func.attr for n in ast.walk(stmt) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                and isinstance(n.func.value, ast.Name) and n.func.value.id in ("self", "cls")}
    return out


def _emits(node: ast.AST) -> set[str] | None:
    doc = ast.get_docstring(node) or ""
    lines = EMITS.findall(doc)
    return {c for line in lines for c in CODE.findall(line)} if lines else None


def parse_module(source: str, module: str) -> tuple[list[Def], dict[str, set[str]]]:
    """The module's functions and classes (nested ones too), and the codes each top-level name holds
    (a function, a class or a constant), for following a function into its helpers."""
    tree = ast.parse(source)
    defs: list[Def] = []

    def visit(node: ast.AST, parent: Def | None, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                d = Def(module, prefix + child.name, child.lineno, _literals(child), _names(child), _emits(child),
                        parent)
                defs.append(d)
                if parent is not None:
                    parent.children.append(d)
                visit(child, d, d.name + ".")
            else:
                visit(child, parent, prefix)

    visit(tree, None, "")
    top: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            top[node.name] = _literals(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    top[t.id] = _literals(node)
    uses = {node.name: _names(node) for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    # each top-level name's codes through the helpers it names, to a fixed point
    changed = True
    while changed:
        changed = False
        for name, used in uses.items():
            more = set().union(*(top[u] for u in used if u in top and u != name)) - top[name]
            if more:
                top[name] |= more
                changed = True
    return defs, top


def reach(d: Def, top: dict[str, set[str]]) -> set[str]:
    """The codes a function or class can raise: its own literals and its module's helpers'."""
    return d.own.union(*(top[u] for u in d.uses if u in top))


def unlisted(defs: list[Def]) -> list[tuple[str, str]]:
    """(function, code) for each code a function holds that neither it nor an enclosing function or
    class names in an `Emits:` line."""
    out = []
    for d in defs:
        own = d.own - set().union(*(c.own for c in d.children))
        for code in sorted(own):
            holder = d
            while holder is not None and (holder.emits is None or code not in holder.emits):
                holder = holder.parent
            if holder is None:
                out.append((d.name, code))
    return out


def not_raised(defs: list[Def], top: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(function, code) for each code an `Emits:` line names that its function cannot raise."""
    return [(d.name, code) for d in defs if d.emits for code in sorted(d.emits - reach(d, top))]


def _modules() -> dict[str, tuple[list[Def], dict[str, set[str]]]]:
    return {path.relative_to(PACKAGE).as_posix(): parse_module(path.read_text(encoding="utf-8"),
                                                                path.relative_to(PACKAGE).as_posix())
            for path in sorted(PACKAGE.rglob("*.py")) if path.name != "findings.py" or path.parent != PACKAGE}


MODULES = _modules()


def _raised() -> dict[str, set[str]]:
    """Each code literal in src/ (findings.py, which declares them, aside) → the modules holding it."""
    out: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel != "findings.py":
            for code in _literals(ast.parse(path.read_text(encoding="utf-8"))):
                out.setdefault(code, set()).add(rel)
    return out


# ---- the registry ------------------------------------------------------------------------------------

def test_each_code_is_declared_once_in_the_registry():
    records = json.loads((PACKAGE / "codes.json").read_text(encoding="utf-8"))
    declared = [r["code"] for r in records]
    assert len(declared) == len(set(declared)) == len(CODES)
    assert declared == sorted(declared)  # in code order, so a reader finds one where it belongs
    assert all(set(r) <= {"code", "severity", "title", "explanation", "hint"} for r in records)
    assert all(CODES[c].code == c and CODES[c].stage == LEVELS[c[2]][1] for c in CODES)


def test_the_registry_refuses_a_repeated_or_unknown_code():
    from idlib_gold.findings import _registry

    one = Code("IG301", "error", "t", "e")
    assert _registry(one) == {"IG301": one}
    for bad in ((one, one), (Code("IG901", "error", "t", "e"),), (Code("IG302", "fatal", "t", "e"),)):
        with pytest.raises(ValueError):
            _registry(*bad)


def test_a_finding_falls_back_to_its_codes_hint():
    with_default = next(c for c in CODES.values() if c.hint)
    without = next(c for c in CODES.values() if not c.hint)
    assert Finding(with_default.code, "m").hint == with_default.hint
    assert Finding(with_default.code, "m", hint="this case's own").hint == "this case's own"
    assert Finding(without.code, "m").hint is None


def test_a_default_hint_is_not_also_written_at_a_call_site():
    """A hint the registry holds is written once: no call site repeats it for its code."""
    repeated = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "findings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                codes = [a.value for a in node.args if isinstance(a, ast.Constant) and a.value in CODES]
                hint = next((k.value for k in node.keywords if k.arg == "hint"), None)
                if codes and isinstance(hint, ast.Constant) and hint.value == CODES[codes[0]].hint:
                    repeated.append((path.name, node.lineno, codes[0]))
    assert repeated == []


# ---- raised where the levels say -----------------------------------------------------------------------

def test_every_declared_code_is_raised_and_every_raised_code_declared():
    raised = _raised()
    assert sorted(set(CODES) - set(raised)) == []
    assert sorted(set(raised) - set(CODES)) == []


def test_each_code_is_raised_only_by_its_stage():
    astray = {code: sorted(where) for code, where in _raised().items()
              if code in CODES and not all(w.startswith(CODES[code].stage) for w in where)}
    assert astray == {}


# ---- Emits: lines ----------------------------------------------------------------------------------------

def test_every_code_is_in_an_emits_line_of_its_stage():
    named = {(module, code) for module, (defs, _) in MODULES.items() for d in defs for code in d.emits or ()}
    missing = [code for code, c in CODES.items() if not any(m.startswith(c.stage) and k == code for m, k in named)]
    assert missing == []


def test_every_function_that_raises_a_code_names_it_in_its_emits_line():
    assert {m: u for m, (defs, _) in MODULES.items() if (u := unlisted(defs))} == {}


def test_every_code_an_emits_line_names_is_raised_by_its_function():
    assert {m: n for m, (defs, top) in MODULES.items() if (n := not_raised(defs, top))} == {}
    assert {c for _, (defs, _) in MODULES.items() for d in defs for c in d.emits or ()} <= set(CODES)


def test_the_emits_checks_see_a_missing_and_a_wrong_line():
    """The two checks above could pass by finding nothing: on a module that errs they fail."""
    source = '''
MESSAGES = {"IG305": "span text mismatch"}

def helper():
    return Finding("IG304", "x")

def listed():
    """Emits: IG304, IG305."""
    return helper() + [Finding(k, v) for k, v in MESSAGES.items()]

def wrong():
    """Emits: IG306, IG307."""
    return Finding("IG306", "x")

def silent():
    def inner():
        return Finding("IG308", "x")
    return inner()
'''
    defs, top = parse_module(source, "fake.py")
    assert sorted(unlisted(defs)) == [("helper", "IG304"), ("silent.inner", "IG308")]
    assert not_raised(defs, top) == [("wrong", "IG307")]


# ---- tested ----------------------------------------------------------------------------------------------

def test_every_code_has_an_invalid_fixture_or_a_named_test():
    fixtures = {p.name[:5] for p in (TESTS / "fixtures" / "invalid").iterdir()}
    named = set()
    for path in TESTS.glob("test_*.py"):
        if path.name != Path(__file__).name:
            named |= set(CODE.findall(path.read_text(encoding="utf-8")))
    assert sorted(set(CODES) - fixtures - named) == []


# ---- the kinds of schema error ----------------------------------------------------------------------------

def _kb(**entry) -> dict:
    return {"entries": [{"id": "ankara", "type": "GPE", "name": "Ankara", "aliases": [], **entry}]}


@pytest.mark.parametrize("data, code", [
    ({"entries": [{"id": "ankara", "name": "Ankara", "aliases": []}]}, "IG202"),     # no type
    (_kb(wikidata="Q42"), "IG202"),                                                  # wikidata needs verified
    (_kb(nmae="Ankara"), "IG203"),                                                   # misspelt field
    ({"entries": 7}, "IG204"),                                                       # not a list
    (_kb(type="CITY"), "IG205"),                                                     # not a label
    (_kb(name=""), "IG207"),                                                         # empty name
    (_kb(id="Ankara"), "IG207"),                                                     # id pattern
    (_kb(aliases=["Angora", "Angora"]), "IG201"),                                   # repeated items
    ({"entries": []}, "IG201"),                                                      # too few items
])
def test_a_schema_error_gets_the_code_of_its_kind(data, code):
    from idlib_gold import vocabulary
    from idlib_gold.checking import schema
    from idlib_gold.reading.files import Loaded

    findings = schema.validate(Loaded(data), "annotations/kb.yaml", vocabulary.KB)
    assert [f.code for f in findings] == [code], findings
    assert all(f.hint for f in findings if f.code != "IG201")


def test_a_number_out_of_range_is_ig206():
    from idlib_gold.checking import schema

    assert schema.code_of(type("E", (), {"validator": "maximum"})()) == "IG206"
    assert schema.code_of(type("E", (), {"validator": "minimum"})()) == "IG206"
    assert schema.code_of(type("E", (), {"validator": "uniqueItems"})()) == "IG201"
