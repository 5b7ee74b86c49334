"""SharpnessProbe against Hessians built explicitly: finite differences, closed form, frozen kinks."""

import numpy as np
import pytest

from study.config import make_config
from study.net import optimizers, sharpness
from study.net.activations import ACTIVATIONS
from study.net.mlp import cost_and_grad, init_params, layers, n_params
from study.net.sharpness import SharpnessProbe
from study.training import train as train_module

SIZES = [6, 5, 4, 3]
N_SAMPLES = 8


def small_problem(sizes=SIZES, seed=0, n=N_SAMPLES):
    """theta (float64), X, y of a small network with nonzero biases and non-trivial curvature."""
    rng = np.random.default_rng(seed)
    theta = init_params(sizes, "glorot", rng, "float64")
    theta += rng.normal(0, 0.3, size=theta.shape)
    return theta, rng.normal(0, 1, size=(n, sizes[0])), rng.integers(0, sizes[-1], size=n)


def explicit_hessian(theta, sizes, X, y, f, f_prime, h=1e-5):
    """The Hessian column by column: central differences of mlp's analytic gradient, symmetrized."""
    columns = []
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = h
        plus = cost_and_grad(theta + step, sizes, X, y, f, f_prime)[2]
        minus = cost_and_grad(theta - step, sizes, X, y, f, f_prime)[2]
        columns.append((plus - minus) / (2 * h))
    H = np.array(columns).T
    return (H + H.T) / 2


def converged_probe(sizes, X, y, f, f_prime):
    """A probe that runs Lanczos to the end: its answer is exact up to the products' error."""
    return SharpnessProbe(sizes, X, y, f, f_prime, np.random.default_rng(1), n_params(sizes), 1e-12)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_top_eigenvalue_and_products_match_explicit_hessian(activation):
    f, f_prime = ACTIVATIONS[activation].pair
    theta, X, y = small_problem()
    H = explicit_hessian(theta, SIZES, X, y, f, f_prime)
    probe = converged_probe(SIZES, X, y, f, f_prime)
    assert probe(theta) == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-6)
    v = np.random.default_rng(2).standard_normal(theta.size)
    assert np.linalg.norm(probe.hvp(v) - H @ v) <= 1e-6 * np.linalg.norm(H @ v)


def test_largest_algebraic_eigenvalue_not_largest_magnitude():
    f, f_prime = ACTIVATIONS["tanh"].pair
    theta, X, y = small_problem()
    spectrum = np.linalg.eigvalsh(explicit_hessian(theta, SIZES, X, y, f, f_prime))
    assert -spectrum[0] > 1.5 * spectrum[-1]  # the case this test is about: a bigger negative one
    assert converged_probe(SIZES, X, y, f, f_prime)(theta) == pytest.approx(spectrum[-1], rel=1e-6)


def test_logistic_regression_matches_closed_form_hessian():
    # No hidden layer: H = mean_i kron(x_i x_i^T, diag(p_i) - p_i p_i^T) with x_i extended by a 1,
    # since theta is W (inputs x classes, row-major) followed by b, which acts like one more input.
    sizes, n = [5, 3], 10
    theta, X, y = small_problem(sizes, seed=3, n=n)
    (W, b), = layers(theta, sizes)
    logits = X @ W + b
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    X1 = np.hstack([X, np.ones((n, 1))])
    H = sum(np.kron(np.outer(x, x), np.diag(q) - np.outer(q, q)) for x, q in zip(X1, p)) / n
    f, f_prime = ACTIVATIONS["relu"].pair  # unused without hidden layers
    probe = converged_probe(sizes, X, y, f, f_prime)
    assert probe(theta) == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-8)
    v = np.random.default_rng(4).standard_normal(theta.size)
    assert np.allclose(probe.hvp(v), H @ v, rtol=0, atol=1e-8 * np.abs(H @ v).max())


def frozen_relu(mask):
    """relu with its on/off pattern fixed: a smooth network whose Hessian is relu's with f'' = 0."""

    def f(z, out=None):
        return np.multiply(z, mask, out=out)

    def f_prime(z, out=None):
        out = np.empty_like(z) if out is None else out
        out[...] = mask
        return out

    return f, f_prime


