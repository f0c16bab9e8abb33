"""The floors the benchmark measures against (bench/floor.py) do the work they say, on the files they say."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_the_validate_floors_read_their_own_files_and_count_a_wrong_span(tmp_path, kind):
    """`--validate` reads the JSON copies, `--validate-yaml` the YAML files themselves: a span made wrong
    in the YAML after the copies were written is counted by the YAML floor alone."""
    from bench import floor, synth

    from helpers import ROOT

    synth.generate(tmp_path, 10, ROOT)
    assert floor.prepare_json(tmp_path) == 10
    clean = floor.validate_floor(tmp_path, yaml=kind == "yaml")
    assert clean == {"documents": 10, "span_failures": 0, "range_failures": 0}
    path = sorted((tmp_path / "annotations/docs").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("text: ")
    assert sep and rest[0] not in "\"'"
    path.write_text(head + sep + "X" + rest[1:], encoding="utf-8")
    assert floor.validate_floor(tmp_path, yaml=kind == "yaml")["span_failures"] == (kind == "yaml")
