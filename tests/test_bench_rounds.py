"""How the benchmark pairs a command with its floor: steps taken in turns, judged round by round.

No timing is asserted: the runs are tiny processes that note their names, and the ratios are
made-up figures."""

from __future__ import annotations

import sys


def _noting(log, name: str, code: int = 0) -> list[str]:
    return [sys.executable, "-c", f"open({str(log)!r}, 'a').write({name!r} + '\\n'); raise SystemExit({code})"]


def _counting(log, name: str, on_run: int, then: str) -> list[str]:
    """A step that notes its name and, on its `on_run`-th run (from 1), runs `then` (Python code)."""
    code = (f"import time; open({str(log)!r}, 'a').write({name!r} + '\\n'); "
            f"n = open({str(log)!r}).read().split().count({name!r})\n"
            f"if n == {on_run}:\n    {then}")
    return [sys.executable, "-c", code]


def _rounds(measure) -> list:
    return [r.round for r in measure.runs]


def test_steps_measured_in_rounds_run_in_turns(tmp_path):
    """Each round runs every step once, in the order given, after one warm-up round; a step that fails
    keeps its one run and is not run again; each run knows its round."""
    from bench.timing import measure_in_rounds

    log = tmp_path / "log"
    steps = {"floor": (_noting(log, "floor"), None), "command": (_noting(log, "command"), None),
             "broken": (_noting(log, "broken", 3), None)}
    measured = measure_in_rounds(steps, cwd=tmp_path, env=None, repeat=3, timeout=60, slow=60)
    assert log.read_text().split() == ["floor", "command", "broken"] + ["floor", "command"] * 3
    assert _rounds(measured["floor"]) == _rounds(measured["command"]) == [("", 1), ("", 2), ("", 3)]
    assert measured["broken"].status == "exit 3" and len(measured["broken"].runs) == 1
    assert measured["floor"].ok and measured["command"].ok


def test_without_a_warm_up_every_round_is_timed_and_each_run_has_its_action_first(tmp_path):
    from bench.timing import measure_in_rounds

    log = tmp_path / "log"

    def before(name):
        def note():
            with open(log, "a") as out:
                out.write(f"before-{name}\n")
        return note

    steps = {name: (_noting(log, name), before(name)) for name in ("a", "b")}
    measured = measure_in_rounds(steps, cwd=tmp_path, env=None, repeat=2, timeout=60, slow=60, warmup=False,
                                 group="g")
    assert log.read_text().split() == ["before-a", "a", "before-b", "b"] * 2
    assert _rounds(measured["a"]) == [("g", 1), ("g", 2)]


def test_a_warm_up_is_timed_only_when_every_step_of_the_group_was_slow(tmp_path):
    """Counted for one step and not its partner, a slow warm-up would leave the pair a round short."""
    from bench.timing import measure_in_rounds, paired_ratios

    log = tmp_path / "log"
    both = measure_in_rounds({"a": (_noting(log, "a"), None), "b": (_noting(log, "b"), None)}, cwd=tmp_path,
                             env=None, repeat=2, timeout=60, slow=0)
    assert log.read_text().split() == ["a", "b", "a", "b"]  # every warm-up took longer than 0 s
    assert _rounds(both["a"]) == [("", 0), ("", 1)]
    log.unlink()
    steps = {"floor": (_counting(log, "floor", 1, "time.sleep(1.5)"), None), "command": (_noting(log, "command"), None)}
    one = measure_in_rounds(steps, cwd=tmp_path, env=None, repeat=2, timeout=60, slow=1)
    assert _rounds(one["floor"]) == _rounds(one["command"]) == [("", 1), ("", 2)]
    assert len(paired_ratios(one["command"], one["floor"])) == 2


def test_a_step_that_fails_or_times_out_in_a_later_round_stops_there(tmp_path):
    from bench.timing import measure_in_rounds

    log = tmp_path / "log"
    steps = {"fails": (_counting(log, "fails", 3, "raise SystemExit(4)"), None),
             "hangs": (_counting(log, "hangs", 2, "time.sleep(30)"), None),
             "fine": (_noting(log, "fine"), None)}
    measured = measure_in_rounds(steps, cwd=tmp_path, env=None, repeat=3, timeout=1, slow=60)
    assert measured["fails"].status == "exit 4" and _rounds(measured["fails"]) == [("", 2)]
    assert measured["hangs"].status == "timed out" and _rounds(measured["hangs"]) == [("", 1)]
    assert measured["fine"].ok and len(measured["fine"].runs) == 3
    assert log.read_text().split().count("fails") == 3 and log.read_text().split().count("hangs") == 2


