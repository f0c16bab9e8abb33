"""`idlib-gold check`: the main job. The annotations are valid and dataset/ is exactly what they build."""

from __future__ import annotations

from collections import Counter

from .common import card_agreement, emit, exit_code, need_build_dependencies, note, root

LOAD_LINE = 'python -c "from datasets import load_dataset; print(load_dataset(\'./dataset\'))"'


def summary(corpus) -> str:
    """What the corpus holds, by layer, label and split: the lines after check's verdict."""
    from .. import vocabulary

    docs = sorted(corpus.documents, key=lambda d: d.id)
    lines = [f"{len(docs)} documents, {len(corpus.kb_entries)} knowledge-base entries"]
    for layer, key, vocab in (("entities", "label", vocabulary.entity_labels()),
                              ("figures", "label", vocabulary.figure_labels()),
                              ("quotes", "type", vocabulary.quote_types())):
        counts = Counter(a[key] for d in docs for a in d.data[layer])
        detail = ", ".join(f"{v} {counts[v]}" for v in vocab if counts[v])
        lines.append(f"{layer}: {sum(counts.values())} ({detail})")
    for split in vocabulary.splits():
        in_split = [d for d in docs if d.data["split"] == split]
        n = {layer: sum(len(d.data[layer]) for d in in_split) for layer in ("entities", "figures", "quotes")}
        lines.append(f"{split}: {len(in_split)} documents, {n['entities']} entities, "
                     f"{n['figures']} figures, {n['quotes']} quotes")
    return "\n".join(lines)


def run(args) -> int:
    from ..building.dataset import check_dataset
    from ..layout import DATASET_DIR

    repo = root(args.root)
    need_build_dependencies("check")
    checked = check_dataset(repo, card_agreement)
    note(checked.notes)
    emit(checked.findings, f"{len(checked.corpus.documents)} documents and {DATASET_DIR}/ checked", args.format)
    if args.format == "text":
        print(summary(checked.corpus))
        print(f"load it: {LOAD_LINE}")
    return exit_code(checked.findings, args.strict)
