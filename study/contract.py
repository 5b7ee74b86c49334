"""What the analysis needs to know about the trainer, written into every results folder's manifest.

The analysis never imports the trainer: it reads these facts from manifest.json["contract"] (and
uses the values of the code before the contract existed for folders written earlier), so each
fact is stated once, here or where this module reads it from.
"""

from study.config import FIELDS
from study.identity import neutral_values
from study.net.activations import ACTIVATIONS
from study.net.faults import FAULTS
from study.net.optimizers import OPTIMIZERS
from study.store.folder import SAFE_NAME
from study.training.run import DIVERGENCE_FACTOR, EPOCH_COLUMNS, INACTIVE_PREFIX

VERSION = 1


def contract():
    """The facts, as plain JSON data."""
    return {
        "version": VERSION,
        # epochs.csv: these columns (and any starting with a prefix) are measurements; the others are config
        "epoch_columns": list(EPOCH_COLUMNS),
        "epoch_column_prefixes": [INACTIVE_PREFIX],
        # a run is stopped as diverged when its training cost is non-finite or above factor x its epoch-0 cost
        "divergence_factor": DIVERGENCE_FACTOR,
        "activations": {name: {"default_init": a.default_init, "kinked": a.kinked, "relu_like": a.relu_like,
                               "color": a.color} for name, a in ACTIVATIONS.items()},
        "faults": {name: {"description": f.description, "needs_activation": f.needs_activation,
                          "breaks_gradient": f.breaks_gradient} for name, f in FAULTS.items()},
        # stability = sharpness / threshold, from the lr of that epoch (lr_used); blank where there is none
        "optimizers": {name: {"threshold": o.threshold} for name, o in OPTIMIZERS.items()},
        # an experiment's name is its results folder: what analysis tools may name a new experiment
        "experiment_name_pattern": SAFE_NAME.pattern,
        # the remedies for spikes (schedule, warm-up, clipping, weight decay) and the value that turns each off
        "remedy_settings": neutral_values(FIELDS),
    }
