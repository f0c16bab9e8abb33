"""One slip, one finding: what follows from a finding is folded into it (findings.fold).

The end-to-end test makes the commonest slip on a copy of the real corpus and reads every
output format. The slip tests make each kind of slip on every annotation of the real corpus,
in memory, and check that the folded findings are one, and that the table of consequences
(findings.CONSEQUENCES) holds exactly the pairs of codes the slips make co-occur.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from helpers import ROOT
from idlib_gold.findings import CONSEQUENCES, Finding, fold, has_errors

DOC = "annotations/docs/000_10fe6d47143cad7a.yaml"
E2 = "{id: e2, label: GPE, start: 112, end: 118, "  # 'Turkey', line 12


def _shift_e2(repo) -> None:
    path = repo / DOC
    text = path.read_text(encoding="utf-8")
    assert text.count(E2) == 1
    path.write_text(text.replace(E2, "{id: e2, label: GPE, start: 113, end: 119, "), encoding="utf-8")


def test_an_entity_shifted_by_one_character_is_one_finding_in_every_format(cli, repo):
    _shift_e2(repo)

    text = cli("validate", root=repo)
    assert text.code == 1
    lines = text.out.splitlines()
    assert lines[-1].startswith("FAILED: 1 error(s), 0 warning(s) in 1 file(s);")
    assert lines[0].startswith(f"{DOC}:12:54: IG305 e2: text 'Turkey' ≠ text[113:119] 'urkey '")
    caused = [x.strip() for x in lines if x.endswith("caused by the IG305 above")]
    assert [x.split(": ")[1].split()[0] for x in caused] == ["IG319", "IG501"]
    assert caused[1].startswith(f"{DOC}:12:5: IG501 (warning) 'Turkey' (GPE) is not annotated at 112–118")

    sarif = json.loads(cli("validate", "--format", "sarif", root=repo).out)["runs"][0]["results"]
    assert [r["ruleId"] for r in sarif] == ["IG305"]
    related = sarif[0]["relatedLocations"]
    assert [r["message"]["text"].split()[0] for r in related] == ["IG319", "IG501"]
    assert {r["physicalLocation"]["region"]["startLine"] for r in related} == {12}

    report = json.loads(cli("validate", "--format", "json", root=repo).out)
    assert [f["code"] for f in report["findings"]] == ["IG305"]
    assert [c["code"] for c in report["findings"][0]["caused"]] == ["IG319", "IG501"]
    assert report["summary"] == lines[-1]

    github = cli("validate", "--format", "github", root=repo).out.splitlines()
    assert len(github) == 2 and github[0].startswith("::error ") and "IG305" in github[0]

    strict = cli("validate", "--strict", root=repo)  # the folded warning is no extra finding under --strict
    assert strict.code == 1 and strict.out.splitlines()[-1] == lines[-1]


def test_a_folded_error_still_fails_the_run():
    cause = Finding("IG309", "e1: label ORG but 'turkey' is a GPE", "a.yaml", 3, 5, "e1")
    # a cause that is a warning would be shown as one, but the error under it keeps the verdict
    cause_warning = Finding("IG309", "as above", "a.yaml", 3, 5, "e1", severity="warning")
    consequence = Finding("IG502", "'Turkey' is ORG here", "a.yaml", 3, 5, "e1", severity="error")
    folded = fold([cause_warning, consequence])
    assert [f.code for f in folded] == ["IG309"] and folded[0].caused == (consequence,)
    assert has_errors(folded) and has_errors([cause_warning, consequence])
    from idlib_gold.report import render_sarif, summary_line

    assert summary_line(folded, "1 file").startswith("FAILED: 1 error(s), 0 warning(s)")
    assert json.loads(render_sarif(folded, "1 file"))["runs"][0]["results"][0]["level"] == "error"
    assert fold(fold([cause, consequence])) == fold([cause, consequence])  # folding is idempotent


def test_a_consequence_folds_into_the_cause_of_the_annotation_it_involves():
    """IG310 is reported on the later of two overlapping spans; when the earlier one is the one
    shifted, the overlap still follows from that one's IG305."""
    cause = Finding("IG305", "e11: text differs", "a.yaml", 20, 50, "e11")
    overlap = Finding("IG310", "e12 overlaps e11", "a.yaml", 21, 5, "e12", involves=("e11",))
    elsewhere = Finding("IG310", "e12 overlaps e11", "b.yaml", 21, 5, "e12", involves=("e11",))
    assert fold([overlap, cause, elsewhere]) == [Finding("IG305", "e11: text differs", "a.yaml", 20, 50, "e11",
                                                         caused=(overlap,)), elsewhere]


