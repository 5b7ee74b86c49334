"""Full-batch gd reproduces the trajectory stored before optimizers and validation existed.

tests/data/gd_trajectory.json was written by the trainer at commit f42b07e (full batch, no
validation split) on the dataset below; the trainer must still produce exactly those numbers.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from study.config import make_config
from study.data import Dataset
from study.train import train

STORED = json.loads((Path(__file__).parent / "data" / "gd_trajectory.json").read_text())


def reference_dataset():
    """200 training and 100 test samples of a 10-class, 20-feature problem, fixed by seed 7."""
    rng = np.random.default_rng(7)
    prototypes = rng.uniform(0, 1, size=(10, 20))

    def split(n):
        y = np.arange(n) % 10
        rng.shuffle(y)
        X = np.clip(prototypes[y] + rng.normal(0, 0.15, size=(n, 20)), 0, 1)
        return X, y.astype(np.int64)

    X_train, y_train = split(200)
    X_test, y_test = split(100)
    return Dataset("synthetic", Path("."), X_train, y_train, X_test, y_test, {"train_images_in_test": 0})


@pytest.mark.parametrize("key", sorted(STORED))
def test_full_batch_gd_reproduces_stored_trajectory(key):
    activation, lr, dtype = key.split("-")
    cfg = make_config({"activation": activation, "lr": float(lr), "epochs": 20, "hidden": [16, 8], "seed": 3,
                       "dtype": dtype, "n_val": 0, "optimizer": "gd", "batch_size": 0})
    rows = train(cfg, reference_dataset()).rows
    for column, expected in STORED[key].items():
        assert [float(row[column]) for row in rows] == expected, column
