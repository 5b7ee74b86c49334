"""Paired comparison of the selected settings: same seed = same training subset and initial weights.

Per pair (e.g. two activations, each at its validation-selected lr), the per-seed differences of a
test metric give a mean, a 95% t interval and a paired t-test (scipy.stats.ttest_rel). A difference
is *established* only when its interval excludes 0; otherwise `seeds_needed` is the smallest n with
t(0.975, n - 1) x sd / sqrt(n) < |mean difference|, the observed spread taken as the true one.
"""

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from analysis.aggregate.selection import SELECT_BY, has_choice, has_validation, selected_rows
from analysis.aggregate.summary import CONFIDENCE
from analysis.load.axes import LR, REPLICATE, rows_matching

COMPARED_METRICS = ("test_acc_at_best_val", "final_test_acc")  # reported, never used to choose
PREFERRED_AXIS = "activation"
MAX_SEEDS = 100_000  # seeds_needed is left blank beyond this


def compared_rows(summary, axes):
    """The settings to compare: the selected ones; without validation, only when nothing was to choose."""
    if has_validation(summary):
        return selected_rows(summary)
    return summary.iloc[0:0] if has_choice(summary, axes) else summary


def compared_axis(axes):
    """The axis whose values are compared pairwise: activation when it varies, else the first group column."""
    groups = list(axes.group_columns)
    return PREFERRED_AXIS if PREFERRED_AXIS in groups else (groups[0] if groups else None)


def seeds_needed(mean, sd):
    """Smallest n whose 95% half-interval t x sd / sqrt(n) is below |mean|; NaN if none up to MAX_SEEDS."""
    if not (np.isfinite(mean) and np.isfinite(sd)) or mean == 0:
        return np.nan
    if sd == 0:
        return 2.0
    n = np.arange(2, MAX_SEEDS + 1)
    enough = np.flatnonzero(stats.t.ppf((1 + CONFIDENCE) / 2, n - 1) * sd / np.sqrt(n) < abs(mean))
    return float(n[enough[0]]) if len(enough) else np.nan


def paired_difference(a, b):
    """Stats of a - b over the seeds where both have a value (a, b: Series indexed by seed).

    The 95% interval and the test are scipy.stats.ttest_rel's; with every difference equal the
    interval is that one value (scipy's would be blank).
    """
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    diff = (both["a"] - both["b"]).to_numpy(dtype=float)
    n = len(diff)
    mean = float(diff.mean()) if n else np.nan
    sd = float(diff.std(ddof=1)) if n > 1 else np.nan
    low = high = statistic = p_value = np.nan
    if n > 1 and sd > 0:
        test = stats.ttest_rel(both["a"], both["b"])
        (low, high), statistic, p_value = test.confidence_interval(CONFIDENCE), test.statistic, test.pvalue
    elif n > 1:
        low = high = mean
    return {"n_pairs": n, "mean_diff": mean, "sd_diff": sd, "ci_low": float(low), "ci_high": float(high),
            "t_stat": float(statistic), "p_value": float(p_value),
            "established": bool(n > 1 and (low > 0 or high < 0)), "seeds_needed": seeds_needed(mean, sd)}


def by_seed(metrics, row, setting_columns, metric):
    runs = rows_matching(metrics, row, setting_columns)
    return runs.set_index(REPLICATE)[metric].astype(float)


def compare_table(metrics, summary, axes):
    """compare.csv: one row per pair of compared settings and metric; empty when there is no pair."""
    rows, axis = compared_rows(summary, axes), compared_axis(axes)
    if axis is None or len(rows) < 2 or REPLICATE not in metrics.columns:
        return pd.DataFrame()
    settings = list(axes.setting_columns)
    others = [c for c in axes.group_columns if c != axis]
    ranked = rows.sort_values(SELECT_BY, ascending=False, kind="stable") if has_validation(rows) else rows
    blocks = ranked.groupby(others, sort=False, dropna=False) if others else [(None, ranked)]
    found = []
    for _, block in blocks:
        for (_, a), (_, b) in itertools.combinations(block.iterrows(), 2):
            for metric in [m for m in COMPARED_METRICS if m in metrics.columns]:
                stats_ = paired_difference(by_seed(metrics, a, settings, metric), by_seed(metrics, b, settings, metric))
                found.append({**{c: a[c] for c in others}, "axis": axis, "a": a[axis], "b": b[axis],
                              "lr_a": a.get(LR, np.nan), "lr_b": b.get(LR, np.nan), "metric": metric,
                              **stats_, "chosen_by": "validation" if has_validation(rows) else "none",
                              "reported_by": "test"})
    return pd.DataFrame(found)
