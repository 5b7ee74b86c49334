"""Spikes against stability per run, coloured by activation: does the line stability = 1 sort them?"""

import numpy as np
from matplotlib.lines import Line2D

from analysis.figures.style import color_of, plain_log_axis, plt, titled
from analysis.questions.kink.numbers import SETTLED, STABILITY, STABILITY_LINE, activations_in_order, measured_runs

PANELS = {  # metrics column on the x axis -> axis label
    STABILITY: "largest stability after initialization (lr x sharpness / 2)",
    SETTLED: "median stability after first reaching 0.95",
}
MARKERS = ("o", "s", "D", "^", "v", "P")  # one per activation, so colour is not the only cue


def log_ticks(values):
    """Powers of two (and the line 1) within the values' range, for a log axis read in plain numbers."""
    values = values.astype(float).dropna()
    low, high = (float(values.min()), float(values.max())) if len(values) else (STABILITY_LINE, STABILITY_LINE)
    return [2.0**k for k in range(-4, 7) if low / 1.5 <= 2.0**k <= high * 1.5 or 2.0**k == STABILITY_LINE]


def scatter_panel(ax, runs, column, order):
    """One point per run: x its stability, y its number of spikes; filled when spiky, hollow when smooth."""
    jitter = np.random.default_rng(0)  # spikes are integers: a small fixed jitter keeps equal points visible
    for rank, activation in enumerate(order):
        mine = runs[(runs["activation"] == activation) & runs[column].notna()]
        x, y = mine[column].astype(float).to_numpy(), mine["n_spikes"].astype(float).to_numpy()
        y = y + jitter.uniform(-0.15, 0.15, size=len(y))
        spiky = mine["spiky"].astype(bool).to_numpy()
        color, marker = color_of(activation), MARKERS[rank % len(MARKERS)]
        ax.scatter(x[spiky], y[spiky], color=color, marker=marker, s=36, alpha=0.85)
        ax.scatter(x[~spiky], y[~spiky], facecolors="none", edgecolors=color, marker=marker, s=36, linewidths=1.3)
    ax.axvline(STABILITY_LINE, color="black", ls="--", lw=1)
    ax.set(xscale="log", xlabel=f"{PANELS[column]}, log scale", ylabel="spikes (cost > 1.05 x running minimum)")
    plain_log_axis(ax.xaxis, ticks=log_ticks(runs[column]))  # 0.5, 1, 2 rather than 10^0


def spikes_against_stability(runs, ref):
    """Two panels (largest stability, median stability after 0.95) of spikes per run."""
    runs = measured_runs(runs)
    order = activations_in_order(runs, ref)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True, layout="constrained")
    for ax, column in zip(axes, PANELS):
        scatter_panel(ax, runs, column, order)
    handles = [Line2D([], [], color=color_of(a), marker=MARKERS[i % len(MARKERS)], ls="none", label=a)
               for i, a in enumerate(order)]
    handles += [Line2D([], [], color="0.3", marker="o", ls="none", label="spiky run"),
                Line2D([], [], color="0.3", marker="o", ls="none", markerfacecolor="none", label="smooth run"),
                Line2D([], [], color="black", ls="--", label="stability 1 (sharpness = 2/lr)")]
    axes[1].legend(handles=handles, fontsize=7, loc="best")
    titled(fig, "Number of spikes of each run against its stability: filled = spiky, hollow = smooth.\n"
                "Right: only runs that reached 0.95; diverged runs are left out.")
    return fig
