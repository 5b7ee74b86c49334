"""The safety checks' documented rules at their boundaries: what is refused and what is allowed, with
the damage in the middle of a table or a file, where a check that looks only at its ends misses it.

analysis/load/checks.py (README "Bad input"), study/store/shards.py (experiments/README.md "a damaged
shard"), study/data/idx.py.
"""

import json

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ResultsError
from analysis.load.checks import (
    check_duplicate_runs,
    check_epochs,
    check_ok_costs,
    check_runs_against_epochs,
    runs_without_cost,
)
from study.config import make_config
from study.store.shards import ShardError, read_shard, scan_shards, shard_dir, shard_path, write_shard
from study.training.rows import run_row
from study.training.run import EPOCH_COLUMNS
from study.training.train import RunResult

PATH = "results/x/epochs.csv"


def epochs_table(n_runs=3, n_epochs=4):
    """Clean epoch rows of n_runs runs, run by run: accuracies and costs well inside their ranges."""
    rows = [{"run_id": f"run{r}", "epoch": e, "train_acc": 0.5, "val_acc": 0.5, "test_acc": 0.5,
             "train_cost": 1.0, "val_cost": 1.0, "test_cost": 1.0} for r in range(n_runs) for e in range(n_epochs)]
    return pd.DataFrame(rows)


def with_value(column, position, value, table=None):
    table = epochs_table() if table is None else table
    table.loc[position, column] = value
    return table


# ---- ranges: accuracies in [0, 1] inclusive, costs >= 0 ------------------------------------------

@pytest.mark.parametrize("column, value", [("train_acc", 0.0), ("val_acc", 1.0), ("test_acc", 1.0),
                                           ("train_cost", 0.0), ("test_cost", 1e300), ("val_acc", np.nan)])
def test_values_on_the_edge_of_their_range_are_allowed(column, value):
    check_epochs(with_value(column, 5, value), PATH)


@pytest.mark.parametrize("column, value, words", [
    ("test_acc", float(np.nextafter(1.0, 2.0)), "test_acc = 1.0000000000000002 is outside [0, 1]"),
    ("val_acc", -5e-324, "val_acc = -5e-324 is outside [0, 1]"),
    ("train_acc", 100.0, "train_acc = 100.0 is outside [0, 1]"),
    ("val_cost", -5e-324, "val_cost = -5e-324 is negative"),
])
def test_a_value_just_outside_its_range_is_refused_at_its_row(column, value, words):
    # the bad value sits in row 6 of 12 (data row 6), and a second one later: the first is named
    table = with_value(column, 9, value, with_value(column, 5, value))
    with pytest.raises(ResultsError) as info:
        check_epochs(table, PATH)
    assert str(info.value).startswith(f"{PATH}, data row 6: {words}")


def test_a_repeated_epoch_in_the_middle_of_a_run_is_refused_at_its_second_row():
    table = epochs_table()
    table.loc[6, ["epoch", "train_cost"]] = [1, 0.7]  # run1's epochs 0, 1, 2, 3 become 0, 1, 1, 3
    with pytest.raises(ResultsError) as info:
        check_epochs(table, PATH)
    assert str(info.value).startswith(f"{PATH}, data row 7: run_id 'run1' has epoch 1 twice")
    check_epochs(epochs_table(), PATH)  # the same epoch in different runs is not a repeat


def test_an_infinite_cost_is_refused_only_in_a_run_whose_status_is_ok():
    table = with_value("test_cost", 6, np.inf)  # run1, epoch 2
    with pytest.raises(ResultsError) as info:
        check_ok_costs(table, {"run0": "ok", "run1": "ok", "run2": "ok"}.get, PATH)
    assert str(info.value) == (f"{PATH}, data row 7: test_cost = inf in run 'run1' whose status is ok; a run with an "
                               "infinite cost diverged (is runs.csv from another sweep?)")
    check_ok_costs(table, {"run0": "ok", "run1": "diverged", "run2": "ok"}.get, PATH)
    check_ok_costs(with_value("test_cost", 6, np.nan), {"run0": "ok", "run1": "ok", "run2": "ok"}.get, PATH)


def test_a_run_whose_costs_are_all_blank_is_named_wherever_it_sits():
    table = epochs_table()
    table.loc[4:7, "train_cost"] = np.nan  # every row of run1, the middle run
    table.loc[8, "train_cost"] = np.nan  # one blank in run2 does not make it costless
    assert runs_without_cost(table) == ["run1"]


# ---- across the tables: a torn epochs.csv, the same run under two ids --------------------------

def runs_listed(statuses=("ok", "diverged", "ok"), epochs_run=(3, 3, 3)):
    return pd.DataFrame({"run_id": [f"run{r}" for r in range(len(statuses))], "status": list(statuses),
                         "epochs_run": list(epochs_run)})


