"""Every activation in the table: derivative, in-place use, dtype, and behaviour at |z| = 1e4."""

import warnings

import numpy as np
import pytest

from study.net.activations import ACTIVATIONS, LEAKY_SLOPE, get_activation, make_leaky_relu
from study.net.mlp import INITS

NAMES = list(ACTIVATIONS)
DTYPES = ["float32", "float64"]
# Moderate points, none within 0.05 of relu's kink at 0.
POINTS = np.concatenate([np.linspace(-6, -0.05, 40), np.linspace(0.05, 6, 40)])
# (f(-1e4), f(1e4), f'(-1e4), f'(1e4)); a new activation needs its row here.
LIMITS = {
    "relu": (0.0, 1e4, 0.0, 1.0),
    "leaky_relu": (-1e4 * LEAKY_SLOPE, 1e4, LEAKY_SLOPE, 1.0),
    "sigmoid": (0.0, 1.0, 0.0, 0.0),
    "tanh": (-1.0, 1.0, 0.0, 0.0),
    "elu": (-1.0, 1e4, 0.0, 1.0),
    "softplus": (0.0, 1e4, 0.0, 1.0),
    "silu": (0.0, 1e4, 0.0, 1.0),
    "gelu": (0.0, 1e4, 0.0, 1.0),
}


def test_tables_cover_every_activation():
    assert set(LIMITS) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_default_init_is_he_for_the_rectifier_family_and_glorot_for_squashing_ones(name):
    # the documented rule (experiments/README.md, init = auto), pinned per activation
    activation = ACTIVATIONS[name]
    assert activation.default_init in INITS
    assert activation.default_init == ("he" if activation.relu_like else "glorot")


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_kinked_means_the_derivative_jumps(name):
    # f' on both sides of 0, a step of 1e-6 apart: a jump of more than 0.01 is a kink
    f_prime = ACTIVATIONS[name].f_prime
    left, right = f_prime(np.array([-1e-6])), f_prime(np.array([1e-6]))
    assert (abs(float(right[0] - left[0])) > 0.01) == ACTIVATIONS[name].kinked


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences(name):
    f, f_prime = ACTIVATIONS[name].pair
    h = 1e-6
    numeric = (f(POINTS + h) - f(POINTS - h)) / (2 * h)
    np.testing.assert_allclose(f_prime(POINTS), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_relu_kink_uses_subgradient_convention(name):
    """f'(0) lies between the one-sided derivatives (0 for relu, by the documented convention)."""
    f, f_prime = ACTIVATIONS[name].pair
    h = 1e-6
    zero = np.zeros(1)
    left = (f(zero) - f(zero - h)) / h
    right = (f(zero + h) - f(zero)) / h
    low, high = sorted([left[0], right[0]])
    assert low - 1e-5 <= f_prime(zero)[0] <= high + 1e-5
    if name == "relu":
        assert f_prime(zero)[0] == 0.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("which", [0, 1], ids=["f", "f_prime"])
@pytest.mark.parametrize("name", NAMES)
def test_out_may_alias_the_input(name, which, dtype):
    fn = ACTIVATIONS[name].pair[which]
    z = np.random.default_rng(0).normal(0, 3, size=(7, 5)).astype(dtype)
    expected = fn(z.copy())
    buffer = z.copy()
    result = fn(buffer, out=buffer)
    assert result is buffer  # the trainer relies on the buffer itself holding the answer
    np.testing.assert_allclose(buffer, expected, rtol=1e-6)


@pytest.mark.parametrize("which", [0, 1], ids=["f", "f_prime"])
@pytest.mark.parametrize("name", NAMES)
def test_separate_out_leaves_input_alone(name, which):
    fn = ACTIVATIONS[name].pair[which]
    z = np.random.default_rng(1).normal(0, 3, size=(6, 4))
    before = z.copy()
    out = np.full_like(z, np.nan)
    result = fn(z, out=out)
    assert result is out
    np.testing.assert_array_equal(z, before)
    np.testing.assert_allclose(out, fn(before), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("which", [0, 1], ids=["f", "f_prime"])
@pytest.mark.parametrize("name", NAMES)
def test_keeps_the_dtype(name, which, dtype):
    z = np.linspace(-3, 3, 11).astype(dtype)
    assert ACTIVATIONS[name].pair[which](z).dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_huge_inputs_are_finite_exact_and_silent(name, dtype):
    f, f_prime = ACTIVATIONS[name].pair
    z = np.array([-1e4, 1e4], dtype=dtype)
    # underflow (e^-1e4 -> 0) is the right answer, not a problem; overflow and nan are
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        values, slopes = f(z), f_prime(z)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(slopes))
    lo, hi, slope_lo, slope_hi = LIMITS[name]
    np.testing.assert_allclose(values, [lo, hi], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(slopes, [slope_lo, slope_hi], rtol=1e-6, atol=1e-6)


def test_sigmoid_saturates_exactly():
    f, f_prime = ACTIVATIONS["sigmoid"].pair
    for dtype in DTYPES:
        z = np.array([-1e4, 0.0, 1e4], dtype=dtype)
        np.testing.assert_array_equal(f(z), [0.0, 0.5, 1.0])
        np.testing.assert_array_equal(f_prime(z), [0.0, 0.25, 0.0])


def test_hand_values():
    z = np.array([-2.0, 1.0])
    expected = {
        "relu": [0, 1],
        "leaky_relu": [-0.02, 1],
        "sigmoid": [1 / (1 + np.exp(2)), 1 / (1 + np.exp(-1))],
        "tanh": np.tanh(z),
        "elu": [np.exp(-2) - 1, 1],
        "softplus": np.log1p(np.exp(z)),
        "silu": z / (1 + np.exp(-z)),
        "gelu": 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
    }
    assert set(expected) == set(ACTIVATIONS)
    for name, values in expected.items():
        np.testing.assert_allclose(ACTIVATIONS[name].pair[0](z), values, rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("slope", [0.0, 0.2, 0.5])
def test_leaky_relu_custom_slope(slope):
    f, f_prime = get_activation("leaky_relu", slope)
    z = np.array([-3.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(f(z), [-3 * slope, -0.5 * slope, 0.5, 2.0])
    np.testing.assert_allclose(f_prime(z), [slope, slope, 1.0, 1.0])


def test_default_leaky_slope_is_the_table_entry():
    f, _ = get_activation("leaky_relu")
    assert f(np.array([-1.0]))[0] == -LEAKY_SLOPE
    assert get_activation("relu", 0.3) == ACTIVATIONS["relu"].pair  # the slope only matters for leaky_relu
    f_made, _ = make_leaky_relu(0.3)
    assert f_made(np.array([-1.0]))[0] == pytest.approx(-0.3)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError) as info:
        get_activation("swish")
    assert "'swish'" in str(info.value)
    for name in ACTIVATIONS:
        assert name in str(info.value)
