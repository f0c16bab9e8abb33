"""How the benchmark pairs a command with its floor: steps taken in turns, judged round by round.

No timing is asserted: the runs are tiny processes that note their names, and the ratios are
made-up figures."""

from __future__ import annotations


def _noting(log, name: str, code: int = 0) -> list[str]:
    import sys

    return [sys.executable, "-c", f"open({str(log)!r}, 'a').write({name!r} + '\\n'); raise SystemExit({code})"]


def test_steps_measured_in_rounds_run_in_turns(tmp_path):
    """Each round runs every step once, in the order given, after one warm-up round; a step that fails
    keeps its one run and is not run again; each run knows its round."""
    from bench.timing import measure_in_rounds

    log = tmp_path / "log"
    steps = {"floor": (_noting(log, "floor"), None), "command": (_noting(log, "command"), None),
             "broken": (_noting(log, "broken", 3), None)}
    measured = measure_in_rounds(steps, cwd=tmp_path, env=None, repeat=3, timeout=60, slow=60)
    assert log.read_text().split() == ["floor", "command", "broken"] + ["floor", "command"] * 3
    assert [r.round for r in measured["floor"].runs] == [r.round for r in measured["command"].runs] == [
        ("", 1), ("", 2), ("", 3)]
    assert measured["broken"].status == "exit 3" and len(measured["broken"].runs) == 1
    assert measured["floor"].ok and measured["command"].ok


def test_a_slow_warm_up_counts_as_its_steps_first_run(tmp_path):
    from bench.timing import measure_in_rounds

    log = tmp_path / "log"
    measured = measure_in_rounds({"a": (_noting(log, "a"), None), "b": (_noting(log, "b"), None)}, cwd=tmp_path,
                                 env=None, repeat=2, timeout=60, slow=0)
    assert log.read_text().split() == ["a", "b", "a", "b"]  # every warm-up took longer than 0 s
    assert [r.round for r in measured["a"].runs] == [("", 0), ("", 1)]


def test_a_ratio_to_the_floor_is_the_median_of_the_rounds_ratios():
    """Taken in turns, a command and its floor are judged round by round: a round in which the shared
    machine was slow for both counts as one ratio, not as a slow median on one side only."""
    from bench.report import cell_time, ratio
    from bench.timing import Measure, Run, paired_ratios

    def measured(seconds, rounds, group="0"):
        return Measure(runs=[Run(s, 1024, 0, False, "", "", None if r is None else (group, r))
                             for s, r in zip(seconds, rounds)])

    floor = measured([4.0, 8.0, 8.0], [1, 2, 3])
    command = measured([6.0, 12.0, 12.0], [1, 2, 3])  # 1.5× in every round
    assert paired_ratios(command, floor) == [1.5, 1.5, 1.5]
    assert ratio(command, floor) == 1.5 and cell_time(command, floor) == "12.00 (6.00–12.00; 1.5×)"
    assert cell_time(measured([3.0], [1])) == "3.00"  # one run: no range
    late = measured([12.0, 12.0, 6.0], [1, 2, 3])  # the same medians, ratios 3, 1.5 and 0.75
    assert ratio(late, floor) == 1.5
    unpaired = measured([6.0, 12.0, 12.0], [None, None, None])  # measured one step after the other
    assert paired_ratios(unpaired, floor) == [] and ratio(unpaired, floor) == 12.0 / 8.0
    slow_warm_up = measured([20.0, 12.0, 12.0], [0, 1, 2])  # round 0 has no floor run to pair with
    assert paired_ratios(slow_warm_up, floor) == [3.0, 1.5]
    other_group = measured([6.0, 12.0, 12.0], [1, 2, 3], group="1")  # another group's rounds: never paired
    assert paired_ratios(other_group, floor) == [] and ratio(other_group, floor) == 1.5


def test_every_scaled_step_is_in_one_group_with_the_floor_it_is_judged_against():
    from bench.report import SCALED_FLOORS, STEPS
    from bench.run import GROUPS

    listed = [step for group in GROUPS for step in group]
    assert sorted(listed) == sorted(STEPS)
    group_of = {step: group for group in GROUPS for step in group}
    for step, floor in {**SCALED_FLOORS, "validate_parquet": "floor", "peer": "floor",
                        "load_warm": "arrow_dataset"}.items():
        assert floor in group_of[step] and group_of[step].index(floor) < group_of[step].index(step), step
