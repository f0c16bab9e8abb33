"""Every command in the README runs as written, shows what the README shows, and leaves the
repository as it was (`git status --porcelain` unchanged).

The README's shell blocks are read from the file: each ```sh block is a list of commands run in
order in one fresh copy of the repository; a ```text or ```console block that starts with `$ ` is
commands, each followed by the output it shows; a ```python block is run as a script, together with
the block of commands right after it. A shown line `…` stands for any lines, a `…` inside a line for
any text. A command whose first line has a comment naming a state in SETUPS runs in that state.
The first block (the install lines) is not run here: .ci/run runs it, and a test holds the two equal.

The fresh copy is a clone of this repository with the working tree's files committed on top, so the
history (for `diff`) and uncommitted edits are both there. Builds, checks, spaCy, `load_dataset` and
the benchmark are marked `slow`.

When an output changes on purpose, `python tests/test_readme.py --update` runs every block whose shown
output elides nothing and writes what it printed into the README.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: What makes a command slow: a build (build, check), spaCy, `load_dataset`, the benchmark.
SLOW = re.compile(r"idlib-gold (build|check)\b|--format spacy|bench/run\.py|load_dataset")
#: What would need the network; no README block may do it.
NETWORK = re.compile(r"\bpip install\b|\bcurl\b|\bwget\b|\bgit (clone|fetch|pull)\b|apt-get|huggingface-cli"
                     r"|hf download")
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")


@dataclass
class Step:
    command: str
    shown: list[str] | None = None  # the output the README shows, or None


@dataclass
class Unit:
    """Commands run in order in one fresh copy; `script`: a Python block run before them."""

    line: int  # where the block starts in the README (1-based)
    lang: str
    steps: list[Step] = field(default_factory=list)
    script: str | None = None
    end: int = 0  # the line of the closing fence

    @property
    def slow(self) -> bool:
        return bool(self.script and SLOW.search(self.script)) or any(SLOW.search(s.command) for s in self.steps)

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"


def _blocks(text: str):
    """(lang, first content line, closing fence line, content lines without the fence's indent)."""
    lines, i = text.split("\n"), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(2):
            i += 1
            continue
        indent, lang, start = len(m.group(1)), m.group(2), i + 1
        j = start
        while not re.match(r"^\s*```\s*$", lines[j]):
            j += 1
        yield lang, start + 1, j + 1, [x[indent:] for x in lines[start:j]]
        i = j + 1


def units(text: str) -> list[Unit]:
    out: list[Unit] = []
    pending_script: tuple[int, str] | None = None
    last_end = 0
    for lang, line, end, content in _blocks(text):
        if pending_script is not None and line - last_end > 3:  # the commands must follow the script at once
            pending_script = None
        last_end = end
        if lang == "python":
            pending_script = (line, "\n".join(content) + "\n")
            continue
        if lang == "sh":
            commands, joined = [], ""
            for x in content:
                joined += x[:-1] + " " if x.endswith("\\") else x
                if not x.endswith("\\"):
                    if joined.strip() and not joined.lstrip().startswith("#"):
                        commands.append(joined.strip())
                    joined = ""
            unit = Unit(line, lang, [Step(c) for c in commands], end=end)
        elif lang in ("text", "console") and content and content[0].startswith("$ "):
            unit = Unit(line, lang, end=end)
            for x in content:
                if x.startswith("$ "):
                    unit.steps.append(Step(x[2:], []))
                else:
                    unit.steps[-1].shown.append(x)
        else:
            pending_script = None
            continue
        if pending_script is not None:
            unit.script, unit.line = pending_script[1], pending_script[0]
        pending_script = None
        out.append(unit)
    for lang, line, end, content in _blocks(text):  # a Python block with no commands after it runs alone
        if lang == "python" and not any(u.line == line for u in out):
            out.append(Unit(line, lang, [], script="\n".join(content) + "\n", end=end))
    return sorted(out, key=lambda u: u.line)


ALL = units(README.read_text(encoding="utf-8"))
INSTALL, RUN = ALL[0], ALL[1:]


def matches(shown: list[str], actual: str) -> bool:
    """Whether `actual` is what `shown` shows: `…` alone on a line is any lines, inside a line any text."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if x == "…" else "[^\n]*".join(map(re.escape, x.split("…"))) + r"\n"
                      for x in shown)
    text = actual if actual.endswith("\n") or not actual else actual + "\n"
    return re.fullmatch(pattern, text) is not None


# --- the states some shown outputs start from ------------------------------------------------------

def _misplace_e17_and_e6(copy: Path) -> Path:
    """e17 moved below e20 with rough offsets 1000–1000; e6 misplaced to 380–386."""
    path = copy / "annotations/docs/000_10fe6d47143cad7a.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    e17 = next(i for i, x in enumerate(lines) if "{id: e17," in x)
    moved = lines.pop(e17).replace("start: 1029, end: 1037", "start: 1000, end: 1000")
    lines.insert(next(i for i, x in enumerate(lines) if "{id: e20," in x) + 1, moved)
    text = "\n".join(lines)
    assert text.count("{id: e6, label: NORP, start: 391, end: 397,") == 1
    path.write_text(text.replace("{id: e6, label: NORP, start: 391, end: 397,",
                                 "{id: e6, label: NORP, start: 380, end: 386,"), encoding="utf-8")
    return copy


def _misplace_e17_e6_and_e9(copy: Path) -> Path:
    """As above, and e9's label written as ORGANIZATION (a schema error fix leaves alone)."""
    path = _misplace_e17_and_e6(copy) / "annotations/docs/000_10fe6d47143cad7a.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("{id: e9, label: ORG,") == 1
    path.write_text(text.replace("{id: e9, label: ORG,", "{id: e9, label: ORGANIZATION,"), encoding="utf-8")
    return copy


def _e17_below_e20(copy: Path) -> Path:
    """e17 at its right offsets but written below e20: what the first fix leaves once e9 is mended."""
    path = copy / "annotations/docs/000_10fe6d47143cad7a.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    moved = lines.pop(next(i for i, x in enumerate(lines) if "{id: e17," in x))
    lines.insert(next(i for i, x in enumerate(lines) if "{id: e20," in x) + 1, moved)
    path.write_text("\n".join(lines), encoding="utf-8")
    return copy


def _base_with_shifted_span(copy: Path) -> Path:
    """The small test corpus, outside the repository copy, with IG305-shifted-span.yaml as alpha.yaml."""
    base = copy.parent / "base"
    shutil.copytree(copy / "tests/fixtures/base", base)
    shutil.copy(copy / "tests/fixtures/invalid/IG305-shifted-span.yaml", base / "annotations/docs/alpha.yaml")
    return base


#: A first command's comment → the state its output starts from (the folder to run in).
SETUPS = {
    "e17 below e20 at 1000–1000, e6 at 380–386": _misplace_e17_and_e6,
    "e17 below e20 at 1000–1000, e6 at 380–386, e9 labelled ORGANIZATION": _misplace_e17_e6_and_e9,
    "e17 below e20 at 1029–1037": _e17_below_e20,
    "tests/fixtures/base with IG305-shifted-span.yaml as its alpha.yaml": _base_with_shifted_span,
}


def _setup(unit: Unit):
    if not unit.steps:
        return None
    comment = unit.steps[0].command.partition("#")[2].strip()
    return SETUPS.get(comment)


# --- running ---------------------------------------------------------------------------------------

def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=readme", "-c", "user.email=readme@localhost",
                           "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True,
                          text=True, env=_env(cwd)).stdout


def _env(work: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(work.parent / "hf-home"),
               PRE_COMMIT_HOME=str(work.parent / "pre-commit-home"), HF_DATASETS_DISABLE_PROGRESS_BARS="1",
               TQDM_DISABLE="1", LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
    return env


def pristine(dest: Path) -> Path:
    """A clone of the repository with the working tree's files (tracked, and untracked but not ignored)
    committed on top."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True, capture_output=True,
                   env=_env(dest))
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source, target = ROOT / rel, dest / rel
        if source.is_file() and not source.is_symlink():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif not source.exists() and target.exists():
            target.unlink()
    _git(dest, "add", "-A")
    if _git(dest, "status", "--porcelain"):
        _git(dest, "commit", "--quiet", "-m", "the working tree")
    return dest


def _revisions_missing(unit: Unit, copy: Path) -> list[str]:
    """Commit ids a command names that this clone does not have (a shallow clone)."""
    missing = []
    for step in unit.steps:
        for word in re.findall(r"(?<![\w/.-])[0-9a-f]{7,40}(?![\w/.-])", step.command.partition("#")[0]):
            found = subprocess.run(["git", "cat-file", "-e", f"{word}^{{commit}}"], cwd=copy, capture_output=True)
            if found.returncode != 0:
                missing.append(word)
    return missing


def prepare(unit: Unit, copy: Path) -> Path:
    """Put the copy in the state the unit's output starts from; the folder to run the unit in."""
    setup = _setup(unit)
    return setup(copy) if setup is not None else copy


def run_unit(unit: Unit, copy: Path, cwd: Path, slow: bool) -> list[tuple[Step, subprocess.CompletedProcess]]:
    env = _env(copy)
    if unit.script is not None:
        script = copy.parent / f"readme-{unit.line}.py"
        script.write_text(unit.script, encoding="utf-8")
        done = subprocess.run([sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, f"{unit.name}: the Python block failed:\n{done.stderr}"
    results = []
    for step in unit.steps:
        if not slow and SLOW.search(step.command):
            continue
        done = subprocess.run(["bash", "-c", step.command], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=1800)
        results.append((step, done))
    return results


# --- tests -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    return pristine(tmp_path_factory.mktemp("readme") / "pristine")


def _check(unit: Unit, clone: Path, tmp_path: Path, slow: bool) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(clone, copy, symlinks=True)
    missing = _revisions_missing(unit, copy)
    if missing:
        pytest.skip(f"{unit.name} names {', '.join(missing)}, which this clone lacks (a shallow clone)")
    cwd = prepare(unit, copy)
    before = _git(copy, "status", "--porcelain")
    assert before == "" or _setup(unit) is not None
    for step, done in run_unit(unit, copy, cwd, slow):
        said = f"{unit.name}: $ {step.command}\n--- stdout\n{done.stdout}--- stderr\n{done.stderr}"
        assert "Traceback" not in done.stdout + done.stderr, said
        if step.shown is None:
            assert done.returncode == 0, said
        else:
            assert done.returncode in (0, 1), said
            assert matches(step.shown, done.stdout), said
    # a setup's edit may be mended by the block (that is what `fix` is for); no new file may be left
    untracked = [x for x in _git(copy, "status", "--porcelain").splitlines() if x.startswith("??")]
    assert untracked == [x for x in before.splitlines() if x.startswith("??")], \
        f"{unit.name} left files the repository does not ignore"
    if _setup(unit) is None:
        assert _git(copy, "status", "--porcelain") == before, f"{unit.name} changed tracked files"


@pytest.mark.parametrize("unit", [u for u in RUN if not (u.script and SLOW.search(u.script))], ids=lambda u: u.name)
def test_readme_commands_run_as_written(unit, clone, tmp_path):
    _check(unit, clone, tmp_path, slow=False)


@pytest.mark.slow
@pytest.mark.parametrize("unit", [u for u in RUN if u.slow], ids=lambda u: u.name)
def test_readme_commands_that_build_or_load_run_as_written(unit, clone, tmp_path):
    _check(unit, clone, tmp_path, slow=True)


def test_the_readme_blocks_are_found():
    """The parser sees the blocks a reader sees (a guard against a fence it would skip)."""
    text = README.read_text(encoding="utf-8")
    fences = sum(1 for x in text.split("\n") if FENCE.match(x) and FENCE.match(x).group(2) in ("sh", "text", "console"))
    shell = [u for u in ALL if u.lang == "sh"] + [u for u in ALL if u.lang != "sh" and u.steps]
    commands = [s.command for u in ALL for s in u.steps]
    assert len(shell) >= 15 and len(commands) >= 40
    assert fences >= len(shell)
    assert "idlib-gold validate" in commands and "idlib-gold fix" in commands


def test_no_readme_command_needs_the_network():
    commands = [s.command.partition("#")[0] for u in RUN for s in u.steps] + [u.script for u in RUN if u.script]
    assert [c for c in commands if NETWORK.search(c)] == []


def test_the_install_lines_are_the_two_steps_ci_runs():
    """README's first block is the two lines .ci/run runs: each installs what it names, then runs one
    command. CI runs them in one fresh environment rather than two."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").split("\n")
    assert 'python3 -m venv "$venv"' in ci and '. "$venv/bin/activate"' in ci
    steps, install = [], None
    for line in ci:
        words = line.split()
        if words[:2] == ["pip", "install"]:
            install = " ".join(w for w in words[2:] if w != "--quiet")
        elif install and (line.startswith("idlib-gold ") or line.startswith("python -m pytest")):
            steps.append(f"python3 -m venv .venv && . .venv/bin/activate && pip install {install} && {line}")
            install = None
    assert [s.command for s in INSTALL.steps] == steps
    assert len(steps) == 2


def test_shown_output_comparison_elides_only_where_marked():
    assert matches(["a", "…", "d"], "a\nb\nc\nd\n") and matches(["a", "…", "d"], "a\nd\n")
    assert matches(["x … z"], "x y y z\n") and not matches(["x … z"], "x y\nz\n")
    assert not matches(["a", "d"], "a\nb\nd\n") and not matches(["a"], "a\nb\n")


def update() -> int:
    """Write into the README what each block prints whose shown output elides nothing."""
    import tempfile

    text = README.read_text(encoding="utf-8")
    lines = text.split("\n")
    with tempfile.TemporaryDirectory() as tmp:
        clone_dir = pristine(Path(tmp) / "pristine")
        for unit in sorted(RUN, key=lambda u: -u.line):
            if not unit.steps or any(s.shown is None or any("…" in x for x in s.shown) for s in unit.steps):
                continue
            copy = Path(tmp) / f"repo-{unit.line}"
            shutil.copytree(clone_dir, copy, symlinks=True)
            if _revisions_missing(unit, copy):
                print(f"{unit.name}: skipped, a commit it names is missing", file=sys.stderr)
                continue
            body = []
            for step, done in run_unit(unit, copy, prepare(unit, copy), slow=True):
                body += [f"$ {step.command}"] + (done.stdout.rstrip("\n").split("\n") if done.stdout.strip() else [])
            first = unit.line - 1 if unit.script is None else next(
                i for i in range(unit.line, len(lines)) if lines[i].startswith("$ "))
            lines[first:unit.end - 1] = body
            print(f"{unit.name}: updated", file=sys.stderr)
    README.write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(update() if sys.argv[1:] == ["--update"] else print(__doc__) or 2)