def test_a_run_cut_short_in_the_middle_of_epochs_csv_is_refused():
    torn = epochs_table().drop(index=[7])  # run1 loses its last epoch; run0 and run2 are whole
    with pytest.raises(ResultsError, match=r"holds epochs 0-2 of run run1, but runs.csv says it ran to epoch 3: "
                                           r".*; rerun the same `study sweep` command: it rebuilds the tables"):
        check_runs_against_epochs(runs_listed(), torn, "results/x")
    with pytest.raises(ResultsError, match=r"runs.csv lists 3 trained run\(s\), but epochs.csv is missing or empty"):
        check_runs_against_epochs(runs_listed(), epochs_table().iloc[0:0], "results/x")
    gone = epochs_table().drop(index=[4, 5, 6, 7])
    with pytest.raises(ResultsError, match=r"has no rows for 1 of them \(first: run1\)"):
        check_runs_against_epochs(runs_listed(), gone, "results/x")


def test_runs_csv_without_a_status_column_is_not_compared():
    check_runs_against_epochs(runs_listed().drop(columns="status"), epochs_table().drop(index=[7]), "results/x")


def test_a_failed_run_needs_no_rows_and_a_blank_epochs_run_is_not_checked():
    without_run1 = epochs_table().drop(index=[4, 5, 6, 7])
    check_runs_against_epochs(runs_listed(statuses=("ok", "failed", "ok")), without_run1, "results/x")
    check_runs_against_epochs(runs_listed(epochs_run=(3, np.nan, 3)), epochs_table().drop(index=[7]), "results/x")


def test_two_run_ids_with_every_setting_equal_are_refused_and_a_seed_apart_are_not():
    runs = pd.DataFrame({"run_id": ["a", "b", "c"], "activation": ["relu"] * 3, "lr": [0.1, 0.5, 0.1],
                         "seed": [0, 0, 1]})
    check_duplicate_runs(runs, ["run_id", "activation", "lr", "seed"], "results/x")
    runs.loc[2, "seed"] = 0  # c is now a at another id
    with pytest.raises(ResultsError, match="runs a, c have every setting equal"):
        check_duplicate_runs(runs, ["run_id", "activation", "lr", "seed"], "results/x")
    with pytest.raises(ResultsError, match="runs a, c have every setting equal"):  # two runs are enough
        check_duplicate_runs(runs.iloc[[0, 2]], ["run_id", "activation", "lr", "seed"], "results/x")
    check_duplicate_runs(runs, ["run_id"], "results/x")  # no config column but the id: nothing to compare


# ---- shards: damage in the middle of the epoch rows ---------------------------------------------

def written_shard(folder, epochs=4):
    cfg = make_config({"epochs": epochs, "hidden": [8]})
    rows = [{**dict.fromkeys(EPOCH_COLUMNS, 0.5), "epoch": e, "updates": e} for e in range(epochs + 1)]
    run = {**run_row(cfg, RunResult(rows, "ok", None, 0.1)), "blas_threads": 1}
    write_shard(folder, run, rows)
    return shard_path(folder, run["run_id"])


@pytest.mark.parametrize("damage", [
    lambda rows: rows[2].__setitem__("epoch", 2.0),  # a float epoch in the middle
    lambda rows: rows[2].pop("epoch"),
    lambda rows: rows.__setitem__(2, [2, 0.5]),
])
def test_a_shard_with_one_bad_epoch_row_in_the_middle_is_refused(tmp_path, damage):
    path = written_shard(tmp_path)
    shard = json.loads(path.read_text())
    damage(shard["epochs"])
    path.write_text(json.dumps(shard))
    with pytest.raises(ShardError, match="epoch rows of the wrong shape"):
        read_shard(path)


def test_a_shard_whose_config_was_edited_in_the_middle_of_its_row_is_refused(tmp_path):
    path = written_shard(tmp_path)
    shard = json.loads(path.read_text())
    assert list(shard["run"]).index("seed") not in (0, len(shard["run"]) - 1)  # premise: a middle column
    shard["run"]["seed"] = 1
    path.write_text(json.dumps(shard))
    with pytest.raises(ShardError, match="config whose run id is not its file name"):
        read_shard(path)


def test_only_visible_json_files_in_shards_are_shards(tmp_path):
    path = written_shard(tmp_path)
    folder = shard_dir(tmp_path)
    (folder / "notes.txt").write_text("not a shard")
    (folder / ".hidden.json").write_text("{}")
    (folder / "made-by-hand.json").mkdir()  # a folder, not a file
    (folder / ".abc.json.tmp").write_text("")  # a write cut short
    shards, leftovers = scan_shards(tmp_path)
    assert list(shards) == [path.stem] and [p.name for p in leftovers] == [".abc.json.tmp"]

