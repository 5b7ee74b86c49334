"""A run's configuration: plain data, validated, hashed into its run id.

RunConfig is the one source of run settings: each field carries its help text and its check, and
the `study train` flags, the experiment-file keys and every result row's config columns all come
from these fields. Adding a setting means adding a field here (and using it).
"""

import dataclasses
import math
from dataclasses import MISSING, dataclass

from study.data.datasets import DATASET_NAMES, DTYPES, N_CLASSES, N_TRAIN
from study.identity import run_id_of
from study.net.activations import ACTIVATIONS
from study.net.faults import FAULTS
from study.net.mlp import INITS
from study.net.optimizers import OPTIMIZERS
from study.net.remedies import SCHEDULES


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


def at_most_train(key, value):
    non_negative(key, value)
    if value > N_TRAIN:
        raise ConfigError(f"{key} must be at most {N_TRAIN}, got {value}")


def unit_interval(key, value):
    if not 0 <= value <= 1:
        raise ConfigError(f"{key} must be between 0 and 1, got {value!r}")


def hidden_layers(key, value):
    if not value:
        raise ConfigError(f"{key} needs at least one hidden layer, e.g. 128,64")


def setting(default, help, check=None, choices=None, used_when=None, id_neutral=MISSING):
    """A RunConfig field: its default, one line of help, its check or its valid choices, and:

    used_when: (cfg -> bool, "the condition in words") when the setting only matters in some runs;
      a value other than the default in a run where it does not matter is refused, so two runs
      that train the same never look like two settings;
    id_neutral: for settings added after results existed, the value that reproduces the training
      from before; at that value the setting is left out of the run id (study/identity.py), so
      existing results keep their ids. It is fixed for good, whatever the default becomes later.
    """
    return dataclasses.field(default=default, metadata={"help": help, "check": check, "choices": choices,
                                                        "used_when": used_when, "id_neutral": id_neutral})


@dataclass(frozen=True)
class RunConfig:
    dataset: str = setting("mnist", "which IDX dataset", choices=DATASET_NAMES)
    activation: str = setting("relu", "hidden activation", choices=tuple(ACTIVATIONS))
    lr: float = setting(0.1, "learning rate (step size; the peak of a schedule)", positive)
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
    # leaky relu is max(z, slope z), which needs 0 <= slope <= 1
    leaky_slope: float = setting(0.01, "negative-side slope of leaky_relu", unit_interval,
                                 used_when=(lambda c: c.activation == "leaky_relu", "activation = leaky_relu"))
    optimizer: str = setting("gd", "update rule (momentum = heavy ball)", choices=tuple(OPTIMIZERS))
    batch_size: int = setting(0, "images per update; 0 = full batch", non_negative)
    beta: float = setting(0.9, "momentum coefficient (optimizer momentum)", fraction,
                          used_when=(lambda c: c.optimizer == "momentum", "optimizer = momentum"))
    beta1: float = setting(0.9, "Adam's first-moment decay", fraction,
                           used_when=(lambda c: c.optimizer == "adam", "optimizer = adam"))
    beta2: float = setting(0.999, "Adam's second-moment decay", fraction,
                           used_when=(lambda c: c.optimizer == "adam", "optimizer = adam"))
    eps: float = setting(1e-8, "Adam's denominator offset", positive,
                         used_when=(lambda c: c.optimizer == "adam", "optimizer = adam"))
    fault: str = setting("none", "a hand-written network's mistake, reproduced on purpose (study/net/faults.py)",
                         choices=tuple(FAULTS))
    sharpness_every: int = setting(0, "epochs between sharpness measurements; 0 = off", non_negative)
    sharpness_samples: int = setting(5000, "training images the sharpness is measured on", positive,
                                     used_when=(lambda c: c.sharpness_every > 0, "sharpness_every > 0"))
    lr_schedule: str = setting("constant", "how lr changes over the epochs: constant, cosine decay to lr_final x lr, "
                               "or step decay by lr_step_factor every lr_step_every epochs", choices=tuple(SCHEDULES),
                               id_neutral="constant")
    lr_final: float = setting(0.0, "cosine: the last epoch's lr as a fraction of lr", unit_interval,
                              used_when=(lambda c: c.lr_schedule == "cosine", "lr_schedule = cosine"),
                              id_neutral=0.0)
    lr_step_every: int = setting(50, "step: epochs between two decays", positive,
                                 used_when=(lambda c: c.lr_schedule == "step", "lr_schedule = step"),
                                 id_neutral=50)
    lr_step_factor: float = setting(0.1, "step: what each decay multiplies lr by", unit_interval,
                                    used_when=(lambda c: c.lr_schedule == "step", "lr_schedule = step"),
                                    id_neutral=0.1)
    warmup_epochs: int = setting(0, "epochs of linear warm-up from lr / warmup_epochs to lr; 0 = none",
                                 non_negative, id_neutral=0)
    clip_norm: float = setting(0.0, "clip each update's gradient to this global norm; 0 = off", non_negative,
                               id_neutral=0.0)
    weight_decay: float = setting(0.0, "L2 penalty weight_decay / 2 x |W|^2 on the weights (not biases) added to "
                                  "the cost minimised; train_cost stays the cross-entropy; 0 = off", non_negative,
                                  id_neutral=0.0)

    @property
    def run_id(self):
        """A short hash of the settings (study/identity.py): the same config always gets the same id."""
        return run_id_of(self)

    @property
    def resolved_init(self):
        return ACTIVATIONS[self.activation].default_init if self.init == "auto" else self.init


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


def hidden_text(sizes):
    """Hidden sizes as the tables write them: (128, 64) -> "128,64" (parse_hidden reads it back)."""
    return ",".join(str(size) for size in sizes)


def check_together(cfg):
    """Checks that involve more than one setting."""
    if cfg.n_train + cfg.n_val > N_TRAIN:
        raise ConfigError(f"n_train ({cfg.n_train}) + n_val ({cfg.n_val}) must be at most the {N_TRAIN} "
                          "training images")
    if 0 < cfg.n_train < N_CLASSES:
        raise ConfigError(f"n_train must be 0 (all) or at least {N_CLASSES}, one image per class, got {cfg.n_train}")
    if 0 < cfg.n_val < N_CLASSES:
        raise ConfigError(f"n_val must be 0 (none) or at least {N_CLASSES}, one image per class, got {cfg.n_val}")
    if not cfg.n_train and N_TRAIN - cfg.n_val < N_CLASSES:
        raise ConfigError(f"n_val {cfg.n_val} leaves {N_TRAIN - cfg.n_val} training image(s), fewer than one per "
                          f"class; n_val can be at most {N_TRAIN - N_CLASSES}")
    fault = FAULTS[cfg.fault]
    if fault.needs_activation and cfg.activation != fault.needs_activation:
        raise ConfigError(f"fault {cfg.fault} reproduces a mistake in {fault.needs_activation}'s code; it needs "
                          f"activation {fault.needs_activation}, got {cfg.activation}")
    if cfg.activation in fault.changes_nothing_with:
        raise ConfigError(f"fault {cfg.fault} changes nothing with activation {cfg.activation} "
                          f"({fault.description}); use another activation or fault none")
    for name, field in FIELDS.items():
        used = field.metadata["used_when"]
        if used and not used[0](cfg) and getattr(cfg, name) != field.default:
            raise ConfigError(f"{name} = {getattr(cfg, name)!r} has no effect unless {used[1]}; leave {name} out "
                              "(a setting that cannot change training would make a new run of the same training)")
