"""Epoch rows: the trainer's epoch against its matmul floor and PyTorch, float32 and float64.

784-256-128-10 relu on N = 60,000 (real MNIST, or random data of the same shape when MNIST is not
found: the `data` column says which), no validation set (n_val 0), so that the epoch is exactly:
  epoch  the trainer's own code path, study.training.run.run_epoch, as train() calls it: forward, backward,
         the per-epoch train/test cost and accuracy, gradient norm, inactive units, the update;
  floor  only the 11 matrix products that epoch needs (training set: 3 forward, 3 weight gradients,
         2 back-propagations; test set: 3 forward), NumPy, into the run's own buffers;
  torch  the same epoch in PyTorch on the CPU (bench/torch_epoch.py), when torch is installed.
They are timed side by side in one process, round-robin (a rep of each, then the next rep) so that
load from other processes hits all three alike: median and minimum of --reps after a warm-up.
"""

import itertools
import statistics
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from bench.torch_epoch import torch_epoch, torch_version
from study.config import make_config
from study.data import datasets
from study.data.idx import DataError
from study.net.mlp import layers
from study.training.run import run_epoch
from study.training.start import start_run

HIDDEN = [256, 128]
LR = 0.01  # small, so that no timed epoch diverges
DTYPES = ("float32", "float64")
TARGETS = {"epoch/floor": "<= 1.3", "epoch/torch": "<= 0.8"}  # float32


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
        for k in reversed(range(len(weights))):
            np.matmul(inputs[k].T, delta, out=weight_grads[k])
            if k:
                delta = np.matmul(delta, weights[k].T, out=run.ws.Z[k - 1])
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


def timing_rows(data, dtype, reps, threads):
    """epoch, floor, torch and the ratios epoch/floor, epoch/torch for one dtype."""
    cfg = make_config({"hidden": HIDDEN, "activation": "relu", "lr": LR, "dtype": dtype, "epochs": 10**9,
                       "n_val": 0})
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
        rows.append({"name": "torch", "dtype": dtype,
                     "note": "skipped: torch not installed (pip install -e .[bench])"})
    return rows


def epoch_part_rows(data_dir, reps, threads):
    """(every dtype's timing rows, each with its `data` source)."""
    data, source = load_data(data_dir)
    return [{**row, "data": source} for dtype in DTYPES for row in timing_rows(data, dtype, reps, threads)]
