"""One epoch of a run (study/training/start.py makes the run): measure the network, then update it
(full batch or mini-batch), and what each epoch row holds.
"""

import numpy as np

from study.net.mlp import cost_and_grad, evaluate
from study.net.optimizers import OPTIMIZERS
from study.net.remedies import clip, lr_at, weight_penalty

# The columns of an epoch row, in order (measure() builds them), then inactive_<layer> per hidden layer.
EPOCH_COLUMNS = ("epoch", "updates", "train_cost", "train_acc", "val_cost", "val_acc", "test_cost", "test_acc",
                 "grad_norm", "seconds", "sharpness", "stability", "lr_used", "clipped", "penalty")
INACTIVE_PREFIX = "inactive_"
# A run diverges when its training cost is non-finite or exceeds this multiple of its epoch-0 cost
# (about 23 for MNIST: the network is then confidently wrong on most images).
DIVERGENCE_FACTOR = 10.0
# A hidden unit is inactive when |f'(z)| stays within this of its floor on every training sample.
INACTIVE_TOLERANCE = 1e-3


def diverged(cost, first_cost):
    return not np.isfinite(cost) or cost > DIVERGENCE_FACTOR * first_cost


def run_epoch(run, epoch):
    """Epoch `epoch`: its row, measured at the current parameters, then its update(s).

    Returns (row, diverged); a diverged run, or the last epoch, takes no step. `seconds` is left
    at 0 for the caller, which owns the clock.
    """
    cfg = run.cfg
    lr = lr_at(cfg, epoch)
    with np.errstate(all="ignore"):  # a diverging run is detected below, not announced by warnings
        row = measure(run, epoch)
        row["lr_used"] = lr
        if epoch == 0:
            run.first_cost = run.true_cost
        is_diverged = diverged(run.true_cost, run.first_cost)  # the true cost, whatever a fault writes down
        if run.probe and not is_diverged and epoch % cfg.sharpness_every == 0:
            row["sharpness"] = run.probe(run.theta)
            row["stability"] = OPTIMIZERS[cfg.optimizer].stability(row["sharpness"], cfg, lr)
        if not is_diverged and epoch < cfg.epochs:
            updates = run.updates
            if run.batches:
                clipped = mini_batch_pass(run, lr)
            else:
                clipped = update(run, run.grad, lr, row["grad_norm"])  # the gradient measure() computed
            row["clipped"] = clipped / (run.updates - updates)
    return row, is_diverged


def measure(run, epoch):
    """The epoch's row: costs and accuracies on train, validation and test, gradient norm, inactive
    units. The true training cost (which a fault may write down differently) goes to run.true_cost.

    Full batch: the training pass also computes the gradient the update will use. Mini-batch: the
    training set is measured by a forward pass only, so grad_norm is left blank.
    """
    if run.batches:
        train_cost, train_acc = evaluate(run.theta, run.sizes, run.X, run.y, run.f, run.ws)
        for Z in run.ws.Z:
            run.f_prime(Z, out=Z)  # f'(Z), as backward leaves it, for the inactive-unit count
        grad_norm = np.nan
    else:
        train_cost, train_acc, _ = cost_and_grad(run.theta, run.sizes, run.X, run.y, run.f, run.f_prime,
                                                 run.ws, run.grad)
        if run.fault.sum_gradient:
            run.grad *= len(run.y)
    penalty = penalize(run, None if run.batches else run.grad)  # full batch: the update's gradient
    if not run.batches:
        grad_norm = float(np.sqrt(np.dot(run.grad, run.grad)))  # of the whole cost minimised
    run.true_cost, train_cost = train_cost, recorded(run, train_cost, run.ws)
    inactive = inactive_fractions(run.ws.Z, run.floor)  # before the other passes: their buffers may share ws
    val_cost, val_acc = measure_set(run, run.X_val, run.y_val, run.ws_val)
    test_cost, test_acc = measure_set(run, run.X_test, run.y_test, run.ws_test)
    return {"epoch": epoch, "updates": run.updates, "train_cost": train_cost, "train_acc": train_acc,
            "val_cost": val_cost, "val_acc": val_acc, "test_cost": test_cost, "test_acc": test_acc,
            "grad_norm": grad_norm, "seconds": 0.0, "sharpness": None, "stability": None, "lr_used": None,
            "clipped": None, "penalty": penalty, **inactive}


def measure_set(run, X, y, ws):
    """(recorded cost, accuracy) on an evaluation set; NaN for an empty one (no validation set)."""
    if len(y) == 0:
        return np.nan, np.nan
    cost, acc = evaluate(run.theta, run.sizes, X, y, run.f, ws)
    return recorded(run, cost, ws), acc


def recorded(run, cost, ws):
    """The cost as the run writes it down: the true mean cost, unless a fault records another."""
    return run.fault.recorded_cost(ws.losses) if run.fault.recorded_cost else cost


def penalize(run, grad):
    """The weight-decay penalty at the current parameters (0 without weight decay); its gradient is
    added into `grad` when given. The recorded costs stay the cross-entropy."""
    if not run.cfg.weight_decay:
        return 0.0
    return weight_penalty(run.theta, run.sizes, run.cfg.weight_decay, grad)


def update(run, grad, lr, norm=None):
    """One update with step size lr, the gradient clipped first when clip_norm is set; returns 1 if clipped."""
    run.updates += 1
    clipped = run.cfg.clip_norm > 0 and clip(grad, run.cfg.clip_norm, norm)
    OPTIMIZERS[run.cfg.optimizer].update(run.theta, grad, run.state, run.cfg, run.updates, lr)
    return int(clipped)


def mini_batch_pass(run, lr):
    """One epoch of updates on mini-batches of a fresh shuffle, the last, partial batch kept;
    returns how many updates were clipped."""
    batches, clipped = run.batches, 0
    order = batches.rng.permutation(len(run.y))
    for start in range(0, len(order), batches.size):
        rows = order[start:start + batches.size]
        X = np.take(run.X, rows, axis=0, out=batches.X[:len(rows)])
        ws = batches.ws if len(rows) == batches.size else batches.ws.head(len(rows))
        cost_and_grad(run.theta, run.sizes, X, run.y[rows], run.f, run.f_prime, ws, run.grad)
        if run.fault.sum_gradient:
            run.grad *= len(rows)
        penalize(run, run.grad)
        clipped += update(run, run.grad, lr)
    return clipped


def inactive_fractions(derivatives, floor):
    """Per hidden layer, the fraction of units whose |f'(z)| is near its floor on every sample."""
    fractions = {}
    for layer, fz in enumerate(derivatives, start=1):
        # max |f'| per unit, without an |f'| temporary
        largest = np.maximum(column_reduce(np.maximum, fz), -column_reduce(np.minimum, fz))
        fractions[f"{INACTIVE_PREFIX}{layer}"] = float(np.mean(largest <= floor + INACTIVE_TOLERANCE))
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
