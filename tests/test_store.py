"""Shards, the index and the tables, with hand-made runs (no training): checks, order, resilience."""

import dataclasses
import errno
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from results_io import WriteError
from study.config import make_config
from study.store.folder import ResultsFolder
from study.store.index import INDEX_FILE
from study.store.shards import ShardError, read_shard, shard_path, write_shard
from study.training.rows import run_row
from study.training.run import EPOCH_COLUMNS
from study.training.train import RunResult


def config(**settings):
    return make_config({"epochs": 3, "hidden": [8], **settings})


def fake_run(cfg, status="ok", stop=None, seed=0):
    """(run row, epoch rows) of a run that ends at epoch `stop` (default: all its epochs)."""
    rng = np.random.default_rng(seed)
    stop = cfg.epochs if stop is None else stop
    rows = [{**{key: float(rng.random()) for key in EPOCH_COLUMNS}, "epoch": e, "updates": e, "sharpness": None,
             **{f"inactive_{k}": 0.0 for k in range(1, len(cfg.hidden) + 1)}} for e in range(stop + 1)]
    row = run_row(cfg, RunResult(rows, status, stop if status == "diverged" else None, 0.1))
    return {**row, "worker_max_rss_mb": 50.0, "blas_threads": 1}, rows


def open_folder(folder, grid, todo=(), lines=None):
    store = ResultsFolder(folder, report=(lines.append if lines is not None else print)).open()
    store.plan([cfg.run_id for cfg in grid], {cfg.run_id: cfg for cfg in todo})
    return store


def tables(folder):
    return pd.read_csv(Path(folder) / "runs.csv"), pd.read_csv(Path(folder) / "epochs.csv")


def sweep_by_hand(folder, grid, finish_order=None):
    """What a sweep does with the store: open, settle, add each run as it finishes, settle."""
    store = open_folder(folder, grid, todo=grid)
    store.settle(leave_out={cfg.run_id for cfg in grid})
    for cfg in finish_order or grid:
        store.add(*fake_run(cfg, seed=int(cfg.lr * 1000)))
    store.settle()
    store.close()


GRID = [config(lr=lr) for lr in (0.1, 0.2, 0.3, 0.4)]


# ---- shards: shape, identity ------------------------------------------------------------------

def test_a_written_shard_reads_back_with_nan_and_inf(tmp_path):
    run, rows = fake_run(GRID[0])
    rows[1]["train_cost"], rows[2]["train_cost"] = float("nan"), float("inf")
    write_shard(tmp_path, run, rows)
    shard = read_shard(shard_path(tmp_path, run["run_id"]))
    assert np.isnan(shard["epochs"][1]["train_cost"]) and shard["epochs"][2]["train_cost"] == float("inf")
    assert shard["run"] == json.loads(json.dumps(run))


@pytest.mark.parametrize("damage, reason", [
    (lambda s: "[1, 2]", "wrong shape"),
    (lambda s: json.dumps({"run": 1, "epochs": []}), "wrong shape"),
    (lambda s: json.dumps({"run": s["run"]}), "wrong shape"),
    (lambda s: json.dumps({**s, "epochs": []}), "marked ok but holds no epoch rows"),
    (lambda s: json.dumps({**s, "epochs": s["epochs"][:-1]}), "ends at epoch 2, but its row says 3"),
    (lambda s: json.dumps({**s, "epochs": [1, 2]}), "epoch rows of the wrong shape"),
    (lambda s: json.dumps({**s, "run": {**s["run"], "status": "great"}}), "unknown status 'great'"),
    (lambda s: json.dumps({**s, "run": {**s["run"], "lr": 0.7}}), "config whose run id is not its file name"),
    (lambda s: json.dumps(s)[:-40], "not valid JSON"),
    (lambda s: "", "not valid JSON"),
])
def test_a_damaged_shard_is_refused_with_its_reason(tmp_path, damage, reason):
    run, rows = fake_run(GRID[0])
    path = shard_path(tmp_path, run["run_id"])
    path.parent.mkdir()
    path.write_text(damage({"run": run, "epochs": rows}))
    with pytest.raises(ShardError, match=reason):
        read_shard(path)


def test_a_copied_shard_is_refused(tmp_path):
    run, rows = fake_run(GRID[0])
    write_shard(tmp_path, run, rows)
    other = shard_path(tmp_path, GRID[1].run_id)
    other.write_bytes(shard_path(tmp_path, run["run_id"]).read_bytes())
    with pytest.raises(ShardError, match="holds run .* not the run its file name says"):
        read_shard(other)


