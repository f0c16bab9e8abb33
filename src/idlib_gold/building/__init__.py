"""Stage 3, building `dataset/` (IG6xx): rows, typed features, the `ner` view, the card, Croissant.

`rows` turns the corpus into rows per config, `ner` into BIO rows, `features` types the
columns, `card` and `croissant` describe the folder, and `folder` writes it atomically
and compares it with what is on disk (IG601–IG603).
"""
