"""Full-batch gd reproduces the trajectory stored before optimizers and validation existed.

tests/data/gd_trajectory.json was written by the trainer at commit f42b07e (full batch, no
validation split) with OpenBLAS's Haswell kernel. Other kernels and thread counts sum matrix
products in another order, so the comparison is within a tolerance set from the measured spread
across kernels (`python -m bench.kernel_spread`, docs/reproducibility.md): float64 trajectories
moved by at most 8.9e-15 (relative), float32 ones by 5.9e-7, accuracies not at all. The
tolerances below are about 100x those, and a one-line change of the update (lr x 1.001) still
leaves them by the second epoch, which the last test checks.
"""

from dataclasses import replace

import numpy as np
import pytest

from bench.kernel_spread import COLUMNS, reference_config, reference_dataset, stored, trajectory

STORED = stored()
RTOL = {"float64": 1e-12, "float32": 1e-4}  # costs and gradient norms, relative
ACCURACY = ("train_acc", "test_acc")  # a kernel may move one logit across a tie: one sample's worth


def mismatches(key, found):
    """The columns of `found` outside the tolerance of the stored trajectory `key`, with the first bad epoch."""
    cfg, want = reference_config(key), STORED[key]
    data = reference_dataset()
    sizes = {"train_acc": len(data.y_train), "test_acc": len(data.y_test)}
    bad = {}
    for column in COLUMNS:
        got, expected = np.asarray(found[column]), np.asarray(want[column])
        if got.shape != expected.shape:
            bad[column] = f"{len(got)} epochs, stored {len(expected)}"
            continue
        if column in ACCURACY:
            close = np.abs(got - expected) <= 1.0 / sizes[column] + 1e-12
        else:
            close = np.isclose(got, expected, rtol=RTOL[cfg.dtype], atol=0.0)
        if not close.all():
            epoch = int(np.flatnonzero(~close)[0])
            bad[column] = f"epoch {epoch}: {got[epoch]!r}, stored {expected[epoch]!r}"
    return bad


@pytest.mark.parametrize("key", sorted(STORED))
def test_full_batch_gd_reproduces_stored_trajectory(key):
    assert mismatches(key, trajectory(key)) == {}


@pytest.mark.parametrize("key", sorted(STORED))
def test_a_one_line_change_of_the_update_is_caught(key, monkeypatch):
    from study.net import optimizers

    real = optimizers.OPTIMIZERS["gd"]

    def slightly_larger_step(theta, grad, state, cfg, t, lr):
        from study.net.mlp import step

        step(theta, grad, lr * 1.001)

    monkeypatch.setitem(optimizers.OPTIMIZERS, "gd", replace(real, update=slightly_larger_step))
    bad = mismatches(key, trajectory(key))
    assert {"train_cost", "test_cost", "grad_norm"} <= set(bad)
    assert min(int(text.split(":")[0].split()[1]) for text in bad.values()) <= 2, bad
