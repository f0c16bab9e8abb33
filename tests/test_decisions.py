"""The decision records and the metrics page are reachable: every link to them from the code, the README
and each other leads to a file, and every record is in the index."""

from __future__ import annotations

import re

from helpers import ROOT

DOCS = ROOT / "docs"
RECORDS = sorted((DOCS / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md"))
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
CODE_LINK = re.compile(r"docs/(?:decisions/\d{4}-[a-z0-9-]+|metrics)\.md")


def test_each_record_is_numbered_once_and_in_the_index():
    numbers = [p.name[:4] for p in RECORDS]
    assert RECORDS and len(numbers) == len(set(numbers))
    index = (DOCS / "decisions" / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in RECORDS if f"]({p.name})" not in index] == []


def test_each_record_has_its_sections():
    for path in RECORDS:
        text = path.read_text(encoding="utf-8")
        assert re.match(rf"# {path.name[:4]}\. ", text), path.name
        assert all(f"\n## {s}\n" in text for s in ("Context", "Decision", "Consequences")), path.name


def test_every_relative_link_in_the_docs_and_readme_leads_to_a_file():
    broken = []
    for page in [ROOT / "README.md", *DOCS.rglob("*.md")]:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if "://" not in target and not target.startswith("mailto:") and not (page.parent / target).exists():
                broken.append((page.relative_to(ROOT).as_posix(), target))
    assert broken == []


def test_every_page_the_code_names_exists():
    named = set()
    for path in (ROOT / "src").rglob("*.py"):
        named |= set(CODE_LINK.findall(path.read_text(encoding="utf-8")))
    assert named and sorted(n for n in named if not (ROOT / n).is_file()) == []
