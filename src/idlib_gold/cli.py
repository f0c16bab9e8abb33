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

__all__ = ["main"]

LOAD_LINE = 'python -c "from datasets import load_dataset; print(load_dataset(\'./dataset\'))"'


class UsageError(Exception):
    pass


def _root(arg: str | None) -> Path:
    """The repository root: --root, else the nearest folder upwards that has annotations/."""
    if arg:
        root = Path(arg)
        if not (root / "annotations").is_dir():
            raise UsageError(f"{root} has no annotations/ folder")
        return root.resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "annotations").is_dir():
            return folder
    raise UsageError("no annotations/ folder here or above; run inside the repository or pass --root")


def _emit(findings: list[Finding], checked: str, fmt: str, out) -> None:
    from .report import render_json, render_text

    out.write(render_json(findings, checked) if fmt == "json" else render_text(findings, checked))


def _exit_code(findings: list[Finding], strict: bool) -> int:
    if has_errors(findings) or (strict and findings):
        return 1
    return 0


def validate_repository(root: Path, paths: list[str] | None = None, lints: bool = True) -> tuple[list[Finding], str]:
    """Reading, schema and cross-checks (and lints) over the whole repository or some of its files."""
    from .checking import pipeline
    from .checking.documents import check_corpus

    only = pipeline.documents_named(root, paths) if paths else None
    corpus, findings = _loaded(pipeline.load(root, only))
    findings += check_corpus(corpus)
    if lints:
        from .checking.lints import lint_corpus

        findings += lint_corpus(corpus)
    checked = f"{len(corpus.documents)} document(s) checked"
    return findings, checked


def cmd_validate(args) -> int:
    root = _root(args.root)
    findings, checked = [], ""
    if args.parquet is None or args.paths:
        findings, checked = validate_repository(root, args.paths or None)
    if args.parquet is not None:
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

    corpus, findings = _loaded(pipeline.load(root))
    findings += check_corpus(corpus)
    return corpus, findings


def _note(notes: list[str]) -> None:
    for note in notes:
        print(f"idlib-gold: note: {note}", file=sys.stderr)


def cmd_build(args) -> int:
    from .building.folder import recover_outputs, render_outputs, write_outputs
    from .checking.lints import lint_corpus
    from .layout import DATASET_DIR

    root = _root(args.root)
    _note(recover_outputs(root / DATASET_DIR))  # an interrupted build is finished first, whatever follows
    corpus, findings = _load_valid(root)
    if not has_errors(findings):
        findings += lint_corpus(corpus)
    if _exit_code(findings, args.strict):
        _emit(findings, "build stopped; dataset/ left unchanged", args.format, sys.stdout)
        return 1
    if findings:
        _emit(findings, "building anyway: warnings only", args.format, sys.stdout)
    files = render_outputs(corpus)
    del corpus  # the files hold everything now; the table checks need the memory
    from .checking.tables import validate_files

    table_findings = validate_files(files)
    if has_errors(table_findings):
        _emit(table_findings, "built tables failed their checks; dataset/ left unchanged", args.format, sys.stdout)
        return 1
    changed, notes = write_outputs(root / DATASET_DIR, files)
    _note(notes)
    print(f"{'wrote' if changed else 'unchanged:'} {DATASET_DIR}/ ({len(files)} files)")
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
    """The main job: the annotations are valid and dataset/ is exactly what they build."""
    from .building.folder import compare_outputs, recover_outputs, render_outputs
    from .checking.lints import lint_corpus
    from .layout import DATASET_DIR

    root = _root(args.root)
    _note(recover_outputs(root / DATASET_DIR))  # compare the folder an interrupted build left, not none
    corpus, findings = _load_valid(root)
    findings += lint_corpus(corpus)
    if not has_errors(findings):
        findings += compare_outputs(root / DATASET_DIR, render_outputs(corpus))
    _emit(findings, f"{len(corpus.documents)} documents and {DATASET_DIR}/ checked", args.format, sys.stdout)
    if args.format == "text":
        print(_summary(corpus))
        print(f"load it: {LOAD_LINE}")
    return _exit_code(findings, args.strict)


