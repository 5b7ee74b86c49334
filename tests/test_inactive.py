"""Dead and saturated units: derivative floors, inactive fractions by hand, and through train()."""

import numpy as np
import pytest

from study.config import make_config
from study.net import optimizers
from study.net.activations import ACTIVATIONS, get_activation
from study.net.mlp import layers
from study.training import start as run_module
from study.training.run import INACTIVE_TOLERANCE, inactive_fractions
from study.training.start import derivative_floor
from study.training.train import train


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_derivative_floor_is_zero_except_for_leaky_relu(dtype):
    for name, activation in ACTIVATIONS.items():
        f_prime = activation.f_prime
        expected = 0.01 if name == "leaky_relu" else 0.0
        assert derivative_floor(f_prime, dtype) == pytest.approx(expected, abs=1e-9), name
    assert derivative_floor(get_activation("leaky_relu", 0.2)[1], dtype) == pytest.approx(0.2)


def fractions_of(activation, Z, slope=0.01):
    """inactive_1 for one layer with pre-activations Z (samples x units), as the trainer counts it."""
    _, f_prime = get_activation(activation, slope)
    return inactive_fractions([f_prime(np.array(Z, dtype=float))], derivative_floor(f_prime, "float64"))


def test_relu_counts_a_unit_dead_on_every_sample_only():
    Z = [  # unit 0: negative everywhere; 1: positive on one sample; 2: exactly 0 (relu'(0) = 0)
        [-1.0, -2.0, 0.0],
        [-0.5, 3.0, 0.0],
        [-4.0, -1.0, 0.0],
    ]
    assert fractions_of("relu", Z) == {"inactive_1": pytest.approx(2 / 3)}


def test_sigmoid_counts_units_saturated_on_either_side():
    # sigmoid'(7) = 9.1e-4 is within the 1e-3 tolerance of 0, sigmoid'(6) = 2.5e-3 is not
    Z = [  # saturated high, saturated low, mixed sides but saturated, just outside, active once
        [20.0, -30.0, 7.0, 6.0, -20.0],
        [25.0, -20.0, -7.5, -6.0, 0.5],
    ]
    assert 6 < np.log(1 / INACTIVE_TOLERANCE) < 7  # sigmoid' ~ e^-|z|: the boundary is between
    assert fractions_of("sigmoid", Z) == {"inactive_1": pytest.approx(3 / 5)}


def test_leaky_relu_counts_units_at_its_slope():
    Z = [[-1.0, -1.0, 2.0], [-3.0, 0.5, 1.0]]  # only unit 0 is on the negative side everywhere
    assert fractions_of("leaky_relu", Z) == {"inactive_1": pytest.approx(1 / 3)}
    assert fractions_of("leaky_relu", Z, slope=0.3) == {"inactive_1": pytest.approx(1 / 3)}


def test_a_negative_derivative_is_not_a_floor():
    # silu' is about -0.1 near z = -2.4: far from the floor 0 in absolute value, so the unit is active
    assert fractions_of("silu", [[-2.4, -50.0], [-2.3, -60.0]]) == {"inactive_1": pytest.approx(1 / 2)}


def test_one_fraction_per_hidden_layer():
    _, f_prime = ACTIVATIONS["relu"].pair
    first = f_prime(np.array([[-1.0, 1.0], [-1.0, -1.0]]))  # one of 2 units dead
    second = f_prime(np.array([[-1.0, -1.0, -1.0, 2.0]]))  # 3 of 4
    derivatives = [first, second]
    assert inactive_fractions(derivatives, 0.0) == {"inactive_1": 0.5, "inactive_2": 0.75}


@pytest.mark.parametrize("n", [1, 31, 32, 33, 100])
def test_every_sample_counts_whatever_the_number_of_samples(n):
    rng = np.random.default_rng(n)
    Z = rng.uniform(-2, 2, size=(n, 40))  # units 20..39: active
    Z[:, :20] = rng.choice([-1, 1], size=(n, 20)) * rng.uniform(8, 30, size=(n, 20))  # saturated
    Z[0, 0] = Z[-1, 1] = 0.0  # ...except on the first sample of unit 0 and the last of unit 1
    _, f_prime = ACTIVATIONS["sigmoid"].pair
    assert inactive_fractions([f_prime(Z)], 0.0) == {"inactive_1": pytest.approx(18 / 40)}


def direct_inactive_fractions(theta, sizes, X, activation):
    """Recomputed independently: forward in float64, then units with |f'| near its floor everywhere."""
    f, f_prime = get_activation(activation)
    floor = abs(float(f_prime(np.array([-1e4]))[0]))
    H, fractions = np.asarray(X, dtype=float), {}
    for layer, (W, b) in enumerate(layers(theta.astype(float), sizes)[:-1], start=1):
        Z = H @ W + b
        at_floor = np.abs(f_prime(Z)) <= floor + INACTIVE_TOLERANCE
        fractions[f"inactive_{layer}"] = float(np.mean(at_floor.all(axis=0)))
        H = f(Z)
    return fractions


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_train_reports_planted_dead_units(activation, make_dataset, monkeypatch):
    data = make_dataset(n_train=100, n_features=12)
    cfg = make_config({"activation": activation, "lr": 0.1, "epochs": 4, "hidden": [8, 6], "n_val": 0})
    real_init, real_step, seen = run_module.init_params, optimizers.step, {}

    def init_with_dead_units(sizes, *args):
        theta = real_init(sizes, *args)
        layers(theta, sizes)[0][1][:3] = -1e3  # three first-layer units negative on every input
        return theta

    def step_and_keep(theta, grad, lr):
        seen["theta"] = theta  # the trainer updates this one array in place
        real_step(theta, grad, lr)

    monkeypatch.setattr(run_module, "init_params", init_with_dead_units)
    monkeypatch.setattr(optimizers, "step", step_and_keep)
    result = train(cfg, data)
    assert result.status == "ok" and len(result.rows) == cfg.epochs + 1
    assert all(row["inactive_1"] >= 3 / 8 for row in result.rows)
    assert all(0 <= row[key] <= 1 for row in result.rows for key in ("inactive_1", "inactive_2"))
    final = {key: result.rows[-1][key] for key in ("inactive_1", "inactive_2")}
    expected = direct_inactive_fractions(seen["theta"], [12, 8, 6, 10], data.X_train, activation)
    assert final == pytest.approx(expected)
