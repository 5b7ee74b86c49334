"""Every choice is made on validation: the lr per group, the best epoch, the ranking, the budgets' leaders."""

import html

import numpy as np
import pandas as pd
import pytest
from conftest import axes_of

from analysis.aggregate.compute import compute
from analysis.aggregate.selection import choose, mark_selected, selected_rows
from analysis.pipeline import report_of
from analysis.tools.synthetic import Synthetic, write_synthetic

GRID = Synthetic(activations=("relu", "tanh", "sigmoid"), lrs=(0.1, 0.3, 1.0), seeds=(0, 1, 2),
                 overfit={("relu", 1.0), ("tanh", 0.3)}, failed={("sigmoid", 0.3, 1)})


def choices(a):
    """Everything the analysis chose, and nothing it only reported."""
    summary = a.summary.set_index(["activation", "lr"])
    return {"selected": summary.index[summary["is_selected"]].tolist(),
            "best_epochs": a.metrics.set_index("run_id")["best_val_epoch"].dropna().to_dict(),
            "ranking": a.summary[a.summary["is_selected"]].sort_values("best_val_acc_mean")["activation"].tolist(),
            "budget_leaders": a.budgets[["budget", "group", "lr", "rank"]].to_dict("records"),
            "pairs": a.compare[["a", "b", "metric"]].to_dict("records")}


def shuffle_test_numbers(folder, seed):
    """Permute test_acc and test_cost over all rows of epochs.csv: the test labels' effect, scrambled."""
    epochs = pd.read_csv(folder / "epochs.csv")
    rng = np.random.default_rng(seed)
    for column in ("test_acc", "test_cost"):
        epochs[column] = rng.permutation(epochs[column].to_numpy())
    epochs.to_csv(folder / "epochs.csv", index=False)


@pytest.mark.parametrize("seed", [0, 1])
def test_shuffling_the_test_numbers_changes_no_selection(tmp_path, seed):
    write_synthetic(tmp_path, GRID)
    before = compute(tmp_path)
    shuffle_test_numbers(tmp_path, seed)
    after = compute(tmp_path)
    assert choices(after) == choices(before)
    # ... while every reported test number moved, so the comparison above could have failed
    moved = before.summary["test_acc_at_best_val_mean"] - after.summary["test_acc_at_best_val_mean"]
    assert (moved.dropna().abs() > 1e-6).all()


def test_overfitting_settings_are_chosen_at_their_validation_peak(tmp_path):
    write_synthetic(tmp_path, GRID)
    a = compute(tmp_path)
    metrics = a.metrics.set_index("run_id")
    # relu at lr 1 loses accuracy over the second half of 30 epochs: validation peaks at epoch 15
    assert metrics.loc["relu-1-0", "best_val_epoch"] == 15 and metrics.loc["relu-0.1-0", "best_val_epoch"] == 30
    cost_15 = 2.3 * np.exp(-0.15 * 15) + 0.05  # synthetic cost of seed 0 at lr 1, epoch 15
    assert metrics.loc["relu-1-0", "best_val_acc"] == pytest.approx(1 - 0.42 * cost_15)
    assert metrics.loc["relu-1-0", "test_acc_at_best_val"] == pytest.approx(1 - 0.4 * cost_15)
    assert metrics.loc["relu-1-0", "final_test_acc"] == pytest.approx(1 - 0.4 * cost_15 - 0.015)
    # its peak (1 - 0.42 x 0.2924 = 0.877) is below lr 0.3's last epoch (1 - 0.42 x 0.2587 = 0.891)
    assert a.summary.set_index(["activation", "lr"]).loc["relu", "is_selected"].tolist() == [False, True, False]


def summary_of(values):
    """A summary with one activation, lrs 0.1/0.3/1 and the given best_val_acc_mean."""
    return pd.DataFrame({"activation": ["relu"] * 3 + ["tanh"] * 3, "lr": [0.1, 0.3, 1.0] * 2, "n_runs": 2,
                         "best_val_acc_mean": values})


def test_ties_go_to_the_smaller_lr_and_blank_settings_are_never_chosen():
    summary = mark_selected(summary_of([0.90, 0.95, 0.95, np.nan, 0.80, np.nan]), axes_of("activation", "lr"))
    assert summary["is_selected"].tolist() == [False, True, False, False, True, False]


def test_without_validation_nothing_is_selected_and_the_report_says_so(tmp_path):
    write_synthetic(tmp_path, Synthetic(n_val=0))
    a = compute(tmp_path)
    assert not a.summary["is_selected"].any() and selected_rows(a.summary).empty
    assert a.budgets.empty and a.compare.empty  # two lrs per activation: nothing chosen, nothing to pair
    text = html.unescape(report_of(a))
    assert "so nothing was selected: no learning rate, no best epoch and no ranking" in text
    assert "No validation numbers (n_val = 0)" in text


def test_a_folder_with_one_lr_per_activation_is_compared_without_validation(tmp_path):
    write_synthetic(tmp_path, Synthetic(lrs=(1.0,), seeds=(0, 1, 2), n_val=0))
    a = compute(tmp_path)
    final = a.compare[a.compare["metric"] == "final_test_acc"].iloc[0]
    assert final["chosen_by"] == "none" and final["n_pairs"] == 3


def test_a_faulty_network_is_never_selected_even_when_it_scores_higher():
    summary = pd.DataFrame({"activation": ["relu"] * 3, "fault": ["none", "none", "sum_cost"],
                            "lr": [0.1, 0.5, 5e-5], "best_val_acc_mean": [0.90, 0.94, 0.95]})
    chosen = summary.loc[choose(summary, axes_of("activation", "fault", "lr"))]
    assert list(chosen["lr"]) == [0.5] and list(chosen["fault"]) == ["none"]
