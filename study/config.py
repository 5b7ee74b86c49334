"""A run's configuration: plain data, validated, hashed into its run id.

RunConfig is the one source of run settings: each field carries its help text and its check, and
the `study train` flags, the experiment-file keys and every result row's config columns all come
from these fields. Adding a setting means adding a field here (and using it).
"""

import dataclasses
import hashlib
import json
import math
import os
from dataclasses import dataclass

from study.net.activations import ACTIVATIONS, DEFAULT_INIT
from study.data.datasets import DATASET_NAMES, DTYPES, N_CLASSES, N_TRAIN
from study.net.faults import FAULTS
from study.net.mlp import INITS, n_params
from study.net.optimizers import OPTIMIZERS


class ConfigError(ValueError):
    """A run setting has a wrong name, type or value."""


def positive(key, value):
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"{key} must be positive and finite, got {value!r}")


def non_negative(key, value):
    if not (value >= 0 and math.isfinite(value)):
        raise ConfigError(f"{key} must be zero or positive, got {value!r}")


def fraction(key, value):
    if not 0 <= value < 1:
        raise ConfigError(f"{key} must be in [0, 1), got {value!r}")


def slope(key, value):
    if not 0 <= value <= 1:  # leaky relu is max(z, slope z), which needs 0 <= slope <= 1
        raise ConfigError(f"{key} must be between 0 and 1, got {value!r}")


def at_most_train(key, value):
    non_negative(key, value)
    if value > N_TRAIN:
        raise ConfigError(f"{key} must be at most {N_TRAIN}, got {value}")


def hidden_layers(key, value):
    if not value:
        raise ConfigError(f"{key} needs at least one hidden layer, e.g. 128,64")


def setting(default, help, check=None, choices=None):
    """A RunConfig field: its default, one line of help, and its check or its valid choices."""
    return dataclasses.field(default=default, metadata={"help": help, "check": check, "choices": choices})


@dataclass(frozen=True)
class RunConfig:
    dataset: str = setting("mnist", "which IDX dataset", choices=DATASET_NAMES)
    activation: str = setting("relu", "hidden activation", choices=tuple(ACTIVATIONS))
    lr: float = setting(0.1, "learning rate (step size)", positive)
    epochs: int = setting(100, "passes over the training set (full batch: one update each)", positive)
    hidden: tuple[int, ...] = setting((128, 64), "hidden layer sizes, e.g. 128,64", hidden_layers)
    seed: int = setting(0, "seeds the run's one random generator (subset, init, batches, probe)", non_negative)
    n_train: int = setting(0, "stratified training subset drawn outside the validation set; 0 = all the rest",
                           at_most_train)
    n_val: int = setting(10000, "stratified validation images held out of the training set, the same for "
                                "every run; 0 = none", at_most_train)
    dtype: str = setting("float32", "floating-point precision of data and parameters", choices=DTYPES)
    init: str = setting("auto", "weight initialization; auto = he for the relu family, glorot for sigmoid/tanh",
                        choices=("auto", *INITS))
    leaky_slope: float = setting(0.01, "negative-side slope of leaky_relu", slope)
    optimizer: str = setting("gd", "update rule (momentum = heavy ball)", choices=tuple(OPTIMIZERS))
    batch_size: int = setting(0, "images per update; 0 = full batch", non_negative)
    beta: float = setting(0.9, "momentum coefficient (optimizer momentum)", fraction)
    beta1: float = setting(0.9, "Adam's first-moment decay", fraction)
    beta2: float = setting(0.999, "Adam's second-moment decay", fraction)
    eps: float = setting(1e-8, "Adam's denominator offset", positive)
    fault: str = setting("none", "a hand-written network's mistake, reproduced on purpose (study/faults.py)",
                         choices=tuple(FAULTS))
    sharpness_every: int = setting(0, "epochs between sharpness measurements; 0 = off", non_negative)
    sharpness_samples: int = setting(5000, "training images the sharpness is measured on", positive)

    @property
    def run_id(self):
        """A short hash of every field: the same config always gets the same id."""
        text = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def resolved_init(self):
        return DEFAULT_INIT[self.activation] if self.init == "auto" else self.init


FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}


def make_config(settings):
    """A RunConfig from a dict of settings, each checked; raises ConfigError naming the key."""
    unknown = sorted(set(settings) - set(FIELDS))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}; valid: {', '.join(FIELDS)}")
    cfg = RunConfig(**{key: check(key, value) for key, value in settings.items()})
    check_together(cfg)
    return cfg


def check(key, value):
    """The value converted to the field's type and checked, or ConfigError."""
    field = FIELDS[key]
    value = convert(key, field.type, value)
    choices, check_value = field.metadata["choices"], field.metadata["check"]
    if choices and value not in choices:
        raise ConfigError(f"unknown {key} {value!r}; valid: {', '.join(choices)}")
    if check_value:
        check_value(key, value)
    return value


def convert(key, kind, value):
    if kind == tuple[int, ...]:
        return parse_hidden(key, value)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer, got {value!r}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key} must be a number, got {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, got {value!r}")
    return value


def parse_hidden(key, value):
    """Hidden sizes from a list or a comma-separated string: [128, 64] or "128,64"."""
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


def check_together(cfg):
    """Checks that involve more than one setting."""
    if cfg.n_train + cfg.n_val > N_TRAIN:
        raise ConfigError(f"n_train ({cfg.n_train}) + n_val ({cfg.n_val}) must be at most the {N_TRAIN} "
                          "training images")
    if 0 < cfg.n_train < N_CLASSES:
        raise ConfigError(f"n_train must be 0 (all) or at least {N_CLASSES}, one image per class, got {cfg.n_train}")
    if 0 < cfg.n_val < N_CLASSES:
        raise ConfigError(f"n_val must be 0 (none) or at least {N_CLASSES}, one image per class, got {cfg.n_val}")
    needs = FAULTS[cfg.fault].needs_activation
    if needs and cfg.activation != needs:
        raise ConfigError(f"fault {cfg.fault} reproduces a mistake in {needs}'s code; it needs activation {needs}, "
                          f"got {cfg.activation}")
    check_memory(cfg)


def memory_needed(cfg):
    """Bytes a run needs at least: parameter-sized vectors plus every hidden layer's buffers."""
    itemsize = 4 if cfg.dtype == "float32" else 8
    sizes = [784, *cfg.hidden, N_CLASSES]
    rows = cfg.n_train or N_TRAIN - cfg.n_val
    vectors = 2 + OPTIMIZERS[cfg.optimizer].state_vectors  # theta, grad, optimizer state
    activations = 2 * sum(cfg.hidden) + 3 * N_CLASSES  # Z and H per hidden layer, logits
    return itemsize * (vectors * n_params(sizes) + rows * (784 + activations))


def physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(cfg):
    available = physical_memory()
    needed = memory_needed(cfg)
    if available and needed > available:
        raise ConfigError(f"hidden {','.join(map(str, cfg.hidden))} needs about {needed / 2**30:.1f} GiB for its "
                          f"parameters and activations, more than this machine's {available / 2**30:.1f} GiB; "
                          "use smaller hidden sizes or n_train")
