"""`idlib-gold evaluate`: the definitions in evaluate.py, checked on numbers worked out by hand.

The hand-made predictions are for the fixture document `alpha` (tests/fixtures/base), whose
gold is small enough to count on paper; every expected number below is derived in a comment.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ROOT
from idlib_gold.checking.pipeline import load as load_corpus
from idlib_gold.findings import CODES
from idlib_gold.scoring import evaluate

BASE = ROOT / "tests" / "fixtures" / "base"
SCORE_KEYS = {"precision", "recall", "f1", "accuracy", "mean_f1"}


def _span(start, end, text):
    return {"start": start, "end": end, "text": text}


def _write(path: Path, records) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _gold_lines(root: Path) -> list[dict]:
    corpus, findings = load_corpus(root)
    assert not findings
    return [{"id": d.id, **{layer: d.data[layer] for layer in ("entities", "figures", "quotes")}}
            for d in sorted(corpus.documents, key=lambda d: d.id)]


def _scores_in(node, path=""):
    """Every (path, value) whose key is a score, anywhere in the JSON output."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SCORE_KEYS:
                yield f"{path}.{key}", value
            else:
                yield from _scores_in(value, f"{path}.{key}")


# ---- the gold against itself ---------------------------------------------------------------------

def test_the_gold_scored_against_itself_is_perfect_everywhere(cli, tmp_path):
    predictions = _write(tmp_path / "gold.jsonl", _gold_lines(ROOT))
    result = cli("evaluate", str(predictions), "--format", "json", root=ROOT)
    assert result.code == 0, result.out
    data = json.loads(result.out)
    assert data["findings"] == []
    scores = data["scores"]
    assert scores["layers"] == ["entities", "figures", "quotes"] and len(scores["documents"]) == 5
    found = list(_scores_in(scores))
    assert len(found) > 50
    assert [(p, v) for p, v in found if v != 1.0] == []


# ---- hand-made predictions with known mistakes -----------------------------------------------------

# Gold entities of alpha (9): GPE ANKARA 0-6, NORP Turkish 9-16, PERSON Recep Tayyip Erdogan 27-47,
# DATE Monday 56-62, GPE Turkey 103-109, NORP Syrian 134-140, GPE Russia 152-158, GPE Turkey 218-224,
# GPE Russia 229-235.
ALPHA_ENTITIES = [
    {"label": "GPE", "start": 0, "end": 6, "text": "ANKARA"},            # strict hit
    {"label": "PERSON", "start": 40, "end": 47, "text": "Erdogan"},      # partial hit only (inside 27-47)
    {"label": "ORG", "start": 9, "end": 16, "text": "Turkish"},          # wrong label: FP ORG, gold NORP missed
    {"label": "DATE", "start": 53, "end": 62, "text": "on Monday"},      # partial hit only (covers 56-62)
    {"label": "GPE", "start": 103, "end": 109, "text": "Turkey"},        # strict hit
    {"label": "GPE", "start": 152, "end": 158, "text": "Russia"},        # strict hit
    {"label": "GPE", "start": 152, "end": 158, "text": "Russia"},        # duplicate: FP (one-to-one)
    {"label": "LOC", "start": 180, "end": 186, "text": "border"},        # spurious: FP LOC
]   # missed: NORP Syrian 134-140, GPE Turkey 218-224, GPE Russia 229-235

# Gold figures of alpha (2): f1 CARDINAL "about 3.6 million" 116-133 (value 3600000, unit null,
# approximate true, bound null, category refugees, source erdogan); f2 CARDINAL "12" 164-166 (value 12,
# unit null, approximate false, bound null, category military_assets, source null).
ALPHA_FIGURES = [
    {"label": "CARDINAL", "start": 116, "end": 133, "text": "about 3.6 million", "value": 3620000,
     "unit": None, "approximate": False, "bound": None, "category": "refugees", "source": None},
    #   value ≠ but within 1% (|3620000 − 3600000| = 20000 ≤ 36000); approximate wrong; source wrong
    {"label": "CARDINAL", "start": 164, "end": 166, "text": "12", "value": 12, "unit": None,
     "approximate": False, "bound": "lower", "category": "military_personnel"},
    #   value right; bound wrong; category wrong; no source key: wrong
    {"label": "QUANTITY", "start": 122, "end": 133, "text": "3.6 million"},  # spurious: FP QUANTITY
]

