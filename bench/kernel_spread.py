"""How far the same computation moves across BLAS kernels and thread counts (`make spread`).

python -m bench.kernel_spread [--mnist]

Every BLAS kernel sums a matrix product in its own order, and so does every thread count, so the
last bits of a trajectory depend on the machine. This measures by how much, to set the tolerance
of the stored-trajectory test (tests/test_gd_reference.py) from a measurement instead of a guess:

- trajectories: the stored full-batch gd runs (relu lr 0.5 float32 and float64, tanh lr 1
  float64; 20 epochs on a fixed 200-sample problem) are recomputed in a child process per
  OpenBLAS kernel (what it picks by itself, Haswell, Sandybridge) x BLAS threads (1, 2); each
  column's largest relative distance to tests/data/gd_trajectory.json is printed, next to the
  distance a one-line change of the update (lr x 1.001) makes.
- --mnist: one smooth (relu lr 0.1) and one spiky (relu lr 0.5) run on MNIST (the 50,000 training
  images of `main`, 200 epochs, seed 1) per kernel x threads: how far their final and validation-chosen
  accuracies move (docs/reproducibility.md). Needs STUDY_DATA_DIR; about 20 minutes on 2 cores.

OpenBLAS reads OPENBLAS_CORETYPE when it is loaded, so each combination runs in its own process.
Nothing here sets these variables for the tests or CI: it is a measurement run by hand.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

STORED_PATH = Path(__file__).resolve().parents[1] / "tests" / "data" / "gd_trajectory.json"
KERNELS = (None, "Haswell", "Sandybridge")  # None: the kernel OpenBLAS picks for this CPU
THREADS = (1, 2)
COLUMNS = ("train_cost", "train_acc", "test_cost", "test_acc", "grad_norm")
MNIST_RUNS = {"smooth": {"activation": "relu", "lr": 0.1}, "spiky": {"activation": "relu", "lr": 0.5}}
MNIST_BASE = {"epochs": 200, "n_train": 0, "n_val": 10000, "hidden": [128, 64], "seed": 1}
# Relative distances are measured against max(|reference|, FLOOR): a cost or norm near 0 has no
# meaningful relative error, and every stored value is far above this.
FLOOR = 1e-3


def reference_dataset():
    """200 training and 100 test samples of a 10-class, 20-feature problem, fixed by seed 7."""
    from study.data.datasets import Dataset

    rng = np.random.default_rng(7)
    prototypes = rng.uniform(0, 1, size=(10, 20))

    def split(n):
        y = np.arange(n) % 10
        rng.shuffle(y)
        X = np.clip(prototypes[y] + rng.normal(0, 0.15, size=(n, 20)), 0, 1)
        return X, y.astype(np.int64)

    X_train, y_train = split(200)
    X_test, y_test = split(100)
    return Dataset("synthetic", Path("."), X_train, y_train, X_test, y_test, {"train_images_in_test": 0})


def reference_config(key):
    """The run a stored trajectory key ('relu-0.5-float32') names: 20 full-batch gd epochs, no validation."""
    from study.config import make_config

    activation, lr, dtype = key.split("-")
    return make_config({"activation": activation, "lr": float(lr), "epochs": 20, "hidden": [16, 8], "seed": 3,
                        "dtype": dtype, "n_val": 0, "optimizer": "gd", "batch_size": 0})


def stored():
    return json.loads(STORED_PATH.read_text())


def trajectory(key, data=None):
    """{column: [value per epoch]} of the stored run `key`, computed now."""
    from study.training.train import train

    rows = train(reference_config(key), data or reference_dataset()).rows
    return {column: [float(row[column]) for row in rows] for column in COLUMNS}


def relative_distance(got, want):
    """Largest |got - want| / max(|want|, FLOOR) over the epochs; inf when the lengths differ."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return np.inf
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), FLOOR)))


def blas_name():
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p["user_api"] == "blas"]
    return f"{pools[0]['internal_api']} {pools[0]['version']} {pools[0].get('architecture')}" if pools else "?"


