"""What a learner can do about spikes: a learning-rate schedule with warm-up, gradient clipping, weight decay.

Each is off by default, and off it leaves the update exactly as it was (the same float operations).
The lr of an epoch is fixed for its whole epoch: full batch takes one update with it, mini-batches
take one per batch. Epochs count from 0; epoch e < warmup_epochs uses lr (e + 1) / warmup_epochs,
then the schedule runs over the remaining epochs (cosine: from lr right after the warm-up to
lr_final x lr at the last epoch that updates; step: x lr_step_factor every lr_step_every epochs).
"""

import math

import numpy as np

from study.net.mlp import layers


def constant_factor(cfg, after, span):
    return 1.0


def cosine_factor(cfg, after, span):
    # from 1 right after the warm-up down to lr_final at the last update, along half a cosine
    progress = min(1.0, after / span)
    return cfg.lr_final + (1.0 - cfg.lr_final) * 0.5 * (1.0 + math.cos(math.pi * progress))


def step_factor(cfg, after, span):
    return cfg.lr_step_factor ** (after // cfg.lr_step_every)


# name -> the factor of lr at `after` epochs past the warm-up, of `span` such epochs that update
SCHEDULES = {"constant": constant_factor, "cosine": cosine_factor, "step": step_factor}


def lr_at(cfg, epoch):
    """The learning rate of epoch `epoch`'s update(s); exactly cfg.lr when no schedule or warm-up is set."""
    if cfg.lr_schedule == "constant" and not cfg.warmup_epochs:
        return cfg.lr
    if epoch < cfg.warmup_epochs:
        return cfg.lr * (epoch + 1) / cfg.warmup_epochs
    span = max(1, cfg.epochs - 1 - cfg.warmup_epochs)  # the last update is at epoch cfg.epochs - 1
    return cfg.lr * SCHEDULES[cfg.lr_schedule](cfg, epoch - cfg.warmup_epochs, span)


def clip(grad, max_norm, norm=None):
    """Scale grad in place to global norm max_norm when it is longer; returns whether it was clipped."""
    norm = float(np.sqrt(np.dot(grad, grad))) if norm is None else norm
    if norm <= max_norm:
        return False
    grad *= max_norm / norm
    return True


def weight_penalty(theta, sizes, weight_decay, grad=None):
    """weight_decay / 2 x the sum of squared weights (biases excluded); adds its gradient
    weight_decay x W into `grad` when given."""
    total = 0.0
    grads = layers(grad, sizes) if grad is not None else None
    for number, (W, _) in enumerate(layers(theta, sizes)):
        total += float(np.sum(np.square(W, dtype=np.float64)))
        if grads is not None:
            grads[number][0][...] += weight_decay * W
    return 0.5 * weight_decay * total
