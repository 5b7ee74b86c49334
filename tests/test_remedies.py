"""What a learner can do about spikes: schedules and warm-up, clipping, weight decay (study/net/remedies.py).

Each is checked against values worked out by hand, each is off by default and then takes the old
code path exactly, and they combine with every optimizer and batch size.
"""

from dataclasses import replace

import numpy as np
import pytest
from conftest import synthetic_dataset

from study.config import make_config
from study.net import optimizers, remedies
from study.net.gradcheck import TOLERANCE, gradcheck_all
from study.net.mlp import Workspace, cost_and_grad, layers
from study.net.remedies import clip, lr_at, weight_penalty
from study.training import run as run_module
from study.training.run import run_epoch
from study.training.start import start_run
from study.training.train import train

HIDDEN = [16, 8]


@pytest.fixture(scope="module")
def data():
    return synthetic_dataset()


def config(**settings):
    return make_config({"hidden": HIDDEN, "epochs": 10, "lr": 0.5, "n_val": 0, **settings})


# --- the learning rate of each epoch ------------------------------------------------------------------

def test_without_schedule_or_warmup_the_lr_is_the_configs_own_number():
    cfg = config()
    assert all(lr_at(cfg, epoch) is cfg.lr for epoch in range(11))  # the same float: the same update


def test_linear_warmup_then_constant():
    cfg = config(warmup_epochs=4, lr=0.8)
    assert [lr_at(cfg, e) for e in range(6)] == pytest.approx([0.2, 0.4, 0.6, 0.8, 0.8, 0.8])


def test_cosine_decays_from_lr_after_the_warmup_to_the_final_fraction_at_the_last_update():
    cfg = config(epochs=12, warmup_epochs=2, lr=1.0, lr_schedule="cosine", lr_final=0.1)
    # updates at epochs 0..11; after the warm-up, epochs 2..11 span 9 steps of progress
    assert lr_at(cfg, 2) == pytest.approx(1.0) and lr_at(cfg, 11) == pytest.approx(0.1)
    # 3 of 9 steps in: cos(pi / 3) = 1/2, so lr_final + (1 - lr_final) x 3/4
    assert lr_at(cfg, 2 + 3) == pytest.approx(0.1 + 0.9 * 0.75)
    assert lr_at(cfg, 12) == pytest.approx(0.1)  # the last row (no update) keeps the final value


def test_step_decay_changes_exactly_every_n_epochs():
    cfg = config(epochs=20, lr=1.0, lr_schedule="step", lr_step_every=5, lr_step_factor=0.5)
    assert [lr_at(cfg, e) for e in (0, 4, 5, 9, 10, 15)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.125]


def test_each_update_uses_the_lr_its_row_records(data, monkeypatch):
    used = []
    real = optimizers.OPTIMIZERS["gd"]

    def recording(theta, grad, state, cfg, t, lr):
        used.append(lr)
        real.update(theta, grad, state, cfg, t, lr)

    monkeypatch.setitem(optimizers.OPTIMIZERS, "gd", replace(real, update=recording))
    rows = train(config(epochs=6, lr_schedule="step", lr_step_every=2, lr_step_factor=0.5), data).rows
    assert used == [row["lr_used"] for row in rows[:-1]] == [0.5, 0.5, 0.25, 0.25, 0.125, 0.125]


def test_stability_is_measured_against_the_lr_of_its_epoch(data):
    rows = train(config(epochs=4, lr_schedule="step", lr_step_every=2, lr_step_factor=0.5, sharpness_every=1,
                        sharpness_samples=100), data).rows
    for row in rows:
        assert row["stability"] == pytest.approx(row["lr_used"] * row["sharpness"] / 2, rel=1e-12)
    assert rows[0]["lr_used"] == 2 * rows[2]["lr_used"]


# --- clipping ----------------------------------------------------------------------------------------

def test_clip_scales_a_long_gradient_to_the_norm_and_keeps_its_direction():
    grad = np.array([3.0, 4.0])  # norm 5
    assert clip(grad, 2.0) and grad == pytest.approx([1.2, 1.6]) and np.linalg.norm(grad) == pytest.approx(2.0)
    short = np.array([0.3, 0.4])
    assert not clip(short, 0.5) and short.tolist() == [0.3, 0.4]  # 0.5 exactly: not longer, not clipped


def test_a_clipped_full_batch_update_moves_the_parameters_by_lr_times_the_norm(data):
    run = start_run(config(clip_norm=1e-3), data)
    before = run.theta.copy()
    row, _ = run_epoch(run, 0)
    assert row["grad_norm"] > 1e-3 and row["clipped"] == 1.0
    assert np.linalg.norm(run.theta - before) == pytest.approx(0.5 * 1e-3, rel=1e-4)


