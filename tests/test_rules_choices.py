"""The choices' documented rules, each tested at its boundary with rows listed so that a neighbouring
rule would choose otherwise: the smaller lr on a tie (selection, budgets), pairing by seed (compare,
the learner's faults), seeds_needed (analysis/README.md, analysis/aggregate/*.py).
"""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import axes_of

from analysis.aggregate.budgets import best_at, budget_table
from analysis.aggregate.compare import MAX_SEEDS, compare_table, paired_difference, seeds_needed
from analysis.aggregate.selection import choose, has_choice, is_selected, mark_selected, ranking
from analysis.aggregate.summary import CONFIDENCE, summary_table
from analysis.questions.faults.pairs import fault_difference, fault_pairs

AXES = axes_of("activation", "lr")

# ---- selection: the smaller lr on a tie, whatever the order of the rows -------------------------

def tied_summary():
    """Ties listed so that 'first row' and 'larger lr' both pick another row than 'smaller lr'."""
    return pd.DataFrame({"activation": ["relu"] * 3 + ["tanh"] * 3, "lr": [1.0, 0.3, 0.1, 0.3, 1.0, 0.1],
                         "n_runs": 2, "best_val_acc_mean": [0.95, 0.95, 0.90, 0.90, 0.80, 0.90]})


def test_the_smaller_lr_wins_a_tie_in_the_lr_selection():
    summary = tied_summary()
    chosen = summary.loc[choose(summary, AXES), ["activation", "lr"]].values.tolist()
    assert sorted(chosen) == [["relu", 0.3], ["tanh", 0.1]]
    assert mark_selected(summary, AXES)["is_selected"].tolist() == [False, True, False, False, False, True]


def test_the_ranking_keeps_grid_order_on_a_tie_and_leaves_out_only_blank_choices():
    summary = pd.DataFrame({"activation": ["relu", "tanh", "gelu", "elu"], "lr": [0.1] * 4, "n_runs": 2,
                            "best_val_acc_mean": [0.90, 0.95, 0.95, np.nan], "is_selected": True,
                            "test_acc_at_best_val_mean": [0.9, np.nan, 0.9, 0.9]})  # a blank test number counts not
    assert ranking(summary)["activation"].tolist() == ["tanh", "gelu", "relu"]


def test_a_summary_without_the_selection_column_selects_nothing():
    summary = pd.DataFrame({"activation": ["relu", "tanh"], "lr": [0.1, 0.5]}, index=[3, 7])
    found = is_selected(summary)
    assert found.tolist() == [False, False] and found.index.tolist() == [3, 7]


def test_there_is_a_choice_when_some_group_holds_two_settings():
    one_group = pd.DataFrame({"lr": [0.1, 0.5]})
    assert has_choice(one_group, axes_of("lr")) and not has_choice(one_group.iloc[:1], axes_of("lr"))
    assert not has_choice(pd.DataFrame({"activation": ["relu", "tanh"], "lr": [0.1, 0.5]}), AXES)
    assert has_choice(pd.DataFrame({"activation": ["relu", "tanh", "relu"], "lr": [0.1, 0.5, 0.5]}), AXES)


def test_the_smaller_lr_wins_a_tie_at_a_budget():
    rows = tied_summary().rename(columns={"best_val_acc_mean": "val_acc_at_25_mean"})
    assert best_at(rows[rows["activation"] == "relu"], "val_acc_at_25_mean")["lr"] == 0.3
    assert best_at(rows[rows["activation"] == "tanh"], "val_acc_at_25_mean")["lr"] == 0.1
    table = budget_table(tied_summary().assign(val_acc_at_25_mean=lambda s: s["best_val_acc_mean"]), AXES)
    assert table[["group", "lr", "rank"]].values.tolist() == [["relu", 0.3, 1], ["tanh", 0.1, 2]]
    assert set(table["chosen_by"]) == {"validation"} and set(table["reported_by"]) == {"test"}


