"""Exports of the checked gold to the files training tools read: CoNLL, spaCy DocBin, brat standoff.

Reads the checked corpus (the annotation files), not dataset/: the texts stay the
bytes of annotations/texts, and a corpus with errors is refused before anything is written.
"""

from __future__ import annotations

__all__ = ["FORMATS", "render_export"]

#: The export formats, in the order `export --help` lists them.
FORMATS = ("conll", "spacy", "brat")


def render_export(form: str, corpus) -> dict[str, bytes]:
    """Every file of an export in format `form`, by relative path; nothing is written here."""
    if form == "conll":
        from .conll import render_conll

        return render_conll(corpus.documents)
    if form == "spacy":
        from .docbin import render_spacy

        return render_spacy(corpus.documents)
    if form == "brat":
        from .brat import render_brat

        return render_brat(corpus.documents, corpus.kb_entries)
    raise ValueError(f"unknown export format {form!r}")
