"""A small results folder in the sweep's format, with known answers: for tests and demos.

python -m analysis.synthetic FOLDER writes one; `python -m analysis FOLDER` then analyzes it.
Curves are made, not trained: cost = 2.3 exp(-rate t) + floor, with settings listed in `spiky`
getting a x3 spike every 7 epochs, `diverged` runs ending in inf and `failed` runs having no epochs.
"""

import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.output import write_csv, write_text


@dataclass
class Synthetic:
    activations: tuple = ("relu", "tanh")
    lrs: tuple = (0.1, 1.0)
    seeds: tuple = (0, 1)
    epochs: int = 30
    spiky: set = field(default_factory=lambda: {("relu", 1.0)})  # (activation, lr) with spikes
    diverged: set = field(default_factory=set)  # (activation, lr, seed) that blow up at the end
    failed: set = field(default_factory=set)  # (activation, lr, seed) with no epoch rows
    sharpness_every: int = 0

    def settings(self):
        return [(a, lr, s) for a in self.activations for lr in self.lrs for s in self.seeds]


def run_id(activation, lr, seed):
    return f"{activation}-{lr:g}-{seed}"


def curve(spec, activation, lr, seed):
    """Epoch rows of one made-up run."""
    t = np.arange(spec.epochs + 1, dtype=float)
    cost = 2.3 * np.exp(-(0.05 + 0.1 * lr) * t) + 0.05 + 0.01 * seed
    if (activation, lr) in spec.spiky:
        cost[7::7] *= 3.0
    if (activation, lr, seed) in spec.diverged:
        cost[-1] = np.inf
    test_acc = np.clip(1.0 - 0.4 * cost, 0.1, 1.0)
    rows = {"epoch": t, "train_cost": cost, "train_acc": np.minimum(test_acc + 0.01, 1.0),
            "test_cost": cost * 1.1, "test_acc": test_acc, "grad_norm": cost, "seconds": 0.1 * t}
    if spec.sharpness_every:
        measured = t % spec.sharpness_every == 0
        # spiky settings sit at the edge of stability (stability 1.0); the others at 0.5
        stability = 1.0 if (activation, lr) in spec.spiky else 0.5
        rows["sharpness"] = np.where(measured, 2 * stability / lr, np.nan)
        rows["stability"] = np.where(measured, stability, np.nan)
    rows["inactive_1"] = np.full_like(t, 0.1 if activation == "relu" else 0.0)
    return pd.DataFrame(rows)


def config(spec, activation, lr, seed):
    return {"run_id": run_id(activation, lr, seed), "dataset": "mnist", "activation": activation, "lr": lr,
            "epochs": spec.epochs, "hidden": "32", "seed": seed, "n_train": 1000}


def write_synthetic(folder, spec=None, write_runs=True):
    """Write epochs.csv (and runs.csv unless write_runs is False) of `spec` into folder."""
    spec = spec or Synthetic()
    runs, epochs = [], []
    for activation, lr, seed in spec.settings():
        cfg = config(spec, activation, lr, seed)
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
    write_text(f"{folder}/manifest.json", '{"experiment": {"name": "synthetic"}}')
    return spec


if __name__ == "__main__":
    write_synthetic(sys.argv[1], Synthetic(sharpness_every=5, diverged={("tanh", 1.0, 1)},
                                           failed={("tanh", 0.1, 0)}))
