"""What the analysis knows about the trainer: read from each folder's manifest.json["contract"].

The trainer writes these facts (study/contract.py) and the analysis never imports it. A folder
written before the manifest carried them gets BEFORE: the facts of the code that wrote such
folders (commit 9b347ea and earlier), a record of the past that does not change with the trainer.
"""

from dataclasses import dataclass

BEFORE = {
    "version": 0,
    "epoch_columns": ["epoch", "updates", "train_cost", "train_acc", "val_cost", "val_acc", "test_cost",
                      "test_acc", "grad_norm", "seconds", "sharpness", "stability"],
    "epoch_column_prefixes": ["inactive_"],
    "divergence_factor": 10.0,
    "activations": {
        "relu": {"default_init": "he", "kinked": True, "relu_like": True, "color": "#0072B2"},
        "leaky_relu": {"default_init": "he", "kinked": True, "relu_like": True, "color": "#E69F00"},
        "sigmoid": {"default_init": "glorot", "kinked": False, "relu_like": False, "color": "#555555"},
        "tanh": {"default_init": "glorot", "kinked": False, "relu_like": False, "color": "#7B3294"},
        "elu": {"default_init": "he", "kinked": False, "relu_like": True, "color": "#009E73"},
        "softplus": {"default_init": "he", "kinked": False, "relu_like": True, "color": "#56B4E9"},
        "silu": {"default_init": "he", "kinked": False, "relu_like": True, "color": "#D55E00"},
        "gelu": {"default_init": "he", "kinked": False, "relu_like": True, "color": "#CC79A7"},
    },
    "faults": {
        "none": {"description": "the correct network", "needs_activation": "", "breaks_gradient": False},
        "sigmoid_prime": {"description": "sigmoid's derivative written sigmoid(z) * sigmoid(1 - z)",
                          "needs_activation": "sigmoid", "breaks_gradient": True},
        "forward_relu": {"description": "the forward pass always applies relu; the backward pass uses the chosen "
                                        "activation's derivative", "needs_activation": "", "breaks_gradient": True},
        "class_mean_cost": {"description": "the recorded cost is -mean over samples and classes of y log(p + 1e-9); "
                                           "the gradient is the correct one", "needs_activation": "",
                            "breaks_gradient": False},
        "sum_cost": {"description": "the gradient of the sum of the per-sample costs instead of their mean (the "
                                    "recorded cost stays the mean)", "needs_activation": "", "breaks_gradient": True},
    },
    "optimizers": {"gd": {"threshold": "2 / lr"}, "momentum": {"threshold": "(2 + 2 beta) / lr"},
                   "adam": {"threshold": ""}},
    "experiment_name_pattern": r"\w[\w.,+=@-]{0,127}",
    "remedy_settings": {},  # none existed
}


@dataclass(frozen=True)
class Contract:
    epoch_columns: tuple  # measurements in epochs.csv; every other column there is config (or run_id)
    epoch_column_prefixes: tuple  # measurement columns by prefix: inactive_1, inactive_2, ...
    divergence_factor: float  # a run diverged when its cost is non-finite or above this x its epoch-0 cost
    activations: dict  # name -> {default_init, kinked, relu_like, color}
    faults: dict  # name -> {description, needs_activation, breaks_gradient}
    optimizers: dict  # name -> {threshold: in words, "" where none is measured}
    experiment_name_pattern: str  # what a results folder (an experiment) may be called
    remedy_settings: dict  # the remedies for spikes (schedule, warm-up, clipping, ...) -> the value that is "off"

    def is_measurement(self, column):
        return column in self.epoch_columns or column.startswith(self.epoch_column_prefixes)

    def kinked(self):
        return [name for name, a in self.activations.items() if a["kinked"]]

    def smooth_relu_like(self):
        return [name for name, a in self.activations.items() if a["relu_like"] and not a["kinked"]]

    def colors(self):
        return {name: a["color"] for name, a in self.activations.items()}


def contract_of(manifest):
    """The folder's Contract: its manifest's, else BEFORE (a missing key also comes from BEFORE)."""
    found = (manifest or {}).get("contract")
    facts = {**BEFORE, **(found if isinstance(found, dict) else {})}
    return Contract(tuple(facts["epoch_columns"]), tuple(facts["epoch_column_prefixes"]),
                    float(facts["divergence_factor"]), dict(facts["activations"]), dict(facts["faults"]),
                    dict(facts["optimizers"]), str(facts["experiment_name_pattern"]), dict(facts["remedy_settings"]))
