"""The table of hidden-layer activations: name -> Activation (f, f_prime and its properties)."""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Derivative convention: f_prime takes the pre-activation z (not f(z)) and returns df/dz
# elementwise; at relu's kink z = 0 we use the subgradient 0.
# Both accept `out=` so the trainer can reuse buffers across epochs.

LEAKY_SLOPE = 0.01  # default negative-side slope of leaky_relu
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def relu(z, out=None):
    return np.maximum(z, 0, out=out)


def relu_prime(z, out=None):
    if out is None:
        return (z > 0).astype(z.dtype)
    return np.greater(z, 0, out=out)  # bool results cast into the float buffer


def make_leaky_relu(slope=LEAKY_SLOPE):
    """Return (f, f_prime) for leaky relu with the given negative-side slope."""

    def leaky_relu(z, out=None):
        # max(z, slope*z) equals leaky relu for 0 <= slope <= 1; slope*z is a temporary, as out may be z
        return np.maximum(z, np.multiply(z, slope), out=out)

    def leaky_relu_prime(z, out=None):
        out = relu_prime(z, out=out)  # 1 where z > 0, else 0
        out *= 1.0 - slope
        out += slope
        return out

    return leaky_relu, leaky_relu_prime


def sigmoid(z, out=None):
    # 0.5 * (1 + tanh(z / 2)) is the logistic function and never overflows, even for |z| = 1e4
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def sigmoid_prime(z, out=None):
    out = sigmoid(z, out=out)
    return np.multiply(out, 1.0 - out, out=out)


def tanh(z, out=None):
    return np.tanh(z, out=out)


def tanh_prime(z, out=None):
    out = np.tanh(z, out=out)
    np.square(out, out=out)
    np.subtract(1.0, out, out=out)
    return out


def elu(z, out=None):
    # max(z, 0) + expm1(min(z, 0)): exp only ever sees non-positive values, so no overflow
    neg = np.minimum(z, 0)
    np.expm1(neg, out=neg)
    out = np.maximum(z, 0, out=out)
    out += neg
    return out


def elu_prime(z, out=None):
    # 1 for z > 0 and e^z otherwise, which is exactly exp(min(z, 0))
    out = np.minimum(z, 0, out=out)
    return np.exp(out, out=out)


def softplus(z, out=None):
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): stable for any |z|
    return np.logaddexp(z, 0, out=out)


def softplus_prime(z, out=None):
    return sigmoid(z, out=out)


def silu(z, out=None):
    s = sigmoid(z)  # a temporary: out may be z itself, which is read again below
    return np.multiply(s, z, out=out)


def silu_prime(z, out=None):
    s = sigmoid(z)
    out = np.multiply(z, 1.0 - s, out=out)  # s * (1 + z * (1 - s))
    out += 1.0
    out *= s
    return out


def gelu(z, out=None):
    # tanh approximation of GELU (as in Hendrycks & Gimpel); its derivative below is exact for it
    t = np.tanh(_gelu_inner(z))  # a temporary: out may be z itself, which is read again below
    t += 1.0
    t *= z
    return np.multiply(t, 0.5, out=out)


def gelu_prime(z, out=None):
    # everything that reads z comes before `out` is written: out may be z itself
    t = np.tanh(_gelu_inner(z))
    slope = SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * z * z)
    slope *= z
    slope *= 1.0 - t * t
    slope += 1.0 + t
    return np.multiply(slope, 0.5, out=out)


def _gelu_inner(z, out=None):
    out = np.multiply(z, z, out=out)
    out *= 0.044715 * z
    out += z
    out *= SQRT_2_OVER_PI
    return out


@dataclass(frozen=True)
class Activation:
    """Everything the harness knows about one activation; the analysis reads the properties from
    each results folder's manifest (study/contract.py), so they are stated here only."""

    f: Callable
    f_prime: Callable  # df/dz at the pre-activation z, as in the convention above
    default_init: str  # init = "auto" uses it: He for the rectifier family, Glorot for squashing ones
    kinked: bool  # f' jumps somewhere (relu's kink at 0)
    relu_like: bool  # a rectifier: about z for large z and about 0 (or slope x z) for negative z
    color: str  # how every figure draws it (colorblind-safe Okabe-Ito hues first)

    @property
    def pair(self):
        return self.f, self.f_prime


ACTIVATIONS = {
    "relu": Activation(relu, relu_prime, "he", kinked=True, relu_like=True, color="#0072B2"),
    "leaky_relu": Activation(*make_leaky_relu(), "he", kinked=True, relu_like=True, color="#E69F00"),
    "sigmoid": Activation(sigmoid, sigmoid_prime, "glorot", kinked=False, relu_like=False, color="#555555"),
    "tanh": Activation(tanh, tanh_prime, "glorot", kinked=False, relu_like=False, color="#7B3294"),
    "elu": Activation(elu, elu_prime, "he", kinked=False, relu_like=True, color="#009E73"),
    "softplus": Activation(softplus, softplus_prime, "he", kinked=False, relu_like=True, color="#56B4E9"),
    "silu": Activation(silu, silu_prime, "he", kinked=False, relu_like=True, color="#D55E00"),
    "gelu": Activation(gelu, gelu_prime, "he", kinked=False, relu_like=True, color="#CC79A7"),
}


def get_activation(name, leaky_slope=LEAKY_SLOPE):
    """(f, f_prime) by name; leaky_relu takes its slope from `leaky_slope`."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid: {', '.join(ACTIVATIONS)}")
    if name == "leaky_relu" and leaky_slope != LEAKY_SLOPE:
        return make_leaky_relu(leaky_slope)
    return ACTIVATIONS[name].pair
