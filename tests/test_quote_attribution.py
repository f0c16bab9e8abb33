"""Quote attribution: speaker, cue and addressee spans and speaker links, exact and partial, on numbers worked by hand."""

from __future__ import annotations

import pytest

from idlib_gold.scoring.evaluate import score_quotes


def _s(start, end):
    return {"start": start, "end": end, "text": "x" * (end - start)}


def _q(content, speaker=None, cue=None, addressee=None, entity=None):
    return {"content": _s(*content), "speaker": speaker and _s(*speaker), "cue": cue and _s(*cue),
            "addressee": addressee and _s(*addressee), "speaker_entity": entity, "type": "direct"}


GOLD = [
    _q((10, 30), speaker=(0, 5), cue=(6, 9), addressee=(31, 35), entity="erdogan"),
    _q((50, 70), speaker=(40, 45), cue=(46, 49), entity=["russia", "syria"]),
    _q((90, 99), speaker=None, cue=(80, 84), entity=None),  # anonymous: no speaker span, no link
]
PRED = [
    _q((10, 30), speaker=(0, 5), cue=(6, 9), addressee=(31, 33), entity=["erdogan"]),  # content exact
    _q((52, 70), speaker=(41, 45), cue=(46, 49), entity=["russia"]),                 # content overlaps only
    _q((200, 210), speaker=(190, 195), cue=None, entity="nobody"),                   # unpaired
]


@pytest.fixture(scope="module")
def scores():
    return score_quotes([(GOLD, PRED)])


def _prf(s):
    return s["tp"], s["predicted"], s["gold"]


def test_speaker_spans(scores):
    # predicted speakers 3, gold speakers 2. exact: pair q1 only (content exact), same span → 1.
    # partial: pairs q1 and q2 (content overlap), speaker 41-45 overlaps 40-45 → 2.
    assert _prf(scores["parts"]["speaker"]["exact"]) == (1, 3, 2)
    assert _prf(scores["parts"]["speaker"]["partial"]) == (2, 3, 2)
    assert scores["parts"]["speaker"]["partial"]["precision"] == pytest.approx(2 / 3)


def test_cue_and_addressee(scores):
    # cues: predicted 2 (the third is null), gold 3; exact on q1 → 1; partial on q1, q2 → 2.
    assert _prf(scores["parts"]["cue"]["exact"]) == (1, 2, 3)
    assert _prf(scores["parts"]["cue"]["partial"]) == (2, 2, 3)
    # addressee 31-33 against 31-35: not exact, overlapping.
    assert _prf(scores["parts"]["addressee"]["exact"]) == (0, 1, 1)
    assert _prf(scores["parts"]["addressee"]["partial"]) == (1, 1, 1)


def test_speaker_links(scores):
    # gold links: erdogan, russia, syria = 3; predicted: erdogan, russia, nobody = 3.
    # exact pairs: q1 shares erdogan → 1; partial pairs add q2 sharing russia → 2.
    assert _prf(scores["speaker_entity_link"]["exact"]) == (1, 3, 3)
    assert _prf(scores["speaker_entity_link"]["partial"]) == (2, 3, 3)


def test_a_part_no_prediction_carries_is_not_predicted():
    bare = [{"content": dict(q["content"])} for q in PRED]
    out = score_quotes([(GOLD, bare)])
    assert out["parts"] == {"speaker": None, "cue": None, "addressee": None}
    assert out["speaker_entity_link"] is None
    assert out["content_exact"]["tp"] == 1  # the content is still scored