def test_kink_at_theta_is_linearized_as_automatic_differentiation_does(monkeypatch):
    sizes = [3, 4, 3]
    theta, X, y = small_problem(sizes, seed=5)
    W1, b1 = layers(theta, sizes)[0]
    X[0], W1[:, 0], b1[0] = [0.5, 0.25, 0.0], [1.0, -2.0, 0.75], 0.0  # z = 0 exactly: on the kink
    mask = (X @ W1 + b1 > 0).astype(float)  # relu'(0) = 0
    H = explicit_hessian(theta, sizes, X, y, *frozen_relu(mask))
    v = np.random.default_rng(6).standard_normal(theta.size)
    probe = converged_probe(sizes, X, y, *ACTIVATIONS["relu"].pair)
    assert probe(theta) == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-6)
    assert np.linalg.norm(probe.hvp(v) - H @ v) <= 1e-6 * np.linalg.norm(H @ v)
    assert probe.kink[0][0, 0] and probe.kink[0].sum() == 1  # the one entry on the kink was crossed
    monkeypatch.setattr(sharpness, "KINK_JUMP", np.inf)  # without linearization: a ~1/eps spike
    assert np.linalg.norm(probe.hvp(v) - H @ v) > 100 * np.linalg.norm(H @ v)


def test_warm_start_takes_fewer_iterations_for_the_same_value():
    f, f_prime = ACTIVATIONS["gelu"].pair
    theta, X, y = small_problem()
    probe = SharpnessProbe(SIZES, X, y, f, f_prime, np.random.default_rng(1))
    first = probe(theta)
    cold_iterations = probe.iterations
    second = probe(theta)
    assert probe.iterations < cold_iterations
    assert probe.iterations <= 3
    assert second == pytest.approx(first, rel=probe.tol)
    exact = np.linalg.eigvalsh(explicit_hessian(theta, SIZES, X, y, f, f_prime))[-1]
    assert second == pytest.approx(exact, rel=probe.tol)


def test_kept_vector_is_the_top_eigenvector():
    f, f_prime = ACTIVATIONS["softplus"].pair
    theta, X, y = small_problem(seed=7)
    H = explicit_hessian(theta, SIZES, X, y, f, f_prime)
    probe = converged_probe(SIZES, X, y, f, f_prime)
    value = probe(theta)
    assert np.linalg.norm(probe.vector) == pytest.approx(1.0)
    assert np.linalg.norm(H @ probe.vector - value * probe.vector) <= 1e-6 * value


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_theta_is_left_unchanged(dtype):
    f, f_prime = ACTIVATIONS["relu"].pair
    theta, X, y = small_problem()
    theta = theta.astype(dtype)
    before = theta.copy()
    SharpnessProbe(SIZES, X.astype("float32"), y, f, f_prime, np.random.default_rng(1))(theta)
    assert theta.dtype == dtype and np.array_equal(theta, before)


def test_trainer_records_sharpness_of_its_parameters(make_dataset, monkeypatch):
    data = make_dataset(n_train=60, n_features=8)
    cfg = make_config({
        "activation": "tanh", "lr": 0.5, "epochs": 4, "hidden": [5], "sharpness_every": 2,
        "sharpness_samples": 60, "n_val": 0,  # the whole training set, so the test knows the subset
    })
    real_step, seen = optimizers.step, {}

    def step_and_keep(theta, grad, lr):
        seen["theta"] = theta  # the trainer updates this one array in place
        real_step(theta, grad, lr)

    monkeypatch.setattr(optimizers, "step", step_and_keep)
    rows = train_module.train(cfg, data).rows
    assert [row["sharpness"] is not None for row in rows] == [True, False, True, False, True]
    f, f_prime = ACTIVATIONS["tanh"].pair
    theta = seen["theta"].astype(np.float64)
    H = explicit_hessian(theta, [8, 5, 10], data.X_train.astype(np.float64), data.y_train, f, f_prime)
    assert rows[-1]["sharpness"] == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-3)
    assert rows[-1]["stability"] == pytest.approx(cfg.lr * rows[-1]["sharpness"] / 2)


