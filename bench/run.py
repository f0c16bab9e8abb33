"""Benchmark: validation and loading as the corpus grows, against the raw Arrow floor.

    python bench/run.py [--scales 1,10,100,1000] [--repeat 3] [--timeout 120] [--out FILE.md]

For the real corpus and for synthetic corpora of 1x … 1000x its size (see synth.py), it
times whole processes: `idlib-gold validate` on the YAML tree, `idlib-gold validate
--parquet`, `idlib-gold build`, and `load_dataset(folder)` with a cold and a warm cache, and
`idlib-gold evaluate` on 100,000 generated predictions for the real documents (predictions.py)
against reading the same file with json.loads;
next to them the floor (the same span/text and range checks in pyarrow.compute, floor.py)
and the peer (the same checks as a pandas row loop, peer.py). `build` and `validate` of a scaled
corpus are cold (the corpus is no git clone, so nothing is cached) and are shown against floors
over the same documents (floor.py: `--build` and `--validate` on JSON copies written untimed,
`--validate-yaml` on the YAML files themselves); a copy that is a git clone times a warm rebuild
after one entity is taken out of, or put back into, one document before each run, and `check` without
a stamp compares the folder a cold `build` just wrote, against that build. Each figure is the median of
`--repeat` runs after one warm-up run; at a scaled corpus each floor and the commands judged against it
are taken in turns (`GROUPS`), a round running each once, and a command's × to its floor is the median
of the ratios of the rounds. A step that runs past `--timeout` is stopped, reported
as a lower bound, and not run at larger scales. It prints a Markdown report (also written to
`--out`) with the machine, the figures, growth exponents and the targets met or missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if __package__ in (None, ""):  # run as `python bench/run.py`: the package is found from the checkout
    sys.path.insert(0, str(REPO))

from bench import synth  # noqa: E402
from bench.report import REAL_STEPS, STEPS, cell_time, exponents, machine, markdown  # noqa: E402
from bench.timing import Measure, measure, measure_in_rounds  # noqa: E402

__all__ = ["run_benchmark", "STEPS", "REAL_STEPS"]

PREDICTED_ANNOTATIONS = 100_000


def _tool() -> list[str]:
    script = Path(sys.executable).parent / "idlib-gold"
    return [str(script)] if script.exists() else [sys.executable, "-m", "idlib_gold.cli"]


def _env(work: Path) -> dict:
    """The environment of every timed command: offline, and with Python's bytecode cached as an installed
    package has it. Where the environment forbids writing bytecode (`PYTHONDONTWRITEBYTECODE`), every run
    compiled this package's modules from source again, which no user's second run does: `check` of the
    real corpus with a current stamp took 0.22–0.25 s so, and 0.14–0.17 s with its bytecode cached. The
    caches are written under the bench's own folder (`PYTHONPYCACHEPREFIX`), never beside the sources or
    the libraries, and each step's warm-up run writes them."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(work / "hf-home"),
               HF_DATASETS_DISABLE_PROGRESS_BARS="1", TQDM_DISABLE="1",
               PYTHONPYCACHEPREFIX=str(work.resolve() / "pycache"))  # each command runs in the corpus's folder
    return env


def _toggle_entity(root: Path) -> None:
    """Take the first entity line out of the first document, or put it back: one annotation edited, so
    a rebuild changes the entities, the documents and the `ner` tags of one split."""
    path = sorted((root / "annotations/docs").glob("*.yaml"))[0]
    kept = root / ".bench-entity"
    text = path.read_text(encoding="utf-8")
    if kept.exists():
        path.write_text(kept.read_text(encoding="utf-8"), encoding="utf-8")
        kept.unlink()
        return
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.startswith("  - {id: e")), None)
    if first is None:
        raise SystemExit(f"{path}: no entity line to take out for the warm rebuild")
    kept.write_text(text, encoding="utf-8")
    path.write_text("".join(lines[:first] + lines[first + 1:]), encoding="utf-8")


def _warm_copy(root: Path, env: dict) -> Path:
    """A copy of the scaled corpus that is a git clone, so `build` keeps its parse cache and stamp there,
    built once untimed: every timed rebuild is warm (a warm-up run that is itself a cold build would count
    as the first timed run when it takes longer than `--slow`)."""
    warm = root.parent / f"{root.name}-warm"
    shutil.copytree(root / "annotations", warm / "annotations")
    subprocess.run(["git", "init", "-q", str(warm)], check=True, capture_output=True)
    subprocess.run([*_tool(), "build", "--root", str(warm)], check=True, capture_output=True, env=env)
    return warm