def child(what, threads):
    """In a child process: the measurements under this process's kernel, as JSON on stdout."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        if what == "trajectories":
            data = reference_dataset()
            found = {key: trajectory(key, data) for key in stored()}
        else:
            found = mnist_runs()
    print(json.dumps({"blas": blas_name(), "found": found}))


def mnist_runs():
    """{name: final and validation-chosen accuracies} of the MNIST runs of MNIST_RUNS."""
    from study.config import make_config
    from study.data import datasets
    from study.training.train import train

    data = datasets.load("mnist", download=False)
    found = {}
    for name, settings in MNIST_RUNS.items():
        rows = train(make_config({**MNIST_BASE, **settings}), data).rows
        val = np.array([row["val_acc"] for row in rows])
        best = int(np.argmax(val))
        found[name] = {"final_test_acc": rows[-1]["test_acc"], "final_val_acc": rows[-1]["val_acc"],
                       "best_val_epoch": best, "best_val_acc": float(val[best]),
                       "test_acc_at_best_val": rows[best]["test_acc"], "final_train_cost": rows[-1]["train_cost"]}
    return found


def measure(what, kernel, threads):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    if kernel:
        env["OPENBLAS_CORETYPE"] = kernel
    done = subprocess.run([sys.executable, "-m", "bench.kernel_spread", "--child", what, "--threads", str(threads)],
                          capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"child ({kernel or 'default'}, {threads} threads) failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def mutated_distance():
    """{key: {column: distance}} between the stored runs and the same runs with lr x 1.001."""
    from dataclasses import replace

    from study.training.train import train

    data, found = reference_dataset(), {}
    for key, columns in stored().items():
        cfg = reference_config(key)
        rows = train(replace(cfg, lr=cfg.lr * 1.001), data).rows
        found[key] = {c: relative_distance([float(r[c]) for r in rows], columns[c]) for c in COLUMNS}
    return found


def trajectories_report():
    want = stored()
    print("largest relative distance to tests/data/gd_trajectory.json (|x - stored| / max(|stored|, 1e-3))")
    print(f"{'kernel':<12}{'threads':>8}  {'blas':<32}{'run':<18}" + "".join(f"{c:>12}" for c in COLUMNS))
    worst = {key: dict.fromkeys(COLUMNS, 0.0) for key in want}
    for kernel in KERNELS:
        for threads in THREADS:
            result = measure("trajectories", kernel, threads)
            for key, columns in result["found"].items():
                dist = {c: relative_distance(columns[c], want[key][c]) for c in COLUMNS}
                for c in COLUMNS:
                    worst[key][c] = max(worst[key][c], dist[c])
                print(f"{kernel or 'default':<12}{threads:>8}  {result['blas']:<32}{key:<18}"
                      + "".join(f"{dist[c]:>12.2e}" for c in COLUMNS))
    print("\nworst over kernels and threads, and the distance lr x 1.001 makes:")
    mutated = mutated_distance()
    for key in want:
        print(f"{key:<18} worst " + " ".join(f"{c} {worst[key][c]:.2e}" for c in COLUMNS))
        print(f"{'':<18} lr x 1.001 " + " ".join(f"{c} {mutated[key][c]:.2e}" for c in COLUMNS))


def mnist_report():
    print("MNIST, 50,000 training images, 200 epochs, seed 1: accuracies per kernel x threads (%)")
    results = {(k, t): measure("mnist", k, t) for k in KERNELS for t in THREADS}
    for name in MNIST_RUNS:
        print(f"\n{name} ({MNIST_RUNS[name]})")
        print(f"{'kernel':<12}{'threads':>8}  {'blas':<32}{'final test':>12}{'final val':>11}{'val epoch':>11}"
              f"{'best val':>10}{'test there':>12}")
        for (kernel, threads), result in results.items():
            r = result["found"][name]
            print(f"{kernel or 'default':<12}{threads:>8}  {result['blas']:<32}{100 * r['final_test_acc']:>12.2f}"
                  f"{100 * r['final_val_acc']:>11.2f}{r['best_val_epoch']:>11}{100 * r['best_val_acc']:>10.2f}"
                  f"{100 * r['test_acc_at_best_val']:>12.2f}")
        for column in ("final_test_acc", "test_acc_at_best_val", "best_val_acc"):
            values = [100 * result["found"][name][column] for result in results.values()]
            print(f"  {column}: range {max(values) - min(values):.2f} points "
                  f"({min(values):.2f} to {max(values):.2f})")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.kernel_spread", description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", action="store_true", help="also the MNIST runs (needs STUDY_DATA_DIR)")
    parser.add_argument("--child", choices=("trajectories", "mnist"), help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.threads)
    trajectories_report()
    if args.mnist:
        print()
        mnist_report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