# Gold quotes of alpha (3): q1 direct 69-89 "the talks went well," (erdogan, cue said 48-52);
# q2 indirect 103-149 (erdogan, cue adding 91-97); q3 indirect 152-186 (speaker_entity null, cue told 201-205).
ALPHA_QUOTES = [
    {"type": "direct", "content": _span(69, 89, "the talks went well,"), "speaker_entity": "erdogan",
     "cue": _span(48, 52, "said")},                       # content exact; speaker right; type right; cue hit
    {"type": "indirect", "content": _span(103, 133, "Turkey hosts about 3.6 million"),
     "speaker_entity": ["erdogan", "turkey"], "cue": _span(91, 97, "adding")},   # overlaps q2 only; cue hit
    {"type": "direct", "content": _span(152, 186, "Russia sent 12 tanks to the border"),
     "speaker_entity": "russia", "cue": None},          # content exact; speaker wrong ({} ≠ {russia}); type wrong
    {"content": _span(218, 251, "Turkey and Russia will meet again")},  # no gold quote there
]

HAND_MADE = [
    {"id": "alpha", "entities": ALPHA_ENTITIES, "figures": ALPHA_FIGURES, "quotes": ALPHA_QUOTES},
    {"id": "beta", "entities": []},  # beta is in split validation: with --split train it is noted, not scored
]


@pytest.fixture
def hand_made(tmp_path) -> Path:
    return _write(tmp_path / "hand.jsonl", HAND_MADE)


def _run_json(cli, path: Path, *args: str, root: Path = BASE) -> tuple[int, dict]:
    result = cli("evaluate", str(path), "--format", "json", *args, root=root)
    assert "Traceback" not in result.out + result.err
    return result.code, json.loads(result.out)


def _prf(d: dict) -> tuple:
    return d["precision"], d["recall"], d["f1"]


def test_hand_made_entity_scores(cli, hand_made):
    code, out = _run_json(cli, hand_made, "--split", "train")
    assert code == 0 and out["findings"] == []
    s = out["scores"]
    assert s["documents"] == ["alpha"]
    assert s["notes"] == ["line 2: document beta is in split validation, not train; not scored"]
    strict, partial = s["entities"]["strict"], s["entities"]["partial"]
    # strict: TP 3 (the three GPE hits), 8 predicted, 9 gold: P 3/8, R 3/9, F1 2·3/(8+9) = 6/17
    assert _prf(strict["micro"]) == pytest.approx((3 / 8, 3 / 9, 6 / 17))
    assert (strict["micro"]["tp"], strict["micro"]["predicted"], strict["micro"]["gold"]) == (3, 8, 9)
    # per label, strict: GPE TP 3 of 4 predicted, 5 gold → 3/4, 3/5, 6/9; every other label 0
    assert _prf(strict["labels"]["GPE"]) == pytest.approx((3 / 4, 3 / 5, 6 / 9))
    assert sorted(strict["labels"]) == ["DATE", "GPE", "LOC", "NORP", "ORG", "PERSON"]
    for label in ("DATE", "LOC", "NORP", "ORG", "PERSON"):
        assert _prf(strict["labels"][label]) == (0.0, 0.0, 0.0)
    # macro over those 6 labels: P .75/6, R .6/6, F1 (2/3)/6
    assert _prf(strict["macro"]) == pytest.approx((0.75 / 6, 0.6 / 6, (2 / 3) / 6))
    # partial: the three GPE hits + Erdogan (PERSON) + on Monday (DATE) = 5; the duplicate Russia stays
    # unmatched; Turkish/ORG does not match NORP. P 5/8, R 5/9, F1 10/17
    assert _prf(partial["micro"]) == pytest.approx((5 / 8, 5 / 9, 10 / 17))
    assert _prf(partial["labels"]["PERSON"]) == (1.0, 1.0, 1.0)
    assert _prf(partial["labels"]["DATE"]) == (1.0, 1.0, 1.0)
    # macro partial: P (.75+1+1)/6, R (.6+1+1)/6, F1 (2/3+1+1)/6 = 4/9
    assert _prf(partial["macro"]) == pytest.approx((2.75 / 6, 2.6 / 6, 4 / 9))


