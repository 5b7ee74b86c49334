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
        # max |f'| per unit, without an |f'| temporary
        largest = np.maximum(column_reduce(np.maximum, fz), -column_reduce(np.minimum, fz))
        fractions[f"inactive_{layer}"] = float(np.mean(largest <= floor + INACTIVE_TOLERANCE))
    return fractions


def column_reduce(ufunc, a, block=32):
    """ufunc.reduce(a, axis=0), same result, ~3x faster on (60000, 256): rows of `block` samples.

    numpy reduces a C-ordered array over axis 0 one row at a time; with 256 columns the per-row
    overhead dominates. Seen as (n / block, block * columns) the inner loop is 32x longer; the
    `block` partial results and the leftover rows are then reduced as usual.
    """
    block = min(block, len(a))
    whole = len(a) - len(a) % block
    partial = ufunc.reduce(a[:whole].reshape(-1, block * a.shape[1]), axis=0).reshape(block, -1)
    return ufunc.reduce(np.concatenate([partial, a[whole:]]), axis=0)


def make_sharpness_probe(cfg, data, sizes, f, f_prime, rng):
    """A callable theta -> top Hessian eigenvalue, or None when sharpness tracking is off."""
    if not cfg.sharpness_every:
        return None
    from study.sharpness import SharpnessProbe  # only runs that track sharpness need it

    keep = stratified_subset(data.y_train, min(cfg.sharpness_samples, len(data.y_train)), rng)
    return SharpnessProbe(sizes, data.X_train[keep], data.y_train[keep], f, f_prime, rng)


@dataclass
class Run:
    """What one training run keeps between epochs: its data, parameters, buffers and probe."""

    cfg: object
    sizes: list
    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    f: object
    f_prime: object
    theta: np.ndarray
    grad: np.ndarray
    ws: Workspace
    ws_test: Workspace
    probe: object
    floor: float
    first_cost: float = np.nan  # the epoch-0 training cost, the divergence reference


def start_run(cfg, data):
    """Everything a run needs, allocated once: each epoch reuses these buffers."""
    data_rng, init_rng, probe_rng = np.random.default_rng(cfg.seed).spawn(3)
    X, y = training_set(cfg, data, data_rng)
    X_test = np.asarray(data.X_test, dtype=cfg.dtype)
    f, f_prime = get_activation(cfg.activation, cfg.leaky_slope)
    sizes = layer_sizes(X.shape[1], cfg.hidden, N_CLASSES)
    theta = init_params(sizes, cfg.resolved_init, init_rng, cfg.dtype)
    ws = Workspace(sizes, len(X), cfg.dtype)
    return Run(
        cfg, sizes, X, y, X_test, data.y_test, f, f_prime, theta, np.empty_like(theta),
        ws, test_workspace(ws, sizes, len(X), len(X_test), cfg.dtype),
        make_sharpness_probe(cfg, data, sizes, f, f_prime, probe_rng), derivative_floor(f_prime, cfg.dtype),
    )


def test_workspace(ws, sizes, n_train, n_test, dtype):
    """The test set's buffers: the training buffers' first rows when they are large enough, as
    the test pass comes after everything that reads the training pass (saves 10000 x 394 floats)."""
    return ws.head(n_test) if n_test <= n_train else Workspace(sizes, n_test, dtype)


def run_epoch(run, epoch):
    """Epoch `epoch`: its row, measured at the current parameters, then its gradient step.

    Returns (row, diverged); a diverged run, or the last epoch, takes no step. `seconds` is left
    at 0 for the caller, which owns the clock.
    """
    cfg = run.cfg
    with np.errstate(all="ignore"):  # a diverging run is detected below, not announced by warnings
        train_cost, train_acc, _ = cost_and_grad(
            run.theta, run.sizes, run.X, run.y, run.f, run.f_prime, run.ws, run.grad
        )
        inactive = inactive_fractions(run.ws.Z, run.floor)  # before the test pass: ws_test may share ws
        test_cost, test_acc = evaluate(run.theta, run.sizes, run.X_test, run.y_test, run.f, run.ws_test)
        row = {
            "epoch": epoch, "train_cost": train_cost, "train_acc": train_acc,
            "test_cost": test_cost, "test_acc": test_acc,
            "grad_norm": float(np.sqrt(np.dot(run.grad, run.grad))),
            "seconds": 0.0, "sharpness": None, "stability": None,
            **inactive,
        }
        if epoch == 0:
            run.first_cost = train_cost
        is_diverged = diverged(train_cost, run.first_cost)
        if run.probe and not is_diverged and epoch % cfg.sharpness_every == 0:
            row["sharpness"] = run.probe(run.theta)
            row["stability"] = cfg.lr * row["sharpness"] / 2
        if not is_diverged and epoch < cfg.epochs:
            step(run.theta, run.grad, cfg.lr)
    return row, is_diverged


def train(cfg, data, on_epoch=None):
    """Train one network as `cfg` says; `on_epoch(row)` is called after every recorded epoch."""
    run = start_run(cfg, data)
    rows, status, diverged_at = [], "ok", None
    start = time.perf_counter()
    for epoch in range(cfg.epochs + 1):
        row, is_diverged = run_epoch(run, epoch)
        row["seconds"] = round(time.perf_counter() - start, 4)
        rows.append(row)
        if on_epoch:
            on_epoch(row)
        if is_diverged:
            status, diverged_at = "diverged", epoch
            break
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
