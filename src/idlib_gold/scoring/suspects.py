"""Likely gold errors: the entities and figures that independent systems contradict.

No validation rule can see a missed mention, a wrong label or a span one word too short: the
annotation is well formed, only wrong. What can see it is disagreement: where every system that
predicts a layer contradicts the gold in the same way, the gold is worth a second look (the idea
behind cleanlab's token-classification issues and disagreement-based review queues). This module
turns one or more systems' predictions, read by `evaluate`'s readers, into such a review list.

**Votes.** A system votes on a gold span when it predicts the span's layer (as in `evaluate`: a
layer no line of the file carries is not predicted; a document without a line predicts nothing).
Its vote is the first that holds of: `same` (a prediction with the gold's offsets and label),
`label` (the gold's offsets, another label), `boundary` (the gold's label, one edge equal and
the other one token away, tokens of text/tokens.py), `other` (some overlapping prediction),
`none` (nothing overlaps). Entities and figures are one flat layer, so a label may cross layers.

**Kinds**, each a claim about the gold:

- `label` (possibly wrong label): every voter predicts the gold's offsets with another label;
  the suggestion is the label most voters give (ties: the higher summed score, then by name).
- `boundary` (possibly wrong boundary): every voter puts one edge one token elsewhere; the
  suggestion is the span most voters give (ties: text order).
- `missed` (possibly missed): a predicted span that no gold span overlaps, predicted with these
  offsets by more than half of the systems that predict a layer of its labels.
- `spurious` (possibly spurious): no voter predicts anything that overlaps the gold span.

**Confidence.** A predicted span may carry a `score` in [0, 1] (span records and pipeline spans);
as in cleanlab, where the probability a model gives a label is its confidence in it, a vote's
weight is its span's score, and 1 where there is none (BIO tags, CoNLL, a system that predicts
nothing there: it is taken at its word). **Agreement** = the summed weights of the votes that
make the claim / the number of voters; without scores it is the share of systems that agree.

**Ranking**: agreement, highest first; then kind in the order label, boundary, missed, spurious
(a system that proposes something specific says more than one that is silent, and systems miss
mentions more often than they invent them); then document id, start, end and label. Every key is
a value of the input, so the same input always gives the same order. Worked example on document
000 (tests/test_suspects.py), systems A (with scores) and B (without), both voting on both layers:

    gold e4 NORP "Syrian" 230–236; A: GPE there, score 0.9; B: GPE     label     (0.9 + 1) / 2 = 0.95
    gold e14 DATE "almost nine years" 910–927; A, B: DATE 910–921      boundary  (1 + 1) / 2   = 1.0
    gold f2 CARDINAL "two" 775–778; A and B predict nothing there      spurious  (1 + 1) / 2   = 1.0
    "border" 178–184: A: GPE, score 0.6; B: GPE; no gold span there    missed    (0.6 + 1) / 2 = 0.8

ranks e14 (1.0, boundary), f2 (1.0, spurious), e4 (0.95), "border" (0.8). Add a system C that
predicts entities only, exactly as the gold: it votes `same` on e4 and e14, which stop being
suspects, and does not vote on f2; "border" keeps 2 of 3 voters, (0.6 + 1) / 3 = 0.53.

**Decided already.** A document may waive a lint for a string with a reason (`waivers:`); that is
an adjudication written down. A possibly missed span whose text the document waives for IG501 (a
string annotated elsewhere left unannotated here), or a possibly wrong label whose text it waives
for IG502 (one string, two labels), carries the waiver's reason and is ranked after every suspect
that is not decided, in the same order among themselves: listed, so the decision stays visible,
but never ahead of one that still needs a reviewer.

**The guideline** of a suspect is a decision of annotations/GUIDELINES.md, section 7: the first
decision (by number) that names, as an upper-case word, both the gold label and the suggested
label, else the first that names the gold label (a missed span: its suggested label), else none.
That is a pointer to where to read, not a ruling.

Quotes are not ranked: a quote has no label, and spans of attribution overlap by design.

Why not cleanlab itself: see docs/decisions/0011-suspects-ranked-without-cleanlab.md.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass

from .. import vocabulary
from ..checking.lints import TWO_LABELS, UNANNOTATED_STRING, waiver
from ..text.tokens import paragraphs
from .token_inputs import read_input, scope_of

__all__ = ["KINDS", "KIND_TITLES", "GUIDELINES", "Decision", "Vote", "System", "Suspect", "guideline_decisions",
           "read_decisions", "systems_from", "read_systems", "find_suspects"]

GUIDELINES = "annotations/GUIDELINES.md"

#: The kinds in rank order (see the module docstring).
KINDS = ("label", "boundary", "missed", "spurious")
KIND_TITLES = {"label": "possibly wrong label", "boundary": "possibly wrong boundary",
               "missed": "possibly missed", "spurious": "possibly spurious"}
_FLAT = ("entities", "figures")
#: The lint whose waiver of a string decides a suspect of this kind (module docstring).
_WAIVED_BY = {"missed": UNANNOTATED_STRING, "label": TWO_LABELS}
#: A paragraph is cut to at most this many characters on each side of a suspect, at white space.
CONTEXT = 100


@dataclass(frozen=True)
class Decision:
    """One numbered entry of the guidelines' decision list."""

    number: int
    title: str
    group: str
    text: str


