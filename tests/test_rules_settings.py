"""Run settings at the edges of their documented ranges (experiments/README.md "Run settings"), the
memory check, and the run-id rule at the value next to a setting's id-neutral one.
"""

import hashlib
import json

import numpy as np
import pytest

from study.config import FIELDS, ConfigError, make_config
from study.identity import block_texts, id_text, neutral_values, run_id_of, text_id
from study.sweep.experiment import settings_of
from study.training.memory import check_memory, memory_needed


def above(x):
    return float(np.nextafter(x, np.inf))


def below(x):
    return float(np.nextafter(x, -np.inf))


# settings allowed exactly at the edge of their range, each next to the nearest refused value
EDGES = [  # (allowed, refused)
    ({"n_train": 10}, {"n_train": 9}),
    ({"n_val": 10}, {"n_val": 9}),
    ({"n_train": 50_000, "n_val": 10_000}, {"n_train": 50_001, "n_val": 10_000}),
    ({"n_train": 60_000, "n_val": 0}, {"n_train": 60_001, "n_val": 0}),
    ({"n_val": 59_990}, {"n_val": 59_991}),  # with n_train 0 (all the rest): one image per class left
    ({"lr": 5e-324}, {"lr": 0.0}),
    ({"epochs": 1}, {"epochs": 0}),
    ({"seed": 0}, {"seed": -1}),
    ({"batch_size": 0}, {"batch_size": -1}),
    ({"activation": "leaky_relu", "leaky_slope": 1.0}, {"activation": "leaky_relu", "leaky_slope": above(1.0)}),
    ({"activation": "leaky_relu", "leaky_slope": 0.0}, {"activation": "leaky_relu", "leaky_slope": -5e-324}),
    ({"optimizer": "momentum", "beta": below(1.0)}, {"optimizer": "momentum", "beta": 1.0}),
    ({"optimizer": "momentum", "beta": 0.0}, {"optimizer": "momentum", "beta": -5e-324}),
    ({"optimizer": "adam", "beta2": 0.0}, {"optimizer": "adam", "beta2": 1.0}),
    ({"optimizer": "adam", "eps": 5e-324}, {"optimizer": "adam", "eps": 0.0}),
    ({"sharpness_every": 1, "sharpness_samples": 1}, {"sharpness_every": 1, "sharpness_samples": 0}),
    ({"lr_schedule": "cosine", "lr_final": 1.0}, {"lr_schedule": "cosine", "lr_final": above(1.0)}),
    ({"lr_schedule": "step", "lr_step_factor": 1.0}, {"lr_schedule": "step", "lr_step_factor": above(1.0)}),
    ({"lr_schedule": "step", "lr_step_every": 1}, {"lr_schedule": "step", "lr_step_every": 0}),
    ({"clip_norm": 0.0}, {"clip_norm": -5e-324}),
    ({"weight_decay": 0.0}, {"weight_decay": -5e-324}),
]


@pytest.mark.parametrize("allowed, refused", EDGES, ids=[" ".join(map(str, a.items())) for a, _ in EDGES])
def test_a_setting_at_the_edge_of_its_range_is_allowed_and_the_next_value_refused(allowed, refused):
    make_config(allowed)
    with pytest.raises(ConfigError):
        make_config(refused)


def test_the_memory_estimate_counts_4_bytes_a_number_in_float32_and_the_rest_of_the_images():
    half = make_config({"hidden": [100], "n_val": 10_000, "dtype": "float32"})
    double = make_config({"hidden": [100], "n_val": 10_000, "dtype": "float64"})
    assert 2 * memory_needed(half) == memory_needed(double)
    parameters = 784 * 100 + 100 + 100 * 10 + 10  # n_train 0: all 50,000 images left after validation
    assert memory_needed(double) == 8 * (2 * parameters + 50_000 * (784 + 2 * 100 + 3 * 10))


def test_a_run_that_needs_exactly_the_memory_there_is_fits():
    cfg = make_config({"hidden": [1000, 1000]})
    check_memory(cfg, available=memory_needed(cfg))
    with pytest.raises(ConfigError, match="needs about"):
        check_memory(cfg, available=memory_needed(cfg) - 1)


# ---- run ids: a setting at its id-neutral value is left out of the hash, any other value is in ---

NEXT = {"lr_schedule": "step", "lr_final": 5e-324, "lr_step_every": 51, "lr_step_factor": above(0.1),
        "warmup_epochs": 1, "clip_norm": 5e-324, "weight_decay": 5e-324}  # next to each neutral value


def test_each_id_neutral_setting_is_in_the_id_at_the_value_next_to_its_neutral_one():
    assert set(NEXT) == set(neutral_values(FIELDS))
    settings = settings_of(make_config({}))
    without = {k: v for k, v in settings.items() if k not in NEXT}
    sorted_json = json.dumps(without, sort_keys=True)  # the first 12 hex digits of its sha256
    assert run_id_of(make_config({})) == hashlib.sha256(sorted_json.encode()).hexdigest()[:12]
    for name, value in NEXT.items():
        text = id_text({**settings, name: value}, FIELDS)
        assert json.loads(text)[name] == value and text_id(text) != run_id_of(make_config({})), name


def test_the_grid_expansion_applies_the_same_id_rule():
    # block_texts builds a big grid's texts from pieces; its id text must be id_text's
    axes = {"weight_decay": [0.0, 5e-324], "lr_schedule": ["constant", "step"], "lr": [0.1, 0.5]}
    texts = block_texts({"epochs": 3}, axes, FIELDS)
    for i in range(2):
        for j in range(2):
            for k in range(2):
                cfg = make_config({"epochs": 3, "weight_decay": axes["weight_decay"][i],
                                   "lr_schedule": axes["lr_schedule"][j], "lr": axes["lr"][k]})
                full, for_id = texts((i, j, k))
                assert for_id == id_text(settings_of(cfg), FIELDS) and json.loads(full) == json.loads(
                    json.dumps(settings_of(cfg))), (i, j, k)
