"""The `idlib-gold` command: parses arguments, wires the stages together, picks the exit code.

Exit codes: 0 valid, 1 findings, 2 usage or I/O error. No input file can make it
print a Python traceback: every stage reports problems as findings.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from . import __version__
from .findings import Finding, has_errors
from .outputs import OutputError
from .vocabulary import SchemaFileError

__all__ = ["main"]

LOAD_LINE = 'python -c "from datasets import load_dataset; print(load_dataset(\'./dataset\'))"'


class UsageError(Exception):
    pass


def _root(arg: str | None) -> Path:
    """The repository root: --root, else the nearest folder upwards that has annotations/. Its own
    schema/, where it has one, is what it is validated against (vocabulary.use_repository)."""
    from .vocabulary import use_repository

    if arg:
        root = Path(arg)
        if not (root / "annotations").is_dir():
            raise UsageError(f"{root} has no annotations/ folder")
        use_repository(root.resolve())
        return root.resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "annotations").is_dir():
            use_repository(folder)
            return folder
    raise UsageError("no annotations/ folder here or above; run inside the repository or pass --root")


def _emit(findings: list[Finding], checked: str, fmt: str, out) -> None:
    from .report import render

    out.write(render(findings, checked, fmt if fmt in ("text", "json", "sarif", "github") else "text"))


#: What `build`, `check` and `validate --parquet` need beyond the validator: the `build` extra.
BUILD_DEPENDENCIES = ("pyarrow", "pandas", "pandera", "polars", "datasets")


def _need_build_dependencies(command: str) -> None:
    """A usage error naming the extra when the build dependencies are not installed (the light
    install that the pre-commit hook uses has only what validation needs)."""
    from importlib.util import find_spec

    missing = [name for name in BUILD_DEPENDENCIES if find_spec(name) is None]
    if missing:
        raise UsageError(f"`idlib-gold {command}` needs the build dependencies, which are not installed "
                         f"(missing: {', '.join(missing)}); install them in the idlib-gold checkout with: "
                         f"pip install '.[build]'")


def _exit_code(findings: list[Finding], strict: bool) -> int:
    if has_errors(findings) or (strict and findings):
        return 1
    return 0


def validate_repository(root: Path, paths: list[str] | None = None, lints: bool = True) -> tuple[list[Finding], str]:
    """Reading, schema and cross-checks (and lints) over the whole repository or some of its files."""
    from .checking import pipeline
    from .checking.documents import check_corpus
    from .layout import SECOND

    only, main_tree, second = None, True, not paths  # no paths: the whole repository, second tree included
    if paths:
        named = [(p, pipeline.relative_path(root, p)[0]) for p in paths]
        in_second = [p for p, rel in named if rel is not None and (rel == SECOND or rel.startswith(SECOND + "/"))]
        paths = [p for p in paths if p not in in_second]
        second, main_tree = bool(in_second), bool(paths)
        if paths:
            only, refused = pipeline.documents_named(root, paths)
            if refused:  # checking nothing and saying PASSED would be a false pass
                raise UsageError("; ".join(refused))
    findings, n = [], 0
    if main_tree:
        corpus, findings = _loaded(pipeline.load(root, only))
        findings += check_corpus(corpus)
        if lints:
            from .checking.lints import lint_corpus

            findings += lint_corpus(corpus)
        n = len(corpus.documents)
    checked = f"{n} document(s) checked"
    if second and (root / SECOND).is_dir():
        more, n_second = _second_tree(root)
        findings += more
        checked += f", and {n_second} in {SECOND}/"
    return list(dict.fromkeys(findings)), checked  # the files both trees read (KB, texts) are reported once


def _second_tree(root: Path) -> tuple[list[Finding], int]:
    """The findings of a second annotator's tree (reading, schema, the per-document checks) and its
    number of documents; its documents are on the gold's texts, so IG707 names any that differ."""
    from .layout import SECOND
    from .scoring.trees import SideError, find_side, load_side

    try:
        side = find_side(root / SECOND, root, root)
    except SideError as exc:
        raise UsageError(str(exc)) from None
    corpus, findings = load_side(side, root)
    return findings, len(corpus.documents)


