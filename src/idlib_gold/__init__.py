"""idlib-gold: a hand-annotated gold dataset of English news about the 2020 Idlib crisis.

The repository is the dataset: `annotations/` holds the hand-written gold, `schema/`
the JSON Schema that defines it, and `dataset/` the Parquet folder built from it.
"""

__all__ = ["__version__", "DATASET_VERSION", "DATASET_DATE"]

__version__ = "0.3.0"
#: Version of the annotations themselves; bumped when the gold changes.
DATASET_VERSION = "1.1.0"
#: The day DATASET_VERSION was released (its CHANGELOG entry); Croissant's `datePublished`.
DATASET_DATE = "2026-12-03"
