"""A small results folder in the sweep's format, with known answers: for tests and demos.

python -m analysis synthetic FOLDER writes one; `python -m analysis FOLDER` then analyzes it.
Curves are made, not trained: cost = 2.3 exp(-rate t) + floor, with settings listed in `spiky`
getting a x3 spike every 7 epochs, `diverged` runs ending in inf and `failed` runs having no epochs.
Accuracies: test = clip(1 - 0.4 cost), validation = clip(1 - 0.42 cost) (blank when n_val = 0);
settings in `overfit` hold their mid-run validation and test accuracy and then lose OVERFIT_SLOPE per
epoch (train keeps rising), so their validation accuracy peaks at epoch epochs // 2.
`extra` adds grid axes beyond activation x lr x seed, e.g. {"hidden": ("32", "64")}.
"""

import csv
import itertools
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from results_io import write_atomic, write_csv, write_text

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
    train, val, test = accuracy_arrays(spec, np.atleast_2d(cost), t, np.array([(activation, lr) in spec.overfit]))
    return train[0], val[0], test[0]


def accuracy_arrays(spec, cost, t, overfit):
    """(train, val, test) accuracy, one row per run of `cost` (runs x epochs); `overfit`: which rows overfit."""
    test = np.clip(1.0 - 0.4 * cost, 0.1, 1.0)
    val = np.clip(1.0 - 0.42 * cost, 0.1, 1.0)
    train = np.minimum(test + 0.01, 1.0)
    if overfit.any():
        half = spec.epochs // 2
        loss = OVERFIT_SLOPE * np.clip(t - half, 0.0, None)
        late = overfit[:, None] & (t > half)
        test = np.where(late, test[:, half:half + 1] - loss, test)
        val = np.where(late, val[:, half:half + 1] - loss, val)
        train = np.where(overfit[:, None], np.minimum(train + loss, 1.0), train)
    return train, val, test


def curve_arrays(spec, settings):
    """{epoch column: runs x epochs array} of the made-up runs `settings` ((activation, lr, seed, ...) each).

    All runs at once: the same numbers, element by element, as one run at a time, in a fraction of
    the time (a 10,000-run folder is written in seconds, not minutes).
    """
    t = np.arange(spec.epochs + 1, dtype=float)
    activation = np.array([s[0] for s in settings], dtype=object)
    lr = np.array([s[1] for s in settings], dtype=float)[:, None]
    seed = np.array([s[2] for s in settings], dtype=float)[:, None]
    spiky, overfit, diverged = (np.array([tuple(s[:n]) in chosen for s in settings], dtype=bool)
                                for n, chosen in ((2, spec.spiky), (2, spec.overfit), (3, spec.diverged)))
    cost = 2.3 * np.exp(-(0.05 + 0.1 * lr) * t) + 0.05 + 0.01 * seed
    cost[np.ix_(spiky, np.arange(7, len(t), 7))] *= 3.0
    cost[diverged, -1] = np.inf
    train_acc, val_acc, test_acc = accuracy_arrays(spec, cost, t, overfit)
    blank = np.full_like(cost, np.nan)
    steps = np.broadcast_to(t, cost.shape)
    arrays = {"epoch": steps, "updates": steps, "train_cost": cost, "train_acc": train_acc,
              "val_cost": cost * 1.05 if spec.n_val else blank, "val_acc": val_acc if spec.n_val else blank,
              "test_cost": cost * 1.1, "test_acc": test_acc, "grad_norm": cost,
              "seconds": np.broadcast_to(0.1 * t, cost.shape)}
    if spec.sharpness_every:
        measured = t % spec.sharpness_every == 0
        # spiky settings sit at the edge of stability (stability 1.0); the others at 0.5
        stability = np.where(spiky, 1.0, 0.5)[:, None]
        arrays["sharpness"] = np.where(measured, 2 * stability / lr, np.nan)
        arrays["stability"] = np.where(measured, stability, np.nan)
    arrays["inactive_1"] = np.broadcast_to(np.where(activation == "relu", 0.1, 0.0)[:, None], cost.shape)
    return arrays


def curve(spec, activation, lr, seed):
    """Epoch rows of one made-up run."""
    return pd.DataFrame({name: values[0] for name, values in curve_arrays(spec, [(activation, lr, seed)]).items()})


def config(spec, activation, lr, seed, *extra):
    base = {"run_id": run_id(activation, lr, seed, *extra), "dataset": "mnist", "activation": activation, "lr": lr,
            "epochs": spec.epochs, "hidden": "32", "seed": seed, "n_train": 1000, "n_val": spec.n_val}
    return {**base, **dict(zip(spec.extra, extra))}


def epoch_table(spec, settings, configs, names):
    """(epochs.csv of the runs `settings`, their config columns `names` from `configs` repeated on each of
    their rows, in run order; each run's last test accuracy)."""
    arrays = curve_arrays(spec, settings)
    per_run = spec.epochs + 1
    columns = {name: pd.Series([cfg[name] for cfg in configs]).repeat(per_run).to_numpy() for name in names}
    columns.update((name, values.reshape(-1)) for name, values in arrays.items())
    return pd.DataFrame(columns), arrays["test_acc"][:, -1]


def as_text(values):
    """A column's values as CSV text, as pandas writes them (blank for NaN), each distinct value formatted once."""
    values = np.asarray(values)
    floats = values.dtype.kind == "f"  # told apart by bit pattern, so that -0.0 stays "-0.0"
    where, distinct = pd.factorize(values.view(np.int64) if floats else values, use_na_sentinel=False)
    distinct = np.asarray(distinct).view(values.dtype) if floats else np.asarray(distinct)
    words = distinct.astype(str).astype(object)
    words[pd.isna(distinct)] = ""
    return words[where]


def write_table(path, frame):
    """frame as CSV, the bytes pandas' to_csv(index=False) writes, but several times faster on a table
    of millions of rows whose columns repeat their values (the formatting of numbers is most of the cost)."""
    def write(handle):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(frame.columns)
        writer.writerows(zip(*(as_text(frame[column]) for column in frame.columns)))

    return write_atomic(path, write)


def write_synthetic(folder, spec=None, write_runs=True, manifest=True):
    """Write epochs.csv, runs.csv (unless write_runs is False) and manifest.json of `spec` into folder."""
    spec = spec or Synthetic()
    settings = spec.settings()
    grid = [config(spec, *setting) for setting in settings]
    trained = [i for i, (activation, lr, seed, *_) in enumerate(settings) if (activation, lr, seed) not in spec.failed]
    epochs, final_test_acc = epoch_table(spec, [settings[i] for i in trained], [grid[i] for i in trained],
                                          list(grid[0]) if grid else [])
    final = dict(zip(trained, final_test_acc))
    runs = []
    for i, ((activation, lr, seed, *_), cfg) in enumerate(zip(settings, grid)):
        if i not in final:
            runs.append({**cfg, "status": "failed", "error": "MemoryError: made up"})
            continue
        diverged = (activation, lr, seed) in spec.diverged
        runs.append({**cfg, "status": "diverged" if diverged else "ok", "final_test_acc": final[i], "error": ""})
    write_table(f"{folder}/epochs.csv", epochs)
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