def cmd_validate(args) -> int:
    root = _root(args.root)
    findings, checked = [], ""
    if args.parquet is None or args.paths:
        findings, checked = validate_repository(root, args.paths or None)
    if args.stale_dataset != "off":
        from .building.freshness import not_rebuilt

        findings += not_rebuilt(root, args.stale_dataset)
    if args.parquet is not None:
        _need_build_dependencies("validate --parquet")
        from .checking.tables import validate_folder

        folder = Path(args.parquet)
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder")
        more, what = validate_folder(folder)
        findings += more
        checked = "; ".join(x for x in (checked, what) if x)
    _emit(findings, checked, args.format, sys.stdout)
    return _exit_code(findings, args.strict)


def _loaded(result):
    """The loaded corpus lives as long as the command does, so it is moved out of the cycle
    collector's reach (gc.freeze): otherwise every full collection during the checks and the
    build walks its millions of objects again, a fifth of a 5,000-document build."""
    import gc

    gc.freeze()
    return result


def _load_valid(root: Path):
    from .checking import pipeline
    from .checking.documents import check_corpus

    from .building.parsecache import parse_cache

    corpus, findings = _loaded(pipeline.load(root, cache=parse_cache(root)))
    findings += check_corpus(corpus)
    return corpus, findings


def _second_agreement(root: Path, corpus) -> tuple[dict | None, list[Finding]]:
    """The dataset card's agreement figures: `annotations/second/` (a second annotator's documents)
    against the gold, by the same code as `idlib-gold agree`; None where there is no second tree."""
    from .scoring.agreement import agreement, texts_differ
    from .scoring.agreement_report import agreement_rows
    from .layout import SECOND
    from .scoring.trees import SideError, find_side, load_side

    if not (root / SECOND).is_dir():
        return None, []
    try:
        side = find_side(root / SECOND, root, root)
    except SideError as exc:
        raise UsageError(str(exc)) from None
    second, findings = load_side(side, root)
    gold = {d.id: d for d in corpus.documents}
    pairs = [(gold[d.id], d) for d in sorted(second.documents, key=lambda d: d.id) if d.id in gold]
    findings += texts_differ(pairs)
    if has_errors(findings) or not pairs:
        return None, findings
    scores = agreement(pairs, [], [])
    return {"documents": scores["documents"], "rows": agreement_rows(scores)}, findings


def _note(notes: list[str]) -> None:
    for note in notes:
        print(f"idlib-gold: note: {note}", file=sys.stderr)


def cmd_build(args) -> int:
    from .building.folder import recover_outputs, render_outputs, write_outputs
    from .building.stamp import files_digest, read_inputs, record
    from .checking.lints import lint_corpus
    from . import readlog
    from .reading.digest import source_digest
    from .layout import DATASET_DIR

    root = _root(args.root)
    _need_build_dependencies("build")
    _note(recover_outputs(root / DATASET_DIR))  # an interrupted build is finished first, whatever follows
    inputs = read_inputs(root)
    corpus, findings = _load_valid(root)
    agreement = None
    if not has_errors(findings):
        findings += lint_corpus(corpus)
        agreement, more = _second_agreement(root, corpus)
        findings += more
    sources = source_digest(root, readlog.peek())  # of the bytes the corpus was made of
    if _exit_code(findings, args.strict):
        _emit(findings, "build stopped; dataset/ left unchanged", args.format, sys.stdout)
        return 1
    if findings:
        _emit(findings, "building anyway: warnings only", args.format, sys.stdout)
    files = render_outputs(corpus, agreement, sources)
    del corpus  # the files hold everything now; the table checks need the memory
    from .checking.tables import validate_files

    table_findings = validate_files(files)
    if has_errors(table_findings):
        _emit(table_findings, "built tables failed their checks; dataset/ left unchanged", args.format, sys.stdout)
        return 1
    changed, notes = write_outputs(root / DATASET_DIR, files)
    _note(notes)
    record(root, inputs, files_digest(files))  # the bytes now in dataset/
    done = f"{'wrote' if changed else 'unchanged:'} {DATASET_DIR}/ ({len(files)} files)"
    if args.format in ("sarif", "github"):  # stdout stays one log for tools; the news goes to stderr
        if not findings:
            _emit(findings, done, args.format, sys.stdout)
        print(done, file=sys.stderr)
    else:
        print(done)
    return 0


