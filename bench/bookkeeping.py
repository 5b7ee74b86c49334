"""Bookkeeping at scale, with synthetic runs (no training): `python -m bench.bookkeeping`.

  start-up   a 100,000-run grid: validate the experiment file, then `run_sweep` with 2 loky
             workers until the first run's result is back (the run itself returns at once);
  per run    a folder already holding 10,000 finished runs: saving one more run (its shard,
             written and fsynced, plus its rows appended to runs.csv and epochs.csv);
  and what surrounds them: indexing a folder that has no index yet, a resumed sweep's start,
  putting the tables back in grid order after runs finished out of order.

Targets (issue 11): start-up <= 5 s, per run <= 50 ms. Data: MNIST from --data-dir or
$STUDY_DATA_DIR, else a synthetic MNIST written to a temporary folder first (not timed).
"""

import argparse
import gzip
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from study.config import make_config
from study.data.datasets import SPLIT_FILES
from study.data.idx import IMAGE_MAGIC, LABEL_MAGIC, encode_idx
from study.store.folder import ResultsFolder
from study.store.shards import shard_path
from study.sweep import runner as sweep_module
from study.sweep.experiment import load_experiment
from study.training.rows import run_row
from study.training.run import EPOCH_COLUMNS
from study.training.train import RunResult

BIG_GRID = """name = "big"
[base]
epochs = 200
hidden = [16]
[grid]
activation = ["relu", "leaky_relu", "sigmoid", "tanh", "elu", "softplus", "silu", "gelu"]
lr = {lrs}
seed = {seeds}
"""
TARGETS = {"start_up_100k_s": 5.0, "per_run_ms_at_10k": 50.0}


class FirstResult(Exception):
    """Raised from on_result to stop the start-up sweep once its first run is back."""


def synthetic_result(cfg, rng=random):
    """A RunResult shaped like a real one: every epoch column, inactive units per hidden layer."""
    rows = []
    for epoch in range(cfg.epochs + 1):
        row = {key: rng.random() for key in EPOCH_COLUMNS}
        row.update(epoch=epoch, updates=epoch, sharpness=None, stability=None)
        row.update({f"inactive_{layer}": rng.random() for layer in range(1, len(cfg.hidden) + 1)})
        rows.append(row)
    return RunResult(rows, "ok", None, 0.01)


def synthetic_run(cfg, rng=random):
    """(run row, epoch rows) as a worker returns them."""
    result = synthetic_result(cfg, rng)
    row = run_row(cfg, result)
    row.update(worker_max_rss_mb=100.0, blas_threads=1)
    return row, result.rows


def instant_train(cfg, data, on_epoch=None):
    """Stands in for study.training.train.train: a one-epoch result at once (workers import it from here)."""
    return synthetic_result(make_config({"epochs": 1, "hidden": list(cfg.hidden)}))


def write_synthetic_mnist(root):
    """A data root holding mnist/ at MNIST's sizes (random pixels): what the loader checks, nothing more."""
    rng = np.random.default_rng(0)
    folder = Path(root) / "mnist"
    folder.mkdir(parents=True)
    for split, (stem, n) in SPLIT_FILES.items():
        images = split.endswith("images")
        array = rng.integers(0, 256, (n, 28, 28), np.uint8) if images else (np.arange(n) % 10).astype(np.uint8)
        raw = encode_idx(array, IMAGE_MAGIC if images else LABEL_MAGIC)
        (folder / f"{stem}.gz").write_bytes(gzip.compress(raw, compresslevel=1))
    return root


def start_up(scratch, data_dir, runs=100_000):
    """Seconds to validate a `runs`-run grid and to get its first result back, 2 loky workers."""
    seeds = runs // (8 * 100)
    path = Path(scratch) / "big.toml"
    path.write_text(BIG_GRID.format(lrs=[round(0.001 * (i + 1), 3) for i in range(100)], seeds=list(range(seeds))))
    marks = {}

    def first(row):
        marks["first"], marks["first_cpu"] = time.perf_counter(), time.process_time()
        raise FirstResult

    real_train, sweep_module.train = sweep_module.train, instant_train
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        experiment = load_experiment(path)
        marks["validated"], marks["validated_cpu"] = time.perf_counter(), time.process_time()
        sweep_module.run_sweep(experiment, Path(scratch) / "results", jobs=2, data_dir=data_dir,
                               on_start=lambda tally: marks.update(started=time.perf_counter(),
                                                                   started_cpu=time.process_time()),
                               on_result=first, report=lambda line: None)
    except FirstResult:
        marks["stopped"] = time.perf_counter()
    finally:
        sweep_module.train = real_train
    return {"grid_runs": len(experiment.configs), "validate_s": marks["validated"] - start,
            "validate_cpu_s": marks["validated_cpu"] - cpu_start,
            "folder_and_data_s": marks["started"] - marks["validated"],
            "folder_and_data_cpu_s": marks["started_cpu"] - marks["validated_cpu"],
            "first_result_s": marks["first"] - marks["started"], "start_up_s": marks["first"] - start,
            "start_up_cpu_s": marks["first_cpu"] - cpu_start,
            "stop_s": marks["stopped"] - marks["first"],
            "manifest_mb": (Path(scratch) / "results" / "big" / "manifest.json").stat().st_size / 1e6}


