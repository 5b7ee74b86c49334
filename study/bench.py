"""`make bench`: the trainer's epoch against its matmul floor and PyTorch; sweep throughput, memory.

Epoch rows, 784-256-128-10 relu on N = 60,000 (real MNIST, or random data of the same shape when
MNIST is not found: the `data` column says which), in float32 and float64:
  epoch  the trainer's own code path, study.train.run_epoch, as train() calls it: forward, backward,
         the per-epoch train/test cost and accuracy, gradient norm, inactive units, the update;
  floor  only the 11 matrix products that epoch needs (training set: 3 forward, 3 weight gradients,
         2 back-propagations; test set: 3 forward), NumPy, into the run's own buffers;
  torch  the same epoch in PyTorch on the CPU (study/bench_torch.py), when torch is installed.
They are timed side by side in one process, round-robin (a rep of each, then the next rep) so that
load from other processes hits all three alike: median and minimum of --reps after a warm-up.
BLAS threads: --threads for NumPy's BLAS (threadpoolctl) and for PyTorch (torch.set_num_threads).

OpenBLAS chooses its kernels when it is loaded: OPENBLAS_CORETYPE=Haswell, set on some machines
for old OpenBLAS builds, forces AVX2 kernels on AVX-512 CPUs. When it or OPENBLAS_L2_SIZE is set,
the epoch rows are measured again in a child process without them (column openblas_env).
"""

import argparse
import csv
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from study import bench_sweep
from study import data as datasets
from study.bench_torch import torch_epoch, torch_version
from study.config import make_config
from study.idx import DataError
from study.io import write_atomic
from study.mlp import layers
from study.train import run_epoch, start_run

HIDDEN = [256, 128]
LR = 0.01  # small, so that no timed epoch diverges
DTYPES = ("float32", "float64")
TARGETS = {"epoch/floor": "<= 1.3", "epoch/torch": "<= 0.8"}  # float32
HINTS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
COLUMNS = ["name", "dtype", "median_s", "min_s", "value", "unit", "target", "meets_target", "note",
           "threads", "blas", "openblas_env", "data"]