def test_hand_made_figure_scores(cli, hand_made):
    _, out = _run_json(cli, hand_made, "--split", "train")
    figures = out["scores"]["figures"]
    # strict and partial alike: 2 CARDINAL hits, 3 predicted, 2 gold → 2/3, 1, 0.8
    for scheme in ("strict", "partial"):
        assert _prf(figures[scheme]["micro"]) == pytest.approx((2 / 3, 1.0, 0.8))
        # macro over CARDINAL (1, 1, 1) and QUANTITY (0, 0, 0)
        assert _prf(figures[scheme]["macro"]) == pytest.approx((0.5, 0.5, 0.5))
    a = figures["attributes"]
    assert a["matched"] == 2
    expected = {"value": 1, "value_1pct": 2, "unit": 2, "approximate": 1, "bound": 1, "category": 1, "source": 0}
    assert {k: a[k]["correct"] for k in expected} == expected
    assert {k: a[k]["accuracy"] for k in expected} == {k: v / 2 for k, v in expected.items()}
    # entities+figures micro: strict TP 3+2 of 8+3 predicted, 9+2 gold → 5/11 each; partial 7/11
    both = out["scores"]["entities+figures"]
    assert _prf(both["strict"]["micro"]) == pytest.approx((5 / 11, 5 / 11, 5 / 11))
    assert _prf(both["partial"]["micro"]) == pytest.approx((7 / 11, 7 / 11, 7 / 11))


def test_hand_made_quote_scores(cli, hand_made):
    _, out = _run_json(cli, hand_made, "--split", "train")
    q = out["scores"]["quotes"]
    # content exact: q1 and q3 → TP 2, 4 predicted, 3 gold: 1/2, 2/3, F1 2·2/(4+3) = 4/7
    assert _prf(q["content_exact"]) == pytest.approx((1 / 2, 2 / 3, 4 / 7))
    # overlap pairs: q1 (token F1 1), q3 (1), and q2 with "Turkey hosts about 3.6 million":
    #   gold tokens turkey hosts about 3 6 million syrian refugees (8), predicted the first 6;
    #   common 6 → p 1, r 6/8, F1 2·(3/4)/(7/4) = 6/7. Sum 20/7 over 3 pairs: mean 20/21.
    #   soft P = (20/7)/4 = 5/7, soft R = (20/7)/3 = 20/21, soft F1 = 2·(5/7)(20/21)/(5/7 + 20/21) = 40/49
    token = q["content_token"]
    assert token["pairs"] == 3
    assert token["mean_f1"] == pytest.approx(20 / 21)
    assert _prf(token) == pytest.approx((5 / 7, 20 / 21, 40 / 49))
    # speaker entity and type on the two exact pairs: q1 right, q3 wrong
    assert (q["speaker_entity"]["correct"], q["speaker_entity"]["accuracy"]) == (1, 0.5)
    assert (q["type"]["correct"], q["type"]["accuracy"]) == (1, 0.5)
    # cue: gold {48-52, 91-97, 201-205}, predicted {48-52, 91-97} → 1, 2/3, 0.8
    assert _prf(q["cue"]) == pytest.approx((1.0, 2 / 3, 0.8))


def test_a_document_without_a_line_counts_as_predicting_nothing(cli, tmp_path):
    """alpha alone is split train as a whole, so it is scored as train; named on the command line, the
    split of beta has no line at all: an error (IG727), and beta's gold counts as missed."""
    path = _write(tmp_path / "alpha-only.jsonl", [{"id": "alpha", "entities": ALPHA_ENTITIES}])
    code, out = _run_json(cli, path)
    assert code == 0 and out["findings"] == []
    assert (out["scores"]["split"], out["scores"]["split_from"]) == ("train", "predictions")
    # alpha's 9 gold entities: TP 3, 8 predicted → 3/8, 1/3, 2·3/(8+9)
    assert _prf(out["scores"]["entities"]["strict"]["micro"]) == pytest.approx((3 / 8, 1 / 3, 6 / 17))
    assert out["scores"]["layers"] == ["entities"] and out["scores"]["quotes"] is None
    code, out = _run_json(cli, path, "--split", "validation")
    assert code == 1 and [f["code"] for f in out["findings"]] == ["IG727"]
    # beta's 3 gold entities are all missed: TP 0, 0 predicted, 3 gold
    micro = out["scores"]["entities"]["strict"]["micro"]
    assert (micro["tp"], micro["predicted"], micro["gold"]) == (0, 0, 3)