def test_a_ratio_to_the_floor_is_the_median_of_the_rounds_ratios():
    """Taken in turns, a command and its floor are judged round by round: a round in which the shared
    machine was slow for both counts as one ratio, not as a slow median on one side only."""
    from bench.report import _ratio_figure, cell_time, ratio
    from bench.timing import Measure, Run, paired_ratios

    def measured(seconds, rounds, group="0"):
        return Measure(runs=[Run(s, 1024, 0, False, "", "", None if r is None else (group, r))
                             for s, r in zip(seconds, rounds)])

    floor = measured([4.0, 8.0, 8.0], [1, 2, 3])
    command = measured([6.0, 12.0, 12.0], [1, 2, 3])  # 1.5× in every round
    assert paired_ratios(command, floor) == [1.5, 1.5, 1.5]
    assert ratio(command, floor) == 1.5 and cell_time(command, floor) == "12.00 (6.00–12.00; 1.5×)"
    assert cell_time(measured([3.0], [1])) == "3.00"  # one run: no range
    uneven_floor, uneven = measured([2.0, 8.0, 10.0], [1, 2, 3]), measured([4.0, 8.0, 30.0], [1, 2, 3])
    assert ratio(uneven, uneven_floor) == 2.0  # rounds 2, 1 and 3; the medians' ratio would be 1
    assert _ratio_figure(uneven, uneven_floor) == "2.00× (8.00 s vs 8.00 s, 3 rounds 1.00–3.00×)"
    unpaired = measured([6.0, 12.0, 12.0], [None, None, None])  # measured one step after the other
    assert paired_ratios(unpaired, floor) == [] and ratio(unpaired, floor) == 12.0 / 8.0
    slow_warm_up = measured([20.0, 12.0, 12.0], [0, 1, 2])  # round 0 has no floor run to pair with
    assert paired_ratios(slow_warm_up, floor) == [3.0, 1.5]
    other_group = measured([6.0, 12.0, 12.0], [1, 2, 3], group="1")  # another group's rounds: never paired
    assert paired_ratios(other_group, floor) == [] and ratio(other_group, floor) == 1.5
    instant = measured([0.0, 0.0], [None, None])  # a floor of no time: no ratio, and nothing raises
    assert ratio(command, instant) == float("inf") and "inf×" in _ratio_figure(command, instant)


def _judged_against() -> dict[str, str]:
    from bench.report import SCALED_FLOORS, STEPS

    return {step: SCALED_FLOORS.get(step, "floor") for step in STEPS
            if not step.startswith("floor") and step != "arrow_dataset"}


def test_every_scaled_step_is_in_one_group_with_the_floor_it_is_judged_against():
    from bench.report import STEPS
    from bench.run import GROUPS

    listed = [step for group in GROUPS for step in group]
    assert sorted(listed) == sorted(STEPS)
    group_of = {step: group for group in GROUPS for step in group}
    for step, floor in _judged_against().items():
        if group_of[step] == (step,):  # taken alone (a cold load): judged by the ratio of the medians
            continue
        assert floor in group_of[step] and group_of[step].index(floor) < group_of[step].index(step), step


def test_a_scale_is_measured_group_by_group_and_each_command_pairs_with_its_floor(tmp_path):
    from bench import run
    from bench.report import STEPS
    from bench.timing import paired_ratios

    commands = {step: ([sys.executable, "-c", "pass"], None) for step in STEPS}
    args = {"repeat": 2, "timeout": 60, "slow": 60, "warmup": False}
    measured = run._measure_rounds(STEPS, commands, tmp_path, None, args, skip={"build"})
    # a comparison of the folder `build` writes is not run without it (`run.NEEDS`)
    assert measured["build"].status == measured["check_full"].status == "not run"
    groups = {step: {r.round[0] for r in m.runs} for step, m in measured.items() if m.runs}
    for number, group in enumerate(run.GROUPS):
        assert all(groups[step] == {str(number)} for step in group if step not in ("build", "check_full"))
    for step, floor in _judged_against().items():
        if "build" in (step, floor):  # not run, so nothing pairs with it
            assert not paired_ratios(measured[step], measured[floor]), step
            continue
        alone = (step,) in run.GROUPS
        assert len(paired_ratios(measured[step], measured[floor])) == (0 if alone else 2), step


def test_a_step_measured_alone_follows_the_same_rules_and_pairs_with_nothing(tmp_path):
    from bench.timing import measure

    log = tmp_path / "log"
    alone = measure(_noting(log, "a"), cwd=tmp_path, env=None, repeat=2, timeout=60, slow=0)
    assert log.read_text().split() == ["a", "a"]  # its warm-up, longer than 0 s, is its first timed run
    assert alone.ok and _rounds(alone) == [None, None]
    broken = measure(_noting(log, "b", 2), cwd=tmp_path, env=None, repeat=3, timeout=60, slow=60)
    assert broken.status == "exit 2" and len(broken.runs) == 1


def test_the_timed_commands_keep_their_bytecode_under_the_bench_folder(tmp_path, monkeypatch):
    """A command is timed with its modules' bytecode cached, as an installed package has it, even where the
    environment forbids writing bytecode; the caches go under the bench's folder, not beside the sources."""
    import subprocess

    from bench.run import _env

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "timed_module.py").write_text("VALUE = 1\n", encoding="utf-8")
    env = _env(tmp_path / "work")
    assert "PYTHONDONTWRITEBYTECODE" not in env
    subprocess.run([sys.executable, "-c", "import timed_module"], cwd=sources, env=env, check=True)
    assert list((tmp_path / "work" / "pycache").rglob("timed_module.*.pyc"))
    assert not (sources / "__pycache__").exists()
