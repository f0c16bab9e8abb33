"""Property-based tests: random valid documents validate clean; one random corruption is always caught;
the fast scans (IG501, BIO tagging) agree with the plain statement of their rules."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from idlib_gold.checking import schema
from idlib_gold.checking.documents import check_corpus
from idlib_gold.reading.corpus import Corpus, Document
from idlib_gold.reading.files import Loaded

KB = [
    {"id": "turkey", "name": "Turkey", "type": "GPE", "aliases": []},
    {"id": "syria", "name": "Syria", "type": "GPE", "aliases": []},
    {"id": "unicef", "name": "UNICEF", "type": "ORG", "aliases": []},
    {"id": "norp-syrian", "name": "Syrian", "type": "NORP", "aliases": []},
    {"id": "assad", "name": "Bashar al-Assad", "type": "PERSON", "aliases": []},
]
WORDS = ["the", "forces", "said", "border", "town", "“near”", "Idlib’s", "talks", "aid", "and", "of"]
token = st.one_of(
    st.tuples(st.just("word"), st.sampled_from(WORDS)),
    st.tuples(st.just("name"), st.sampled_from(KB)),
    st.tuples(st.just("num"), st.integers(min_value=0, max_value=10**7)),
)


@st.composite
def documents(draw):
    tokens = draw(st.lists(token, min_size=3, max_size=40))
    quoted = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
    text, entities, figures = "", [], []
    for kind, value in tokens:
        if text:
            text += draw(st.sampled_from([" ", " ", "\n\n", " – "]))
        start = len(text)
        if kind == "word":
            text += value
        elif kind == "name":
            text += value["name"]
            entities.append({"id": f"e{len(entities) + 1}", "label": value["type"], "start": start,
                             "end": len(text), "text": value["name"], "entity": value["id"]})
        else:
            shown = f"{value:,}"
            text += shown
            figures.append({"id": f"f{len(figures) + 1}", "label": "CARDINAL", "start": start, "end": len(text),
                            "text": shown, "value": value, "value_max": None, "unit": None, "approximate": False,
                            "bound": None, "measured": None, "category": "other", "source": None})
    text += ". UNICEF said: “"
    content_start = len(text)
    text += " ".join(quoted)
    content = {"start": content_start, "end": len(text), "text": " ".join(quoted)}
    text += "”.\n"
    speaker_start = text.rindex("UNICEF")
    entities.append({"id": f"e{len(entities) + 1}", "label": "ORG", "start": speaker_start,
                     "end": speaker_start + 6, "text": "UNICEF", "entity": "unicef"})
    quote = {"id": "q1", "type": "direct", "content": content,
             "speaker": {"start": speaker_start, "end": speaker_start + 6, "text": "UNICEF"},
             "speaker_entity": "unicef", "cue": {"start": speaker_start + 7, "end": speaker_start + 11, "text": "said"},
             "addressee": None}
    data = {"id": "doc", "sha256": hashlib.sha256(text.encode()).hexdigest(), "title": None, "source": None,
            "date": None, "date_basis": None, "split": "train", "story": "s", "entities": entities,
            "figures": figures, "quotes": [quote]}
    return text, data


def _check(text: str, data: dict, kb: list[dict]) -> list[str]:
    loaded = Loaded(data, {})
    codes = [f.code for f in schema.validate(loaded, "doc.yaml")]
    if codes:
        return codes
    doc = Document("doc", "annotations/docs/doc.yaml", text, text.encode(), loaded)
    used = {e["entity"] for e in data["entities"] if "entity" in e} | {"unicef"}
    corpus = Corpus(root=Path("."), documents=[doc], kb=Loaded({"entries": [e for e in kb if e["id"] in used]}, {}))
    return [f.code for f in check_corpus(corpus) if f.severity == "error"]


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(documents())
def test_random_valid_documents_validate_clean(doc):
    text, data = doc
    assert _check(text, data, KB) == []


CORRUPTIONS = ["shift", "label", "kb", "duplicate", "overlap", "text"]
EXPECTED = {"shift": {"IG305", "IG304"}, "label": {"IG309"}, "kb": {"IG308"}, "duplicate": {"IG307"},
            "overlap": {"IG310"}, "text": {"IG301"}}


@FAST
@given(documents(), st.sampled_from(CORRUPTIONS), st.data())
def test_a_single_corruption_is_reported_with_its_code(doc, corruption, pick):
    text, data = doc
    data, kb = copy.deepcopy(data), list(KB)
    names = data["entities"]
    target = pick.draw(st.sampled_from(names))
    if corruption == "shift":
        delta = pick.draw(st.sampled_from([-1, 1, 2]))
        if target["start"] + delta < 0:
            delta = 1
        target["start"] += delta
        target["end"] += delta
    elif corruption == "label":
        target["label"] = pick.draw(st.sampled_from([t for t in ("PERSON", "ORG", "GPE", "NORP", "LOC")
                                                     if t != target["label"]]))
    elif corruption == "kb":
        kb = [e for e in kb if e["id"] != target["entity"]]
    elif corruption == "duplicate":
        others = [a for a in names if a is not target]
        if others:
            pick.draw(st.sampled_from(others))["id"] = target["id"]
        else:  # a single mention: write it twice
            names.append(dict(target))
    elif corruption == "overlap":
        data["figures"].append({"id": "f999", "label": "CARDINAL", "start": target["start"], "end": target["end"],
                                "text": target["text"], "value": 0, "value_max": None, "unit": None,
                                "approximate": False, "bound": None, "measured": None, "category": "other",
                                "source": None})
        data["figures"].sort(key=lambda f: f["start"])
    elif corruption == "text":
        i = pick.draw(st.integers(min_value=0, max_value=len(text) - 1))
        text = text[:i] + ("X" if text[i] != "X" else "Y") + text[i + 1:]
    codes = set(_check(text, data, kb))
    assert codes & EXPECTED[corruption], (corruption, codes)


@FAST
@given(documents(), st.sampled_from(CORRUPTIONS), st.data())
def test_soundness_read_from_the_checks_is_soundness_recomputed(doc, corruption, pick):
    """IG503 takes a document as evidence only when it is sound; where its checks ran (`doc.checks`),
    their IG301/IG304/IG305/IG309 answer, and the answer is the one the spans and the KB give."""
    from idlib_gold.checking import lints
    from idlib_gold.checking.documents import check_document

    text, data = doc
    data = copy.deepcopy(data)
    target = pick.draw(st.sampled_from(data["entities"]))
    if corruption == "shift":
        target["start"] += 1
    elif corruption == "label":
        target["label"] = "LOC" if target["label"] != "LOC" else "ORG"
    elif corruption == "text":
        text = "X" + text[1:] if text[0] != "X" else "Y" + text[1:]
    elif corruption == "kb":
        data["quotes"][0]["speaker"]["end"] += 2  # a nested span off its text
    document = Document("doc", "annotations/docs/doc.yaml", text, text.encode(), Loaded(data, {}))
    kb_types = {e["id"]: e["type"] for e in KB}
    recomputed = lints._sound(document, kb_types)
    document.checks = check_document(document, kb_types)
    assert lints._sound(document, kb_types) == recomputed
    assert recomputed == (corruption not in ("shift", "label", "text", "kb")), corruption


# --- fast paths agree with the plain statement of their rule -------------------------------------

@FAST
@given(st.text(alphabet="ab -_é\n", max_size=40), st.text(alphabet="ab -é", min_size=1, max_size=4),
       st.lists(st.tuples(st.integers(0, 40), st.integers(0, 6)), max_size=5))
def test_bare_occurrences_follow_the_whole_word_rule(text, string, spans):
    """IG501's scan finds what a whole-word regular expression finds, less the covered occurrences."""
    import re

    from idlib_gold.checking.lints import _bare_occurrences

    covered = sorted((s, min(len(text), s + n)) for s, n in spans if s <= len(text))
    starts, reach, furthest = [], [], -1
    for a, b in covered:
        furthest = max(furthest, b)
        starts.append(a)
        reach.append(furthest)
    expected = [(m.start(), m.end())
                for m in re.finditer(r"(?<![\w-])" + re.escape(string) + r"(?![\w-])", text)
                if not any(a <= m.start() and m.end() <= b for a, b in covered)]
    assert list(_bare_occurrences(text, string, starts, reach)) == expected


