"""`idlib-gold suspects`: planted gold errors come out on top, the real gold with the reference
baselines gives a short stable list, scores weigh votes, and bad inputs are refused as the others are.

The planted test copies the gold and breaks it four ways (a mention deleted, a label flipped, a
span cut by one token, a span invented), then ranks it against two systems built from the
unmodified gold with seeded noise (spans dropped, relabelled, stretched by a token, invented):
one as pipeline spans with scores (noise scored low, as a model is unsure where it errs), one as
span records without. A planted error is seen only where both systems are right at its place;
the seeds are fixed, so the test is deterministic.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest

from helpers import ROOT
from idlib_gold import vocabulary
from idlib_gold.checking.pipeline import load
from idlib_gold.scoring.suspects import System, find_suspects, guideline_decisions, read_decisions, read_systems
from idlib_gold.scoring.token_inputs import read_input

DOC = "000_10fe6d47143cad7a"


def _noisy(documents, seed: int, scored: bool) -> bytes:
    """Predictions for every document: the gold's entities and figures with seeded noise."""
    rng = random.Random(seed)
    entity_labels, figure_labels = vocabulary.entity_labels(), vocabulary.figure_labels()
    lines = []
    for doc in sorted(documents, key=lambda d: d.id):
        gold = sorted((a["start"], a["end"], a["label"]) for layer in ("entities", "figures") for a in doc.data[layer])
        taken = [(s, e) for s, e, _ in gold]
        spans = []
        for s, e, label in gold:
            r = rng.random()
            if r < 0.04:
                continue  # dropped
            if r < 0.07:
                labels = entity_labels if label in entity_labels else figure_labels
                spans.append((s, e, rng.choice([x for x in labels if x != label]), rng.uniform(0.3, 0.7)))
            elif r < 0.10:
                k = next((k for k, st in enumerate(doc.tokens.starts) if st >= e), None)
                if k is not None and not any(a < doc.tokens.ends[k] and e < b for a, b in taken):
                    spans.append((s, doc.tokens.ends[k], label, rng.uniform(0.3, 0.7)))
            else:
                spans.append((s, e, label, rng.uniform(0.85, 1.0)))
        for _ in range(2):  # invented
            k = rng.randrange(len(doc.tokens))
            a, b = doc.tokens.starts[k], doc.tokens.ends[k]
            if not any(x < b and a < y for x, y in taken):
                spans.append((a, b, rng.choice(entity_labels), rng.uniform(0.3, 0.7)))
        if scored:
            items = [{"start": s, "end": e, "entity_group": label, "score": round(score, 4), "word": doc.text[s:e]}
                     for s, e, label, score in spans]
            lines.append(json.dumps({"id": doc.id, "entities": items}))
        else:
            record = {"id": doc.id, "entities": [], "figures": []}
            for s, e, label, _ in spans:
                layer = "entities" if label in entity_labels else "figures"
                record[layer].append({"label": label, "start": s, "end": e, "text": doc.text[s:e]})
            lines.append(json.dumps(record))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _plant(repo: Path) -> dict:
    """Four errors in one document's YAML; returns what was planted, with the line of each."""
    path = repo / "annotations/docs" / f"{DOC}.yaml"
    text = (repo / "annotations/texts" / f"{DOC}.txt").read_text(encoding="utf-8")
    lines = path.read_text(encoding="utf-8").split("\n")

    def line_of(fragment: str) -> int:
        return next(i for i, x in enumerate(lines) if fragment in x)

    e12 = line_of("{id: e12,")
    del lines[e12]  # deleted mention: "Turkey" 724–730; e13 moves up into its line
    e9 = line_of("{id: e9,")
    lines[e9] = lines[e9].replace("label: ORG", "label: GPE")  # flipped label
    e14 = line_of("{id: e14,")
    lines[e14] = lines[e14].replace('end: 927, text: "almost nine years"', 'end: 921, text: "almost nine"')
    start = text.index("border")
    last = line_of("{id: e78,")
    lines.insert(last + 1, f'  - {{id: e999, label: LOC, start: {start}, end: {start + 6}, text: "border", '
                           f'entity: idlib}}')
    path.write_text("\n".join(lines), encoding="utf-8")
    return {"missed": (724, 730, e12 + 1), "label": (604, 618, e9 + 1), "boundary": (910, 921, e14 + 1),
            "spurious": (start, start + 6, last + 2)}