@pytest.mark.parametrize("clip_norm, share", [(1e-6, 1.0), (1e6, 0.0)])
def test_the_clipped_column_is_the_share_of_the_epochs_updates_clipped(data, clip_norm, share):
    rows = train(config(epochs=2, batch_size=50, clip_norm=clip_norm), data).rows
    assert [row["clipped"] for row in rows] == [share, share, None]  # the last row takes no step


# --- weight decay ------------------------------------------------------------------------------------

def test_the_penalty_is_half_the_decay_times_the_squared_weights_biases_excluded():
    sizes = [3, 2, 2]
    theta = np.arange(1.0, 1.0 + sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:])))
    weights = sum(float(np.sum(W ** 2)) for W, _ in layers(theta, sizes))
    grad = np.zeros_like(theta)
    assert weight_penalty(theta, sizes, 0.1, grad) == pytest.approx(0.05 * weights)
    for (gW, gb), (W, _) in zip(layers(grad, sizes), layers(theta, sizes)):
        assert gW == pytest.approx(0.1 * W) and not gb.any()


def test_train_cost_stays_the_cross_entropy_and_the_penalty_has_its_column(data):
    plain, decayed = train(config(epochs=1), data).rows, train(config(epochs=1, weight_decay=0.01), data).rows
    assert decayed[0]["train_cost"] == plain[0]["train_cost"]  # same initial weights, same cross-entropy
    assert plain[0]["penalty"] == 0.0 and decayed[0]["penalty"] > 0


def test_the_update_descends_the_whole_cost(data):
    cfg = config(weight_decay=0.05)
    run = start_run(cfg, data)
    theta = run.theta.astype(np.float64)
    _, _, grad = cost_and_grad(theta, run.sizes, run.X.astype(np.float64), run.y, run.f, run.f_prime,
                               Workspace(run.sizes, len(run.y), np.float64))
    weight_penalty(theta, run.sizes, 0.05, grad)
    row, _ = run_epoch(run, 0)
    np.testing.assert_allclose(run.theta, theta - 0.5 * grad, rtol=1e-4, atol=1e-6)  # float32 run
    assert row["grad_norm"] == pytest.approx(np.linalg.norm(grad), rel=1e-4)


def test_gradcheck_checks_the_penalised_cost_and_catches_a_wrong_penalty_gradient(monkeypatch):
    assert max(gradcheck_all(weight_decay=0.1).values()) <= TOLERANCE
    from study.net import gradcheck

    def twice(theta, sizes, weight_decay, grad=None):
        return weight_penalty(theta, sizes, 2 * weight_decay if grad is not None else weight_decay, grad)

    monkeypatch.setattr(gradcheck, "weight_penalty", twice)
    assert min(gradcheck_all(weight_decay=0.1).values()) > 100 * TOLERANCE


# --- off by default, and together --------------------------------------------------------------------

@pytest.mark.parametrize("optimizer, batch_size", [("gd", 0), ("gd", 50), ("momentum", 0), ("adam", 50)])
def test_off_they_take_no_part_in_training(data, monkeypatch, optimizer, batch_size):
    def never(*args, **kwargs):
        raise AssertionError("a remedy that is off was used")

    for name in ("clip", "weight_penalty"):
        monkeypatch.setattr(run_module, name, never)
    rows = train(config(epochs=3, optimizer=optimizer, batch_size=batch_size, lr=0.05), data).rows
    assert [row["penalty"] for row in rows] == [0.0] * 4 and [row["lr_used"] for row in rows] == [0.05] * 4


@pytest.mark.parametrize("optimizer, batch_size", [("gd", 0), ("gd", 50), ("momentum", 0), ("momentum", 50),
                                                   ("adam", 0), ("adam", 50)])
def test_every_remedy_combines_with_every_optimizer_and_batch_size(data, optimizer, batch_size):
    base = {"epochs": 4, "optimizer": optimizer, "batch_size": batch_size, "lr": 0.05}
    remedied = {**base, "lr_schedule": "cosine", "lr_final": 0.1, "warmup_epochs": 1, "clip_norm": 0.5,
                "weight_decay": 1e-3}
    plain, rows = train(config(**base), data).rows, train(config(**remedied), data).rows
    assert [r["lr_used"] for r in rows] == pytest.approx([0.05, 0.05, 0.0275, 0.005, 0.005])
    assert all(0 <= r["clipped"] <= 1 for r in rows[:-1]) and all(r["penalty"] > 0 for r in rows)
    assert all(np.isfinite(r["train_cost"]) for r in rows) and rows[-1]["train_cost"] != plain[-1]["train_cost"]


def test_the_schedule_module_lists_each_schedule_once():
    assert set(remedies.SCHEDULES) == {"constant", "cosine", "step"}
    cfg = config(lr_schedule="cosine")
    assert [remedies.SCHEDULES[name](cfg, 0, 10) for name in ("constant", "cosine")] == [1.0, 1.0]