@FAST
@given(documents())
def test_bio_rows_tag_exactly_the_tokens_inside_each_span(doc):
    """The bisecting BIO tagger agrees with the rule: a token is tagged when it lies inside a span."""
    from idlib_gold.text.ner import bio_rows, flat_spans

    text, data = doc
    rows = bio_rows(Document("doc", "annotations/docs/doc.yaml", text, text.encode(), Loaded(data)))
    spans = flat_spans(data)
    for row in rows:
        for k, (ts, te, tag) in enumerate(zip(row["token_starts"], row["token_ends"], row["ner_tags"])):
            assert text[ts:te] == row["tokens"][k]
            inside = [(s, e, label) for s, e, label in spans if s <= ts and te <= e]
            if not inside:
                assert tag == "O"
            else:
                s, e, label = inside[-1]
                first = not any(s <= ps and pe <= e for ps, pe in zip(row["token_starts"][:k], row["token_ends"][:k]))
                assert tag == ("B-" if first else "I-") + label


@FAST
@given(st.lists(st.sampled_from(["advertisement", "xadvertisement", "_", "é", " ", "\n", "\r\n", "ad", "s"]),
                max_size=12).map("".join))
def test_advertisement_lines_are_counted_as_the_whole_word_rule_says(text):
    import re

    from idlib_gold.building.card import _NOISE, _noise_counts

    names = list(_NOISE)
    rule = re.compile(r"^advertisement$|\badvertisement$", re.M)
    counted = dict(zip(names, _noise_counts(text)))
    assert counted["`advertisement` lines"] == len(rule.findall(text))