@dataclass(frozen=True)
class Vote:
    """What one system says at a suspect: a kind of vote, and the span it predicts there, if any."""

    system: str
    says: str  # same, label, boundary, other, none; for a missed span: span or none
    start: int | None = None
    end: int | None = None
    label: str | None = None
    score: float | None = None

    @property
    def weight(self) -> float:
        return 1.0 if self.score is None else self.score


@dataclass(frozen=True)
class System:
    """One predictions file as spans: its name, the layers it predicts, and (start, end, label,
    score) per document id, sorted."""

    name: str
    layers: frozenset
    spans: dict


@dataclass(frozen=True)
class Suspect:
    """A gold annotation (or a predicted span no gold span covers) that the systems contradict."""

    rank: int
    kind: str
    doc_id: str
    path: str  # the document's YAML file
    line: int | None  # the annotation's line; for a missed span, the line it would go before
    col: int | None
    annotation: str | None  # the gold annotation's id; None for a missed span
    layer: str
    start: int
    end: int
    text: str
    label: str  # the gold label; for a missed span, the suggested one
    suggested_start: int | None
    suggested_end: int | None
    suggested_label: str | None
    agreement: float
    agreeing: int
    voters: int
    votes: tuple
    context_start: int
    context_end: int
    decision: Decision | None
    waiver: str | None = None  # the reason of the document's waiver that already decides it

    @property
    def title(self) -> str:
        return KIND_TITLES[self.kind]

    def as_dict(self) -> dict:
        return asdict(self)


_ITEM = re.compile(r"^(\d+)\.\s+\*\*(.+?)\*\*\s*(.*)$")


def guideline_decisions(markdown: str) -> tuple[Decision, ...]:
    """The numbered decisions of the section `## 7. Decision list`, with the `###` group of each."""
    out, group, current, inside = [], "", None, False
    for line in markdown.splitlines():
        if line.startswith("## "):
            inside = line.startswith("## 7. Decision list")
            continue
        if not inside:
            continue
        if line.startswith("### "):
            group = line[4:].strip()
            continue
        m = _ITEM.match(line)
        if m:
            current = [int(m.group(1)), m.group(2).strip().rstrip("."), group, [line]]
            out.append(current)
        elif current is not None and line.startswith(" ") and line.strip():
            current[3].append(line.strip())
        elif not line.strip() and current is not None:
            current = None
    return tuple(Decision(n, title, g, " ".join(lines)) for n, title, g, lines in out)


def read_decisions(root) -> tuple[Decision, ...]:
    """The decision list of the repository's guidelines; none where the file cannot be read."""
    from ..reading.files import read_bounded

    raw, _ = read_bounded(root / GUIDELINES, GUIDELINES)
    return guideline_decisions(raw.decode("utf-8", errors="replace")) if raw is not None else ()


def _names(decision: Decision, label: str) -> bool:
    return re.search(rf"(?<![A-Za-z_]){re.escape(label)}(?![A-Za-z_])", decision.text) is not None


