"""Stage 5, review: static HTML pages that show each document's gold and its findings.

`pages` lays out the pages, `marks` nests the highlighted spans, `assets` holds the
CSS and script the pages embed.
"""
