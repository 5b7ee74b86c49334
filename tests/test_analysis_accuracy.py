"""Accuracy metrics, aggregation across seeds and edge-of-stability metrics on hand-built numbers."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import axes_of

from analysis.aggregate.summary import describe, summary_table, t_quantile
from analysis.load.contract import contract_of
from analysis.load.results import curve_status
from analysis.metrics.accuracy import accuracy_metrics
from analysis.metrics.eos import eos_metrics, eos_table
from analysis.metrics.per_run import metrics_table


def rows(test, train=None, **extra):
    train = train if train is not None else test
    return pd.DataFrame({"epoch": np.arange(len(test), dtype=float), "test_acc": test, "train_acc": train, **extra})


def test_accuracy_metrics_of_a_hand_built_curve():
    found = accuracy_metrics(rows([0.10, 0.50, 0.91, 0.93, 0.96, 0.94], [0.10, 0.50, 0.92, 0.95, 0.97, 0.99],
                                  val_acc=[0.10, 0.40, 0.90, 0.95, 0.95, 0.93]))
    picked = {k: found[k] for k in ("final_test_acc", "final_train_acc", "final_val_acc", "best_val_acc",
                                    "best_val_epoch", "test_acc_at_best_val", "train_acc_at_best_val",
                                    "epochs_to_90", "epochs_to_95", "final_gap")}
    # validation peaks first at epoch 3 (0.95, tied at 4): test and train are read there, not at test's peak
    assert picked == pytest.approx({"final_test_acc": 0.94, "final_train_acc": 0.99, "final_val_acc": 0.93,
                                    "best_val_acc": 0.95, "best_val_epoch": 3, "test_acc_at_best_val": 0.93,
                                    "train_acc_at_best_val": 0.95, "epochs_to_90": 2, "epochs_to_95": 4,
                                    "final_gap": 0.05})


def test_budgets_read_the_accuracy_at_fixed_epochs_and_are_blank_beyond_the_run():
    epochs = np.arange(0, 60, dtype=float)
    found = accuracy_metrics(pd.DataFrame({"epoch": epochs, "test_acc": epochs / 100, "train_acc": 0.5,
                                           "val_acc": epochs / 200}))
    assert found["val_acc_at_25"] == 0.125 and found["test_acc_at_50"] == 0.50
    assert found["val_acc_at_last"] == 59 / 200 and found["test_acc_at_last"] == 0.59
    assert math.isnan(found["val_acc_at_100"]) and math.isnan(found["test_acc_at_200"])


def test_without_validation_nothing_is_chosen():
    found = accuracy_metrics(rows([0.5, 0.9, 0.8], val_acc=[np.nan] * 3))
    assert all(math.isnan(found[k]) for k in ("best_val_acc", "best_val_epoch", "test_acc_at_best_val"))
    assert math.isnan(accuracy_metrics(rows([0.5, 0.9]))["best_val_acc"])  # no val_acc column at all


def test_levels_never_reached_are_empty_and_nan_accuracies_are_skipped():
    found = accuracy_metrics(rows([0.10, 0.92, np.nan], val_acc=[0.1, 0.9, np.nan]))
    assert found["epochs_to_90"] == 1 and math.isnan(found["epochs_to_95"])
    assert found["best_val_acc"] == 0.9 and found["best_val_epoch"] == 1 and math.isnan(found["final_test_acc"])


def test_a_run_without_epochs_has_no_accuracy():
    assert all(math.isnan(v) for v in accuracy_metrics(rows([])).values())


def test_describe_gives_mean_sd_n_and_t_interval():
    found = describe([0.90, 0.92, 0.94, np.nan])  # NaN (a failed run) is left out
    half = 4.302653 * 0.02 / math.sqrt(3)  # t(0.975, 2) from a printed table
    assert found == pytest.approx({"mean": 0.92, "std": 0.02, "n": 3, "ci_low": 0.92 - half, "ci_high": 0.92 + half})


def test_one_value_has_a_mean_but_no_spread():
    found = describe([0.5])
    assert found["mean"] == 0.5 and found["n"] == 1 and math.isnan(found["std"]) and math.isnan(found["ci_low"])


@pytest.mark.parametrize("df, expected", [(1, 12.7062), (2, 4.3027), (9, 2.2622), (11, 2.2010), (100, 1.9840)])
def test_t_quantile_matches_printed_tables(df, expected):
    assert t_quantile(df) == pytest.approx(expected, abs=1e-4)
    assert math.isnan(t_quantile(0))


def metrics_frame():
    """Two activations x two rates x two seeds, with one diverged and one failed run."""
    table = [  # activation, lr, seed, status, final_test_acc, spiky, best_val_acc
        ("relu", 0.1, 0, "ok", 0.90, False, 0.91), ("relu", 0.1, 1, "ok", 0.92, False, 0.93),
        ("relu", 1.0, 0, "ok", 0.96, True, 0.95), ("relu", 1.0, 1, "diverged", 0.10, True, 0.80),
        ("tanh", 0.1, 0, "ok", 0.93, False, 0.90), ("tanh", 0.1, 1, "failed", np.nan, np.nan, np.nan),
        ("tanh", 1.0, 0, "ok", 0.91, True, 0.92), ("tanh", 1.0, 1, "ok", 0.89, False, 0.90),
    ]
    columns = ["activation", "lr", "seed", "status", "final_test_acc", "spiky", "best_val_acc"]
    return pd.DataFrame(table, columns=columns)


def test_summary_aggregates_per_setting_and_selects_the_lr_on_validation():
    summary = summary_table(metrics_frame(), axes_of("activation", "lr")).set_index(["activation", "lr"])
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
        [0.90 - 0.127062, 0.90 + 0.127062])
    # validation means: relu 0.92 (lr 0.1) vs 0.875 (lr 1); tanh 0.90 (lr 0.1) vs 0.91 (lr 1). Mean final
    # test accuracy would pick tanh's lr 0.1 (0.93 vs 0.90); the choice is validation's: lr 1
    assert summary[summary["is_selected"]].index.tolist() == [("relu", 0.1), ("tanh", 1.0)]


def test_diverged_runs_lose_their_blow_up_row_before_spikiness():
    epochs = pd.DataFrame({"run_id": "a", "activation": "relu", "lr": 1.0, "seed": 0, "epoch": [0, 1, 2, 3],
                           "train_cost": [2.0, 1.0, 0.5, 30.0], "train_acc": 0.5, "test_acc": 0.5})
    runs = pd.DataFrame({"run_id": ["a"], "activation": ["relu"], "lr": [1.0], "seed": [0], "status": ["diverged"]})
    found = metrics_table(runs, epochs, axes_of()).iloc[0]
    assert found["n_finite"] == 3 and found["n_spikes"] == 0 and not found["spiky"] and found["diverged"]


@pytest.mark.parametrize("costs, status", [([2.0, 1.0, 0.5], "ok"), ([2.0, 1.0, 21.0], "diverged"),
                                           ([2.0, 1.0, 20.0], "ok"), ([2.0, 1.0, 20.000001], "diverged"),
                                           ([2.0, 1.0, np.nan], "diverged"), ([2.0, 3.0, 19.0], "ok")])
def test_status_read_off_a_curve_uses_the_trainers_rule(costs, status):
    # the contract's rule: diverged when non-finite or strictly above 10 x the epoch-0 cost (20 exactly is not)
    assert curve_status(pd.Series(costs), contract_of({}).divergence_factor) == status


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
