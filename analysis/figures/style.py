"""The one place for colors, orders, axis labels and titles shared by every figure."""

import contextlib
import math
import textwrap

import matplotlib

matplotlib.use("Agg")  # files only, never a window; set before pyplot is imported anywhere
import matplotlib.pyplot as plt  # noqa: E402, F401 (after use("Agg"); every figure module takes plt from here)
import seaborn as sns  # noqa: E402 (after use("Agg"))
from matplotlib.ticker import FuncFormatter  # noqa: E402 (after use("Agg"))

# One color per activation in every figure: the trainer's (each activation's record, read from the
# folder's contract while its figures are drawn, see activation_colors), else a stable pick.
ACTIVATION_COLORS = {}
EXTRA_COLORS = ("#1B9E77", "#A6761D", "#E7298A", "#66A61E", "#8C564B", "#17BECF")  # unknown names
DIVERGED_MARK = {"marker": "X", "color": "#D62728", "markersize": 9, "zorder": 5}
SEED_DASHES = ("", (4, 1.5), (1, 1.2), (4, 1.2, 1, 1.2))  # solid, dashed, dotted, dash-dot
LABELS = {
    "epoch": "epoch",
    "lr": "learning rate (log scale)",
    "train_cost": "training cost (cross-entropy, nats, log scale)",
    "test_acc": "test accuracy (%)",
    "sharpness": "sharpness (top Hessian eigenvalue)",
    "inactive": "inactive units at the end (%)",
}
# What the accuracy-over-settings figures show: the validation number that chose the learning rate
# (summary `is_selected`), or, for results without a validation split, the test number and no choice.
ACCURACY_VIEWS = {
    "validation": {"name": "Validation accuracy", "column": "best_val_acc", "axis": "best validation accuracy (%)",
                   "what": "Best validation accuracy of each run (it chose the learning rate)"},
    "test": {"name": "Final test accuracy", "column": "final_test_acc", "axis": "final test accuracy (%)",
             "what": "Final test accuracy (no validation split: no learning rate was selected)"},
}
sns.set_theme(style="whitegrid", rc={"figure.dpi": 110, "grid.alpha": 0.5, "axes.titlesize": 10,
                                     "font.size": 9, "axes.labelsize": 9, "xtick.labelsize": 8,
                                     "ytick.labelsize": 8, "legend.fontsize": 8, "legend.title_fontsize": 8,
                                     "svg.fonttype": "none"})


@contextlib.contextmanager
def activation_colors(colors):
    """Within: color_of uses `colors` ({activation: color}, from the folder's contract)."""
    previous = dict(ACTIVATION_COLORS)
    ACTIVATION_COLORS.clear()
    ACTIVATION_COLORS.update(colors)
    try:
        yield
    finally:
        ACTIVATION_COLORS.clear()
        ACTIVATION_COLORS.update(previous)


def color_of(activation):
    """The activation's color: from the table, or a stable pick for a name the table lacks."""
    if activation in ACTIVATION_COLORS:
        return ACTIVATION_COLORS[activation]
    return EXTRA_COLORS[sum(map(ord, activation)) % len(EXTRA_COLORS)]


def palette(activations):
    """{activation: color} for seaborn's hue."""
    return {a: color_of(a) for a in activations}


def activations_of(frame):
    """Activations in the order the experiment lists them (first appearance)."""
    return list(dict.fromkeys(frame["activation"]))


def lrs_of(frame):
    return sorted(frame["lr"].unique())


def lr_text(lr):
    return f"{lr:g}"


def accuracy_view(summary):
    """'validation' when the summary has validation accuracies, else 'test' (see ACCURACY_VIEWS)."""
    column = f"{ACCURACY_VIEWS['validation']['column']}_mean"
    return "validation" if column in summary.columns and summary[column].notna().any() else "test"


def plain_log_axis(axis, ticks=None, most=10):
    """A log-scale axis labelled in plain numbers (0.1, 2, 3 rather than 10^-1): at `ticks` when given
    (at most `most` of them labelled, evenly spread, so that labels never collide), else at the powers
    of ten, with minor labels at 2, 3 and 5 x 10^k when the range is under a decade."""
    if ticks is not None:
        ticks = list(ticks)
        step = max(1, math.ceil(len(ticks) / most))
        axis.set_ticks(ticks, [f"{t:g}" if i % step == 0 else "" for i, t in enumerate(ticks)])
        axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        axis.set_tick_params(which="minor", length=0)
        return
    low, high = axis.get_view_interval()
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    few = low > 0 and high / low < 10
    axis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if few and leading_digit(v) in (2, 3, 5) else ""))


def leading_digit(value):
    return round(value / 10 ** math.floor(math.log10(value))) if value > 0 else 0


def titled(fig, text, fontsize=11):
    """fig.suptitle, each line wrapped to the figure's width so that no word is cut at the edges."""
    chars = max(30, int(fig.get_figwidth() * 72 / (0.56 * fontsize)))
    fig.suptitle("\n".join(wrap_evenly(line, chars) for line in text.splitlines()), fontsize=fontsize)


def wrap_evenly(line, chars):
    """line cut into lines of at most about `chars` characters, all of similar length (no lone last word)."""
    parts = max(1, math.ceil(len(line) / chars))
    return textwrap.fill(line, math.ceil(len(line) / parts) + 6) if len(line) > chars else line

