"""The two jobs on `dataset/`: `build` writes what the annotations build, `check` says whether
`dataset/` already holds exactly that. Both load and check the corpus first and stop on errors.

The inter-annotator agreement section of the card comes from the scoring stage, a later stage
than this one: the command line passes `agreement_of(root, corpus) -> (figures | None, findings)`
in, so this module never imports scoring.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import readlog
from ..checking.lints import lint_corpus
from ..checking.repository import load_checked
from ..findings import Finding, has_errors
from ..layout import DATASET_DIR, DOCS
from ..reading.corpus import PARALLEL_MIN, Corpus
from ..reading.digest import source_digest
from . import folder
from .keptsplits import KeptSplits
from .parsecache import parse_cache
from .stamp import files_digest, is_current, read_inputs, record

__all__ = ["Report", "Built", "Checked", "build_dataset", "check_dataset"]

#: agreement_of(root, corpus) → (the card's agreement figures or None, their findings)
AgreementOf = Callable[[Path, Corpus], tuple["dict | None", list[Finding]]]


@dataclass
class Report:
    """Findings and the line that says what they are about, rendered once by the command line."""

    findings: list[Finding]
    checked: str


@dataclass
class Built:
    reports: list[Report] = field(default_factory=list)  # in the order they happened
    notes: list[str] = field(default_factory=list)  # a recovered interrupted build, a replaced link
    written: bool | None = None  # None: stopped before writing; False: dataset/ already held these bytes
    files: int = 0

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.reports for f in r.findings]


@dataclass
class Checked:
    corpus: Corpus
    findings: list[Finding]
    notes: list[str]


def build_dataset(root: Path, agreement_of: AgreementOf, stop_on: Callable[[list[Finding]], bool]) -> Built:
    """Load and check the corpus, lint it, build every file in memory, check the tables, and swap
    `dataset/` in whole. `stop_on(findings)` says whether the corpus's findings stop the build (errors;
    warnings too with --strict). The stamp then records the bytes now in `dataset/`."""
    target = root / DATASET_DIR
    out = Built(notes=folder.recover_outputs(target))  # an interrupted build is finished first, whatever follows
    inputs = read_inputs(root)
    if _large(root):
        folder.import_renderers()  # before the corpus is loaded: see its docstring
    cache = parse_cache(root)
    corpus, findings = load_checked(root, cache=cache)
    agreement = None
    if not has_errors(findings):
        findings += lint_corpus(corpus)
        agreement, more = agreement_of(root, corpus)
        findings += more
    sources = source_digest(root, readlog.peek())  # of the bytes the corpus was made of
    if stop_on(findings):
        out.reports.append(Report(findings, f"build stopped; {DATASET_DIR}/ left unchanged"))
        return out
    if findings:
        out.reports.append(Report(findings, "building anyway: warnings only"))
    tables: dict = {}
    kept = KeptSplits(cache, target) if cache is not None else None
    files = folder.render_outputs(corpus, agreement, sources, tables=tables, kept=kept)
    del corpus  # the files and tables hold everything now; the table checks need the memory
    table_findings, clean, tokens = _check_tables(tables, files, cache)
    del tables
    if has_errors(table_findings):
        out.reports.append(Report(table_findings, f"built tables failed their checks; {DATASET_DIR}/ left unchanged"))
        return out
    out.written, notes = folder.write_outputs(target, files)
    out.notes += notes
    out.files = len(files)
    if record(root, inputs, files_digest(files)):  # the bytes now in dataset/
        if kept is not None:
            kept.done()  # what each split's files are, now that dataset/ holds them
        if clean is not None:
            cache.put_tables_checked(clean)  # the whole, and each file
        if tokens:
            cache.put_tokens_checked(tokens)
    return out


def _check_tables(tables: dict, files: dict[str, bytes], cache) -> tuple[list[Finding], list[bytes] | None, list[bytes]]:
    """The checks of the tables about to be written (in memory, never read back), unless a build of
    this clone already checked exactly these tables and found nothing: a rebuild that changes no
    table (an edited comment, a reordered key, a document saved again) does not check them again,
    and one that changes some files checks those (`checking.tables.KeptConfigChecks`: a figure's
    edited value changes the documents and figures of its split, not their other splits, nor entities,
    quotes, ner or the KB). The kept answers are signed like the parse cache's entries and bound to the
    tables' bytes, the card's declarations (the whole) or the shared lookups (a file), the schema folder
    in use and its files, this package and the libraries (`checking.tables.built_material`, `parsecache`). At
    1,000× the corpus the whole check is 3.4 s of a 10 s rebuild. Also returns what to keep once
    the build is stamped: the materials of the clean checks (None: nothing), and those of the `ner`
    token rule's answers (an edited entity changes the tags, not the tokens; none: an empty list)."""
    from ..checking.tables import CARD, KeptConfigChecks, built_material, parquet_digests, validate_built

    if cache is None:
        return validate_built(tables, files.get(CARD)), None, []
    digests = parquet_digests(files)
    material = built_material(files, digests)
    if cache.tables_checked(material):
        return [], None, []
    kept = KeptConfigChecks(digests, cache.tables_checked, tokens_known=cache.tokens_checked)
    found = validate_built(tables, files.get(CARD), kept)
    return found, (None if found else [material, *kept.clean]), ([] if found else kept.tokens)


def _large(root: Path) -> bool:
    """Whether the corpus has as many document files as are read in worker processes: where how its
    memory is laid out matters (a small corpus is loaded without the imports of rendering)."""
    try:
        with os.scandir(root / DOCS) as entries:
            return sum(1 for _ in entries) >= PARALLEL_MIN
    except OSError:  # no such folder: said by the loader
        return False


def check_dataset(root: Path, agreement_of: AgreementOf) -> Checked:
    """The annotations are valid and `dataset/` is exactly what they build. Whether it is up to date is
    answered by the stamp when it vouches for these inputs and these files (building/stamp.py), else by
    building in memory and comparing bytes; a comparison that finds no difference is stamped. Like the
    stamp, a split whose files a build of this clone kept for exactly its documents is taken from
    `dataset/` (building/keptsplits.py), so a comparison renders the splits that changed."""
    target = root / DATASET_DIR
    notes = folder.recover_outputs(target)  # compare the folder an interrupted build left, not none
    inputs = read_inputs(root)
    odd_stamp = folder.stamp_findings(root)
    cache = parse_cache(root)
    corpus, findings = load_checked(root, cache=cache)
    findings += lint_corpus(corpus)
    if not has_errors(findings) and not is_current(root, target, inputs.digest):
        agreement, more = agreement_of(root, corpus)
        findings += more
        if not has_errors(findings):
            sources = source_digest(root, readlog.peek())  # of the bytes the corpus was made of
            kept = KeptSplits(cache, target) if cache is not None else None
            stale, compared = folder.compare_outputs(target, folder.render_outputs(corpus, agreement, sources,
                                                                                   kept=kept))
            if not stale and record(root, inputs, compared) and kept is not None:  # the bytes compared
                kept.done()
            findings += stale
    return Checked(corpus, findings + odd_stamp, notes)
