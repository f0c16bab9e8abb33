"""The hook's quick question: was dataset/ rebuilt after the gold changed (IG610)? Answered from
the card's source digest, by `validate --stale-dataset`, without the build dependencies."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT

DOC = "annotations/docs/000_10fe6d47143cad7a.yaml"


def _touch_annotation(repo) -> None:
    path = repo / DOC
    path.write_text(path.read_text(encoding="utf-8").replace('text: "Turkey"', 'text: "Turkey" ', 1)
                    .replace('"Turkey" ,', '"Turkey",', 1) + "# reviewed\n", encoding="utf-8")


def test_the_committed_card_records_the_digest_of_the_committed_gold():
    from idlib_gold.building.freshness import recorded_digest
    from idlib_gold.reading.digest import source_digest

    assert recorded_digest(ROOT) == (source_digest(ROOT), True)


def test_a_fresh_dataset_passes_and_an_edited_annotation_is_ig610(repo, cli):
    clean = cli("validate", "--stale-dataset=error", root=repo)
    assert clean.code == 0 and "IG610" not in clean.out, clean.out
    _touch_annotation(repo)
    stale = cli("validate", "--stale-dataset=error", root=repo)
    assert stale.code == 1, stale.out
    assert "dataset/README.md: IG610" in stale.out or "dataset/README.md" in stale.out
    assert "dataset/ was not rebuilt: run idlib-gold build" in stale.out


def test_every_file_a_build_reads_counts_and_the_guidelines_do_not(repo, cli):
    from idlib_gold.reading.digest import source_digest

    before = source_digest(repo)
    (repo / "annotations" / "GUIDELINES.md").write_text("changed\n", encoding="utf-8")
    (repo / "annotations" / "docs" / ".000.yaml.swp").write_bytes(b"editor state")
    assert source_digest(repo) == before
    for rel in ("schema/kb.schema.json", "annotations/kb.yaml", "annotations/texts/000_10fe6d47143cad7a.txt",
                "annotations/second/docs/002_64197da7831f2480.yaml"):
        path = repo / rel
        saved = path.read_bytes()
        path.write_bytes(saved + b"\n")
        assert source_digest(repo) != before, rel
        path.write_bytes(saved)
    (repo / DOC).rename(repo / "annotations" / "docs" / "000_renamed.yaml")
    assert source_digest(repo) != before


def test_a_warning_when_asked_and_nothing_by_default(repo, cli):
    _touch_annotation(repo)
    warned = cli("validate", "--stale-dataset=warning", root=repo)
    assert warned.code == 0 and "IG610" in warned.out, warned.out
    assert cli("validate", "--stale-dataset=warning", "--strict", root=repo).code == 1
    quiet = cli("validate", root=repo)
    assert quiet.code == 0 and "IG610" not in quiet.out


def test_a_card_without_a_digest_or_no_card_is_ig610_and_no_dataset_is_no_question(repo, cli):
    import shutil

    card = repo / "dataset" / "README.md"
    card.write_text("".join(l for l in card.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not l.startswith("source_digest:")), encoding="utf-8")
    old = cli("validate", "--stale-dataset=error", root=repo)
    assert old.code == 1 and "has no source digest" in old.out
    card.unlink()
    gone = cli("validate", "--stale-dataset=error", root=repo)
    assert gone.code == 1 and "its card is missing" in gone.out
    shutil.rmtree(repo / "dataset")
    none = cli("validate", "--stale-dataset=error", root=repo)
    assert none.code == 0 and "IG610" not in none.out


def test_build_writes_the_digest_that_the_hook_then_accepts(repo, cli):
    _touch_annotation(repo)
    assert cli("build", root=repo).code == 0
    assert cli("validate", "--stale-dataset=error", root=repo).code == 0


def test_the_question_needs_no_build_dependency(repo):
    code = ("import sys; from idlib_gold.cli import main; rc = main(['validate', '--stale-dataset=error', "
            f"'--root', {str(repo)!r}]); "
            "heavy = [m for m in ('pyarrow', 'pandas', 'datasets', 'polars', 'pandera') if m in sys.modules]; "
            "print('HEAVY', heavy); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "HEAVY []" in done.stdout


def test_a_repository_without_schema_is_digested_with_the_schema_it_is_built_with(repo):
    import shutil

    from idlib_gold.reading.digest import source_digest

    with_own = source_digest(repo)
    shutil.rmtree(repo / "schema")  # the packaged copy, the same bytes here, is what a build then uses
    assert source_digest(repo) == with_own
