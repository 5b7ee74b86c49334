"""Sweep rows: `study sweep` throughput with 1 and 2 jobs, and a worker's peak memory.

Every sweep is a subprocess, `python -m study sweep GRID --jobs N --results TMP --no-progress`,
timed from outside on a grid written here (784-256-128-10 relu, float32, a 10,000-image MNIST
subset, no validation set, one run per learning rate). Throughput counts recorded epochs,
runs x (epochs + 1) (epoch 0 is a full pass too), per second. A sweep also pays a fixed start-up
(interpreter, dataset load, worker start: 2-5 s), so each job count runs a small and a large grid:
the marginal rate (large - small epochs) / (large - small seconds) is the steady-state throughput
compared between 1 and 2 jobs; the raw rate of the large grid, start-up included, is in the note.
As `study sweep` runs them: 1 job = the runs one after another in the sweep's own process with
cores (2) BLAS threads; 2 jobs = two worker processes with 1 thread each. A third setting, 1 job
with `--threads 1`, measures how the sweep scales with jobs at a fixed thread count per job.
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

GRID = """name = "bench"
[base]
dataset = "mnist"
epochs = {epochs}
hidden = [{hidden}]
n_train = {n_train}
n_val = 0
dtype = "float32"
[grid]
activation = ["relu"]
lr = {lrs}
seed = [0]
"""
EPOCHS, N_TRAIN = 10, 10_000
SMALL, LARGE = 2, 6  # runs in the two throughput grids (even: 2 jobs get equal shares)
ACTIVATION_COPIES = 3  # the memory target: dataset + this many copies of one pass's activations
SETTINGS = {"sweep_1job": (1, None), "sweep_1job_1thread": (1, 1), "sweep_2job": (2, None)}  # jobs, threads


def grid(runs, epochs=EPOCHS, n_train=N_TRAIN, hidden=(256, 128)):
    lrs = [round(0.01 * (i + 1), 3) for i in range(runs)]  # all well below relu's unstable rates
    return GRID.format(epochs=epochs, hidden=", ".join(map(str, hidden)), n_train=n_train, lrs=lrs)


def timed_sweep(text, jobs, threads=None):
    """(wall seconds, runs.csv table) of one `study sweep` of the grid `text` in a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="study-bench-") as scratch:
        path = Path(scratch) / "bench.toml"
        path.write_text(text)
        command = [sys.executable, "-m", "study", "sweep", str(path), "--jobs", str(jobs),
                   "--results", str(Path(scratch) / "results"), "--no-progress"]
        command += ["--threads", str(threads)] if threads else []
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode:
            raise RuntimeError(f"{' '.join(command[1:4])} failed: {done.stderr.strip()[-300:]}")
        return seconds, pd.read_csv(Path(scratch) / "results" / "bench" / "runs.csv")


def throughput_rows(reps):
    """Marginal recorded epochs per second of each setting, and the 2-job/1-job ratios."""
    timed_sweep(grid(SMALL), 2)  # warm-up: page cache, compiled bytecode
    seconds = {(name, runs): [] for name in SETTINGS for runs in (SMALL, LARGE)}
    for _ in range(reps):  # round-robin, so that load from elsewhere hits every setting alike
        for name, runs in seconds:
            seconds[name, runs].append(timed_sweep(grid(runs), *SETTINGS[name])[0])
    epochs = {runs: runs * (EPOCHS + 1) for runs in (SMALL, LARGE)}
    median = {key: statistics.median(values) for key, values in seconds.items()}
    rows, rates = [], {}
    for name in SETTINGS:
        rates[name] = (epochs[LARGE] - epochs[SMALL]) / (median[name, LARGE] - median[name, SMALL])
        startup = median[name, SMALL] - epochs[SMALL] / rates[name]
        rows.append({"name": name, "dtype": "float32", "median_s": median[name, LARGE],
                     "min_s": min(seconds[name, LARGE]), "value": rates[name], "unit": "epochs/s",
                     "note": f"{LARGE} runs x {EPOCHS + 1} epochs, n_train {N_TRAIN}, {reps} reps; raw "
                             f"{epochs[LARGE] / median[name, LARGE]:.2f}/s incl. {startup:.1f} s start-up"})
    for one_job in ("sweep_1job", "sweep_1job_1thread"):
        rows.append({"name": f"sweep_2job/{one_job.removeprefix('sweep_')}", "dtype": "float32",
                     "value": rates["sweep_2job"] / rates[one_job], "unit": "ratio", "target": ">= 1.8",
                     "note": f"raw (start-up included) {median[one_job, LARGE] / median['sweep_2job', LARGE]:.2f}"})
    return rows


def memory_rows(n=60_000, hidden=(256, 128), n_test=10_000, n_classes=10, itemsize=4):
    """A worker's peak resident memory on one full-size float32 run, against the target."""
    # --jobs 2: the run goes to a worker process (with 1 job joblib runs it in the driver, which
    # also holds the dataset as loaded)
    _, runs = timed_sweep(grid(1, epochs=2, n_train=0, hidden=hidden), jobs=2)
    peak = float(runs["worker_max_rss_mb"].max())
    dataset = ((n + n_test) * 784 * itemsize + (n + n_test) * 8) / 2**20  # images + int64 labels
    activations = n * (sum(hidden) + n_classes) * itemsize / 2**20  # every layer's output, once
    budget = dataset + ACTIVATION_COPIES * activations
    return [
        {"name": "worker_peak_rss", "dtype": "float32", "value": peak, "unit": "MiB",
         "target": f"< {budget:.0f}", "note": f"1 run, N {n}, hidden {hidden}, 3 epochs, VmHWM"},
        {"name": "memory_budget", "dtype": "float32", "value": budget, "unit": "MiB",
         "note": f"dataset {dataset:.0f} + {ACTIVATION_COPIES} x activations {activations:.1f}"},
    ]


def sweep_part_rows(reps):
    """Throughput and memory rows, or one row saying why they were skipped."""
    try:
        return [{**row, "data": "mnist"} for row in throughput_rows(reps) + memory_rows()]
    except (RuntimeError, OSError, KeyError) as exc:
        return [{"name": "sweep", "note": f"skipped: {' '.join(str(exc).split())}"}]
