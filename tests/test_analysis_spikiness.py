"""Spikiness metrics on hand-built cost curves whose answers are worked out by hand."""

import math

import numpy as np
import pytest

from analysis.metrics.spikiness import SPIKINESS_COLUMNS, finite_prefix, running_median, spikiness

LN2 = math.log(2)
MONOTONE = dict(n_up=0, frac_up=0.0, up_ratio=0.0, n_spikes=0, max_excursion=1.0, roughness=0.0, spiky=False)
CASES = {
    "monotone": ([10, 5, 2, 1, 0.5], dict(MONOTONE, n_finite=5)),
    "constant": ([3, 3, 3, 3, 3], dict(MONOTONE, n_finite=5)),
    # log2 cost 4,3,2,4,1,0: one rise of 2 against a net fall of 4; cost 4x its running minimum at t=3;
    # 3-point running medians leave residuals (in log2 units) 0,0,-1,2,0,0.
    "single spike": ([16, 8, 4, 16, 2, 1], dict(n_finite=6, n_up=1, frac_up=0.2, up_ratio=0.5, n_spikes=1,
                                                max_excursion=4.0, roughness=LN2 * math.sqrt(5 / 6), spiky=True)),
    # log2 cost 3,1,2,0,1,-1,0: three rises of 1 against a net fall of 3, each 2x the running minimum;
    # running-median residuals 0,-1,1,-1,1,-1,0.
    "periodic": ([8, 2, 4, 1, 2, 0.5, 1], dict(n_finite=7, n_up=3, frac_up=0.5, up_ratio=1.0, n_spikes=3,
                                               max_excursion=2.0, roughness=LN2 * math.sqrt(5 / 7), spiky=True)),
    "ends in nan": ([10, 5, 2, 1, np.nan], dict(MONOTONE, n_finite=4)),
    "ends in inf": ([10, 5, 2, np.inf], dict(MONOTONE, n_finite=3)),
    # a 2% rise: a rise, but below the 5% excursion threshold, and small against the net fall
    "small rise": ([10, 5, 5.1, 4], dict(n_finite=4, n_up=1, frac_up=1 / 3, up_ratio=math.log(1.02) / math.log(2.5),
                                         n_spikes=0, max_excursion=1.02, spiky=False)),
    # two high epochs in a row are one excursion, not two
    "two-epoch spike": ([8, 4, 8, 8, 2], dict(n_finite=5, n_up=1, n_spikes=1, max_excursion=2.0, spiky=True)),
    # rises of ~2% each, never 5% above the running minimum, but they undo 80% of the net fall
    "sustained wiggle": ([1, 0.97, 0.99, 0.96, 0.98, 0.95],
                         dict(n_up=2, n_spikes=0, spiky=True,
                              up_ratio=(math.log(0.99 / 0.97) + math.log(0.98 / 0.96)) / math.log(1 / 0.95))),
    "back to the start": ([4, 2, 4], dict(n_up=1, up_ratio=math.inf, n_spikes=1, spiky=True)),
}


@pytest.mark.parametrize("name", CASES)
def test_metrics_match_hand_computed_values(name):
    costs, expected = CASES[name]
    found = spikiness(costs)
    assert set(found) == set(SPIKINESS_COLUMNS)
    for key, value in expected.items():
        assert found[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("scale", [0.1, 1e-6, 37.0])
@pytest.mark.parametrize("name", CASES)
def test_metrics_do_not_change_when_the_cost_is_scaled(name, scale):
    costs, _ = CASES[name]
    original, scaled = spikiness(costs), spikiness(scale * np.asarray(costs, dtype=float))
    for key in SPIKINESS_COLUMNS:
        assert scaled[key] == pytest.approx(original[key], rel=1e-9, abs=1e-12), key


def test_threshold_tau_decides_what_counts_as_a_spike():
    costs = [10, 5, 5.4, 4]  # 8% above the running minimum
    assert spikiness(costs, tau=0.05)["n_spikes"] == 1
    assert spikiness(costs, tau=0.10)["n_spikes"] == 0


def test_rounding_noise_on_a_plateau_is_not_a_rise():
    assert spikiness([2.0, 1.0, 1.0 + 1e-13, 1.0])["n_up"] == 0


def test_running_median_uses_three_points_and_keeps_the_ends():
    assert running_median(np.array([3.0, 1, 2, 5, 4])).tolist() == [3, 2, 2, 4, 4]


def test_finite_prefix_stops_at_the_first_value_without_a_log():
    assert finite_prefix([3, 2, np.nan, 1]).tolist() == [3, 2]
    assert finite_prefix([3, 0, 1]).tolist() == [3]


@pytest.mark.parametrize("costs", [[], [np.nan, 1.0]])
def test_a_curve_without_finite_costs_has_no_metrics(costs):
    found = spikiness(costs)
    assert found["n_finite"] == 0
    assert all(np.isnan(found[key]) for key in SPIKINESS_COLUMNS[1:])


def test_a_single_epoch_has_no_fraction_of_rises():
    found = spikiness([2.3])
    assert np.isnan(found["frac_up"]) and found["n_up"] == 0 and found["spiky"] is False
