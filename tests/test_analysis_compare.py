"""Paired comparison of the selected settings: hand-computed differences, intervals, tests, seeds needed."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import axes_of
from scipy import stats

from analysis.aggregate.compare import compare_table, paired_difference, seeds_needed
from analysis.aggregate.summary import summary_table
from analysis.questions.winner import compare_sentences

AXES = axes_of("activation", "lr")


def series(values):
    return pd.Series(values, index=range(len(values)), dtype=float)


def test_a_paired_difference_by_hand():
    found = paired_difference(series([0.90, 0.92, 0.94]), series([0.89, 0.90, 0.91]))
    # differences 0.01, 0.02, 0.03: mean 0.02, sd 0.01, half = t(0.975, 2) x 0.01 / sqrt(3) = 0.024841
    assert found["n_pairs"] == 3 and found["mean_diff"] == pytest.approx(0.02)
    assert found["sd_diff"] == pytest.approx(0.01)
    assert [found["ci_low"], found["ci_high"]] == pytest.approx([0.02 - 0.024841, 0.02 + 0.024841], abs=1e-6)
    assert found["t_stat"] == pytest.approx(0.02 / (0.01 / math.sqrt(3)))  # 3.4641
    assert found["p_value"] == pytest.approx(0.0742, abs=1e-4)  # two-sided, df 2
    assert not found["established"]
    # t(n-1) / sqrt(n) < 2: n=3 gives 4.303 / 1.732 = 2.48, n=4 gives 3.182 / 2 = 1.59
    assert found["seeds_needed"] == 4


@pytest.mark.parametrize("seed", range(5))
def test_the_interval_is_scipys_and_equals_the_t_formula(seed):
    rng = np.random.default_rng(seed)
    a, b = series(rng.uniform(0.9, 0.95, 7)), series(rng.uniform(0.9, 0.95, 7))
    found, diff = paired_difference(a, b), (a - b).to_numpy()
    half = stats.t.ppf(0.975, 6) * diff.std(ddof=1) / math.sqrt(7)
    assert [found["ci_low"], found["ci_high"]] == pytest.approx([diff.mean() - half, diff.mean() + half], abs=1e-15)


def test_equal_differences_give_a_zero_width_interval():
    found = paired_difference(series([0.5, 0.75, 1.0]), series([0.25, 0.5, 0.75]))  # exactly 0.25 each
    assert found["sd_diff"] == 0 and found["ci_low"] == found["ci_high"] == 0.25 and found["established"]


def test_an_interval_that_excludes_zero_is_established():
    found = paired_difference(series([0.92, 0.921, 0.919, 0.92]), series([0.90] * 4))
    assert found["established"] and found["ci_low"] > 0 and found["seeds_needed"] == 2


def test_only_seeds_that_both_settings_have_are_paired():
    found = paired_difference(series([0.9, 0.8, 0.7]), pd.Series([0.85, np.nan], index=[0, 1]))
    assert found["n_pairs"] == 1 and found["mean_diff"] == pytest.approx(0.05) and math.isnan(found["ci_low"])
    assert not found["established"]


@pytest.mark.parametrize("mean, sd, expected", [(0.0, 0.01, np.nan), (0.01, 0.0, 2), (0.001, 0.01, 387)])
def test_seeds_needed_edge_cases(mean, sd, expected):
    # 387: smallest n with t(0.975, n-1) x 0.01 / sqrt(n) < 0.001, i.e. t / sqrt(n) < 0.1 (1.9662 / 19.67)
    found = seeds_needed(mean, sd)
    assert (math.isnan(found) and math.isnan(expected)) or found == expected


def metrics_frame():
    rows = []
    values = {("relu", 0.5): (0.95, [0.90, 0.92, 0.94]), ("tanh", 0.5): (0.93, [0.89, 0.90, 0.91]),
              ("tanh", 0.1): (0.90, [0.99, 0.99, 0.99]), ("sigmoid", 1.0): (0.91, [0.80, 0.81, 0.79])}
    for (activation, lr), (val, tests) in values.items():
        for seed, test in enumerate(tests):
            rows.append({"run_id": f"{activation}-{lr}-{seed}", "activation": activation, "lr": lr, "seed": seed,
                         "status": "ok", "best_val_acc": val, "test_acc_at_best_val": test,
                         "final_test_acc": test - 0.01})
    return pd.DataFrame(rows)


def test_pairs_are_the_selected_settings_ordered_by_validation():
    metrics = metrics_frame()
    table = compare_table(metrics, summary_table(metrics, AXES), AXES)
    at_best = table[table["metric"] == "test_acc_at_best_val"]
    assert at_best[["a", "b", "lr_a", "lr_b"]].values.tolist() == [
        ["relu", "tanh", 0.5, 0.5], ["relu", "sigmoid", 0.5, 1.0], ["tanh", "sigmoid", 0.5, 1.0]]
    first = at_best.iloc[0]  # tanh at its unselected lr 0.1 (test 0.99) is never used
    assert first["mean_diff"] == pytest.approx(0.02) and first["seeds_needed"] == 4
    assert set(table["chosen_by"]) == {"validation"} and len(table) == 6
    sentences = compare_sentences(table)
    assert sentences[1] == ("relu - tanh (lr 0.5 and 0.5), test accuracy at the validation-chosen epoch: +2.00 "
                            "points over 3 paired seeds, 95% interval -0.48 to +4.48, paired t-test p = 0.0742: "
                            "not established (the interval includes 0); at the observed spread about 4 seeds "
                            "would be needed to separate them.")
    assert sentences[2].endswith("established (the interval excludes 0).")


def test_the_winner_is_compared_only_with_the_settings_of_its_own_group():
    from analysis.questions.winner import pairs_of

    def pair(remedy, b, diff, metric="test_acc_at_best_val"):
        return {"remedy": remedy, "axis": "activation", "a": "relu", "b": b, "metric": metric, "mean_diff": diff}

    compare = pd.DataFrame([pair("clip 1", "tanh", 0.01), pair("clip 1", "tanh", 0.02, "final_test_acc"),
                            pair("constant rate", "tanh", 0.03), pair("clip 1", "sigmoid", 0.04)])
    top = pd.Series({"activation": "relu", "remedy": "clip 1", "lr": 1.0})
    assert list(pairs_of(compare, top)["mean_diff"]) == [0.01, 0.04]
    without_groups = compare[compare["remedy"] == "constant rate"].drop(columns="remedy")
    assert list(pairs_of(without_groups, top)["mean_diff"]) == [0.03]