@FAST
@given(st.text(alphabet="“”‘’\"'ab \n", max_size=40))
def test_single_character_noise_is_counted_as_its_pattern_counts_it(text):
    from idlib_gold.building.card import _CHARACTERS, _NOISE, _noise_counts

    counted = dict(zip(_NOISE, _noise_counts(text)))
    for name in _CHARACTERS:
        assert counted[name] == len(_NOISE[name].findall(text))


_LABELS = ["GPE", "ORG", "CARDINAL"]


@st.composite
def tagged_documents(draw):
    """Texts of a few paragraphs with spans anywhere: overlapping, across paragraphs, inside tokens."""
    text = draw(st.text(alphabet="ab é\n,", min_size=0, max_size=30))
    n = len(text)
    spans = draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, 8), st.sampled_from(_LABELS)), max_size=6))
    entities = [{"start": s, "end": min(n, s + w), "label": label} for s, w, label in spans if s + w <= n and w]
    return text, {"entities": entities, "figures": []}


@FAST
@given(st.lists(tagged_documents(), min_size=1, max_size=4))
def test_the_ner_table_tags_as_the_rule_span_by_span(docs):
    """The build tags a whole split at once; each document's rows equal `bio_rows`, the rule span by span."""
    from idlib_gold.building.columns import ner_table
    from idlib_gold.building.features import features_for
    from idlib_gold.text.ner import bio_rows, tag_names

    loaded = [Document(f"d{k}", f"annotations/docs/d{k}.yaml", text, text.encode(), Loaded(data))
              for k, (text, data) in enumerate(docs)]
    rows = ner_table(loaded, features_for("ner").arrow_schema).to_pylist()
    names = tag_names()
    expected = [row for doc in loaded for row in bio_rows(doc)]
    assert [r["id"] for r in rows] == [r["id"] for r in expected]
    for got, want in zip(rows, expected):
        assert [names[t] for t in got["ner_tags"]] == want["ner_tags"], want["id"]
        assert got["tokens"] == want["tokens"] and got["token_starts"] == want["token_starts"]


@FAST
@given(st.lists(tagged_documents(), min_size=1, max_size=4), st.data())
def test_the_ner_rows_a_build_writes_are_what_the_documents_build(docs, data):
    """`validate --parquet` compares the ner rows with the rows the documents build: what the build writes
    always passes, overlapping and cross-paragraph spans included, and one tag changed never does."""
    import polars as pl

    from idlib_gold import vocabulary
    from idlib_gold.building.columns import ner_table
    from idlib_gold.building.features import features_for
    from idlib_gold.checking.derived import ner_differences

    loaded = [Document(f"d{k}", f"annotations/docs/d{k}.yaml", text, text.encode(), Loaded(data_))
              for k, (text, data_) in enumerate(docs)]
    ner = pl.from_arrow(ner_table(loaded, features_for("ner").arrow_schema))
    entity_labels, figure_labels = vocabulary.entity_labels(), vocabulary.figure_labels()

    def nested(spans, names):
        return [{"start": a["start"], "end": a["end"], "label": names.index(a["label"])} for a in spans
                if a["label"] in names]

    documents = pl.DataFrame({
        "id": [d.id for d in loaded], "text": [d.text for d in loaded],
        "entities": [nested(d.data["entities"], entity_labels) for d in loaded],
        "figures": [nested(d.data["entities"], figure_labels) for d in loaded]},
        schema={"id": pl.String, "text": pl.String,
                "entities": pl.List(pl.Struct({"start": pl.Int32, "end": pl.Int32, "label": pl.Int64})),
                "figures": pl.List(pl.Struct({"start": pl.Int32, "end": pl.Int32, "label": pl.Int64}))})
    assert ner_differences({"documents": {"test": documents}, "ner": {"test": ner}}) == []
    tagged = [k for k, tags in enumerate(ner["ner_tags"].to_list()) if tags]
    if tagged:
        k = data.draw(st.sampled_from(tagged), label="row")
        tags = ner["ner_tags"].to_list()
        tags[k] = [tags[k][0] + 1] + tags[k][1:]
        changed = ner.with_columns(pl.Series("ner_tags", tags, dtype=ner.schema["ner_tags"]))
        [(where, why)] = ner_differences({"documents": {"test": documents}, "ner": {"test": changed}})
        assert where == "dataset/data/ner/test.parquet" and f"row {k} (ner_tags)" in why


