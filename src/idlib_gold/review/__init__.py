"""Stage 5, review: the annotator's tools over the checked corpus.

`pages` lays out static HTML pages that show each document's gold and its findings
(`marks` nests the highlighted spans, `assets` holds the CSS and script they embed);
`fix` applies the fixes that are certain, editing files line by line through `lineedit`;
`diff` compares two versions of the gold annotation by annotation, reading them through
`reading.trees` and printing them with `diffreport`.
"""