def _commands(root: Path, tables: Path, work: Path) -> dict:
    """step → (command, untimed action before each run)."""
    tool, py = _tool(), sys.executable
    warm = work / "hf-warm"
    cold_base = work / "hf-cold"

    def clean_build():  # cold: no dataset/, and no parse cache should a git directory above `root` give it one
        shutil.rmtree(root / "dataset", ignore_errors=True)
        shutil.rmtree(root / ".idlib-gold-cache", ignore_errors=True)

    cold = {"dir": None}

    def fresh_cache():
        cold_base.mkdir(parents=True, exist_ok=True)
        if cold["dir"] is not None:
            shutil.rmtree(cold["dir"], ignore_errors=True)
        cold["dir"] = tempfile.mkdtemp(dir=cold_base)
        commands["load_cold"][0][-1] = cold["dir"]

    commands = {
        "validate": ([*tool, "validate"], clean_build),  # cold: with a dataset/, it would compare its card
        "validate_parquet": ([*tool, "validate", "--parquet", str(tables)], None),
        "build": ([*tool, "build"], clean_build),
        # right after `build` in its round (`GROUPS`): the folder it wrote, compared in full, for a corpus
        # that is no git clone has no stamp to vouch for it, nor a parse cache
        "check_full": ([*tool, "check"], None),
        "load_cold": ([py, str(HERE / "hfload.py"), str(tables), "<fresh>"], fresh_cache),
        "load_warm": ([py, str(HERE / "hfload.py"), str(tables), str(warm)], None),
        "floor": ([py, str(HERE / "floor.py"), str(tables)], None),
        "peer": ([py, str(HERE / "peer.py"), str(tables)], None),
        "arrow_dataset": ([py, str(HERE / "hfload.py"), str(tables), "--baseline"], None),
        "floor_build": ([py, str(HERE / "floor.py"), "--build", str(root)], None),
        "floor_validate": ([py, str(HERE / "floor.py"), "--validate", str(root)], None),
        "floor_validate_yaml": ([py, str(HERE / "floor.py"), "--validate-yaml", str(root)], None),
    }
    warm = root.parent / f"{root.name}-warm"
    commands["build_edit"] = ([*tool, "build", "--root", str(warm)], lambda: _toggle_entity(warm))
    return commands


def _measure_all(steps, commands, root, env, args, skip=()) -> dict[str, Measure]:
    out = {}
    for step in steps:
        if step in skip:
            out[step] = Measure(status="not run", note="over the time limit at a smaller scale")
            continue
        cmd, before = commands[step]
        out[step] = measure(cmd, cwd=root, env=env, repeat=args["repeat"], timeout=args["timeout"],
                            slow=args["slow"], before=before, warmup=args["warmup"])
        print(f"  {step}: {cell_time(out[step])}", file=sys.stderr)
    return out


#: The steps of a scaled corpus in groups, each a floor and the commands judged against it, in the order of a
#: round (a cold `load_dataset` alone: see below). A group's rounds run one after another, seconds apart; the groups follow each other. Rounds of all
#: the steps at once lasted 90 s at 1,000×, and the machine measured pages out memory left untouched for a
#: minute, the page cache included: every run then read its files and libraries from disk again, which
#: a workstation that just ran the same command does not (a warm rebuild measured 1.78× its floor so,
#: against 1.4× with its files cached). A cold `load_dataset`, which deletes the cache its last run wrote
#: and writes another, has a group of its own, so its × is the ratio of the medians: taken right after it,
#: the warm load measured 1.42× its floor at 1x in one run, and 1.15× without it in the next
#: (docs/decisions/0118-a-file-read-again-for-its-deeper-positions.md).
GROUPS = (("floor_validate_yaml", "validate", "floor_validate"), ("floor_build", "build", "check_full", "build_edit"),
          ("floor", "validate_parquet", "peer"), ("arrow_dataset", "load_warm"), ("load_cold",))


#: step → the step before it in its group whose output it reads: not run where that one is not
NEEDS = {"check_full": "build"}


def _measure_rounds(steps, commands, root, env, args, skip=()) -> dict[str, Measure]:
    """The scaled steps taken in turns within each of `GROUPS` (`timing.measure_in_rounds`)."""
    measured = {}
    skip = set(skip) | {step for step, needed in NEEDS.items() if needed in skip}
    for number, group in enumerate(GROUPS):
        order = [step for step in group if step in steps and step not in skip]
        measured.update(measure_in_rounds({step: commands[step] for step in order}, cwd=root, env=env,
                                          repeat=args["repeat"], timeout=args["timeout"], slow=args["slow"],
                                          warmup=args["warmup"], group=str(number), needs=NEEDS))
    out = {}
    for step in steps:
        out[step] = measured.get(step) or Measure(status="not run", note="over the time limit at a smaller scale")
        print(f"  {step}: {cell_time(out[step])}", file=sys.stderr)
    return out