COMPARE = {"<=": float.__le__, ">=": float.__ge__, "<": float.__lt__}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m study.bench", description=__doc__.splitlines()[0])
    p.add_argument("--out", default="results/bench/bench.csv", help="CSV of the measurements")
    p.add_argument("--reps", type=int, default=5, help="timed repetitions after one warm-up (default 5)")
    p.add_argument("--sweep-reps", type=int, default=3, help="repetitions of each timed sweep (default 3)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="BLAS threads (default: cores)")
    p.add_argument("--data-dir", help="folder holding mnist/ (default: $STUDY_DATA_DIR, cache)")
    p.add_argument("--epochs-only", action="store_true", help="only the epoch rows, no sweeps")
    args = p.parse_args(argv)
    if min(args.reps, args.sweep_reps, args.threads) < 1:
        p.error("--reps, --sweep-reps and --threads must be at least 1")
    return args


def blas_description(threads):
    """e.g. 'openblas 0.3.31 SkylakeX x2': NumPy's BLAS, the kernel it chose, threads in use."""
    with threadpool_limits(threads, user_api="blas"):
        info = threadpool_info()
    return "; ".join(f"{i['internal_api']} {i['version']} {i.get('architecture', '')} x{i['num_threads']}"
                     for i in info if i["user_api"] == "blas" and "numpy" in i["filepath"]) or "unknown"


def load_data(data_dir):
    """(Dataset, 'mnist') or, without MNIST on disk, random data of MNIST's shape and 'random'."""
    try:
        return datasets.load("mnist", data_dir, "float32", download=False), "mnist"
    except DataError:
        rng = np.random.default_rng(0)
        X_train, X_test = (rng.random((n, 784), dtype=np.float32) for n in (60_000, 10_000))
        y_train, y_test = (rng.integers(0, 10, n) for n in (60_000, 10_000))
        return datasets.Dataset("random", Path("."), X_train, y_train, X_test, y_test), "random"


def harness_epoch(run):
    """One call = one epoch of train()'s loop on `run` (epoch 0, the warm-up, is done here)."""
    numbers = itertools.count(1)
    run_epoch(run, 0)
    return lambda: run_epoch(run, next(numbers))


def floor_epoch(run):
    """Only the matrix products of one epoch of `run`, into its buffers (theta is not changed)."""
    weights = [W for W, _ in layers(run.theta, run.sizes)]
    weight_grads = [gW for gW, _ in layers(run.grad, run.sizes)]

    def forward(X, ws):
        inputs = [X]
        for W, out in zip(weights, [*ws.H, ws.logits]):
            inputs.append(np.matmul(inputs[-1], W, out=out))
        return inputs  # X, H_1, ..., logits

    def epoch():
        *inputs, delta = forward(run.X, run.ws)
        for l in reversed(range(len(weights))):
            np.matmul(inputs[l].T, delta, out=weight_grads[l])
            if l:
                delta = np.matmul(delta, weights[l].T, out=run.ws.Z[l - 1])
        forward(run.X_test, run.ws_test)

    return epoch


def timed_together(candidates, reps):
    """{name: (median, min)} seconds; one warm-up each, then reps round-robin."""
    seconds = {name: [] for name in candidates}
    for fn in candidates.values():
        fn()
    for _ in range(reps):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            seconds[name].append(time.perf_counter() - start)
    return {name: (statistics.median(s), min(s)) for name, s in seconds.items()}


def epoch_rows(data, dtype, reps, threads):
    """epoch, floor, torch and the ratios epoch/floor, epoch/torch for one dtype."""
    cfg = make_config({"hidden": HIDDEN, "activation": "relu", "lr": LR, "dtype": dtype, "epochs": 10**9})
    run = start_run(cfg, data)
    with threadpool_limits(threads, user_api="blas"):
        candidates = {"epoch": harness_epoch(run), "floor": floor_epoch(run), "torch": torch_epoch(run, threads)}
        times = timed_together({k: fn for k, fn in candidates.items() if fn}, reps)
    rows = [{"name": name, "dtype": dtype, "median_s": t[0], "min_s": t[1]} for name, t in times.items()]
    if "torch" in times:
        rows[-1]["blas"] = torch_version()  # torch brings its own BLAS
    for other in ("floor", "torch"):
        if other in times:
            ratio = times["epoch"][0] / times[other][0]
            rows.append({"name": f"epoch/{other}", "dtype": dtype, "value": ratio, "unit": "ratio",
                         "target": TARGETS[f"epoch/{other}"] if dtype == "float32" else "",
                         "note": f"ratio of minima {times['epoch'][1] / times[other][1]:.3f}"})
    if "torch" not in times:
        rows.append({"name": "torch", "dtype": dtype, "note": "skipped: torch not installed (pip install -e .[bench])"})
    return rows


def without_hints_rows(args):
    """The epoch rows measured again by a child process that does not see OPENBLAS_CORETYPE/L2_SIZE."""
    env = {k: v for k, v in os.environ.items() if k not in HINTS}
    with tempfile.TemporaryDirectory(prefix="study-bench-") as scratch:
        out = Path(scratch) / "bench.csv"
        command = [sys.executable, "-m", "study.bench", "--epochs-only", "--out", str(out),
                   "--reps", str(args.reps), "--threads", str(args.threads)]
        command += ["--data-dir", args.data_dir] if args.data_dir else []
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode:
            return [{"name": "epoch", "note": f"skipped: child failed: {done.stderr.strip()[-200:]}"}]
        with open(out, newline="") as handle:
            return list(csv.DictReader(handle))


def sweep_rows(args):
    """Throughput and memory rows, or one row saying why they were skipped."""
    try:
        return bench_sweep.throughput_rows(args.sweep_reps) + bench_sweep.memory_rows()
    except (RuntimeError, OSError, KeyError) as exc:
        return [{"name": "sweep", "note": f"skipped: {' '.join(str(exc).split())}"}]


def meets(target, value):
    """'yes' / 'no' for a target like '<= 1.3' and a measured value; '' when there is none."""
    if not target or value in (None, ""):
        return ""
    op, bound = target.split()
    return "yes" if COMPARE[op](float(value), float(bound)) else "no"


def show(rows):
    header = {k: k for k in COLUMNS}
    for row in [header, *rows]:
        cell = {k: "" if row.get(k) is None else row[k] for k in COLUMNS}
        for k in ("median_s", "min_s", "value"):
            cell[k] = f"{float(cell[k]):.3f}" if cell[k] not in ("", k) else cell[k]
        print(f"{cell['name']:<28}{cell['dtype']:<8}{cell['median_s']:>9}{cell['min_s']:>9}{cell['value']:>9} "
              f"{cell['unit']:<9}{cell['target']:<8}{cell['meets_target']:<13}{cell['openblas_env']:<13}"
              f"{cell['blas']:<34}{cell['note']}")


def write_rows(handle, rows):
    writer = csv.DictWriter(handle, COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)


def main(argv=None):
    args = parse_args(argv)
    data, source = load_data(args.data_dir)
    blas = blas_description(args.threads)
    hints = " ".join(f"{k}={os.environ[k]}" for k in HINTS if k in os.environ)
    context = {"threads": args.threads, "blas": blas, "data": source,
               "openblas_env": "hints set" if hints else "no hints"}
    if not args.epochs_only:
        print(f"NumPy BLAS: {blas} ({hints or 'no OpenBLAS hints in the environment'}); "
              f"{torch_version() or 'torch not installed'}, {args.threads} threads; data: {source}")
    rows = [{**context, **row} for dtype in DTYPES for row in epoch_rows(data, dtype, args.reps, args.threads)]
    if hints and not args.epochs_only:
        rows += [{**row, "openblas_env": "hints unset"} for row in without_hints_rows(args)]
    if not args.epochs_only:
        rows += [{**context, **row, "blas": ""} for row in sweep_rows(args)]
    rows = [{**row, "meets_target": meets(row.get("target"), row.get("value"))} for row in rows]
    write_atomic(args.out, lambda handle: write_rows(handle, rows))
    if not args.epochs_only:
        show(rows)
        print(f"-> {args.out}")


if __name__ == "__main__":
    main()
