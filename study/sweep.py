"""Run an experiment's grid with joblib: workers train and return rows, only the driver writes."""

import contextlib
import os
import resource
import shutil
import time
import traceback
from dataclasses import replace
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, parallel_config
from threadpoolctl import threadpool_limits

from study import data as datasets
from study.io import write_json
from study.lock import FolderLock
from study.manifest import build_manifest, now
from study.rows import failed_run_row, run_row
from study.store import assemble, finished_ids, write_shard
from study.train import train


def train_one(cfg, data, threads):
    """Worker: train one run and return (run row, epoch rows); a raising run becomes `failed`."""
    with threadpool_limits(limits=threads):
        try:
            result = train(cfg, data)
            row = run_row(cfg, result)
            epochs = result.rows
        except Exception as exc:  # recorded, and the sweep goes on
            last = traceback.extract_tb(exc.__traceback__)[-1]
            message = f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})"
            row, epochs = failed_run_row(cfg, message), []
    row["worker_max_rss_mb"] = peak_rss_mb()
    return row, epochs


def peak_rss_mb():
    """This process's peak resident memory so far, MB. Linux's ru_maxrss would also count the
    parent's peak before the worker was started (it survives fork + exec); VmHWM does not."""
    try:
        with open("/proc/self/status") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):  # not Linux: ru_maxrss is the best there is
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024, 1)


def share(dataset, folder):
    """The dataset with its arrays saved once as .npy and memory-mapped, so workers share pages."""
    shared = {}
    for key in ("X_train", "y_train", "X_test", "y_test"):
        path = Path(folder) / f"{dataset.name}-{getattr(dataset, key).dtype}-{key}.npy"
        np.save(path, getattr(dataset, key))
        shared[key] = np.load(path, mmap_mode="r")
    return replace(dataset, **shared)


def load_datasets(configs, data_dir):
    """Each (dataset, dtype) the runs need, loaded once."""
    keys = sorted({(cfg.dataset, cfg.dtype) for cfg in configs})
    return {key: datasets.load(key[0], data_dir, key[1]) for key in keys}


def threads_per_job(jobs):
    """BLAS threads per worker so that workers x threads = cores."""
    return max(1, (os.cpu_count() or 1) // jobs)


def run_sweep(experiment, results_root="results", jobs=None, backend="loky", scheduler=None,
              data_dir=None, on_start=None, on_result=None, threads=None):
    """Train every run of `experiment` not finished yet; returns (runs trained now, total runs).

    on_start(n_done_before, n_total) and on_result(run_row) let a caller show progress.
    threads: BLAS threads per job (default: cores // jobs; dask workers use 1).
    """
    folder = Path(results_root) / experiment.name
    jobs = jobs or os.cpu_count() or 1
    todo_all = experiment.configs
    loaded = load_datasets(todo_all, data_dir)  # a data error stops us before anything is written
    with FolderLock(folder):
        todo = [cfg for cfg in todo_all if cfg.run_id not in finished_ids(folder, todo_all)]
        execution = {"jobs": jobs, "backend": backend, "scheduler": scheduler,
                     "threads_per_job": threads or threads_per_job(jobs), "runs_total": len(todo_all),
                     "runs_to_train": len(todo)}
        manifest = build_manifest(experiment, execution, [d.meta for d in loaded.values()])
        write_json(folder / "manifest.json", manifest)
        if on_start:
            on_start(len(todo_all) - len(todo), len(todo_all))
        try:
            if todo:
                train_all(todo, todo_all, folder, executor(backend, scheduler, jobs, loaded, folder / ".scratch"),
                          threads=execution["threads_per_job"] if backend == "loky" else threads or 1,
                          on_result=on_result)
        finally:
            assemble(folder, todo_all)
            manifest["ended"] = now()
            write_json(folder / "manifest.json", manifest)
    return len(todo), len(todo_all)


def train_all(todo, todo_all, folder, pool, threads, on_result):
    """Train `todo` in the pool; each result becomes a shard and the tables are rebuilt at once."""
    with pool as (parallel, shared):
        tasks = (delayed(train_one)(cfg, shared[(cfg.dataset, cfg.dtype)], threads) for cfg in todo)
        for row, epochs in parallel(tasks):
            write_shard(folder, row, epochs)
            assemble(folder, todo_all)
            if on_result:
                on_result(row)


@contextlib.contextmanager
def executor(backend, scheduler, jobs, loaded, scratch):
    """(joblib Parallel, datasets as the workers should receive them) for the backend.

    loky: each dataset is saved once to `scratch` and memory-mapped by every worker; a killed
    sweep's leftover scratch is removed by the next one (it runs under the folder's lock).
    dask: each dataset is scattered to the workers once; nothing needs a shared filesystem.
    """
    if backend == "dask":
        from dask.distributed import Client, LocalCluster

        with contextlib.ExitStack() as stack:
            if not scheduler:
                scheduler = stack.enter_context(LocalCluster(
                    n_workers=jobs, threads_per_worker=1, host="127.0.0.1", dashboard_address=None))
            stack.enter_context(Client(scheduler))
            stack.enter_context(parallel_config(backend="dask", scatter=list(loaded.values())))
            yield Parallel(n_jobs=-1, return_as="generator_unordered"), loaded
        return
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        shared = {key: share(dataset, scratch) for key, dataset in loaded.items()}
        yield Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered", max_nbytes=None), shared
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