def test_failed_runs_need_no_epoch_rows(tmp_path):
    from study.training.rows import failed_run_row

    run = {**failed_run_row(GRID[0], "ValueError: boom"), "blas_threads": 1}
    write_shard(tmp_path, run, [])
    assert read_shard(shard_path(tmp_path, run["run_id"]))["run"]["status"] == "failed"


# ---- the tables: complete, ordered, identical however they were reached ----------------------

def test_tables_hold_the_grid_in_order_whatever_the_finishing_order(tmp_path):
    sweep_by_hand(tmp_path / "a", GRID)
    sweep_by_hand(tmp_path / "b", GRID, finish_order=GRID[::-1])
    for name in ("runs.csv", "epochs.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    runs, epochs = tables(tmp_path / "a")
    assert list(runs.lr) == [0.1, 0.2, 0.3, 0.4]
    assert list(epochs.groupby("run_id", sort=False).size()) == [4, 4, 4, 4]


def test_table_values_are_the_shard_values(tmp_path):
    sweep_by_hand(tmp_path, GRID[:1])
    runs, epochs = tables(tmp_path)
    run, rows = fake_run(GRID[0], seed=100)
    assert list(epochs.train_cost) == [row["train_cost"] for row in rows]  # repr round trip: exact
    assert runs.final_test_acc[0] == run["final_test_acc"] and runs.blas_threads[0] == 1
    assert epochs.sharpness.isna().all() and runs.diverged_at.isna().all()


def test_rebuilding_from_the_shards_alone_gives_the_same_bytes(tmp_path):
    sweep_by_hand(tmp_path, GRID, finish_order=[GRID[2], GRID[0], GRID[3], GRID[1]])
    before = {name: (tmp_path / name).read_bytes() for name in ("runs.csv", "epochs.csv")}
    for name in (INDEX_FILE, "runs.csv", "epochs.csv"):
        (tmp_path / name).unlink()
    store = open_folder(tmp_path, GRID)
    store.settle()
    store.close()
    assert {name: (tmp_path / name).read_bytes() for name in before} == before


def test_another_grid_keeps_the_earlier_runs_after_its_own(tmp_path):
    sweep_by_hand(tmp_path, GRID[:2])
    new_grid = [config(lr=lr, epochs=2) for lr in (0.5, 0.6)]
    sweep_by_hand(tmp_path, new_grid)
    runs, _ = tables(tmp_path)
    assert list(runs.run_id[:2]) == [cfg.run_id for cfg in new_grid]  # the current grid first
    assert list(runs.run_id[2:]) == sorted(cfg.run_id for cfg in GRID[:2])  # then the others, by id


def test_a_deeper_network_adds_its_columns_without_shifting_rows(tmp_path):
    deep = config(lr=0.9, hidden=[8, 4])
    grid = [GRID[0], deep, GRID[1]]
    sweep_by_hand(tmp_path / "a", grid, finish_order=[GRID[0], GRID[1], deep])
    store = open_folder(tmp_path / "b", grid)  # now without the expected columns: the header grows mid-way
    for cfg in [GRID[0], GRID[1], deep]:
        store.add(*fake_run(cfg, seed=int(cfg.lr * 1000)))
    store.settle()
    store.close()
    for name in ("runs.csv", "epochs.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    _, epochs = tables(tmp_path / "a")
    assert epochs[epochs.run_id == deep.run_id].inactive_2.notna().all()
    assert epochs[epochs.run_id == GRID[0].run_id].inactive_2.isna().all()


# ---- damage, leftovers and old folders --------------------------------------------------------

def test_damaged_and_copied_shards_get_one_warning_each_and_leave_the_tables(tmp_path):
    sweep_by_hand(tmp_path, GRID)
    shard_path(tmp_path, GRID[0].run_id).write_text('{"run": {}, "epochs": []}')
    shard_path(tmp_path, GRID[1].run_id).write_bytes(shard_path(tmp_path, GRID[2].run_id).read_bytes())
    lines = []
    store = open_folder(tmp_path, GRID, lines=lines)
    assert len(lines) == 2
    damaged = str(shard_path(tmp_path, GRID[0].run_id))
    assert damaged in lines[0] or damaged in lines[1]
    assert all("warning:" in line and "redone" in line for line in lines)
    assert store.finished([cfg.run_id for cfg in GRID]) == {GRID[2].run_id, GRID[3].run_id}
    store.settle()
    store.close()
    assert list(tables(tmp_path)[0].lr) == [0.3, 0.4]


def test_leftover_temporary_files_and_scratch_are_removed(tmp_path):
    sweep_by_hand(tmp_path, GRID[:1])
    leftover = tmp_path / "shards" / f".{GRID[1].run_id}.json.abc123.tmp"
    leftover.write_text('{"run": ')
    (tmp_path / ".scratch").mkdir()
    (tmp_path / ".scratch" / "mnist-float32-X_train.npy").write_bytes(b"x" * 100)
    open_folder(tmp_path, GRID).close()
    assert not leftover.exists() and not (tmp_path / ".scratch").exists()


def test_a_cut_short_index_and_a_torn_table_append_are_repaired(tmp_path):
    sweep_by_hand(tmp_path, GRID)
    clean = {name: (tmp_path / name).read_bytes() for name in ("runs.csv", "epochs.csv")}
    with open(tmp_path / "runs.csv", "ab") as handle:
        handle.write(b"deadbeef0000,mnist,re")  # a kill in the middle of an append
    index = (tmp_path / INDEX_FILE).read_text()
    store = open_folder(tmp_path, GRID)
    assert not store.settle()  # the torn row was cut off: nothing to rewrite
    store.close()
    assert {name: (tmp_path / name).read_bytes() for name in clean} == clean
    (tmp_path / INDEX_FILE).write_text(index[:-30])  # a kill in the middle of the last index line
    store = open_folder(tmp_path, GRID)
    assert store.settle()  # the last run's rows are rendered again from its shard
    store.close()
    assert {name: (tmp_path / name).read_bytes() for name in clean} == clean


def test_tables_edited_by_hand_are_rebuilt_from_the_shards(tmp_path):
    sweep_by_hand(tmp_path, GRID)
    clean = (tmp_path / "epochs.csv").read_bytes()
    (tmp_path / "epochs.csv").write_bytes(clean.replace(b"\n", b"\r\n", 3))
    store = open_folder(tmp_path, GRID)
    store.settle()
    store.close()
    assert (tmp_path / "epochs.csv").read_bytes() == clean


def test_a_folder_written_before_the_index_is_tabled_without_retraining(tmp_path):
    """Shards and pandas-written tables as the previous version left them (no index, no blas_threads)."""
    runs, all_rows = [], []
    for cfg in GRID:
        run, rows = fake_run(cfg, seed=int(cfg.lr * 1000))
        del run["blas_threads"]
        path = shard_path(tmp_path, cfg.run_id)
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"run": run, "epochs": rows}))
        runs.append(run)
        all_rows += [{**{k: run[k] for k in ("run_id", *make_config({}).__dataclass_fields__)}, **row} for row in rows]
    pd.DataFrame(runs).to_csv(tmp_path / "runs.csv", index=False)
    pd.DataFrame(all_rows).to_csv(tmp_path / "epochs.csv", index=False)
    old_runs, old_epochs = tables(tmp_path)
    store = open_folder(tmp_path, GRID)
    assert store.finished([cfg.run_id for cfg in GRID]) == {cfg.run_id for cfg in GRID}
    store.settle()
    store.close()
    new_runs, new_epochs = tables(tmp_path)
    pd.testing.assert_frame_equal(new_runs, old_runs)
    pd.testing.assert_frame_equal(new_epochs, old_epochs)


