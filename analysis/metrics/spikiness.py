"""How spiky a training cost curve is: metrics on log cost, so scaling the cost changes nothing.

Every metric works on l_t = log(c_t) for the finite prefix of the curve (the values before the
first inf/nan). Formulas are in analysis/README.md.
"""

import numpy as np
from scipy.ndimage import median_filter

SPIKE_TAU = 0.05  # an excursion is a stretch of epochs with cost > (1 + tau) x its running minimum
UP_RATIO_LIMIT = 0.5  # ... or a curve that climbed back at least half as much as it fell in net
RISE_TOLERANCE = 1e-9  # a log-cost rise below this is float rounding on a plateau, not a rise
ROUGHNESS_HALF_WIDTH = 1  # running median over 3 epochs: catches single-epoch spikes and 2-cycles

SPIKINESS_COLUMNS = ("n_finite", "n_up", "frac_up", "up_ratio", "n_spikes", "max_excursion", "roughness", "spiky")


def finite_prefix(costs):
    """The costs before the first non-finite (or non-positive) one: the part that has a log."""
    costs = np.asarray(costs, dtype=float)
    bad = ~np.isfinite(costs) | (costs <= 0)
    return costs[: int(np.argmax(bad))] if bad.any() else costs


def rises(log_cost):
    """Per-epoch rises of log cost (0 for an epoch where it fell or stayed)."""
    steps = np.diff(log_cost)
    return np.where(steps > RISE_TOLERANCE, steps, 0.0)


def up_ratio(log_cost):
    """Sum of rises of log cost / net fall of log cost; 0 without rises, inf if it did not fall."""
    total_rise = rises(log_cost).sum()
    if total_rise == 0:
        return 0.0
    net_fall = log_cost[0] - log_cost[-1]
    return float(total_rise / net_fall) if net_fall > 0 else np.inf


def excursions(log_cost, tau=SPIKE_TAU):
    """(number of distinct stretches above (1 + tau) x running minimum, largest cost / running minimum)."""
    above_log = log_cost - np.minimum.accumulate(log_cost)  # log(c_t / min_{s<=t} c_s) >= 0
    above = above_log > np.log1p(tau)
    starts = above & ~np.concatenate(([False], above[:-1]))
    return int(starts.sum()), float(np.exp(above_log.max()))


def running_median(values):
    """Centered median over 3 points; at each end the window shrinks to that point.

    scipy's median_filter with 'nearest' padding repeats the end value, and the median of
    (l_0, l_0, l_1) is l_0: the same numbers as the shrinking window."""
    return median_filter(np.asarray(values, dtype=float), size=2 * ROUGHNESS_HALF_WIDTH + 1, mode="nearest")


def roughness(log_cost):
    """Root mean square of log cost around its running median (0 for any monotone curve)."""
    return float(np.sqrt(np.mean((log_cost - running_median(log_cost)) ** 2)))


def is_spiky(n_spikes, ratio):
    """The rule: at least one excursion above (1 + tau) x the running minimum, or up_ratio >= 0.5."""
    return bool(n_spikes >= 1 or ratio >= UP_RATIO_LIMIT)


def spikiness(costs, tau=SPIKE_TAU):
    """All spikiness metrics of one cost curve, as a dict keyed by SPIKINESS_COLUMNS."""
    log_cost = np.log(finite_prefix(costs))
    n = len(log_cost)
    if n == 0:
        return {"n_finite": 0, **dict.fromkeys(SPIKINESS_COLUMNS[1:], np.nan)}
    n_up = int(np.count_nonzero(rises(log_cost)))
    n_spikes, max_excursion = excursions(log_cost, tau)
    ratio = up_ratio(log_cost)
    return {
        "n_finite": n,
        "n_up": n_up,
        "frac_up": n_up / (n - 1) if n > 1 else np.nan,
        "up_ratio": ratio,
        "n_spikes": n_spikes,
        "max_excursion": max_excursion,
        "roughness": roughness(log_cost),
        "spiky": is_spiky(n_spikes, ratio),
    }