def test_groups_tied_at_a_budget_share_its_best_rank_and_a_blank_group_is_skipped():
    summary = pd.DataFrame({"activation": ["relu", "tanh", "gelu", "elu", "silu"], "lr": 0.1, "n_runs": 2,
                            "best_val_acc_mean": 0.9, "val_acc_at_50_mean": [np.nan, 0.8, 0.9, 0.9, 0.9]})
    table = budget_table(summary, AXES)
    assert table[["group", "rank"]].values.tolist() == [["tanh", 4], ["gelu", 1], ["elu", 1], ["silu", 1]]
    assert table["rank"].dtype.kind == "i"
    # validation numbers, but none at any budget epoch: an empty table, not an error
    assert budget_table(summary.assign(val_acc_at_50_mean=np.nan), AXES).empty


def test_a_blank_budget_value_is_never_the_best():
    rows = pd.DataFrame({"lr": [0.1, 0.3], "val_acc_at_50_mean": [np.nan, 0.2]})
    assert best_at(rows, "val_acc_at_50_mean")["lr"] == 0.3
    assert best_at(rows.iloc[:1], "val_acc_at_50_mean") is None
    # without an lr column the best value wins and a tie keeps the first row
    no_lr = pd.DataFrame({"name": ["a", "b", "c"], "val_acc_at_50_mean": [0.2, 0.3, 0.3]})
    assert best_at(no_lr, "val_acc_at_50_mean")["name"] == "b"


# ---- paired comparison: by seed, whatever order the seeds are listed in -------------------------

BY_SEED = {"relu": {0: 0.90, 1: 0.92, 2: 0.97}, "tanh": {0: 0.89, 1: 0.90, 2: 0.95}}


def seed_shuffled_metrics():
    """relu's runs listed by seed 0, 1, 2; tanh's by 2, 0, 1 (one lr each, relu better on validation)."""
    rows = []
    for activation, seeds, val in (("relu", (0, 1, 2), 0.95), ("tanh", (2, 0, 1), 0.93)):
        for seed in seeds:
            test = BY_SEED[activation][seed]
            rows.append({"run_id": f"{activation}-{seed}", "activation": activation, "lr": 0.5, "seed": seed,
                         "status": "ok", "best_val_acc": val, "test_acc_at_best_val": test,
                         "final_test_acc": test})
    return pd.DataFrame(rows)


def test_runs_are_paired_by_seed_not_by_position():
    metrics = seed_shuffled_metrics()
    axes = axes_of("activation")
    row = compare_table(metrics, summary_table(metrics, axes), axes).iloc[0]
    # by seed: differences 0.01, 0.02, 0.02 (sd 0.00577); by position they would be -0.05, 0.03, 0.07
    diffs = np.array([BY_SEED["relu"][s] - BY_SEED["tanh"][s] for s in (0, 1, 2)])
    assert (row["a"], row["b"], row["n_pairs"]) == ("relu", "tanh", 3)
    assert row["mean_diff"] == pytest.approx(diffs.mean()) and row["sd_diff"] == pytest.approx(diffs.std(ddof=1))
    assert row["established"]  # only the seed pairing makes the interval exclude 0
    assert (row["chosen_by"], row["reported_by"]) == ("validation", "test")


def test_a_is_the_better_on_validation_whatever_the_grid_order():
    metrics = seed_shuffled_metrics()
    metrics["best_val_acc"] = np.where(metrics["activation"] == "relu", 0.90, 0.97)  # tanh listed second, better
    axes = axes_of("activation")
    row = compare_table(metrics, summary_table(metrics, axes), axes).iloc[0]
    assert (row["a"], row["b"]) == ("tanh", "relu") and row["mean_diff"] < 0


def test_pairs_are_made_within_each_combination_of_the_other_settings():
    metrics = pd.concat([seed_shuffled_metrics().assign(hidden=h) for h in ("64", "128")], ignore_index=True)
    metrics["run_id"] = metrics["run_id"] + "-" + metrics["hidden"]
    axes = axes_of("hidden", "activation")  # activation is compared even when it is not the first axis
    table = compare_table(metrics, summary_table(metrics, axes), axes)
    rows = table[table["metric"] == "final_test_acc"]
    assert rows[["hidden", "a", "b"]].values.tolist() == [["64", "relu", "tanh"], ["128", "relu", "tanh"]]
    # without an activation axis, the first setting other than lr is the one compared
    other = seed_shuffled_metrics().rename(columns={"activation": "optimizer"})
    axes = axes_of("optimizer")
    assert set(compare_table(other, summary_table(other, axes), axes)["axis"]) == {"optimizer"}


