"""A run's configuration: plain data, validated, hashed into its run id."""

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from study.activations import ACTIVATIONS, DEFAULT_INIT
from study.data import DATASET_NAMES, DTYPES, N_TRAIN
from study.mlp import INITS


class ConfigError(ValueError):
    """A run setting has a wrong name, type or value."""


@dataclass(frozen=True)
class RunConfig:
    dataset: str = "mnist"
    activation: str = "relu"
    lr: float = 0.1
    epochs: int = 100
    hidden: tuple[int, ...] = (128, 64)
    seed: int = 0
    n_train: int = 0  # 0 = the whole training set
    dtype: str = "float32"
    init: str = "auto"  # auto = he for the relu family, glorot for sigmoid/tanh
    leaky_slope: float = 0.01
    sharpness_every: int = 0  # epochs between sharpness measurements; 0 = off
    sharpness_samples: int = 5000

    @property
    def run_id(self):
        """A short hash of every field: the same config always gets the same id."""
        text = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def resolved_init(self):
        return DEFAULT_INIT[self.activation] if self.init == "auto" else self.init


FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}
CHOICES = {
    "dataset": DATASET_NAMES,
    "activation": tuple(ACTIVATIONS),
    "dtype": DTYPES,
    "init": ("auto", *INITS),
}
POSITIVE = {"lr", "epochs", "sharpness_samples"}
NON_NEGATIVE = {"n_train", "seed", "sharpness_every", "leaky_slope"}


def make_config(settings):
    """A RunConfig from a dict of settings, each checked; raises ConfigError naming the key."""
    unknown = sorted(set(settings) - set(FIELDS))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}; valid: {', '.join(FIELDS)}")
    return RunConfig(**{key: check(key, value) for key, value in settings.items()})


def check(key, value):
    """The value converted to the field's type, or ConfigError."""
    kind = FIELDS[key].type
    if kind == tuple[int, ...]:
        value = parse_hidden(key, value)
    elif kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer, got {value!r}")
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key} must be a number, got {value!r}")
        value = float(value)
    elif not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, got {value!r}")
    if key in CHOICES and value not in CHOICES[key]:
        raise ConfigError(f"unknown {key} {value!r}; valid: {', '.join(CHOICES[key])}")
    if key in POSITIVE and not value > 0:
        raise ConfigError(f"{key} must be positive, got {value!r}")
    if key in NON_NEGATIVE and value < 0:
        raise ConfigError(f"{key} must be zero or positive, got {value!r}")
    if key == "n_train" and value > N_TRAIN:
        raise ConfigError(f"n_train must be at most {N_TRAIN} (0 = all), got {value}")
    return value


def parse_hidden(key, value):
    """Hidden sizes from a list or a comma-separated string: [128, 64] or "128,64"; [] = none."""
    if isinstance(value, str):
        try:
            value = [int(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise ConfigError(f"{key} must be comma-separated integers like 128,64, got {value!r}") from None
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        raise ConfigError(f"{key} must be a list of positive integers like [128, 64], got {value!r}")
    return tuple(value)