def test_an_attribute_no_prediction_carries_is_not_predicted(cli, tmp_path):
    figures = [{"label": "CARDINAL", "start": 164, "end": 166, "text": "12"}]
    path = _write(tmp_path / "bare.jsonl", [{"id": "alpha", "figures": figures}])
    _, out = _run_json(cli, path, "--split", "train")
    attributes = out["scores"]["figures"]["attributes"]
    assert attributes["matched"] == 1
    assert all(attributes[k] is None for k in evaluate.FIGURE_ATTRIBUTES)


# ---- malformed predictions -------------------------------------------------------------------------

MALFORMED = [  # (line, expected code or None for a line that is fine)
    ('{"id": "alpha", "entities": []}', None),
    ("not json at all", "IG701"),
    ('{"id": "alpha", "entities": []}', "IG704"),  # alpha again
    ('{"id": "gamma", "entities": []}', "IG703"),  # no such document
    ('{"id": "beta", "entities": [{"label": "GPE", "start": 1, "end": 6, "text": "Syria"}]}', "IG705"),
    ("", None),  # blank lines are skipped
    ('{"id": "delta", "entities": [{"label": "CITY", "start": 0, "end": 5, "text": "Syria"}]}', "IG702"),
    ('{"id": "beta", "entities": [], "entities": []}', "IG702"),  # duplicate key
    ("[1, 2]", "IG702"),  # not an object
    ('{"id": "beta", "figures": [{"label": "CARDINAL", "start": 198, "end": 200, "text": "12", '
     '"value": NaN}]}', "IG701"),
]


