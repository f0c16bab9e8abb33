"""Timing a command as a whole process: wall clock, exit status and peak memory of each run.

Users meet the validator as a process (a pre-commit hook, a CI step), so that is what is
timed: interpreter start and imports included. Peak memory is the maximum resident set
size of the command's process as GNU time reports it (`/usr/bin/time -f %M`). Reading
`ru_maxrss` of our own child (`os.wait4`, or `getrusage(RUSAGE_CHILDREN)` deltas) is not
enough: the child is forked from this process and its high-water mark starts with our
memory (the synthetic corpus we just generated), so every step would show at least that.
GNU time is a small process, and the command it forks starts from almost nothing. Where
it is missing, the `os.wait4` figure is used and the report says so.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Run", "Measure", "run_process", "measure", "measure_in_rounds", "paired_ratios", "RSS_METHOD"]

_TIME = "/usr/bin/time" if shutil.which("/usr/bin/time") else None
RSS_METHOD = ("GNU time's maximum resident set size (`/usr/bin/time -f %M`) of the step's process" if _TIME
              else "`ru_maxrss` of the step's process from `os.wait4` (includes this process's size at fork)")


@dataclass
class Run:
    seconds: float
    peak_kib: int
    code: int
    timed_out: bool
    stdout: str
    stderr: str
    round: tuple | None = None  # (group, round) it ran in (`measure_in_rounds`; round 0: the warm-up)


@dataclass
class Measure:
    """A step's timed runs (the warm-up run is not among them)."""

    runs: list[Run] = field(default_factory=list)
    status: str = "ok"  # ok | timed out | exit N | not run
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok" and bool(self.runs)

    @property
    def median(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.runs else None

    @property
    def peak_mib(self) -> float | None:
        return max(r.peak_kib for r in self.runs) / 1024 if self.runs else None

    @property
    def summary(self) -> str:
        """The last line the command printed (the validator's PASSED/FAILED line)."""
        lines = [line for run in self.runs[-1:] for line in run.stdout.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def run_process(cmd: list[str], cwd: Path, env: dict, timeout: float) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as rss:
        full = [_TIME, "-f", "%M", "-o", rss.name, *cmd] if _TIME else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        fired = threading.Event()

        def stop():
            fired.set()
            os.killpg(proc.pid, signal.SIGKILL)  # the command and GNU time with it

        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
        peak = usage.ru_maxrss
        if _TIME and not fired.is_set():
            lines = [line for line in rss.read().splitlines() if line.strip().isdigit()]
            peak = int(lines[-1]) if lines else peak
        out.seek(0)
        err.seek(0)
        return Run(seconds, peak, proc.returncode, fired.is_set(),
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def measure(cmd: list[str], *, cwd: Path, env: dict, repeat: int, timeout: float, slow: float,
            before=None, warmup: bool = True) -> Measure:
    """One step measured alone: `measure_in_rounds` of a group of one, its runs paired with none."""
    return measure_in_rounds({"step": (cmd, before)}, cwd=cwd, env=env, repeat=repeat, timeout=timeout, slow=slow,
                             warmup=warmup, group=None)["step"]


def measure_in_rounds(steps: dict, *, cwd: Path, env: dict, repeat: int, timeout: float, slow: float,
                      warmup: bool = True, group: str | None = "", needs: dict | None = None) -> dict[str, Measure]:
    """Several steps taken in turns: a round runs each step once, in the order given, so a command and
    the floor it is judged against run seconds apart, not minutes. On a shared machine whose speed moved
    by half within minutes, two steps measured one after the other compared the machine at two moments
    as much as the steps; taken in turns, each round gives a ratio of its own (`paired_ratios`).
    `steps`: name → (command, untimed action before each run, or None: removing a build's output, making
    an empty cache); `group` names these rounds, so that runs of other groups' rounds never pair with
    them (None: the runs pair with none).

    The first round warms every step up (unless `warmup` is off: the smoke test times first runs). It
    is timed only when every step of the group ran longer than `slow`: against that length what it
    warms (imports, file caches) is noise; counted for some steps and not others, it would leave those
    steps one round their partners lack, and the pairs one round short. Then `repeat` rounds follow. A
    step that fails, or runs past `timeout` (killed: its figure is a lower bound), keeps that run alone,
    with its status, and is not run again. `needs` maps a step to one taken before it in the round whose
    output it reads (a comparison of the folder a build wrote): once that one stopped, the step is not run
    again either, and says so instead of failing on its own account."""
    out = {name: Measure() for name in steps}
    first = 0 if warmup else 1
    for number in range(first, repeat + 1):
        warming = number == 0
        ran = {}
        for name, m in out.items():
            if m.status != "ok" or len(m.runs) >= repeat:
                continue
            needed = (needs or {}).get(name)
            if needed in out and out[needed].status != "ok":
                m.status, m.note = "not run", f"{needed} did not finish: {out[needed].status}"
                continue
            cmd, before = steps[name]
            if before is not None:
                before()
            run = run_process(cmd, cwd, env, timeout)
            run.round = None if group is None else (group, number)
            if run.timed_out:
                m.runs, m.status = [run], "timed out"
            elif run.code != 0:
                m.runs, m.status = [run], f"exit {run.code}"
                m.note = (run.stderr.strip().splitlines() or run.stdout.strip().splitlines() or [""])[-1][:200]
            elif warming:
                ran[name] = run
            else:
                m.runs.append(run)
        if warming and ran and all(run.seconds > slow for run in ran.values()):
            for name, run in ran.items():  # every warm-up was long: it is the first timed round
                out[name].runs.append(run)
    return out


def paired_ratios(m: Measure, floor: Measure) -> list[float]:
    """The ratio of `m`'s run to `floor`'s in each round both were timed in (`measure_in_rounds`); none
    for steps measured one after the other."""
    by_round = {r.round: r.seconds for r in floor.runs if r.round is not None and r.seconds > 0}
    return [r.seconds / by_round[r.round] for r in m.runs if r.round is not None and r.round in by_round]