def _summary(corpus) -> str:
    from . import vocabulary

    docs = sorted(corpus.documents, key=lambda d: d.id)
    lines = [f"{len(docs)} documents, {len(corpus.kb_entries)} knowledge-base entries"]
    for layer, key, vocab in (("entities", "label", vocabulary.entity_labels()),
                              ("figures", "label", vocabulary.figure_labels()),
                              ("quotes", "type", vocabulary.quote_types())):
        counts = Counter(a[key] for d in docs for a in d.data[layer])
        detail = ", ".join(f"{v} {counts[v]}" for v in vocab if counts[v])
        lines.append(f"{layer}: {sum(counts.values())} ({detail})")
    for split in vocabulary.splits():
        in_split = [d for d in docs if d.data["split"] == split]
        n = {layer: sum(len(d.data[layer]) for d in in_split) for layer in ("entities", "figures", "quotes")}
        lines.append(f"{split}: {len(in_split)} documents, {n['entities']} entities, "
                     f"{n['figures']} figures, {n['quotes']} quotes")
    return "\n".join(lines)


def cmd_check(args) -> int:
    """The main job: the annotations are valid and dataset/ is exactly what they build.

    Whether dataset/ is up to date is answered by the stamp when it vouches for these inputs
    and these files (building/stamp.py), else by building in memory and comparing bytes."""
    from .building.folder import recover_outputs, stamp_findings
    from .building.stamp import is_current, read_inputs, record
    from .checking.lints import lint_corpus
    from . import readlog
    from .reading.digest import source_digest
    from .layout import DATASET_DIR

    root = _root(args.root)
    _need_build_dependencies("check")
    _note(recover_outputs(root / DATASET_DIR))  # compare the folder an interrupted build left, not none
    target = root / DATASET_DIR
    inputs = read_inputs(root)
    odd_stamp = stamp_findings(root)
    corpus, findings = _load_valid(root)
    findings += lint_corpus(corpus)
    if not has_errors(findings) and not is_current(root, target, inputs.digest):
        from .building.folder import compare_outputs, render_outputs

        agreement, more = _second_agreement(root, corpus)
        findings += more
        if not has_errors(findings):
            sources = source_digest(root, readlog.peek())  # of the bytes the corpus was made of
            stale, compared = compare_outputs(target, render_outputs(corpus, agreement, sources))
            if not stale:
                record(root, inputs, compared)  # the digest of the bytes compared, not read again
            findings += stale
    findings += odd_stamp
    _emit(findings, f"{len(corpus.documents)} documents and {DATASET_DIR}/ checked", args.format, sys.stdout)
    if args.format == "text":
        print(_summary(corpus))
        print(f"load it: {LOAD_LINE}")
    return _exit_code(findings, args.strict)


def cmd_locate(args) -> int:
    from .layout import ID_PATTERN, TEXTS
    from .reading.files import read_text
    from .text.spans import find_all

    root = _root(args.root)
    if not ID_PATTERN.match(args.doc_id):  # an id, never a path: no file outside annotations/texts is read
        raise UsageError(f"{args.doc_id!r} is not a document id (the stem of {TEXTS}/<id>.txt)")
    rel = f"{TEXTS}/{args.doc_id}.txt"
    text, _, findings = read_text(root / rel, rel)
    if text is None:
        _emit(findings, "nothing located", "text", sys.stdout)
        return 2
    hits = find_all(text, args.string)
    for start in hits:
        end = start + len(args.string)
        context = text[max(0, start - 30):end + 30].replace("\n", " ")
        print(f"start: {start}, end: {end}, text: {args.string!r}   …{context}…")
    if not hits:
        print(f"{args.string!r} does not occur in {rel}")
        return 1
    return 0


