"""The sharpness measurement's documented rules (docs/sharpness.md, study/net/sharpness.py) at their
boundaries: a stopping test relative to the eigenvalue's size, tested on eigenvalues far from 1;
float64 products with eps = 1e-7 (1 + |theta|); kinks linearized at theta.
"""

import numpy as np
import pytest

from study.net import sharpness
from study.net.activations import ACTIVATIONS
from study.net.mlp import init_params, layers, n_params
from study.net.sharpness import SharpnessProbe


def above(x):
    return float(np.nextafter(x, np.inf))

# ---- Lanczos: the residual test is relative to the eigenvalue ------------------------------------

N_DIM = 400


def spectrum_and_start(seed=0):
    """A diagonal Hessian with top eigenvalue 1 over a bulk in [-0.3, 0.8], and a random start."""
    rng = np.random.default_rng(seed)
    return np.concatenate([[1.0], rng.uniform(-0.3, 0.8, N_DIM - 1)]), rng.standard_normal(N_DIM)


def top_of(spectrum, start, converged=None):
    basis = np.empty((sharpness.MAX_ITERATIONS, N_DIM))
    return sharpness.lanczos_top(lambda v: spectrum * v, start, basis, sharpness.MAX_ITERATIONS, sharpness.TOL,
                                 converged)


def test_the_residual_test_is_residual_at_most_tol_times_the_eigenvalues_size():
    tol = 2.0**-10  # tol x 3 is exact
    assert sharpness.residual_small([5.0, -3.0], 3 * tol, tol)  # the size of a negative eigenvalue
    assert not sharpness.residual_small([5.0, -3.0], above(3 * tol), tol)


@pytest.mark.parametrize("scale", [2.0**-10, 2.0**10])  # eigenvalues near 1e-3 and 1e3
def test_the_stopping_rule_does_the_same_work_at_any_scale_of_the_eigenvalues(scale):
    # Scaling by a power of two is exact, so the same Krylov steps happen. An absolute test (residual
    # <= 1e-3) would stop after one product near 1e-3 and go on long after convergence near 1e3.
    spectrum, start = spectrum_and_start()
    value_1, _, products_1 = top_of(spectrum, start)
    value, _, products = top_of(scale * spectrum, start)
    assert value == pytest.approx(scale, rel=3e-4) and value_1 == pytest.approx(1.0, rel=3e-4)
    assert abs(products - products_1) <= 1 and products_1 < sharpness.MAX_ITERATIONS


def test_a_negative_top_eigenvalue_near_minus_1e_3_stops_on_its_size():
    rng = np.random.default_rng(0)
    spectrum = -(2.0**-10) * np.concatenate([[1.0], rng.uniform(1.5, 3.0, N_DIM - 1)])
    value, _, products = top_of(spectrum, rng.standard_normal(N_DIM))
    assert value == pytest.approx(-(2.0**-10), rel=3e-4) and products < sharpness.MAX_ITERATIONS


def test_an_exhausted_krylov_space_stops_with_the_exact_eigenvalue_even_at_zero():
    # three distinct eigenvalues, the top one 0 (no relative residual test can pass), far from 1 in
    # size: Lanczos spans the invariant subspace in 3 products, where beta vanishes relative to them
    spectrum = np.repeat([0.0, -(2.0**20), -(2.0**21)], [100, 150, 150])
    value, _, products = top_of(spectrum, spectrum_and_start()[1], converged=lambda *_: False)
    assert products == 3 and abs(value) < 1e-12 * 2.0**21


def test_without_convergence_lanczos_takes_exactly_its_maximum_of_products():
    spectrum, start = spectrum_and_start()
    _, _, products = top_of(spectrum, start, converged=lambda *_: False)
    assert products == sharpness.MAX_ITERATIONS == 30


# ---- the sharpness probe: float64 central differences with eps = 1e-7 (1 + |theta|) ------------

def probe_problem(sizes, seed=0, n=8):
    rng = np.random.default_rng(seed)
    theta = init_params(sizes, "glorot", rng, "float64") + rng.normal(0, 0.3, n_params(sizes))
    return theta, rng.normal(0, 1, size=(n, sizes[0])).astype(np.float32), rng.integers(0, sizes[-1], n)


def test_the_probe_works_in_float64_with_its_documented_step():
    theta, X, y = probe_problem([6, 5, 3])
    probe = SharpnessProbe([6, 5, 3], X, y, *ACTIVATIONS["tanh"].pair, np.random.default_rng(1))
    probe.at(theta.astype(np.float32))
    assert probe.X.dtype == np.float64 and probe.theta.dtype == np.float64
    assert probe.eps == sharpness.STEP * (1 + np.linalg.norm(theta.astype(np.float32).astype(np.float64)))


def test_a_network_with_three_hidden_layers_gets_its_top_eigenvalue():
    from test_sharpness import converged_probe, explicit_hessian

    sizes = [5, 4, 4, 4, 3]
    theta, X, y = probe_problem(sizes, seed=2)
    f, f_prime = ACTIVATIONS["tanh"].pair
    exact = np.linalg.eigvalsh(explicit_hessian(theta, sizes, X.astype(np.float64), y, f, f_prime))[-1]
    assert converged_probe(sizes, X, y, f, f_prime)(theta) == pytest.approx(exact, rel=1e-6)


def test_a_kink_crossed_near_but_not_at_theta_is_linearized_at_theta():
    # z = 1e-9 at theta: relu is on its linear side there, and a step of eps crosses the kink;
    # the product must be that of the linear unit (AD's answer), kept on both sides
    from test_sharpness import converged_probe, explicit_hessian, frozen_relu

    sizes = [3, 4, 3]
    theta, X, y = probe_problem(sizes, seed=5)
    X = X.astype(np.float64)
    W1, b1 = layers(theta, sizes)[0]
    X[0], W1[:, 0], b1[0] = [0.5, 0.25, 0.0], [1.0, -2.0, 0.75], 1e-9
    mask = (X @ W1 + b1 > 0).astype(float)
    H = explicit_hessian(theta, sizes, X, y, *frozen_relu(mask))
    probe = converged_probe(sizes, X, y, *ACTIVATIONS["relu"].pair)
    probe.at(theta)
    v = np.random.default_rng(6).standard_normal(theta.size)
    assert np.linalg.norm(probe.hvp(v) - H @ v) <= 1e-6 * np.linalg.norm(H @ v)
    assert probe.kink[0][0, 0]  # premise: the unit did cross its kink