def test_malformed_lines_are_findings_with_their_line_numbers(cli, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes("\n".join(line for line, _ in MALFORMED).encode() + b"\n{\"id\": \"\xff\"}\n")
    expected = {(n, code) for n, (_, code) in enumerate(MALFORMED, start=1) if code}
    expected.add((len(MALFORMED) + 1, "IG701"))  # the last line is not UTF-8
    code, out = _run_json(cli, path)
    assert code == 1
    got = {(f["line"], f["code"]) for f in out["findings"] if f["code"] != "IG706"}
    assert got == expected
    assert all(f["path"] == path.as_posix() for f in out["findings"])
    # alpha's first line is still scored (entities only)
    assert out["scores"]["layers"] == ["entities"]
    text = cli("evaluate", str(path), root=BASE)
    assert text.code == 1 and "Traceback" not in text.out + text.err
    for line, c in expected:
        assert re.search(rf"^{re.escape(path.as_posix())}:{line}(:\d+)?: {c}", text.out, re.M), (line, c)


def test_bad_spans_are_reported_with_the_span_hint(cli, tmp_path):
    text = (BASE / "annotations/texts/alpha.txt").read_text(encoding="utf-8")
    start = len(text[:text.index("Turkey")].encode("utf-8"))  # UTF-8 byte offsets: alpha has a dash and quotes
    path = _write(tmp_path / "bytes.jsonl", [{"id": "alpha", "entities": [
        {"id": "x1", "label": "GPE", "start": start, "end": start + 6, "text": "Turkey"},
        {"id": "x2", "label": "GPE", "start": 0, "end": 5000, "text": "ANKARA"}]}])
    code, out = _run_json(cli, path)
    assert code == 1
    shifted, outside = [f for f in out["findings"] if f["code"] == "IG705"]
    assert shifted["annotation"] == "x1" and "UTF-8 byte offsets" in shifted["hint"]
    assert outside["annotation"] == "x2" and "outside the text" in outside["message"]
    assert out["scores"]["layers"] == []  # the line is not scored at all


def test_a_predictions_file_inside_the_repository_is_named_relative_to_it(cli, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    _write(repo / "preds.jsonl", ["{"])
    _, out = _run_json(cli, repo / "preds.jsonl", root=repo)
    assert [(f["path"], f["line"], f["code"]) for f in out["findings"]] == [("preds.jsonl", 1, "IG701")]


def test_usage_and_io_errors_exit_2(cli, tmp_path):
    assert cli("evaluate", str(tmp_path / "missing.jsonl"), root=BASE).code == 2
    assert cli("evaluate", str(tmp_path), root=BASE).code == 2
    assert cli("evaluate", str(_write(tmp_path / "p.jsonl", [])), "--split", "dev", root=BASE).code == 2


def test_prediction_codes_are_in_the_7xx_range_and_explained():
    mine = {c for c in CODES if c.startswith("IG7")}
    # IG707: agree's trees; IG708: an empty file; IG710–IG722: token-classifier and pipeline inputs;
    # IG723–IG724: a line refused before it is read; IG727–IG728: which documents are scored
    # (tests/test_evaluate_scope.py); IG730: a pipeline span's score
    assert mine == ({f"IG70{n}" for n in range(1, 9)} | {f"IG7{n}" for n in range(10, 25)}
                    | {"IG727", "IG728", "IG730"})


# ---- text and JSON agree ---------------------------------------------------------------------------

def test_text_and_json_outputs_agree(cli, hand_made):
    from idlib_gold.scoring.report import fmt

    _, out = _run_json(cli, hand_made, "--split", "train")
    s = out["scores"]
    text = cli("evaluate", str(hand_made), "--split", "train", root=BASE).out
    lines = text.splitlines()

    def row(section_start: str, name: str) -> list[str]:
        i = next(k for k, line in enumerate(lines) if line.startswith(section_start))
        for line in lines[i + 1:]:
            if not line.startswith("  "):
                break
            if line[2:].startswith(name + " ") and line[2:2 + 16].strip() == name:
                return line[18:].split()
        raise AssertionError(f"{name} not under {section_start}")

    for layer in ("entities", "figures"):
        for scheme in ("strict", "partial"):
            result = s[layer][scheme]
            for label, d in [*result["labels"].items(), ("micro", result["micro"])]:
                assert row(f"{layer}, {scheme}", label) == [fmt(d["precision"]), fmt(d["recall"]), fmt(d["f1"]),
                                                           str(d["tp"]), str(d["predicted"]), str(d["gold"])]
            m = result["macro"]
            assert row(f"{layer}, {scheme}", "macro") == [fmt(m["precision"]), fmt(m["recall"]), fmt(m["f1"])]
    for name, d in s["figures"]["attributes"].items():
        if name != "matched":
            shown = {"value_1pct": "value ±1%"}.get(name, name)
            assert row("figure attributes", shown) == [str(d["correct"]), fmt(d["accuracy"])]
    for scheme, d in s["entities+figures"].items():
        m = d["micro"]
        assert row("entities+figures", scheme)[:3] == [fmt(m["precision"]), fmt(m["recall"]), fmt(m["f1"])]
    q = s["quotes"]
    assert row("quotes", "content exact")[:3] == [fmt(v) for v in _prf(q["content_exact"])]
    assert row("quotes", "content token")[:3] == [fmt(v) for v in _prf(q["content_token"])]
    assert fmt(q["content_token"]["mean_f1"]) in row("quotes", "content token")
    assert row("quotes", "cue")[:3] == [fmt(v) for v in _prf(q["cue"])]
    for name in ("speaker_entity", "type"):
        assert row("quote attributes", name) == [str(q[name]["correct"]), fmt(q[name]["accuracy"])]
    assert out["summary"] in text


# ---- the prediction schema -------------------------------------------------------------------------

def test_the_prediction_schema_is_draft_2020_12_describes_every_field_and_copies_no_vocabulary():
    import jsonschema

    raw = (ROOT / "schema/predictions.schema.json").read_text(encoding="utf-8")
    doc = json.loads(raw)
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def walk(node, path=""):
        for key, value in node.get("properties", {}).items():
            yield f"{path}.{key}", value
        for key, value in node.get("$defs", {}).items():
            yield f"#/{key}", value
            yield from walk(value, f"#/{key}")

    assert [p for p, v in walk(doc) if "description" not in v] == []
    assert '"enum"' not in raw  # label sets are referenced from document.schema.json, never copied


def test_the_prediction_schema_resolves_the_document_schema_offline(monkeypatch):
    import urllib.request

    from idlib_gold.checking import schema
    from idlib_gold.checking.schema import deepest
    from idlib_gold.vocabulary import PREDICTIONS

    def validator():
        return schema._validator(PREDICTIONS)

    def _compiled():
        return schema._compiled(PREDICTIONS)

    def no_network(*args, **kwargs):
        raise AssertionError("the schema tried to fetch a URL")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    schema._reference.cache_clear()
    good = {"id": "alpha", "entities": [{"label": "GPE", "start": 0, "end": 6, "text": "ANKARA"}]}
    bad = {"id": "alpha", "entities": [{"label": "CITY", "start": 0, "end": 6, "text": "ANKARA"}]}
    assert list(validator().iter_errors(good)) == []
    (error,) = validator().iter_errors(bad)
    error = deepest(error)  # a name or a ClassLabel id: the name alternative explains a bad name
    assert error.validator == "enum" and "PERSON" in error.validator_value  # the list came from the gold schema
    assert _compiled() is not None and _compiled().is_valid(good) and not _compiled().is_valid(bad)


# ---- the baselines ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["figures", "quotes"])
def test_baselines_run_and_score_between_0_and_1(kind, cli, tmp_path):
    out = tmp_path / f"{kind}.jsonl"
    written = cli("baseline", kind, "--out", str(out), root=ROOT)
    assert written.code == 0, written.err
    for split in ([], ["--split", "test"]):
        code, data = _run_json(cli, out, *split, root=ROOT)
        assert code == 0 and data["findings"] == [], data["findings"]
        assert data["scores"]["layers"] == [kind]
        values = [v for _, v in _scores_in(data["scores"][kind]) if v is not None]
        assert values and all(0.0 <= v <= 1.0 for v in values)
    first = out.read_bytes()
    cli("baseline", kind, "--out", str(out), root=ROOT)
    assert out.read_bytes() == first  # deterministic


def test_the_figure_baseline_reads_numbers_words_and_scales():
    from idlib_gold.scoring.baselines import figures_baseline

    text = "In 2019 more than half a million people, some 60 percent, fled 15 km; about 1,200 stayed & # 39;"
    got = [(f["text"], f["label"], f["value"], f["unit"], f["approximate"], f["bound"])
           for f in figures_baseline(text)]
    assert got == [("more than half a million", "CARDINAL", 500000, None, False, "lower"),
                   ("some 60 percent", "PERCENT", 60, "%", True, None),
                   ("15 km", "QUANTITY", 15, "km", False, None),
                   ("about 1,200", "CARDINAL", 1200, None, True, None)]


def test_the_quote_baseline_finds_quoted_speech_with_a_cue_and_a_speaker():
    from idlib_gold.scoring.baselines import quotes_baseline

    text = 'The talks went on. “We will stay,” Cavusoglu said.\n"Nobody asked," she added.'  # no cue: skipped
    (quote,) = quotes_baseline(text)
    assert quote["content"]["text"] == "We will stay,"
    assert (quote["cue"]["text"], quote["speaker"]["text"]) == ("said", "Cavusoglu")


# ---- properties of the matching --------------------------------------------------------------------

_spans = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8), st.sampled_from(["A", "B"])), max_size=8)


