"""Sweeps that must not lose or hide anything: changed grids, damage, leftovers, SIGTERM, a full
disk, BLAS threads, and what the user is told. On the synthetic MNIST of tests/conftest.py."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import WAIT_CEILING, wait_for

from analysis.load.axes import manifest_grid
from results_io import WriteError
from study import cli
from study.data.idx import DataError
from study.store.shards import shard_path
from study.sweep.command import Progress
from study.sweep.experiment import load_experiment
from study.sweep.runner import Tally, run_sweep

GRID = """
name = "g"
[base]
epochs = {epochs}
hidden = [16]
n_train = 600
n_val = 500
[grid]
activation = ["relu", "sigmoid"]
lr = [0.1, 5000.0]
"""


@pytest.fixture
def data_root(synthetic_data_root):
    return str(synthetic_data_root)


def experiment(tmp_path, epochs=3, text=GRID):
    path = tmp_path / "g.toml"
    path.write_text(text.format(epochs=epochs))
    return path


def sweep_cli(*args, data_root, **kw):
    env = {**os.environ, "STUDY_DATA_DIR": data_root}
    return subprocess.run([sys.executable, "-m", "study", "sweep", *map(str, args), "--no-progress"],
                          capture_output=True, text=True, env=env, **kw)


def runs_table(folder):
    return pd.read_csv(Path(folder) / "runs.csv")


def test_a_changed_grid_keeps_every_finished_run_and_the_manifest_keeps_every_grid(tmp_path, data_root):
    path, results = experiment(tmp_path), tmp_path / "r"
    assert sweep_cli(path, "--results", results, "--jobs", "1", data_root=data_root).returncode == 0
    first = runs_table(results / "g")
    done = sweep_cli(path, "--results", results, "--jobs", "1", "--set", "epochs=2", data_root=data_root)
    assert done.returncode == 0, done.stderr
    assert "holds 4 ok, 4 diverged, 0 failed, 4 of them from other grids" in done.stdout
    runs = runs_table(results / "g")
    assert len(runs) == 8 and runs.run_id.is_unique
    assert list(runs.epochs[:4]) == [2] * 4  # the grid asked for first, then the earlier runs
    pd.testing.assert_frame_equal(runs[4:].sort_values("run_id").reset_index(drop=True),
                                  first.sort_values("run_id").reset_index(drop=True))
    manifest = json.loads((results / "g" / "manifest.json").read_text())
    assert [g["overrides"] for g in manifest["grids"]] == [[], ["epochs=2"]]
    assert {run["epochs"] for run in manifest_grid(manifest)} == {2} and manifest["folder_runs"]["other_runs"] == 4
    assert manifest["ended"]


def test_a_sweep_that_fails_at_start_leaves_the_tables_as_they_were(tmp_path, data_root, data_env):
    path, results = experiment(tmp_path), tmp_path / "r"
    run_sweep(load_experiment(path), results, jobs=1, data_dir=data_root)
    before = (results / "g" / "runs.csv").read_bytes()
    changed = load_experiment(path, ["dataset=fashion-mnist"])  # not in the data root: no data at all
    with pytest.raises(DataError):
        run_sweep(changed, results, jobs=1, data_dir=data_root)
    assert (results / "g" / "runs.csv").read_bytes() == before and len(runs_table(results / "g")) == 4


def test_a_data_error_on_a_new_folder_leaves_no_folder(tmp_path, data_root, data_env):
    changed = load_experiment(experiment(tmp_path), ["dataset=fashion-mnist"])
    with pytest.raises(DataError):
        run_sweep(changed, tmp_path / "r", jobs=1, data_dir=data_root)
    assert not (tmp_path / "r" / "g").exists()


def test_damaged_and_copied_shards_are_named_and_their_runs_redone(tmp_path, data_root):
    path, results = experiment(tmp_path), tmp_path / "r"
    sweep_cli(path, "--results", results, "--jobs", "1", data_root=data_root)
    ids = load_experiment(path).run_ids
    shard_path(results / "g", ids[0]).write_text('{"run": {"status": "ok"}, "epochs": []}')
    shard_path(results / "g", ids[1]).write_bytes(shard_path(results / "g", ids[2]).read_bytes())
    done = sweep_cli(path, "--results", results, "--jobs", "1", data_root=data_root)
    assert done.returncode == 0, done.stderr
    warnings = done.stderr.strip().splitlines()
    assert len(warnings) == 2 and "Traceback" not in done.stderr
    for run_id in ids[:2]:
        assert sum(str(shard_path(results / "g", run_id)) in line for line in warnings) == 1
    assert "2 trained now, 2 already done" in done.stdout
    runs = runs_table(results / "g")
    assert list(runs.run_id) == list(ids)  # each run once, under its own config


def test_leftovers_are_removed_even_with_nothing_to_train(tmp_path, data_root):
    path, results = experiment(tmp_path), tmp_path / "r"
    sweep_cli(path, "--results", results, "--jobs", "1", data_root=data_root)
    leftover = results / "g" / "shards" / ".0123456789ab.json.x1y2z3.tmp"
    leftover.write_text("{")
    (results / "g" / ".scratch").mkdir()
    (results / "g" / ".scratch" / "mnist-float32-X_train.npy").write_bytes(b"\0" * 1000)
    done = sweep_cli(path, "--results", results, data_root=data_root)
    assert done.returncode == 0 and "0 trained now" in done.stdout
    assert not leftover.exists() and not (results / "g" / ".scratch").exists()


def descendants(pid):
    """Pids of every live process below `pid` (Linux /proc)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_stops_the_sweep_cleanly_and_stops_the_workers(tmp_path, data_root):
    text = GRID.replace("n_train = 600", "n_train = 20000").replace("hidden = [16]", "hidden = [256]")
    path, results = experiment(tmp_path, epochs=400, text=text), tmp_path / "r"
    env = {**os.environ, "STUDY_DATA_DIR": data_root}
    proc = subprocess.Popen([sys.executable, "-m", "study", "sweep", str(path), "--results", str(results),
                             "--jobs", "2", "--no-progress"], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def workers_started():
            found = [p for p in descendants(proc.pid) if b"loky" in Path(f"/proc/{p}/cmdline").read_bytes()]
            return proc.poll() is not None or (len(found) >= 2 and (results / "g" / ".scratch").exists())

        wait_for(workers_started, "the sweep to start its two loky workers")
        assert proc.poll() is None, "the sweep ended before its workers started"
        time.sleep(1.0)  # let them take their first runs
        below = descendants(proc.pid)
        os.kill(proc.pid, signal.SIGTERM)  # the driver only, as `kill PID` does
        out, err = proc.communicate(timeout=WAIT_CEILING)
    finally:  # whatever happened, nothing of this sweep outlives the test (workers share its group)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM
    assert len(err.strip().splitlines()) == 1, err
    assert "terminated (SIGTERM)" in err and "rerun the same command to resume" in err
    wait_for(lambda: not any(alive(p) for p in below), "the sweep's worker processes to exit after SIGTERM")
    manifest = json.loads((results / "g" / "manifest.json").read_text())
    assert manifest["ended"] is not None
    assert not (results / "g" / ".scratch").exists()


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# Moments early in a sweep for Ctrl-C: when a process of the pool has just appeared (still importing),
# or a moment later (the sleeps only vary the moment; nothing is asserted about time).
EARLY_MOMENTS = [(b"resource_tracker", 1, 0.0), (b"popen_loky", 1, 0.0), (b"popen_loky", 1, 0.05),
                 (b"popen_loky", 2, 0.0), (b"popen_loky", 2, 0.2)]


def default_sigint():
    """In the child before exec: SIGINT as a terminal gives it. A test run started in the background by a
    non-interactive shell (nohup cmd &) inherits SIGINT ignored, and a sweep started so rightly ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_early_in_a_sweep_is_one_line_whatever_the_moment(tmp_path, data_root):
    text = GRID.replace("n_train = 600", "n_train = 20000").replace("hidden = [16]", "hidden = [256]")
    path = experiment(tmp_path, epochs=400, text=text)
    env = {**os.environ, "STUDY_DATA_DIR": data_root}
    for trial, (marker, count, pause) in enumerate(EARLY_MOMENTS):
        proc = subprocess.Popen([sys.executable, "-m", "study", "sweep", str(path), "--results",
                                 str(tmp_path / f"r{trial}"), "--jobs", "2", "--no-progress"], env=env,
                                start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=default_sigint)
        try:
            def appeared(proc=proc, marker=marker, count=count):
                found = [p for p in descendants(proc.pid) if marker in cmdline(p)]
                return proc.poll() is not None or len(found) >= count

            wait_for(appeared, f"{count} process(es) of the pool matching {marker!r}")
            time.sleep(pause)
            below = descendants(proc.pid)
            os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole process group
            out, err = proc.communicate(timeout=WAIT_CEILING)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        moment = f"trial {trial}: {count} x {marker!r} + {pause} s"
        assert proc.returncode == 130, (moment, err)
        assert len(err.strip().splitlines()) == 1 and "interrupted" in err, (moment, err)
        wait_for(lambda below=below: not any(alive(p) for p in below), "the pool's processes to exit after Ctrl-C")


def test_once_a_sweep_stops_the_pools_thread_errors_are_not_printed(monkeypatch):
    import threading

    from study.sweep.interrupt import quiet_pool_threads

    printed = []  # the hook in place before: Python's (prints), here a stand-in that records
    monkeypatch.setattr(threading, "excepthook", lambda args: printed.append(args.thread.name))

    def fail():
        raise KeyError(1)  # as loky's manager thread can, when the pool is taken down under it

    quiet_pool_threads()
    quiet_pool_threads()  # once is enough, twice does no harm
    for name in ("ExecutorManagerThread", "QueueFeederThread", "another thread"):
        thread = threading.Thread(target=fail, name=name)
        thread.start()
        thread.join()
    assert printed == ["another thread"]


@pytest.mark.parametrize("stops", [False, True])
def test_the_pools_thread_errors_are_held_and_printed_only_when_the_sweep_does_not_stop(monkeypatch, stops):
    import threading

    from study.sweep.interrupt import pool_thread_errors_held

    printed = []
    monkeypatch.setattr(threading, "excepthook", lambda args: printed.append(args.thread.name))

    def fail():
        raise KeyError(1)

    def run_threads():
        for name in ("ExecutorManagerThread", "another thread"):
            thread = threading.Thread(target=fail, name=name)
            thread.start()
            thread.join()

    with contextlib.suppress(KeyboardInterrupt), pool_thread_errors_held():
        run_threads()
        assert printed == ["another thread"]  # held until the block ends
        if stops:
            raise KeyboardInterrupt
    run_threads()  # after a stop, the pool's threads stay quiet; otherwise the hook is Python's again
    assert printed == (["another thread"] * 2 if stops else
                       ["another thread", "ExecutorManagerThread", "ExecutorManagerThread", "another thread"])


def test_blas_threads_are_recorded_and_a_change_is_reported(tmp_path, data_root):
    path, results = experiment(tmp_path), tmp_path / "r"
    lines = []
    run_sweep(load_experiment(path), results, jobs=1, threads=1, data_dir=data_root, report=lines.append)
    assert set(runs_table(results / "g").blas_threads) == {1} and lines == []
    longer = load_experiment(path, ["lr=0.2"])
    run_sweep(longer, results, jobs=1, threads=1, data_dir=data_root, report=lines.append)
    assert lines == []  # new runs, same threads: nothing to say
    run_sweep(load_experiment(path), results, jobs=1, threads=2, data_dir=data_root, report=lines.append)
    assert len(lines) == 1 and "4 finished run(s) of this grid used 1 BLAS thread(s), this sweep uses 2" in lines[0]
    assert list(runs_table(results / "g").run_id[:4]) == list(load_experiment(path).run_ids)  # ids unchanged


def test_the_last_line_reports_the_folders_totals(tmp_path, data_root, capsys, monkeypatch):
    monkeypatch.setenv("STUDY_DATA_DIR", data_root)
    path, results = experiment(tmp_path), str(tmp_path / "r")
    assert cli.main(["sweep", str(path), "--results", results, "--jobs", "1", "--no-progress"]) == 0
    first = capsys.readouterr().out
    assert "4 trained now, 0 already done" in first and "holds 2 ok, 2 diverged, 0 failed" in first
    assert cli.main(["sweep", str(path), "--results", results, "--jobs", "1", "--no-progress"]) == 0
    again = capsys.readouterr().out
    assert "0 trained now, 4 already done" in again and "holds 2 ok, 2 diverged, 0 failed" in again


def test_an_interruption_says_runs_are_saved_only_when_they_are(tmp_path, data_root, capsys, monkeypatch):
    from study.sweep import runner as sweep_module

    monkeypatch.setenv("STUDY_DATA_DIR", data_root)
    path, results = experiment(tmp_path), str(tmp_path / "r")
    real = sweep_module.train
    calls = {"n": 0}

    def interrupt_second(cfg, data, on_epoch=None):
        calls["n"] += 1
        if calls["n"] == calls["stop"]:
            raise KeyboardInterrupt
        return real(cfg, data, on_epoch)

    monkeypatch.setattr(sweep_module, "train", interrupt_second)
    calls["stop"] = 1
    assert cli.main(["sweep", str(path), "--results", results, "--jobs", "1", "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert "no finished run is saved yet" in err and "are saved" not in err
    calls.update(n=0, stop=3)
    assert cli.main(["sweep", str(path), "--results", results, "--jobs", "1", "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert "finished runs are saved" in err and "holds 1 ok, 1 diverged, 0 failed" in err
    assert len(runs_table(Path(results) / "g")) == 2  # the tables hold what finished


def test_the_progress_bar_counts_epochs_and_drops_a_diverged_runs_unused_ones():
    progress = Progress("g", enabled=True)
    progress.start(Tally(grid_runs=3, done_before=0, epochs_todo=30))
    assert progress.bar.total == 30
    row = {"activation": "relu", "lr": 1.0, "seed": 0, "epochs": 10, "final_train_cost": 1.0, "final_test_acc": 0.5}
    progress.advance({**row, "status": "diverged", "epochs_run": 2})
    assert (progress.bar.n, progress.bar.total) == (2, 22)
    progress.advance({**row, "status": "ok", "epochs_run": 10})
    progress.advance({**row, "status": "failed", "epochs_run": None})
    assert (progress.bar.n, progress.bar.total) == (12, 12)
    progress.close()


def test_a_full_disk_for_the_workers_data_copy_is_one_line(tmp_path, data_root, capsys, monkeypatch):
    from study.sweep import pool

    def no_space(path, array):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pool.np, "save", no_space)
    monkeypatch.setenv("STUDY_DATA_DIR", data_root)
    code = cli.main(["sweep", str(experiment(tmp_path)), "--results", str(tmp_path / "r"), "--jobs", "2",
                     "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "No space left on device" in err and ".scratch" in err and "workers' copy of the data" in err


def test_runs_that_cannot_be_saved_are_kept_until_the_end_and_reported(tmp_path, data_root, capsys, monkeypatch):
    from study.store import folder as results_module

    real = results_module.write_shard
    state = {"full": True}

    def flaky(folder, run, epochs):
        if state["full"]:
            raise WriteError(Path(folder) / "shards" / f"{run['run_id']}.json", OSError(28, "No space left on device"))
        return real(folder, run, epochs)

    monkeypatch.setattr(results_module, "write_shard", flaky)
    monkeypatch.setenv("STUDY_DATA_DIR", data_root)
    args = ["sweep", str(experiment(tmp_path)), "--results", str(tmp_path / "r"), "--jobs", "1", "--no-progress"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "4 finished run(s) could not be saved" in err and "No space left on device" in err
    warnings = [line for line in err.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "shards/" in warnings[0]  # each retry of the same shard fails silently
    state["full"] = False  # space again: the next sweep trains them and saves them
    assert cli.main(args) == 0
    assert len(runs_table(tmp_path / "r" / "g")) == 4


def test_tables_that_cannot_be_finished_at_the_end_are_exit_1_naming_the_file(tmp_path, data_root, capsys,
                                                                             monkeypatch):
    from study.sweep import runner

    real, calls = runner.write_manifest, []

    def full_at_the_end(folder, manifest):
        calls.append(folder)
        if len(calls) == 2:  # the manifest's end: the shards are saved, the disk is full by then
            raise WriteError(Path(folder) / "manifest.json", OSError(28, "No space left on device"))
        return real(folder, manifest)

    monkeypatch.setattr(runner, "write_manifest", full_at_the_end)
    monkeypatch.setenv("STUDY_DATA_DIR", data_root)
    args = ["sweep", str(experiment(tmp_path)), "--results", str(tmp_path / "r"), "--jobs", "1", "--no-progress"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and f"could not write {tmp_path / 'r' / 'g' / 'manifest.json'}: No space left" in err[0]
    assert "results could not be written" in err[1] and "rerun the same command" in err[1]


def test_a_partial_data_copy_holds_the_rows_runs_read_and_costs_no_disk_for_the_rest(tmp_path, make_dataset):
    from study.sweep.pool import PARTIAL, share

    data = make_dataset(n_train=20_000, n_features=784)
    rows = np.arange(0, 20_000, 50)
    shared = share(data, tmp_path, rows)
    np.testing.assert_array_equal(shared.X_train[rows], data.X_train[rows])
    assert not shared.X_train[1].any()  # a hole reads as zeros
    assert list(np.flatnonzero(shared.meta[PARTIAL])) == list(rows)
    path = tmp_path / "synthetic-float32-X_train.npy"
    assert path.stat().st_blocks * 512 < 0.1 * data.X_train.nbytes  # a sparse file: about 2 pages a row
    whole = share(data, tmp_path)
    assert PARTIAL not in whole.meta and np.array_equal(whole.X_train, data.X_train)


def test_needed_rows_is_the_union_of_what_the_runs_read(make_dataset):
    from study.config import make_config
    from study.sweep import pool
    from study.training.start import run_rows

    y = make_dataset(n_train=1000).y_train
    configs = [make_config({"seed": s, "n_train": 100, "n_val": 50, "lr": lr}) for s in (0, 3) for lr in (0.1, 0.2)]
    read = set()
    for cfg in configs:
        for rows in run_rows(cfg, y):
            read |= set(rows.tolist())
    needed = pool.needed_rows(configs, y)
    assert list(needed) == sorted(read) and 200 <= len(needed) < 300  # the two seeds' subsets, one validation set
    everything = [make_config({"seed": 0, "n_train": 0, "n_val": 50})]
    assert pool.needed_rows(everything, y) is None  # a run that reads every row: the whole set is copied


def test_a_run_that_would_read_a_hole_in_the_copy_is_refused(tmp_path, monkeypatch, make_dataset):
    from study.config import make_config
    from study.sweep import pool

    data = make_dataset(n_train=1000)
    shared = pool.share(data, tmp_path, np.arange(500))
    monkeypatch.setattr(pool, "run_rows", lambda cfg, y_train: (np.arange(400, 600), np.arange(0)))
    with pytest.raises(RuntimeError, match="reads training rows the workers' data copy left out"):
        pool.train_one(make_config({"n_train": 200, "n_val": 0}), shared, 1)


@contextlib.contextmanager
def read_only(folder):
    """`folder` made read-only; yields the path to use. Root ignores permissions, so as root a read-only bind
    mount stands in (skipped where mounting is not allowed); other users get the write bits taken away."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [folder, *folder.rglob("*")]}
        for path, mode in modes.items():
            path.chmod(mode & ~0o222)
        try:
            yield folder
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    view = folder.with_name(folder.name + "-read-only")
    view.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(folder), str(view)], capture_output=True)
    if mounted.returncode:
        pytest.skip("running as root, and a read-only bind mount is not allowed here")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], capture_output=True).returncode:
            pytest.skip("running as root, and a read-only bind mount is not allowed here")
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)


