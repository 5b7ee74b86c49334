"""Adding a setting never invalidates existing results, and two different configs never share a run id.

tests/data/before_remedies/results/tiny/ was swept by commit 9b347ea, before lr_schedule, lr_final,
lr_step_every, lr_step_factor, warmup_epochs, clip_norm and weight_decay existed.
"""

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from study import config
from study.config import FIELDS, make_config
from study.identity import id_text, neutral_values, run_id_of, text_id
from study.sweep.experiment import load_experiment
from study.sweep.runner import run_sweep

BEFORE = Path(__file__).parent / "data" / "before_remedies"
ADDED = ("lr_schedule", "lr_final", "lr_step_every", "lr_step_factor", "warmup_epochs", "clip_norm", "weight_decay")


@pytest.fixture
def swept_before(tmp_path):
    shutil.copytree(BEFORE / "results", tmp_path / "results")
    return tmp_path / "results"


def test_a_folder_swept_before_the_new_settings_resumes_with_nothing_to_train(swept_before):
    experiment = load_experiment(BEFORE / "tiny.toml")
    shards = {p.stem for p in (swept_before / "tiny" / "shards").glob("*.json")}
    assert set(experiment.run_ids) == shards and len(shards) == 4
    lines = []
    assert run_sweep(experiment, swept_before, jobs=1, report=lines.append) == (0, 4)  # 0 trained now
    runs = pd.read_csv(swept_before / "tiny" / "runs.csv")
    assert sorted(runs["run_id"]) == sorted(shards) and set(runs["status"]) == {"ok"}


def test_the_new_trainer_retraces_the_old_runs(swept_before, synthetic_data_root):
    """The shards hold the old code's epoch rows: the new code with every new setting off gives them again
    (within the float32 tolerance measured across BLAS kernels, docs/reproducibility.md)."""
    from study.data.datasets import load
    from study.training.train import train

    data = load("mnist", synthetic_data_root)
    for cfg in load_experiment(BEFORE / "tiny.toml").configs:
        shard = json.loads((swept_before / "tiny" / "shards" / f"{cfg.run_id}.json").read_text())
        rows = train(cfg, data).rows
        for old, new in zip(shard["epochs"], rows, strict=True):
            for column in ("train_cost", "val_cost", "test_cost", "grad_norm"):
                assert new[column] == pytest.approx(old[column], rel=1e-4), (cfg.run_id, column)
            assert (new["train_acc"], new["val_acc"], new["test_acc"]) == pytest.approx(
                (old["train_acc"], old["val_acc"], old["test_acc"]), abs=0.011)  # one image of 100 at most


def test_the_new_settings_are_left_out_of_the_id_only_at_their_neutral_value():
    assert set(neutral_values(FIELDS)) == set(ADDED)
    cfg = make_config({})
    old_text = json.dumps({k: v for k, v in dataclasses.asdict(cfg).items() if k not in ADDED}, sort_keys=True)
    assert cfg.run_id == text_id(old_text)  # what the commit before computed for the same config
    on = {"lr_schedule": "cosine", "warmup_epochs": 5, "clip_norm": 1.0, "weight_decay": 1e-4}
    for name, value in on.items():
        assert make_config({name: value}).run_id != cfg.run_id, name


def test_a_default_changed_later_still_gives_different_configs_different_ids(monkeypatch):
    # were weight_decay's default to become 1e-4, its neutral value stays 0: both configs keep their ids
    ids = {wd: make_config({"weight_decay": wd}).run_id for wd in (0.0, 1e-4)}

    @dataclasses.dataclass(frozen=True)
    class Later(config.RunConfig):
        weight_decay: float = config.setting(1e-4, "the same setting, another default", config.non_negative,
                                             id_neutral=0.0)

    monkeypatch.setattr(config, "RunConfig", Later)
    monkeypatch.setattr(config, "FIELDS", {f.name: f for f in dataclasses.fields(Later)})
    assert run_id_of(Later()) == ids[1e-4] and run_id_of(Later(weight_decay=0.0)) == ids[0.0]
    assert ids[0.0] != ids[1e-4]


def test_every_other_field_is_always_in_the_id():
    settings = {name: getattr(make_config({}), name) for name in FIELDS}
    kept = json.loads(id_text(settings, FIELDS))
    assert set(kept) == set(FIELDS) - set(ADDED)