def test_the_table_has_no_cycle_and_names_known_codes():
    from idlib_gold.findings import CODES

    for cause, (scope, codes) in CONSEQUENCES.items():
        assert cause in CODES and codes <= set(CODES) and scope in ("annotation", "file", "corpus")
        # a warning never hides an error under it
        assert all(CODES[cause].severity == "error" or CODES[c].severity == "warning" for c in codes)

    def reaches(code: str, seen: tuple) -> None:  # chains end: a code never follows from itself
        for nxt in CONSEQUENCES.get(code, ("", frozenset()))[1]:
            assert nxt not in seen, seen + (nxt,)
            reaches(nxt, seen + (nxt,))

    for cause in CONSEQUENCES:
        reaches(cause, (cause,))


# --- every slip on the real corpus -----------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    from idlib_gold.checking import pipeline

    corpus, findings = pipeline.load(ROOT, prepare=False)
    assert not findings
    return corpus


def _findings(corpus) -> list[Finding]:
    from idlib_gold.checking.documents import check_corpus
    from idlib_gold.checking.lints import lint_corpus

    for doc in corpus.documents:
        doc.checks = doc.unannotated = None
    return check_corpus(corpus) + lint_corpus(corpus)


def _span_slips(span: dict, n: int):
    s, e = span["start"], span["end"]
    yield {"start": s + 1, "end": e + 1}  # shifted right
    yield {"start": s - 1, "end": e - 1}  # shifted left
    yield {"start": s + 1}  # first character cut
    yield {"end": e - 1}  # last character cut
    yield {"end": e + 1}  # one character too many
    yield {"start": s + 60, "end": e + 60}  # offsets of another place
    yield {"start": s - 300, "end": e - 300}
    yield {"start": n + 5, "end": n + 5 + e - s}  # past the end
    yield {"start": e, "end": s}  # start and end swapped
    yield {"text": span["text"][:-1] + ("x" if span["text"][-1] != "x" else "y")}  # text mistyped


def _spans(doc):
    for layer in ("entities", "figures", "quotes"):
        for a in doc.data[layer]:
            if layer != "quotes":
                yield a
            else:
                yield from (a[part] for part in ("content", "speaker", "cue", "addressee") if a.get(part))