@FAST
@given(st.text(alphabet=st.one_of(st.sampled_from("ab1,.\u00e9\u0301\u2019-\U0001f600 \n\t\r\x1c\x85\u00a0\u2028\u3000"),
                                  st.characters()), max_size=60))
def test_tokens_are_the_rule_s_matches(text):
    """A document's tokens are found from the matched strings' lengths and where the characters that are not
    white space lie; they are the tokenizer rule's matches, offsets and all, whatever the text holds."""
    from idlib_gold.text.tokens import Tokens, tokenize

    tokens = Tokens(text)
    assert list(zip(tokens.starts, tokens.ends)) == tokenize(text)


def _sentences_looked_behind(text):
    """The sentence rule as first written, the end mark looked behind for: the reference below."""
    import re

    out, start = [], 0
    for m in re.finditer(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“A-Z0-9])|\n+", text):
        end = m.start() + len(m.group(0).rstrip()) if m.group(0).strip() else m.start()
        seg = text[start:end]
        if seg.strip():
            out.append((start + len(seg) - len(seg.lstrip()), start + len(seg.rstrip())))
        start = m.end()
    seg = text[start:]
    if seg.strip():
        out.append((start + len(seg) - len(seg.lstrip()), start + len(seg.rstrip())))
    return out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(".!?\"“”’)( \n\t\x85\u2028aA1é"), max_size=30) | st.text(max_size=30))
@example("He left.) Then? “No!” 2 more.\n\n  Next line")
def test_sentences_end_where_the_rule_looked_behind_for_the_mark(text):
    """The splitter matches the end mark where it was first looked behind for: the same sentences,
    in every text (marks in a row, quotes after them, breaks of every kind)."""
    from idlib_gold.checking.lints import sentences

    assert sentences(text) == _sentences_looked_behind(text)


def test_sentences_whose_digests_meet_are_grouped_by_their_text():
    """IG503 groups sentences by a 64-bit digest; places whose digests meet are compared as texts, so a
    collision never makes two different sentences one."""
    from idlib_gold.checking.lints import _same_sentences

    one, two = "Forces shelled the town near the border today.", "Aid convoys crossed into Idlib from Turkey."
    docs = [Document(f"d{k}", f"annotations/docs/d{k}.yaml", text, text.encode(), Loaded({}))
            for k, text in enumerate([one, two, one, two.replace("’", "'"), one])]
    where = {7: [(d, 0, len(d.text)) for d in docs]}  # every place under one digest, as a collision would
    groups = _same_sentences(where)
    assert [[d.id for d, _, _ in group] for group in groups] == [["d0", "d2", "d4"], ["d1", "d3"]]
    assert _same_sentences({7: [(docs[0], 0, len(one))]}) == []


@FAST
@given(documents(), st.lists(st.sampled_from([0, 0, 1, 2]), min_size=3, max_size=5))
def test_ig503_signs_again_only_what_its_digests_cannot_settle(doc, variants):
    """IG503 signs the copies of a shared sentence only when the digests of their signatures, made where
    each document was read, differ; what it reports is what signing every copy reports."""
    import itertools

    from idlib_gold.checking.lints import lint_shared, own_sentences

    text, data = doc
    docs = []
    for k, variant in enumerate(variants):
        copied = copy.deepcopy(data)
        droppable = [("entities", a) for a in copied["entities"][:-1]] + [("figures", a) for a in copied["figures"]]
        if variant and droppable:  # 0: as drawn; otherwise one annotation left out (the quote's speaker stays)
            layer, gone = droppable[(variant - 1) % len(droppable)]
            copied[layer] = [a for a in copied[layer] if a is not gone]
        docs.append(Document(f"d{k}", f"annotations/docs/d{k}.yaml", text, text.encode(), Loaded(copied, {})))
    corpus = Corpus(root=Path("."), documents=docs, kb=Loaded({"entries": KB}, {}))
    for document in docs:
        document.sentences = own_sentences(document)
    settled = [f.as_dict() for f in lint_shared(corpus)]
    unique = itertools.count()
    for document in docs:  # no two digests alike: every copy of every shared sentence is signed
        packed = document.sentences
        for i in range(0, len(packed), 5):
            packed[i + 3], packed[i + 4] = next(unique), 0
    assert settled == [f.as_dict() for f in lint_shared(corpus)]
    if len(set(variants)) == 1 or not any(d.sentences for d in docs):
        assert settled == []


