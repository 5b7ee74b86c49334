"""Dead and saturated units: the share of hidden units whose derivative sits at its floor at the end."""

import numpy as np

from analysis.context import Figure, Question
from analysis.figures.grid import inactive_units
from analysis.metrics.per_run import inactive_columns
from analysis.report.html import paragraph


def compute(a):
    """Per activation, the largest mean (over seeds) share of inactive units in any layer, and at which lr."""
    layers = inactive_columns(a.metrics, "final_inactive_")
    means = a.metrics.groupby(["activation", "lr"], sort=False)[layers].mean().max(axis=1)
    worst = {}
    for (activation, lr), value in means.items():
        if np.isfinite(value) and value > worst.get(activation, (-1.0, None))[0]:
            worst[activation] = (float(value), lr)
    return worst


def html(a, numbers, figures):
    parts = [f"{activation} {100 * value:.0f}% (lr {lr:g})" for activation, (value, lr) in numbers.items()]
    text = ("Largest share of inactive hidden units at the end of training, mean over seeds, in any layer: "
            + "; ".join(parts) + ". A unit is inactive when |f'| stays at its floor on every training image (dead "
            "relu units, saturated sigmoid and tanh units); it then passes no gradient.")
    return paragraph([text]) + figures.get("inactive_units", "")


def figures(a, numbers):
    return [Figure("inactive_units", "Inactive units", lambda: inactive_units(a.metrics, a.axes))]


QUESTION = Question(name="inactive", title="Dead and saturated units",
                    applies=lambda a: any(c.startswith("final_inactive_") for c in a.metrics.columns),
                    compute=compute, html=html, figures=figures)
