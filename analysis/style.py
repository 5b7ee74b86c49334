"""The one place for colors, orders and axis labels shared by every figure."""

import matplotlib

matplotlib.use("Agg")  # files only, never a window; set before pyplot is imported anywhere
import matplotlib.pyplot as plt  # noqa: E402

# One color per activation, used in every figure (colorblind-safe Okabe-Ito hues first).
ACTIVATION_COLORS = {
    "relu": "#0072B2", "leaky_relu": "#E69F00", "elu": "#009E73", "gelu": "#CC79A7",
    "silu": "#D55E00", "softplus": "#56B4E9", "tanh": "#7B3294", "sigmoid": "#555555",
}
EXTRA_COLORS = ("#1B9E77", "#A6761D", "#E7298A", "#66A61E", "#8C564B", "#17BECF")  # unknown names
DIVERGED_MARK = {"marker": "X", "color": "#D62728", "markersize": 9, "zorder": 5}
LABELS = {
    "epoch": "epoch",
    "lr": "learning rate (log scale)",
    "train_cost": "training cost (cross-entropy, nats, log scale)",
    "test_acc": "test accuracy (%)",
    "sharpness": "sharpness (top Hessian eigenvalue)",
    "inactive": "inactive units at the end (%)",
}
plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "axes.titlesize": 10,
                     "font.size": 9, "svg.fonttype": "none"})


def color_of(activation):
    """The activation's color: from the table, or a stable pick for a name the table lacks."""
    if activation in ACTIVATION_COLORS:
        return ACTIVATION_COLORS[activation]
    return EXTRA_COLORS[sum(map(ord, activation)) % len(EXTRA_COLORS)]


def activations_of(frame):
    """Activations in the order the experiment lists them (first appearance)."""
    return list(dict.fromkeys(frame["activation"]))


def lrs_of(frame):
    return sorted(frame["lr"].unique())


def lr_text(lr):
    return f"{lr:g}"