@FAST
@given(st.lists(st.text(alphabet="ab \né’😀\u0301", max_size=20), min_size=1, max_size=4),
       st.sampled_from([1, 2, 3, 7, 1 << 22]))
def test_code_points_are_found_at_the_bytes_they_start_at(texts, step):
    """The table check turns code-point offsets into byte offsets from the continuation bytes alone
    (found a few MiB at a time): any step gives, for every code point of every text and for the end
    of each text, the byte of the UTF-8 buffer it starts at."""
    import numpy as np
    import polars as pl

    from idlib_gold.checking import tables

    real = tables._CP_STEP
    try:
        tables._CP_STEP = step
        known = tables._Texts([f"d{k}" for k in range(len(texts))], pl.Series(texts, dtype=pl.String))
    finally:
        tables._CP_STEP = real
    base = 0
    for k, text in enumerate(texts):
        assert known.length[k] == len(text)
        code_points = known.first[k] + np.arange(len(text) + 1, dtype=known.first.dtype)
        assert (known.byte_at(code_points) - base).tolist() == [len(text[:n].encode()) for n in range(len(text) + 1)]
        base += len(text.encode())


# a token's offsets: mostly inside a short text, sometimes empty, reversed, past its end or null
token_span = st.one_of(st.builds(lambda a, n: (a, a + n), st.integers(-1, 8), st.integers(0, 3)),
                       st.tuples(st.none(), st.integers(0, 3)), st.tuples(st.integers(0, 3), st.none()))


@FAST
@given(st.lists(st.text(alphabet="ab é’😀", min_size=1, max_size=12), min_size=1, max_size=4), st.data(),
       st.sampled_from([1, 2, 3, 5]))
def test_the_ner_check_says_which_rows_hold_the_text_at_their_offsets(texts, data, step):
    """The `ner` check's per-row answer, computed over the flattened tokens a step of rows at a time,
    is what cutting each token from its text says: equally long lists, and every token the text at
    its offsets with 0 <= start < end <= length; nulls, unknown documents, out-of-range offsets,
    wrong or null tokens and lists of different lengths included, whatever the step."""
    import numpy as np
    import polars as pl

    from idlib_gold.checking import tables

    known = tables._Texts([f"d{k}" for k in range(len(texts))], pl.Series(texts, dtype=pl.String))
    rows = []
    for _ in range(data.draw(st.integers(0, 8), label="rows")):
        doc = data.draw(st.integers(-1, len(texts)), label="document")
        spans = data.draw(st.one_of(st.none(), st.lists(token_span, max_size=5)), label="offsets")
        text = texts[doc] if 0 <= doc < len(texts) else ""
        tokens = None if spans is None else [
            data.draw(st.one_of(st.just(text[a:b] if a is not None and b is not None and a >= 0 else "a"),
                                st.none(), st.text(alphabet="ab é", max_size=3)), label="token")
            for a, b in spans]
        if tokens is not None and data.draw(st.booleans(), label="drop a token") and tokens:
            tokens.pop()
        short = data.draw(st.sampled_from([0, 0, 0, 1]), label="one end fewer")
        rows.append((doc, tokens, spans, short))

    def expected(doc, tokens, spans, short):
        if not 0 <= doc < len(texts) or spans is None or tokens is None:
            return None
        ends = [b for _, b in spans][:len(spans) - short]
        if not len(tokens) == len(spans) == len(ends):
            return False
        text = texts[doc]
        return all(t is not None and a is not None and b is not None and 0 <= a < b <= len(text) and text[a:b] == t
                   for t, (a, _), b in zip(tokens, spans, ends))

    idx = np.array([doc if doc < len(texts) else -1 for doc, _, _, _ in rows], dtype=np.int32)
    tokens = pl.Series([t for _, t, _, _ in rows], dtype=pl.List(pl.String))
    starts = pl.Series([None if spans is None else [a for a, _ in spans] for _, _, spans, _ in rows],
                       dtype=pl.List(pl.Int32))
    ends = pl.Series([None if spans is None else [b for _, b in spans][:len(spans) - short] for _, _, spans, short in rows],
                     dtype=pl.List(pl.Int32))
    real = tables._TOKEN_STEP
    try:
        tables._TOKEN_STEP = 1 << 30
        whole = known.tokens_agree(idx, tokens, starts, ends).to_list()
        tables._TOKEN_STEP = step
        stepped = known.tokens_agree(idx, tokens, starts, ends).to_list()
    finally:
        tables._TOKEN_STEP = real
    assert whole == [expected(*row) for row in rows]
    assert stepped == whole


