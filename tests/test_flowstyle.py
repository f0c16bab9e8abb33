"""The fast reader of the house YAML style answers exactly as the YAML parser does, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idlib_gold.reading import files as reading
from idlib_gold.reading.flowstyle import read_flow_style

REPO = Path(__file__).resolve().parents[1]
LOADER = reading._FastLoader or reading._StrictLoader


def _full(text: str):
    """The YAML parser's answer: (data, positions), or None when it reports a finding."""
    loaded, findings = reading.parse_yaml(text, "x.yaml", fast=False)
    return None if loaded is None else (loaded.data, loaded.positions)


def _same(fast, full) -> bool:
    # repr tells 1 from 1.0 from True, and keeps key order
    return repr(fast[0]) == repr(full[0]) and fast[1] == full[1]


def _read_as_yaml_reads_it_or_left_to_it(text: str) -> None:
    """Where the fast path answers, the YAML parser reads the file and gives the same answer."""
    fast = read_flow_style(text, LOADER)
    if fast is None:
        return
    full = _full(text)
    assert full is not None, "the fast path read a file the YAML parser refuses"
    assert _same(fast, full)


def _repository_yaml() -> list[Path]:
    return sorted((REPO / "annotations").rglob("*.yaml")) + sorted((REPO / "tests/fixtures/base").rglob("*.yaml"))