@settings(max_examples=300, deadline=None)
@given(gold=_spans, pred=_spans)
def test_partial_matching_is_one_to_one_and_credits_every_strict_match(gold, pred):
    def flat(spans):  # gold spans never overlap: keep the first of any overlapping ones
        out = []
        for s, n, label in sorted(spans):
            if not out or s >= out[-1]["end"]:
                out.append({"start": s, "end": s + n, "label": label})
        return out

    g = flat(gold)
    p = [{"start": s, "end": s + n, "label": label} for s, n, label in pred]
    strict, partial = evaluate.match_strict(g, p), evaluate.match_partial(g, p)
    for pairs in (strict, partial):
        assert len({gi for gi, _ in pairs}) == len(pairs) == len({pi for _, pi in pairs})
    assert set(strict) <= set(partial)
    for scheme in (evaluate.match_strict, evaluate.match_partial):
        micro = evaluate.score_spans([(g, p)], scheme)["micro"]
        assert all(v is None or 0.0 <= v <= 1.0 for v in _prf(micro))


def test_token_f1_follows_the_squad_definition():
    assert evaluate.token_f1("the talks went well,", "Talks went well") == 1.0  # case, article, punctuation
    assert evaluate.token_f1("w x y z", "y z v") == pytest.approx(4 / 7)  # p 2/3, r 2/4
    assert evaluate.token_f1("alpha", "beta") == 0.0
    assert evaluate.token_f1("the", "a") == 1.0  # both empty after normalization