def test_planted_errors_come_out_on_top(corpus, tmp_path):
    repo = tmp_path / "repo"
    for name in ("annotations", "schema"):
        shutil.copytree(ROOT / name, repo / name)
    planted = _plant(repo)
    broken, _ = load(repo, prepare=False)
    named = [("a.jsonl", _noisy(corpus.documents, 1, scored=True)),
             ("b.jsonl", _noisy(corpus.documents, 2, scored=False))]
    systems, findings, _ = read_systems(broken.documents, named)
    assert findings == []
    suspects = find_suspects(broken.documents, systems, read_decisions(repo))
    found = {(s.kind, s.start, s.end): s for s in suspects if s.doc_id == DOC}
    for kind, (start, end, line) in planted.items():
        s = found[(kind, start, end)]
        assert (s.line, s.path) == (line, f"annotations/docs/{DOC}.yaml"), kind
        assert s.rank <= 4, (kind, s.rank, [(x.rank, x.kind, x.doc_id, x.start, x.agreement) for x in suspects[:8]])
    assert found[("label", 604, 618)].suggested_label == "ORG"
    assert (found[("boundary", 910, 921)].suggested_start, found[("boundary", 910, 921)].suggested_end) == (910, 927)
    assert found[("missed", 724, 730)].label == "GPE" and found[("missed", 724, 730)].annotation is None
    assert found[("spurious", planted["spurious"][0], planted["spurious"][1])].annotation == "e999"
    assert [s.rank for s in suspects] == list(range(1, len(suspects) + 1))
    shuffled = [(name, b"\n".join(reversed(raw.strip().split(b"\n"))) + b"\n") for name, raw in named]
    again = find_suspects(broken.documents, read_systems(broken.documents, shuffled)[0], read_decisions(repo))
    assert again == suspects  # the order of the lines changes nothing


def test_the_real_gold_with_the_reference_baselines(cli, tmp_path):
    """Both baselines as two systems: the quote baseline predicts no entity or figure, so the figure
    baseline alone votes, and its one span off the gold is the whole list."""
    files = [str(tmp_path / f"{kind}.jsonl") for kind in ("figures", "quotes")]
    for kind, path in zip(("figures", "quotes"), files):
        assert cli("baseline", kind, "--out", path, root=ROOT).code == 0
    first = cli("suspects", *files, "--format", "json", root=ROOT)
    second = cli("suspects", *files, "--format", "json", root=ROOT)
    assert first.code == 0 and first.out == second.out
    out = json.loads(first.out)
    assert len(out["suspects"]) == 1
    s = out["suspects"][0]
    assert (s["rank"], s["kind"], s["doc_id"], s["start"], s["end"], s["text"], s["label"]) == \
        (1, "missed", "001_340019b8c38c476d", 1597, 1600, "one", "CARDINAL")
    assert (s["agreeing"], s["voters"], s["agreement"], s["decision"]["number"]) == (1, 1, 1.0, 43)
    assert s["waiver"].startswith("IG501: in 'a new one that started on January 12'")  # the document decided it
    text = cli("suspects", *files, root=ROOT)
    assert text.code == 0 and text.out == cli("suspects", *files, root=ROOT).out
    assert "1. possibly missed: annotations/docs/001_340019b8c38c476d.yaml:" in text.out
    assert "   decided: the document waives it (IG501: in 'a new one" in text.out
    assert text.out.endswith("PASSED: 1 suspect(s) ranked from 2 system(s) in 5 document(s) (1 already decided by "
                             "a waiver), no findings\n")


def test_a_waived_suspect_ranks_after_every_undecided_one(corpus):
    """A waiver is an adjudication written down: its suspect stays listed, after those still to review,
    even when more systems agree on it."""
    import copy

    doc = copy.deepcopy(_doc(corpus))
    by_id = {a["id"]: a for layer in ("entities", "figures") for a in doc.data[layer]}
    e4 = by_id["e4"]  # NORP "Syrian"
    kept = [(a["start"], a["end"], a["label"], None) for a in by_id.values() if a is not e4]
    border = doc.text.index("border")
    spans = tuple(sorted(kept + [(e4["start"], e4["end"], "GPE", 0.5), (border, border + 6, "GPE", None)]))
    systems = [System(name, frozenset(("entities", "figures")), {doc.id: spans}) for name in ("A", "B")]
    plain = find_suspects([doc], systems)
    assert [(s.kind, s.text, s.agreement, s.waiver) for s in plain] == \
        [("missed", "border", 1.0, None), ("label", "Syrian", 0.5, None)]
    doc.data.setdefault("waivers", []).append({"code": "IG501", "text": "border", "reason": "a common noun here"})
    ranked = find_suspects([doc], systems)
    assert [(s.rank, s.kind, s.text, s.waiver) for s in ranked] == \
        [(1, "label", "Syrian", None), (2, "missed", "border", "IG501: a common noun here")]
    doc.data["waivers"].append({"code": "IG502", "text": "Syrian", "reason": "decided"})
    assert [s.waiver for s in find_suspects([doc], systems)] == ["IG501: a common noun here", "IG502: decided"]