def _decision(decisions, gold: str, suggested: str | None) -> Decision | None:
    if suggested and suggested != gold:
        both = next((d for d in decisions if _names(d, gold) and _names(d, suggested)), None)
        if both is not None:
            return both
    return next((d for d in decisions if _names(d, gold)), None)


def systems_from(files) -> list[System]:
    """Systems from (name, PredictionsFile) pairs, read by any of `evaluate`'s readers."""
    out = []
    for name, read in files:
        layers = frozenset(layer for layer in _FLAT if any(layer in p.data for p in read.predictions))
        spans = {}
        for p in read.predictions:
            items = [a for layer in _FLAT for a in p.data.get(layer, [])]
            spans[p.doc_id] = tuple(sorted({(a["start"], a["end"], a["label"], a.get("score")) for a in items},
                                           key=lambda s: (s[0], s[1], s[2], -1 if s[3] is None else s[3])))
        out.append(System(name, layers, spans))
    return out


def read_systems(documents, named: list[tuple[str, bytes]], split: str | None = None):
    """Systems, the findings of their files and the split they speak for, from (name, raw bytes) pairs,
    each read in the shape it is detected to have, exactly as `evaluate` reads it: without `split`, the
    one split every document any file has a line for is in (`token_inputs.scope_of`), else None (all):
    a file of the test split does not make every other document's gold a suspect."""
    files, findings, met = [], [], set()
    for name, raw in named:
        _, read = read_input(raw, name, documents, "auto", split)
        files.append((name, read))
        findings += read.findings
        met |= set(read.first_line)
    return systems_from(files), findings, scope_of(documents, met, split)[0]


def _tokens_between(doc, a: int, b: int) -> int:
    lo, hi = min(a, b), max(a, b)
    first, last = doc.tokens.between(lo, hi)
    return sum(1 for k in range(first, last) if doc.tokens.ends[k] <= hi)


def _vote(doc, name: str, gold: dict, spans) -> Vote:
    gs, ge, gl = gold["start"], gold["end"], gold["label"]
    over = [s for s in spans if s[0] < ge and gs < s[1]]
    for says, test in (("same", lambda s: (s[0], s[1], s[2]) == (gs, ge, gl)),
                       ("label", lambda s: (s[0], s[1]) == (gs, ge)),
                       ("boundary", lambda s: s[2] == gl and ((s[0] == gs) != (s[1] == ge)) and _tokens_between(
                           doc, *((s[1], ge) if s[0] == gs else (s[0], gs))) == 1),
                       ("other", lambda s: True)):
        hit = next((s for s in over if test(s)), None)
        if hit is not None:
            return Vote(name, says, *hit)
    return Vote(name, "none")


def _layer(label: str) -> str:
    return "entities" if label in vocabulary.entity_labels() else "figures"


def _context(doc, start: int, end: int) -> tuple[int, int]:
    """The paragraph holding the span, cut at white space to CONTEXT characters on each side."""
    lo, hi = next(((s, e) for s, e in paragraphs(doc.text) if s <= start < e), (start, end))
    hi = max(hi, end)
    if start - lo > CONTEXT:
        cut = doc.text.find(" ", start - CONTEXT, start)
        lo = cut + 1 if cut >= 0 else start - CONTEXT
    if hi - end > CONTEXT:
        cut = doc.text.rfind(" ", end, end + CONTEXT)
        hi = cut if cut >= 0 else end + CONTEXT
    return lo, hi


def _round(x: float) -> float:
    return round(x, 6)


