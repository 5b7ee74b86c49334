"""The grid runner: tables, resume, kill-and-resume, lock, failures, dask.

Every test runs on the synthetic MNIST of tests/conftest.py (real IDX files at MNIST's sizes), so a
fresh clone with no MNIST anywhere runs them all; tests/test_real_data.py covers the real data.
"""

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import wait_for

from study.config import make_config
from study.data.datasets import load
from study.store.lock import FolderLock
from study.store.shards import VOLATILE_COLUMNS
from study.sweep import runner as sweep_module
from study.sweep.experiment import load_experiment
from study.sweep.runner import run_sweep, share
from study.training.train import train

GRID = """
name = "{name}"
[base]
epochs = {epochs}
hidden = [16]
n_train = 600
[grid]
activation = ["relu", "sigmoid"]
lr = {lrs}
seed = [0]
"""


@pytest.fixture
def data_root(synthetic_data_root):
    """The folder holding the synthetic mnist/, as the str that --data-dir and STUDY_DATA_DIR take."""
    return str(synthetic_data_root)


def experiment(tmp_path, name="g", epochs=4, lrs="[0.1, 5000.0]"):
    path = tmp_path / f"{name}.toml"
    path.write_text(GRID.format(name=name, epochs=epochs, lrs=lrs))
    return path


def tables(folder, drop_volatile=True):
    runs, epochs = (pd.read_csv(Path(folder) / f"{t}.csv") for t in ("runs", "epochs"))
    if drop_volatile:
        runs, epochs = (t.drop(columns=[c for c in VOLATILE_COLUMNS if c in t]) for t in (runs, epochs))
    return runs, epochs


def sweep_cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "study", "sweep", *map(str, args), "--no-progress"],
                          capture_output=True, text=True, **kw)


def test_the_synthetic_mnist_passes_the_loader_and_is_learnable(data_root):
    data = load("mnist", data_root, download=False)
    assert data.X_train.shape == (60_000, 784) and data.X_test.shape == (10_000, 784)
    assert np.bincount(data.y_train).tolist() == [6000] * 10
    assert np.bincount(data.y_test).tolist() == [1000] * 10
    assert data.meta["train_images_in_test"] == 0  # the random pixels make every image unique
    assert 0 < data.X_train.mean() < 0.05  # mostly zeros, as the cheap files need
    cfg = make_config({"activation": "relu", "lr": 0.5, "epochs": 20, "hidden": [16], "n_train": 600})
    result = train(cfg, data)
    assert result.status == "ok"
    assert result.rows[0]["test_acc"] < 0.2 and result.rows[-1]["test_acc"] > 0.95


def test_tables_are_tidy_and_complete(tmp_path, data_root):
    trained, total = run_sweep(load_experiment(experiment(tmp_path)), tmp_path / "r", jobs=1, data_dir=data_root)
    assert (trained, total) == (4, 4)
    runs, epochs = tables(tmp_path / "r" / "g", drop_volatile=False)
    assert len(runs) == 4 and runs["run_id"].is_unique
    assert runs["lr"].dtype == float and runs["seed"].dtype == np.int64
    assert epochs["epoch"].dtype == np.int64 and epochs["train_cost"].dtype == float
    assert set(runs["status"]) == {"ok", "diverged"}  # lr 5000 diverges
    diverged = runs[runs.status == "diverged"]
    assert (diverged["diverged_at"] < diverged["epochs"]).all()
    for _, run in runs.iterrows():  # epochs.csv holds every recorded epoch of every run
        rows = epochs[epochs.run_id == run.run_id]
        assert list(rows.epoch) == list(range(int(run.epochs_run) + 1))
        assert rows.iloc[-1].test_acc == pytest.approx(run.final_test_acc)
        assert (rows.activation == run.activation).all() and (rows.lr == run.lr).all()
    manifest = (tmp_path / "r" / "g" / "manifest.json").read_text()
    for key in ('"commit"', '"dirty"', '"numpy"', '"blas"', '"cpu_count"', '"started"', '"ended"', "n_train = 600"):
        assert key in manifest


