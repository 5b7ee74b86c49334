"""Paired comparison of the selected settings: same seed = same training subset and initial weights.

Per pair (e.g. two activations, each at its validation-selected lr), the per-seed differences of a
test metric give a mean, a 95% t interval and a paired t-test (scipy.stats.ttest_rel). A difference
is *established* only when its interval excludes 0; otherwise `seeds_needed` is the smallest n with
t(0.975, n - 1) x sd / sqrt(n) < |mean difference|, the observed spread taken as the true one.
"""

import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from analysis.aggregate.summary import CONFIDENCE, t_quantile
from analysis.load.axes import LR, REPLICATE, rows_matching, summary_setting_columns
from analysis.aggregate.selection import SELECT_BY, group_columns, has_choice, has_validation

COMPARED_METRICS = ("test_acc_at_best_val", "final_test_acc")  # reported, never used to choose
PREFERRED_AXIS = "activation"
MAX_SEEDS = 100_000  # seeds_needed is left blank beyond this


def compared_rows(summary):
    """The settings to compare: the selected ones; without validation, only when nothing was to choose."""
    if has_validation(summary):
        return summary[summary["is_selected"].astype(bool)]
    return summary.iloc[0:0] if has_choice(summary) else summary


def compared_axis(summary):
    """The axis whose values are compared pairwise: activation when it varies, else the first group column."""
    groups = group_columns(summary)
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
    """Stats of a - b over the seeds where both have a value (a, b: Series indexed by seed)."""
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    diff = (both["a"] - both["b"]).to_numpy(dtype=float)
    n = len(diff)
    mean = float(diff.mean()) if n else np.nan
    sd = float(diff.std(ddof=1)) if n > 1 else np.nan
    half = t_quantile(n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        test = stats.ttest_rel(both["a"], both["b"]) if n > 1 else None
    low, high = mean - half, mean + half
    return {"n_pairs": n, "mean_diff": mean, "sd_diff": sd, "ci_low": low, "ci_high": high,
            "t_stat": float(test.statistic) if test else np.nan, "p_value": float(test.pvalue) if test else np.nan,
            "established": bool(n > 1 and (low > 0 or high < 0)),
            "seeds_needed": seeds_needed(mean, sd)}


def by_seed(metrics, row, setting_columns, metric):
    runs = rows_matching(metrics, row, setting_columns)
    return runs.set_index(REPLICATE)[metric].astype(float)


def compare_table(metrics, summary):
    """compare.csv: one row per pair of compared settings and metric; empty when there is no pair."""
    rows, axis = compared_rows(summary), compared_axis(summary)
    if axis is None or len(rows) < 2 or REPLICATE not in metrics.columns:
        return pd.DataFrame()
    settings = summary_setting_columns(summary)
    others = [c for c in group_columns(summary) if c != axis]
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


METRIC_NAMES = {"test_acc_at_best_val": "test accuracy at the validation-chosen epoch",
                "final_test_acc": "final test accuracy"}


def pair_sentence(row):
    """One pair and metric in words: the paired difference, its interval and test, and the verdict."""
    lrs = f" (lr {row['lr_a']:g} and {row['lr_b']:g})" if np.isfinite(row["lr_a"]) else ""
    head = (f"{row['a']} - {row['b']}{lrs}, {METRIC_NAMES.get(row['metric'], row['metric'])}: "
            f"{100 * row['mean_diff']:+.2f} points over {row['n_pairs']:.0f} paired seeds")
    if row["n_pairs"] < 2:
        return head + ", too few pairs for an interval."
    if row["sd_diff"] == 0 and row["mean_diff"] == 0:
        return head + ": identical on every seed, no difference to establish."
    head += (f", 95% interval {100 * row['ci_low']:+.2f} to {100 * row['ci_high']:+.2f}, "
             f"paired t-test p = {row['p_value']:.3g}")
    if row["established"]:
        return head + ": established (the interval excludes 0)."
    needed = row["seeds_needed"]
    more = (f"at the observed spread about {needed:.0f} seeds would be needed to separate them"
            if np.isfinite(needed) else "the observed difference is too small to separate with any practical "
            "number of seeds")
    return head + f": not established (the interval includes 0); {more}."


def compare_sentences(table, metric="test_acc_at_best_val"):
    """Sentences for the pairs on `metric` (final test accuracy when that one has no pairs)."""
    if table is None or table.empty:
        return ["There is no pair of selected settings with shared seeds to compare."]
    usable = table[(table["metric"] == metric) & (table["n_pairs"] > 0)]
    if usable.empty:
        usable = table[(table["metric"] == "final_test_acc") & (table["n_pairs"] > 0)]
    chosen = table["chosen_by"].iloc[0]
    rule = (f"Each setting at its lr selected on {chosen}; runs paired by seed (same training subset and "
            "initial weights); test accuracy is only reported." if chosen != "none" else
            "No validation data: each setting has a single lr, so nothing was chosen; runs paired by seed.")
    return [rule, *[pair_sentence(row) for _, row in usable.iterrows()]]
