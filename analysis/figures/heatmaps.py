"""Annotated heatmaps of the per-setting summary (activation x lr, one row of panels per extra-axis value)."""

import numpy as np
import seaborn as sns
from matplotlib.patches import Rectangle

from analysis.aggregate.selection import is_selected
from analysis.figures.facets import extra_axes, in_order, with_facet
from analysis.figures.style import ACCURACY_VIEWS, accuracy_view, activations_of, color_of, lr_text, lrs_of, plt, titled


def cells(rows, column, activations, lrs):
    """rows[column] as an activation x lr table (NaN where the setting is missing)."""
    return rows.set_index(["activation", "lr"])[column].astype(float).unstack("lr").reindex(index=activations,
                                                                                           columns=lrs)


def run_notes(rows, activations, lrs):
    """Per cell, '\n1/2 div.' when some of its runs diverged (of those that trained), '\n2 failed' when some
    failed, else ''."""
    diverged, runs, failed = (cells(rows, c, activations, lrs).to_numpy() for c in ("n_diverged", "n_runs", "n_failed"))
    notes = [[(f"\n{d:.0f}/{n - f:.0f} div." if d > 0 else "") + (f"\n{f:.0f} failed" if f > 0 else "")
              for d, n, f in zip(*row)] for row in zip(diverged, runs, failed)]
    return np.array(notes, dtype=object)


def draw_heatmap(ax, values, text, spec, limits, marked):
    """sns.heatmap of values with `text` in each cell (None: colour only); missing cells grey with
    'n/a'; marked cells boxed."""
    ax.set_facecolor("0.85")
    sns.heatmap(values, annot=text if text is not None else False, fmt="", cmap=spec["cmap"], vmin=limits[0],
                vmax=limits[1], ax=ax, linewidths=0.5, linecolor="white", annot_kws={"fontsize": 8},
                cbar_kws={"label": spec["label"]})
    for r, c in np.argwhere(values.isna().to_numpy()) if text is not None else []:  # seaborn leaves them blank
        ax.text(c + 0.5, r + 0.5, text[r, c], ha="center", va="center", fontsize=8)
    for r, c in np.argwhere(marked.to_numpy()):
        ax.add_patch(Rectangle((c, r), 1, 1, fill=False, edgecolor="black", lw=2.2, clip_on=False))
    step = max(1, -(-len(values.columns) // ANNOTATED_COLUMNS))  # at most about 12 labels
    ax.set_xticklabels([lr_text(lr) if i % step == 0 else "" for i, lr in enumerate(values.columns)])
    ax.set_yticklabels(values.index, rotation=0)
    for label in ax.get_yticklabels():
        label.set_color(color_of(label.get_text()))
    ax.set(xlabel="learning rate", ylabel="activation")
    ax.grid(False)


ANNOTATED_COLUMNS = 12  # above this many learning rates the cells are too narrow for numbers: colour only


def heatmap_figure(summary, axes, specs, title, marked=None):
    """One column of panels per spec, one row per combination of extra axes; colour scales shared."""
    labelled = with_facet(summary, extra_axes(axes))
    facets, activations, lrs = in_order(labelled["facet"]), activations_of(summary), lrs_of(summary)
    annotate = len(lrs) <= ANNOTATED_COLUMNS
    width = 1.15 if annotate else 0.4  # cells with numbers need room; colour-only cells do not
    size = (1.5 + len(specs) * (1.8 + width * len(lrs)), 1.2 + len(facets) * (1.0 + 0.55 * len(activations)))
    fig, panels = plt.subplots(len(facets), len(specs), figsize=size, squeeze=False, layout="constrained")
    marked = labelled.assign(marked=(marked if marked is not None else is_selected(summary)).astype(float))
    for spec_index, spec in enumerate(specs):
        column = labelled[spec["column"]].astype(float) * spec["scale"]
        limits = spec["limits"](column[np.isfinite(column)].to_numpy())
        for row, facet in enumerate(facets):
            rows = labelled[labelled["facet"] == facet]
            values = spec["scale"] * cells(rows, spec["column"], activations, lrs)
            box = cells(marked[marked["facet"] == facet], "marked", activations, lrs).eq(1)
            text = np.array([[spec["text"](v) + ("*" if b else "") for v, b in zip(*pair)]
                             for pair in zip(values.to_numpy(), box.to_numpy())], dtype=object)
            text = text + run_notes(rows, activations, lrs) if annotate else None
            ax = panels[row, spec_index]
            draw_heatmap(ax, values, text, spec, limits, box)
            ax.set_title(spec["title"] + (f"\n{facet}" if facet else ""))
    titled(fig, title + ("" if annotate else f"\nWith {len(lrs)} learning rates the cells carry colour only; "
                                              "summary.csv has their numbers."))
    return fig


def number_text(fmt):
    return lambda value: fmt.format(value) if np.isfinite(value) else "n/a"


def spikiness_heatmaps(summary, axes, tau):
    """Share of seeds with a spiky curve, and the mean number of spikes, over activation x lr."""
    specs = [{"column": "spiky_mean", "scale": 100, "cmap": "Reds", "text": number_text("{:.0f}%"),
              "label": "runs classified spiky (%)", "title": "runs classified spiky (%)", "limits": lambda v: (0, 100)},
             {"column": "n_spikes_mean", "scale": 1, "cmap": "Oranges", "text": number_text("{:.1f}"),
              "label": "spikes per run (count)", "title": f"excursions > {tau:.0%} above the running minimum (count)",
              "limits": lambda v: (0, max(1.0, float(v.max())) if len(v) else 1.0)}]
    none = summary["lr"].isna()  # spikiness marks no setting
    return heatmap_figure(summary, axes, specs, "Spikiness of the training cost (mean over seeds; diverged runs: "
                                          "before they diverged)", marked=none)


def accuracy_limits(values):
    """Colour scale from the 10th percentile (so a few collapsed settings do not wash out the rest) to 100."""
    low = float(np.floor(np.percentile(values, 10))) if len(values) else 0.0
    return min(low, 99.0), 100.0


def accuracy_heatmap(summary, axes):
    """Mean validation accuracy (which chose the lr) over activation x lr; the selected lr is boxed and starred."""
    view_name = accuracy_view(summary)
    view = ACCURACY_VIEWS[view_name]
    specs = [{"column": f"{view['column']}_mean", "scale": 100, "cmap": "viridis", "text": number_text("{:.1f}"),
              "label": view["axis"], "title": view["axis"], "limits": accuracy_limits}]
    marks = "\nBox and * = the selected learning rate (highest mean)." if view_name == "validation" else ""
    return heatmap_figure(summary, axes, specs, f"{view['what']}; mean over seeds (%).{marks}")
