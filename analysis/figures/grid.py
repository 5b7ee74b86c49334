"""Figures against learning rate: accuracy with its interval, inactive units; a panel per extra-axis value."""

import numpy as np
import seaborn as sns
from matplotlib.lines import Line2D

from analysis.aggregate.selection import is_selected
from analysis.figures.facets import (
    MAX_PANELS,
    capped,
    extra_axes,
    in_order,
    panel_rows,
    same_limits,
    with_facet,
    wrapped_panels,
)
from analysis.figures.style import (
    ACCURACY_VIEWS,
    LABELS,
    accuracy_view,
    activations_of,
    color_of,
    lrs_of,
    palette,
    plain_log_axis,
    titled,
)
from analysis.metrics.per_run import inactive_columns

SELECTED_MARK = {"marker": "*", "markersize": 14, "markeredgecolor": "black", "linestyle": "none"}


def log_lr_axis(ax, lrs):
    """Log-scale x axis with a tick at each learning rate of the grid, written as plain numbers."""
    ax.set_xscale("log")
    plain_log_axis(ax.xaxis, ticks=lrs)


def activation_legend(fig, activations, extra=()):
    """One legend of the activation colours (and `extra` entries) right of the panels, where it hides no data."""
    handles = [Line2D([], [], color=color_of(a), marker="o", ms=4, label=a) for a in activations]
    fig.legend(handles=[*handles, *extra], title="activation", loc="outside right center")


def facet_panels(frame, axes, wrap=3, width=5.8, height=3.6):
    """(fig, {facet: panel}, frame with `facet`): one panel per combination of extra axes (one without),
    at most MAX_PANELS."""
    labelled = with_facet(frame, extra_axes(axes))
    facets, _ = capped(in_order(labelled["facet"]))
    fig, axes = wrapped_panels(len(facets), wrap, width, height)
    for facet, ax in zip(facets, axes):
        ax.set_title(facet)
    return fig, dict(zip(facets, axes)), labelled


def clipped_spread(rows, column):
    """(below, above) the mean (%) of the 95% interval of `column`, cut at 0 and 100% (0 when unknown).

    An accuracy cannot leave 0-100%, whatever a t interval over two seeds says.
    """
    mean = 100 * rows[f"{column}_mean"].to_numpy(dtype=float)
    low = np.clip(100 * rows[f"{column}_ci_low"].to_numpy(dtype=float), 0, 100)
    high = np.clip(100 * rows[f"{column}_ci_high"].to_numpy(dtype=float), 0, 100)
    return np.clip(np.nan_to_num(np.vstack([mean - low, high - mean])), 0, None)


def plot_accuracy_panel(ax, rows, column, activations):
    """Mean accuracy per activation against lr, its 95% interval cut to 0-100%, a star at the selected lr."""
    for rank, activation in enumerate(activations):
        mine = rows[rows["activation"] == activation].sort_values("lr")
        if mine.empty:
            continue
        # nudge each activation sideways (by a few % of lr) so that overlapping bars stay apart
        shifted = mine["lr"].to_numpy(dtype=float) * 10 ** (0.015 * (rank - (len(activations) - 1) / 2))
        mean = 100 * mine[f"{column}_mean"].to_numpy(dtype=float)
        sns.lineplot(x=shifted, y=mean, color=color_of(activation), marker="o", markersize=5, errorbar=None, ax=ax)
        ax.errorbar(shifted, mean, yerr=clipped_spread(mine, column), fmt="none", ecolor=color_of(activation),
                    capsize=3)
        chosen = mine["selected"].to_numpy(dtype=bool)
        ax.plot(shifted[chosen], mean[chosen], color=color_of(activation), **SELECTED_MARK)


def accuracy_vs_lr(summary, axes):
    """Mean validation accuracy (which chose) against lr per activation, with its 95% interval across seeds."""
    view_name = accuracy_view(summary)
    view = ACCURACY_VIEWS[view_name]
    activations, lrs = activations_of(summary), lrs_of(summary)
    # wide enough for every activation's bar to stand apart at each lr
    fig, panels, labelled = facet_panels(summary.assign(selected=is_selected(summary)), axes,
                                         width=min(12.0, max(5.8, 0.18 * len(lrs) * len(activations))))
    for facet, ax in panels.items():
        plot_accuracy_panel(ax, labelled[labelled["facet"] == facet], view["column"], activations)
        log_lr_axis(ax, lrs)
        ax.set(xlabel=LABELS["lr"], ylabel=view["axis"])
    means = 100 * summary[f"{view['column']}_mean"].dropna()
    # the lower end follows the means, so that one collapsed setting does not squeeze the others
    same_limits(panels.values(), y=(max(0.0, means.min() - 5.0) if len(means) else 0.0, 100.5))
    star = [Line2D([], [], color="0.4", label="selected lr", **SELECTED_MARK)] if view_name == "validation" else []
    activation_legend(fig, activations, star)
    titled(fig, f"{view['what']}, against learning rate.\nPoints: mean over seeds; bars: 95% t interval "
                "across seeds, cut at 0 and 100%" + ("; star: selected lr." if star else "."))
    return fig


def inactive_units(metrics, axes):
    """Fraction of inactive units per hidden layer at the end, against lr, per activation (mean over seeds)."""
    layers = inactive_columns(metrics, "final_inactive_")
    labelled = with_facet(metrics, extra_axes(axes))
    long = labelled.melt(id_vars=["activation", "lr", "facet"], value_vars=layers, var_name="layer",
                         value_name="inactive")
    long["layer"] = "hidden layer " + long["layer"].str.rsplit("_", n=1).str[-1]
    long["inactive"] = 100 * long["inactive"].astype(float)
    activations, (facets, _) = activations_of(metrics), capped(in_order(labelled["facet"]), MAX_PANELS // len(layers))
    fig, panels = panel_rows(len(facets), len(layers), 4.2, 3.2)
    for (r, facet), (c, layer) in ((r, c) for r in enumerate(facets) for c in enumerate(in_order(long["layer"]))):
        ax = panels[r, c]
        sns.lineplot(data=long[(long["facet"] == facet) & (long["layer"] == layer)], x="lr", y="inactive",
                     hue="activation", hue_order=activations, palette=palette(activations), marker="o",
                     markersize=5, errorbar=None, legend=False, ax=ax)  # the line is the mean over seeds
        ax.set_title(layer + (f"\n{facet}" if facet else ""))
        log_lr_axis(ax, lrs_of(metrics))
        ax.set(xlabel=LABELS["lr"], ylabel=LABELS["inactive"])
    same_limits(panels.flat, y=(-2, 102))
    activation_legend(fig, activations)
    titled(fig, "Inactive hidden units at the end of training, mean over seeds\n"
                "(|f'| at its floor on every training sample)")
    return fig
