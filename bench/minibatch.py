"""Mini-batch epoch against full-batch epoch: `python -m bench.minibatch` (bench.minibatch.main).

784-128-64-10 relu, float32, on MNIST's 60,000 training images (n_val 0, so an epoch is every
training image; random data of that shape when MNIST is not found: the `data` column says which).
Every candidate is the trainer's own code path, study.training.run.run_epoch on a run made by
study.training.start.start_run, one call per epoch as train() makes it:
  full batch gd      measure (forward + backward on train, forward on test), then one update;
  batch B gd         measure (forward on train and test), then ceil(60,000 / B) updates (SGD);
  batch B momentum   the same with heavy-ball updates;  batch B adam  with Adam's.
Two more candidates time only their matrix products (into the runs' own buffers), which shows how
much of the ratio is the work itself: a mini-batch epoch still measures the row with a forward
pass over the whole training set, then does a forward and a backward pass over it in batches, where
full batch does one forward and one backward pass (784-128-64-10: about 1.45x the multiply-adds).
They are timed side by side in one process, round-robin (a rep of each, then the next rep) so that
load from other processes hits all alike: median and minimum of --reps after one warm-up epoch,
and the median CPU time of this process (time.process_time), which other processes' load does not
inflate the way it inflates wall time (with one BLAS thread it is the work done; with more it also
counts the BLAS threads' busy-waiting).
The ratio of medians mini-batch / full batch has the issue's target (<= 1.5) for batch B gd.
"""

import argparse
import math
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from bench.epoch import blas_description, harness_epoch, load_data
from bench.table import show, with_verdicts, write_rows
from results_io import write_atomic
from study.config import make_config
from study.net.mlp import layers
from study.training.start import start_run

HIDDEN = [128, 64]
DTYPE = "float32"
BATCH_SIZE = 128
TARGET = "<= 1.5"  # mini-batch gd epoch / full-batch gd epoch (issue 13)
FULL = "full batch gd"
FULL_FLOOR, BATCH_FLOOR = "full batch matmuls", "batch {} matmuls"
# candidate -> (optimizer, learning rate): small rates, so that no timed epoch diverges
UPDATE_RULES = {"gd": 0.01, "momentum": 0.01, "adam": 0.001}


def candidates(batch_size):
    """{name: run settings}: full-batch gd, then each update rule on mini-batches of batch_size."""
    found = {FULL: {"optimizer": "gd", "lr": UPDATE_RULES["gd"], "batch_size": 0}}
    for optimizer, lr in UPDATE_RULES.items():
        found[f"batch {batch_size} {optimizer}"] = {"optimizer": optimizer, "lr": lr, "batch_size": batch_size}
    return found


def new_run(data, settings, n_val):
    cfg = make_config({"hidden": HIDDEN, "activation": "relu", "dtype": DTYPE, "epochs": 10**9, "n_val": n_val,
                       **settings})
    return start_run(cfg, data)


def forward_products(X, ws, weights):
    """The forward pass's matrix products into ws: [X, H_1, ..., logits]."""
    inputs = [X]
    for W, out in zip(weights, [*ws.H, ws.logits]):
        inputs.append(np.matmul(inputs[-1], W, out=out))
    return inputs


def backward_products(inputs, ws, weights, weight_grads):
    """The backward pass's products: each layer's weight gradient, and the delta of the layer below."""
    *inputs, delta = inputs
    for layer in reversed(range(len(weights))):
        np.matmul(inputs[layer].T, delta, out=weight_grads[layer])
        if layer:
            delta = np.matmul(delta, weights[layer].T, out=ws.Z[layer - 1])


def floor_epoch(run):
    """Only the matrix products of one epoch of `run`, full batch or mini-batch (theta is not changed)."""
    weights = [W for W, _ in layers(run.theta, run.sizes)]
    weight_grads = [gW for gW, _ in layers(run.grad, run.sizes)]
    forward_only = [(X, ws) for X, ws in ((run.X_val, run.ws_val), (run.X_test, run.ws_test)) if len(X)]
    if run.batches:
        forward_only.insert(0, (run.X, run.ws))  # the row is measured by its own pass over the training set
        size = run.batches.size
        trained = [(run.X[s:s + size], run.batches.ws.head(min(size, len(run.X) - s)))
                   for s in range(0, len(run.X), size)]
    else:
        trained = [(run.X, run.ws)]

    def epoch():
        for X, ws in forward_only:
            forward_products(X, ws, weights)
        for X, ws in trained:
            backward_products(forward_products(X, ws, weights), ws, weights, weight_grads)

    return epoch


