"""`idlib-gold agree`: inter-annotator agreement on copies of the real corpus, and its bad inputs."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import ROOT
from idlib_gold.scoring.agreement import cohen_kappa

DOC = "000_10fe6d47143cad7a"


def test_kappa_on_a_hand_worked_example():
    # 10 tokens; A tags tokens 5 and 6, B tags 5 and 10: they agree on 8 of 10, p_o = 0.8.
    # A: 8 O, 2 B-GPE; B: 8 O, 2 B-GPE -> p_e = (8*8 + 2*2) / 100 = 0.68.
    # kappa = (0.8 - 0.68) / (1 - 0.68) = 0.12 / 0.32 = 0.375
    a = ["O"] * 4 + ["B-GPE", "B-GPE"] + ["O"] * 4
    b = ["O"] * 4 + ["B-GPE", "O"] + ["O"] * 3 + ["B-GPE"]
    assert cohen_kappa(a, b) == pytest.approx(0.375)
    assert cohen_kappa(a, a) == 1.0
    assert cohen_kappa(["O", "O"], ["O", "O"]) is None  # chance agreement is total: undefined
    assert cohen_kappa([], []) is None


def test_kappa_equals_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(7)
    tags = ["O", "B-GPE", "I-GPE", "B-DATE"]
    for _ in range(20):
        a = [rng.choice(tags) for _ in range(50)]
        b = [x if rng.random() < 0.7 else rng.choice(tags) for x in a]
        assert cohen_kappa(a, b) == pytest.approx(metrics.cohen_kappa_score(a, b))


@pytest.fixture
def trees(tmp_path: Path):
    """A repository copy, and B: a copy of its annotations/ folder to edit."""
    repo = tmp_path / "repo"
    for name in ("annotations", "schema"):
        shutil.copytree(ROOT / name, repo / name)
    b = tmp_path / "b"
    shutil.copytree(ROOT / "annotations", b)
    return repo, b


def _agree(cli, repo: Path, *args: str):
    result = cli("agree", *args, root=repo)
    assert "Traceback" not in result.out + result.err
    return result


def _figures(scores: dict):
    for layer in ("entities", "figures"):
        for scheme in ("strict", "partial"):
            s = scores[layer][scheme]
            yield from (row["f1"] for row in [s["micro"], s["macro"], *s["labels"].values()])
    yield from (a["accuracy"] for k, a in scores["figures"]["attributes"].items() if k != "matched")
    q = scores["quotes"]
    yield from (q["content_exact"]["f1"], q["content_token"]["f1"], q["content_token"]["mean_f1"], q["cue"]["f1"])
    yield from (q[k]["accuracy"] for k in ("speaker", "speaker_entity", "type"))
    yield from (scores["tokens"]["kappa"], scores["tokens"]["kappa_annotated"])


def test_identical_trees_agree_fully(cli, trees):
    repo, b = trees
    result = _agree(cli, repo, str(repo / "annotations"), str(b), "--format", "json")
    assert result.code == 0, result.out
    scores = json.loads(result.out)["agreement"]
    assert len(scores["documents"]) == 5 and scores["disagreement_count"] == 0
    values = list(_figures(scores))
    assert len(values) > 40 and all(v == 1.0 for v in values), values


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_known_edits_give_the_worked_out_numbers(cli, trees):
    repo, b = trees
    doc = b / "docs" / f"{DOC}.yaml"
    # 1. B leaves out the GPE "Turkey" (e2); 2. B's DATE e14 drops "almost"; 3. B's figure f1 has no bound;
    # 4. B links quote q2's speaker to turkey; 5. B's quote q4 content stops before its final comma.
    _edit(doc, '  - {id: e2, label: GPE, start: 112, end: 118, text: "Turkey", entity: turkey}\n', "")
    _edit(doc, 'start: 910, end: 927, text: "almost nine years"', 'start: 917, end: 927, text: "nine years"')
    _edit(doc, "approximate: true, bound: lower, measured: {start: 532", "approximate: true, bound: null, measured: {start: 532")
    _edit(doc, 'text: "Turkish state media"}, speaker_entity: null', 'text: "Turkish state media"}, speaker_entity: turkey')
    _edit(doc, 'end: 1438, text: "Ankara would not hesitate to intervene if the Syrian government offensive becomes a '
               'catastrophe,"}', 'end: 1437, text: "Ankara would not hesitate to intervene if the Syrian government '
               'offensive becomes a catastrophe"}')
    result = _agree(cli, repo, str(repo / "annotations"), str(b), "--format", "json", "--detail")
    assert result.code == 0, result.out
    s = json.loads(result.out)["agreement"]

    gold = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "annotations/docs").glob("*.yaml"))]
    n = sum(len(d["entities"]) for d in gold)
    gpe = sum(e["label"] == "GPE" for d in gold for e in d["entities"])
    date = sum(e["label"] == "DATE" for d in gold for e in d["entities"])
    m = sum(len(d["figures"]) for d in gold)
    q = sum(len(d["quotes"]) for d in gold)
    ent = s["entities"]
    # exact: n - 2 matches among n in A and n - 1 in B; partial: the shortened DATE still matches
    assert ent["strict"]["micro"]["f1"] == pytest.approx(2 * (n - 2) / (2 * n - 1))
    assert ent["partial"]["micro"]["f1"] == pytest.approx(2 * (n - 1) / (2 * n - 1))
    assert ent["strict"]["labels"]["GPE"]["f1"] == pytest.approx(2 * (gpe - 1) / (2 * gpe - 1))
    assert ent["partial"]["labels"]["GPE"]["f1"] == pytest.approx(2 * (gpe - 1) / (2 * gpe - 1))
    assert ent["strict"]["labels"]["DATE"]["f1"] == pytest.approx((date - 1) / date)
    assert ent["partial"]["labels"]["DATE"]["f1"] == 1.0
    assert s["figures"]["strict"]["micro"]["f1"] == 1.0
    attributes = s["figures"]["attributes"]
    assert attributes["bound"]["accuracy"] == pytest.approx((m - 1) / m) and attributes["value"]["accuracy"] == 1.0
    quotes = s["quotes"]
    assert quotes["content_exact"]["f1"] == pytest.approx((q - 1) / q)
    assert quotes["content_token"]["f1"] == 1.0  # the comma is no token: the contents agree word for word
    assert quotes["speaker"]["accuracy"] == 1.0 and quotes["speaker"]["matched"] == q - 1
    assert quotes["speaker_entity"]["accuracy"] == pytest.approx((q - 2) / (q - 1))
    # tokens: "Turkey" (B-GPE vs O), "almost" (B-DATE vs O), "nine" (I-DATE vs B-DATE) differ
    t = s["tokens"]
    assert t["observed"] == pytest.approx(1 - 3 / t["tokens"])
    assert t["observed_annotated"] == pytest.approx(1 - 3 / t["annotated_tokens"])
    # the disagreements, for adjudication
    what = sorted((d["layer"], d["what"]) for d in s["disagreements"])
    assert what == [("entities", "only in A"), ("entities", "span or label differs"), ("figures", "bound differs"),
                    ("quotes", "content span differs"), ("quotes", "speaker_entity differs")]
    metrics = pytest.importorskip("sklearn.metrics")
    from idlib_gold.checking.pipeline import load
    from idlib_gold.layout import Tree
    from idlib_gold.scoring.agreement import _tags

    a_docs = sorted(load(repo)[0].documents, key=lambda d: d.id)
    b_docs = sorted(load(b, tree=Tree("docs", "texts", "kb.yaml"))[0].documents, key=lambda d: d.id)
    ta = [x for d in a_docs for x in _tags(d)]
    tb = [x for d in b_docs for x in _tags(d)]
    assert t["kappa"] == pytest.approx(metrics.cohen_kappa_score(ta, tb))
    tagged = [(x, y) for x, y in zip(ta, tb) if "O" != x or "O" != y]
    assert t["kappa_annotated"] == pytest.approx(metrics.cohen_kappa_score(*zip(*tagged)))


def test_text_and_markdown_name_the_shapes_and_show_the_disagreements(cli, trees):
    repo, b = trees
    _edit(b / "docs" / f"{DOC}.yaml", '  - {id: e2, label: GPE, start: 112, end: 118, text: "Turkey", entity: turkey}\n', "")
    text = _agree(cli, repo, str(repo), str(b), "--detail")
    assert text.code == 0
    assert f"A = {repo} (repository root)" in text.out and "(annotation folder)" in text.out
    assert "only in A" in text.out and "e2 GPE 112-118 'Turkey'" in text.out
    assert f"annotations/docs/{DOC}.yaml:12" in text.out and "PASSED" in text.out
    md = _agree(cli, repo, str(repo), str(b), "--format", "markdown")
    assert "| measure | value | on |" in md.out and "| GPE |" in md.out


def test_a_second_annotators_subset_borrows_texts_and_kb(cli, trees):
    repo, _ = trees
    second = repo / "annotations" / "second" / "docs"
    shutil.rmtree(second.parent, ignore_errors=True)  # the repository's own second annotation, replaced
    second.mkdir(parents=True)
    shutil.copy(repo / "annotations" / "docs" / f"{DOC}.yaml", second)
    result = _agree(cli, repo, str(repo / "annotations"), str(repo / "annotations/second"), "--format", "json")
    assert result.code == 0, result.out
    s = json.loads(result.out)["agreement"]
    assert s["documents"] == [DOC] and len(s["only_a"]) == 4 and s["only_b"] == []
    assert "texts and kb.yaml from the repository" in s["b"]


# Bad inputs: a usage error (exit 2) or findings (exit 1), never a traceback ----------------

def test_a_missing_folder_is_a_usage_error(cli, trees):
    repo, b = trees
    result = _agree(cli, repo, str(repo / "annotations"), str(b / "nowhere"))
    assert result.code == 2 and "does not exist" in result.err


def test_a_folder_without_docs_is_a_usage_error(cli, trees, tmp_path):
    repo, _ = trees
    (tmp_path / "empty").mkdir()
    result = _agree(cli, repo, str(repo / "annotations"), str(tmp_path / "empty"))
    assert result.code == 2 and "neither docs/" in result.err
    (tmp_path / "empty" / "docs").mkdir()
    result = _agree(cli, repo, str(repo / "annotations"), str(tmp_path / "empty"))
    assert result.code == 2 and "has no documents" in result.err
    (tmp_path / "file").write_text("x")
    assert _agree(cli, repo, str(repo / "annotations"), str(tmp_path / "file")).code == 2


def test_the_same_tree_twice_through_a_symlink_is_a_usage_error(cli, trees, tmp_path):
    repo, _ = trees
    (tmp_path / "link").symlink_to(repo / "annotations")
    result = _agree(cli, repo, str(repo / "annotations"), str(tmp_path / "link"))
    assert result.code == 2 and "same annotation tree" in result.err


def test_a_dangling_symlink_document_is_a_finding(cli, trees, tmp_path):
    repo, b = trees
    target = b / "docs" / f"{DOC}.yaml"
    target.unlink()
    target.symlink_to(tmp_path / "gone.yaml")
    result = _agree(cli, repo, str(repo / "annotations"), str(b), "--format", "json")
    assert result.code == 1
    findings = json.loads(result.out)["findings"]
    # a link is refused as a link (IG110) before anything is read, dangling or not
    assert [f["code"] for f in findings] == ["IG110"] and findings[0]["path"].endswith(f"{DOC}.yaml")


def test_broken_yaml_on_one_side_is_a_finding(cli, trees):
    repo, b = trees
    (b / "docs" / f"{DOC}.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    result = _agree(cli, repo, str(repo / "annotations"), str(b))
    assert result.code == 1 and "IG103" in result.out and "agreement not computed" in result.out


def test_mismatched_texts_are_a_finding_and_the_rest_is_compared(cli, trees):
    repo, b = trees
    text = b / "texts" / f"{DOC}.txt"
    text.write_bytes(text.read_bytes() + b"\n")
    _edit(b / "docs" / f"{DOC}.yaml", (ROOT / "annotations/docs" / f"{DOC}.yaml").read_text().split("sha256: ")[1][:64],
          __import__("hashlib").sha256(text.read_bytes()).hexdigest())
    result = _agree(cli, repo, str(repo / "annotations"), str(b), "--format", "json")
    assert result.code == 1, result.out
    out = json.loads(result.out)
    assert [f["code"] for f in out["findings"]] == ["IG707"]
    assert DOC not in out["agreement"]["documents"] and len(out["agreement"]["documents"]) == 4


def test_the_card_gives_the_agreement_of_a_second_annotators_tree(cli, repo):
    card = repo / "dataset" / "README.md"
    second = repo / "annotations" / "second" / "docs"
    shutil.rmtree(second.parent, ignore_errors=True)  # without a second tree, the card says there is none
    assert cli("build", root=repo).code == 0
    assert "There is no\ninter-annotator agreement figure" in card.read_text(encoding="utf-8")
    second.mkdir(parents=True)
    shutil.copy(repo / "annotations" / "docs" / f"{DOC}.yaml", second)
    _edit(second / f"{DOC}.yaml", '  - {id: e2, label: GPE, start: 112, end: 118, text: "Turkey", entity: turkey}\n', "")
    stale = cli("check", root=repo)
    assert stale.code == 1 and "IG601" in stale.out  # the card must now carry the figures
    assert cli("build", root=repo).code == 0
    assert cli("check", root=repo).code == 0
    text = card.read_text(encoding="utf-8")
    assert "There is no\ninter-annotator agreement figure" not in text and "Inter-annotator agreement between" in text
    agree = _agree(cli, repo, str(repo / "annotations"), str(repo / "annotations" / "second"), "--format", "markdown")
    rows = [line for line in agree.out.splitlines() if line.startswith("| entities, exact F1")]
    assert rows and rows[0] in text  # the same figures as the command prints
    assert "| Cohen's kappa, BIO tags, all tokens |" in text

    (second / f"{DOC}.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    broken = cli("build", root=repo)
    assert broken.code == 1 and "annotations/second/docs/" in broken.out and "IG103" in broken.out


def test_trees_without_a_document_in_common_are_a_usage_error(cli, trees, tmp_path):
    repo, _ = trees
    for name, doc in (("x", DOC), ("y", "001_340019b8c38c476d")):
        (tmp_path / name / "docs").mkdir(parents=True)
        shutil.copy(repo / "annotations" / "docs" / f"{doc}.yaml", tmp_path / name / "docs")
    result = _agree(cli, repo, str(tmp_path / "x"), str(tmp_path / "y"))
    assert result.code == 2 and "no document in common" in result.err


def test_an_unsafe_file_name_and_a_kb_that_is_a_folder_are_findings(cli, trees, tmp_path):
    repo, _ = trees
    side = tmp_path / "c"
    (side / "docs").mkdir(parents=True)
    shutil.copy(repo / "annotations" / "docs" / f"{DOC}.yaml", side / "docs" / "Bad Name.yaml")
    (side / "kb.yaml").mkdir()
    result = _agree(cli, repo, str(repo / "annotations"), str(side), "--format", "json")
    assert result.code == 1
    assert {f["code"] for f in json.loads(result.out)["findings"]} == {"IG109", "IG303"}


def test_validate_checks_the_second_annotators_tree(cli, repo):
    """The second tree is data of the repository: validated whole or by its own paths, never mixed up
    with the gold document of the same id."""
    second = repo / "annotations" / "second" / "docs" / "002_64197da7831f2480.yaml"
    assert second.exists()
    whole = cli("validate", root=repo)
    assert whole.code == 0 and "5 document(s) checked, and 2 in annotations/second/" in whole.out, whole.out
    second.write_text(second.read_text(encoding="utf-8").replace("start: 6, end: 16,", "start: 6.0, end: 16,", 1), encoding="utf-8")
    for args in ((), (str(second),)):
        result = cli("validate", *args, "--format", "json", root=repo)
        findings = json.loads(result.out)["findings"]
        assert result.code == 1 and findings, result.out
        assert {f["path"] for f in findings} == {"annotations/second/docs/002_64197da7831f2480.yaml"}
    gold_only = cli("validate", str(repo / "annotations/docs/002_64197da7831f2480.yaml"), root=repo)
    assert gold_only.code == 0 and "annotations/second" not in gold_only.out and "1 document(s) checked" in gold_only.out


@pytest.mark.parametrize("side", ["b", "both"])
@pytest.mark.parametrize("form", ["text", "markdown", "json"])
def test_a_tree_with_no_quotes_yet_is_reported_in_every_format(cli, trees, side, form):
    """An annotator who has written no quotes yet: B then carries no cue (and, with A empty too, nothing to
    compare); every format gives its report, the missing figures shown as such, never a traceback."""
    repo, b = trees
    for folder in [b / "docs"] + ([repo / "annotations" / "docs"] if side == "both" else []):
        for path in folder.glob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            path.write_text(text[:text.index("quotes:")] + "quotes: []\n", encoding="utf-8")
    result = _agree(cli, repo, str(repo / "annotations"), str(b), "--format", form)
    assert result.code == 0, result.out + result.err
    if form == "json":
        assert json.loads(result.out)["agreement"]["quotes"]["cue"] is None
    else:
        assert re.search(r"cue F1\W+—", result.out), result.out
