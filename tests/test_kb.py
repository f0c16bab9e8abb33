"""The knowledge base: Wikidata ids are well-formed, unique, and each says how it was checked."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from conftest import ROOT

QID = re.compile(r"^Q[1-9][0-9]*$")


def _entries() -> list[dict]:
    return yaml.safe_load((ROOT / "annotations/kb.yaml").read_text(encoding="utf-8"))["entries"]


ENTRIES = _entries()
LINKED = [e for e in ENTRIES if "wikidata" in e]


def test_some_entries_carry_a_wikidata_id():
    assert LINKED, "no entry links to Wikidata"


@pytest.mark.parametrize("entry", LINKED, ids=lambda e: e["id"])
def test_every_wikidata_id_is_well_formed(entry):
    assert isinstance(entry["wikidata"], str) and QID.match(entry["wikidata"]), entry["wikidata"]


def test_no_two_entries_share_a_wikidata_id():
    counts = Counter(e["wikidata"] for e in LINKED)
    assert {q: n for q, n in counts.items() if n > 1} == {}


@pytest.mark.parametrize("entry", LINKED, ids=lambda e: e["id"])
def test_every_wikidata_id_says_how_it_was_verified(entry):
    note = entry.get("verified")
    assert isinstance(note, str) and note.strip(), f"{entry['id']}: wikidata without a verified note"
    # The note names the id it vouches for, so an id changed without re-checking stands out.
    assert entry["wikidata"] in re.findall(r"Q[0-9]+", note), (entry["id"], note)


def test_no_verified_note_without_a_wikidata_id():
    assert [e["id"] for e in ENTRIES if "verified" in e and "wikidata" not in e] == []
