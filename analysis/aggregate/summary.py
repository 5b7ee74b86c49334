"""Per setting across seeds: mean, standard deviation, n, 95% t interval; divergence; the selected lr.

A setting is one combination of the varying config columns (analysis/load/axes.py) other than seed:
runs that differ in any setting are never pooled.
"""

import functools

import numpy as np
import pandas as pd
from scipy import stats

from analysis.aggregate.selection import mark_selected
from analysis.metrics.accuracy import BUDGET_COLUMNS

# Summarized per setting (mean/std/n/interval over the runs that have a value).
SUMMARIZED = ("best_val_acc", "best_val_epoch", "test_acc_at_best_val", "train_acc_at_best_val",
              "final_train_acc", "final_val_acc", "final_test_acc", *BUDGET_COLUMNS,
              "epochs_to_90", "epochs_to_95", "final_gap",
              "spiky", "n_spikes", "max_excursion", "roughness", "frac_up", "up_ratio",
              "reached_eos", "stability_after_eos")
CONFIDENCE = 0.95


@functools.cache  # scipy takes 0.2 ms a call; a summary asks for a few df thousands of times
def t_quantile(df, confidence=CONFIDENCE):
    """Two-sided Student t quantile t_{(1 + confidence) / 2, df} (NaN for df < 1)."""
    return float(stats.t.ppf((1 + confidence) / 2, df)) if df >= 1 else np.nan


def describe(values):
    """mean, std (n - 1), n, and the 95% t interval of the non-NaN values (never clipped)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    with np.errstate(invalid="ignore"):
        mean = float(values.mean()) if n else np.nan
        std = float(values.std(ddof=1)) if n > 1 else np.nan
    half = t_quantile(n - 1) * std / np.sqrt(n) if n > 1 else np.nan
    return {"mean": mean, "std": std, "n": n, "ci_low": mean - half, "ci_high": mean + half}


def summarize_setting(group):
    status = group["status"]
    trained = int(status.isin(["ok", "diverged"]).sum())
    row = {"n_runs": len(group), "n_failed": int((status == "failed").sum()),
           "n_diverged": int((status == "diverged").sum())}
    row["divergence_rate"] = row["n_diverged"] / trained if trained else np.nan
    for column in SUMMARIZED:
        if column in group.columns:
            stats_ = describe(pd.to_numeric(group[column], errors="coerce"))
            row.update({f"{column}_{key}": value for key, value in stats_.items()})
    return row


def setting_groups(metrics, setting_columns):
    """(first row, runs) per setting, in the order the settings first appear."""
    if not setting_columns:
        return [(metrics.iloc[0], metrics)] if len(metrics) else []
    grouped = metrics.groupby(list(setting_columns), sort=False, dropna=False)
    return [(group.iloc[0], group) for _, group in grouped]


def summary_table(metrics, axes):
    """summary.csv: one row per setting, config columns first, then counts, stats and `is_selected`."""
    described = [c for c in axes.described_columns if c in metrics.columns]
    rows = [{**{c: first[c] for c in described}, **summarize_setting(group)}
            for first, group in setting_groups(metrics, axes.setting_columns)]
    return mark_selected(pd.DataFrame(rows), axes)