def cmd_evaluate(args) -> int:
    """Score a predictions file against the gold; bad lines are findings, the rest is scored."""
    from .reading.files import read_bounded
    from .scoring.evaluate import evaluate_file
    from .scoring.predictions import PREDICTIONS_MAX_BYTES, relative_name
    from .scoring.report import render_scores

    root = _root(args.root)
    if not os.path.lexists(args.predictions):  # a mistyped name is a usage error, not a finding
        raise UsageError(f"{args.predictions}: no such file")
    corpus, findings = _load_valid(root)
    if has_errors(findings):
        _emit(findings, "evaluation stopped: the gold itself has errors", args.format, sys.stdout)
        return 1
    path = Path(args.predictions)
    raw, unreadable = read_bounded(path, relative_name(path, root), PREDICTIONS_MAX_BYTES, links=True)
    if raw is None:  # a missing, special or oversized file: nothing can be scored
        _emit(unreadable, "nothing scored", args.format, sys.stdout)
        return 2
    scores, findings = evaluate_file(corpus.documents, raw, relative_name(path, root), args.split,
                                     args.input_format)
    checked = f"{len(scores['documents'])} document(s) scored"
    if scores["unpredicted"]:
        checked += f", {len(scores['unpredicted'])} of them with no prediction"
    if scores["split_from"] == "predictions":
        checked += f" (split {scores['split']}, the split the predictions cover)"
    if args.format in ("sarif", "github"):  # the predictions file's findings, on its lines
        _emit(findings, checked, args.format, sys.stdout)
    else:
        sys.stdout.write(render_scores(scores, findings, checked, args.format))
    return 1 if has_errors(findings) else 0


def _repository(arg: str | None) -> Path | None:
    """The repository root, or None where there is none (agree can compare two trees alone)."""
    try:
        return _root(arg)
    except UsageError:
        if arg:
            raise
        return None


def cmd_agree(args) -> int:
    """Inter-annotator agreement of two annotation trees of the same texts."""
    from .scoring.agreement import agreement, texts_differ
    from .scoring.agreement_report import render_agreement
    from .scoring.trees import SideError, find_side, load_side

    repo = _repository(args.root)
    base = repo or Path.cwd().resolve()
    try:
        sides = [find_side(Path(folder), base, repo) for folder in (args.dir_a, args.dir_b)]
    except SideError as exc:
        raise UsageError(str(exc)) from None
    if (base / sides[0].tree.docs).resolve() == (base / sides[1].tree.docs).resolve():
        raise UsageError(f"{args.dir_a} and {args.dir_b} are the same annotation tree")
    loaded, findings = [], []
    for side in sides:
        corpus, side_findings = load_side(side, base)
        loaded.append({d.id: d for d in corpus.documents})
        findings += [f for f in side_findings if f not in findings]  # a file both sides read: reported once
    if has_errors(findings):
        _emit(findings, "agreement not computed: fix the errors of each tree first", args.format, sys.stdout)
        return 1
    a, b = loaded
    pairs = [(a[i], b[i]) for i in sorted(a.keys() & b.keys())]
    findings += texts_differ(pairs)
    pairs = [(x, y) for x, y in pairs if x.text == y.text]
    if not pairs and not has_errors(findings):
        raise UsageError(f"{args.dir_a} and {args.dir_b} have no document in common")
    if not pairs:
        _emit(findings, "agreement not computed: no document with the same text is in both trees", args.format,
              sys.stdout)
        return 1
    scores = agreement(pairs, sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys()))
    for key, side in zip("ab", sides):
        lent = f"; {' and '.join(side.borrowed)} from the repository" if side.borrowed else ""
        scores[key] = f"{side.given} ({side.shape}{lent})"
    checked = f"{len(pairs)} document(s) compared"
    if args.format in ("sarif", "github"):
        _emit(findings, checked, args.format, sys.stdout)
    else:
        sys.stdout.write(render_agreement(scores, findings, checked, args.format, args.detail))
    return 1 if has_errors(findings) else 0


def cmd_baseline(args) -> int:
    """Write a reference baseline's predictions for every document, ready for `evaluate`."""
    from .checking import pipeline
    from .outputs import check_file, write_file
    from .scoring.baselines import baseline_lines, is_baseline_output

    root = _root(args.root)
    corpus, findings = pipeline.load(root, prepare=False)
    if has_errors(findings):
        _emit(findings, "baseline not written: the corpus has errors", "text", sys.stdout)
        return 1
    guard = {"root": root, "previous": lambda data: is_baseline_output(data, args.kind),
             "what": f"an earlier `baseline {args.kind}` output"}
    check_file(args.out, **guard)  # before the work, so a bad --out fails fast
    lines = baseline_lines(args.kind, corpus.documents)
    write_file(args.out, "".join(lines).encode("utf-8"), **guard)
    print(f"wrote {Path(args.out).as_posix()}: {args.kind} predictions for {len(lines)} document(s)")
    return 0


