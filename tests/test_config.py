"""RunConfig is the one source of run settings: flags, experiment keys, rows and docs follow its fields."""

import dataclasses
import re
from pathlib import Path

import pytest

from study import config
from study.cli import build_parser
from study.commands import config_from_args
from study.config import FIELDS, ConfigError, RunConfig, make_config
from study.sweep.experiment import load_experiment
from study.training.memory import check_memory, memory_needed
from study.training.rows import config_columns

README = Path(__file__).resolve().parents[1] / "experiments" / "README.md"


def train_args(*argv):
    return build_parser().parse_args(["train", *argv])


def test_every_field_has_a_train_flag_with_its_default():
    assert config_from_args(train_args()) == RunConfig()
    flags = {a.dest for a in build_parser()._subparsers._group_actions[0].choices["train"]._actions}
    assert set(FIELDS) <= flags


@pytest.mark.parametrize("name", list(FIELDS))
def test_every_field_has_help_and_a_check_or_choices(name):
    meta = FIELDS[name].metadata
    assert meta["help"] and (meta["check"] or meta["choices"]), name


def test_experiments_readme_lists_exactly_the_fields():
    table = README.read_text().split("## Run settings", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)
    assert listed == list(FIELDS)


def test_a_new_setting_needs_only_a_field(monkeypatch, tmp_path):
    """A field added to RunConfig reaches the train flags, the config, the rows and experiment files."""

    @dataclasses.dataclass(frozen=True)
    class Extended(RunConfig):
        width_multiplier: float = config.setting(1.0, "a setting added for this test", config.positive)

    monkeypatch.setattr(config, "RunConfig", Extended)
    monkeypatch.setattr(config, "FIELDS", {f.name: f for f in dataclasses.fields(Extended)})
    cfg = config_from_args(train_args("--width-multiplier", "2.5"))
    assert isinstance(cfg, Extended) and cfg.width_multiplier == 2.5
    assert config_columns(cfg)["width_multiplier"] == 2.5
    assert cfg.run_id != dataclasses.replace(cfg, width_multiplier=1.0).run_id
    with pytest.raises(SystemExit):
        config_from_args(train_args("--width-multiplier", "x"))
    with pytest.raises(ConfigError, match="width_multiplier must be positive"):
        config_from_args(train_args("--width-multiplier", "-1"))
    path = tmp_path / "e.toml"
    path.write_text('[base]\nwidth_multiplier = 3.0\nepochs = 2\n[grid]\nseed = [0, 1]\n')
    assert [c.width_multiplier for c in load_experiment(path).configs] == [3.0, 3.0]


BAD_SETTINGS = {
    "infinite lr": ({"lr": float("inf")}, "lr must be positive and finite"),
    "nan lr": ({"lr": float("nan")}, "lr must be positive and finite"),
    "no hidden layer": ({"hidden": ""}, "hidden needs at least one hidden layer"),
    "fewer images than classes": ({"n_train": 5}, r"n_train must be 0 \(all\) or at least 10"),
    "validation smaller than classes": ({"n_val": 3}, r"n_val must be 0 \(none\) or at least 10"),
    "train and validation overlap": ({"n_train": 55000, "n_val": 10000}, "must be at most the 60000"),
    "slope above 1": ({"leaky_slope": 1.5}, "leaky_slope must be between 0 and 1"),
    "momentum of 1": ({"beta": 1.0}, r"beta must be in \[0, 1\)"),
    "negative batch": ({"batch_size": -1}, "batch_size must be zero or positive"),
    "unknown optimizer": ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop'; valid: gd, momentum, adam"),
    "unknown fault": ({"fault": "typo"}, "unknown fault 'typo'; valid: none, sigmoid_prime"),
    "fault for another activation": ({"fault": "sigmoid_prime"}, "it needs activation sigmoid, got relu"),
    "n_val leaving no training image": ({"n_val": 60000}, "leaves 0 training image"),
    "n_val leaving 5 training images": ({"n_val": 59995}, r"leaves 5 training image\(s\), fewer than one per class"),
    "momentum coefficient with gd": ({"beta": 0.5}, "beta = 0.5 has no effect unless optimizer = momentum"),
    "Adam's betas with momentum": ({"optimizer": "momentum", "beta1": 0.8}, "unless optimizer = adam"),
    "a slope without leaky_relu": ({"leaky_slope": 0.2}, "unless activation = leaky_relu"),
    "sharpness samples without sharpness": ({"sharpness_samples": 100}, "unless sharpness_every > 0"),
    "forward_relu with relu": ({"fault": "forward_relu"}, "changes nothing with activation relu"),
    "cosine's end without cosine": ({"lr_final": 0.1}, "unless lr_schedule = cosine"),
    "step decay's period without step": ({"lr_step_every": 10}, "unless lr_schedule = step"),
    "unknown schedule": ({"lr_schedule": "linear"}, "unknown lr_schedule 'linear'; valid: constant, cosine, step"),
    "negative clip": ({"clip_norm": -1.0}, "clip_norm must be zero or positive"),
    "negative weight decay": ({"weight_decay": -0.1}, "weight_decay must be zero or positive"),
}


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_bad_settings_are_refused_with_their_reason(case):
    settings, words = BAD_SETTINGS[case]
    with pytest.raises(ConfigError, match=words):
        make_config(settings)


def test_memory_is_checked_where_a_run_starts_not_in_the_config():
    cfg = make_config({"hidden": [10_000_000]})  # a valid config on any machine
    with pytest.raises(ConfigError, match=r"needs about [\d.]+ GiB"):
        check_memory(cfg)
    check_memory(cfg, available=2 * memory_needed(cfg))  # fits where there is room


def test_memory_estimate_counts_parameters_and_activations():
    cfg = make_config({"hidden": [100], "n_train": 1000, "n_val": 0, "dtype": "float64"})
    parameters = 784 * 100 + 100 + 100 * 10 + 10
    assert memory_needed(cfg) == 8 * (2 * parameters + 1000 * (784 + 2 * 100 + 3 * 10))
    adam = make_config({"hidden": [100], "n_train": 1000, "n_val": 0, "dtype": "float64", "optimizer": "adam"})
    assert memory_needed(adam) - memory_needed(cfg) == 8 * 3 * parameters