@pytest.mark.parametrize("path", _repository_yaml(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_repository_file_takes_the_fast_path_with_the_same_result(path):
    text = path.read_text(encoding="utf-8")
    fast = read_flow_style(text, LOADER)
    assert fast is not None, "a file in the house style fell back to the YAML parser"
    assert _same(fast, _full(text))


def test_generated_corpus_files_take_the_fast_path_with_the_same_result(tmp_path):
    from bench import synth
    synth.generate(tmp_path, 40, REPO)
    paths = sorted((tmp_path / "annotations").rglob("*.yaml"))
    assert len(paths) == 41
    for path in paths:
        text = path.read_text(encoding="utf-8")
        fast = read_flow_style(text, LOADER)
        assert fast is not None and _same(fast, _full(text)), path.name


BASE = "id: doc\nentities:\n  - {id: e1, text: Idlib, start: 0}\n"


@pytest.mark.parametrize("text", [
    BASE.replace("Idlib", "!!str Idlib"),                      # a tag
    BASE.replace("{id: e1", "&a {id: e1"),                     # an anchor
    BASE + "other: *a\n",                                      # an alias
    BASE.replace("start: 0", "start: 0, start: 1"),             # a duplicated key
    BASE + "id: again\n",                                       # a duplicated top-level key
    BASE.replace("id: e1", "yes: e1"),                          # a key YAML reads as a boolean
    BASE.replace("start: 0", "start: 017"),                     # an octal number
    BASE.replace("start: 0", "start: 1_000"),                   # digits with underscores
    BASE.replace("start: 0", "start: 1.5e+3"),                  # an exponent
    "id: doc\nk: 01.5\n",                                       # a float with a leading zero
    BASE.replace("text: Idlib", 'text: "Id\nlib"'),             # a string over two lines
    BASE.replace("}", "}  # a comment"),                        # a comment after a value
    BASE.replace("text: Idlib", "text: Idlib # north"),         # a comment inside a flow mapping
    BASE.replace("text: Idlib", "text: 10:30"),                 # a colon inside a plain word
    BASE.replace("text: Idlib", r'text: "Id\x41lib"'),          # an escape JSON lacks
    BASE.replace("  - ", "\t- "),                               # a tab
    BASE.replace("\n", "\r\n"),                                 # CRLF line ends
    BASE + "  - {id: e2,\n     start: 3}\n",                    # a flow mapping over two lines
    BASE + "    - {id: e2}\n",                                  # uneven indentation
    BASE + "figures:\n",                                        # a key with no value
    "id: doc\ntitle: a\n  continued\n",                         # a plain scalar over two lines
    "---\n" + BASE,                                             # a document marker
    "- a\n- b\n",                                               # a list at the top
    "id: {a: 1}\n",                                             # a nested mapping on a key's line
    "id: doc\nk:\n  - {a: 1}, {b: 2}\n",                         # two values on one line
    "id: doc\nk:\n  - [1], [2]\n",                               # the same, as lists
    "id: doc\nk:\n  - [1\n  - 2]\n",                              # brackets that close only on a later line
    "id: doc\nk:\n  - [[1\n  - 2]], [[3]\n",                       # the same, the count of lines kept
    "id: doc\nk:\n  - {a: \"x\n  - y\"}\n",                        # a string closed only on a later line
    "k: \xa0\n  - a\n",                                          # NBSP is text to YAML, not a space
    "k: \u2003\n  - {a: 1}\n",                                   # so is an em space
    "k" * 1025 + ": v\n",                                       # a key longer than libyaml accepts
    "k:\n  - {a: 1, " + "k" * 1025 + ": v}\n",                  # the same inside a flow mapping
    "k:\n  - " + "[" * 500 + "]" * 500 + "\n",                  # nesting deeper than the YAML reader goes
    "k: " + "[" * 3000 + "]" * 3000 + "\n",                     # nesting deeper than JSON goes
    "k: " + "1" * 5000 + "\n",                                  # a number longer than Python reads
    "k:\n  - {a: " + "1" * 5000 + "}\n",                        # the same inside a flow mapping
])
def test_anything_beyond_the_house_style_goes_to_the_yaml_parser(text):
    assert read_flow_style(text, LOADER) is None


@pytest.mark.parametrize("text", ["k: " + "[" * 3000 + "]" * 3000 + "\n", "k:\n  - {a: " + "1" * 5000 + "}\n"],
                         ids=["deep", "long-number"])
def test_inputs_beyond_any_reader_are_findings_not_crashes(text):
    loaded, findings = reading.parse_yaml(text, "x.yaml")
    assert loaded is None and [f.code for f in findings] == ["IG103"]


def test_fast_path_resolves_plain_words_as_yaml_1_1_does():
    text = "a: null\nb: ~\nc: true\nd: FALSE\ne: 12\nf: 0.75\ng: 2020-02-02\nh: [x y, 'it''s', \"q \\\"z\\\"\"]\n"
    text = text.replace("h: [", "h: []\nlist:\n  - [")
    fast = read_flow_style(text, LOADER)
    assert fast is not None
    assert _same(fast, _full(text))
    data = fast[0]
    assert data["a"] is None and data["b"] is None and data["c"] is True and data["d"] is False
    assert data["e"] == 12 and isinstance(data["e"], int) and data["f"] == 0.75
    assert data["g"] == "2020-02-02"  # dates stay strings, as the schema expects
    assert data["list"] == [["x y", "it's", 'q "z"']]


@pytest.mark.parametrize("value", ["0276", "0x1F", "1_000", "+0_1", "3:10", "1_0.5", "190:20:30.15", "yes", "No", "ON",
                                   "off"])
@pytest.mark.parametrize("where", ["k: {}\n", "k: [a, {}]\n", "list:\n  - {{s: {}}}\n", "{}: x\n"])
def test_a_plain_value_yaml_versions_read_differently_is_refused(value, where):
    """YAML 1.1 reads 0276 as 190 and yes as true, YAML 1.2 as 276 and as text: one file, two meanings. Such a
    plain value is refused where it is met, in any field, by the fast path and the full reader alike."""
    text = "id: doc\n" + where.format(value)
    assert read_flow_style(text, LOADER) is None
    loaded, findings = reading.parse_yaml(text, "x.yaml")
    assert loaded is None and [f.code for f in findings] == ["IG112"], findings
    quoted = "id: doc\n" + where.format(f'"{value}"')
    assert reading.parse_yaml(quoted, "x.yaml")[1] == []


@pytest.mark.parametrize("value, read", [("-5", -5), ("+5", 5), ("0", 0), ("1.0", 1.0), ("-0.5", -0.5), ("12.", 12.0),
                                         (".5", 0.5), ("1.5e+3", 1500.0), ("TRUE", True), ("False", False)])
def test_plain_values_both_yaml_versions_read_alike_are_read(value, read):
    loaded, findings = reading.parse_yaml(f"id: doc\nk: {value}\n", "x.yaml")
    assert findings == [] and loaded.data["k"] == read and type(loaded.data["k"]) is type(read)


# Random flow values from an alphabet of YAML's special characters: wherever the fast path answers,
# the YAML parser must give the same answer; where the parser refuses a line, the fast path must too.
_PIECES = st.sampled_from(["a", "b", "Idlib", " ", "  ", ",", ", ", ":", ": ", "#", " #", "-", "- ", "?", "&", "*",
                           "!", "%", "@", "`", "|", ">", "'", "''", '"', '\\"', "\\", "\\n", "\\x41", "{", "}", "[",
                           "]", "0", "7", "017", "1.5", "yes", "null", "~", "é", "“", "’", "–", "\u00a0", "k: "])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, min_size=1, max_size=12).map("".join),
       st.sampled_from(["top", "item", "value"]))
