"""One row of metrics per run: status, spikiness, accuracy, edge of stability, inactive units.

Each run's numbers come from its slice of whole-column arrays (RunCurves): one pass over epochs.csv
rather than a table per run, which is what keeps 10,000 runs fast; the numbers are those of the
per-run functions (accuracy_metrics, eos_metrics, spikiness) on the same values.
"""

import numpy as np
import pandas as pd

from analysis.load.axes import IDENTITY, REPLICATE
from analysis.metrics.accuracy import SPLITS, accuracy_of
from analysis.metrics.eos import eos_of, has_sharpness, measured_stability
from analysis.metrics.spikiness import SPIKE_TAU, spikiness

COUNT_COLUMNS = ("n_finite", "n_up", "n_spikes")
CURVE_COLUMNS = ("epoch", "train_cost", *(f"{split}_acc" for split in SPLITS))


def inactive_columns(frame, prefix="inactive_"):
    """inactive_1, inactive_2, ... in layer order (inactive_10 after inactive_9)."""
    found = [c for c in frame.columns if c.startswith(prefix) and c[len(prefix):].isdigit()]
    return sorted(found, key=lambda c: int(c[len(prefix):]))


class RunCurves:
    """Each run's epoch rows (in table order) as slices of whole-column float arrays, by run_id."""

    def __init__(self, epochs, columns):
        codes, ids = pd.factorize(epochs[IDENTITY])  # run ids in order of first appearance; -1 for a blank
        order = np.flatnonzero(codes >= 0)
        if np.any(np.diff(codes[order]) < 0):  # some run's rows are not together: gather them, stably
            order = order[np.argsort(codes[order], kind="stable")]
        counts = np.bincount(codes[order], minlength=len(ids))
        stops = np.cumsum(counts)
        self.bounds = dict(zip(ids, zip((stops - counts).tolist(), stops.tolist())))
        self.arrays = {c: (epochs[c].to_numpy(dtype=float) if c in epochs.columns
                           else np.full(len(epochs), np.nan))[order] for c in columns}

    def of(self, run_id):
        """{column: array} of one run's rows; empty arrays for a run without rows."""
        start, stop = self.bounds.get(run_id, (0, 0))
        return {c: values[start:stop] for c, values in self.arrays.items()}


def curve_before_divergence(rows, status):
    """The epoch rows that describe training: a diverged run loses its last (blow-up) row."""
    return rows.iloc[:-1] if status == "diverged" else rows


def inactive_metrics(rows, layers):
    """Fraction of inactive units per hidden layer at the last epoch (NaN without rows)."""
    return {f"final_{c}": float(rows[c].iloc[-1]) if len(rows) else np.nan for c in layers}


def metrics_of(run, curve, config, with_eos, inactive_layers, tau):
    """One run's metrics row from its RunCurves arrays; `run` maps its config columns and status."""
    n = len(curve["epoch"])
    trained = n - 1 if run["status"] == "diverged" and n else n  # a diverged run loses its blow-up row
    found = {
        **{c: run[c] for c in config},
        "status": run["status"],
        "diverged": run["status"] == "diverged",
        "epochs_run": float(curve["epoch"][-1]) if n else np.nan,
        **spikiness(curve["train_cost"][:trained], tau),
        **accuracy_of(curve),
        **{f"final_{c}": float(curve[c][trained - 1]) if trained else np.nan for c in inactive_layers},
    }
    if not with_eos:
        return found
    measured = (measured_stability(curve["epoch"], curve["sharpness"], curve.get("stability"), curve.get("lr"))
                if n and "sharpness" in curve else ([], []))
    return {**found, **eos_of(*measured)}


def run_metrics(run, rows, config, with_eos, inactive_layers, tau):
    """metrics_of one run from its epoch rows (a table sorted by epoch)."""
    curve = {c: rows[c].to_numpy(dtype=float) if c in rows.columns else np.full(len(rows), np.nan)
             for c in curve_columns(rows, with_eos, inactive_layers)}
    return metrics_of(run, curve, config, with_eos, inactive_layers, tau)


def curve_columns(epochs, with_eos, inactive_layers):
    """The columns a run's metrics read: stability where the table has it, lr for tables from before
    per-optimizer stability (eos.measured_stability)."""
    eos = [c for c in ("sharpness", "stability") if c in epochs.columns] if with_eos else []
    lr = ["lr"] if with_eos and "optimizer" not in epochs.columns else []
    return [*CURVE_COLUMNS, *eos, *lr, *inactive_layers]


def metrics_table(runs, epochs, axes, tau=SPIKE_TAU):
    """metrics.csv: one row per run of `runs` (config columns of `axes` first), in grid order."""
    with_eos = has_sharpness(epochs)
    inactive_layers = inactive_columns(epochs)
    curves = RunCurves(epochs, curve_columns(epochs, with_eos, inactive_layers))
    needed = list(dict.fromkeys([*axes.config_columns, IDENTITY, "status"]))
    rows = [metrics_of(run, curves.of(run[IDENTITY]), axes.config_columns, with_eos, inactive_layers, tau)
            for run in runs[needed].to_dict("records")]
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
