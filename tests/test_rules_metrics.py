"""The per-run metrics' documented rules, each tested at its boundary with data that a neighbouring
rule would get wrong: spikiness, accuracy at the validation-chosen epoch and at budgets, edge of
stability (analysis/README.md, analysis/metrics/*.py).

Where a rule compares floats, the numbers are chosen so the boundary is exact in floating point
(powers of two, log of 2 and 4), and a premise assertion says so: a boundary that rounding moved
would test nothing.
"""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.metrics.accuracy import BUDGET_NAMES, accuracy_metrics
from analysis.metrics.eos import EOS_COLUMNS, EOS_LEVEL, eos_metrics, has_sharpness
from analysis.metrics.spikiness import SPIKE_TAU, UP_RATIO_LIMIT, is_spiky, spikiness


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


def test_a_curve_that_did_not_fall_overall_has_an_infinite_up_ratio():
    # a net fall of exactly 0 with a rise: "did not fall overall" includes equality, and a net rise
    found = spikiness([2.0, 1.0, 2.0], tau=3.0)
    assert found["n_spikes"] == 0 and found["up_ratio"] == math.inf and found["spiky"] is True
    assert spikiness([1.0, 2.0], tau=3.0)["up_ratio"] == math.inf


def test_two_epochs_have_one_step_for_the_fraction_of_rises():
    assert spikiness([1.0, 2.0])["frac_up"] == 1.0 and spikiness([2.0, 1.0])["frac_up"] == 0.0


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
    assert math.isnan(just_below["stability_after_eos"]) and just_below["max_stability"] == below(0.95)


def test_stability_from_sharpness_is_lr_times_sharpness_over_2_at_the_level():
    # 0.5 x 3.8 / 2 is 3.8 / 4: the same float as 0.95 (division by powers of two is exact)
    assert 0.5 * 3.8 / 2 == 0.95
    found = eos_metrics(sharpness_rows([0, 10, 20], 0.5, [1.0, np.nan, 3.8]))
    assert found["reached_eos"] is True and found["eos_epoch"] == 20 and found["max_stability"] == 0.95


def test_a_recorded_stability_is_used_as_it_is_and_only_a_blank_one_is_computed():
    # the trainer's column (here 0.3) wins over lr x sharpness / 2 (here 0.96); only a blank is filled in
    recorded = eos_metrics(sharpness_rows([0, 10], 0.5, [3.84, 3.84], stability=[0.3, np.nan]))
    assert recorded["max_stability"] == 0.96 and recorded["eos_epoch"] == 10


def test_a_blank_stability_stays_blank_when_the_optimizer_has_no_threshold():
    # with an optimizer column (tables since per-optimizer thresholds) a blank is Adam's: nothing to compare with
    adam = sharpness_rows([0, 10], 0.01, [50.0, 60.0], stability=[np.nan, np.nan]).assign(optimizer="adam")
    found = eos_metrics(adam)
    assert found["sharpness_measured"] is False and all(math.isnan(found[c]) for c in EOS_COLUMNS[1:])


def test_rows_without_a_sharpness_column_have_no_measurement():
    found = eos_metrics(pd.DataFrame({"epoch": [0.0, 1.0], "lr": 0.1}))
    assert list(found) == list(EOS_COLUMNS) and found["sharpness_measured"] is False
    assert all(math.isnan(found[c]) for c in EOS_COLUMNS[1:])


def test_a_folder_has_sharpness_when_some_value_is_measured():
    assert has_sharpness(pd.DataFrame({"sharpness": [np.nan, 3.0]}))
    assert not has_sharpness(pd.DataFrame({"sharpness": [np.nan, np.nan]}))
    assert not has_sharpness(pd.DataFrame({"stability": [1.0]}))


# ---- per setting: counts, rates, one row per setting in the order settings first appear ---------

def test_a_setting_counts_its_failed_and_diverged_runs_among_those_that_trained():
    from conftest import axes_of

    from analysis.aggregate.summary import summary_table

    metrics = pd.DataFrame({"activation": ["tanh"] * 3 + ["relu"] * 2 + ["gelu"],
                            "status": ["failed", "ok", "diverged", "failed", "failed", "ok"],
                            "final_test_acc": [np.nan, 0.9, 0.1, np.nan, np.nan, 0.8]})
    summary = summary_table(metrics, axes_of("activation"))
    assert summary["activation"].tolist() == ["tanh", "relu", "gelu"]  # first appearance, not sorted
    assert summary["n_failed"].tolist() == [1, 2, 0] and summary["divergence_rate"].iloc[0] == 0.5
    assert math.isnan(summary["divergence_rate"].iloc[1])  # nothing trained: no rate
    one = summary_table(metrics.iloc[5:], axes_of())  # one run, no setting that varies
    assert len(one) == 1 and one["n_runs"].iloc[0] == 1