@FAST
@given(st.lists(st.one_of(st.none(), st.lists(st.one_of(st.integers(0, 6), st.none()), max_size=6)), max_size=8))
def test_the_bio_rule_reads_each_row_on_its_own(rows):
    """The `ner` BIO rule, computed over every row's tags at once, says of each row what reading its
    tags in turn says: an I-X tag (2 + 2k) must follow B-X (one less) or I-X, never start a row nor
    follow a tag of another row; a null tag is left to the range rule, a null row fails."""
    import polars as pl

    from idlib_gold.checking.table_models import _inside_follows_begin

    def expected(tags):
        if tags is None:
            return False
        previous = None
        for tag in tags:
            if tag is not None and tag > 0 and tag % 2 == 0 and previous not in (tag, tag - 1):
                return False
            previous = tag
        return True

    found = _inside_follows_begin(pl.Series(rows, dtype=pl.List(pl.Int64))).collect().to_series().to_list()
    assert found == [expected(tags) for tags in rows]


def test_a_null_list_that_keeps_values_is_read_as_empty():
    """Arrow lets a null list keep values that its offsets count and `list_flatten` skips: the ner rules
    read every other row's values where they are, and the null row as null."""
    import numpy as np
    import polars as pl
    import pyarrow as pa

    from idlib_gold.checking import tables
    from idlib_gold.checking.table_models import _inside_follows_begin

    def with_a_null_first(values, kind):
        return pl.from_arrow(pa.ListArray.from_arrays(pa.array([0, 2, 4], pa.int32()), pa.array(values, kind),
                                                      mask=pa.array([True, False])))

    tags = with_a_null_first([2, 2, 1, 2], pa.int64())  # the null row's kept values would be a stray I- tag
    assert _inside_follows_begin(tags).collect().to_series().to_list() == [False, True]
    known = tables._Texts(["d0"], pl.Series(["ab cd"], dtype=pl.String))
    tokens = with_a_null_first(["x", "y", "ab", "cd"], pa.string())
    starts, ends = with_a_null_first([9, 9, 0, 3], pa.int32()), with_a_null_first([9, 9, 2, 5], pa.int32())
    assert known.tokens_agree(np.zeros(2, np.int32), tokens, starts, ends).to_list() == [None, True]


def test_code_points_are_found_in_texts_handed_over_as_string_views():
    """Texts that arrive in another Arrow string layout (a view type, say) are read as offsets and
    bytes all the same."""
    import pyarrow as pa

    from idlib_gold.checking import tables

    texts = ["Idlib’s border", "", "Ankara 😀 talks"]

    class Column:
        def to_arrow(self):
            return pa.array(texts, pa.string_view())

    known = tables._Texts(["a", "b", "c"], Column())
    assert known.length[:3].tolist() == [len(t) for t in texts]
    end = known.first[2] + len(texts[2])
    assert int(known.byte_at(known.first[2:3] + 8)[0]) == len("".join(texts[:2]).encode()) + len("Ankara 😀".encode())
    assert int(known.byte_at(end.reshape(1))[0]) == len("".join(texts).encode())


_PIECES = ["1,234", "12,345.67", "3.5", "9,99", "٣,٤٥٦", "1.2.3", ",", ".", "a", "Idlib", "_x", " ", "\n", "-",
           "’", "\u0301", "\u00a0", "²", "e\u0301", "4"]


@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_an_edge_inside_a_token_is_one_that_may_cut_a_token(text):
    """`may_cut_a_token` lets IG319 skip tokenizing a text: every edge the tokens put inside a token
    must be one it says may cut one (digits of other scripts, a `,` or `.` in a number, marks, NBSP)."""
    from idlib_gold.text.tokens import Tokens, may_cut_a_token, misaligned_edges

    tokens = Tokens(text)
    for edge in range(-1, len(text) + 2):
        if misaligned_edges(tokens, edge, edge):
            assert may_cut_a_token(text, edge), (text, edge)