def _doc(corpus):
    return next(d for d in corpus.documents if d.id == DOC)


def test_scores_weigh_votes_and_a_bad_pipeline_score_is_a_warning(corpus):
    doc = _doc(corpus)
    e9 = next(a for a in doc.data["entities"] if a["id"] == "e9")  # United Nations, ORG
    span = {"label": "GPE", "start": e9["start"], "end": e9["end"], "text": e9["text"]}
    records = json.dumps({"id": DOC, "entities": [{**span, "score": 0.25}]}).encode()
    form, read = read_input(records, "a.jsonl", corpus.documents)
    assert form == "spans" and read.findings == []  # the schema takes a score on a span record
    pipeline = json.dumps({"id": DOC, "entities": [{"start": span["start"], "end": span["end"],
                                                    "entity_group": "GPE", "score": 0.5}]}).encode()
    systems, findings, _ = read_systems(corpus.documents, [("a.jsonl", records), ("b.jsonl", pipeline)], "train")
    assert findings == []
    label = [s for s in find_suspects(corpus.documents, systems) if s.kind == "label"]
    assert [(s.annotation, s.suggested_label, s.agreement) for s in label] == [("e9", "GPE", 0.375)]
    assert [v.score for v in label[0].votes] == [0.25, 0.5]
    bad = json.dumps({"id": DOC, "entities": [{"start": 0, "end": 4, "entity_group": "DATE", "score": 7}]})
    _, read = read_input(bad.encode(), "p.jsonl", corpus.documents)
    assert [(f.code, f.line, f.severity) for f in read.findings] == [("IG730", 1, "warning")]
    assert "score" not in read.predictions[0].data["entities"][0]
    records = json.dumps({"id": DOC, "entities": [{**span, "score": 1.5}]}).encode()
    assert [f.code for f in read_input(records, "a.jsonl", corpus.documents)[1].findings] == ["IG702"]


def test_ranking_follows_the_docstring_example(corpus):
    """Agreement first, then kind, then position; a system silent on a layer does not vote on it."""
    doc = _doc(corpus)
    by_id = {a["id"]: a for layer in ("entities", "figures") for a in doc.data[layer]}
    gold = [(a["start"], a["end"], a["label"], None) for a in by_id.values()]
    changed = {(by_id[i]["start"], by_id[i]["end"]) for i in ("e4", "e14", "f2")}
    kept = [g for g in gold if (g[0], g[1]) not in changed]
    border = doc.text.index("border")
    a = kept + [(230, 236, "GPE", 0.9), (910, 921, "DATE", None), (border, border + 6, "GPE", 0.6)]
    b = kept + [(230, 236, "GPE", None), (910, 921, "DATE", None), (border, border + 6, "GPE", None)]
    found = find_suspects([doc], [_system("A", a), _system("B", b)])
    assert [(s.rank, s.kind, s.annotation, s.start, s.agreement, s.agreeing, s.voters) for s in found] == [
        (1, "boundary", "e14", 910, 1.0, 2, 2), (2, "spurious", "f2", by_id["f2"]["start"], 1.0, 2, 2),
        (3, "label", "e4", 230, 0.95, 2, 2), (4, "missed", None, border, 0.8, 2, 2)]
    assert (found[0].suggested_start, found[0].suggested_end, found[2].suggested_label) == (910, 921, "GPE")
    assert [v.says for v in found[1].votes] == ["none", "none"]
    # C predicts entities only, as the gold has them: it outvotes e4 and e14, and does not vote on f2
    found = find_suspects([doc], [_system("A", a), _system("B", b), _system("C", gold, layers=("entities",))])
    assert [(s.kind, s.annotation, s.agreement, s.agreeing, s.voters) for s in found] == [
        ("spurious", "f2", 1.0, 2, 2), ("missed", None, 0.533333, 2, 3)]
    two = [_system("A", a), _system("B", b)]
    assert find_suspects([doc], two) == find_suspects([doc], list(two))