def _slips(corpus, every: int):
    """Make each slip in place, yield, undo it. `every`: take every n-th span only."""
    for doc in corpus.documents:
        for k, span in enumerate(_spans(doc)):
            if k % every:
                continue
            for change in _span_slips(span, len(doc.text)):
                saved = dict(span)
                span.update(change)
                onto_itself = doc.text[span["start"]:span["end"]] == span["text"] if span["start"] >= 0 else False
                yield "span", onto_itself
                span.clear()
                span.update(saved)
        for a in doc.data["entities"][::every]:
            label = a["label"]
            for other in ("GPE", "ORG", "PERSON", "NORP"):
                if other != label:
                    a["label"] = other
                    yield "label", False
            a["label"] = label
        text, raw = doc.text, doc.raw
        rnd = random.Random(doc.id)
        for _ in range(max(1, 12 // every)):
            i = rnd.randrange(len(text))
            for edited in (text[:i] + "x" + text[i:], text[:i] + text[i + 1:]):
                _set_text(doc, edited)
                yield "text", False
        _set_text(doc, text, raw)
    for doc in corpus.documents:  # a document moved to another story, and to another split with it
        story, split = doc.data["story"], doc.data["split"]
        for other in sorted({d.data["story"] for d in corpus.documents} - {story})[::every]:
            doc.data["story"] = other
            for new_split in ("train", "validation", "test"):
                doc.data["split"] = new_split
                yield "story", False
        doc.data["story"], doc.data["split"] = story, split


def _set_text(doc, text: str, raw: bytes | None = None) -> None:
    doc.text, doc.raw = text, raw if raw is not None else text.encode("utf-8")
    for cached in ("intact", "tokens", "shingles"):
        doc.__dict__.pop(cached, None)


def _check_slips(corpus, every: int) -> tuple[Counter, Counter, int]:
    pairs, several, slips = Counter(), Counter(), 0
    for kind, onto_itself in _slips(corpus, every):
        folded = fold(_findings(corpus))
        slips += 1
        for f in folded:
            pairs.update((f.code, c.code) for c in f.caused)
        # A span moved exactly onto another occurrence of its own text breaks nothing a check can
        # name as the cause; a story moves every document of two stories: neither is one finding.
        if len(folded) > 1 and not onto_itself and kind != "story":
            several[kind, tuple(f.code for f in folded)] += 1
    assert not fold(_findings(corpus)), "the slips were not undone"
    return pairs, several, slips


@pytest.mark.slow
def test_a_sample_of_slips_on_the_real_corpus_gives_one_finding_each(real):
    pairs, several, slips = _check_slips(real, every=20)
    assert slips > 150
    assert not several, several
    assert {"IG305", "IG304", "IG301", "IG309"} <= {cause for cause, _ in pairs}


@pytest.mark.slow
def test_every_slip_on_the_real_corpus_gives_one_finding_and_the_table_is_what_they_show(real):
    pairs, several, slips = _check_slips(real, every=1)
    assert slips > 8000
    assert not several, several
    table = {(cause, code) for cause, (_, codes) in CONSEQUENCES.items() for code in codes}
    assert set(pairs) == table  # every entry is seen, and nothing is folded that the table does not say


# --- findings name what they compare ---------------------------------------------------------------

def _yaml_line(repo, rel: str, line: int) -> str:
    return (repo / rel).read_text(encoding="utf-8").splitlines()[line - 1]


def test_ig501_is_on_the_line_of_the_annotation_it_compares_with(cli, repo):
    path = repo / DOC
    text = path.read_text(encoding="utf-8")
    e20 = '  - {id: e20, label: GPE, start: 1101, end: 1107, text: "Turkey", entity: turkey}\n'
    path.write_text(text.replace(e20, ""), encoding="utf-8")  # 'Turkey' at 1101 left bare
    report = json.loads(cli("validate", "--format", "json", root=repo).out)
    [found] = [f for f in report["findings"] if f["code"] == "IG501"]
    assert "'Turkey' (GPE) is not annotated at 1101–1107" in found["message"]
    compared = found["annotation"]
    assert f"it is annotated as {compared} on line {found['line']}" in found["message"]
    assert _yaml_line(repo, DOC, found["line"]).startswith(f"  - {{id: {compared}, ")
    assert 'text: "Turkey"' in _yaml_line(repo, DOC, found["line"])


def test_ig502_names_the_annotation_it_compares_with_and_counts_what_it_counted(cli, repo):
    """'the corpus' in the count is the documents read: named files only when files are named."""
    path = repo / DOC
    text = path.read_text(encoding="utf-8")
    e16 = '{id: e16, label: DATE, start: 959, end: 965, text: "Sunday"'
    path.write_text(text.replace(e16, e16.replace("DATE", "TIME")), encoding="utf-8")
    other = "annotations/docs/003_e4f66969423e83e9.yaml"
    for args, n in (([], 5), ([DOC, other], 2)):
        report = json.loads(cli("validate", "--format", "json", *[str(repo / a) for a in args], root=repo).out)
        [found] = [f for f in report["findings"] if f["code"] == "IG502"]
        assert found["annotation"] == "e16" and found["path"] == DOC
        assert f"in the {n} document(s) checked: DATE ×1, TIME ×1" in found["message"]
        where = found["message"].split("DATE as ")[1].split(";")[0]  # "e22 (annotations/docs/003_….yaml:32)"
        ann, _, place = where.partition(" (")
        rel, _, line = place.rstrip(")").rpartition(":")
        assert rel == other and _yaml_line(repo, rel, int(line)).startswith(f"  - {{id: {ann}, label: DATE, ")
