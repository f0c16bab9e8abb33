"""IG323: no span edge of any layer separates a base character from its combining marks."""

from __future__ import annotations

import pytest

from idlib_gold.checking.documents import check_combining_marks, check_token_edges
from idlib_gold.reading.corpus import Document
from idlib_gold.reading.files import parse_yaml

TEXT = "Erdog\u0306an said e\u0301migre\u0301s fled, and 12 tanks\u0327\u0301 moved.\n"


def _doc(entities: str = "[]", figures: str = "[]", quotes: str = "[]") -> Document:
    source = f"id: x\nentities: {entities}\nfigures: {figures}\nquotes: {quotes}\n"
    loaded, findings = parse_yaml(source, "annotations/docs/x.yaml")
    assert not findings
    return Document("x", "annotations/docs/x.yaml", TEXT, TEXT.encode(), loaded)


def _span(start: int, end: int) -> str:
    import json

    return f"{{start: {start}, end: {end}, text: {json.dumps(TEXT[start:end])}}}"


def _entity(start: int, end: int) -> str:
    return f"[{{id: e1, label: PERSON, {_span(start, end)[1:-1]}}}]"


@pytest.mark.parametrize("start, end, edge, key", [
    (0, 5, 5, "end"),      # 'Erdog' | U+0306
    (5, 8, 5, "start"),    # U+0306 'an': the mark without its base
    (15, 23, 15, "start"),  # U+0301 'migre'
    (14, 21, 21, "end"),   # 'e' U+0301 'migre' | U+0301 's'
])
def test_an_entity_edge_at_a_combining_mark_is_reported(start, end, edge, key):
    found = check_combining_marks(_doc(entities=_entity(start, end)))
    assert [(f.code, f.line, f.annotation) for f in found] == [("IG323", 2, "e1")]
    assert f"{key}s at {edge}, between {TEXT[edge - 1]!r} and its combining mark U+" in found[0].message
    assert check_token_edges(_doc(entities=_entity(start, end))) == []  # the tokenizer alone does not see it


def test_whole_characters_pass():
    assert check_combining_marks(_doc(entities=_entity(0, 8))) == []    # 'Erdoğan'
    assert check_combining_marks(_doc(entities=_entity(14, 23))) == []  # 'émigrés'


def test_the_hint_moves_the_edge_past_every_mark_of_the_character():
    start = TEXT.index("tanks")
    found = check_combining_marks(_doc(entities=_entity(start, start + 5)))  # 's' then U+0327 U+0301
    assert found[0].hint.startswith(f"keep the character and its marks together: end: {start + 7} ")


def test_figure_measured_spans_and_every_quote_part_are_checked():
    n = TEXT.index("12")
    figure = (f"[{{id: f1, label: CARDINAL, start: {n}, end: {n + 2}, text: '12', value: 12, "
              f"measured: {_span(n + 3, n + 8)}}}]")
    quote = (f"[{{id: q1, type: indirect, content: {_span(14, 21)}, speaker: {_span(0, 5)}, cue: {_span(9, 13)}, "
             f"addressee: null}}]")
    found = check_combining_marks(_doc(figures=figure, quotes=quote))
    assert sorted(f.message.split(":")[0] for f in found) == ["f1.measured", "q1.content", "q1.speaker"]


def test_a_span_not_at_its_text_is_left_to_the_span_checks():
    assert check_combining_marks(_doc(entities="[{id: e1, label: PERSON, start: 0, end: 5, text: Erdoga}]")) == []
