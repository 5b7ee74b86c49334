"""The network's arithmetic: cross-entropy against hand values, its gradient, init, parameter views."""

import math

import numpy as np
import pytest

from study.net.mlp import (
    INITS,
    Workspace,
    cost_and_grad,
    init_params,
    layer_sizes,
    layers,
    n_params,
    softmax_cross_entropy,
)

# What each init's standard deviation must be, written out independently of the code's table.
EXPECTED_STD = {
    "he": lambda fan_in, fan_out: math.sqrt(2 / fan_in),
    "glorot": lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out)),
}


def cross_entropy(logits, y, dtype="float64"):
    """(cost, accuracy, dlogits) through the project's function, on a copy of the logits."""
    logits = np.array(logits, dtype=dtype)
    y = np.asarray(y)
    ws = Workspace([4, logits.shape[1]], len(y), dtype)
    cost, acc = softmax_cross_entropy(logits, y, ws)
    return cost, acc, logits


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_cross_entropy_hand_example():
    # row 1: p = (1/4, 1/4, 1/2), true class 2 -> ln 2; row 2: p = (3/5, 1/5, 1/5), true class 1 -> ln 5
    logits = [[0.0, 0.0, math.log(2)], [math.log(3), 0.0, 0.0]]
    cost, acc, dlogits = cross_entropy(logits, [2, 1])
    assert cost == pytest.approx((math.log(2) + math.log(5)) / 2, rel=1e-12)  # = ln(10) / 2
    assert acc == 0.5  # row 1 right, row 2 wrong
    expected = np.array([[1 / 4, 1 / 4, 1 / 2 - 1], [3 / 5, 1 / 5 - 1, 1 / 5]]) / 2
    np.testing.assert_allclose(dlogits, expected, rtol=1e-12)


def test_uniform_logits_cost_ln10():
    cost, acc, _ = cross_entropy(np.zeros((5, 10)), [0, 1, 2, 3, 9])
    assert cost == pytest.approx(math.log(10), rel=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_exact_for_huge_logits(dtype):
    cost, acc, dlogits = cross_entropy([[1e4, 0.0], [0.0, -1e4]], [1, 0], dtype)
    # sample 1: -log p(1) = 1e4 (exactly, up to e^-1e4); sample 2: -log p(0) = log(1 + e^-1e4) = 0
    assert np.isfinite(cost) and cost == pytest.approx(1e4 / 2, rel=1e-6)
    assert acc == 0.5
    np.testing.assert_allclose(dlogits, [[0.5, -0.5], [0.0, 0.0]], atol=1e-6)
    single, _, _ = cross_entropy([[1e4, 0.0]], [1], dtype)
    assert single == pytest.approx(1e4, rel=1e-6)


def test_learners_cost_averages_over_classes_too():
    """`-mean(y * log(p + 1e-9))` divides by n * 10, not n: a cost (and gradient) ten times too small."""
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, size=(50, 10))
    y = rng.integers(0, 10, size=50)
    ours, _, _ = cross_entropy(logits, y)
    onehot = np.eye(10)[y]
    buggy = -np.mean(onehot * np.log(softmax(logits) + 1e-9))
    assert buggy == pytest.approx(ours / 10, rel=1e-6)
    assert ours == pytest.approx(np.mean(-np.log(softmax(logits)[np.arange(50), y])), rel=1e-12)


def test_gradient_wrt_logits_is_p_minus_onehot_over_n():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, size=(9, 10))
    y = rng.integers(0, 10, size=9)
    _, acc, dlogits = cross_entropy(logits, y)
    np.testing.assert_allclose(dlogits, (softmax(logits) - np.eye(10)[y]) / 9, rtol=1e-10, atol=1e-15)
    assert acc == np.mean(logits.argmax(axis=1) == y)
    # and it is the derivative of the cost: one central difference per entry
    h = 1e-6
    for i, k in [(0, 0), (3, y[3]), (8, 5)]:
        plus, minus = logits.copy(), logits.copy()
        plus[i, k] += h
        minus[i, k] -= h
        numeric = (cross_entropy(plus, y)[0] - cross_entropy(minus, y)[0]) / (2 * h)
        assert dlogits[i, k] == pytest.approx(numeric, rel=1e-6, abs=1e-10)


def test_init_tables_agree():
    assert set(EXPECTED_STD) == set(INITS)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("init", list(INITS))
def test_init_std_and_zero_biases(init, dtype):
    sizes = [300, 200, 100, 10]
    theta = init_params(sizes, init, np.random.default_rng(0), dtype)
    assert theta.dtype == np.dtype(dtype) and theta.shape == (n_params(sizes),)
    for W, b in layers(theta, sizes):
        fan_in, fan_out = W.shape
        # the sample std of N draws is off by about 1/sqrt(2N) relative; allow 5 of those
        tolerance = 5 / math.sqrt(2 * W.size)
        assert W.std() == pytest.approx(EXPECTED_STD[init](fan_in, fan_out), rel=tolerance)
        assert abs(W.mean()) < 5 * W.std() / math.sqrt(W.size)
        assert np.all(b == 0)


def test_init_rejects_unknown_name():
    with pytest.raises(ValueError, match="unknown init 'xavier'; valid: he, glorot"):
        init_params([3, 2], "xavier", np.random.default_rng(0))


def test_layers_are_views_in_order():
    sizes = layer_sizes(4, [3, 2], 5)
    assert sizes == [4, 3, 2, 5] and n_params(sizes) == 4 * 3 + 3 + 3 * 2 + 2 + 2 * 5 + 5
    theta = np.arange(n_params(sizes), dtype=float)
    (W1, b1), (W2, b2), (W3, b3) = layers(theta, sizes)
    shapes = [W1.shape, b1.shape, W2.shape, b2.shape, W3.shape, b3.shape]
    assert shapes == [(4, 3), (3,), (3, 2), (2,), (2, 5), (5,)]
    np.testing.assert_array_equal(W1.ravel(), np.arange(12))  # row-major (fan_in, fan_out)
    np.testing.assert_array_equal(b1, [12, 13, 14])
    assert b3[-1] == theta[-1]
    for W, b in layers(theta, sizes):
        assert np.shares_memory(W, theta) and np.shares_memory(b, theta)
    W2[1, 0] = -1.0
    b3[0] = -2.0
    assert theta[15 + 2] == -1.0 and theta[4 * 3 + 3 + 3 * 2 + 2 + 2 * 5] == -2.0


def test_cost_and_grad_without_hidden_layers_is_logistic_regression():
    """No hidden layer: grad W = X^T (p - onehot) / n, computed here by hand."""
    rng = np.random.default_rng(2)
    sizes = [6, 4]
    theta = rng.normal(0, 0.5, size=n_params(sizes))
    X = rng.normal(size=(7, 6))
    y = rng.integers(0, 4, size=7)
    W, b = layers(theta, sizes)[0]
    delta = (softmax(X @ W + b) - np.eye(4)[y]) / 7
    cost, _, grad = cost_and_grad(theta, sizes, X, y, None, None)
    gW, gb = layers(grad, sizes)[0]
    np.testing.assert_allclose(gW, X.T @ delta, rtol=1e-10)
    np.testing.assert_allclose(gb, delta.sum(axis=0), rtol=1e-10)
    assert cost == pytest.approx(np.mean(-np.log(softmax(X @ W + b)[np.arange(7), y])), rel=1e-12)