def test_rerun_skips_finished_runs_and_a_new_rate_trains_only_new_points(tmp_path, data_root):
    out = tmp_path / "r"
    run_sweep(load_experiment(experiment(tmp_path, lrs="[0.1]")), out, jobs=1, data_dir=data_root)
    before = tables(out / "g", drop_volatile=False)
    assert run_sweep(load_experiment(experiment(tmp_path, lrs="[0.1]")), out, jobs=1, data_dir=data_root) == (0, 2)
    pd.testing.assert_frame_equal(tables(out / "g", drop_volatile=False)[0], before[0])
    assert run_sweep(load_experiment(experiment(tmp_path, lrs="[0.1, 0.3]")), out, jobs=1, data_dir=data_root) == (2, 4)
    runs, _ = tables(out / "g", drop_volatile=False)
    old = runs[runs.lr == 0.1].reset_index(drop=True)
    pd.testing.assert_frame_equal(old, before[0])  # the first runs were not retrained


def test_killed_sweep_resumes_to_the_same_tables(tmp_path, data_root):
    path = experiment(tmp_path, epochs=40, lrs="[0.05, 0.1, 0.2, 0.4]")
    env = {**os.environ, "STUDY_DATA_DIR": data_root}
    clean = sweep_cli(path, "--results", tmp_path / "clean", "--jobs", "2", env=env)
    assert clean.returncode == 0, clean.stderr
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "study", "sweep", str(path), "--results", str(killed),
                             "--jobs", "2", "--no-progress"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shards = killed / "g" / "shards"
    wait_for(lambda: len(list(shards.glob("*.json"))) >= 2 or proc.poll() is not None,
             "the sweep to save its first two runs")
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, mid-sweep
    proc.wait()
    n_before = len(list(shards.glob("*.json")))
    assert 2 <= n_before < 8, "the kill should land mid-sweep"
    resumed = sweep_cli(path, "--results", killed, "--jobs", "2", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{8 - n_before} trained now" in resumed.stdout
    for got, want in zip(tables(killed / "g"), tables(tmp_path / "clean" / "g")):
        pd.testing.assert_frame_equal(got, want)
    left = [*Path("/dev/shm").glob(f"sem.loky-{proc.pid}-*"), *Path("/dev/shm").glob(f"joblib_*_{proc.pid}_*"),
            *Path(tempfile.gettempdir()).glob(f"joblib_*_{proc.pid}_*")]
    assert left == []  # the killed pool's semaphores and folders, removed by the resume


def test_what_a_killed_pool_left_is_removed_by_the_next_sweep_of_its_folder(tmp_path, data_root, monkeypatch):
    from study.sweep import leftovers

    shm = tmp_path / "shm"
    shm.mkdir()
    monkeypatch.setattr(leftovers, "SHARED_MEMORY", shm)
    dead = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1 if Path("/proc/sys/kernel/pid_max").exists() \
        else 2 ** 22 + 1  # no process can have it
    gone = [shm / f"sem.loky-{dead}-a1b2c3d4", shm / f"sem.loky-{dead}-e5f6g7h8",
            shm / f"joblib_memmapping_folder_{dead}_0a1b_2c3d"]
    kept = [shm / f"sem.loky-{os.getpid()}-a1b2c3d4",  # a live process's: in use
            shm / f"sem.loky-{dead}0-a1b2c3d4", shm / f"joblib_memmapping_folder_{dead}0_0a1b_2c3d",  # another pid
            shm / "sem.mine"]
    for path in gone + kept:
        path.mkdir() if "folder" in path.name else path.write_bytes(b"\0" * 32)
    folder = tmp_path / "r" / "g"
    folder.mkdir(parents=True)
    (folder / ".lock").write_text(f"pid {dead}")  # what the killed sweep's lock file says
    run_sweep(load_experiment(experiment(tmp_path, lrs="[0.1]")), tmp_path / "r", jobs=1, data_dir=data_root)
    assert [path for path in gone if path.exists()] == [] and all(path.exists() for path in kept)
    (folder / ".lock").write_text(f"pid {os.getpid()}")  # a live holder (a notebook) keeps its pool: untouched
    gone[0].write_bytes(b"\0" * 32)  # and a dead pid that is not this folder's last holder: not this folder's
    run_sweep(load_experiment(experiment(tmp_path, lrs="[0.1]")), tmp_path / "r", jobs=1, data_dir=data_root)
    assert kept[0].exists() and gone[0].exists()


def test_a_second_sweep_on_a_locked_folder_is_refused(tmp_path, data_root):
    path = experiment(tmp_path, lrs="[0.1]")
    env = {**os.environ, "STUDY_DATA_DIR": data_root}
    with FolderLock(tmp_path / "r" / "g"):
        proc = sweep_cli(path, "--results", tmp_path / "r", env=env)
    assert proc.returncode == 2
    assert "being written by another sweep" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r" / "g" / "runs.csv").exists()
    # a stale lock file left by a killed sweep does not block the next one
    proc = sweep_cli(path, "--results", tmp_path / "r", env=env)
    assert proc.returncode == 0, proc.stderr


def test_a_run_that_raises_is_recorded_as_failed_and_the_sweep_goes_on(tmp_path, data_root, monkeypatch):
    real_train = sweep_module.train

    def flaky_train(cfg, data, on_epoch=None):
        if cfg.activation == "sigmoid":
            raise FloatingPointError("planted failure\nsecond line")
        return real_train(cfg, data, on_epoch)

    monkeypatch.setattr(sweep_module, "train", flaky_train)
    run_sweep(load_experiment(experiment(tmp_path, lrs="[0.1]")), tmp_path / "r", jobs=1, data_dir=data_root)
    runs, epochs = tables(tmp_path / "r" / "g")
    failed = runs[runs.status == "failed"]
    assert list(failed.activation) == ["sigmoid"]
    assert "FloatingPointError: planted failure second line" in failed.iloc[0].error
    assert set(epochs.activation) == {"relu"}
    monkeypatch.setattr(sweep_module, "train", real_train)  # failed runs are retried on the next sweep
    assert run_sweep(load_experiment(experiment(tmp_path, lrs="[0.1]")), tmp_path / "r", jobs=1,
                     data_dir=data_root) == (1, 2)
    assert set(tables(tmp_path / "r" / "g")[0].status) == {"ok"}


def test_shared_datasets_are_memory_mapped_copies(tmp_path, data_root):
    data = load("mnist", data_root)
    shared = share(data, tmp_path)
    assert isinstance(shared.X_train, np.memmap) and not shared.X_train.flags.writeable
    assert np.array_equal(shared.X_train[:100], data.X_train[:100]) and np.array_equal(shared.y_test, data.y_test)


def test_dask_cluster_gives_the_same_tables(tmp_path, data_root):
    distributed = pytest.importorskip("distributed")
    path = experiment(tmp_path, lrs="[0.1, 5000.0]")
    run_sweep(load_experiment(path), tmp_path / "local", jobs=2, data_dir=data_root)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        proc = sweep_cli(path, "--results", tmp_path / "dask", "--backend", "dask",
                         "--scheduler", cluster.scheduler_address,
                         env={**os.environ, "STUDY_DATA_DIR": data_root})
    assert proc.returncode == 0, proc.stderr
    for got, want in zip(tables(tmp_path / "dask" / "g"), tables(tmp_path / "local" / "g")):
        pd.testing.assert_frame_equal(got, want)


def test_a_dead_worker_stops_the_sweep_with_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    from joblib.externals.loky.process_executor import BrokenProcessPool

    from study import cli
    from study.sweep import command as sweep_command

    def broken(*args, **kwargs):
        raise BrokenProcessPool("A task has failed to un-serialize.\nDetails follow")

    monkeypatch.setattr(sweep_command, "run_sweep", broken)
    code = cli.main(["sweep", str(experiment(tmp_path)), "--results", str(tmp_path / "r"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "BrokenProcessPool: A task has failed to un-serialize. Details follow" in err
    assert "rerun the same command to resume" in err


LOKY_WORKER_DEATH = (  # the message loky gives when a worker is killed (joblib 1.6), 3 lines, 380 characters
    "A worker process managed by the executor was unexpectedly terminated. This could be caused by a segmentation "
    "fault while calling the function or by an excessive memory usage causing the Operating System to kill the "
    "worker.\n\nThe exit codes of the workers are {SIGKILL(-9)}\nDetailed tracebacks of the workers should have "
    "been printed to stderr in the executor process if faulthandler was not disabled.")


@pytest.mark.parametrize("message, shown, left_out", [
    (LOKY_WORKER_DEATH, "kill the worker. The exit codes of the workers are {SIGKILL(-9)} Detailed tracebacks", None),
    (LOKY_WORKER_DEATH.replace("worker.\n", "worker " + "very " * 10 + "long.\n"),
     "very long. The exit codes of the workers are {SIGKILL(-9)} ...", "Detailed"),
    ("word " * 300, "word word ...", None),
])
def test_a_long_stop_reason_keeps_its_first_line_whole_and_ends_on_a_word(tmp_path, monkeypatch, capsys, message,
                                                                          shown, left_out):
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    from study import cli
    from study.sweep import command as sweep_command

    def broken(*args, **kwargs):
        raise TerminatedWorkerError(message)

    monkeypatch.setattr(sweep_command, "run_sweep", broken)
    code = cli.main(["sweep", str(experiment(tmp_path)), "--results", str(tmp_path / "r"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1 and shown in err
    assert left_out is None or left_out not in err
    reason = err.split("(TerminatedWorkerError: ", 1)[1].split(");", 1)[0]
    first_line = " ".join(message.splitlines()[0].split())
    assert reason.startswith(first_line[:900].rsplit(" ", 1)[0])  # the first line whole (up to 1000 characters)
    assert all(word in message.split() or word == "..." for word in reason.split())  # no word cut in two


@pytest.mark.parametrize("reason, retried", [("already forgotten", True), ("scheduler-connection-lost", False)])
def test_runs_a_live_scheduler_dropped_are_submitted_again_and_a_lost_scheduler_stops(tmp_path, data_root,
                                                                                      monkeypatch, reason, retried):
    from concurrent.futures import CancelledError

    from study.sweep.cluster import ClusterError, cluster_error

    real_train_all, given = sweep_module.train_all, []

    def dropping_train_all(todo, store, pool, threads, on_result, tally):
        todo = list(todo)
        given.append([(cfg.activation, cfg.lr) for cfg in todo])
        if len(given) > 1:
            return real_train_all(todo, store, pool, threads, on_result, tally)
        real_train_all(todo[:1], store, pool, threads, on_result, tally)  # one run saved, then the cancellation
        raise cluster_error(CancelledError(f"batch-1 cancelled for reason: {reason}."), "tcp://127.0.0.1:1")

    monkeypatch.setattr(sweep_module, "train_all", dropping_train_all)
    path, notes = experiment(tmp_path, lrs="[0.1, 0.2]"), []

    def run():
        return run_sweep(load_experiment(path), tmp_path / "r", jobs=1, data_dir=data_root, report=notes.append)

    if not retried:
        with pytest.raises(ClusterError, match="lost the dask scheduler at tcp://127.0.0.1:1"):
            run()
        assert len(given) == 1 and notes == []
        return
    assert run() == (4, 4)
    assert given[1] == given[0][1:], "only the runs not saved yet are submitted again"
    assert len(notes) == 1 and "dropped runs (already forgotten)" in notes[0]
    run_sweep(load_experiment(path), tmp_path / "whole", jobs=1, data_dir=data_root)
    for got, want in zip(tables(tmp_path / "r" / "g"), tables(tmp_path / "whole" / "g")):
        pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("during, code, said", [(KeyboardInterrupt, 130, "interrupted"),
                                                (None, None, None)])
def test_a_library_failing_on_a_ctrl_c_is_still_an_interruption(tmp_path, monkeypatch, capsys, during, code, said):
    from study import cli
    from study.sweep import command as sweep_command

    def launch_cut_short(*args, **kwargs):  # as loky's worker launch when Ctrl-C lands in it
        try:
            if during:
                raise during()
        finally:
            raise UnboundLocalError("cannot access local variable 'parent_r'")

    monkeypatch.setattr(sweep_command, "run_sweep", launch_cut_short)
    argv = ["sweep", str(experiment(tmp_path)), "--results", str(tmp_path / "r"), "--no-progress"]
    if during is None:  # a bug of our own, not an interruption: it is not hidden
        with pytest.raises(UnboundLocalError):
            cli.main(argv)
        return
    assert cli.main(argv) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and said in err and "UnboundLocalError" not in err