def cmd_locate(args) -> int:
    from .layout import TEXTS
    from .reading.files import read_text
    from .text.spans import find_all

    root = _root(args.root)
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
    from .scoring.evaluate import evaluate_file
    from .scoring.predictions import relative_name
    from .scoring.report import render_scores

    root = _root(args.root)
    corpus, findings = _load_valid(root)
    if has_errors(findings):
        _emit(findings, "evaluation stopped: the gold itself has errors", args.format, sys.stdout)
        return 1
    path = Path(args.predictions)
    raw = path.read_bytes()
    scores, findings = evaluate_file(corpus.documents, raw, relative_name(path, root), args.split)
    checked = f"{len(scores['documents'])} document(s) scored"
    sys.stdout.write(render_scores(scores, findings, checked, args.format))
    return 1 if has_errors(findings) else 0


def cmd_baseline(args) -> int:
    """Write a reference baseline's predictions for every document, ready for `evaluate`."""
    from .checking import pipeline
    from .outputs import refuse_unsafe_file
    from .scoring.baselines import baseline_lines

    root = _root(args.root)
    corpus, findings = pipeline.load(root, prepare=False)
    if has_errors(findings):
        _emit(findings, "baseline not written: the corpus has errors", "text", sys.stdout)
        return 1
    from .outputs import write_file

    out = Path(args.out)
    refuse_unsafe_file(out)  # before the work, so a bad --out fails fast
    lines = baseline_lines(args.kind, corpus.documents)
    write_file(out, "".join(lines).encode("utf-8"))
    print(f"wrote {out.as_posix()}: {args.kind} predictions for {len(lines)} document(s)")
    return 0


def cmd_render(args) -> int:
    """Write the static review pages: one HTML file per document and index.html."""
    from .outputs import prepare_folder, refuse_unsafe_file, refuse_unsafe_folder, write_file
    from .review.pages import render_pages

    root = _root(args.root)
    out = Path(args.out)
    refuse_unsafe_folder(out)
    pages, unknown = render_pages(root, args.doc_ids or None)
    if unknown:
        raise UsageError(f"no document {', '.join(unknown)} in {root.name}/annotations")
    prepare_folder(out)
    for name in sorted(pages):  # every target is checked before the first is written
        refuse_unsafe_file(out / name)
    for name, page in sorted(pages.items()):  # each page replaced whole; index.html last
        if name != "index.html":
            write_file(out / name, page.encode("utf-8"))
    write_file(out / "index.html", pages["index.html"].encode("utf-8"))
    print(f"wrote {len(pages) - 1} document page(s) and index.html to {out.as_posix()}/")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="idlib-gold", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"idlib-gold {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, fmt=True):
        sp.add_argument("--root", help="repository root (default: nearest folder with annotations/)")
        if fmt:
            sp.add_argument("--format", choices=("text", "json"), default="text")
            sp.add_argument("--strict", action="store_true", help="treat warnings as errors")

    v = sub.add_parser("validate", help="validate annotation files (default: the whole repository)")
    v.add_argument("paths", nargs="*", help="annotation files to check (default: all)")
    v.add_argument("--parquet", metavar="DIR", help="validate a dataset folder's Parquet tables")
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

    ev = sub.add_parser("evaluate", help="score a system's predictions (JSON Lines) against the gold")
    ev.add_argument("predictions", metavar="PREDICTIONS", help="JSON Lines file, one object per document")
    ev.add_argument("--split", choices=splits(), help="score only the documents of this split (default: all)")
    ev.add_argument("--format", choices=("text", "json"), default="text")
    common(ev, fmt=False)
    ev.set_defaults(func=cmd_evaluate)
    bl = sub.add_parser("baseline", help="write a reference baseline's predictions (no model, no download)")
    bl.add_argument("kind", choices=("figures", "quotes"), help="figures: numbers by rule; quotes: quoted speech")
    bl.add_argument("--out", required=True, metavar="FILE", help="the predictions file to write (JSON Lines)")
    common(bl, fmt=False)
    bl.set_defaults(func=cmd_baseline)
    rd = sub.add_parser("render", help="write static HTML review pages (one per document, plus index.html)")
    rd.add_argument("doc_ids", nargs="*", metavar="DOC_ID", help="documents to render (default: all)")
    rd.add_argument("--out", required=True, metavar="DIR", help="folder to write the pages to")
    common(rd, fmt=False)
    rd.set_defaults(func=cmd_render)
    return p


def main(argv: list[str] | None = None) -> int:
    import gc

    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader went away (`idlib-gold check | head`): stop quietly, as cat does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (UsageError, OutputError) as exc:
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