def cmd_render(args) -> int:
    """Write the static review pages: one HTML file per document and index.html, swapped in whole."""
    from .outputs import check_folder, write_folder
    from .review.pages import render_pages

    root = _root(args.root)
    guard = {"root": root, "kind": "idlib-gold render", "what": "rendering"}
    check_folder(args.out, root, guard["kind"], guard["what"])
    pages, unknown = render_pages(root, args.doc_ids or None)
    if unknown:
        raise UsageError(f"no document {', '.join(unknown)} in {root.name}/annotations")
    files = {name: page.encode("utf-8") for name, page in pages.items()}
    _note(write_folder(args.out, files, header=guard["kind"], by="render", **guard))
    print(f"wrote {len(pages) - 1} document page(s) and index.html to {Path(args.out).as_posix()}/")
    return 0


def _suspect_inputs(paths: list[str], root: Path) -> tuple[list[tuple[str, bytes]], list[Finding]]:
    """(name, bytes) of each predictions file; a missing or repeated path is a usage error."""
    from .reading.files import read_bounded
    from .scoring.predictions import PREDICTIONS_MAX_BYTES, relative_name

    seen: dict[str, str] = {}
    for p in paths:
        if not os.path.lexists(p):
            raise UsageError(f"{p}: no such file")
        if os.path.realpath(p) in seen:
            raise UsageError(f"{p} and {seen[os.path.realpath(p)]} are the same file; name each system once")
        seen[os.path.realpath(p)] = p
    named, unreadable = [], []
    for p in paths:
        raw, problems = read_bounded(Path(p), relative_name(Path(p), root), PREDICTIONS_MAX_BYTES, links=True)
        unreadable += problems
        named.append((relative_name(Path(p), root), raw))
    return named, unreadable


def cmd_suspects(args) -> int:
    """Rank the gold's likely errors from systems' predictions; suspects are not findings."""
    from .scoring.suspects import find_suspects, read_decisions, read_systems
    from .scoring.suspects_report import checked_line, render_suspects

    root = _root(args.root)
    if (args.format == "html") != bool(args.out):
        raise UsageError("--format html writes review pages: give it with --out DIR (and --out only with it)")
    named, unreadable = _suspect_inputs(args.predictions, root)
    guard = {"root": root, "kind": "idlib-gold suspects", "what": "suspects review"}
    if args.out:  # before the work, so a bad --out fails fast
        from .outputs import check_folder

        check_folder(args.out, root, guard["kind"], guard["what"])
    corpus, findings = _load_valid(root)
    if has_errors(findings) or unreadable:
        _emit(findings + unreadable, "nothing ranked", "json" if args.format == "json" else "text", sys.stdout)
        return 2 if unreadable else 1
    systems, findings = read_systems(corpus.documents, named, args.split)
    suspects = find_suspects(corpus.documents, systems, read_decisions(root), args.split)
    ranked = sorted((d for d in corpus.documents if args.split in (None, d.data["split"])), key=lambda d: d.id)
    if args.format != "html":
        sys.stdout.write(render_suspects(suspects, systems, ranked, findings, args.split, args.format))
        return 1 if has_errors(findings) else 0
    from .outputs import write_folder
    from .review.suspect_pages import suspect_pages

    out = Path(args.out)
    pages = suspect_pages(suspects, systems, ranked)
    files = {name: page.encode("utf-8") for name, page in pages.items()}
    _note(write_folder(args.out, files, header=guard["kind"], by="suspects", **guard))
    _emit(findings, checked_line(suspects, systems, len(ranked)) + f"; pages in {out.as_posix()}/", "text",
          sys.stdout)
    return 1 if has_errors(findings) else 0


def _fix_targets(root: Path, paths: list[str]) -> list[str]:
    """The document ids `fix` works on: those the paths name (relative to the root, else to the
    current folder; symbolic links are not followed here), or every annotation file."""
    from .layout import DOCS, ID_PATTERN, KB_FILE, TEXTS, doc_id_of_path

    ids: set[str] = set()
    whole = not paths
    for p in paths:
        given = Path(p)
        path = given if given.is_absolute() else (root / given if os.path.lexists(root / given) else Path.cwd() / given)
        path = Path(os.path.abspath(path))
        if not os.path.lexists(path):
            raise UsageError(f"{p}: no such file")
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            raise UsageError(f"{p} is outside the repository {root}") from None
        if rel in (KB_FILE, "annotations", DOCS, TEXTS, "."):
            whole = True
        elif doc_id_of_path(rel) and rel.startswith(("annotations/docs/", "annotations/texts/")):
            ids.add(doc_id_of_path(rel))
        else:
            raise UsageError(f"{p} is not an annotation file (annotations/docs/<id>.yaml)")
    if whole:
        ids |= {p.stem for p in (root / DOCS).glob("*.yaml")}
    return sorted(i for i in ids if ID_PATTERN.match(i))


