"""The knowledge base: Wikidata ids are well-formed, unique, and each says how it was checked."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from helpers import ROOT

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


def test_a_wikidata_id_given_to_two_entries_is_an_error_naming_both_lines(cli, repo):
    """The mistake section 5.1 of the guidelines warns of: the city given the governorate's item."""
    kb = repo / "annotations/kb.yaml"
    lines = kb.read_text(encoding="utf-8").split("\n")
    governorate = next(n for n, line in enumerate(lines, start=1) if line.startswith("  - {id: idlib,"))
    city = next(n for n, line in enumerate(lines, start=1) if line.startswith("  - {id: idlib-city,"))
    lines[city - 1] = lines[city - 1].replace("Q504657", "Q233218")
    kb.write_text("\n".join(lines), encoding="utf-8")
    result = cli("validate", "--format", "json", root=repo)
    assert result.code == 1
    import json

    found = [f for f in json.loads(result.out)["findings"] if f["code"] == "IG322"]
    assert [(f["path"], f["line"], f["annotation"]) for f in found] == [("annotations/kb.yaml", city, "idlib-city")]
    assert found[0]["message"] == (f"Wikidata id Q233218 of 'idlib-city' (line {city}) is also the id of 'idlib' "
                                   f"(line {governorate})")
