"""Properties of the gold itself: complete, consistent, and the same where two texts say the same."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from helpers import ROOT
from idlib_gold.checking.lints import sentence_signature, shared_sentences


def test_syndicated_copies_share_sentences_and_annotate_them_identically(corpus):
    docs = {d.id[:3]: d for d in corpus.documents}
    pairs = shared_sentences(docs["001"], docs["004"])
    assert len(pairs) >= 4  # derived from the texts: the copies share whole sentences word for word
    for (sa, ea), (sb, eb) in pairs:
        assert sentence_signature(docs["001"], sa, ea) == sentence_signature(docs["004"], sb, eb), \
            docs["001"].text[sa:ea]
        assert sentence_signature(docs["001"], sa, ea), "a shared sentence with no annotation at all"


def test_every_pair_of_documents_agrees_on_the_sentences_they_share(corpus):
    docs = sorted(corpus.documents, key=lambda d: d.id)
    for i, a in enumerate(docs):
        for b in docs[i + 1:]:
            for (sa, ea), (sb, eb) in shared_sentences(a, b):
                assert sentence_signature(a, sa, ea) == sentence_signature(b, sb, eb), (a.id, b.id, a.text[sa:ea])


def _labels_by_string(corpus):
    labels = defaultdict(set)
    for doc in corpus.documents:
        for layer in ("entities", "figures"):
            for a in doc.data[layer]:
                labels[a["text"]].add(a["label"])
    return {s: sorted(v) for s, v in labels.items() if len(v) > 1}


def test_strings_with_two_labels_are_justified_in_the_guidelines(corpus):
    guidelines = (ROOT / "annotations/GUIDELINES.md").read_text(encoding="utf-8")
    unexplained = {s: labs for s, labs in _labels_by_string(corpus).items() if f"`{s}`" not in guidelines}
    assert unexplained == {}


_QUOTE_MARK = re.compile(r"[\"“”]")
_DIGIT = re.compile(r"\d")
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\b")


@pytest.mark.parametrize("doc_id", sorted(p.stem for p in (ROOT / "annotations/docs").glob("*.yaml")))
def test_no_layer_is_forgotten_where_the_text_calls_for_it(corpus, doc_id):
    doc = next(d for d in corpus.documents if d.id == doc_id)
    if _NAME.search(doc.text):
        assert doc.data["entities"], "the text has capitalised names but no entity"
    if _DIGIT.search(re.sub(r"& # \d+;|%MINIFYHTML\w+%|\d{4}-\d{2}-\d{2}", "", doc.text)):
        assert doc.data["figures"] or any(e["label"] in ("DATE", "TIME") for e in doc.data["entities"])
    if _QUOTE_MARK.search(doc.text):
        assert doc.data["quotes"], "the text has quotation marks but no quote"


def test_every_quotation_mark_pair_is_inside_some_quote(corpus):
    """A guard against forgotten direct quotes: text between matching marks of 4+ words is covered."""
    for doc in corpus.documents:
        covered = [(q["content"]["start"], q["content"]["end"]) for q in doc.data["quotes"]]
        for m in re.finditer(r"[\"“]([^\"“”\n]{20,}?)[\"”]", doc.text):
            inner_start = m.start(1)
            assert any(s <= inner_start + 1 and inner_start < e for s, e in covered), (doc.id, m.group(0)[:60])


def test_every_entity_mention_resolves_to_a_kb_entry_whose_aliases_cover_it(corpus):
    """Surface forms met in the corpus are listed as the entry's name or aliases (KB completeness)."""
    kb = {e["id"]: e for e in corpus.kb_entries}
    missing = set()
    for doc in corpus.documents:
        for e in doc.data["entities"]:
            if "entity" in e:
                entry = kb[e["entity"]]
                if e["text"] not in [entry["name"], *entry["aliases"]]:
                    missing.add((e["entity"], e["text"]))
    assert missing == set()
