"""spaCy training data: one DocBin (`<split>.spacy`) per split, one Doc per document.

Each Doc has the tokens of the shared tokenizer rule (`text/tokens.py`), with the white
space between them kept (as a token's trailing space, or as a white-space token), so
`doc.text` is the document text exactly. `doc.ents` are the entities and figures (the
18 types of the flat layer, as in the `ner` config); every gold span falls on token
edges (IG319), and each is placed with `doc.char_span(..., alignment_mode="strict")`,
which refuses a span that does not. The document id is in `doc.user_data["id"]`.

spaCy is an optional dependency (`pip install ".[spacy]"` in the checkout); only a blank
English vocabulary is used, no model is downloaded.
"""

from __future__ import annotations

from ..text.ner import flat_spans
from ..text.tokens import tokenize
from .common import UnsafeOutput, by_split

__all__ = ["render_spacy", "to_doc"]


def _spacy():
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError as exc:
        raise UnsafeOutput('the spacy format needs spaCy; install it in the idlib-gold checkout with: '
                           f'pip install ".[spacy]"; importing it failed: {exc}') from None
    return spacy, DocBin


def _words(text: str) -> tuple[list[str], list[bool]]:
    """Tokens and white space as spaCy words and trailing-space flags whose join is `text`."""
    words: list[str] = []
    spaces: list[bool] = []
    pos = 0

    def gap(chunk: str) -> None:
        if not chunk:
            return
        if words and not spaces[-1] and chunk[0] == " ":
            spaces[-1] = True
            chunk = chunk[1:]
        if chunk:
            words.append(chunk)
            spaces.append(False)

    for start, end in tokenize(text):
        gap(text[pos:start])
        words.append(text[start:end])
        spaces.append(False)
        pos = end
    gap(text[pos:])
    return words, spaces


def to_doc(nlp, doc):
    """The spaCy Doc of one document, with its entities and figures as `doc.ents`."""
    from spacy.tokens import Doc

    words, spaces = _words(doc.text)
    out = Doc(nlp.vocab, words=words, spaces=spaces)
    if out.text != doc.text:
        raise ValueError(f"{doc.id}: the spaCy tokens do not give back the text")
    ents = []
    for start, end, label in flat_spans(doc.data):
        span = out.char_span(start, end, label=label, alignment_mode="strict")
        if span is None:
            raise ValueError(f"{doc.id}: span {start}-{end} {label} is not on token edges")
        ents.append(span)
    out.ents = ents
    out.user_data["id"] = doc.id
    return out


def render_spacy(documents) -> dict[str, bytes]:
    """`<split>.spacy` (a serialized DocBin) for each split with documents."""
    spacy, DocBin = _spacy()
    nlp = spacy.blank("en")
    out = {}
    for split, docs in by_split(documents).items():
        docbin = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=True)
        for doc in docs:
            docbin.add(to_doc(nlp, doc))
        out[f"{split}.spacy"] = docbin.to_bytes()
    return out
