"""Exports of the checked gold to the files training tools read: CoNLL, spaCy DocBin, brat standoff.

Reads the checked corpus (the annotation files), not dataset/: the texts stay the
bytes of annotations/texts, and a corpus with errors is refused before anything is written.
"""
