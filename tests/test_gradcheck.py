"""The gradient check passes for every activation and catches wrong derivatives and mismatched pairs."""

from dataclasses import replace

import numpy as np
import pytest

from study.cli import main
from study.net import activations as acts
from study.net.activations import ACTIVATIONS, get_activation
from study.net.gradcheck import TOLERANCE, check_gradients, gradcheck_all, numerical_gradient, relative_error


def with_out(fn):
    """Give a plain function of z the (z, out=None) signature the network calls it with."""

    def wrapped(z, out=None):
        value = fn(z)
        if out is None:
            return value
        out[...] = value
        return out

    return wrapped


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_passes(name):
    f, f_prime = ACTIVATIONS[name].pair
    for seed in (0, 1):
        assert check_gradients(f, f_prime, seed) <= TOLERANCE


def test_custom_leaky_slope_passes():
    assert check_gradients(*get_activation("leaky_relu", 0.3)) <= TOLERANCE


def test_gradcheck_all_covers_the_table():
    errors = gradcheck_all()
    assert set(errors) == set(ACTIVATIONS)
    assert all(0 <= err <= TOLERANCE for err in errors.values())


WRONG_PAIRS = {
    # a plausible slip in sigmoid's derivative: sigmoid(1 - z) instead of 1 - sigmoid(z)
    "sigmoid, wrong derivative": (acts.sigmoid, with_out(lambda z: acts.sigmoid(z) * acts.sigmoid(1 - z))),
    "relu forward, tanh' backward": (acts.relu, acts.tanh_prime),
    # the learner's bug: forward always relu, backward with the chosen activation's derivative
    "relu forward, sigmoid' backward": (acts.relu, acts.sigmoid_prime),
    "tanh derivative from f(z) not z": (acts.tanh, with_out(lambda z: 1 - np.tanh(np.tanh(z)) ** 2)),
    "gradient twice too large": (acts.tanh, with_out(lambda z: 2 * (1 - np.tanh(z) ** 2))),
}


@pytest.mark.parametrize("pair", WRONG_PAIRS)
def test_wrong_pairs_are_caught(pair):
    f, f_prime = WRONG_PAIRS[pair]
    assert check_gradients(f, f_prime) > TOLERANCE


def test_cli_fails_on_a_planted_bad_activation(monkeypatch, capsys):
    f, f_prime = WRONG_PAIRS["sigmoid, wrong derivative"]
    monkeypatch.setitem(ACTIVATIONS, "broken", replace(ACTIVATIONS["sigmoid"], f=f, f_prime=f_prime))
    assert main(["gradcheck"]) == 1
    out = capsys.readouterr().out
    assert "broken" in out and "FAIL" in out and "gradcheck failed for broken" in out


def test_cli_passes(capsys):
    assert main(["gradcheck"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in ACTIVATIONS:
        (line,) = [text for text in lines if text.split()[0] == name]
        assert line.endswith("ok")
    assert lines[-1] == f"all {len(ACTIVATIONS)} activations within {TOLERANCE:g}"


def test_numerical_gradient_of_a_quadratic():
    theta = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient(lambda t: float(np.sum(t**2) + t[0] * t[1]), theta)
    np.testing.assert_allclose(grad, [2 * 1 - 2, 2 * -2 + 1, 1.0], atol=1e-8)
    np.testing.assert_array_equal(theta, [1.0, -2.0, 0.5])  # restored


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 0]), np.array([1.0, 0])) == 0.0
    assert relative_error(np.array([3.0, 4.0]), np.array([0.0, 0.0])) == 1.0
