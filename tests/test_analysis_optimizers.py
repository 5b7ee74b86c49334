"""The optimizers section on a hand-made results folder whose answers are known."""

import html
import json

import numpy as np
import pandas as pd
import pytest
from conftest import section_text

from analysis.aggregate.compute import compute
from analysis.questions.optimizers import QUESTION as OPTIMIZERS
from analysis.questions.optimizers import method_label, selected_table
from results_io import write_csv, write_text

EPOCHS = 40
T = np.arange(EPOCHS + 1, dtype=float)
RAMP = 0.1 + 0.9 * T / EPOCHS  # validation and test accuracy rise linearly to their final values
# (optimizer, batch_size, lr) -> (final val acc, seconds per epoch, updates per epoch, spiky, stability)
METHODS = {
    ("gd", 0, 0.5): (0.90, 0.10, 1, True, 1.02),
    ("gd", 128, 0.1): (0.95, 0.20, 79, False, 0.40),
    ("gd", 128, 0.3): (0.93, 0.20, 79, False, 0.70),
    ("adam", 128, 0.001): (0.97, 0.25, 79, False, None),
}


def cost(spiky, seed):
    curve = 2.3 * np.exp(-0.1 * T) + 0.1 + 0.01 * seed
    if spiky:
        curve[[10, 25]] *= 3.0
    return curve


def run(activation, optimizer, batch_size, lr, seed):
    final, seconds, updates, spiky, stability = METHODS[optimizer, batch_size, lr]
    cfg = {"run_id": f"{activation}-{optimizer}-{batch_size}-{lr:g}-{seed}", "activation": activation, "lr": lr,
           "epochs": EPOCHS, "seed": seed, "n_val": 10000, "optimizer": optimizer, "batch_size": batch_size}
    rows = pd.DataFrame({"epoch": T, "updates": updates * T, "train_cost": cost(spiky, seed),
                         "train_acc": final * RAMP, "val_cost": cost(spiky, seed), "val_acc": final * RAMP,
                         "test_cost": cost(spiky, seed), "test_acc": final * RAMP - 0.01, "seconds": seconds * T,
                         "sharpness": np.where(T % 10 == 0, 3.0, np.nan),
                         "stability": np.where(T % 10 == 0, stability or np.nan, np.nan)})
    return cfg, rows


def write_folder(folder, runs):
    epochs = pd.concat([rows.assign(**cfg)[[*cfg, *rows.columns]] for cfg, rows in runs], ignore_index=True)
    write_csv(folder / "epochs.csv", epochs)
    write_csv(folder / "runs.csv", pd.DataFrame([{**cfg, "status": "ok", "error": ""} for cfg, _ in runs]))
    write_text(folder / "manifest.json", json.dumps({"experiment": {"name": "optimizers"},
                                                     "grid": [cfg for cfg, _ in runs]}))
    return folder


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    runs = [run(activation, *method, seed) for activation in ("relu", "tanh") for method in METHODS for seed in (0, 1)]
    return compute(write_folder(tmp_path_factory.mktemp("optimizers"), runs))


def text_of(section):
    return html.unescape(section)


def test_each_activation_and_method_gets_its_validation_chosen_rate(analysis):
    table = selected_table(analysis).set_index(["activation", "method"])
    assert len(table) == 6  # 2 activations x (gd full, gd batch 128, adam batch 128)
    sgd = table.loc[("relu", "gd, batch 128")]
    assert sgd["lr"] == 0.1  # 95% beats 93% on validation
    assert sgd["best_val_acc_mean"] == pytest.approx(0.95)
    assert sgd["test_acc_at_best_val_mean"] == pytest.approx(0.94)
    assert sgd["best_val_epoch_mean"] == EPOCHS
    assert sgd["updates_at_best_val"] == 79 * EPOCHS and sgd["seconds_at_best_val"] == pytest.approx(8.0)
    assert sgd["seconds_total"] == pytest.approx(8.0)


def test_seconds_to_reach_full_batch_gds_validation_accuracy(analysis):
    table = selected_table(analysis).set_index(["activation", "method"])
    # first epoch with 0.95 x ramp >= 0.90: ramp >= 0.9474 at t >= 37.66 -> epoch 38, 0.2 s each
    assert table.loc[("tanh", "gd, batch 128"), "seconds_to_reference"] == pytest.approx(7.6)
    # adam: 0.97 x ramp >= 0.90 from epoch 37, 0.25 s each; full-batch gd itself reaches it at its last epoch
    assert table.loc[("tanh", "adam, batch 128"), "seconds_to_reference"] == pytest.approx(9.25)
    assert table.loc[("tanh", "gd, full batch"), "seconds_to_reference"] == pytest.approx(4.0)
    assert table.loc[("tanh", "adam, batch 128"), "reached_reference"] == "2/2"


def test_stability_is_read_as_recorded_and_blank_for_adam(analysis):
    table = selected_table(analysis).set_index(["activation", "method"])
    assert table.loc[("relu", "gd, full batch"), "max_stability"] == pytest.approx(1.02)
    assert table.loc[("relu", "gd, batch 128"), "max_stability"] == pytest.approx(0.40)
    assert np.isnan(table.loc[("relu", "adam, batch 128"), "max_stability"])  # not lr x sharpness / 2


def test_sentences_answer_smoothness_and_the_best_method(analysis):
    text = text_of(section_text(OPTIMIZERS, analysis))
    assert "gd, full batch 4 of 4; gd, batch 128 0 of 8; adam, batch 128 0 of 4." in text
    assert "no seed spiky: relu gd, batch 128; relu adam, batch 128; tanh gd, batch 128" in text
    assert "Some seed spiky: relu gd, full batch; tanh gd, full batch." in text
    assert ("relu: best on validation adam, batch 128 at lr 0.001: validation 97.00%, test 96.00% at its "
            "validation-chosen epoch 40 (3160 updates, 10.0 s); full-batch gd at lr 0.5: validation 90.00%") in text
    assert "gd, full batch 1.02 to 1.02; gd, batch 128 0.40 to 0.40." in text  # adam: none recorded
    assert "In fewer seconds than full-batch gd (4.0 s) to its validation accuracy: 0 of 2 methods." in text
    assert "adam's is left blank" in text and "(2 + 2 beta) / lr" in text and "full-batch steps" in text


def test_method_labels():
    assert method_label(pd.Series({"optimizer": "momentum", "batch_size": 128}), ["optimizer", "batch_size"]) == \
        "momentum, batch 128"
    assert method_label(pd.Series({"batch_size": 0}), ["batch_size"]) == "gd, full batch"
    assert method_label(pd.Series({"optimizer": "momentum", "batch_size": 0, "beta": 0.5}),
                        ["optimizer", "beta"]) == "momentum, full batch, beta 0.5"


def test_no_section_when_every_run_is_full_batch_gd(tmp_path):
    runs = [run(activation, "gd", 0, 0.5, seed) for activation in ("relu", "tanh") for seed in (0, 1)]
    assert section_text(OPTIMIZERS, compute(write_folder(tmp_path, runs))) is None
