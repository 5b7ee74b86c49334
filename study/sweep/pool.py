"""Where runs are trained: the worker function, and the joblib pool (loky or dask) that runs it."""

import contextlib
import resource
import shutil
import traceback
from dataclasses import replace
from pathlib import Path

import numpy as np
from joblib import Parallel
from threadpoolctl import threadpool_info, threadpool_limits

from results_io import WriteError
from study.sweep.cluster import dask_pool
from study.training.rows import failed_run_row, run_row
from study.training.start import run_rows

PARTIAL = "rows_in_copy"  # Dataset.meta key: which training rows a partial copy holds


def train_one(cfg, data, threads, train=None):
    """Worker: train one run and return (run row, epoch rows); a raising run becomes `failed`.

    `train` is study.training.train.train unless a caller (a test, the bench) passes a stand-in."""
    if train is None:
        from study.training.train import train
    if PARTIAL in data.meta:  # a partial copy of the training set: refuse a run that reads a hole
        if not all(data.meta[PARTIAL][rows].all() for rows in run_rows(cfg, data.y_train)):
            raise RuntimeError(f"run {cfg.run_id} reads training rows the workers' data copy left out")
    with threadpool_limits(limits=threads):
        blas_threads = max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"),
                           default=None)
        try:
            result = train(cfg, data)
            row = run_row(cfg, result)
            epochs = result.rows
        except Exception as exc:  # recorded, and the sweep goes on
            last = traceback.extract_tb(exc.__traceback__)[-1]
            message = f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})"
            row, epochs = failed_run_row(cfg, message), []
    row["worker_max_rss_mb"] = peak_rss_mb()
    row["blas_threads"] = blas_threads
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


def share(dataset, folder, rows=None):
    """The dataset with its arrays saved once as .npy and memory-mapped, so workers share pages.

    rows: the training rows the runs read (None = all). The others are left as holes of a sparse
    file: they take no disk space and read as zeros, which no run reads.
    """
    shared = {}
    for key in ("X_train", "y_train", "X_test", "y_test"):
        array = getattr(dataset, key)
        path = Path(folder) / f"{dataset.name}-{array.dtype}-{key}.npy"
        try:
            if key == "X_train" and rows is not None and len(rows) < len(array):
                copy = np.lib.format.open_memmap(path, mode="w+", dtype=array.dtype, shape=array.shape)
                copy[rows] = array[rows]
                copy.flush()
                del copy
            else:
                np.save(path, array)
        except OSError as exc:
            raise WriteError(path, exc) from None
        shared[key] = np.load(path, mmap_mode="r")
    meta = dataset.meta
    if rows is not None and len(rows) < len(dataset.X_train):
        meta = {**meta, PARTIAL: np.isin(np.arange(len(dataset.X_train)), rows)}
    return replace(dataset, **shared, meta=meta)


def needed_rows(configs, y_train):
    """The training-set rows that `configs` read (training and validation images), or None for all."""
    needed = np.zeros(len(y_train), dtype=bool)
    one_per_split = {(cfg.seed, cfg.n_train, cfg.n_val): cfg for cfg in configs}  # what the rows depend on
    for cfg in one_per_split.values():
        for rows in run_rows(cfg, y_train):
            needed[rows] = True
        if needed.all():
            return None
    return np.flatnonzero(needed)


def scratch_bytes(loaded):
    """Bytes the loky scratch copies of `loaded` take."""
    return sum(getattr(d, key).nbytes for d in loaded.values() for key in ("X_train", "y_train", "X_test", "y_test"))


@contextlib.contextmanager
def executor(backend, scheduler, jobs, loaded, scratch, todo=()):
    """(joblib Parallel, datasets as the workers should receive them) for the backend.

    loky: each dataset is saved once to `scratch` and memory-mapped by every worker; the scratch is
    removed when the pool ends, and a killed sweep's leftover by the next sweep (under the lock).
    One job runs in this process and needs no copy; the copy holds only the training rows `todo`
    reads (see needed_rows), the others left as holes of a sparse file.
    dask: each dataset is scattered to the workers once; nothing needs a shared filesystem.
    """
    if backend == "dask":
        with dask_pool(scheduler, jobs, loaded) as pool:
            yield pool
        return
    if jobs == 1:  # joblib runs one job in this process: the workers' copy is not needed
        yield Parallel(n_jobs=1, return_as="generator_unordered"), loaded
        return
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        scratch.mkdir(parents=True)
        try:
            shared = {key: share(dataset, scratch, needed_rows([c for c in todo if (c.dataset, c.dtype) == key],
                                                               dataset.y_train))
                      for key, dataset in loaded.items()}
        except WriteError as exc:
            raise WriteError(exc.path, OSError(exc.errno, f"{exc.strerror} (the workers' copy of the data, "
                                               f"{scratch_bytes(loaded) / 2**20:.0f} MB in all)")) from None
        yield Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered", max_nbytes=None), shared
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