@FAST
@given(documents(), st.data())
def test_token_edges_found_without_tokenizing_are_those_found_with_the_tokens(made, data):
    """IG319 with the text tokenized only where an edge may cut a token says what the tokens say, on
    documents whose spans were moved by a character or two (into numbers like 1,234,567 too)."""
    from idlib_gold.checking.documents import check_token_edges

    text, data_ = made
    for a in [a for layer in ("entities", "figures") for a in data_[layer]][:4]:
        a["start"] = max(0, a["start"] + data.draw(st.integers(-2, 2)))
        a["end"] = max(a["start"] + 1, a["end"] + data.draw(st.integers(-2, 2)))

    def found(tokenized_first: bool) -> list[tuple[str, str]]:
        doc = Document("doc", "annotations/docs/doc.yaml", text, text.encode(), Loaded(copy.deepcopy(data_), {}))
        if tokenized_first:
            doc.tokens  # noqa: B018 -- every edge is then looked up in the tokens
        return [(f.code, f.message) for f in check_token_edges(doc)]

    assert found(False) == found(True)


def test_word_and_digit_characters_are_what_the_tokenizer_calls_so():
    """`may_cut_a_token` tests characters with `str.isalnum()`/`_` and `str.isdecimal()`, the tokenizer's
    regular expression with `\\w` and `\\d`: the same characters, every code point of this Python."""
    import re

    word, digit = re.compile(r"\w"), re.compile(r"\d")
    for char in map(chr, range(0x110000)):
        assert bool(word.match(char)) == (char.isalnum() or char == "_"), hex(ord(char))
        assert bool(digit.match(char)) == char.isdecimal(), hex(ord(char))


def test_no_combining_mark_lies_below_u0300():
    """IG323's edge test takes every character below U+0300 for a base character without asking."""
    import unicodedata

    from idlib_gold.checking.documents import _is_mark

    assert not [hex(c) for c in range(0x300) if unicodedata.category(chr(c)).startswith("M")]
    assert [_is_mark(chr(c)) for c in range(0x110000)] == [unicodedata.category(chr(c)).startswith("M")
                                                           for c in range(0x110000)]


def test_every_character_but_two_lowers_to_one_character_of_its_word_class():
    """Shingling lower-cases a whole text at once (`stories.shingle_keys`) unless it holds a capital sigma
    or U+0130: every other code point lowers to one code point, a word character to one and no other."""
    from idlib_gold.text.stories import _WORD

    odd = []
    for char in map(chr, range(0x110000)):
        low = char.lower()
        if len(low) != 1 or bool(_WORD.fullmatch(char)) != bool(_WORD.fullmatch(low)):
            odd.append(hex(ord(char)))
    assert odd == ["0x130"]
    assert "ΟΔΟΣ".lower() == "οδος" and "ΟΔΟΣ.X".lower() == "οδοσ.x"  # the sigma: its word alone ends in ς


_SHINGLE_PIECES = st.sampled_from(["Idlib", "SYRIA", " ", ". ", ".", "Σ", "ΟΔΟΣ", "σ", "ς", "İ", "I", "ß", "ẞ",
                                   "Ǆ", "ǅ", "-", "_", "3", "٣", "é", "E\u0301", "\n", "Straße", "Ω"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_SHINGLE_PIECES, min_size=0, max_size=40).map("".join), st.integers(1, 4))
def test_shingles_are_those_of_each_word_lower_cased_on_its_own(text, n):
    import re

    from idlib_gold.text import stories

    words = [w.lower() for w in re.findall(r"[^\W_]+", text)]
    assert stories.shingle_keys(text, n) == _shingles_by_definition([stories._word_number(w) for w in words], n)


def _shingles_by_definition(seq: list[int], n: int):
    """Each run of `n` word numbers w as w[0]·B^(n-1) + … + w[n-1] modulo 2**64, written out run by run."""
    from array import array

    base = 0x9E3779B97F4A7C15
    values = set()
    for k in range(len(seq) - n + 1):
        value = sum(w * pow(base, n - 1 - j) for j, w in enumerate(seq[k:k + n])) % 2**64
        values.add(value - 2**64 if value >= 2**63 else value)
    return array("q", sorted(values))


