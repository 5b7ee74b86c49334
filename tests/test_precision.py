"""float32 agrees with float64; the speed-ups (shared test buffers, blocked reductions) change no number."""

import numpy as np
import pytest
from conftest import synthetic_dataset

from study.config import make_config
from study.net.activations import ACTIVATIONS
from study.net.mlp import Workspace, row_max
from study.training.run import column_reduce, run_epoch
from study.training.start import start_run
from study.training.train import train

EPOCHS = 20
RTOL = 1e-3
STABLE_LR = 0.02  # every activation's cost falls at every epoch on `mnist_shaped` (0.05 is spiky)


def costs(result, key):
    return np.array([row[key] for row in result.rows])


@pytest.fixture(scope="module")
def mnist_shaped():
    """784 inputs like MNIST (float32 error grows with fan-in), 600 training and 200 test images."""
    return synthetic_dataset(n_train=600, n_test=200, n_features=784, seed=3)


def single_and_double(data, **settings):
    cfg = {"hidden": (64, 32), "epochs": EPOCHS, "lr": STABLE_LR, "n_val": 0, **settings}
    return [train(make_config({**cfg, "dtype": dtype}), data) for dtype in ("float32", "float64")]


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_float32_follows_float64_for_20_epochs(mnist_shaped, activation):
    single, double = single_and_double(mnist_shaped, activation=activation)
    assert single.status == double.status == "ok" and len(single.rows) == EPOCHS + 1
    descent = np.diff(costs(double, "train_cost"))
    assert np.all(descent < 0) and costs(double, "train_cost")[-1] < 0.95 * costs(double, "train_cost")[0]
    for key in ("train_cost", "test_cost"):
        np.testing.assert_allclose(costs(single, key), costs(double, key), rtol=RTOL, err_msg=key)
    # and float32 really was float32: the two differ, at rounding level
    assert np.any(costs(single, "train_cost") != costs(double, "train_cost"))


def test_float32_follows_float64_on_real_mnist(mnist):
    single, double = single_and_double(mnist, activation="relu", n_train=1000, lr=0.1)
    np.testing.assert_allclose(costs(single, "train_cost"), costs(double, "train_cost"), rtol=RTOL)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_run_computes_in_its_dtype(mnist_shaped, dtype):
    run = start_run(make_config({"hidden": (8,), "dtype": dtype, "n_val": 0}), mnist_shaped)
    arrays = [run.X, run.X_test, run.theta, run.grad, *run.ws.Z, *run.ws.H, run.ws.logits]
    assert {a.dtype for a in arrays} == {np.dtype(dtype)}


@pytest.mark.parametrize("shape", [(1, 3), (31, 5), (32, 4), (1000, 7), (1001, 256)])
def test_blocked_column_reduce_is_exact(shape):
    a = np.random.default_rng(0).standard_normal(shape).astype("float32")
    for ufunc in (np.maximum, np.minimum):
        np.testing.assert_array_equal(column_reduce(ufunc, a), ufunc.reduce(a, axis=0))
    a[-1, 2] = np.nan  # a NaN in the leftover rows still propagates, as in .max(axis=0)
    assert np.isnan(column_reduce(np.maximum, a)[2]) == (shape[1] > 2)


def test_test_pass_in_the_training_buffers_changes_no_row(mnist_shaped):
    """The test set's forward pass reuses the training buffers' first rows; the rows must equal
    those of a run with buffers of its own (they would not if it ran before the dead-unit count)."""
    cfg = make_config({"hidden": (16, 8), "epochs": 5, "lr": 0.3, "activation": "leaky_relu", "n_val": 0})
    shared, separate = start_run(cfg, mnist_shaped), start_run(cfg, mnist_shaped)
    assert np.shares_memory(shared.ws_test.Z[0], shared.ws.Z[0])
    separate.ws_test = Workspace(separate.sizes, len(separate.X_test), cfg.dtype)
    for epoch in range(cfg.epochs + 1):
        assert run_epoch(shared, epoch) == run_epoch(separate, epoch)
    np.testing.assert_array_equal(shared.theta, separate.theta)


def test_test_set_larger_than_training_set_gets_its_own_buffers(mnist_shaped):
    run = start_run(make_config({"hidden": (8,), "n_train": 100, "n_val": 0}), mnist_shaped)
    assert run.ws_test.Z[0].shape == (200, 8) and not np.shares_memory(run.ws_test.Z[0], run.ws.Z[0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_column_by_column_row_max_is_np_max(dtype):
    a = np.random.default_rng(1).standard_normal((50, 10)).astype(dtype)
    a[3, 4], a[7, :], a[9, 2] = np.nan, -np.inf, np.inf  # NaN wins, as in np.max; infinities are kept
    out = np.empty((50, 1), dtype)
    assert row_max(a, out) is out
    np.testing.assert_array_equal(out, np.max(a, axis=1, keepdims=True))
