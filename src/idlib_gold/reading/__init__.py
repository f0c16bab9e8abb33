"""Stage 1, reading (IG1xx): bytes → UTF-8 text → YAML with the position of every value → the corpus.

`files` reads one file within its limits, `flowstyle` is the fast path for the house
YAML style, and `corpus` loads the repository into `Document`s and a `Corpus`, through
a gate and per-document work that the caller passes in.
"""
