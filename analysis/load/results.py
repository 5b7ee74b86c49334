"""Read a results folder into two DataFrames: one row per run, one row per run and epoch."""

import gzip
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import ResultsError
from analysis.load.checks import check_epochs, check_ok_costs, check_runs_against_epochs
from analysis.load.contract import contract_of
from results_io import read_manifest, table_path

REQUIRED_EPOCH_COLUMNS = ("run_id", "activation", "lr", "seed", "epoch", "train_cost", "train_acc", "test_acc")
NUMERIC_EPOCH_COLUMNS = ("lr", "seed", "epoch")  # must parse; costs and accuracies may be inf/nan
RUN_KEYS = ("run_id", "activation", "lr", "seed")


def load_results(folder, contract=None):
    """(runs, epochs) of a results folder; runs has one row per run with a `status` column.

    contract: the trainer's facts (analysis/load/contract.py); by default the folder's manifest's.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"no results folder at {folder}; run `make sweep` first or pass an existing folder")
    contract = contract or contract_of(read_manifest(folder))
    epochs = read_epochs(folder, contract)  # in file order, so that errors can name the data row
    listed = read_csv(table_path(folder, "runs"))
    check_runs_against_epochs(listed, epochs, folder)
    runs = merge_runs(listed, runs_from_epochs(unlisted(epochs, listed), contract), folder)
    if runs.empty:
        raise ResultsError(f"{folder} holds no runs (epochs.csv and runs.csv are missing or empty)")
    check_ok_costs(epochs, dict(zip(runs["run_id"], runs["status"])), table_path(folder, "epochs"))
    return runs, epochs.sort_values(["run_id", "epoch"], kind="stable").reset_index(drop=True)


def read_csv(path):
    """A CSV as a DataFrame; None when the file is missing, empty when it has no rows."""
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ResultsError(f"cannot read {path}: {first_line}") from None


def read_epochs(folder, contract):
    """epochs.csv checked and typed, in file order (empty with the required columns if absent)."""
    path = table_path(folder, "epochs")
    epochs = read_csv(path)
    if epochs is None or epochs.empty:
        return pd.DataFrame({column: pd.Series(dtype=float) for column in REQUIRED_EPOCH_COLUMNS})
    missing = [column for column in REQUIRED_EPOCH_COLUMNS if column not in epochs.columns]
    if missing:
        raise ResultsError(f"{path} lacks the column(s) {', '.join(missing)}; is it a sweep's epochs.csv?")
    for column in NUMERIC_EPOCH_COLUMNS:
        epochs[column] = to_numbers(epochs[column], path, column, allow_missing=False)
    for column in numeric_measure_columns(epochs, contract):
        epochs[column] = to_numbers(epochs[column], path, column, allow_missing=True)
    epochs["activation"] = epochs["activation"].astype(str)
    epochs["run_id"] = epochs["run_id"].astype(str)
    epochs["seed"] = whole_if_integral(epochs["seed"])
    check_epochs(epochs, path)
    return epochs


def numeric_measure_columns(epochs, contract):
    """Measurement columns present (epoch excluded: it is a key and must parse)."""
    return [c for c in epochs.columns if c != "epoch" and contract.is_measurement(c)]


def to_numbers(values, path, column, allow_missing):
    """A column as floats; text that is not a number (or a missing key value) is a ResultsError."""
    if pd.api.types.is_numeric_dtype(values):  # read as numbers already: only a missing key can be wrong
        numbers = values.astype(float)
        if allow_missing:
            return numbers
        bad = numbers.isna()
    else:
        numbers = pd.to_numeric(values, errors="coerce").astype(float)
        bad = numbers.isna() & values.notna() if allow_missing else numbers.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ResultsError(f"{path}, data row {row + 1}: {column} = {values.iloc[row]!r} is not a number")
    return numbers


def whole_if_integral(numbers):
    """Seeds as integers when they all are (so they print as 0, not 0.0)."""
    return numbers.astype("int64") if (numbers == numbers.round()).all() else numbers


def unlisted(epochs, listed):
    """The epoch rows that runs_from_epochs needs for merge_runs: those of runs runs.csv does not list
    (all rows without a runs.csv), plus the first run's, so that its table keeps its columns' types
    when runs.csv lists every run (merge_runs drops listed runs again). A finished sweep's
    epochs.csv then needs no grouping at all."""
    if epochs.empty or listed is None or listed.empty or "run_id" not in listed.columns:
        return epochs
    ids = epochs["run_id"]
    keep = ~ids.isin(listed["run_id"].astype(str)) | (ids == ids.iloc[0])
    return epochs if keep.all() else epochs[keep]


def runs_from_epochs(epochs, contract):
    """One row per run found in epochs.csv: its config (first row) and a status read off its curve."""
    if epochs.empty:
        return pd.DataFrame(columns=[*RUN_KEYS, "status"])
    config_columns = [c for c in epochs.columns if not contract.is_measurement(c)]
    ordered = epochs[[*config_columns, "epoch", "train_cost"]].sort_values("epoch", kind="stable")
    groups = ordered.groupby("run_id", sort=False)
    runs = groups[config_columns].first().reset_index(drop=True)
    group = groups.ngroup().to_numpy()  # numbered in order of first appearance, as the rows of runs
    costs = ordered["train_cost"].to_numpy(dtype=float)
    first = costs[np.unique(group, return_index=True)[1]]
    last = costs[len(group) - 1 - np.unique(group[::-1], return_index=True)[1]]
    runs["status"] = curve_statuses(first, last, contract.divergence_factor)
    return runs


def curve_status(costs, factor):
    """diverged when the last cost is non-finite or above factor x the first (the trainer's rule), else ok."""
    return curve_statuses(np.array([costs.iloc[0]]), np.array([costs.iloc[-1]]), factor)[0]


def curve_statuses(first, last, factor):
    """curve_status of many runs at once, from arrays of their first and last costs (an object array of text)."""
    blew_up = ~np.isfinite(last) | (np.isfinite(first) & (last > factor * first))
    return np.where(blew_up, "diverged", "ok").astype(object)


def merge_runs(listed, derived, folder):
    """runs.csv rows, plus runs that only epochs.csv knows about (a sweep still in progress).

    The `listed` column says which runs runs.csv has.
    """
    if listed is None or listed.empty:
        return derived.assign(listed=False).reset_index(drop=True)
    path = folder / "runs.csv"
    missing = [column for column in (*RUN_KEYS, "status") if column not in listed.columns]
    if missing:
        raise ResultsError(f"{path} lacks the column(s) {', '.join(missing)}; is it a sweep's runs.csv?")
    listed = listed.copy()
    listed["run_id"] = listed["run_id"].astype(str)
    listed["activation"] = listed["activation"].astype(str)
    listed["status"] = listed["status"].astype(str)
    for column in ("lr", "seed"):
        listed[column] = to_numbers(listed[column], path, column, allow_missing=False)
    listed["seed"] = whole_if_integral(listed["seed"])
    extra = derived[~derived["run_id"].isin(listed["run_id"])]
    return pd.concat([listed.assign(listed=True), extra.assign(listed=False)], ignore_index=True)


def experiment_name(folder, manifest):
    return (manifest.get("experiment") or {}).get("name") or Path(folder).resolve().name
