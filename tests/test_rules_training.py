"""The trainer's documented rules, each tested at its boundary with data that a neighbouring rule would
get wrong (experiments/README.md, the docstrings of study/training and study/net/faults.py):
divergence, inactive units, the default init per activation, what a run is built from.
"""

import numpy as np
import pytest

from study.config import make_config
from study.net.activations import ACTIVATIONS, get_activation
from study.net.mlp import layers
from study.training.run import DIVERGENCE_FACTOR, INACTIVE_TOLERANCE, diverged, inactive_fractions
from study.training.start import derivative_floor, start_run


def above(x):
    return float(np.nextafter(x, np.inf))


# ---- divergence: strictly above 10x the epoch-0 cost --------------------------------------------

def test_a_cost_of_exactly_ten_times_the_first_is_not_divergence():
    assert DIVERGENCE_FACTOR == 10.0
    assert not diverged(20.0, 2.0) and diverged(above(20.0), 2.0)
    assert not diverged(0.5, 2.0) and diverged(np.inf, 2.0) and diverged(np.nan, 2.0)


# ---- inactive units: |f'| within 1e-3 of its floor on every sample ------------------------------

@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_a_unit_exactly_at_the_tolerance_is_inactive_and_just_above_it_is_not(activation):
    f_prime = get_activation(activation)[1]
    floor = derivative_floor(f_prime, "float64")
    edge = floor + INACTIVE_TOLERANCE
    # 45 samples (not a multiple of the 32-row blocks), every unit at its floor except in sample 20
    derivatives = np.full((45, 3), floor)
    derivatives[20] = [edge, above(edge), floor]
    assert inactive_fractions([derivatives], floor) == {"inactive_1": pytest.approx(2 / 3)}
    derivatives[20, 2] = above(edge)  # now only unit 0 is inactive
    assert inactive_fractions([derivatives], floor) == {"inactive_1": pytest.approx(1 / 3)}


# ---- initialization: auto is He for the relu family, Glorot for sigmoid and tanh ----------------

DEFAULT_INIT = {"relu": "he", "leaky_relu": "he", "elu": "he", "softplus": "he", "silu": "he", "gelu": "he",
                "sigmoid": "glorot", "tanh": "glorot"}


def test_each_activation_trains_from_its_documented_init(make_dataset):
    assert {name: a.default_init for name, a in ACTIVATIONS.items()} == DEFAULT_INIT
    data = make_dataset(n_train=100, n_features=20)
    std = {"he": np.sqrt(2 / 20), "glorot": np.sqrt(2 / (20 + 300))}  # first layer: fan_in 20, fan_out 300
    for name, init in DEFAULT_INIT.items():
        other = {"he": "glorot", "glorot": "he"}[init]  # an explicit init overrides auto
        for asked, used in (("auto", init), (other, other)):
            cfg = make_config({"activation": name, "init": asked, "hidden": [300], "n_val": 0, "n_train": 100})
            W1 = layers(start_run(cfg, data).theta, [20, 300, 10])[0][0]
            assert cfg.resolved_init == used and W1.std() == pytest.approx(std[used], rel=0.05), (name, asked)


# ---- what a run is built from -------------------------------------------------------------------

def test_a_leaky_relu_run_trains_with_its_own_slope(make_dataset):
    cfg = make_config({"activation": "leaky_relu", "leaky_slope": 0.2, "hidden": [8], "n_val": 0})
    run = start_run(cfg, make_dataset(n_train=100, n_features=20))
    assert run.f_prime(np.array([-1.0]))[0] == pytest.approx(0.2) and run.floor == pytest.approx(0.2)


def test_the_recorded_class_mean_cost_is_computed_in_float64():
    from study.net.faults import class_mean_cost

    losses = np.random.default_rng(0).uniform(0.01, 3.0, 1000).astype(np.float32)
    assert class_mean_cost(losses) == class_mean_cost(losses.astype(np.float64))
