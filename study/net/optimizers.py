"""Update rules: name -> Optimizer. Each updates the flat parameter vector in place.

state is a list of parameter-sized arrays the rule keeps between updates (allocated once);
t is the number of this update, from 1. The stability threshold is the sharpness above which the
rule's full-batch steps on a quadratic of that curvature stop converging.
"""

from dataclasses import dataclass

import numpy as np

from study.net.mlp import step


def gd_update(theta, grad, state, cfg, t):
    step(theta, grad, cfg.lr)  # theta -= lr grad (scales grad in place)


def momentum_update(theta, grad, state, cfg, t):
    # heavy ball: v <- beta v + g; theta <- theta - lr v (PyTorch's SGD momentum without dampening)
    (velocity,) = state
    velocity *= cfg.beta
    velocity += grad
    np.multiply(velocity, cfg.lr, out=grad)
    theta -= grad


def adam_update(theta, grad, state, cfg, t):
    # m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2; theta <- theta - lr m_hat / (sqrt(v_hat) + eps)
    m, v, scratch = state
    m *= cfg.beta1
    np.multiply(grad, 1 - cfg.beta1, out=scratch)
    m += scratch
    v *= cfg.beta2
    np.multiply(grad, grad, out=scratch)
    scratch *= 1 - cfg.beta2
    v += scratch
    np.divide(v, 1 - cfg.beta2**t, out=scratch)  # v_hat
    np.sqrt(scratch, out=scratch)
    scratch += cfg.eps
    np.divide(m, scratch, out=scratch)
    scratch *= cfg.lr / (1 - cfg.beta1**t)  # m_hat = m / (1 - b1^t)
    theta -= scratch


@dataclass(frozen=True)
class Optimizer:
    update: object  # update(theta, grad, state, cfg, t); may overwrite grad
    state_vectors: int  # parameter-sized arrays of state
    stability: object  # (sharpness, cfg) -> sharpness / threshold, or None where there is none


OPTIMIZERS = {
    "gd": Optimizer(gd_update, 0, lambda sharpness, cfg: cfg.lr * sharpness / 2),  # threshold 2 / lr
    "momentum": Optimizer(momentum_update, 1, lambda sharpness, cfg: cfg.lr * sharpness / (2 + 2 * cfg.beta)),
    # Adam's threshold is on the preconditioned Hessian (Cohen et al. 2022), which the probe does not measure
    "adam": Optimizer(adam_update, 3, lambda sharpness, cfg: None),
}


def new_state(name, theta):
    return [np.zeros_like(theta) for _ in range(OPTIMIZERS[name].state_vectors)]