def _gold_suspects(doc, systems: list[System], decisions) -> list[dict]:
    out = []
    for layer in _FLAT:
        voters = [s for s in systems if layer in s.layers]
        if not voters:
            continue
        for i, gold in enumerate(doc.data[layer]):
            votes = tuple(_vote(doc, s.name, gold, s.spans.get(doc.id, ())) for s in voters)
            says = {v.says for v in votes}
            if says not in ({"label"}, {"boundary"}, {"none"}):
                continue
            kind = {"label": "label", "boundary": "boundary", "none": "spurious"}[says.pop()]
            suggested = None
            if kind == "label":
                weights = Counter()
                for v in votes:
                    weights[v.label] += v.weight
                count = Counter(v.label for v in votes)
                best = min(count, key=lambda x: (-count[x], -weights[x], x))
                suggested = (gold["start"], gold["end"], best)
            elif kind == "boundary":
                count = Counter((v.start, v.end) for v in votes)
                s, e = min(count, key=lambda x: (-count[x], x))
                suggested = (s, e, gold["label"])
            line, col = doc.where(layer, i)
            out.append(dict(kind=kind, doc_id=doc.id, path=doc.rel, line=line, col=col, annotation=gold["id"],
                            layer=layer, start=gold["start"], end=gold["end"], text=gold["text"],
                            label=gold["label"], suggested=suggested, votes=votes,
                            agreement=sum(v.weight for v in votes) / len(votes), agreeing=len(votes),
                            voters=len(votes),
                            decision=_decision(decisions, gold["label"], suggested[2] if suggested else None)))
    return out


def _missed_suspects(doc, systems: list[System], decisions) -> list[dict]:
    gold = sorted((a["start"], a["end"]) for layer in _FLAT for a in doc.data[layer])
    proposed: dict[tuple[int, int], list] = {}
    for system in systems:
        for s, e, label, score in system.spans.get(doc.id, ()):
            if not any(gs < e and s < ge for gs, ge in gold):
                proposed.setdefault((s, e), []).append((system, label, score))
    out = []
    for (s, e), found in sorted(proposed.items()):
        layers = {_layer(label) for _, label, _ in found}
        voters = [x for x in systems if x.layers & layers]
        votes = []
        for x in voters:
            mine = [(label, score) for system, label, score in found if system is x]
            if mine:
                label, score = min(mine, key=lambda m: (-(1.0 if m[1] is None else m[1]), m[0]))
                votes.append(Vote(x.name, "span", s, e, label, score))
            else:
                votes.append(Vote(x.name, "none"))
        agreeing = [v for v in votes if v.says == "span"]
        if 2 * len(agreeing) <= len(voters):
            continue
        count = Counter(v.label for v in agreeing)
        label = min(count, key=lambda x: (-count[x], x))
        layer = _layer(label)
        after = [i for i, a in enumerate(doc.data[layer]) if a["start"] >= s]
        line, col = doc.where(layer, after[0]) if after else doc.where(layer)
        out.append(dict(kind="missed", doc_id=doc.id, path=doc.rel, line=line, col=col, annotation=None,
                        layer=layer, start=s, end=e, text=doc.text[s:e], label=label, suggested=(s, e, label),
                        votes=tuple(votes), agreement=sum(v.weight for v in agreeing) / len(voters),
                        agreeing=len(agreeing), voters=len(voters), decision=_decision(decisions, label, None)))
    return out


def find_suspects(documents, systems: list[System], decisions=(), split: str | None = None) -> list[Suspect]:
    """The gold's likely errors in the documents (of `split`, when given), ranked (module docstring)."""
    found = []
    for doc in sorted(documents, key=lambda d: d.id):
        if split is not None and doc.data["split"] != split:
            continue
        found += _gold_suspects(doc, systems, decisions) + _missed_suspects(doc, systems, decisions)
    by_id = {d.id: d for d in documents}
    for x in found:
        code = _WAIVED_BY.get(x["kind"])
        decided = waiver(by_id[x["doc_id"]], code, x["text"]) if code else None
        x["waiver"] = f"{code}: {decided.get('reason', '')}" if decided else None
    found.sort(key=lambda x: (x["waiver"] is not None, -_round(x["agreement"]), KINDS.index(x["kind"]), x["doc_id"],
                              x["start"], x["end"], x["label"]))
    out = []
    for rank, x in enumerate(found, start=1):
        suggested = x.pop("suggested") or (None, None, None)
        lo, hi = _context(by_id[x["doc_id"]], x["start"], x["end"])
        out.append(Suspect(rank=rank, **{**x, "agreement": _round(x["agreement"])}, suggested_start=suggested[0],
                           suggested_end=suggested[1], suggested_label=suggested[2], context_start=lo,
                           context_end=hi))
    return out
