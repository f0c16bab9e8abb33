"""Text facts every stage shares: span helpers, the tokenizer rule, and the story measurement.

Nothing here reads a file or emits a finding; it is measured from strings alone, so the
reader, the checks, the builder and the scorer all build on one definition of a token,
a span and a story.
"""
