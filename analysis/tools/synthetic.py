"""A small results folder in the sweep's format, with known answers: for tests and demos.

python -m analysis synthetic FOLDER writes one; `python -m analysis FOLDER` then analyzes it.
Curves are made, not trained: cost = 2.3 exp(-rate t) + floor, with settings listed in `spiky`
getting a x3 spike every 7 epochs, `diverged` runs ending in inf and `failed` runs having no epochs.
Accuracies: test = clip(1 - 0.4 cost), validation = clip(1 - 0.42 cost) (blank when n_val = 0);
settings in `overfit` hold their mid-run validation and test accuracy and then lose OVERFIT_SLOPE per
epoch (train keeps rising), so their validation accuracy peaks at epoch epochs // 2.
`extra` adds grid axes beyond activation x lr x seed, e.g. {"hidden": ("32", "64")}.
"""

import itertools
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from results_io import write_csv, write_text

OVERFIT_SLOPE = 0.001  # accuracy an `overfit` setting loses per epoch after mid-run


@dataclass
class Synthetic:
    activations: tuple = ("relu", "tanh")
    lrs: tuple = (0.1, 1.0)
    seeds: tuple = (0, 1)
    epochs: int = 30
    spiky: set = field(default_factory=lambda: {("relu", 1.0)})  # (activation, lr) with spikes
    diverged: set = field(default_factory=set)  # (activation, lr, seed) that blow up at the end
    failed: set = field(default_factory=set)  # (activation, lr, seed) with no epoch rows
    overfit: set = field(default_factory=set)  # (activation, lr) whose val/test accuracy peaks mid-run
    sharpness_every: int = 0
    n_val: int = 100  # 0: val_cost and val_acc are blank, as the trainer writes them without a split
    extra: dict = field(default_factory=dict)  # axis -> values, crossed with the other axes

    def settings(self):
        """(activation, lr, seed) per run; with extra axes, (activation, lr, seed, *extra values)."""
        extras = list(itertools.product(*self.extra.values()))
        return [(a, lr, s, *x) for a in self.activations for lr in self.lrs for s in self.seeds for x in extras]


def run_id(activation, lr, seed, *extra):
    return "-".join([activation, f"{lr:g}", str(seed), *map(str, extra)])


def accuracy_curves(spec, activation, lr, cost, t):
    """(train, val, test) accuracy of one made-up run from its cost curve."""
    test = np.clip(1.0 - 0.4 * cost, 0.1, 1.0)
    val = np.clip(1.0 - 0.42 * cost, 0.1, 1.0)
    train = np.minimum(test + 0.01, 1.0)
    if (activation, lr) in spec.overfit:
        half = spec.epochs // 2
        loss = OVERFIT_SLOPE * np.clip(t - half, 0.0, None)
        test = np.where(t > half, test[half] - loss, test)
        val = np.where(t > half, val[half] - loss, val)
        train = np.minimum(train + loss, 1.0)
    return train, val, test


def curve(spec, activation, lr, seed):
    """Epoch rows of one made-up run."""
    t = np.arange(spec.epochs + 1, dtype=float)
    cost = 2.3 * np.exp(-(0.05 + 0.1 * lr) * t) + 0.05 + 0.01 * seed
    if (activation, lr) in spec.spiky:
        cost[7::7] *= 3.0
    if (activation, lr, seed) in spec.diverged:
        cost[-1] = np.inf
    train_acc, val_acc, test_acc = accuracy_curves(spec, activation, lr, cost, t)
    blank = np.full_like(t, np.nan)
    rows = {"epoch": t, "updates": t, "train_cost": cost, "train_acc": train_acc,
            "val_cost": cost * 1.05 if spec.n_val else blank, "val_acc": val_acc if spec.n_val else blank,
            "test_cost": cost * 1.1, "test_acc": test_acc, "grad_norm": cost, "seconds": 0.1 * t}
    if spec.sharpness_every:
        measured = t % spec.sharpness_every == 0
        # spiky settings sit at the edge of stability (stability 1.0); the others at 0.5
        stability = 1.0 if (activation, lr) in spec.spiky else 0.5
        rows["sharpness"] = np.where(measured, 2 * stability / lr, np.nan)
        rows["stability"] = np.where(measured, stability, np.nan)
    rows["inactive_1"] = np.full_like(t, 0.1 if activation == "relu" else 0.0)
    return pd.DataFrame(rows)


def config(spec, activation, lr, seed, *extra):
    base = {"run_id": run_id(activation, lr, seed, *extra), "dataset": "mnist", "activation": activation, "lr": lr,
            "epochs": spec.epochs, "hidden": "32", "seed": seed, "n_train": 1000, "n_val": spec.n_val}
    return {**base, **dict(zip(spec.extra, extra))}


def write_synthetic(folder, spec=None, write_runs=True, manifest=True):
    """Write epochs.csv, runs.csv (unless write_runs is False) and manifest.json of `spec` into folder."""
    spec = spec or Synthetic()
    runs, epochs, grid = [], [], []
    for activation, lr, seed, *extra in spec.settings():
        cfg = config(spec, activation, lr, seed, *extra)
        grid.append(cfg)
        if (activation, lr, seed) in spec.failed:
            runs.append({**cfg, "status": "failed", "error": "MemoryError: made up"})
            continue
        rows = curve(spec, activation, lr, seed)
        epochs.append(rows.assign(**cfg)[[*cfg, *rows.columns]])
        diverged = (activation, lr, seed) in spec.diverged
        runs.append({**cfg, "status": "diverged" if diverged else "ok",
                     "final_test_acc": rows["test_acc"].iloc[-1], "error": ""})
    write_csv(f"{folder}/epochs.csv", pd.concat(epochs, ignore_index=True))
    if write_runs:
        write_csv(f"{folder}/runs.csv", pd.DataFrame(runs))
    if manifest:
        document = {"experiment": {"name": "synthetic"}, "grid": grid}
        write_text(f"{folder}/manifest.json", json.dumps(document, indent=1))
    return spec


def add_arguments(parser):
    parser.add_argument("folder", help="the folder to write (created if needed)")


def run(args):
    write_synthetic(args.folder, Synthetic(sharpness_every=5, diverged={("tanh", 1.0, 1)}, failed={("tanh", 0.1, 0)},
                                           overfit={("tanh", 1.0)}))
    print(f"wrote a synthetic results folder into {args.folder}; analyse it with python -m analysis {args.folder}")
    return 0
