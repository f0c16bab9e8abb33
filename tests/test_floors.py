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


def test_the_report_judges_build_and_validate_against_their_own_floors():
    """On made-up figures at 1000x: cold `build` and the warm entity edit against the JSON build floor,
    cold `validate` against the YAML floor, each with its limit and the figures beside it."""
    from bench.report import STEPS, _targets
    from bench.timing import Measure, Run

    def measured(seconds, mib=100):
        return Measure(runs=[Run(seconds, mib * 1024, 0, False, "", "")])

    big = {step: measured(1.0) for step in STEPS}
    big.update(build=measured(12.0, 900), floor_build=measured(5.0), build_edit=measured(7.0, 950),
               check_full=measured(15.0, 1100), validate=measured(12.0, 520), floor_validate_yaml=measured(8.0))
    real = {"check": measured(0.25), "imports": measured(0.1)}
    rows = {target: (figure, verdict) for target, figure, verdict in
            _targets(real, {1000: big}, {1000: {"annotations": 1}}, {})}
    assert rows["1000x: `build`, cold, ≤ 2.5× the JSON floor"] == ("2.40× (12.00 s vs 5.00 s)", "met")
    # `check` with a current stamp: at most twice the imports validation cannot do without
    stamped = "`check` of the real corpus, stamp current, within 2× `python -c \"import yaml, jsonschema\"`"
    assert rows[stamped] == ("2.50× (0.25 s vs 0.10 s)", "**missed**")
    assert rows["`check` of the real corpus ≤ 0.5 s (stamp current)"][1] == "met"
    assert rows["1000x: `build`, warm after one entity edit, ≤ 1.5× the JSON floor"] == ("1.40× (7.00 s vs 5.00 s)", "met")
    assert rows["1000x: `validate`, cold, ≤ 1.5× reading, schema- and span-checking the same files"] == (
        "1.50× (12.00 s vs 8.00 s)", "met")
    assert rows["1000x: `validate` peak memory ≤ 512 MiB"] == ("520 MiB", "**missed**")
    # a full comparison is judged against the cold build, not a floor: 15 s against 12 s is 1.25×
    assert rows["1000x: `check` without a stamp (a full comparison) within 1.2× of `build`"] == (
        "1.25× (15.00 s vs 12.00 s)", "**missed**")
    assert rows["1000x: `check` without a stamp, peak memory ≤ 1 GiB"] == ("1100 MiB", "**missed**")
    assert rows["1000x: `build` ≤ 15 s"] == ("12.0 s (2.4× the JSON build floor)", "met")
    assert rows["1000x: `validate --parquet` within 3× of the floor"] == ("1.00× (1.00 s vs 1.00 s)", "met")
    assert rows["1000x: peak memory < 2 GB (largest of our steps)"][0].startswith("1100 MiB (`idlib-gold check`, no stamp")
    failed = Measure(runs=[Run(8.0, 1024, 1, False, "", "")], status="exit 1")
    big.update(build_edit=measured(8.0), floor_validate_yaml=failed, check_full=measured(14.0, 900))
    rows = {target: (figure, verdict) for target, figure, verdict in
            _targets({}, {1000: big}, {1000: {"annotations": 1}}, {})}
    assert rows["1000x: `build`, warm after one entity edit, ≤ 1.5× the JSON floor"][1] == "**missed**"
    assert rows["1000x: `validate`, cold, ≤ 1.5× reading, schema- and span-checking the same files"] == (
        "12.00 s; the floor exit 1", "—")  # no verdict without its floor
    assert rows["1000x: `check` without a stamp (a full comparison) within 1.2× of `build`"] == (
        "1.17× (14.00 s vs 12.00 s)", "met")
