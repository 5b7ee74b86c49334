"""Momentum and Adam against references written here and torch.optim; mini-batch epochs; stability.

The references never import study.optimizers: each update rule is written again below from its
textbook form, and driven by study.net.mlp.cost_and_grad from the trainer's initial parameters. The
trainer's trajectory (train()'s per-epoch costs, and the parameters after the last update) must
match to 1e-10 in float64 over 20 updates.
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import synthetic_dataset

from study.config import ConfigError, make_config
from study.net.mlp import cost_and_grad, layers
from study.net.optimizers import OPTIMIZERS
from study.training import run as run_module
from study.training.run import run_epoch
from study.training.start import start_run
from study.training.train import train

HIDDEN = (16, 8)
STEPS = 20
TOLERANCE = 1e-10
N_TRAIN = 200  # training images of the synthetic dataset (n_val 0)
# The run's generators, in the order start_run spawns them from the seed; batches use the fourth.
BATCH_GENERATOR = 3
SETTINGS = {  # optimizer -> its own settings for the reference comparisons
    "gd": {"lr": 0.3},
    "momentum": {"lr": 0.05, "beta": 0.8},
    "adam": {"lr": 0.01, "beta1": 0.85, "beta2": 0.99, "eps": 1e-7},
}


@pytest.fixture(scope="module")
def data():
    return synthetic_dataset(n_train=N_TRAIN)


def config(optimizer, **settings):
    base = {"hidden": HIDDEN, "epochs": STEPS, "n_val": 0, "dtype": "float64", "seed": 3, "optimizer": optimizer}
    return make_config({**base, **SETTINGS[optimizer], **settings})


def without_seconds(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


# --- update rules written independently: step(theta, grad) -> new theta --------------------------

def plain_descent(cfg):
    return lambda theta, grad: theta - cfg.lr * grad


def heavy_ball(cfg):
    velocity = [0.0]

    def step(theta, grad):
        velocity[0] = cfg.beta * velocity[0] + grad
        return theta - cfg.lr * velocity[0]

    return step


def adam(cfg):
    moments = {"m": 0.0, "v": 0.0, "t": 0}

    def step(theta, grad):
        moments["t"] += 1
        t = moments["t"]
        moments["m"] = cfg.beta1 * moments["m"] + (1 - cfg.beta1) * grad
        moments["v"] = cfg.beta2 * moments["v"] + (1 - cfg.beta2) * grad**2
        m_hat = moments["m"] / (1 - cfg.beta1**t)
        v_hat = moments["v"] / (1 - cfg.beta2**t)
        return theta - cfg.lr * m_hat / (np.sqrt(v_hat) + cfg.eps)

    return step


REFERENCE_RULES = {"gd": plain_descent, "momentum": heavy_ball, "adam": adam}


def batch_orders(cfg, n):
    """Each epoch's shuffle: permutations drawn from the run's own batch generator."""
    rng = np.random.default_rng(cfg.seed).spawn(BATCH_GENERATOR + 1)[BATCH_GENERATOR]
    return [rng.permutation(n) for _ in range(cfg.epochs)]


def epoch_batches(cfg, n, epoch, orders):
    """The row indices of each update of `epoch`: the whole set, or consecutive slices of its shuffle."""
    if not cfg.batch_size or cfg.batch_size >= n:
        return [np.arange(n)]
    order = orders[epoch]
    return [order[start:start + cfg.batch_size] for start in range(0, n, cfg.batch_size)]


def reference_trajectory(cfg, data):
    """(training cost at every epoch, parameters after the last update) from the reference rule."""
    run = start_run(cfg, data)  # only for the same initial parameters and training images
    theta, X, y, sizes = run.theta.copy(), run.X, run.y, run.sizes
    step = REFERENCE_RULES[cfg.optimizer](cfg)
    orders = batch_orders(cfg, len(y))
    costs = []
    for epoch in range(cfg.epochs + 1):
        costs.append(cost_and_grad(theta, sizes, X, y, run.f, run.f_prime)[0])
        if epoch == cfg.epochs:
            break
        for rows in epoch_batches(cfg, len(y), epoch, orders):
            theta = step(theta, cost_and_grad(theta, sizes, X[rows], y[rows], run.f, run.f_prime)[2])
    return np.array(costs), theta


def trainer_parameters(cfg, data):
    """The trainer's parameters after its last update: train()'s loop, run epoch by epoch."""
    run = start_run(cfg, data)
    for epoch in range(cfg.epochs + 1):
        run_epoch(run, epoch)
    return run.theta


def trainer_costs(cfg, data):
    return np.array([row["train_cost"] for row in train(cfg, data).rows])


@pytest.mark.parametrize("batch_size", [0, 64])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("optimizer", ["momentum", "adam", "gd"])
def test_trainer_matches_the_reference_update_rule(data, optimizer, activation, batch_size):
    cfg = config(optimizer, activation=activation, batch_size=batch_size)
    expected_costs, expected_theta = reference_trajectory(cfg, data)
    costs = trainer_costs(cfg, data)
    assert len(costs) == STEPS + 1
    assert np.max(np.abs(costs - expected_costs)) < TOLERANCE
    assert np.max(np.abs(trainer_parameters(cfg, data) - expected_theta)) < TOLERANCE
    assert expected_costs[-1] < expected_costs[0] - 0.1  # the comparison is over a trajectory that moved


def test_full_batch_gd_is_exactly_the_plain_update(data):
    cfg = config("gd")
    expected_costs, expected_theta = reference_trajectory(cfg, data)
    assert trainer_costs(cfg, data).tolist() == expected_costs.tolist()
    assert np.array_equal(trainer_parameters(cfg, data), expected_theta)


def test_defaults_are_full_batch_gd_and_momentum_without_momentum_is_gd(data):
    defaults = make_config({})
    assert (defaults.optimizer, defaults.batch_size) == ("gd", 0)
    gd = train(config("gd"), data).rows
    momentum_zero = train(config("momentum", lr=SETTINGS["gd"]["lr"], beta=0.0), data).rows
    assert without_seconds(momentum_zero) == without_seconds(gd)


def test_a_wrong_reference_is_detected(data):
    """The comparison can fail: Adam without its bias correction drifts well past the tolerance."""
    cfg = config("adam")
    costs = trainer_costs(cfg, data)
    run = start_run(cfg, data)
    theta, m, v = run.theta.copy(), 0.0, 0.0
    for _ in range(3):
        grad = cost_and_grad(theta, run.sizes, run.X, run.y, run.f, run.f_prime)[2]
        m = cfg.beta1 * m + (1 - cfg.beta1) * grad
        v = cfg.beta2 * v + (1 - cfg.beta2) * grad**2
        theta = theta - cfg.lr * m / (np.sqrt(v) + cfg.eps)  # no bias correction
    wrong = cost_and_grad(theta, run.sizes, run.X, run.y, run.f, run.f_prime)[0]
    assert abs(wrong - costs[3]) > 1e3 * TOLERANCE


# --- torch.optim on the same network --------------------------------------------------------------

def torch_trajectory(cfg, data, torch):
    """(costs, parameters) of the same network and batches trained by torch.optim, float64."""
    functional = torch.nn.functional
    activations = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
                   "leaky_relu": lambda z: functional.leaky_relu(z, cfg.leaky_slope)}
    optimizers = {
        "gd": lambda params: torch.optim.SGD(params, lr=cfg.lr),
        "momentum": lambda params: torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.beta),
        "adam": lambda params: torch.optim.Adam(params, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps),
    }
    run = start_run(cfg, data)
    params = [torch.tensor(a.copy(), requires_grad=True) for pair in layers(run.theta, run.sizes) for a in pair]
    X, y = torch.from_numpy(run.X), torch.from_numpy(run.y.astype(np.int64))
    optimizer = optimizers[cfg.optimizer](params)

    def cost(rows):
        H = X[rows]
        for i in range(0, len(params) - 2, 2):
            H = activations[cfg.activation](H @ params[i] + params[i + 1])
        return functional.cross_entropy(H @ params[-2] + params[-1], y[rows])

    orders = batch_orders(cfg, len(y))
    costs = []
    for epoch in range(cfg.epochs + 1):
        with torch.no_grad():
            costs.append(float(cost(torch.arange(len(y)))))
        if epoch == cfg.epochs:
            break
        for rows in epoch_batches(cfg, len(y), epoch, orders):
            optimizer.zero_grad()
            cost(torch.from_numpy(rows)).backward()
            optimizer.step()
    theta = np.concatenate([p.detach().numpy().reshape(-1) for p in params])
    return np.array(costs), theta


@pytest.mark.parametrize("batch_size", [0, 64])
@pytest.mark.parametrize("optimizer", ["momentum", "adam", "gd"])
def test_trainer_matches_torch_optim(data, optimizer, batch_size):
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cfg = config(optimizer, activation="tanh", batch_size=batch_size)
        expected_costs, expected_theta = torch_trajectory(cfg, data, torch)
    finally:
        torch.set_num_threads(threads)
    assert np.max(np.abs(trainer_costs(cfg, data) - expected_costs)) < TOLERANCE
    assert np.max(np.abs(trainer_parameters(cfg, data) - expected_theta)) < TOLERANCE
    assert expected_costs[-1] < expected_costs[0] - 0.1


# --- mini-batch epochs ----------------------------------------------------------------------------

def recorded_batches(monkeypatch, cfg, data):
    """Per epoch, the list of training-row indices of each mini-batch the trainer used."""
    run = start_run(cfg, data)
    index_of = {row.tobytes(): i for i, row in enumerate(run.X)}
    assert len(index_of) == len(run.X)  # every training image is distinct, so rows identify it
    batches = []

    def spying_on(real):
        def spy(theta, sizes, X, *args):
            batches[-1].append([index_of[row.tobytes()] for row in X])
            return real(theta, sizes, X, *args)
        return spy

    # the batch pass calls one of these with the batch's images (the row itself goes through evaluate)
    for name in ("cost_and_grad", "forward"):
        if hasattr(run_module, name):
            monkeypatch.setattr(run_module, name, spying_on(getattr(run_module, name)))
    for epoch in range(cfg.epochs + 1):
        batches.append([])
        run_epoch(run, epoch)
    return batches[:-1]  # the last epoch is measured, not trained


def test_every_epoch_is_a_fresh_shuffle_with_the_last_partial_batch_kept(data, monkeypatch):
    cfg = config("gd", batch_size=64, epochs=3)
    epochs = recorded_batches(monkeypatch, cfg, data)
    assert len(epochs) == 3
    orders = [np.concatenate(batches) for batches in epochs]
    for batches, order in zip(epochs, orders):
        assert [len(b) for b in batches] == [64, 64, 64, 8]
        assert sorted(order) == list(range(N_TRAIN))  # each image once per epoch
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    assert all(np.array_equal(a, b) for a, b in zip(orders, batch_orders(cfg, N_TRAIN)))


@pytest.mark.parametrize("batch_size, n_val", [(64, 0), (50, 0), (7, 0), (199, 0), (64, 20), (30, 20)])
def test_updates_per_epoch_are_ceil_n_over_batch(data, batch_size, n_val):
    rows = train(config("momentum", batch_size=batch_size, n_val=n_val, epochs=3), data).rows
    per_epoch = math.ceil((N_TRAIN - n_val) / batch_size)
    assert [row["updates"] for row in rows] == [epoch * per_epoch for epoch in range(4)]


def test_full_batch_counts_one_update_per_epoch(data):
    rows = train(config("adam", epochs=4), data).rows
    assert [row["updates"] for row in rows] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size", [N_TRAIN, 10 * N_TRAIN])
def test_a_batch_of_the_whole_training_set_is_full_batch_exactly(data, optimizer, batch_size):
    full = train(config(optimizer), data).rows
    assert without_seconds(train(config(optimizer, batch_size=batch_size), data).rows) == without_seconds(full)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_same_seed_same_mini_batch_rows_other_seed_other_rows(data, optimizer):
    a = train(config(optimizer, batch_size=32, epochs=4), data).rows
    b = train(config(optimizer, batch_size=32, epochs=4), data).rows
    assert without_seconds(a) == without_seconds(b)
    c = train(config(optimizer, batch_size=32, epochs=4, seed=4), data).rows
    assert c[-1]["train_cost"] != a[-1]["train_cost"]


def test_mini_batch_rows_are_measured_on_every_split_without_a_gradient_norm(data):
    cfg = config("momentum", batch_size=32, epochs=3, n_val=20)
    rows = train(cfg, data).rows
    full = train(config("momentum", epochs=3, n_val=20), data).rows
    assert all(math.isnan(row["grad_norm"]) for row in rows)
    assert all(np.isfinite(row[key]) for row in rows for key in ("train_cost", "val_cost", "test_cost", "val_acc"))
    # epoch 0 is the same network measured the same way; only the gradient norm is left out
    same = {k: v for k, v in full[0].items() if k not in ("seconds", "grad_norm")}
    assert {k: rows[0][k] for k in same} == same
    assert rows[0]["inactive_1"] == full[0]["inactive_1"]


# --- stability against each optimizer's own threshold ---------------------------------------------

THRESHOLDS = {  # optimizer -> the sharpness at which its full-batch steps on a quadratic stop converging
    "gd": lambda cfg: 2 / cfg.lr,
    "momentum": lambda cfg: (2 + 2 * cfg.beta) / cfg.lr,
}


@pytest.mark.parametrize("optimizer, beta", [("gd", 0.9), ("momentum", 0.0), ("momentum", 0.5), ("momentum", 0.9)])
def test_threshold_separates_convergence_from_divergence_on_a_quadratic(optimizer, beta):
    """cost h x^2 / 2: below the threshold the iterates shrink, above it they grow."""
    cfg = SimpleNamespace(lr=0.1, beta=beta)
    for fraction, shrinks in ((0.97, True), (1.03, False)):
        curvature = fraction * THRESHOLDS[optimizer](cfg)
        theta = np.ones(1)
        state = [np.zeros(1) for _ in range(OPTIMIZERS[optimizer].state_vectors)]
        for t in range(1, 301):
            OPTIMIZERS[optimizer].update(theta, curvature * theta, state, cfg, t, cfg.lr)
        assert (abs(theta[0]) < 1e-3) == shrinks, (fraction, theta)
        assert OPTIMIZERS[optimizer].stability(curvature, cfg, cfg.lr) == pytest.approx(fraction)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_stability_column_uses_the_optimizers_own_threshold(data, optimizer):
    cfg = config(optimizer, **({"beta": 0.5} if optimizer == "momentum" else {}), epochs=4, sharpness_every=2,
                 sharpness_samples=100)
    rows = train(cfg, data).rows
    measured = [row for row in rows if row["sharpness"] is not None]
    assert [row["epoch"] for row in measured] == [0, 2, 4]
    for row in measured:
        assert row["sharpness"] > 0
        if optimizer in THRESHOLDS:
            assert row["stability"] == pytest.approx(row["sharpness"] / THRESHOLDS[optimizer](cfg), rel=1e-12)
        else:  # Adam's threshold is on the preconditioned Hessian, which is not measured
            assert row["stability"] is None


def test_unknown_optimizer_names_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown optimizer 'sgd'; valid: gd, momentum, adam"):
        make_config({"optimizer": "sgd"})