def _real(work: Path, env: dict, args: dict) -> tuple[dict, dict]:
    root = work / "real"
    shutil.copytree(REPO / "annotations", root / "annotations")
    shutil.copytree(REPO / "dataset", root / "dataset")
    # a clone: the stamp that lets `check` skip the build is signed with a key in its git directory
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    first = sorted((root / "annotations/docs").glob("*.yaml"))[0].stem
    commands = _commands(root, root / "dataset", work / "real-cache")
    tool, py = _tool(), sys.executable
    # what the hook passes for a commit that edits one document: its YAML and its text
    commands["precommit"] = ([*tool, "validate", f"annotations/docs/{first}.yaml", f"annotations/texts/{first}.txt"],
                             None)
    commands["tree"] = ([*tool, "validate"], None)
    # the floor of both: the interpreter and the two libraries validation cannot do without
    commands["imports"] = ([py, "-c", "import yaml, jsonschema"], None)
    commands["check"] = ([*tool, "check"], None)  # the warm-up run leaves the stamp (building/stamp.py)
    commands["check_full"] = ([*tool, "check"], lambda: shutil.rmtree(root / ".idlib-gold-cache", ignore_errors=True))
    commands["validate_parquet"] = ([*tool, "validate", "--parquet", "dataset"], None)
    # a system's output at scale: 100,000 predicted annotations on the real documents
    predicted = work / "predictions-100k.jsonl"
    from bench import predictions

    predictions.generate(root / "dataset", predicted, PREDICTED_ANNOTATIONS)
    commands["evaluate"] = ([*tool, "evaluate", str(predicted), "--format", "json"], None)
    commands["evaluate_floor"] = ([sys.executable, str(HERE / "predictions.py"), "--floor", str(predicted)], None)
    print("real corpus", file=sys.stderr)
    counts = {"documents": len(list((root / "annotations/docs").glob("*.yaml")))}
    pool, real_docs, _ = synth.paragraph_pool(REPO)
    rows = spans = 0
    for data, _text in real_docs.values():
        r, s = synth.count_annotations(data)
        rows, spans = rows + r, spans + s
    counts.update(annotations=rows, spans=spans)
    return _measure_all(REAL_STEPS, commands, root, env, args), counts


def run_benchmark(scales=(1, 10, 100, 1000), repeat: int = 3, timeout: float = 120.0, slow: float = 10.0,
                  out: Path | None = None, work: Path | None = None, command: str | None = None,
                  warmup: bool = True) -> tuple[str, dict]:
    """Run every step at every scale; return (Markdown report, figures by scale and step).

    `warmup=False` times the first run of each step (cold imports and file caches): only for
    the smoke test, which must stay short; the report then says so.
    """
    args = {"repeat": repeat, "timeout": timeout, "slow": slow, "warmup": warmup}
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="idlib-bench-")) if own else work
    try:
        env = _env(work)
        real, real_counts = _real(work, env, args)
        steps = STEPS
        scaled, counts, stopped = {}, {}, set()
        for scale in sorted(scales):
            root = work / f"x{scale}"
            print(f"{scale}x: generating {synth.REAL_DOCS * scale} documents", file=sys.stderr)
            generated = synth.generate(root, synth.REAL_DOCS * scale, REPO)
            synth.write_dataset(root, generated, root / "tables")
            del generated["corpus"]
            from bench import floor

            floor.prepare_json(root)  # untimed: the JSON floors' copies of the documents
            _warm_copy(root, env)
            counts[scale] = generated
            commands = _commands(root, root / "tables", work / f"cache-x{scale}")
            scaled[scale] = _measure_rounds(steps, commands, root, env, args, skip=stopped)
            stopped |= {k for k, m in scaled[scale].items() if m.status in ("timed out", "not run")}
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(root.parent / f"{root.name}-warm", ignore_errors=True)
            shutil.rmtree(work / f"cache-x{scale}", ignore_errors=True)
        growth = {step: exponents(step, scaled, counts) for step in steps}
        info = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
                "repeat": repeat, "timeout": timeout, "slow": slow, "warmup": warmup,
                "command": command or f"python bench/run.py --scales {','.join(map(str, sorted(scales)))} "
                                      f"--repeat {repeat} --timeout {timeout:g}"}
        report = markdown(info, real, real_counts, scaled, counts, growth, steps)
        if out is not None:
            Path(out).write_text(report, encoding="utf-8")
        figures = {"real": real, "scaled": scaled, "counts": counts, "exponents": growth}
        return report, figures
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scales", default="1,10,100,1000", help="multiples of the real corpus, comma-separated")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per step (at least 1), after one warm-up run")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds after which a run is stopped")
    p.add_argument("--slow", type=float, default=10.0, help="a warm-up longer than this counts as the first timed run")
    p.add_argument("--out", type=Path, help="also write the Markdown report here")
    a = p.parse_args(argv)
    if a.repeat < 1:
        p.error("--repeat: at least one timed run")
    scales = [int(s) for s in a.scales.split(",") if s.strip()]
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report, _ = run_benchmark(scales, a.repeat, a.timeout, a.slow, a.out, command=command.strip())
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
