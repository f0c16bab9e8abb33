"""CoNLL-2003-style files, one per split, from the `ner` view (tokens and BIO tags).

Two columns separated by one space: the token and its BIO tag (the 37 tags of the
`ner` config over the 18 types of entities and figures). Each document starts with a
`-DOCSTART- O` line followed by a blank line, and each paragraph (a row of the `ner`
config) ends with a blank line, as in the CoNLL-2003 files. The tokenizer never puts
white space inside a token, so a line always splits into exactly two columns.
"""

from __future__ import annotations

from ..text.ner import bio_rows
from .common import by_split

__all__ = ["DOCSTART", "render_conll"]

DOCSTART = "-DOCSTART-"


def _document(doc) -> list[str]:
    lines = [f"{DOCSTART} O", ""]
    for row in bio_rows(doc):
        if not row["tokens"]:
            continue
        lines += [f"{token} {tag}" for token, tag in zip(row["tokens"], row["ner_tags"])]
        lines.append("")
    return lines


def render_conll(documents) -> dict[str, bytes]:
    """`<split>.conll` for each split with documents."""
    out = {}
    for split, docs in by_split(documents).items():
        lines = [line for doc in docs for line in _document(doc)]
        out[f"{split}.conll"] = ("\n".join(lines) + "\n").encode("utf-8")
    return out