def cmd_fix(args) -> int:
    """Apply the fixes that are certain, print what changed and what was left, then validate again."""
    import difflib
    import tempfile

    from .layout import DOCS as DOCS_REL
    from .layout import TEXTS
    from .review.fix import fix_document
    from .outputs import edit_in_place
    from .review.lineedit import refuse_reason, scratch_copy

    root = _root(args.root)
    ids = _fix_targets(root, args.paths)
    refused = [f"{DOCS_REL}/{i}.yaml {why}" for i in ids if (why := refuse_reason(root / DOCS_REL / f"{i}.yaml"))]
    refused += [f"{TEXTS}/{i}.txt {why}" for i in ids
                if (why := refuse_reason(root / TEXTS / f"{i}.txt", follow=True))]
    if refused:
        raise UsageError("fix reads and edits regular files only: " + "; ".join(refused) + "; nothing changed")
    results = [r for r in (fix_document(root, i) for i in ids) if r is not None]
    changed = [r for r in results if r.after != r.before]
    if not args.dry_run:
        edit_in_place(root, {r.rel: r.after for r in changed})
    for r in results:
        print("".join(f"{'would fix' if args.dry_run else 'fixed'}: {line}\n" for line in r.changed), end="")
    for r in results:
        print("".join(f"left: {line}\n" for line in r.left), end="")
    print(f"{sum(len(r.changed) for r in results)} fix(es) in {len(changed)} file(s)"
          f"{' (dry run: nothing written)' if args.dry_run else ''}; {sum(len(r.left) for r in results)} left")

    def named(base: Path) -> list[str] | None:  # absolute: validate reads relative paths from the current folder
        return [str(base / DOCS_REL / f"{i}.yaml") for i in ids] if args.paths else None

    if args.dry_run:
        for r in changed:
            sys.stdout.writelines(difflib.unified_diff(r.before.splitlines(keepends=True),
                                                       r.after.splitlines(keepends=True), f"a/{r.rel}", f"b/{r.rel}"))
        with tempfile.TemporaryDirectory(prefix="idlib-gold-fix-") as tmp:
            scratch = Path(tmp).resolve()
            scratch_copy(root, scratch, {r.rel: r.after for r in changed})
            findings, checked = validate_repository(scratch, named(scratch))
    else:
        findings, checked = validate_repository(root, named(root))
    _emit(findings, checked + (" as they would be after fixing" if args.dry_run else " after fixing"),
          "text", sys.stdout)
    return 1 if findings else 0


def cmd_diff(args) -> int:
    """The annotation-level changes between two revisions, a revision and the working tree, or two folders."""
    from .review.diff import compare
    from .review.diffreport import render_diff
    from .review.sources import SideError, sides

    revs = args.revisions
    if len(revs) > 2:
        raise UsageError("diff takes at most two revisions (or two folders)")
    try:
        old, new = sides(revs, args.after_dashes, _repository(args.root))
        diff = compare(old, new)
    except SideError as exc:
        raise UsageError(str(exc)) from None
    sys.stdout.write(render_diff(diff, args.format))
    return 2 if diff.findings else 0
EXPORT_FORMATS = ("conll", "spacy", "brat")


def cmd_export(args) -> int:
    """Write the checked gold as files for training tools; refuse a corpus with errors."""
    from .exporting.common import UnsafeOutput
    from .outputs import MANIFEST, check_folder, write_folder

    root = _root(args.root)
    if not args.out:
        raise UsageError("OUT is empty; give a folder name")
    out = Path(args.out)
    guard = {"root": root, "kind": "idlib-gold export", "what": "export"}
    try:
        check_folder(args.out, root, guard["kind"], guard["what"])
        corpus, findings = _load_valid(root)
        if has_errors(findings):
            _emit(findings, f"export stopped: the corpus has errors; {out.as_posix()} left unchanged", "text",
                  sys.stdout)
            return 1
        if args.format == "conll":
            from .exporting.conll import render_conll

            files = render_conll(corpus.documents)
        elif args.format == "spacy":
            from .exporting.docbin import render_spacy

            files = render_spacy(corpus.documents)
        else:
            from .exporting.brat import render_brat

            files = render_brat(corpus.documents, corpus.kb_entries)
        _note(write_folder(args.out, files, header=f"idlib-gold export --format {args.format}", by="export",
                           **guard))
    except UnsafeOutput as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {out.as_posix()}/: {args.format}, {len(corpus.documents)} document(s), "
          f"{len(files)} file(s) and {MANIFEST}")
    return 0