def test_random_values_are_read_as_yaml_reads_them_or_left_to_it(value, where):
    if where == "top":
        text = f"id: doc\nk: {value}\n"
    elif where == "item":
        text = f"id: doc\nitems:\n  - {value}\n"
    else:
        text = f"id: doc\nitems:\n  - {{id: e1, text: {value}}}\n"
    _read_as_yaml_reads_it_or_left_to_it(text)


# A file's flow values are read by one JSON decoding: random lines together must still be read as the
# YAML parser reads them, each line on its own, or left to it.
# Brackets and words only: lines that are flow collections, well formed or not, on their own or across lines.
_FLOW_PIECES = st.sampled_from(["[", "]", "{", "}", "a", "1", ", ", "k: ", '"x"', "'y'", "null", ","])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.lists(_PIECES, min_size=1, max_size=8).map("".join),
                          st.lists(_FLOW_PIECES, min_size=1, max_size=8).map("".join)), min_size=2, max_size=4),
       st.booleans())
def test_random_lines_read_together_are_read_as_yaml_reads_them_or_left_to_it(values, wrapped):
    lines = [f"  - {{id: e{k}, text: {v}}}" if wrapped else f"  - {v}" for k, v in enumerate(values)]
    text = "id: doc\nitems:\n" + "\n".join(lines) + "\n"
    _read_as_yaml_reads_it_or_left_to_it(text)