_WORD_NUMBER_PIECES = st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 1, 2**63 - 1, 2**63, 2**64 - 1]))


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORD_NUMBER_PIECES, max_size=30), st.integers(1, 9), st.booleans())
def test_shingles_are_the_same_with_and_without_numpy(seq, n, repeat):
    """A shingle's hash rolls from one position to the next in Python, and is summed at every position at
    once with numpy (from `_NUMPY_AFTER` words in a process): one definition, both ways."""
    import sys

    import numpy

    from idlib_gold.text import stories

    seq = seq + seq if repeat else seq  # runs that recur: each value once
    sys.modules.pop("numpy")  # the Python sum, as in a process that never imported numpy
    try:
        saved, stories._shingled = stories._shingled, 0
        assert stories._numpy() is None
        by_python = stories._polynomial(seq, n)
    finally:
        sys.modules["numpy"] = numpy
        stories._shingled = saved
    assert stories._numpy() is numpy
    assert by_python == stories._polynomial(seq, n) == _shingles_by_definition(seq, n)


# What syndicated copies swap, written out here rather than read from the code under test.
_TYPOGRAPHIC = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_TYPOGRAPHIC, "'", '"', "-", "_", "a", " ", "é", "e\u0301", "\u2019\u2019", "x’s",
                                 "\u2015", "\u201e", "\ud800"]), max_size=30).map("".join))
def test_typographic_characters_fold_to_ascii_one_for_one(text):
    """IG502 and IG503 compare folded texts; folding keeps every offset (one code point for one)."""
    from idlib_gold.checking.lints import _fold

    folded = _fold(text)
    assert folded == text.translate(str.maketrans(_TYPOGRAPHIC)) and len(folded) == len(text)


def test_an_ig501_waiver_waives_its_string_and_one_without_a_text_every_string(corpus):
    """IG501 reads a document's waivers: a waiver of IG501 with a text decides that string (each one of
    several), one without a text every string, a waiver of another lint none."""
    from idlib_gold.checking.lints import lint_unannotated

    doc = copy.deepcopy(max(corpus.documents, key=lambda d: len(d.data["entities"])))
    doc.data["entities"] = doc.data["entities"][::2]  # the strings of the others are now found bare
    doc.data["waivers"] = []
    bare = lint_unannotated(doc)
    strings = sorted({a["text"] for a in doc.data["entities"] if any(f.message.startswith(f"{a['text']!r} (")
                                                                       for f in bare)})
    assert len(bare) >= 2 and len(strings) >= 2
    doc.data["waivers"] = [{"code": "IG501", "text": strings[0], "reason": "decided"}]
    assert lint_unannotated(doc) == [f for f in bare if not f.message.startswith(f"{strings[0]!r} (")]
    doc.data["waivers"].append({"code": "IG501", "text": strings[1], "reason": "decided too"})
    assert lint_unannotated(doc) == [f for f in bare if not f.message.startswith((f"{strings[0]!r} (",
                                                                                 f"{strings[1]!r} ("))]
    doc.data["waivers"] = [{"code": "IG502", "reason": "another lint"}, {"code": "IG501", "text": "absent", "reason": "-"}]
    assert lint_unannotated(doc) == bare
    doc.data["waivers"] = [{"code": "IG501", "reason": "every string"}]
    assert lint_unannotated(doc) == []


def test_no_shingles_of_fewer_than_one_word_either_way():
    import sys
    from array import array

    import numpy

    from idlib_gold.text import stories

    assert stories._polynomial([1, 2, 3], 0) == array("q")  # numpy loaded
    sys.modules.pop("numpy")
    saved, stories._shingled = stories._shingled, 0
    try:
        assert stories._polynomial([1, 2, 3], 0) == stories._polynomial([1, 2, 3], -1) == array("q")
    finally:
        sys.modules["numpy"] = numpy
        stories._shingled = saved


def test_a_missing_numpy_is_looked_for_once(monkeypatch):
    import builtins

    from idlib_gold.text import stories

    tried = []
    real = builtins.__import__

    def no_numpy(name, *args, **kwargs):
        if name == "numpy":
            tried.append(name)
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_numpy)
    monkeypatch.setattr(stories, "_numpy_missing", False)
    monkeypatch.setattr(stories, "_shingled", stories._NUMPY_AFTER)
    monkeypatch.delitem(__import__("sys").modules, "numpy")
    seq = list(range(20))
    assert stories._polynomial(seq, 8) == stories._polynomial(seq, 8) == _shingles_by_definition(seq, 8)
    assert tried == ["numpy"]