#: What `idlib-gold --help` says first: what the tool is for, and the commands of an annotator's day.
ABOUT = """\
Check, fix and publish the idlib-gold dataset: news articles about Idlib with hand-annotated
entities, figures and quotes (annotations/), built into a Hugging Face dataset folder (dataset/).

An annotator editing annotations/docs/<id>.yaml runs three commands:
  idlib-gold validate            check the annotations; each finding gives file, line and fix
  idlib-gold fix                 apply the fixes that are certain (span offsets, order, white space)
  idlib-gold locate ID "text"    print where a string occurs in a text, to write a span by hand
then `idlib-gold build` and commits annotations/ with dataset/ (README.md, "Annotating")."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="idlib-gold", description=ABOUT,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"idlib-gold {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    from .report import FORMATS

    def common(sp, fmt=True):
        sp.add_argument("--root", help="repository root (default: nearest folder with annotations/)")
        if fmt:
            sp.add_argument("--format", choices=FORMATS, default="text",
                            help="text for people; json; sarif (SARIF 2.1.0) or github (workflow commands) for CI")
            sp.add_argument("--strict", action="store_true", help="treat warnings as errors")

    v = sub.add_parser("validate", help="validate annotation files (default: the whole repository)")
    v.add_argument("paths", nargs="*", help="annotation files to check (default: all)")
    v.add_argument("--parquet", metavar="DIR", help="validate a dataset folder's Parquet tables")
    v.add_argument("--stale-dataset", choices=("error", "warning", "off"), default="off",
                   help="also say whether dataset/ was rebuilt after the annotations changed (IG610), from the "
                        "card's source digest, without building; the pre-commit hook uses error (default: off)")
    common(v)
    v.set_defaults(func=cmd_validate)
    b = sub.add_parser("build", help="validate and write dataset/")
    common(b)
    b.set_defaults(func=cmd_build)
    c = sub.add_parser("check", help="validate, verify dataset/ is up to date, print a summary")
    common(c)
    c.set_defaults(func=cmd_check)
    loc = sub.add_parser("locate", help="print the offsets of every occurrence of a string in a document")
    loc.add_argument("doc_id")
    loc.add_argument("string")
    common(loc, fmt=False)
    loc.set_defaults(func=cmd_locate)
    from .vocabulary import splits

    ev = sub.add_parser("evaluate", help="score a system's predictions (span records, BIO tags, CoNLL or pipeline "
                                         "spans) against the gold")
    ev.add_argument("predictions", metavar="PREDICTIONS",
                    help="the system's output: span records, BIO tags or pipeline spans as JSON Lines, or a CoNLL "
                         "file (token and tag per line); --input-format says which (default: detected)")
    ev.add_argument("--split", choices=splits(), help="score only the documents of this split (default: all)")
    ev.add_argument("--format", choices=FORMATS, default="text",
                    help="text or json: scores and findings; sarif or github: the findings alone, for CI")
    ev.add_argument("--input-format", choices=("auto", "spans", "bio", "conll", "pipeline"), default="auto",
                    help="spans: JSON Lines span records; bio: JSON Lines {id, ner_tags} per ner row; conll: token "
                         "and tag per line; pipeline: {start, end, entity_group} spans per document (default: detect)")
    common(ev, fmt=False)
    ev.set_defaults(func=cmd_evaluate)
    ag = sub.add_parser("agree", help="inter-annotator agreement of two annotation trees of the same texts")
    ag.add_argument("dir_a", metavar="DIR_A", help="an annotation folder (docs/, texts/) or a repository root")
    ag.add_argument("dir_b", metavar="DIR_B", help="the other annotator's tree, in either shape")
    ag.add_argument("--detail", action="store_true", help="list every disagreement, for adjudication")
    ag.add_argument("--format", choices=("text", "json", "markdown", "sarif", "github"), default="text",
                    help="text, json or markdown: figures and findings; sarif or github: the findings alone, for CI")
    common(ag, fmt=False)
    ag.set_defaults(func=cmd_agree)
    bl = sub.add_parser("baseline", help="write a reference baseline's predictions (no model, no download)")
    bl.add_argument("kind", choices=("figures", "quotes"), help="figures: numbers by rule; quotes: quoted speech")
    bl.add_argument("--out", required=True, metavar="FILE", help="the predictions file to write (JSON Lines)")
    common(bl, fmt=False)
    bl.set_defaults(func=cmd_baseline)
    fx = sub.add_parser("fix", help="apply every fix that is certain (span offsets, order, trimming, sha256 "
                                    "of a new document), then validate again")
    fx.add_argument("paths", nargs="*", help="annotation files to fix (default: all)")
    fx.add_argument("--dry-run", action="store_true", help="print a unified diff and change nothing")
    common(fx, fmt=False)
    fx.set_defaults(func=cmd_fix)
    df = sub.add_parser("diff", help="the annotation-level changes between two revisions (default: the working "
                                     "tree against HEAD) or two folders")
    df.add_argument("revisions", nargs="*", metavar="REV",
                    help="REV_A [REV_B]: git revisions (default HEAD and the working tree), or two folders; "
                         "after --, folders only")
    df.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    common(df, fmt=False)
    df.set_defaults(func=cmd_diff)
    rd = sub.add_parser("render", help="write static HTML review pages (one per document, plus index.html)")
    rd.add_argument("doc_ids", nargs="*", metavar="DOC_ID", help="documents to render (default: all)")
    rd.add_argument("--out", required=True, metavar="DIR", help="folder to write the pages to")
    common(rd, fmt=False)
    rd.set_defaults(func=cmd_render)
    su = sub.add_parser("suspects", help="rank gold entities and figures by how likely they are wrong, from "
                                         "systems' predictions")
    su.add_argument("predictions", nargs="+", metavar="PREDICTIONS",
                    help="one file per system, in any shape evaluate reads (detected per file)")
    su.add_argument("--split", choices=splits(), help="rank only the documents of this split (default: all)")
    su.add_argument("--format", choices=("text", "json", "html"), default="text",
                    help="text or json: the ranked list and the files' findings; html: review pages (needs --out)")
    su.add_argument("--out", metavar="DIR", help="folder to write the review pages to (with --format html)")
    common(su, fmt=False)
    su.set_defaults(func=cmd_suspects)
    ex = sub.add_parser("export", help="write the gold for training tools: CoNLL, spaCy DocBin or brat standoff")
    ex.add_argument("--format", required=True, choices=EXPORT_FORMATS,
                    help="conll: token and BIO tag per line; spacy: a DocBin per split; brat: .txt/.ann per document")
    ex.add_argument("out", metavar="OUT", help="folder to write (new, empty, or a previous export)")
    common(ex, fmt=False)
    ex.set_defaults(func=cmd_export)
    return p


def _end_by_sigpipe() -> int:
    """End the process as SIGPIPE ends one (a shell reports 141), the convention of commands whose reader
    went away; Python ignores SIGPIPE, so default handling is restored and the signal raised again.
    Where there is no SIGPIPE, exit 1. Standard output goes to /dev/null first: nothing is left to flush."""
    import signal

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # standard output is no file (a caller's buffer): nothing to end
        return 1
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    return 1


def main(argv: list[str] | None = None) -> int:
    import gc

    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    args.after_dashes = len(argv) - argv.index("--") - 1 if "--" in argv else 0  # paths only, as for git
    try:
        code = args.func(args)
        sys.stdout.flush()  # a reader that went away is noticed here, not while the interpreter exits
        return code
    except BrokenPipeError:  # the reader went away (`idlib-gold check | head`): end as cat does, by SIGPIPE
        return _end_by_sigpipe()
    except (UsageError, OutputError, SchemaFileError) as exc:
        print(f"idlib-gold: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"idlib-gold: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        gc.unfreeze()  # for callers that run commands in-process (tests, notebooks)
        from .vocabulary import use_repository

        use_repository(None)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
