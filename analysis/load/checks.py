"""Impossible data in epochs.csv is refused with one line naming file, data row and column.

Refused: an accuracy outside [0, 1]; a negative cost; a second row for the same (run_id, epoch);
an infinite cost inside a run whose status is ok (the trainer stops a run at its first non-finite
cost and calls it diverged). Blank (NaN) values are allowed: a validation column is blank when the
run had no validation split, sharpness between measurements. Runs whose costs are all blank are
not an error; the report names them (`runs_without_cost`). Across the tables: a trained run of
runs.csv without its epoch rows, or with fewer than runs.csv says (a torn table), and the same
run under two run ids.
"""

import numpy as np
import pandas as pd

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


TRAINED = ("ok", "diverged")  # statuses of runs that have epoch rows


def check_runs_against_epochs(listed, epochs, folder):
    """runs.csv and epochs.csv tell the same story: every trained run listed in runs.csv has its
    epoch rows, up to the epoch runs.csv says it reached. A table cut short (a full disk, a kill
    while it was rewritten, a hand edit) is refused rather than analysed as if whole."""
    if listed is None or listed.empty or "status" not in listed.columns or "run_id" not in listed.columns:
        return
    trained = listed[listed["status"].astype(str).isin(TRAINED)]
    last = epochs.groupby(epochs["run_id"].astype(str))["epoch"].max() if len(epochs) else {}
    rebuild = "rerun the same `study sweep` command: it rebuilds the tables from the shards"
    missing = [run_id for run_id in trained["run_id"].astype(str) if run_id not in last]
    if missing:
        where = "epochs.csv is missing or empty" if not len(epochs) else "epochs.csv has no rows for"
        raise ResultsError(f"{folder}: runs.csv lists {len(trained)} trained run(s), but {where} "
                           f"{len(missing)} of them (first: {missing[0]}); {rebuild}")
    if "epochs_run" in trained.columns:
        said = pd.to_numeric(trained["epochs_run"], errors="coerce").to_numpy(dtype=float)
        found = np.array([last[run_id] for run_id in trained["run_id"].astype(str)], dtype=float)
        short = np.flatnonzero(np.isfinite(said) & (found != said))
        if len(short):
            i = short[0]
            raise ResultsError(f"{folder}: epochs.csv holds epochs 0-{found[i]:.0f} of run "
                               f"{trained['run_id'].iloc[i]}, but runs.csv says it ran to epoch {said[i]:.0f}: the "
                               f"table is cut short or edited ({len(short)} run(s)); {rebuild}")


def check_duplicate_runs(runs, config_columns, folder):
    """No two run ids with every config column equal: the same run stored twice would be pooled as two seeds."""
    columns = [c for c in config_columns if c != "run_id" and c in runs.columns]
    if not columns or len(runs) < 2:
        return
    repeated = runs[columns].astype(str).duplicated(keep=False).to_numpy()
    if repeated.any():
        ids = runs.loc[repeated, "run_id"].astype(str).tolist()
        raise ResultsError(f"{folder}: runs {', '.join(ids[:3])} have every setting equal: the same run stored under "
                           f"{len(ids)} run ids would count as separate seeds; keep one (their shards are in "
                           "shards/) and rerun the sweep")
