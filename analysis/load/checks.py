"""Impossible data in epochs.csv is refused with one line naming file, data row and column.

Refused: an accuracy outside [0, 1]; a negative cost; a second row for the same (run_id, epoch);
an infinite cost inside a run whose status is ok (the trainer stops a run at its first non-finite
cost and calls it diverged). Blank (NaN) values are allowed: a validation column is blank when the
run had no validation split, sharpness between measurements. Runs whose costs are all blank are
not an error; the report names them (`runs_without_cost`).
"""

import numpy as np

from analysis.errors import ResultsError

ACCURACY_COLUMNS = ("train_acc", "val_acc", "test_acc")
COST_COLUMNS = ("train_cost", "val_cost", "test_cost")


def first_bad(mask):
    """Position of the first True of a boolean array, or None."""
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(hits[0]) if len(hits) else None


def refuse(path, position, column, value, why):
    raise ResultsError(f"{path}, data row {position + 1}: {column} = {float(value)!r} {why}")


def check_ranges(epochs, path):
    """Accuracies within [0, 1] and costs not negative (NaN allowed)."""
    for column in ACCURACY_COLUMNS:
        if column in epochs.columns:
            values = epochs[column].to_numpy(dtype=float)
            bad = first_bad((values < 0) | (values > 1))
            if bad is not None:
                refuse(path, bad, column, values[bad], "is outside [0, 1]; accuracies are fractions")
    for column in COST_COLUMNS:
        if column in epochs.columns:
            values = epochs[column].to_numpy(dtype=float)
            bad = first_bad(values < 0)
            if bad is not None:
                refuse(path, bad, column, values[bad], "is negative; a cross-entropy cost is >= 0")


def check_duplicates(epochs, path):
    """At most one row per (run_id, epoch)."""
    repeated = epochs.duplicated(["run_id", "epoch"], keep="first").to_numpy()
    bad = first_bad(repeated)
    if bad is not None:
        row = epochs.iloc[bad]
        raise ResultsError(f"{path}, data row {bad + 1}: run_id {row['run_id']!r} has epoch {row['epoch']:g} "
                           "twice; remove the duplicate rows (were two tables concatenated?)")


def check_ok_costs(epochs, status_of, path):
    """No infinite cost in a run whose status is ok; status_of maps run_id -> status."""
    ok = epochs["run_id"].map(status_of).eq("ok").to_numpy()
    for column in COST_COLUMNS:
        if column in epochs.columns:
            values = epochs[column].to_numpy(dtype=float)
            bad = first_bad(ok & np.isinf(values))
            if bad is not None:
                refuse(path, bad, column, values[bad],
                       f"in run {epochs['run_id'].iloc[bad]!r} whose status is ok; a run with an infinite "
                       "cost diverged (is runs.csv from another sweep?)")


def check_epochs(epochs, path):
    """The checks that need only epochs.csv (rows in file order)."""
    check_ranges(epochs, path)
    check_duplicates(epochs, path)


def runs_without_cost(epochs):
    """run_ids whose training costs are all blank (they have rows but nothing to measure)."""
    if epochs.empty:
        return []
    has_any = epochs["train_cost"].notna().groupby(epochs["run_id"], sort=False).any()
    return list(has_any.index[~has_any])