# ---- agreement with seqeval on the token-level view --------------------------------------------------

def _perturbed(doc) -> dict:
    """Token-aligned, non-overlapping predictions for a document: the gold flat layer with mistakes.

    Every 5th span dropped, every 7th relabelled, every 3rd multi-token span cut to its first token,
    and every 9th capitalised word outside any span added as ORG.
    """
    from idlib_gold import vocabulary as schema
    from idlib_gold.text.tokens import tokenize

    def relabel(label):
        labels = schema.entity_labels() if label in schema.entity_labels() else schema.figure_labels()
        return labels[(labels.index(label) + 1) % len(labels)]

    out = {"entities": [], "figures": []}
    flat = sorted([(a["start"], a["end"], a["label"], layer) for layer in ("entities", "figures")
                   for a in doc.data[layer]])
    multi = 0
    for n, (s, e, label, layer) in enumerate(flat):
        if n % 5 == 4:
            continue
        if n % 7 == 6:
            label = relabel(label)
        tokens = tokenize(doc.text[s:e], s)
        if len(tokens) > 1:
            multi += 1
            if multi % 3 == 0:
                e = tokens[0][1]
        out[layer].append({"label": label, "start": s, "end": e, "text": doc.text[s:e]})
    covered = [(s, e) for s, e, _, _ in flat]
    extra = [(s, e) for s, e in tokenize(doc.text) if doc.text[s].isupper()
             and not any(cs < e and s < ce for cs, ce in covered)]
    for s, e in extra[8::9]:
        out["entities"].append({"label": "ORG", "start": s, "end": e, "text": doc.text[s:e]})
    return out


def test_strict_micro_scores_equal_seqeval_on_the_bio_view(cli, tmp_path):
    """Strict span matching over the flat entity+figure layer is what seqeval computes on BIO tags."""
    from types import SimpleNamespace

    import seqeval.metrics as seqeval_metrics  # in the [test] extra

    from idlib_gold.text.ner import bio_rows

    corpus, findings = load_corpus(ROOT)
    assert not findings
    lines, y_true, y_pred = [], [], []
    for doc in sorted(corpus.documents, key=lambda d: d.id):
        predicted = _perturbed(doc)
        lines.append({"id": doc.id, **predicted})
        y_true += [row["ner_tags"] for row in bio_rows(doc)]
        y_pred += [row["ner_tags"] for row in bio_rows(SimpleNamespace(id=doc.id, text=doc.text, data=predicted))]
    _, out = _run_json(cli, _write(tmp_path / "perturbed.jsonl", lines), root=ROOT)
    micro = out["scores"]["entities+figures"]["strict"]["micro"]
    assert 0.5 < micro["f1"] < 0.95  # the perturbations made a real difference
    assert _prf(micro) == pytest.approx((seqeval_metrics.precision_score(y_true, y_pred),
                                         seqeval_metrics.recall_score(y_true, y_pred),
                                         seqeval_metrics.f1_score(y_true, y_pred)))
    report = seqeval_metrics.classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    for layer in ("entities", "figures"):
        for label, ours in out["scores"][layer]["strict"]["labels"].items():
            theirs = report[label]
            assert _prf(ours) == pytest.approx((theirs["precision"], theirs["recall"], theirs["f1-score"]))
