"""The corpus lints read typographic variants of one text alike (IG502, IG503), and IG501 says which
labels a bare string carries and which sound annotation it is compared with."""

from __future__ import annotations

from types import SimpleNamespace

from idlib_gold.checking import lints

CURLY = "He said \u201cthe crossing at the border stays closed\u201d \u2014 and left."
STRAIGHT = 'He said "the crossing at the border stays closed" - and left.'


class _Doc(SimpleNamespace):
    """A document as the lints read it: an id, a path, a text and its annotations."""

    def where(self, *path):
        return (1, 1)


def _doc(doc_id: str, text: str, entities=()) -> _Doc:
    return _Doc(id=doc_id, rel=f"annotations/docs/{doc_id}.yaml", text=text, intact=True, checks=None,
                sentences=None, unannotated=None,
                data={"entities": list(entities), "figures": [], "quotes": [], "waivers": []})


def _entity(ann_id: str, text: str, whole: str, label: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = whole.index(text, start + 1)
    return {"id": ann_id, "label": label, "start": start, "end": start + len(text), "text": text}


def test_a_sentence_and_its_straight_quoted_copy_are_one_sentence_to_ig503():
    curly, straight = lints.own_sentences(_doc("a", CURLY)), lints.own_sentences(_doc("b", STRAIGHT))
    assert len(curly) == lints.SENTENCE_FIELDS and curly == straight  # digest, offsets and signature alike


def test_copies_that_differ_in_typography_share_their_sentences():
    curly, straight = _doc("a", CURLY), _doc("b", STRAIGHT)
    whole = [((0, len(CURLY)), (0, len(STRAIGHT)))]
    assert lints.shared_sentences(curly, straight) == whole and lints.shared_sentences(straight, curly) == whole


def _span(text: str, part: str) -> dict:
    start = text.index(part)
    return {"start": start, "end": start + len(part), "text": part}


def test_a_speaker_outside_the_sentence_is_compared_by_its_folded_words():
    """IG503 signs a quote whose speaker stands in another sentence by the speaker's words: a copy that
    writes them with a straight apostrophe signs it alike."""
    signatures = []
    for apostrophe in ("\u2019", "'"):
        text = f"An aide to Assad{apostrophe}s office spoke. \"The army stays in the city now,\" the aide said."
        quote = {"id": "q1", "type": "direct", "content": _span(text, "The army stays in the city now,"),
                 "speaker": _span(text, f"An aide to Assad{apostrophe}s office"), "cue": _span(text, "said"),
                 "addressee": None, "speaker_entity": None}
        doc = _doc("a", text)
        doc.data["quotes"] = [quote]
        start = text.index('"The')
        signatures.append(lints.sentence_signature(doc, start, len(text)))
    assert signatures[0] == signatures[1] and ("outside", "An aide to Assad's office") in signatures[0][0]


def test_places_whose_digests_meet_are_grouped_by_their_folded_text():
    a, b, c = _doc("a", CURLY), _doc("b", STRAIGHT), _doc("c", CURLY.replace("closed", "opened"))
    places = {1: [(a, 0, len(CURLY)), (b, 0, len(STRAIGHT)), (c, 0, len(c.text))]}
    assert lints._same_sentences(places) == [[(a, 0, len(CURLY)), (b, 0, len(STRAIGHT))]]


def test_one_name_written_two_ways_with_two_labels_is_an_ig502():
    text_a, text_b = "Assad\u2019s army moved.", "Assad's army moved."
    docs = [_doc("a", text_a, [_entity("e1", "Assad\u2019s", text_a, "PERSON")]),
            _doc("b", text_b, [_entity("e1", "Assad's", text_b, "ORG")]),
            _doc("c", text_b, [_entity("e1", "Assad's", text_b, "PERSON")])]
    found = lints.lint_labels(SimpleNamespace(documents=docs, kb_entries=[]))
    assert [(f.code, f.path, f.annotation) for f in found] == [("IG502", "annotations/docs/b.yaml", "e1")]


def test_a_bare_string_names_every_label_it_carries_and_is_compared_with_a_sound_annotation():
    text = "Idlib fell. Then Idlib rose. And Idlib again."
    sound = _entity("e1", "Idlib", text, "GPE", 0)
    other = _entity("e2", "Idlib", text, "ORG", 1)
    [finding] = lints.lint_unannotated(_doc("a", text, [sound, other]))
    assert finding.message.startswith("'Idlib' (GPE/ORG) is not annotated at 33–38")
    assert finding.annotation == "e2"  # the nearest of the two
    misplaced = dict(other, id="e3", label="GPE", start=19, end=24)  # "lib r": its text is not there
    found = {f.message.split(" (text line")[0]: f for f in lints.lint_unannotated(_doc("a", text, [sound, misplaced]))}
    assert found["'Idlib' (GPE) is not annotated at 33–38"].annotation == "e1"  # not e3, though e3 is nearer
    assert found["'Idlib' (GPE) is not annotated at 17–22"].annotation == "e3"  # the place e3 was written for
