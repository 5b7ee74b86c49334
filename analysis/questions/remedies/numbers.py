"""Each remedy's runs paired by seed with the constant-rate run at the same settings: the changes it makes.

A remedy is one combination of the remedy settings the trainer names in its contract (schedule,
warm-up, clipping, weight decay); the reference is every one of them at its off value. A remedy
run's partner has the same activation, lr, seed and every other setting, and the remedies off.
"""

import pandas as pd

from analysis.aggregate.compare import paired_difference
from analysis.load.axes import IDENTITY, LR, REPLICATE, rows_matching
from analysis.load.remedy import REFERENCE, REMEDY

# metric column of metrics.csv -> what its paired change says
CHANGES = {
    "n_spikes": "spikes per run",
    "spiky": "share of spiky runs",
    "diverged": "share of diverged runs",
    "best_val_acc": "validation accuracy at the validation-chosen epoch",
    "final_val_acc": "validation accuracy at the last epoch",
    "late_cost": "what the last epoch loses against the chosen one (validation)",
}


def applies(a):
    return REMEDY in a.axes.setting_columns


def labelled(a):
    """metrics with `late_cost` (best minus last validation accuracy) and `diverged` as a number."""
    metrics = a.metrics.assign(late_cost=a.metrics["best_val_acc"] - a.metrics["final_val_acc"],
                               diverged=a.metrics["status"].eq("diverged").astype(float))
    metrics["spiky"] = pd.to_numeric(metrics["spiky"], errors="coerce")
    return metrics


def partners(a, metrics):
    """{remedy run id: the run id of its constant-rate partner (same activation, lr, seed and every other
    setting, every remedy off), or None}."""
    remedy_settings = set(a.contract.remedy_settings) | {REMEDY}
    columns = [c for c in a.axes.config_columns if c not in remedy_settings and c != IDENTITY and c in metrics]
    reference = metrics[metrics[REMEDY] == REFERENCE]
    found = {}
    for _, run in metrics[metrics[REMEDY] != REFERENCE].iterrows():
        match = rows_matching(reference, run, columns)
        found[run[IDENTITY]] = match[IDENTITY].iloc[0] if len(match) else None
    return found


def level_of(metrics):
    """{(activation, lr): 'its lower rate' or '2x its lower rate'}: remedies.toml tries each activation at
    the rate main chose and at twice it, so the levels are named relative to each activation's lowest
    ('its rate' when every activation has one)."""
    smallest = metrics.groupby("activation")[LR].min()
    lowest = "its rate" if metrics.groupby("activation")[LR].nunique().max() == 1 else "its lower rate"
    return {(act, lr): lowest if lr == smallest[act] else f"{lr / smallest[act]:g}x its lower rate"
            for act, lr in metrics[["activation", LR]].drop_duplicates().itertuples(index=False)}


def paired(metrics, pairs, ids, metric):
    """paired_difference of remedy - partner over the runs `ids` (seed-aligned by construction)."""
    usable = [(i, pairs[i]) for i in ids if pairs.get(i)]
    values = metrics.set_index(IDENTITY)[metric].astype(float)
    remedy = pd.Series([values[i] for i, _ in usable], dtype=float)
    reference = pd.Series([values[p] for _, p in usable], dtype=float)
    return paired_difference(remedy, reference)


def change_table(a):
    """remedies.csv: one row per (remedy, level, activation or 'all'), per change: the paired mean and 95% interval."""
    metrics = labelled(a)
    pairs, levels = partners(a, metrics), level_of(metrics)
    metrics["level"] = [levels[(r["activation"], r[LR])] for _, r in metrics.iterrows()]
    rows = []
    treated = metrics[metrics[REMEDY] != REFERENCE]
    for (remedy, level), group in treated.groupby([REMEDY, "level"], sort=False):
        for activation, runs in [("all", group), *group.groupby("activation", sort=False)]:
            row = {"remedy": remedy, "level": level, "activation": activation,
                   "n_pairs": sum(1 for i in runs[IDENTITY] if pairs.get(i))}
            for metric in CHANGES:
                found = paired(metrics, pairs, runs[IDENTITY], metric)
                row.update({f"{metric}_change": found["mean_diff"], f"{metric}_low": found["ci_low"],
                            f"{metric}_high": found["ci_high"]})
            rows.append(row)
    return pd.DataFrame(rows), metrics


def chosen_remedies(metrics):
    """Per (activation, lr): the remedy (or none) with the highest mean validation accuracy at the chosen
    epoch; test accuracy reported there. Chosen on validation."""
    means = metrics.groupby(["activation", LR, REMEDY], sort=False).agg(
        best_val_acc=("best_val_acc", "mean"), test_acc_at_best_val=("test_acc_at_best_val", "mean"),
        n=(REPLICATE, "count")).reset_index()
    best = means.sort_values("best_val_acc", ascending=False, kind="stable").groupby(["activation", LR], sort=False)
    return best.head(1).reset_index(drop=True)
