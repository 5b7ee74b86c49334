"""Run an experiment's grid with joblib: workers train and return rows, only the driver writes."""

import contextlib
import os
import shutil
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from joblib import delayed

from results_io import WriteError, read_manifest
from study.data import datasets
from study.data.idx import DataError
from study.store.folder import SCRATCH, ResultsFolder, saved_statuses
from study.store.lock import FolderLock, LockError, ReadOnlyError
from study.store.manifest import build_manifest, now, write_manifest
from study.store.shards import TRAINED
from study.sweep.cluster import ClusterError
from study.sweep.interrupt import children_without_sigint, pool_thread_errors_held
from study.sweep.leftovers import remove_killed_pool_leftovers
from study.sweep.pool import (
    executor,
    share,  # noqa: F401  (tests and bench use it from here)
    train_one,
)
from study.training.memory import check_memory
from study.training.train import train


@dataclass
class Tally:
    """What a sweep did so far; the caller can read it after an interruption too."""

    folder: Path = None
    grid_runs: int = 0
    done_before: int = 0  # grid runs already finished when the sweep started
    trained_now: int = 0  # runs this sweep finished and saved
    folder_counts: dict = field(default_factory=dict)  # status -> shards in the folder
    other_runs: int = 0  # shards in the folder that are not in this grid
    unsaved: int = 0  # finished runs whose shard could not be written
    unfinished_tables: bool = False  # the tables or the manifest could not be written at the end
    epochs_todo: int = 0


def warn(message):
    print(f"study sweep: {message}", file=sys.stderr)


def load_datasets(configs, data_dir):
    """Each (dataset, dtype) the runs need, loaded once."""
    keys = sorted({(cfg.dataset, cfg.dtype) for cfg in configs})
    return {key: datasets.load(key[0], data_dir, key[1]) for key in keys}