def folder_bytes(folder):
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_read_only_results_folder_is_one_line_saying_what_it_holds(tmp_path, data_root, capsys, monkeypatch):
    monkeypatch.setenv("STUDY_DATA_DIR", data_root)
    path, results = experiment(tmp_path), tmp_path / "r"
    assert cli.main(["sweep", str(path), "--results", str(results), "--jobs", "1", "--no-progress"]) == 0
    before = folder_bytes(results)
    capsys.readouterr()
    with read_only(results) as view:
        for more, holds in (([], "all 4 of this grid's runs"), (["--set", "epochs=2"], "0 of this grid's 4 runs")):
            code = cli.main(["sweep", str(path), "--results", str(view), "--jobs", "1", "--no-progress", *more])
            out, err = capsys.readouterr()
            assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
            assert f"{view / 'g'} cannot be written (" in err and "no finished run" not in err
            assert f"it holds 4 finished run(s) (2 ok, 2 diverged, 0 failed), {holds}; nothing was changed" in err
        code = cli.main(["sweep", str(path), "--results", str(view / "new"), "--jobs", "1", "--no-progress"])
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1 and f"{view / 'new' / 'g'} cannot be created" in err
    assert folder_bytes(results) == before


def test_a_folder_whose_shards_cannot_be_written_is_refused_before_training(tmp_path, data_root, capsys,
                                                                            monkeypatch):
    """Its .lock can still be taken: the folder is probed too, so no run is trained to be lost."""
    monkeypatch.setenv("STUDY_DATA_DIR", data_root)
    path, results = experiment(tmp_path), tmp_path / "r"
    assert cli.main(["sweep", str(path), "--results", str(results), "--jobs", "1", "--no-progress",
                     "--set", "lr=0.1"]) == 0
    shards = results / "g" / "shards"
    capsys.readouterr()
    with read_only(shards) as view:
        if view != shards:  # as root: mount the read-only view over the shards themselves
            subprocess.run(["mount", "--bind", str(view), str(shards)], check=True)
        try:
            code = cli.main(["sweep", str(path), "--results", str(results), "--jobs", "1", "--no-progress"])
        finally:
            if view != shards:
                subprocess.run(["umount", str(shards)], check=True)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"{shards} cannot be written" in err and "it holds 2 finished run(s)" in err
    assert len(list(shards.glob("*.json"))) == 2


@pytest.mark.parametrize("best_val, shown", [(0.9512, "best val acc 0.951"),
                                             (float("nan"), "test acc 0.902 (no validation split)")])
def test_the_live_line_shows_validation_accuracy_and_test_only_without_a_validation_split(best_val, shown):
    from study.sweep.command import last_run

    row = {"activation": "relu", "lr": 0.5, "seed": 1, "status": "ok", "final_train_cost": 0.1234,
           "best_val_acc": best_val, "final_test_acc": 0.9021}
    assert last_run(row) == f"relu lr=0.5 seed=1: ok, cost 0.123, {shown}"
