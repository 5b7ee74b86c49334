"""The analysis' documented rules, each tested at its boundary with data that a neighbouring rule would
get wrong (analysis/README.md, the module docstrings of analysis/metrics and analysis/aggregate).

Where a rule compares floats, the numbers are chosen so the boundary is exact in floating point
(powers of two, log of 2 and 4), and a premise assertion says so: a boundary that rounding moved
would test nothing.
"""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.aggregate.budgets import best_at, budget_table
from analysis.aggregate.compare import MAX_SEEDS, compare_table, paired_difference, seeds_needed
from analysis.aggregate.selection import choose, mark_selected, ranking
from analysis.aggregate.summary import CONFIDENCE, summary_table
from analysis.metrics.accuracy import BUDGET_NAMES, accuracy_metrics
from analysis.metrics.eos import EOS_LEVEL, eos_metrics
from analysis.metrics.spikiness import SPIKE_TAU, UP_RATIO_LIMIT, is_spiky, spikiness
from analysis.questions.faults.pairs import fault_difference, fault_pairs
from conftest import axes_of

AXES = axes_of("activation", "lr")


def above(x):
    """The next float above x: the smallest step past a boundary."""
    return float(np.nextafter(x, np.inf))


def below(x):
    return float(np.nextafter(x, -np.inf))


# ---- spikiness: the strict ">" of an excursion, up_ratio's limit ---------------------------------

@pytest.mark.parametrize("tau", [0.25, 1.0, 3.0])
def test_a_cost_exactly_one_plus_tau_times_the_running_minimum_is_not_a_spike(tau):
    # the running minimum is 1 (log 0), so the code compares log(1 + tau) with log1p(tau)
    assert np.log(1 + tau) == np.log1p(tau), "premise: the boundary is exact in floating point"
    at_limit = spikiness([16.0, 1.0, 1 + tau, 1.0, 1e-3], tau)
    assert at_limit["n_spikes"] == 0 and at_limit["max_excursion"] == 1 + tau
    assert at_limit["up_ratio"] < UP_RATIO_LIMIT and at_limit["spiky"] is False
    past = spikiness([16.0, 1.0, above(1 + tau), 1.0, 1e-3], tau)
    assert past["n_spikes"] == 1 and past["spiky"] is True


def test_excursions_are_measured_from_the_running_minimum_not_the_previous_epoch():
    # each epoch is under 5% above the one before, but 8% and 12% above the running minimum 2;
    # against the lowest cost of the whole curve (1) every epoch but the last would be a spike
    found = spikiness([4.0, 2.0, 2.08, 2.16, 2.24, 1.0])
    assert SPIKE_TAU == 0.05
    assert found["n_spikes"] == 1 and found["max_excursion"] == pytest.approx(1.12)


def test_one_stretch_above_the_threshold_is_one_spike_however_many_rises_it_holds():
    # 8, 6, 7 stay above 1.05 x 4 throughout: two rises, one excursion
    found = spikiness([8.0, 4.0, 8.0, 6.0, 7.0, 1.0])
    assert found["n_up"] == 2 and found["n_spikes"] == 1
    # falling back below the threshold ends the stretch: the next climb is a second spike
    assert spikiness([8.0, 4.0, 8.0, 4.1, 7.0, 1.0])["n_spikes"] == 2


def test_up_ratio_exactly_at_its_limit_is_spiky_and_just_below_is_not():
    # log costs log 4, 0, log 2, 0: a rise of log 2 against a net fall of log 4 = 2 log 2, exactly 1/2;
    # tau = 2 keeps the rise (2x the running minimum) from counting as a spike
    assert np.log(4.0) == 2 * np.log(2.0), "premise: the ratio is exactly 1/2 in floating point"
    at_limit = spikiness([4.0, 1.0, 2.0, 1.0], tau=2.0)
    assert at_limit["n_spikes"] == 0 and at_limit["up_ratio"] == UP_RATIO_LIMIT == 0.5
    assert at_limit["spiky"] is True
    just_below = spikiness([4.0, 1.0, below(2.0), 1.0], tau=2.0)
    assert 0.4999 < just_below["up_ratio"] < 0.5 and just_below["spiky"] is False


@pytest.mark.parametrize("n_spikes, ratio, spiky", [
    (0, 0.5, True), (0, below(0.5), False), (1, 0.0, True), (0, 0.0, False), (0, math.inf, True)])
def test_the_spiky_rule_is_one_excursion_or_up_ratio_at_least_one_half(n_spikes, ratio, spiky):
    assert is_spiky(n_spikes, ratio) is spiky


def test_a_rise_just_past_the_rounding_tolerance_counts_and_one_below_it_does_not():
    # the tolerance is 1e-9 in log cost; 4e-9 and 2.5e-10 sit a factor 4 either side of it
    assert spikiness([2.0, 1.0, math.exp(4e-9)])["n_up"] == 1
    assert spikiness([2.0, 1.0, math.exp(2.5e-10)])["n_up"] == 0


def test_a_curve_that_ends_where_it_started_has_an_infinite_up_ratio():
    # a net fall of exactly 0 with a rise: "did not fall overall" includes equality
    found = spikiness([2.0, 1.0, 2.0], tau=3.0)
    assert found["n_spikes"] == 0 and found["up_ratio"] == math.inf and found["spiky"] is True


# ---- accuracy: the validation-chosen epoch, thresholds, budgets ----------------------------------

