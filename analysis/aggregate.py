"""Per (activation, lr) across seeds: mean, standard deviation, n, 95% interval; best lr; divergence."""

import numpy as np
import pandas as pd

SETTING = ["activation", "lr"]
# Summarized per setting (mean/std/n/interval over the runs that have a value).
SUMMARIZED = ("final_test_acc", "best_test_acc", "best_epoch", "epochs_to_90", "epochs_to_95", "final_gap",
              "spiky", "n_spikes", "max_excursion", "roughness", "frac_up", "up_ratio",
              "reached_eos", "stability_after_eos")
# Two-sided 95% Student t quantiles t_{0.975, df} (no scipy); beyond df 120 the normal 1.96 is within 1%.
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
         10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}
RANK_BY = "final_test_acc_mean"  # the best learning rate of an activation maximizes this


def t_quantile(df):
    """t_{0.975, df} from the table, taking the next smaller tabulated df so the interval is not too narrow."""
    if df < 1:
        return np.nan
    tabulated = [d for d in T_975 if d <= df]
    return T_975[max(tabulated)] if df <= max(T_975) else 1.96


def describe(values):
    """mean, std (n - 1), n, and the 95% t interval of the finite values."""
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
            stats = describe(pd.to_numeric(group[column], errors="coerce"))
            row.update({f"{column}_{key}": value for key, value in stats.items()})
    return row


def summary_table(metrics):
    """summary.csv: one row per (activation, lr), in grid order, with `is_best_lr` per activation."""
    rows = [{"activation": act, "lr": lr, **summarize_setting(group)}
            for (act, lr), group in metrics.groupby(SETTING, sort=False)]
    summary = pd.DataFrame(rows)
    summary["is_best_lr"] = False
    best = best_lr_rows(summary)
    summary.loc[best.index, "is_best_lr"] = True
    return summary


def best_lr_rows(summary):
    """The row of each activation with the highest mean final test accuracy (smaller lr on ties)."""
    ranked = summary.dropna(subset=[RANK_BY]).sort_values(["activation", RANK_BY, "lr"],
                                                          ascending=[True, False, True], kind="stable")
    return ranked.groupby("activation", sort=False).head(1)