# ---- a full disk ------------------------------------------------------------------------------

def test_a_shard_that_cannot_be_written_is_kept_and_saved_with_the_next_run(tmp_path, monkeypatch):
    from study.store import folder as results

    store = open_folder(tmp_path, GRID, todo=GRID)
    store.settle(leave_out={cfg.run_id for cfg in GRID})
    real = results.write_shard
    monkeypatch.setattr(results, "write_shard", lambda *a: (_ for _ in ()).throw(
        WriteError(tmp_path / "shards" / "x.json", OSError(28, "No space left on device"))))
    with pytest.raises(WriteError, match="could not write .*x.json: No space left on device"):
        store.add(*fake_run(GRID[0]))
    assert len(store.unsaved) == 1
    monkeypatch.setattr(results, "write_shard", real)
    assert store.add(*fake_run(GRID[1])) == 2  # the kept run is saved first
    store.settle()
    store.close()
    assert list(tables(tmp_path)[0].lr) == [0.1, 0.2]


def test_a_failed_table_append_leaves_no_half_row_and_the_end_rewrites(tmp_path, monkeypatch):
    from study.store import tables as tables_module

    lines = []
    store = open_folder(tmp_path, GRID, todo=GRID, lines=lines)
    store.settle(leave_out={cfg.run_id for cfg in GRID})
    store.add(*fake_run(GRID[0], seed=100))
    real_render = tables_module.render
    calls = {"n": 0}

    def failing_render(rows, header):
        calls["n"] += 1
        if calls["n"] == 2:  # the epochs block of the second run
            raise OSError(28, "No space left on device")
        return real_render(rows, header)

    monkeypatch.setattr(tables_module, "render", failing_render)
    store.add(*fake_run(GRID[1], seed=200))
    monkeypatch.setattr(tables_module, "render", real_render)
    assert any("No space left on device" in line for line in lines)
    assert list(tables(tmp_path)[0].lr) == [0.1]  # its runs row was taken back with its epoch rows
    store.settle()
    store.close()
    runs, epochs = tables(tmp_path)
    assert list(runs.lr) == [0.1, 0.2] and len(epochs) == 8


