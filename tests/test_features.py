"""The build's own feature types write exactly what `datasets.Features` would."""

from __future__ import annotations

import json

import pytest

from idlib_gold.building.features import features_for
from idlib_gold.layout import CONFIGS


def _theirs(config: str):
    from datasets import Features

    return Features.from_dict(features_for(config).to_dict())


@pytest.mark.parametrize("config", CONFIGS)
def test_the_arrow_schema_and_its_metadata_equal_datasets(config):
    ours, theirs = features_for(config).arrow_schema, _theirs(config).arrow_schema
    assert ours.equals(theirs, check_metadata=True)
    assert json.loads(ours.metadata[b"huggingface"]) == json.loads(theirs.metadata[b"huggingface"])


@pytest.mark.parametrize("config", CONFIGS)
def test_the_card_feature_list_equals_datasets(config):
    assert features_for(config)._to_yaml_list() == _theirs(config)._to_yaml_list()


@pytest.mark.parametrize("config", CONFIGS)
def test_datasets_reads_back_the_same_types(config):
    """From the YAML list, as `load_dataset` reads the card, datasets rebuilds the same features."""
    from datasets import Features

    ours = features_for(config)
    assert Features._from_yaml_list(ours._to_yaml_list()) == _theirs(config)
    assert Features._from_yaml_list(ours._to_yaml_list()).to_dict() == ours.to_dict()


def test_the_check_path_does_not_import_datasets():
    import subprocess
    import sys

    code = ("import sys; from idlib_gold.cli import main; rc = main(['check']); "
            "sys.exit(3 if 'datasets' in sys.modules else rc)")
    from helpers import ROOT

    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