def test_the_decision_list_is_read_and_matched_by_label():
    decisions = guideline_decisions((ROOT / "annotations/GUIDELINES.md").read_text(encoding="utf-8"))
    assert [d.number for d in decisions] == list(range(1, len(decisions) + 1)) and len(decisions) >= 60
    assert (decisions[0].group, decisions[0].title) == ("Entities", "Titles before names")
    from idlib_gold.scoring.suspects import _decision

    assert _decision(decisions, "GPE", None).number == 3  # the first that names GPE
    assert _decision(decisions, "ORG", "GPE").number == 3  # the first that names both
    assert _decision(decisions, "CARDINAL", None).number == 43
    assert _decision(decisions, "FAC", None).number == 53
    assert _decision((), "GPE", None) is None


def _system(name, spans, layers=("entities", "figures")):
    from idlib_gold.scoring.suspects import System

    return System(name, frozenset(layers), {DOC: tuple(sorted(spans, key=lambda s: (s[0], s[1], s[2])))})


# ---- the command's bad inputs ------------------------------------------------------------------------

@pytest.fixture
def baselines(cli, tmp_path):
    files = [tmp_path / f"{kind}.jsonl" for kind in ("figures", "quotes")]
    for kind, path in zip(("figures", "quotes"), files):
        assert cli("baseline", kind, "--out", str(path), root=ROOT).code == 0
    return [str(p) for p in files]


def test_bad_arguments_are_usage_errors(cli, tmp_path, baselines):
    cases = [
        ([str(tmp_path / "missing.jsonl")], "no such file"),
        ([], "PREDICTIONS"),
        ([baselines[0], baselines[0]], "are the same file"),
        ([baselines[0], str(Path(baselines[0]).parent / "." / Path(baselines[0]).name)], "are the same file"),
        ([baselines[0], "--format", "html"], "--out DIR"),
        ([baselines[0], "--out", str(tmp_path / "pages")], "--out DIR"),
        ([baselines[0], "--format", "html", "--out", str(ROOT / "annotations" / "pages")], "inside annotations/"),
        ([baselines[0], "--format", "html", "--out", str(ROOT / "src")], "inside src/"),
        ([baselines[0], "--format", "html", "--out", str(ROOT)], "is the repository or a folder above it"),
        ([baselines[0], "--split", "dev"], "invalid choice"),
    ]
    for args, said in cases:
        result = cli("suspects", *args, root=ROOT)
        assert result.code == 2 and said in result.err and "Traceback" not in result.err, (args, result)
    assert not (ROOT / "annotations" / "pages").exists() and not (tmp_path / "pages").exists()


def test_a_folder_or_a_device_is_not_read(cli, tmp_path, baselines):
    for special, code in ((str(tmp_path), "IG109"), ("/dev/zero", "IG110")):
        result = cli("suspects", baselines[0], special, root=ROOT)
        assert result.code == 2 and code in result.out and "nothing ranked" in result.out, result


def test_a_predictions_file_with_errors_exits_1_and_ranks_the_rest(cli, tmp_path, baselines):
    broken = tmp_path / "broken.jsonl"
    lines = Path(baselines[0]).read_text(encoding="utf-8").split("\n")
    broken.write_text("\n".join(["{not json"] + lines), encoding="utf-8")
    result = cli("suspects", str(broken), baselines[1], root=ROOT)
    assert result.code == 1 and "IG701" in result.out and "1. possibly missed" in result.out
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = cli("suspects", str(empty), "--format", "json", root=ROOT)
    out = json.loads(result.out)
    assert result.code == 1 and [f["code"] for f in out["findings"]] == ["IG708"] and out["suspects"] == []


def test_a_gold_with_errors_is_not_ranked(cli, repo, baselines):
    doc = repo / "annotations/docs" / f"{DOC}.yaml"
    doc.write_text(doc.read_text(encoding="utf-8").replace("start: 112, end: 118,", "start: 113, end: 119,"),
                   encoding="utf-8")
    result = cli("suspects", *baselines, root=repo)
    assert result.code == 1 and "IG305" in result.out and "nothing ranked" in result.out


# ---- review pages --------------------------------------------------------------------------------------

@pytest.fixture
def noisy_files(tmp_path):
    """Two noisy systems built from the planted copy: against the real gold, its four errors are
    the systems' shared opinion, so the real gold has four suspects besides the noise."""
    repo = tmp_path / "planted"
    for name in ("annotations", "schema"):
        shutil.copytree(ROOT / name, repo / name)
    _plant(repo)
    broken, _ = load(repo, prepare=False)
    files = []
    for seed, scored in ((1, True), (2, False)):
        path = tmp_path / f"system-{seed}.jsonl"
        path.write_bytes(_noisy(broken.documents, seed, scored))
        files.append(str(path))
    return files


