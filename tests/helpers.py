"""What several test modules share that is not a fixture: the repository root, the command line run
in-process, snapshots of a folder, and reading HTML pages and driving a headless browser.
Fixtures are in conftest.py, which builds on these."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

if str(ROOT / "src") not in sys.path:  # running from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str, root: Path | None = None) -> Run:
    from idlib_gold.cli import main

    argv = list(args) + (["--root", str(root)] if root is not None else [])
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (names and bytes), to prove a folder did not change."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def load_yaml_doc(repo: Path, doc_id: str) -> str:
    return (repo / "annotations" / "docs" / f"{doc_id}.yaml").read_text(encoding="utf-8")


def tree_state(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: a file's hash, a link's target, a folder's mode."""
    out = {}
    for here, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(here) / name
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[str(p)] = "-> " + os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest() + oct(st.st_mode)
            else:
                out[str(p)] = oct(st.st_mode)
    return out


VOID = {"meta", "br", "path", "link", "img", "input", "hr"}


class PageTree(HTMLParser):
    """Element ids, nesting errors, and the text inside #text without the link badges."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.stack: list[tuple[str, dict]] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.classes: dict[str, str] = {}
        self.root_attrs: dict = {}

    def _in(self, pred) -> bool:
        return any(pred(attrs) for _, attrs in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.root_attrs = attrs
        if "id" in attrs:
            self.ids.append(attrs["id"])
            self.classes[attrs["id"]] = attrs.get("class", "")
        if tag not in VOID:
            self.stack.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        in_text = self._in(lambda a: a.get("id") == "text")
        in_badge = self._in(lambda a: "qlink" in a.get("class", ""))
        if in_text and not in_badge:
            self.text.append(data)


def parse_page(page: str) -> PageTree:
    tree = PageTree()
    tree.feed(page)
    tree.close()
    return tree


def find_browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    reason = "no chromium on PATH (Debian: apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.Popen:
    profile.mkdir(parents=True, exist_ok=True)
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
               "--enable-logging=stderr", "--v=0", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
