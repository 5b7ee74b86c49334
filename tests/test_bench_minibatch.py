"""bench/minibatch.py runs the trainer's mini-batch and full-batch epochs (no timings are checked)."""

import numpy as np
import pytest

from bench.minibatch import FULL, TARGET, floor_epoch, minibatch_rows, new_run, parse_args
from study.net.mlp import layers


def test_rows_time_each_update_rule_against_the_full_batch_epoch(make_dataset):
    rows = {row["name"]: row for row in minibatch_rows(make_dataset(200, 100), reps=2, threads=1, batch_size=64)}
    assert list(rows) == [FULL, "batch 64 gd", "batch 64 momentum", "batch 64 adam", "full batch matmuls",
                          "batch 64 matmuls", "batch 64 gd / full", "batch 64 momentum / full",
                          "batch 64 adam / full", "matmuls: batch 64 / full"]
    assert rows[FULL]["note"].endswith("; 1 update(s) per epoch on 200 images, measured on 300")
    # ceil(200 / 64) updates
    assert rows["batch 64 adam"]["note"].endswith("; 4 update(s) per epoch on 200 images, measured on 300")
    ratio = rows["batch 64 gd / full"]
    assert ratio["value"] == pytest.approx(rows["batch 64 gd"]["median_s"] / rows[FULL]["median_s"])
    assert ratio["target"] == TARGET and rows["batch 64 adam / full"]["target"] == ""
    assert "of CPU times" in ratio["note"]


@pytest.mark.parametrize("batch_size", [0, 64])
def test_the_matmul_floor_computes_the_epochs_products_and_leaves_theta(make_dataset, batch_size):
    run = new_run(make_dataset(200, 100), {"optimizer": "gd", "lr": 0.1, "batch_size": batch_size}, n_val=20)
    theta = run.theta.copy()
    floor_epoch(run)()
    assert np.array_equal(run.theta, theta)
    last_rows = 180 % 64 if batch_size else 180  # the last batch's (or the whole set's) rows, 180 after n_val
    X = run.X[-last_rows:]
    W1 = layers(run.theta, run.sizes)[0][0]
    ws = run.batches.ws if batch_size else run.ws
    assert np.allclose(ws.H[0][:last_rows], X @ W1, rtol=1e-5, atol=1e-5)


def test_bad_arguments_are_one_clear_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--batch-size", "0"])
    assert exit_info.value.code == 2
    assert "--batch-size must be at least 1" in capsys.readouterr().err
