"""A run's state, allocated once: its data, parameters, buffers, generators and sharpness probe.

Shapes as in study/net/mlp.py: X (n, 784) one row per image, y (n,) labels. The run trains on its
training images, is measured on them and on the validation and test images, and never updates on
the validation or test images.
"""

from dataclasses import dataclass

import numpy as np

from study.data.datasets import N_CLASSES, split_train_val, stratified_subset
from study.net.activations import get_activation
from study.net.faults import FAULTS
from study.net.mlp import Workspace, init_params, layer_sizes
from study.net.optimizers import new_state
from study.training.memory import check_memory


@dataclass
class Run:
    """What one training run keeps between epochs: its data, parameters, buffers and probe."""

    cfg: object
    sizes: list
    X: np.ndarray  # training images (n_train, 784), then validation and test images
    y: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    f: object
    f_prime: object
    fault: object
    theta: np.ndarray
    grad: np.ndarray
    state: list  # the optimizer's parameter-sized arrays
    ws: Workspace
    ws_val: Workspace
    ws_test: Workspace
    batches: object  # MiniBatches, or None for full batch
    probe: object
    floor: float
    updates: int = 0
    first_cost: float = np.nan  # the epoch-0 true training cost, the divergence reference
    true_cost: float = np.nan  # the last measured true training cost


@dataclass
class MiniBatches:
    """Reused buffers of one mini-batch and the generator that reshuffles every epoch."""

    size: int
    rng: np.random.Generator
    X: np.ndarray  # (size, 784)
    ws: Workspace


def rows_of(X, indices, dtype):
    """X[indices] in `dtype`; all of X (no copy) when the indices are every row in order."""
    whole = len(indices) == len(X) and np.array_equal(indices, np.arange(len(X)))
    return np.asarray(X if whole else X[indices], dtype=dtype)


def generators(seed):
    """The run's one generator, split into independent streams: (data subset, init, probe, batches)."""
    return np.random.default_rng(seed).spawn(4)


def run_rows(cfg, y_train):
    """(training rows, validation rows) of the training set that a run of `cfg` reads."""
    return split_train_val(y_train, cfg.n_val, cfg.n_train, generators(cfg.seed)[0])


def start_run(cfg, data):
    """Everything a run needs, allocated once: each epoch reuses these buffers."""
    check_memory(cfg)
    data_rng, init_rng, probe_rng, batch_rng = generators(cfg.seed)
    train_rows, val_rows = split_train_val(data.y_train, cfg.n_val, cfg.n_train, data_rng)
    X, y = rows_of(data.X_train, train_rows, cfg.dtype), data.y_train[train_rows]
    X_val, y_val = rows_of(data.X_train, val_rows, cfg.dtype), data.y_train[val_rows]
    X_test = np.asarray(data.X_test, dtype=cfg.dtype)
    fault = FAULTS[cfg.fault]
    f, f_prime = fault.network(*get_activation(cfg.activation, cfg.leaky_slope))
    sizes = layer_sizes(X.shape[1], cfg.hidden, N_CLASSES)
    theta = init_params(sizes, cfg.resolved_init, init_rng, cfg.dtype)
    ws = Workspace(sizes, len(X), cfg.dtype)
    return Run(
        cfg, sizes, X, y, X_val, y_val, X_test, data.y_test, f, f_prime, fault, theta, np.empty_like(theta),
        new_state(cfg.optimizer, theta), ws, head_or_own(ws, sizes, len(X_val), cfg.dtype),
        head_or_own(ws, sizes, len(X_test), cfg.dtype), mini_batches(cfg, sizes, len(X), batch_rng),
        sharpness_probe(cfg, X, y, sizes, f, f_prime, probe_rng), derivative_floor(f_prime, cfg.dtype),
    )


def head_or_own(ws, sizes, n, dtype):
    """Buffers for an evaluation set of n images: the training buffers' first rows when they are
    large enough, as evaluation comes after everything that reads the training pass."""
    return ws.head(n) if n <= len(ws.logits) else Workspace(sizes, n, dtype)


def mini_batches(cfg, sizes, n, rng):
    if not cfg.batch_size or cfg.batch_size >= n:
        return None  # a batch of the whole training set is full-batch descent
    return MiniBatches(cfg.batch_size, rng, np.empty((cfg.batch_size, sizes[0]), cfg.dtype),
                       Workspace(sizes, cfg.batch_size, cfg.dtype))


def sharpness_probe(cfg, X, y, sizes, f, f_prime, rng):
    """A callable theta -> top Hessian eigenvalue on the run's own training images, or None."""
    if not cfg.sharpness_every:
        return None
    from study.net.sharpness import SharpnessProbe  # only runs that track sharpness need it

    keep = stratified_subset(y, min(cfg.sharpness_samples, len(y)), rng)
    return SharpnessProbe(sizes, X[keep], y[keep], f, f_prime, rng)


def derivative_floor(f_prime, dtype):
    """|f'| far on the negative side: 0 for most activations, the slope for leaky relu."""
    return float(abs(f_prime(np.array([-1e4], dtype=dtype))[0]))