def close_pair_operator(n=2000, seed=0):
    """(hvp, top eigenvalue) of a diagonal Hessian whose top two eigenvalues are 1% apart, as tanh's are
    at the edge of stability (3.75 and 3.71 after 30 epochs at lr 0.5), over a bulk of both signs."""
    outliers = np.array([3.75, 3.71, 3.43, 3.24, 3.0, 2.7, 2.4, 2.0, 1.5])
    bulk = np.random.default_rng(seed).uniform(-0.5, 1.0, n - outliers.size)
    spectrum = np.concatenate([outliers, bulk])
    return (lambda v: spectrum * v), outliers[0]


@pytest.mark.parametrize("along_top", [0.3, 0.1])
def test_stopping_rule_does_not_stop_on_the_plateau_of_a_close_pair(along_top):
    # The warm start of a measurement after the top two eigenvectors swapped: mostly the second.
    # The estimate first settles near the second eigenvalue and moves by less than 1e-3 per
    # iteration there (the earlier rule stopped 1% low); the residual test must go on to the top.
    from bench.sharpness import estimate_settled

    hvp, top = close_pair_operator()
    start = 0.02 * np.random.default_rng(1).standard_normal(2000)
    start[:2] = along_top, 1.0
    basis = np.empty((sharpness.MAX_ITERATIONS, start.size))
    earlier = sharpness.lanczos_top(hvp, start, basis, sharpness.MAX_ITERATIONS, 1e-3, estimate_settled)
    assert earlier[0] < top * (1 - 5e-3)  # the failure the residual test is there to avoid
    value, vector, products = sharpness.lanczos_top(hvp, start, basis, sharpness.MAX_ITERATIONS, sharpness.TOL)
    assert value == pytest.approx(top, rel=3e-4) and value <= top * (1 + 1e-12)  # a Ritz value: from below
    assert abs(vector[0]) > 0.99 and products < sharpness.MAX_ITERATIONS


def test_bench_eigsh_matches_explicit_hessian_and_counts_products():
    from bench.sharpness import Counted, eigsh_top

    f, f_prime = ACTIVATIONS["tanh"].pair
    theta, X, y = small_problem(seed=8)
    exact = np.linalg.eigvalsh(explicit_hessian(theta, SIZES, X, y, f, f_prime))[-1]
    probe = SharpnessProbe(SIZES, X, y, f, f_prime, np.random.default_rng(1))
    probe.at(theta)
    counted = Counted(probe.hvp)
    value, vector = eigsh_top(counted, probe.vector, tol=1e-10, ncv=20)
    assert value == pytest.approx(exact, rel=1e-6)
    assert np.linalg.norm(probe.hvp(vector) - value * vector) <= 1e-6 * value
    assert counted.calls >= 20  # ARPACK builds its ncv-vector basis before it checks convergence


def test_bench_scores_every_solver_against_the_reference(make_dataset):
    from argparse import Namespace

    from bench.sharpness import SOLVERS, TARGET, measure_run

    args = Namespace(lr=0.5, epochs=4, every=2, samples=60, seed=0, check_reference=True)
    rows = measure_run("tanh", args, make_dataset(n_train=60, n_features=8), list(SOLVERS))
    assert [(row["epoch"], row["solver"]) for row in rows] == [
        (epoch, name) for epoch in (0, 2, 4) for name in ["reference", *SOLVERS]]
    meeting = {"reference": 1e-8, "lanczos": TARGET, "eigsh_3e-3": TARGET}  # else: the looser rules
    for row in rows:
        assert row["products"] >= 1 and row["cpu_seconds"] >= 0
        assert abs(row["error"]) <= meeting.get(row["solver"], 1e-2), row
        assert row["error"] <= 1e-9  # Ritz values approach the top eigenvalue from below
    reference, lanczos = rows[0], rows[1]
    assert lanczos["value"] == pytest.approx(reference["value"] * (1 + lanczos["error"]), rel=1e-12)
