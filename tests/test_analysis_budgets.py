"""Ranking at equal epoch budgets, and overfitting at the selected settings, on hand-built numbers."""

import html

import numpy as np
import pandas as pd
import pytest
from conftest import axes_of

from analysis.aggregate.budgets import budget_table
from analysis.aggregate.compute import compute
from analysis.figures.accuracy import chosen_runs, split_curves
from analysis.pipeline import report_of
from analysis.questions.budgets import budget_sentences
from analysis.questions.overfit import overfit_sentences
from analysis.tools.synthetic import Synthetic, write_synthetic

AXES = axes_of("activation", "lr")


def budget_summary():
    """relu leads after 25 epochs (lr 1), tanh at the last epoch (lr 0.1)."""
    frame = pd.DataFrame({"activation": ["relu", "relu", "tanh", "tanh"], "lr": [0.1, 1.0, 0.1, 1.0],
                          "n_runs": 2, "best_val_acc_mean": [0.95, 0.92, 0.97, 0.96],
                          "val_acc_at_25_mean": [0.80, 0.90, 0.85, 0.88], "test_acc_at_25_mean": [0.5] * 4,
                          "val_acc_at_last_mean": [0.95, 0.91, 0.97, 0.96],
                          "test_acc_at_last_mean": [0.94, 0.90, 0.96, 0.99]})
    for column in ("val_acc_at_25", "val_acc_at_last", "test_acc_at_25", "test_acc_at_last"):
        frame[f"{column}_n"] = 2
    return frame


def test_each_budget_chooses_the_lr_and_ranks_on_validation():
    table = budget_table(budget_summary(), AXES)
    assert table[["budget", "group", "lr", "rank"]].values.tolist() == [
        ["25", "relu", 1.0, 1], ["25", "tanh", 1.0, 2], ["last", "relu", 0.1, 2], ["last", "tanh", 0.1, 1]]
    # tanh's lr 1 has the higher test accuracy at the last epoch (0.99); validation chose lr 0.1
    assert table.loc[table["budget"] == "last", "test_acc_mean"].tolist() == [0.94, 0.96]
    sentences = budget_sentences(table)
    assert "after 25 epochs relu at lr 1 leads with 90.00% validation (test 50.00%)" in sentences[0]
    assert "after the last epoch tanh at lr 0.1 leads with 97.00% validation (test 96.00%)" in sentences[0]
    assert sentences[1].startswith("The leader changes with the budget: relu at 25 epochs; tanh at the last epoch.")


def test_budgets_without_validation_are_empty():
    summary = budget_summary().assign(best_val_acc_mean=np.nan)
    assert budget_table(summary, AXES).empty
    assert budget_sentences(budget_table(summary, AXES)) == ["No validation accuracy at any budget epoch, so no "
                                                       "ranking by budget."]


@pytest.fixture
def overfitting(tmp_path):
    write_synthetic(tmp_path, Synthetic(activations=("relu",), lrs=(1.0,), overfit={("relu", 1.0)}, spiky=set()))
    return compute(tmp_path)


def test_a_validation_peak_before_the_end_is_found_and_measured(overfitting):
    sentence = overfit_sentences(overfitting.summary, overfitting.metrics, overfitting.axes)[0]
    # validation is held at its epoch-15 value, then loses 0.001 per epoch: 1.50 points by epoch 30
    assert ("validation accuracy peaks before the last epoch in 2 of 2 seeds (at epoch 15 on average, of 30), "
            "1.50 points above its last value: validation accuracy fell after its peak") in sentence
    cost = {t: 2.3 * np.exp(-0.15 * t) + 0.05 + 0.005 for t in (15, 30)}  # mean over seeds 0 and 1
    train, val = 1 - 0.4 * cost[30] + 0.01 + 0.015, 1 - 0.42 * cost[15] - 0.015
    assert f"train - validation gap {100 * (train - val):.2f} points" in sentence


def test_the_overfitting_figure_draws_every_seed_of_the_selected_setting(overfitting):
    runs = chosen_runs(overfitting.metrics, overfitting.summary, overfitting.axes)
    curves = split_curves(runs, overfitting.epochs)
    assert len(curves) == 2 * 31 * 3 and set(curves["split"]) == {"train", "validation", "test"}
    validation = curves[curves["split"] == "validation"].groupby("epoch")["acc"].mean()
    assert validation.idxmax() == 15 and validation[15] - validation[30] == pytest.approx(1.5)  # percent
    assert set(curves["panel"]) == {"relu, lr 1"}


def test_the_report_has_the_budget_and_overfitting_sections(overfitting):
    text = html.unescape(report_of(overfitting))
    assert "Does the winner depend on the training budget?" in text
    assert "Overfitting: train, validation and test accuracy at the selected settings" in text
