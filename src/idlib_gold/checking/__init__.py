"""Stage 2, checking: everything that judges the annotations and the built tables.

- IG2xx `schema`: a file against its JSON Schema;
- IG3xx `documents`: cross-checks of one document and of the corpus (spans, ids, KB links,
  figures, dates, stories), with `timex` for date values;
- IG4xx `tables`: the Parquet tables, with the pandera models in `table_models`;
- IG5xx `lints`: consistency warnings across annotations and documents;
- `pipeline`: loads the corpus with these checks passed in.
"""
