"""`idlib-gold render`: review pages that show every annotation, survive any overlap, and run cleanly
in a real browser.

The browser test drives Debian's headless chromium: it checks that every annotation id is an element
of the DOM the browser built, that the page script ran without an error (recorded by the page itself
on <html data-js-errors>) and that the console stayed silent, and takes a laptop-sized screenshot.
Under CI=true a missing browser is a failure; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import html
import re
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ROOT, find_browser, parse_page, run_chromium
from idlib_gold.checking.pipeline import load as load_corpus
from idlib_gold.review.marks import Insert, Mark, nest
from idlib_gold.review.pages import render_pages


def _expected_ids(doc) -> set[str]:
    ids = set()
    for layer in ("entities", "figures"):
        for a in doc.data[layer]:
            ids.add(f"{doc.id}-{a['id']}")
            if a.get("measured"):
                ids.add(f"{doc.id}-{a['id']}-measured")
    for q in doc.data["quotes"]:
        ids |= {f"{doc.id}-{q['id']}", f"{doc.id}-{q['id']}-link"}
        ids |= {f"{doc.id}-{q['id']}-{part}" for part in ("speaker", "cue", "addressee") if q.get(part)}
    return ids


@pytest.fixture(scope="module")
def corpus():
    corpus, findings = load_corpus(ROOT)
    assert not [f for f in findings if f.severity == "error"]
    return corpus


@pytest.fixture(scope="module")
def pages():
    pages, unknown = render_pages(ROOT)
    assert unknown == []
    return pages


def test_every_annotation_is_exactly_one_element_with_its_id(corpus, pages):
    assert set(pages) == {f"{d.id}.html" for d in corpus.documents} | {"index.html"}
    for doc in corpus.documents:
        tree = parse_page(pages[f"{doc.id}.html"])
        assert tree.errors == [] and tree.stack == []
        assert len(tree.ids) == len(set(tree.ids)), "an id is used twice"
        assert _expected_ids(doc) - set(tree.ids) == set()
        assert tree.classes[f"{doc.id}-{doc.data['entities'][0]['id']}"].startswith("ent ")


def test_the_text_comes_through_unchanged_and_escaped(corpus, pages):
    for doc in corpus.documents:
        tree = parse_page(pages[f"{doc.id}.html"])
        assert "".join(tree.text) == doc.text


def test_noise_is_marked_with_an_explanation(pages, corpus):
    noise = {}
    for name, page in pages.items():
        noise[name] = re.findall(r'<span id="[^"]+-noise\d+" class="noise" title="([^"]+)">([^<]+)</span>', page)
    found = {html.unescape(text) for spans in noise.values() for _, text in spans}
    assert {"& # 39;", ",quot;", "advertisement"} <= found
    assert any(t.startswith("%MINIFYHTML") for t in found)
    assert all(title for spans in noise.values() for title, _ in spans)


def test_figures_show_their_meaning_on_hover(corpus, pages):
    doc = next(d for d in corpus.documents if d.data["figures"])
    f = doc.data["figures"][0]
    title = re.search(rf'<span id="{doc.id}-{f["id"]}" [^>]*title="([^"]*)"', pages[f"{doc.id}.html"]).group(1)
    assert f"{f['id']} {f['label']}: value {f['value']:,}" in title
    assert f"category {f['category']}" in title and "bound" in title and "source" in title


def test_findings_are_shown_on_the_page_of_their_document(repo):
    path = repo / "annotations/docs/003_e4f66969423e83e9.yaml"
    text = path.read_text(encoding="utf-8")
    first = re.search(r'text: "([^"]+)"', text.split("entities:")[1])
    path.write_text(text.replace(first.group(0), 'text: "<b>Atlantis</b>"', 1), encoding="utf-8")
    pages, _ = render_pages(repo)
    broken = pages["003_e4f66969423e83e9.html"]
    assert "IG305" in broken and "&lt;b&gt;Atlantis&lt;/b&gt;" in broken and "<b>Atlantis" not in broken
    assert "IG305" not in pages["000_10fe6d47143cad7a.html"]
    assert "No findings" in pages["000_10fe6d47143cad7a.html"]


def test_pages_are_deterministic_and_load_nothing(pages):
    again, _ = render_pages(ROOT)
    assert again == pages
    for page in pages.values():
        assert not re.search(r"<link|<img|<iframe|\ssrc=|@import|url\((?!#)", page)
        assert not re.search(r'href="(?!#|index\.html|[a-z0-9_-]+\.html)', page)


def test_the_command_writes_the_pages_and_refuses_unknown_ids(cli, tmp_path):
    result = cli("render", "003_e4f66969423e83e9", "--out", str(tmp_path / "out"), root=ROOT)
    assert result.code == 0, result.err
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["003_e4f66969423e83e9.html", "MANIFEST", "index.html"]
    result = cli("render", "atlantis", "--out", str(tmp_path / "out"), root=ROOT)
    assert result.code == 2 and "atlantis" in result.err and "Traceback" not in result.err


_text = st.text(alphabet="ab <>&\"'’\n", min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(text=_text, data=st.data())
def test_any_overlap_nests_into_valid_html(text, data):
    n = len(text)
    spans = data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n), st.integers(0, 4)), max_size=8))
    marks = [Mark(min(s, e), max(s, e), rank, {"id": f"m{i}", "class": "x"}) for i, (s, e, rank) in enumerate(spans)]
    inserts = [Insert(data.draw(st.integers(0, n)), '<a class="qlink" id="badge">q</a>')]
    rendered = f'<div id="text">{nest(text, marks, inserts)}</div>'
    tree = parse_page(rendered)
    assert tree.errors == [] and tree.stack == []
    assert "".join(tree.text) == text
    assert sorted(tree.ids) == sorted(["text", "badge"] + [m.attrs["id"] for m in marks if m.start < m.end])


def test_crossing_marks_split_into_fragments_pointing_at_the_first():
    marks = [Mark(0, 4, 0, {"id": "q", "class": "q-content"}), Mark(2, 6, 3, {"id": "e", "class": "ent"})]
    rendered = nest("abcdef", marks)
    assert rendered == ('<span id="q" class="q-content">ab<span id="e" class="ent">cd</span></span>'
                        '<span class="ent cont" data-for="e">ef</span>')


# ---- in a real browser -----------------------------------------------------------------------------

@pytest.mark.slow
def test_pages_in_headless_chromium(corpus, pages, tmp_path):
    browser = find_browser()
    out = tmp_path / "pages"
    out.mkdir()
    for name, page in pages.items():
        (out / name).write_text(page, encoding="utf-8")
    runs = {name: run_chromium(browser, tmp_path / f"profile-{name}", "--window-size=1366,900", "--dump-dom",
                            (out / name).as_uri()) for name in sorted(pages)}
    shot = tmp_path / "shot.png"
    first = sorted(d.id for d in corpus.documents)[0]
    runs["screenshot"] = run_chromium(browser, tmp_path / "profile-shot", f"--screenshot={shot}",
                                   "--window-size=1366,900", (out / f"{first}.html").as_uri())
    results = {name: run.communicate(timeout=180) for name, run in runs.items()}
    expected = {f"{d.id}.html": _expected_ids(d) for d in corpus.documents}
    for name, (dom, log) in results.items():
        console = [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]
        assert console == [], (name, console)
        if name == "screenshot":
            continue
        tree = parse_page(dom)
        assert tree.root_attrs.get("data-js-errors") is None, (name, tree.root_attrs)
        if name != "index.html":
            assert tree.root_attrs.get("data-js-ready") == "1", name
            assert expected[name] - set(tree.ids) == set(), name
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1366, 900)
    assert len(png) > 50_000  # a page of coloured text, not a blank image


def test_markup_in_the_annotations_and_the_kb_is_escaped(repo):
    """Values written by annotators reach the page only as text, never as markup."""
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    kb = repo / "annotations/kb.yaml"
    lines = kb.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [line.replace('description: "Turkish AK Party member of parliament"',
                          f"description: {hostile!r}") for line in lines]
    kb.write_text("".join(lines), encoding="utf-8")
    doc = next((repo / "annotations/docs").glob("*.yaml"))
    source = doc.read_text(encoding="utf-8")
    doc.write_text(source.replace("source: null", f"source: {hostile!r}", 1), encoding="utf-8")
    pages, _ = render_pages(repo)
    every = "".join(pages.values())
    assert hostile in kb.read_text(encoding="utf-8") + doc.read_text(encoding="utf-8")
    assert "<script>alert" not in every and "<img" not in every
    assert html.escape(hostile, quote=True) in every
    for page in pages.values():
        tree = parse_page(page)
        assert tree.errors == [] and tree.stack == []


def test_a_slip_is_one_finding_on_its_page_as_in_validate(repo):
    """The side panel folds findings as `validate` does: the cause, with what it caused under it."""
    doc = repo / "annotations/docs/000_10fe6d47143cad7a.yaml"
    text = doc.read_text(encoding="utf-8")
    slipped = text.replace("{id: e2, label: GPE, start: 112, end: 118,", "{id: e2, label: GPE, start: 113, end: 119,")
    doc.write_text(slipped, encoding="utf-8")
    pages, _ = render_pages(repo, ["000_10fe6d47143cad7a"])
    page = pages["000_10fe6d47143cad7a.html"]
    assert "<h2>Findings (1)</h2>" in page
    assert page.count("caused by the IG305 above") == 2  # IG319 and IG501