_WORDS = st.sampled_from(["a", "Idlib", "1", "0.5", "null", "yes", '"x, y"', "'it''s'", "x y", "~", '"[1]"'])
_FLOW = st.recursive(_WORDS, lambda inner: st.one_of(
    st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.lists(st.tuples(st.sampled_from(["k", "id", "text"]), inner), max_size=3)
    .map(lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}")), max_leaves=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FLOW.filter(lambda v: v[:1] in "[{"), min_size=2, max_size=4), st.integers(0, 4), st.integers(0, 2))
def test_flow_collections_on_several_lines_are_read_line_by_line(values, cut, line):
    """Well-formed collections, one a line; `cut` characters of one line moved to the start of the next
    make brackets that open on one line and close on another, which YAML refuses."""
    values = list(values)
    line = min(line, len(values) - 2)
    if cut:
        moved = values[line][-cut:]
        values[line], values[line + 1] = values[line][:-cut], moved + values[line + 1]
    if not all(values):
        return
    text = "id: doc\nitems:\n" + "".join(f"  - {v}\n" for v in values)
    _read_as_yaml_reads_it_or_left_to_it(text)


def test_a_file_read_when_the_remembered_pieces_are_full_is_read_whole(monkeypatch):
    """The JSON of pieces is remembered across files up to a bound; the file that passes it starts the
    memory anew with all of its own pieces, the ones it shares with earlier files too."""
    from idlib_gold.reading import flowstyle

    monkeypatch.setattr(flowstyle, "_PIECES_KEPT", 50)
    monkeypatch.setattr(flowstyle, "_PLAINS", {})
    first = "id: a\nk:\n" + "".join(f"  - {{id: e{n}, start: {n}}}\n" for n in range(10))
    second = "id: b\nk:\n" + "".join(f"  - {{id: x{n}, start: {n + 100}, text: \"t{n}\"}}\n" for n in range(40))
    for text in (first, second, first, second):
        fast = read_flow_style(text, LOADER)
        assert fast is not None and _same(fast, _full(text))
        assert len(flowstyle._PLAINS[LOADER].pieces) <= 50 + 3 * 40 + 10


# --- positions kept compactly behave as the dict they stand for -------------------------------------

_PATHS = st.one_of(
    st.tuples(st.sampled_from(["entities", "quotes"]), st.integers(0, 6)),  # annotations, in or out of order
    st.tuples(st.sampled_from(["entities", "id"])),
    st.tuples(st.just("entities"), st.booleans()),  # True == 1, but not an index
    st.tuples(st.just("entities"), st.integers(0, 3), st.just("start")),
    st.just(()),
)
_POSITION = st.tuples(st.integers(0, 2**40), st.integers(0, 2**33))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(_PATHS, _POSITION, max_size=12), min_size=1, max_size=3))
def test_positions_answer_as_a_dict_of_them_would(updates):
    from idlib_gold.reading.files import Positions

    expected: dict = {}
    kept = Positions()
    for update in updates:
        expected.update(update)
        kept.update(update)
    assert dict(kept.items()) == expected and len(kept) == len(expected) and kept == expected
    for path in expected:
        assert path in kept and kept[path] == expected[path] and kept.get(path) == expected[path]
    assert ("entities", 99) not in kept and kept.get(("quotes", 7)) is None
    assert Positions.from_compact(kept.compact()) == expected


# --- a key and its value read as one piece ------------------------------------------------------------

_PIECE_ALPHABET = st.one_of(_PIECES, _FLOW_PIECES, st.sampled_from(["{id: e1", ", label: GPE", ", k: v: w", "a:b",
                                                                    "x y: z", "k:  v", "{ k: v", ", \"q\": 1", "\n"]))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECE_ALPHABET, min_size=1, max_size=16).map("".join))
def test_a_file_cut_into_pieces_is_cut_into_the_same_tokens(values):
    """A piece (a key with its value, or one token) is cut where the tokens are: the tokens of each piece,
    read on its own, are the tokens of the whole text, in order; so reading a piece's tokens gives the
    JSON the tokens give in place."""
    from idlib_gold.reading import flowstyle

    tokens = flowstyle._FLOW_TOKEN.findall(values)
    pieces = flowstyle._FLOW_PIECE.findall(values)
    assert "".join(pieces) == values
    assert [t for piece in pieces for t in flowstyle._FLOW_TOKEN.findall(piece)] == tokens


def test_an_annotation_line_is_read_in_few_pieces():
    """The point of the pieces: a key and its value are one lookup, not two or three."""
    from idlib_gold.reading import flowstyle

    line = '{id: e5, label: PERSON, start: 799, end: 813, text: "Henrietta Fore", entity: henrietta-fore}'
    assert flowstyle._FLOW_PIECE.findall(line) == ["{id: e5", ", label: PERSON", ", start: 799", ", end: 813",
                                                   ', text: "Henrietta Fore"', ", entity: henrietta-fore", "}"]
    assert len(flowstyle._FLOW_TOKEN.findall(line)) == 19
