"""One row of metrics per run: status, spikiness, accuracy, edge of stability, inactive units."""

import numpy as np
import pandas as pd

from analysis.metrics.accuracy import accuracy_metrics
from analysis.load.axes import IDENTITY, REPLICATE
from analysis.metrics.eos import eos_metrics, has_sharpness
from analysis.metrics.spikiness import SPIKE_TAU, spikiness

COUNT_COLUMNS = ("n_finite", "n_up", "n_spikes")


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


def run_metrics(run, rows, config, with_eos, inactive_layers, tau):
    training = curve_before_divergence(rows, run["status"])
    found = {
        **{c: run[c] for c in config},
        "status": run["status"],
        "diverged": run["status"] == "diverged",
        "epochs_run": float(rows["epoch"].iloc[-1]) if len(rows) else np.nan,
        **spikiness(training["train_cost"].to_numpy(dtype=float), tau),
        **accuracy_metrics(rows),
        **inactive_metrics(training, inactive_layers),
    }
    return {**found, **eos_metrics(rows)} if with_eos else found


def metrics_table(runs, epochs, axes, tau=SPIKE_TAU):
    """metrics.csv: one row per run of `runs` (config columns of `axes` first), in grid order."""
    with_eos = has_sharpness(epochs)
    inactive_layers = inactive_columns(epochs)
    by_run = dict(tuple(epochs.groupby("run_id", sort=False)))
    empty = epochs.iloc[0:0]
    rows = [run_metrics(run, by_run.get(run["run_id"], empty), axes.config_columns, with_eos, inactive_layers, tau)
            for _, run in runs.iterrows()]
    table = pd.DataFrame(rows)
    counts = [c for c in COUNT_COLUMNS if c in table.columns]
    table[counts] = table[counts].astype("Int64")  # counts stay integers next to failed runs' blanks
    return in_grid_order(table, [*axes.setting_columns, REPLICATE])


def sort_key(values):
    """Numbers sort by value; anything else by first appearance (the order the experiment lists it)."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    order = {name: rank for rank, name in enumerate(dict.fromkeys(values.map(str)))}
    return values.map(str).map(order)


def in_grid_order(frame, columns):
    """Rows sorted by `columns` in turn (text columns in order of first appearance)."""
    columns = [c for c in columns if c in frame.columns and c != IDENTITY]
    if not columns:
        return frame.reset_index(drop=True)
    keys = pd.DataFrame({f"_k{i}": sort_key(frame[c]) for i, c in enumerate(columns)}, index=frame.index)
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)
