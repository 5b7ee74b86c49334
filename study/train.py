"""One full-batch gradient-descent run: config + dataset -> one row per epoch."""

import time
from dataclasses import dataclass

import numpy as np

from study.activations import get_activation
from study.data import N_CLASSES, stratified_subset
from study.mlp import Workspace, cost_and_grad, evaluate, init_params, layer_sizes, step

# A run diverges when its training cost is non-finite or exceeds this multiple of its epoch-0 cost
# (about 23 for MNIST: the network is then confidently wrong on most images).
DIVERGENCE_FACTOR = 10.0
# A hidden unit is inactive when |f'(z)| stays within this of its floor on every training sample.
INACTIVE_TOLERANCE = 1e-3
EPOCH_COLUMNS = [
    "epoch", "train_cost", "train_acc", "test_cost", "test_acc", "grad_norm", "seconds",
    "sharpness", "stability",
]


@dataclass
class RunResult:
    rows: list  # one dict per recorded epoch, keys EPOCH_COLUMNS + inactive_<layer>
    status: str  # ok | diverged
    diverged_at: int | None
    seconds: float


def training_set(cfg, data, rng):
    """The (X, y) this run trains on: all of it, or a stratified subset of n_train."""
    X, y = data.X_train, data.y_train
    if cfg.n_train:
        keep = stratified_subset(y, cfg.n_train, rng)
        X, y = X[keep], y[keep]
    return np.asarray(X, dtype=cfg.dtype), y


def diverged(cost, first_cost):
    return not np.isfinite(cost) or cost > DIVERGENCE_FACTOR * first_cost


def derivative_floor(f_prime, dtype):
    """|f'| far on the negative side: 0 for most activations, the slope for leaky relu."""
    return float(abs(f_prime(np.array([-1e4], dtype=dtype))[0]))


def inactive_fractions(derivatives, floor):
    """Per hidden layer, the fraction of units whose |f'(z)| is near its floor on every sample."""
    fractions = {}
    for layer, fz in enumerate(derivatives, start=1):
        largest = np.maximum(fz.max(axis=0), -fz.min(axis=0))  # max |f'| per unit, no temp array
        fractions[f"inactive_{layer}"] = float(np.mean(largest <= floor + INACTIVE_TOLERANCE))
    return fractions


def make_sharpness_probe(cfg, data, sizes, f, f_prime, rng):
    """A callable theta -> top Hessian eigenvalue, or None when sharpness tracking is off."""
    if not cfg.sharpness_every:
        return None
    from study.sharpness import SharpnessProbe  # only runs that track sharpness need it

    keep = stratified_subset(data.y_train, min(cfg.sharpness_samples, len(data.y_train)), rng)
    return SharpnessProbe(sizes, data.X_train[keep], data.y_train[keep], f, f_prime, rng)


def train(cfg, data, on_epoch=None):
    """Train one network as `cfg` says; `on_epoch(row)` is called after every recorded epoch."""
    data_rng, init_rng, probe_rng = np.random.default_rng(cfg.seed).spawn(3)
    X, y = training_set(cfg, data, data_rng)
    X_test = np.asarray(data.X_test, dtype=cfg.dtype)
    f, f_prime = get_activation(cfg.activation, cfg.leaky_slope)
    sizes = layer_sizes(X.shape[1], cfg.hidden, N_CLASSES)
    theta = init_params(sizes, cfg.resolved_init, init_rng, cfg.dtype)
    grad = np.empty_like(theta)
    ws, ws_test = Workspace(sizes, len(X), cfg.dtype), Workspace(sizes, len(X_test), cfg.dtype)
    probe = make_sharpness_probe(cfg, data, sizes, f, f_prime, probe_rng)
    floor = derivative_floor(f_prime, cfg.dtype)
    rows, status, diverged_at = [], "ok", None
    start = time.perf_counter()
    with np.errstate(all="ignore"):  # a diverging run is detected below, not announced by warnings
        for epoch in range(cfg.epochs + 1):
            train_cost, train_acc, _ = cost_and_grad(theta, sizes, X, y, f, f_prime, ws, grad)
            test_cost, test_acc = evaluate(theta, sizes, X_test, data.y_test, f, ws_test)
            row = {
                "epoch": epoch, "train_cost": train_cost, "train_acc": train_acc,
                "test_cost": test_cost, "test_acc": test_acc,
                "grad_norm": float(np.sqrt(np.dot(grad, grad))),
                "seconds": 0.0, "sharpness": None, "stability": None,
                **inactive_fractions(ws.Z, floor),
            }
            is_diverged = diverged(train_cost, rows[0]["train_cost"] if rows else train_cost)
            if probe and not is_diverged and epoch % cfg.sharpness_every == 0:
                row["sharpness"] = probe(theta)
                row["stability"] = cfg.lr * row["sharpness"] / 2
            row["seconds"] = round(time.perf_counter() - start, 4)
            rows.append(row)
            if on_epoch:
                on_epoch(row)
            if is_diverged:
                status, diverged_at = "diverged", epoch
                break
            if epoch < cfg.epochs:
                step(theta, grad, cfg.lr)
    return RunResult(rows, status, diverged_at, time.perf_counter() - start)


SUMMARY_KEYS = (
    "status", "diverged_at", "epochs_run", "final_train_cost", "final_train_acc", "final_test_cost",
    "final_test_acc", "best_train_cost", "best_train_acc", "best_test_cost", "best_test_acc", "wall_seconds",
)


def summarize(result):
    """Final and best costs and accuracies of a run, for its one-line summary and runs.csv."""
    last = result.rows[-1]

    def best(key, pick):
        values = [r[key] for r in result.rows if np.isfinite(r[key])]
        return pick(values) if values else None

    return {
        "status": result.status,
        "diverged_at": result.diverged_at,
        "epochs_run": last["epoch"],
        "final_train_cost": last["train_cost"], "final_train_acc": last["train_acc"],
        "final_test_cost": last["test_cost"], "final_test_acc": last["test_acc"],
        "best_train_cost": best("train_cost", min), "best_train_acc": best("train_acc", max),
        "best_test_cost": best("test_cost", min), "best_test_acc": best("test_acc", max),
        "wall_seconds": round(result.seconds, 3),
    }
