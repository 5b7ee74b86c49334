"""Full-batch training on a tiny synthetic problem: determinism, epoch 0, descent, divergence, dtypes."""

import math
import warnings

import numpy as np
import pytest
from conftest import synthetic_dataset

from study.config import make_config
from study.net.activations import ACTIVATIONS
from study.training import run as run_module
from study.training.run import EPOCH_COLUMNS, diverged, inactive_fractions
from study.training.start import derivative_floor
from study.training.train import summarize, train

HIDDEN = (16, 8)


def run(data, **settings):
    return train(make_config({"hidden": HIDDEN, "epochs": 10, "lr": 0.1, "n_val": 0, **settings}), data)


def without_seconds(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def costs(result, key="train_cost"):
    return np.array([row[key] for row in result.rows])


@pytest.fixture(scope="module")
def data():
    return synthetic_dataset()


def test_same_seed_same_rows_other_seed_other_rows(data):
    a, b = run(data, seed=3), run(data, seed=3)
    assert without_seconds(a.rows) == without_seconds(b.rows)
    c = run(data, seed=4)
    assert costs(c)[0] != costs(a)[0] and costs(c)[-1] != costs(a)[-1]


@pytest.mark.parametrize("epochs", [1, 7])
def test_one_row_per_epoch_plus_initialization(data, epochs):
    result = run(data, epochs=epochs)
    assert [row["epoch"] for row in result.rows] == list(range(epochs + 1))
    assert result.status == "ok" and result.diverged_at is None
    for row in result.rows:
        assert set(EPOCH_COLUMNS) | {"inactive_1", "inactive_2"} == set(row)
        assert 0 <= row["train_acc"] <= 1 and 0 <= row["test_acc"] <= 1
        assert row["sharpness"] is None and row["stability"] is None
    seconds = [row["seconds"] for row in result.rows]
    assert seconds == sorted(seconds)  # cumulative


def test_epoch_zero_is_the_initialization(data):
    slow, fast = run(data, lr=0.01, epochs=3), run(data, lr=1.0, epochs=3)
    # no step taken yet: the same row but for the step size the coming update will use
    assert [{**r, "lr_used": None} for r in without_seconds(slow.rows[:1])] == \
        [{**r, "lr_used": None} for r in without_seconds(fast.rows[:1])]
    assert (slow.rows[0]["lr_used"], fast.rows[0]["lr_used"]) == (0.01, 1.0)
    assert slow.rows[1]["train_cost"] != fast.rows[1]["train_cost"]
    # with tiny inputs the initial logits are near 0, so the cost is near ln 10
    tiny = type(data)("tiny", data.folder, data.X_train * 1e-3, data.y_train, data.X_test * 1e-3, data.y_test)
    assert run(tiny, epochs=1).rows[0]["train_cost"] == pytest.approx(math.log(10), abs=1e-2)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_cost_decreases_at_a_small_lr(data, activation):
    result = run(data, activation=activation, lr=0.1, epochs=15)
    assert np.all(np.diff(costs(result)) < 0)
    assert all(row["grad_norm"] > 0 for row in result.rows)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_learns_the_synthetic_problem(data, activation):
    result = run(data, activation=activation, lr=0.5, epochs=80)
    assert result.rows[-1]["test_acc"] >= 0.8  # 10 separable clusters; chance is 0.1


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_huge_lr_diverges_quietly_and_stops(data, activation):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning (overflow, invalid) fails the test
        result = run(data, activation=activation, lr=1e4, epochs=20)
    assert result.status == "diverged"
    assert result.diverged_at == result.rows[-1]["epoch"] and 1 <= result.diverged_at < 20
    assert len(result.rows) == result.diverged_at + 1
    last = result.rows[-1]["train_cost"]
    assert not np.isfinite(last) or last > 10 * result.rows[0]["train_cost"]
    assert all(np.isfinite(costs(result)[:-1]))
    summary = summarize(result)
    assert summary["status"] == "diverged" and summary["epochs_run"] == result.diverged_at


def test_divergence_rule():
    assert diverged(float("nan"), 2.3) and diverged(float("inf"), 2.3)
    assert diverged(23.1, 2.3) and not diverged(22.9, 2.3)


def test_n_train_uses_a_stratified_subset(data, monkeypatch):
    seen = []
    original = run_module.cost_and_grad

    def spy(theta, sizes, X, y, *args):
        seen.append((X.shape, np.bincount(y, minlength=10)))
        return original(theta, sizes, X, y, *args)

    monkeypatch.setattr(run_module, "cost_and_grad", spy)
    result = run(data, n_train=50, epochs=2)
    assert [shape for shape, _ in seen] == [(50, data.X_train.shape[1])] * 3
    np.testing.assert_array_equal(seen[0][1], [5] * 10)  # 20 per class in 200 -> 5 per class in 50
    assert all(round(row["train_acc"] * 50, 9) == int(round(row["train_acc"] * 50)) for row in result.rows)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_float32_and_float64_agree(data, activation):
    single, double = (run(data, activation=activation, lr=0.1, epochs=20, dtype=dtype)
                      for dtype in ("float32", "float64"))
    np.testing.assert_allclose(costs(single), costs(double), rtol=1e-4)
    np.testing.assert_allclose(costs(single, "test_cost"), costs(double, "test_cost"), rtol=1e-4)


def test_on_epoch_sees_every_row(data):
    seen = []
    result = train(make_config({"hidden": HIDDEN, "epochs": 4, "n_val": 0}), data, on_epoch=seen.append)
    assert seen == result.rows


def test_summary_final_and_best(data):
    result = run(data, lr=0.5, epochs=10)
    s = summarize(result)
    assert s["epochs_run"] == 10 and s["status"] == "ok" and s["diverged_at"] is None
    assert s["final_train_cost"] == result.rows[-1]["train_cost"]
    assert s["best_train_cost"] == min(costs(result)) and s["best_test_acc"] == max(costs(result, "test_acc"))


def test_inactive_fractions_and_floor():
    relu_prime, leaky_prime = ACTIVATIONS["relu"].pair[1], ACTIVATIONS["leaky_relu"].pair[1]
    assert derivative_floor(relu_prime, "float32") == 0.0
    assert derivative_floor(leaky_prime, "float64") == pytest.approx(0.01)
    # unit 0 dead on every sample; unit 1 alive on one sample; unit 2 near the floor but above tolerance
    layer1 = np.array([[0.0, 0.0, 0.002], [0.0, 1.0, 0.002], [0.0, 0.0, 0.002]])
    layer2 = np.array([[0.01, 0.0105], [0.01, 0.0105]])  # leaky floor 0.01: both within 1e-3
    assert inactive_fractions([layer1], 0.0) == {"inactive_1": pytest.approx(1 / 3)}
    assert inactive_fractions([layer1, layer2], 0.01)["inactive_2"] == 1.0
    # a negative derivative counts by its magnitude
    assert inactive_fractions([np.array([[-0.5], [0.0]])], 0.0) == {"inactive_1": 0.0}


def test_dead_relu_units_are_reported(data):
    """All-zero inputs and zero initial biases: every relu unit has z = 0 and f'(0) = 0 at epoch 0."""
    zeros = type(data)("zeros", data.folder, data.X_train * 0, data.y_train, data.X_test * 0, data.y_test)
    row = run(zeros, activation="relu", epochs=1).rows[0]
    assert row["inactive_1"] == 1.0 and row["inactive_2"] == 1.0
    live = run(data, activation="tanh", epochs=1).rows[0]
    assert live["inactive_1"] == 0.0