def fill_folder(folder, configs, rng):
    """Shards of synthetic runs, written plainly (no fsync): the folder a long sweep leaves."""
    (Path(folder) / "shards").mkdir(parents=True)
    for cfg in configs:
        run, epochs = synthetic_run(cfg, rng)
        shard_path(folder, run["run_id"]).write_text(json.dumps({"run": run, "epochs": epochs}))


def per_run(scratch, finished=10_000, new=200, background_epochs=20, new_epochs=200):
    """Bookkeeping times in a folder that holds `finished` runs, then gets `new` more."""
    rng = random.Random(0)
    folder = Path(scratch) / "folder"
    old = [make_config({"epochs": background_epochs, "hidden": [16], "seed": s, "lr": 0.1}) for s in range(finished)]
    fresh = [make_config({"epochs": new_epochs, "hidden": [128, 64], "seed": s, "lr": 0.2}) for s in range(new)]
    grid_ids = [cfg.run_id for cfg in old + fresh]
    fill_folder(folder, old, rng)
    timings = {}
    todo = dict(zip(grid_ids[finished:], fresh))
    start = time.perf_counter()
    store = ResultsFolder(folder, report=print).open()
    store.plan(grid_ids, todo)
    store.settle()
    store.close()
    timings["index_new_folder_s"] = time.perf_counter() - start
    start = time.perf_counter()
    store = ResultsFolder(folder, report=print).open()
    store.plan(grid_ids, todo)
    store.settle()
    timings["resume_open_s"] = time.perf_counter() - start
    runs = [synthetic_run(cfg, rng) for cfg in fresh]
    rng.shuffle(runs)  # as workers finish them: out of grid order
    seconds, cpu = [], []
    for run, epochs in runs:
        tick, cpu_tick = time.perf_counter(), time.process_time()
        store.add(run, epochs)
        seconds.append(time.perf_counter() - tick)
        cpu.append(time.process_time() - cpu_tick)
    start = time.perf_counter()
    store.settle()
    timings["final_order_s"] = time.perf_counter() - start
    store.close()
    ms = sorted(1000 * s for s in seconds)
    timings.update(per_run_ms_mean=statistics.mean(ms), per_run_ms_p95=ms[int(0.95 * len(ms))], per_run_ms_max=ms[-1],
                   per_run_cpu_ms_mean=1000 * statistics.mean(cpu))
    with open(folder / "runs.csv") as handle:
        timings["runs_in_table"] = sum(1 for _ in handle) - 1
    return timings


def show(rows):
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure':<{width}}  {'value':>10}  target")
    for name, value, target in rows:
        shown = f"{value:10.3f}" if isinstance(value, float) else f"{value:>10}"
        verdict = "" if target is None else f"<= {target:g}  {'ok' if value <= target else 'MISSED'}"
        print(f"{name:<{width}}  {shown}  {verdict}")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.bookkeeping", description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", help="folder holding mnist/ (default $STUDY_DATA_DIR, else synthetic)")
    p.add_argument("--runs", type=int, default=100_000, help="grid size for the start-up (default 100000)")
    p.add_argument("--finished", type=int, default=10_000, help="finished runs for the per-run part (default 10000)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="study-bookkeeping-") as scratch:
        data_dir = args.data_dir or os.environ.get("STUDY_DATA_DIR")
        if not data_dir or not (Path(data_dir) / "mnist").is_dir():
            data_dir = write_synthetic_mnist(Path(scratch) / "data")
        up = start_up(scratch, data_dir, args.runs)
        kept = per_run(scratch, args.finished)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"bookkeeping: {up['grid_runs']}-run grid start-up; per-run saving with {args.finished} finished runs "
          f"(load average {load} on {os.cpu_count()} cores: wall times grow with it, CPU times much less)")
    show([
        ("validate the grid (s)", up["validate_s"], None),
        ("  CPU (s)", up["validate_cpu_s"], None),
        ("lock, folder, data, manifest (s)", up["folder_and_data_s"], None),
        ("  CPU (s)", up["folder_and_data_cpu_s"], None),
        ("workers start, first result (s)", up["first_result_s"], None),
        (f"start-up of {up['grid_runs']} runs (s)", up["start_up_s"], TARGETS["start_up_100k_s"]),
        ("  this process's CPU (s)", up["start_up_cpu_s"], None),
        ("stop after the first run (s)", up["stop_s"], None),
        (f"manifest.json of {up['grid_runs']} runs (MB)", up["manifest_mb"], None),
        (f"index a folder of {args.finished} shards (s)", kept["index_new_folder_s"], None),
        (f"resume start at {args.finished} (s)", kept["resume_open_s"], None),
        (f"per run at {args.finished}: mean (ms)", kept["per_run_ms_mean"], TARGETS["per_run_ms_at_10k"]),
        ("  CPU (ms)", kept["per_run_cpu_ms_mean"], None),
        (f"per run at {args.finished}: 95th pct (ms)", kept["per_run_ms_p95"], None),
        (f"per run at {args.finished}: max (ms)", kept["per_run_ms_max"], None),
        ("tables back in grid order (s)", kept["final_order_s"], None),
        ("runs in runs.csv", kept["runs_in_table"], None),
    ])


if __name__ == "__main__":
    main()