def updates_per_epoch(run):
    return math.ceil(len(run.y) / run.batches.size) if run.batches else 1


def epochs_to_time(runs, batch_size):
    """{name: callable doing one epoch}: each run's own epoch, then the two matmul floors."""
    epochs = {name: harness_epoch(run) for name, run in runs.items()}
    epochs[FULL_FLOOR] = floor_epoch(runs[FULL])
    epochs[BATCH_FLOOR.format(batch_size)] = floor_epoch(runs[f"batch {batch_size} gd"])
    return epochs


def timed_together(candidates, reps):
    """{name: (median wall s, min wall s, median CPU s)}; one warm-up each, then reps round-robin."""
    wall, cpu = ({name: [] for name in candidates} for _ in range(2))
    for epoch in candidates.values():
        epoch()
    for _ in range(reps):
        for name, epoch in candidates.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            epoch()
            wall[name].append(time.perf_counter() - start_wall)
            cpu[name].append(time.process_time() - start_cpu)
    return {name: (statistics.median(wall[name]), min(wall[name]), statistics.median(cpu[name])) for name in wall}


def ratio_row(label, times, name, reference, target=""):
    (median, least, cpu), (ref_median, ref_least, ref_cpu) = times[name], times[reference]
    return {"name": label, "dtype": DTYPE, "value": median / ref_median, "unit": "ratio", "target": target,
            "note": f"ratio of minima {least / ref_least:.3f}, of CPU times {cpu / ref_cpu:.3f}"}


def minibatch_rows(data, reps, threads, batch_size=BATCH_SIZE, n_val=0):
    """One row per candidate (median and minimum seconds per epoch), then each ratio to full batch."""
    runs = {name: new_run(data, settings, n_val) for name, settings in candidates(batch_size).items()}
    with threadpool_limits(threads, user_api="blas"):
        times = timed_together(epochs_to_time(runs, batch_size), reps)
    rows = [{"name": name, "dtype": DTYPE, "median_s": t[0], "min_s": t[1], "note": f"CPU {t[2]:.3f} s"}
            for name, t in times.items()]
    for row in rows[:len(runs)]:
        run = runs[row["name"]]
        row["note"] += (f"; {updates_per_epoch(run)} update(s) per epoch on {len(run.y)} images, "
                        f"measured on {len(run.y) + len(run.y_val) + len(run.y_test)}")
    for name in list(runs)[1:]:
        rows.append(ratio_row(f"{name} / full", times, name, FULL, TARGET if name.endswith(" gd") else ""))
    rows.append(ratio_row(f"matmuls: batch {batch_size} / full", times, BATCH_FLOOR.format(batch_size), FULL_FLOOR))
    return rows


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.minibatch", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[1:]))
    p.add_argument("--reps", type=int, default=5, help="timed epochs of each candidate after a warm-up (default 5)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="BLAS threads (default: cores)")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"images per update (default {BATCH_SIZE})")
    p.add_argument("--n-val", type=int, default=0,
                   help="validation images held out (default 0: the epoch trains on all 60,000)")
    p.add_argument("--data-dir", help="folder holding mnist/ (default: $STUDY_DATA_DIR, cache)")
    p.add_argument("--out", help="also write the rows to this CSV file")
    args = p.parse_args(argv)
    if min(args.reps, args.threads, args.batch_size) < 1 or args.n_val < 0:
        p.error("--reps, --threads and --batch-size must be at least 1, --n-val at least 0")
    return args


def main(argv=None):
    """Time the candidates, print the table (and write --out); returns the rows."""
    args = parse_args(argv)
    data, source = load_data(args.data_dir)
    load_before = os.getloadavg()[0]
    rows = minibatch_rows(data, args.reps, args.threads, args.batch_size, args.n_val)
    context = {"threads": args.threads, "blas": blas_description(args.threads), "data": source}
    rows = with_verdicts([{**context, **row} for row in rows])
    print(f"mini-batch vs full-batch epoch: 784-{'-'.join(map(str, HIDDEN))}-10 relu {DTYPE}, {source} data, "
          f"{args.threads} BLAS thread(s), median of {args.reps}; 1-minute load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")
    show(rows)
    if args.out:
        write_atomic(args.out, lambda handle: write_rows(handle, rows))
        print(f"-> {args.out}")
    return rows


if __name__ == "__main__":
    main()
