"""The trainer's documented rules, each tested at its boundary with data that a neighbouring rule would
get wrong (experiments/README.md, docs/sharpness.md, the docstrings of study/training, study/net,
study/data/datasets.py).
"""

import numpy as np
import pytest

from study.config import make_config
from study.data.datasets import stratified_subset
from study.net import sharpness
from study.net.activations import ACTIVATIONS, get_activation
from study.net.mlp import init_params, layers, n_params
from study.net.sharpness import SharpnessProbe
from study.training.run import (DIVERGENCE_FACTOR, INACTIVE_TOLERANCE, derivative_floor, diverged,
                                inactive_fractions, start_run)


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


# ---- stratified subsets: leftover images to the largest fractional parts, ties by class order ---

def labels(counts, seed=0):
    """Labels with counts[c] images of class c, shuffled so that class order is not first appearance."""
    y = np.repeat(np.arange(len(counts)), counts)
    rng = np.random.default_rng(seed)
    rng.shuffle(y)
    return y


def per_class(y, n):
    return np.bincount(y[stratified_subset(y, n, np.random.default_rng(1))], minlength=y.max() + 1).tolist()


def test_leftover_images_go_to_the_classes_with_the_largest_fractional_parts():
    # 7 of 20: exact shares 0.7, 1.05, 1.4, 1.75, 2.1 -> floors 0, 1, 1, 1, 2 and 2 left over, which go to
    # the fractional parts 0.75 (class 3) and 0.7 (class 0); not to the largest classes, nor the first ones
    assert per_class(labels([2, 3, 4, 5, 6]), 7) == [1, 1, 1, 2, 2]


def test_a_tie_of_fractional_parts_goes_to_the_earlier_classes():
    # 5 of 10: shares 0.5, 1.5, 1.0, 1.5, 0.5 -> 2 left over among four parts of exactly 0.5: classes 0 and 1
    y = labels([1, 3, 2, 3, 1], seed=3)
    assert y[0] != 0  # premise: class 0 is not the first label met
    assert per_class(y, 5) == [1, 2, 1, 1, 0]


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


# ---- what a run is built from -------------------------------------------------------------------

def test_a_leaky_relu_run_trains_with_its_own_slope(make_dataset):
    cfg = make_config({"activation": "leaky_relu", "leaky_slope": 0.2, "hidden": [8], "n_val": 0})
    run = start_run(cfg, make_dataset(n_train=100, n_features=20))
    assert run.f_prime(np.array([-1.0]))[0] == pytest.approx(0.2) and run.floor == pytest.approx(0.2)


def test_the_recorded_class_mean_cost_is_computed_in_float64():
    from study.net.faults import class_mean_cost

    losses = np.random.default_rng(0).uniform(0.01, 3.0, 1000).astype(np.float32)
    assert class_mean_cost(losses) == class_mean_cost(losses.astype(np.float64))


def test_a_split_larger_than_the_training_images_is_refused():
    from study.data.datasets import split_train_val
    from study.data.idx import DataError

    y = np.arange(40) % 10
    with pytest.raises(DataError, match=r"n_val \(30\) \+ n_train \(20\) exceed the dataset's 40"):
        split_train_val(y, 30, 20, np.random.default_rng(0))
    train, val = split_train_val(y, 30, 10, np.random.default_rng(0))  # exactly all of them
    assert len(train) == 10 and len(val) == 30 and not set(train) & set(val)


def test_loaded_data_says_where_it_came_from(tmp_path, data_env, idx_folder, monkeypatch):
    from study.data import datasets
    from study.data.idx import DataError

    idx_folder(tmp_path / "mnist")
    data = datasets.load("mnist", tmp_path, download=False)
    assert data.name == "mnist" and data.y_test.dtype == np.int64
    meta = data.meta
    assert meta["folder"] == str(tmp_path / "mnist") and meta["n_test"] == len(data.X_test)
    assert meta["val_split_seed"] == datasets.VAL_SPLIT_SEED
    assert 0 <= meta["load_seconds"] < 600 and round(meta["load_seconds"], 3) == meta["load_seconds"]
    assert datasets.load(data_dir=tmp_path, download=False).name == "mnist"  # the default dataset
    with pytest.raises(DataError, match="download failed"):  # downloading is tried unless refused
        datasets.load("mnist", tmp_path / "elsewhere")
    monkeypatch.delenv("STUDY_CACHE_DIR")
    assert datasets.cache_dir() == datasets.PROJECT_ROOT / "data"  # the gitignored /data/


def test_a_download_lands_in_the_cache_and_a_miss_lists_every_folder(tmp_path, data_env, monkeypatch):
    from study.data import datasets
    from study.data.idx import DataError
    from conftest import small_idx_arrays, write_idx_folder

    with pytest.raises(DataError) as info:
        datasets.locate("mnist", tmp_path / "given", download=False)
    looked = ", ".join(str(folder) for folder in datasets.search_dirs("mnist", tmp_path / "given"))
    assert f"(looked in {looked}; download disabled)" in str(info.value)
    monkeypatch.setattr(datasets, "download_dataset", lambda name, folder, stems: write_idx_folder(
        folder, small_idx_arrays()))
    assert datasets.locate("mnist", tmp_path / "given")["train_images"].parent == data_env / "mnist"

