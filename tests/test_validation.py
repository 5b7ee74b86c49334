"""The validation split: fixed for every run, disjoint from training, stratified; measured every epoch."""

import numpy as np
import pytest
from conftest import synthetic_dataset

from study.config import make_config
from study.data.datasets import split_train_val
from study.net.mlp import Workspace, evaluate
from study.training.start import start_run
from study.training.train import train


@pytest.fixture(scope="module")
def data():
    return synthetic_dataset(n_train=500, n_test=100, n_features=12, seed=4)


def rows_as_set(X):
    return {row.tobytes() for row in np.asarray(X)}


def test_validation_set_is_the_same_for_every_seed_and_subset(data):
    splits = [split_train_val(data.y_train, 100, n_train, np.random.default_rng(seed))
              for seed in (0, 1, 2) for n_train in (0, 50)]
    for train_rows, val_rows in splits:
        np.testing.assert_array_equal(val_rows, splits[0][1])
        assert not set(train_rows) & set(val_rows)
    assert len(splits[0][0]) == 400 and sorted([*splits[0][0], *splits[0][1]]) == list(range(500))
    assert not np.array_equal(splits[1][0], splits[3][0])  # the subset depends on the run's seed


def test_validation_set_is_stratified(data):
    _, val_rows = split_train_val(data.y_train, 100, 0, np.random.default_rng(0))
    np.testing.assert_array_equal(np.bincount(data.y_train[val_rows], minlength=10), [10] * 10)


def test_no_validation_set_leaves_the_training_draw_as_before(data):
    train_rows, val_rows = split_train_val(data.y_train, 0, 0, np.random.default_rng(0))
    np.testing.assert_array_equal(train_rows, np.arange(500))
    assert len(val_rows) == 0


def test_a_run_never_trains_on_validation_images_and_probes_its_own(data):
    cfg = make_config({"n_val": 100, "n_train": 200, "hidden": [6], "sharpness_every": 1,
                       "sharpness_samples": 10_000, "seed": 5})
    run = start_run(cfg, data)
    assert run.X.shape == (200, 12) and run.X_val.shape == (100, 12)
    assert not rows_as_set(run.X) & rows_as_set(run.X_val)
    assert rows_as_set(run.probe.X.astype(run.X.dtype)) == rows_as_set(run.X)  # capped at its 200 images


def test_val_columns_measure_the_validation_images(data):
    cfg = make_config({"n_val": 100, "hidden": [8], "epochs": 3, "lr": 0.5, "seed": 1})
    rows = train(cfg, data).rows
    run = start_run(cfg, data)  # the same initialization: epoch 0 is measured before any update
    cost, acc = evaluate(run.theta, run.sizes, run.X_val, run.y_val, run.f, Workspace(run.sizes, 100, "float32"))
    assert rows[0]["val_cost"] == pytest.approx(cost, rel=1e-6) and rows[0]["val_acc"] == acc
    assert all(0 <= r["val_acc"] <= 1 and np.isfinite(r["val_cost"]) for r in rows)
    assert rows[-1]["val_acc"] != rows[-1]["test_acc"] or rows[-1]["val_cost"] != rows[-1]["test_cost"]


def test_without_validation_the_columns_are_blank(data):
    rows = train(make_config({"n_val": 0, "hidden": [8], "epochs": 2}), data).rows
    assert all(np.isnan(r["val_cost"]) and np.isnan(r["val_acc"]) for r in rows)