def run_rows(epochs, test, val, train=None):
    train = test if train is None else train
    return pd.DataFrame({"epoch": np.asarray(epochs, dtype=float), "train_acc": train, "val_acc": val,
                         "test_acc": test})


def test_the_chosen_epoch_is_the_first_epoch_of_the_maximum_named_by_epoch_not_row():
    # recorded every 5 epochs, blanks before the maximum, the maximum reached twice
    found = accuracy_metrics(run_rows([0, 5, 10, 15, 20, 25], test=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
                                      val=[np.nan, 0.90, 0.95, np.nan, 0.95, 0.94]))
    assert found["best_val_epoch"] == 10 and found["best_val_acc"] == 0.95
    assert found["test_acc_at_best_val"] == 0.3  # read at epoch 10, not at the later tie (0.5)


def test_accuracy_levels_count_from_exactly_the_level():
    reached = accuracy_metrics(run_rows([0, 1, 2, 3], test=[0.5, 0.90, 0.93, 0.95], val=[0.5] * 4))
    assert reached["epochs_to_90"] == 1 and reached["epochs_to_95"] == 3
    short = accuracy_metrics(run_rows([0, 1, 2], test=[0.5, below(0.90), below(0.95)], val=[0.5] * 3))
    assert short["epochs_to_90"] == 2 and math.isnan(short["epochs_to_95"])


def test_budgets_are_epochs_25_50_100_200_and_the_last_read_exactly_there():
    assert BUDGET_NAMES == ("25", "50", "100", "200", "last")
    epochs = np.arange(201, dtype=float)
    whole = accuracy_metrics(run_rows(epochs, test=epochs / 1000, val=epochs / 400))
    assert [whole[f"val_acc_at_{b}"] for b in BUDGET_NAMES] == [25 / 400, 50 / 400, 100 / 400, 200 / 400, 0.5]
    # a run one epoch short of 200 has no value at 200, and its last is epoch 199
    short = accuracy_metrics(run_rows(epochs[:-1], test=epochs[:-1] / 1000, val=epochs[:-1] / 400))
    assert math.isnan(short["val_acc_at_200"]) and short["test_acc_at_last"] == 0.199
    # no interpolation or nearest epoch: measured at 24 and 26 only is blank at 25
    sparse = accuracy_metrics(run_rows([0, 24, 26], test=[0.1, 0.2, 0.3], val=[0.1, 0.2, 0.3]))
    assert math.isnan(sparse["val_acc_at_25"]) and math.isnan(sparse["test_acc_at_25"])


# ---- edge of stability: 0.95 inclusive, the first epoch reaching it -----------------------------

def sharpness_rows(epochs, lr, sharpness, stability=None):
    frame = pd.DataFrame({"epoch": np.asarray(epochs, dtype=float), "lr": lr, "sharpness": sharpness})
    if stability is not None:
        frame["stability"] = stability
    return frame


def test_stability_exactly_at_the_level_has_reached_2_over_lr():
    assert EOS_LEVEL == 0.95
    at_level = eos_metrics(sharpness_rows([0, 5, 10], 0.5, [1.0, 1.0, 1.0], stability=[0.5, 0.95, 0.9]))
    assert at_level["reached_eos"] is True and at_level["eos_epoch"] == 5
    assert at_level["stability_after_eos"] == pytest.approx(0.925)  # median of 0.95, 0.9: from that epoch on
    just_below = eos_metrics(sharpness_rows([0, 5], 0.5, [1.0, 1.0], stability=[0.5, below(0.95)]))
    assert just_below["reached_eos"] is False and math.isnan(just_below["eos_epoch"])


def test_stability_from_sharpness_is_lr_times_sharpness_over_2_at_the_level():
    # 0.5 x 3.8 / 2 is 3.8 / 4: the same float as 0.95 (division by powers of two is exact)
    assert 0.5 * 3.8 / 2 == 0.95
    found = eos_metrics(sharpness_rows([0, 10, 20], 0.5, [1.0, np.nan, 3.8]))
    assert found["reached_eos"] is True and found["eos_epoch"] == 20 and found["max_stability"] == 0.95


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


def test_the_ranking_keeps_grid_order_on_a_tie():
    summary = pd.DataFrame({"activation": ["relu", "tanh", "gelu"], "lr": [0.1] * 3, "n_runs": 2,
                            "best_val_acc_mean": [0.90, 0.95, 0.95], "is_selected": True})
    assert ranking(summary)["activation"].tolist() == ["tanh", "gelu", "relu"]


def test_the_smaller_lr_wins_a_tie_at_a_budget():
    rows = tied_summary().rename(columns={"best_val_acc_mean": "val_acc_at_25_mean"})
    assert best_at(rows[rows["activation"] == "relu"], "val_acc_at_25_mean")["lr"] == 0.3
    assert best_at(rows[rows["activation"] == "tanh"], "val_acc_at_25_mean")["lr"] == 0.1
    table = budget_table(tied_summary().assign(val_acc_at_25_mean=lambda s: s["best_val_acc_mean"]), AXES)
    assert table[["group", "lr", "rank"]].values.tolist() == [["relu", 0.3, 1], ["tanh", 0.1, 2]]


def test_a_blank_budget_value_is_never_the_best():
    rows = pd.DataFrame({"lr": [0.1, 0.3], "val_acc_at_50_mean": [np.nan, 0.2]})
    assert best_at(rows, "val_acc_at_50_mean")["lr"] == 0.3
    assert best_at(rows.iloc[:1], "val_acc_at_50_mean") is None


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
