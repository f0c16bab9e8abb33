"""The argument parser of `idlib-gold`, declared in one place for every command."""

from __future__ import annotations

import argparse

from .. import __version__
from ..exporting import FORMATS as EXPORT_FORMATS

__all__ = ["build_parser", "ABOUT"]

#: What `idlib-gold --help` says first: what the tool is for, and the commands of an annotator's day.
ABOUT = """\
Check, fix and publish the idlib-gold dataset: news articles about Idlib with hand-annotated
entities, figures and quotes (annotations/), built into a Hugging Face dataset folder (dataset/).

An annotator editing annotations/docs/<id>.yaml runs three commands:
  idlib-gold validate            check the annotations; each finding gives file, line and fix
  idlib-gold fix                 apply the fixes that are certain (span offsets, order, white space)
  idlib-gold locate ID "text"    print where a string occurs in a text, to write a span by hand
then `idlib-gold build` and commits annotations/ with dataset/ (README.md, "Annotating")."""


def build_parser() -> argparse.ArgumentParser:
    """Every command and its arguments; `args.command` names the module of cli/ that runs it."""
    p = argparse.ArgumentParser(prog="idlib-gold", description=ABOUT,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"idlib-gold {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    from ..report import FORMATS

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
    b = sub.add_parser("build", help="validate and write dataset/")
    common(b)
    c = sub.add_parser("check", help="validate, verify dataset/ is up to date, print a summary")
    common(c)
    loc = sub.add_parser("locate", help="print the offsets of every occurrence of a string in a document")
    loc.add_argument("doc_id")
    loc.add_argument("string")
    common(loc, fmt=False)
    from ..vocabulary import splits

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
    ag = sub.add_parser("agree", help="inter-annotator agreement of two annotation trees of the same texts")
    ag.add_argument("dir_a", metavar="DIR_A", help="an annotation folder (docs/, texts/) or a repository root")
    ag.add_argument("dir_b", metavar="DIR_B", help="the other annotator's tree, in either shape")
    ag.add_argument("--detail", action="store_true", help="list every disagreement, for adjudication")
    ag.add_argument("--format", choices=("text", "json", "markdown", "sarif", "github"), default="text",
                    help="text, json or markdown: figures and findings; sarif or github: the findings alone, for CI")
    common(ag, fmt=False)
    bl = sub.add_parser("baseline", help="write a reference baseline's predictions (no model, no download)")
    bl.add_argument("kind", choices=("figures", "quotes"), help="figures: numbers by rule; quotes: quoted speech")
    bl.add_argument("--out", required=True, metavar="FILE", help="the predictions file to write (JSON Lines)")
    common(bl, fmt=False)
    fx = sub.add_parser("fix", help="apply every fix that is certain (span offsets, order, trimming, sha256 "
                                    "of a new document), then validate again")
    fx.add_argument("paths", nargs="*", help="annotation files to fix (default: all)")
    fx.add_argument("--dry-run", action="store_true", help="print a unified diff and change nothing")
    fx.add_argument("--strict", action="store_true", help="exit 1 on warnings left after fixing, too")
    common(fx, fmt=False)
    df = sub.add_parser("diff", help="the annotation-level changes between two revisions (default: the working "
                                     "tree against HEAD) or two folders")
    df.add_argument("revisions", nargs="*", metavar="REV",
                    help="REV_A [REV_B]: git revisions (default HEAD and the working tree), or two folders; "
                         "after --, folders only")
    df.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    common(df, fmt=False)
    rd = sub.add_parser("render", help="write static HTML review pages (one per document, plus index.html)")
    rd.add_argument("doc_ids", nargs="*", metavar="DOC_ID", help="documents to render (default: all)")
    rd.add_argument("--out", required=True, metavar="DIR", help="folder to write the pages to")
    common(rd, fmt=False)
    su = sub.add_parser("suspects", help="rank gold entities and figures by how likely they are wrong, from "
                                         "systems' predictions")
    su.add_argument("predictions", nargs="+", metavar="PREDICTIONS",
                    help="one file per system, in any shape evaluate reads (detected per file)")
    su.add_argument("--split", choices=splits(), help="rank only the documents of this split (default: all)")
    su.add_argument("--format", choices=("text", "json", "html"), default="text",
                    help="text or json: the ranked list and the files' findings; html: review pages (needs --out)")
    su.add_argument("--out", metavar="DIR", help="folder to write the review pages to (with --format html)")
    common(su, fmt=False)
    ex = sub.add_parser("export", help="write the gold for training tools: CoNLL, spaCy DocBin or brat standoff")
    ex.add_argument("--format", required=True, choices=EXPORT_FORMATS,
                    help="conll: token and BIO tag per line; spacy: a DocBin per split; brat: .txt/.ann per document")
    ex.add_argument("out", metavar="OUT", help="folder to write (new, empty, or a previous export)")
    common(ex, fmt=False)
    return p
