"""Update rules: name -> Optimizer. Each updates the flat parameter vector in place.

state is a list of parameter-sized arrays the rule keeps between updates (allocated once);
t is the number of this update, from 1; lr the step size of this update (cfg.lr unless a schedule
changes it, study/net/remedies.py). The stability threshold is the sharpness above which the
rule's full-batch steps on a quadratic of that curvature stop converging.
"""

from dataclasses import dataclass

import numpy as np

from study.net.mlp import step


def gd_update(theta, grad, state, cfg, t, lr):
    step(theta, grad, lr)  # theta -= lr grad (scales grad in place)


def momentum_update(theta, grad, state, cfg, t, lr):
    # heavy ball: v <- beta v + g; theta <- theta - lr v (PyTorch's SGD momentum without dampening)
    (velocity,) = state
    velocity *= cfg.beta
    velocity += grad
    np.multiply(velocity, lr, out=grad)
    theta -= grad


def adam_update(theta, grad, state, cfg, t, lr):
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
    scratch *= lr / (1 - cfg.beta1**t)  # m_hat = m / (1 - b1^t)
    theta -= scratch


@dataclass(frozen=True)
class Optimizer:
    update: object  # update(theta, grad, state, cfg, t, lr); may overwrite grad
    state_vectors: int  # parameter-sized arrays of state
    stability: object  # (sharpness, cfg, lr) -> sharpness / threshold, or None where there is none
    threshold: str  # the threshold in words, for the results' manifest (study/contract.py)


OPTIMIZERS = {
    "gd": Optimizer(gd_update, 0, lambda sharpness, cfg, lr: lr * sharpness / 2, "2 / lr"),
    "momentum": Optimizer(momentum_update, 1, lambda sharpness, cfg, lr: lr * sharpness / (2 + 2 * cfg.beta),
                          "(2 + 2 beta) / lr"),
    # Adam's threshold is on the preconditioned Hessian (Cohen et al. 2022), which the probe does not measure
    "adam": Optimizer(adam_update, 3, lambda sharpness, cfg, lr: None, ""),
}


def new_state(name, theta):
    return [np.zeros_like(theta) for _ in range(OPTIMIZERS[name].state_vectors)]
