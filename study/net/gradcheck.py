"""Compare analytic gradients with central finite differences, in float64, for every activation.

The cost checked is the whole cost a run minimises: the mean cross-entropy, plus the weight-decay
penalty when one is given (the trainer's own weight_penalty, study/net/remedies.py)."""

import numpy as np

from study.net.activations import ACTIVATIONS
from study.net.faults import FAULTS
from study.net.mlp import cost_and_grad, init_params, layers
from study.net.remedies import weight_penalty

TOLERANCE = 1e-6
EPS = 1e-5  # central differences: truncation error ~EPS**2, rounding ~1e-16 / EPS
SIZES = (6, 5, 4, 3)  # a small network: 6 inputs, two hidden layers, 3 classes
N_SAMPLES = 8


def numerical_gradient(cost_at, theta):
    """Central differences of cost_at(theta) along every coordinate."""
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        saved = theta[i]
        theta[i] = saved + EPS
        plus = cost_at(theta)
        theta[i] = saved - EPS
        minus = cost_at(theta)
        theta[i] = saved
        grad[i] = (plus - minus) / (2 * EPS)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||): scale-free and defined when both are small."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_gradients(f, f_prime, seed=0, sizes=SIZES, n=N_SAMPLES, gradient_scale=1.0, weight_decay=0.0):
    """The largest relative error over the parameter arrays (W1, b1, W2, ...) of a small network.

    The numerical side is always the true mean cost of the network (f in the forward pass); the
    analytic side is what backward computes with f_prime, times gradient_scale (n for a gradient
    of the summed cost)."""
    rng = np.random.default_rng(seed)
    sizes = list(sizes)
    theta = init_params(sizes, "glorot", rng, "float64")
    theta += rng.normal(0, 0.1, size=theta.shape)  # nonzero biases, so every path is exercised
    X = rng.normal(0, 1, size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)

    def cost_at(t):
        return cost_and_grad(t, sizes, X, y, f, f_prime)[0] + weight_penalty(t, sizes, weight_decay)

    analytic = cost_and_grad(theta.copy(), sizes, X, y, f, f_prime)[2] * gradient_scale
    if weight_decay:
        weight_penalty(theta, sizes, weight_decay, analytic)  # adds weight_decay x W, as training does
    numeric = numerical_gradient(cost_at, theta)
    pairs = zip(layers(analytic, sizes), layers(numeric, sizes))
    return max(relative_error(a, b) for la, ln in pairs for a, b in zip(la, ln))


def gradcheck_all(seed=0, fault="none", weight_decay=0.0):
    """{activation: largest relative error} for every activation (that the fault applies to)."""
    planted = FAULTS[fault]
    scale = N_SAMPLES if planted.sum_gradient else 1.0
    names = [name for name in ACTIVATIONS if planted.needs_activation in ("", name)]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return {name: check_gradients(*planted.network(*ACTIVATIONS[name].pair), seed, gradient_scale=scale,
                                      weight_decay=weight_decay)
                for name in names}
