"""Agreement between two annotation trees: `idlib-gold agree DIR_A DIR_B`, and the dataset card's
figures for a second annotator's `annotations/second/` against the gold, by the same code."""

from __future__ import annotations

from pathlib import Path

from ..checking.repository import load_tree, second_tree
from ..errors import UsageError
from ..findings import Finding, has_errors
from ..reading.corpus import Corpus
from ..reading.trees import find_tree
from .agreement import agreement, texts_differ
from .agreement_report import agreement_rows

__all__ = ["card_agreement", "agree_trees"]


def card_agreement(root: Path, corpus: Corpus) -> tuple[dict | None, list[Finding]]:
    """The card's agreement figures for annotations/second/ against the gold `corpus`, and the second
    tree's findings; None where there is no second tree, it has errors, or no document in common."""
    loaded = second_tree(root)
    if loaded is None:
        return None, []
    second, findings = loaded
    gold = {d.id: d for d in corpus.documents}
    pairs = [(gold[d.id], d) for d in sorted(second.documents, key=lambda d: d.id) if d.id in gold]
    findings += texts_differ(pairs)
    if has_errors(findings) or not pairs:
        return None, findings
    scores = agreement(pairs, [], [])
    return {"documents": scores["documents"], "rows": agreement_rows(scores)}, findings


def agree_trees(dir_a: str, dir_b: str, base: Path, repo: Path | None) -> tuple[dict | None, list[Finding], str]:
    """(scores or None, findings, what was compared) for two trees given as folders; `repo` lends
    the texts and KB a tree lacks. Scores are None when either tree has errors or no document of
    the same text is in both."""
    found = [find_tree(Path(folder), base, repo) for folder in (dir_a, dir_b)]
    if (base / found[0].tree.docs).resolve() == (base / found[1].tree.docs).resolve():
        raise UsageError(f"{dir_a} and {dir_b} are the same annotation tree")
    loaded, findings = [], []
    for tree in found:
        corpus, tree_findings = load_tree(tree, base)
        loaded.append({d.id: d for d in corpus.documents})
        findings += [f for f in tree_findings if f not in findings]  # a file both trees read: reported once
    if has_errors(findings):
        return None, findings, "agreement not computed: fix the errors of each tree first"
    a, b = loaded
    pairs = [(a[i], b[i]) for i in sorted(a.keys() & b.keys())]
    findings += texts_differ(pairs)
    pairs = [(x, y) for x, y in pairs if x.text == y.text]
    if not pairs and not has_errors(findings):
        raise UsageError(f"{dir_a} and {dir_b} have no document in common")
    if not pairs:
        return None, findings, "agreement not computed: no document with the same text is in both trees"
    scores = agreement(pairs, sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys()))
    for key, tree in zip("ab", found):
        lent = f"; {' and '.join(tree.borrowed)} from the repository" if tree.borrowed else ""
        scores[key] = f"{tree.given} ({tree.shape}{lent})"
    return scores, findings, f"{len(pairs)} document(s) compared"
