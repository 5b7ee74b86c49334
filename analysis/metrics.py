"""One row of metrics per run: status, spikiness, accuracy, edge of stability, inactive units."""

import numpy as np
import pandas as pd

from analysis.accuracy import accuracy_metrics
from analysis.eos import eos_metrics, has_sharpness
from analysis.spikiness import SPIKE_TAU, spikiness

COUNT_COLUMNS = ("n_finite", "n_up", "n_spikes")
CONFIG_COLUMNS = ("run_id", "activation", "lr", "seed", "dataset", "hidden", "n_train", "epochs", "dtype",
                  "init", "leaky_slope", "sharpness_every")


def inactive_columns(frame, prefix="inactive_"):
    """inactive_1, inactive_2, ... in layer order (inactive_10 after inactive_9)."""
    found = [c for c in frame.columns if c.startswith(prefix) and c[len(prefix):].isdigit()]
    return sorted(found, key=lambda c: int(c[len(prefix):]))


def curve_before_divergence(rows, status):
    """The epoch rows that describe training: a diverged run loses its last (blow-up) row."""
    return rows.iloc[:-1] if status == "diverged" else rows


def inactive_metrics(rows, layers):
    """Fraction of inactive units per hidden layer at the last epoch (NaN without rows)."""
    return {f"final_{c}": float(rows[c].iloc[-1]) if len(rows) else np.nan for c in layers}


def run_metrics(run, rows, with_eos, inactive_layers, tau):
    training = curve_before_divergence(rows, run["status"])
    found = {
        **{c: run[c] for c in CONFIG_COLUMNS if c in run.index},
        "status": run["status"],
        "diverged": run["status"] == "diverged",
        "epochs_run": float(rows["epoch"].iloc[-1]) if len(rows) else np.nan,
        **spikiness(training["train_cost"].to_numpy(dtype=float), tau),
        **accuracy_metrics(rows),
        **inactive_metrics(training, inactive_layers),
    }
    return {**found, **eos_metrics(rows)} if with_eos else found


def metrics_table(runs, epochs, tau=SPIKE_TAU):
    """metrics.csv: one row per run of `runs`, in grid order."""
    with_eos = has_sharpness(epochs)
    inactive_layers = inactive_columns(epochs)
    by_run = dict(tuple(epochs.groupby("run_id", sort=False)))
    empty = epochs.iloc[0:0]
    rows = [run_metrics(run, by_run.get(run["run_id"], empty), with_eos, inactive_layers, tau)
            for _, run in runs.iterrows()]
    table = pd.DataFrame(rows)
    counts = [c for c in COUNT_COLUMNS if c in table.columns]
    table[counts] = table[counts].astype("Int64")  # counts stay integers next to failed runs' blanks
    return in_grid_order(table)


def in_grid_order(frame):
    """Rows by activation (in order of first appearance, as the experiment lists them), lr, seed."""
    order = {name: rank for rank, name in enumerate(dict.fromkeys(frame["activation"]))}
    keys = frame["activation"].map(order)
    sort_by = [c for c in ("lr", "seed") if c in frame.columns]
    return (frame.assign(_rank=keys).sort_values(["_rank", *sort_by], kind="stable")
            .drop(columns="_rank").reset_index(drop=True))