def threads_per_job(jobs):
    """BLAS threads per worker so that workers x threads = cores."""
    return max(1, (os.cpu_count() or 1) // jobs)


def run_sweep(experiment, results_root="results", jobs=None, backend="loky", scheduler=None,
              data_dir=None, on_start=None, on_result=None, threads=None, report=warn, tally=None):
    """Train every run of `experiment` not finished yet; returns (runs trained now, total runs).

    on_start(tally) and on_result(run_row) let a caller show progress; report(line) gets warnings.
    threads: BLAS threads per job (default: cores // jobs on loky; dask workers use 1).
    """
    folder = Path(results_root) / experiment.name
    jobs = jobs or os.cpu_count() or 1
    threads = threads or (threads_per_job(jobs) if backend == "loky" else 1)
    tally = tally if tally is not None else Tally()
    tally.folder, tally.grid_runs = folder, len(experiment.run_ids)
    created = not folder.exists()
    try:
        with take(folder, experiment):
            store = ResultsFolder(folder, report).open()
            try:
                sweep_locked(experiment, store, tally, data_dir, jobs, backend, scheduler, threads,
                             on_start, on_result, report)
            finally:
                store.close()
    except DataError:
        if created:  # nothing was written but the lock: leave no empty folder behind
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return tally.trained_now, tally.grid_runs


@contextlib.contextmanager
def take(folder, experiment):
    """Hold the folder's lock; a folder that cannot be written is one LockError saying what it holds."""
    try:
        lock = FolderLock(folder).__enter__()
    except ReadOnlyError as exc:
        if not folder.is_dir():
            raise LockError(f"{exc}; give a --results folder where this sweep can write") from None
        raise LockError(f"{exc}: {what_it_holds(folder, experiment.run_ids)}; nothing was changed; make it "
                        "writable, or give another --results") from None
    try:
        remove_killed_pool_leftovers(lock.previous_holder)  # the last sweep of this folder, if it was killed
        yield lock
    finally:
        lock.__exit__()


def what_it_holds(folder, grid_ids):
    """'it holds 4 finished runs (2 ok, 2 diverged, 0 failed), all 4 of this grid's runs', read-only."""
    statuses = saved_statuses(folder)
    if not statuses:
        return "it holds no finished run"
    counts = {status: sum(s == status for s in statuses.values()) for status in ("ok", "diverged", "failed")}
    trained = sum(statuses.get(run_id) in TRAINED for run_id in grid_ids)
    mine = f"all {trained} of this grid's runs" if trained == len(grid_ids) else \
        f"{trained} of this grid's {len(grid_ids)} runs"
    return (f"it holds {len(statuses)} finished run(s) ({counts['ok']} ok, {counts['diverged']} diverged, "
            f"{counts['failed']} failed), {mine}")


def sweep_locked(experiment, store, tally, data_dir, jobs, backend, scheduler, threads,
                 on_start, on_result, report):
    grid_ids = experiment.run_ids
    done = store.finished(grid_ids)
    todo = {run_id: cfg for cfg, run_id in zip(experiment.configs, grid_ids) if run_id not in done}
    for cfg in todo.values():  # on this machine, before anything is loaded or written
        check_memory(cfg)
    loaded = load_datasets(todo.values(), data_dir)  # a data error stops us before anything is written
    store.plan(grid_ids, todo)
    store.settle(leave_out=todo)  # a failed run to retry leaves the tables until it is redone
    warn_threads(store, done, threads, report)
    execution = {"jobs": jobs, "backend": backend, "scheduler": scheduler, "threads_per_job": threads,
                 "runs_total": len(grid_ids), "runs_to_train": len(todo)}
    data_meta = [d.meta for d in loaded.values()] if loaded else None
    manifest = build_manifest(experiment, execution, data_meta, read_manifest(store.folder))
    write_manifest(store.folder, manifest)
    tally.done_before, tally.epochs_todo = len(done), sum(cfg.epochs for cfg in todo.values())
    count(store, tally)
    if on_start:
        on_start(tally)
    try:
        if todo:
            train_with_retries(todo, store, (backend, scheduler, jobs, loaded), threads, on_result, tally, report)
    finally:
        finish(store, manifest, tally, report)


CLUSTER_RETRIES = 2  # times the runs a live dask scheduler dropped are submitted again in one sweep


def train_with_retries(todo, store, pool_args, threads, on_result, tally, report):
    """Train `todo`; when the dask scheduler drops runs but is still there, submit the unsaved ones again.

    A worker killed while its result is being fetched can leave the scheduler with a run no client holds
    any more ("already forgotten"); the run is lost to this pool, not to the cluster, so a new pool retries it.
    """
    backend, scheduler, jobs, loaded = pool_args
    stamps = {run_id: store.index.entries.get(run_id) for run_id in todo}  # a run saved since has a new entry
    for attempt in range(CLUSTER_RETRIES + 1):
        unsaved = {run["run_id"] for run, _ in store.unsaved}
        left = [cfg for run_id, cfg in todo.items()
                if store.index.entries.get(run_id) is stamps[run_id] and run_id not in unsaved]
        if not left:
            return None
        try:
            pool = executor(backend, scheduler, jobs, loaded, store.folder / SCRATCH, left)
            return train_all(left, store, pool, threads, on_result, tally)
        except ClusterError as exc:
            if not exc.retry or attempt == CLUSTER_RETRIES:
                raise
            report(f"note: {exc}; the scheduler is still there, so the runs not saved yet are submitted again")


def train_all(todo, store, pool, threads, on_result, tally):
    """Train `todo` in the pool; each result is saved at once (shard, then rows appended to the tables)."""
    with pool as (parallel, shared), pool_thread_errors_held():  # a stop tears the pool down under its threads
        results = None
        try:
            # the pool's processes start here, Ctrl-C is the driver's to handle (one job runs in this process)
            guard = children_without_sigint() if parallel.n_jobs != 1 else contextlib.nullcontext()
            with guard:
                results = parallel(delayed(train_one)(cfg, shared[(cfg.dataset, cfg.dtype)], threads, train)
                                   for cfg in todo)
            for row, epochs in results:
                save(store, row, epochs, tally)
                if on_result:
                    on_result(row)
        finally:
            if results is not None:
                with warnings.catch_warnings():  # joblib's note on cancelled tasks: the sweep says what happened
                    warnings.simplefilter("ignore")
                    results.close()  # an interruption stops the workers now, not when the generator is collected


def save(store, row, epochs, tally):
    """Save one result; a shard that cannot be written stays in memory and is retried."""
    try:
        tally.trained_now += store.add(row, epochs)
    except WriteError as exc:
        store.warn_once(exc, f"warning: {exc}; finished runs are kept in memory and retried after each run and "
                        "at the end")
    tally.folder_counts, tally.unsaved = store.totals(), len(store.unsaved)  # the other runs do not change


def finish(store, manifest, tally, report):
    """Retry unsaved shards, put the tables in their final order, record the end; never masks an error."""
    try:
        tally.trained_now += store.save_unsaved()
    except WriteError as exc:
        report(f"error: {exc}; {len(store.unsaved)} finished run(s) could not be saved and will be "
               "retrained by the next sweep")
    try:
        store.settle()
        manifest["ended"] = now()
        manifest["folder_runs"] = count(store, tally)
        write_manifest(store.folder, manifest)
    except OSError as exc:
        tally.unfinished_tables = True
        report(f"error: {exc}; the shards are saved, rerun the same command to rebuild the tables")


def count(store, tally):
    tally.folder_counts = store.totals()
    tally.other_runs = len(store.index.entries) - len(store.finished(store.grid_ids, statuses=None))
    tally.unsaved = len(store.unsaved)
    return {**tally.folder_counts, "other_runs": tally.other_runs}


def warn_threads(store, done, threads, report):
    """Say when finished runs used another BLAS thread count: their last digits may differ."""
    used = [store.index.entries[run_id].threads for run_id in done]
    other = {n for n in used if n is not None and n != threads}
    unrecorded = sum(n is None for n in used)
    if other:
        report(f"warning: {sum(n in other for n in used)} finished run(s) of this grid used "
               f"{', '.join(map(str, sorted(other)))} BLAS thread(s), this sweep uses {threads}; numbers can "
               "differ in the last digits (run ids do not change; runs.csv's blas_threads says which)")
    if unrecorded:
        report(f"warning: {unrecorded} finished run(s) of this grid do not record their BLAS threads (saved by "
               f"an older version); this sweep uses {threads}")