@pytest.mark.slow
def test_html_pages_show_each_suspect_beside_every_system(cli, tmp_path, noisy_files):
    from helpers import find_browser as _browser
    from helpers import parse_page as _parse
    from helpers import run_chromium as _chromium

    out = tmp_path / "pages"
    result = cli("suspects", *noisy_files, "--format", "html", "--out", str(out), root=ROOT)
    assert result.code == 0, result.err
    listed = json.loads(cli("suspects", *noisy_files, "--format", "json", root=ROOT).out)["suspects"]
    assert len(listed) >= 3 and f"PASSED: {len(listed)} suspect(s) ranked from 2 system(s)" in result.out
    docs = sorted({s["doc_id"] for s in listed})
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{d}.html" for d in docs] + ["index.html", "MANIFEST"])
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"#]+)#s(\d+)">(\d+)</a>', index)
    assert [(name, int(rank)) for name, rank, _ in links] == [(f"{s['doc_id']}.html", s["rank"]) for s in listed]
    for s in listed:
        tree = _parse((out / f"{s['doc_id']}.html").read_text(encoding="utf-8"))
        assert tree.errors == [] and tree.stack == []
        assert f"s{s['rank']}" in tree.ids
        columns = {f"s{s['rank']}-gold-focus"} | {f"s{s['rank']}-sys{n}-focus" for n in (1, 2)}
        assert columns <= set(tree.ids), s["rank"]  # the span outlined in the gold and in each system
    again = tmp_path / "again"
    cli("suspects", *noisy_files, "--format", "html", "--out", str(again), root=ROOT)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {p.name: p.read_bytes() for p in again.iterdir()}

    browser = _browser()
    names = ["index.html", f"{docs[0]}.html"]
    runs = {name: _chromium(browser, tmp_path / f"profile-{name}", "--window-size=1366,900", "--dump-dom",
                            (out / name).as_uri()) for name in names}
    shot = tmp_path / "shot.png"
    runs["shot"] = _chromium(browser, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1366,900",
                             (out / f"{docs[0]}.html").as_uri())
    for name, run in runs.items():
        dom, log = run.communicate(timeout=180)
        console = [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]
        assert console == [], (name, console)
        if name != "shot":
            tree = _parse(dom)
            assert tree.root_attrs.get("data-js-errors") is None, name
            ranks = [s["rank"] for s in listed if name == "index.html" or f"{s['doc_id']}.html" == name]
            assert {f"s{r}" for r in ranks} <= set(tree.ids) or name == "index.html"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and len(shot.read_bytes()) > 30_000


def test_html_refuses_a_link_where_the_folder_goes(cli, tmp_path, baselines):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    result = cli("suspects", *baselines, "--format", "html", "--out", str(tmp_path / "link"), root=ROOT)
    assert result.code == 2 and "symbolic link" in result.err and list((tmp_path / "elsewhere").iterdir()) == []


def test_a_file_of_one_split_is_ranked_in_that_split(cli, tmp_path):
    """What `export` wrote for the test split, or a file with lines for the documents of one split only, speaks
    for that split, as `evaluate` scores it: the gold of the other splits is not made a suspect by a file that
    says nothing of it. The gold itself, so read, has no suspect."""
    out = tmp_path / "conll"
    assert cli("export", "--format", "conll", str(out), root=ROOT).code == 0
    result = cli("suspects", str(out / "test.conll"), root=ROOT)
    assert result.code == 0 and "(split test)" in result.out, result.out
    assert "PASSED: 0 suspect(s) ranked from 1 system(s) in 1 document(s)" in result.out
    corpus, _ = load(ROOT, tokens=False)
    doc = next(d for d in corpus.documents if d.data["split"] == "validation")
    line = {"id": doc.id, "entities": [{k: a[k] for k in ("start", "end", "label")} for a in doc.data["entities"]],
            "figures": [{k: a[k] for k in ("start", "end", "label")} for a in doc.data["figures"]]}
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = cli("suspects", str(one), "--format", "json", root=ROOT)
    assert json.loads(result.out)["split"] == "validation", result.out
    assert {s["doc_id"] for s in json.loads(result.out)["suspects"]} <= {doc.id}
    everywhere = cli("suspects", str(one), "--split", "train", "--format", "json", root=ROOT)
    assert json.loads(everywhere.out)["split"] == "train"  # a split named is the split ranked