def fill_disk_after(monkeypatch, budget):
    """The tables' and the index's writes hit a full disk once `budget` more bytes are written: the
    write that crosses it writes its first part, then raises ENOSPC (as a buffered flush can)."""
    from study.store import tables as tables_module

    real, left = tables_module.os_write, {"bytes": budget}

    def write(descriptor, data):
        part = min(len(data), left["bytes"])
        left["bytes"] -= part
        if part:
            real(descriptor, bytes(data[:part]))
        if part < len(data):
            raise OSError(errno.ENOSPC, "No space left on device")
        return part

    monkeypatch.setattr(tables_module, "os_write", write)


def assert_whole_runs(folder):
    """Both tables parse, list the same runs, and hold each run's rows exactly as its shard has them."""
    runs, epochs = tables(folder)
    assert list(epochs.run_id.drop_duplicates()) == list(runs.run_id)
    for run_id in runs.run_id:
        rows = read_shard(shard_path(folder, run_id))["epochs"]
        assert list(epochs[epochs.run_id == run_id].train_cost) == [row["train_cost"] for row in rows]
    return list(runs.run_id)


def test_a_full_disk_at_any_moment_of_an_append_leaves_only_whole_runs(tmp_path, monkeypatch):
    ids = [cfg.run_id for cfg in GRID]
    sweep_by_hand(tmp_path / "clean", GRID)
    clean = {name: (tmp_path / "clean" / name).read_bytes() for name in ("runs.csv", "epochs.csv")}
    sizes = tmp_path / "sizes"
    store = open_folder(sizes, GRID, todo=GRID)
    store.settle(leave_out=set(ids))
    store.add(*fake_run(GRID[0], seed=100))
    before = [(sizes / name).stat().st_size for name in ("runs.csv", "epochs.csv", INDEX_FILE)]
    store.add(*fake_run(GRID[1], seed=200))
    runs_block, epochs_block, index_line = [(sizes / name).stat().st_size - size for name, size in
                                            zip(("runs.csv", "epochs.csv", INDEX_FILE), before)]
    store.close()
    both = runs_block + epochs_block
    for budget in sorted({0, 1, runs_block - 1, runs_block, runs_block + 1, runs_block + epochs_block // 2,
                          both - 1, both, both + index_line // 2, both + index_line - 1}):
        folder, lines = tmp_path / f"full-{budget}", []
        store = open_folder(folder, GRID, todo=GRID, lines=lines)
        store.settle(leave_out=set(ids))
        store.add(*fake_run(GRID[0], seed=100))
        with monkeypatch.context() as full:
            fill_disk_after(full, budget)
            store.add(*fake_run(GRID[1], seed=200))  # its shard is saved, its rows fail part-way
            store.add(*fake_run(GRID[2], seed=300))  # the disk is still full: fails at once
            tabled = assert_whole_runs(folder)  # what a kill at this moment would leave
            assert tabled in (ids[:1], ids[:2]), budget  # the second run only when its rows were written whole
        assert lines and len(lines) <= 2 and len({line.split(":")[1] for line in lines}) == len(lines)
        assert all("No space left on device" in line and str(folder) in line for line in lines)
        killed = tmp_path / f"killed-{budget}"
        shutil.copytree(folder, killed)
        store.add(*fake_run(GRID[3], seed=400))  # space again: the sweep goes on
        store.settle()
        store.close()
        assert {name: (folder / name).read_bytes() for name in clean} == clean, budget
        store = open_folder(killed, GRID, todo=GRID[3:])  # the next sweep, had this one been killed then
        store.settle(leave_out={ids[3]})
        assert_whole_runs(killed)
        store.add(*fake_run(GRID[3], seed=400))
        store.settle()
        store.close()
        assert {name: (killed / name).read_bytes() for name in clean} == clean, budget


def test_a_write_error_is_reported_once_per_file_and_cause(tmp_path, monkeypatch):
    lines = []
    store = open_folder(tmp_path, GRID, todo=GRID, lines=lines)
    store.settle(leave_out={cfg.run_id for cfg in GRID})
    fill_disk_after(monkeypatch, 0)
    for cfg in GRID:
        store.add(*fake_run(cfg))
    assert lines == [f"warning: could not write {tmp_path / 'runs.csv'}: No space left on device; the tables are "
                     "rewritten at the end of the sweep"]
    store.close()


def test_write_errors_name_the_file(tmp_path):
    from results_io import write_atomic

    target = tmp_path / "file.txt"
    target.mkdir()  # a directory where a file should go
    with pytest.raises(WriteError, match=f"could not write {target}"):
        write_atomic(target, lambda handle: handle.write("x"))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_index_spares_reading_unchanged_shards(tmp_path, monkeypatch):
    from study.store import folder as results

    sweep_by_hand(tmp_path, GRID)
    reads = []
    real = results.read_shard
    monkeypatch.setattr(results, "read_shard", lambda path: reads.append(path) or real(path))
    open_folder(tmp_path, GRID).close()
    assert reads == []
    os.utime(shard_path(tmp_path, GRID[1].run_id), ns=(1, 1))  # a shard replaced since: checked again
    open_folder(tmp_path, GRID).close()
    assert reads == [shard_path(tmp_path, GRID[1].run_id)]


# ---- the manifest: the grid as JSON lines, the history of grids -------------------------------

def test_the_manifest_grid_reads_back_as_each_configs_fields(tmp_path):
    import dataclasses

    from analysis.load.axes import manifest_grid
    from results_io import read_manifest
    from study.store.manifest import build_manifest, write_manifest
    from study.sweep.experiment import load_experiment

    path = tmp_path / "e.toml"
    path.write_text('[base]\nactivation = "leaky_relu"\nleaky_slope = -0.0\n[[grid]]\nhidden = [[8], [16, 4]]\n'
                    '[[grid]]\nlr = [1, 0.5]\n')
    experiment = load_experiment(path)
    write_manifest(tmp_path, build_manifest(experiment, {"jobs": 1}, [{"dataset": "mnist"}]))
    manifest = read_manifest(tmp_path)
    want = [{"run_id": cfg.run_id, **dataclasses.asdict(cfg), "hidden": list(cfg.hidden)} for cfg in experiment.configs]
    assert manifest_grid(manifest) == want and len(want) == 4
    assert manifest["execution"] == {"jobs": 1} and manifest["ended"] is None
    assert [cfg.run_id for cfg in experiment.configs] == list(experiment.run_ids)


def test_the_manifest_grid_is_blocks_a_few_bytes_a_run_and_reads_back_in_grid_order(tmp_path):
    from analysis.load.axes import manifest_grid
    from results_io import read_manifest
    from study.store.manifest import build_manifest, write_manifest
    from study.sweep.experiment import load_experiment

    def config_text(cfg):
        return json.dumps({**dataclasses.asdict(cfg), "hidden": list(cfg.hidden)}, sort_keys=True)

    path = tmp_path / "e.toml"
    path.write_text("[base]\nepochs = 5\n[[grid]]\nactivation = ['relu', 'tanh']\nlr = [0.1, 0.2]\nseed = "
                    f"{list(range(2500))}\n[[grid]]\nlr = [0.2, 0.3]\n")  # 10,000 runs, then one new and one again
    experiment = load_experiment(path)
    write_manifest(tmp_path, build_manifest(experiment, {}, None))
    grid = manifest_grid(read_manifest(tmp_path))
    assert [point["run_id"] for point in grid] == list(experiment.run_ids) and len(grid) == 10_001
    for index in (0, 4999, 10_000):  # each run's settings, exactly as the run's config has them
        assert {k: v for k, v in grid[index].items() if k != "run_id"} == json.loads(
            config_text(experiment.configs[index]))
    size = (tmp_path / "manifest.json").stat().st_size
    assert size < 20 * len(grid) + 20_000  # a run id a run (one object per run took about 500 bytes a run)


def test_a_block_whose_runs_cannot_be_rebuilt_is_written_run_by_run():
    from analysis.load.axes import manifest_grid
    from study.sweep.experiment import grid_block

    configs = {cfg.run_id: (cfg, None) for cfg in GRID[:2]}
    # the block says lr 0.5, 0.6, but its first run has lr 0.1: as if RunConfig changed what it was given
    blocks = grid_block(GRID[0], {"lr": [0.5, 0.6]}, list(configs), configs)
    assert len(blocks) == 2 and all(block["axes"] == {} for block in blocks)
    assert [point["lr"] for point in manifest_grid({"grid_blocks": blocks})] == [0.1, 0.2]


def test_the_analysis_reads_the_one_object_per_run_grid_of_older_folders_too():
    from analysis.load.axes import manifest_grid

    old = [{"run_id": "a", "lr": 0.1}, {"run_id": "b", "lr": 0.2}]
    assert manifest_grid({"grid": old}) == old
    assert manifest_grid({"grid_blocks": [{"settings": {}, "axes": {"lr": [0.1]}}]}) == []  # damaged: no grid
    assert manifest_grid({}) == [] and manifest_grid(None) == []


def test_the_history_counts_a_rerun_and_adds_a_changed_grid(tmp_path):
    from results_io import read_manifest
    from study.store.manifest import build_manifest, write_manifest
    from study.sweep.experiment import load_experiment

    path = tmp_path / "e.toml"
    path.write_text("[grid]\nlr = [0.1, 0.2]\n")
    for overrides in ([], [], ["epochs=5"]):
        previous = read_manifest(tmp_path)
        write_manifest(tmp_path, build_manifest(load_experiment(path, overrides), {}, None, previous))
    grids = read_manifest(tmp_path)["grids"]
    assert [(g["overrides"], g["sweeps"], g["runs"]) for g in grids] == [([], 2, 2), (["epochs=5"], 1, 2)]


def test_a_manifest_from_before_the_history_becomes_its_first_entry(tmp_path):
    from study.store.manifest import build_manifest
    from study.sweep.experiment import load_experiment

    old = {"experiment": {"name": "e", "path": "e.toml", "text": "old text"}, "grid": [{}, {}, {}],
           "started": "2026-01-01T00:00:00+00:00", "git": {"commit": "abc"}, "data": [{"dataset": "mnist"}]}
    path = tmp_path / "e.toml"
    path.write_text("[grid]\nlr = [0.1]\n")
    manifest = build_manifest(load_experiment(path), {}, None, old)
    assert [(g["text"], g["runs"]) for g in manifest["grids"]] == [("old text", 3), (path.read_text(), 1)]
    assert manifest["data"] == [{"dataset": "mnist"}]  # nothing loaded this time: the folder's data meta is kept


def test_a_shard_from_code_whose_settings_had_another_name_still_counts(tmp_path):
    """Its id is the hash of the columns between run_id and status, whatever they are called now."""
    from study.config import FIELDS
    from study.identity import id_text, text_id

    run, rows = fake_run(GRID[0])
    settings = {"activation": "relu", "learning_rate": 0.1, "hidden": "8", "epochs": 3}  # lr had another name
    summary = {k: v for k, v in run.items() if k in ("status", "epochs_run", "final_test_acc", "error")}
    run_id = text_id(id_text({**settings, "hidden": [8]}, FIELDS))
    write_shard(tmp_path, {"run_id": run_id, **settings, **summary}, rows)
    store = open_folder(tmp_path, GRID)
    assert list(store.index.entries) == [run_id]
    store.settle()
    store.close()
    runs, epochs = tables(tmp_path)
    assert runs.learning_rate[0] == 0.1 and (epochs.learning_rate == 0.1).all()
