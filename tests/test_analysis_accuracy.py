"""Accuracy metrics, aggregation across seeds and edge-of-stability metrics on hand-built numbers."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.accuracy import accuracy_metrics
from analysis.aggregate import describe, summary_table, t_quantile
from analysis.eos import eos_metrics, eos_table
from analysis.load import curve_status
from analysis.metrics import metrics_table


def rows(test, train=None, **extra):
    train = train if train is not None else test
    return pd.DataFrame({"epoch": np.arange(len(test), dtype=float), "test_acc": test, "train_acc": train, **extra})


def test_accuracy_metrics_of_a_hand_built_curve():
    found = accuracy_metrics(rows([0.10, 0.50, 0.91, 0.93, 0.96, 0.94], [0.10, 0.50, 0.92, 0.95, 0.97, 0.99]))
    assert found == pytest.approx({"final_test_acc": 0.94, "final_train_acc": 0.99, "best_test_acc": 0.96,
                                   "best_epoch": 4, "epochs_to_90": 2, "epochs_to_95": 4, "final_gap": 0.05})


def test_levels_never_reached_are_empty_and_nan_accuracies_are_skipped():
    found = accuracy_metrics(rows([0.10, 0.92, np.nan]))
    assert found["epochs_to_90"] == 1 and math.isnan(found["epochs_to_95"])
    assert found["best_test_acc"] == 0.92 and found["best_epoch"] == 1 and math.isnan(found["final_test_acc"])


def test_a_run_without_epochs_has_no_accuracy():
    assert all(math.isnan(v) for v in accuracy_metrics(rows([])).values())


def test_describe_gives_mean_sd_n_and_t_interval():
    found = describe([0.90, 0.92, 0.94, np.nan])  # NaN (a failed run) is left out
    half = 4.303 * 0.02 / math.sqrt(3)
    assert found == pytest.approx({"mean": 0.92, "std": 0.02, "n": 3, "ci_low": 0.92 - half, "ci_high": 0.92 + half})


def test_one_value_has_a_mean_but_no_spread():
    found = describe([0.5])
    assert found["mean"] == 0.5 and found["n"] == 1 and math.isnan(found["std"]) and math.isnan(found["ci_low"])


@pytest.mark.parametrize("df, expected", [(1, 12.706), (2, 4.303), (11, 2.228), (100, 2.000), (500, 1.96)])
def test_t_quantile_never_narrower_than_the_true_one(df, expected):
    assert t_quantile(df) == expected


def metrics_frame():
    """Two activations x two rates x two seeds, with one diverged and one failed run."""
    table = [  # activation, lr, status, final_test_acc, spiky
        ("relu", 0.1, "ok", 0.90, False), ("relu", 0.1, "ok", 0.92, False),
        ("relu", 1.0, "ok", 0.96, True), ("relu", 1.0, "diverged", 0.10, True),
        ("tanh", 0.1, "ok", 0.93, False), ("tanh", 0.1, "failed", np.nan, np.nan),
        ("tanh", 1.0, "ok", 0.91, True), ("tanh", 1.0, "ok", 0.89, False),
    ]
    return pd.DataFrame(table, columns=["activation", "lr", "status", "final_test_acc", "spiky"])


def test_summary_aggregates_per_setting_and_picks_the_best_lr():
    summary = summary_table(metrics_frame()).set_index(["activation", "lr"])
    assert len(summary) == 4
    assert summary.loc[("relu", 1.0), "final_test_acc_mean"] == pytest.approx(0.53)
    assert summary.loc[("relu", 1.0), "divergence_rate"] == 0.5
    assert summary.loc[("tanh", 0.1), ["n_runs", "n_failed", "final_test_acc_n"]].tolist() == [2, 1, 1]
    assert summary.loc[("tanh", 0.1), "divergence_rate"] == 0.0  # the failed run did not train
    assert summary.loc[("tanh", 1.0), "spiky_mean"] == 0.5
    # 0.91 and 0.89: sd = 0.01 sqrt(2), half interval = t(0.975, 1) x sd / sqrt(2) = 12.706 x 0.01
    tanh_fast = summary.loc[("tanh", 1.0)]
    assert tanh_fast["final_test_acc_std"] == pytest.approx(0.01 * math.sqrt(2))
    assert [tanh_fast["final_test_acc_ci_low"], tanh_fast["final_test_acc_ci_high"]] == pytest.approx(
        [0.90 - 0.12706, 0.90 + 0.12706])
    best = summary[summary["is_best_lr"]].index.tolist()
    assert best == [("relu", 0.1), ("tanh", 0.1)]


def test_diverged_runs_lose_their_blow_up_row_before_spikiness():
    epochs = pd.DataFrame({"run_id": "a", "activation": "relu", "lr": 1.0, "seed": 0, "epoch": [0, 1, 2, 3],
                           "train_cost": [2.0, 1.0, 0.5, 30.0], "train_acc": 0.5, "test_acc": 0.5})
    runs = pd.DataFrame({"run_id": ["a"], "activation": ["relu"], "lr": [1.0], "seed": [0], "status": ["diverged"]})
    found = metrics_table(runs, epochs).iloc[0]
    assert found["n_finite"] == 3 and found["n_spikes"] == 0 and not found["spiky"] and found["diverged"]


@pytest.mark.parametrize("costs, status", [([2.0, 1.0, 0.5], "ok"), ([2.0, 1.0, 21.0], "diverged"),
                                           ([2.0, 1.0, np.nan], "diverged"), ([2.0, 3.0, 19.0], "ok")])
def test_status_read_off_a_curve_uses_the_trainers_rule(costs, status):
    assert curve_status(pd.Series(costs)) == status


def test_eos_metrics_find_the_first_epoch_at_2_over_lr():
    stability = [np.nan, 0.5, np.nan, 0.97, 1.2, 0.9]
    found = eos_metrics(rows([0.5] * 6, lr=0.5, sharpness=[2 * s / 0.5 for s in stability], stability=stability))
    assert found == pytest.approx({"sharpness_measured": True, "reached_eos": True, "eos_epoch": 3,
                                   "stability_after_eos": 0.97, "max_stability": 1.2})


def test_eos_stability_is_computed_from_sharpness_when_its_column_is_missing():
    found = eos_metrics(rows([0.5] * 3, lr=0.1, sharpness=[5.0, 10.0, 30.0]))  # stability 0.25, 0.5, 1.5
    assert found["reached_eos"] and found["eos_epoch"] == 2 and found["max_stability"] == pytest.approx(1.5)


def test_eos_metrics_without_measurements_or_below_the_level():
    assert not eos_metrics(rows([0.5] * 2, lr=0.1, sharpness=[np.nan, np.nan]))["sharpness_measured"]
    below = eos_metrics(rows([0.5] * 2, lr=0.1, sharpness=[10.0, 18.9]))  # stability up to 0.945 < 0.95
    assert below["reached_eos"] is False and math.isnan(below["eos_epoch"])


def test_eos_table_counts_all_four_cells():
    metrics = pd.DataFrame({"sharpness_measured": [True, True, True, True, False, True],
                            "reached_eos": [True, True, False, False, np.nan, True],
                            "spiky": [True, True, True, False, True, np.nan]})
    counts = {(r.reached_2_over_lr, r.spiky): r.n_runs for r in eos_table(metrics).itertuples()}
    assert counts == {(True, True): 2, (True, False): 0, (False, True): 1, (False, False): 1}