def test_two_seeds_are_enough_for_a_spread_an_interval_and_a_test():
    # main.toml trains 2 seeds: the smallest n with a standard deviation (n - 1 = 1)
    found = paired_difference(pd.Series([0.90, 0.94]), pd.Series([0.89, 0.90]))  # differences 0.01, 0.04
    assert found["n_pairs"] == 2 and found["sd_diff"] == pytest.approx(0.03 / math.sqrt(2))
    half = 12.7062 * found["sd_diff"] / math.sqrt(2)  # t(0.975, 1)
    assert [found["ci_low"], found["ci_high"]] == pytest.approx([0.025 - half, 0.025 + half], abs=1e-4)
    assert math.isfinite(found["p_value"]) and not found["established"] and found["seeds_needed"] > 2
    same = paired_difference(pd.Series([0.5, 0.75]), pd.Series([0.25, 0.5]))  # exactly 0.25 twice
    assert same["established"] and same["ci_low"] == same["ci_high"] == 0.25


def test_a_blank_setting_value_is_a_setting_of_its_own():
    # e.g. a column added later, blank for the older runs: they are summarised and chosen, not dropped
    metrics = pd.DataFrame({"hidden": [np.nan, np.nan, "64", "64"], "lr": [0.1, 0.5, 0.1, 0.5], "status": "ok",
                            "best_val_acc": [0.8, 0.9, 0.9, 0.8]})
    axes = axes_of("hidden", "lr")
    summary = summary_table(metrics, axes)
    assert len(summary) == 4 and summary["is_selected"].tolist() == [False, True, True, False]


def test_identical_settings_are_not_established_and_need_no_seeds():
    same = pd.Series([0.9, 0.8, 0.7])
    found = paired_difference(same, same.copy())
    assert found["ci_low"] == found["ci_high"] == 0 and not found["established"]
    assert math.isnan(found["seeds_needed"])


def t_half(n, sd=1.0):
    """The 95% half-interval t(0.975, n - 1) sd / sqrt(n) that seeds_needed compares with |mean|."""
    from scipy import stats

    return stats.t.ppf((1 + CONFIDENCE) / 2, n - 1) * sd / np.sqrt(n)


def test_seeds_needed_is_the_smallest_n_whose_half_interval_is_below_the_difference():
    mean = (t_half(9) + t_half(10)) / 2  # 10 seeds are enough, 9 are not
    assert seeds_needed(mean, 1.0) == 10 and seeds_needed(-mean, 1.0) == 10  # the size of the difference


def test_seeds_needed_counts_up_to_100000_and_is_blank_beyond():
    assert MAX_SEEDS == 100_000
    last = (t_half(MAX_SEEDS - 1) + t_half(MAX_SEEDS)) / 2
    assert seeds_needed(last, 1.0) == MAX_SEEDS
    beyond = (t_half(MAX_SEEDS) + t_half(MAX_SEEDS + 1)) / 2
    assert math.isnan(seeds_needed(beyond, 1.0))


# ---- the learner's faults: each fault run paired with the correct run of its own seed -----------

def fault_metrics():
    """Fault runs listed by seed 0, 1, 2; correct runs by seed 2, 1 only (seed 0 has no partner)."""
    rows = [("sum_cost", 0, 0.50), ("sum_cost", 1, 0.60), ("sum_cost", 2, 0.70),
            ("none", 2, 0.95), ("none", 1, 0.80)]
    return pd.DataFrame([{"run_id": f"{fault}-{seed}", "activation": "relu", "fault": fault, "lr": 0.5,
                          "seed": seed, "status": "ok", "final_test_acc": acc} for fault, seed, acc in rows])


def test_each_fault_run_is_paired_with_the_correct_run_of_its_seed():
    metrics = fault_metrics()
    axes = axes_of("fault")
    pairs = fault_pairs(metrics, axes).set_index("run_id")["partner"]
    assert pd.isna(pairs["sum_cost-0"]) and pairs[["sum_cost-1", "sum_cost-2"]].tolist() == ["none-1", "none-2"]
    mean, n = fault_difference(metrics, fault_pairs(metrics, axes), "final_test_acc")
    assert n == 2 and mean == pytest.approx(((0.60 - 0.80) + (0.70 - 0.95)) / 2)
