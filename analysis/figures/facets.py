"""Which settings a figure must keep apart, and panels for them that stay readable at any grid size.

Every figure places activation (colour, rows) and learning rate (x axis, columns or a sequential
palette) itself; any other setting column that varies (hidden sizes, init, dtype, n_train, fault,
optimizer, batch_size, ...; the grid's axes, analysis/load/axes.py) becomes a facet, so runs that
differ in it are never drawn as one. Panels never share axes through matplotlib (its bookkeeping
grows with the square of the panels): a figure sets the same limits on each panel itself, and no
figure has more than MAX_PANELS panels.
"""

import pandas as pd

from analysis.figures.style import plt
from analysis.load.axes import setting_label

OWN_AXES = ("activation", "lr")  # placed by each figure itself
MAX_PANELS = 48  # a figure with more would be too small to read in the report; the rest is said to be left out


def extra_axes(axes):
    """Setting columns besides activation and lr."""
    return [c for c in axes.setting_columns if c not in OWN_AXES]


def with_facet(frame, extra):
    """frame with `facet` (its extra-axis values: 'hidden 32, init he', '' without any) and `panel_row`
    (activation, then the facet)."""
    facet = (frame.apply(lambda row: setting_label(row, extra), axis=1) if extra and len(frame)
             else pd.Series("", index=frame.index, dtype=object))
    row = frame["activation"].astype(str) + facet.map(lambda text: f" | {text}" if text else "")
    return frame.assign(facet=facet, panel_row=row)


def in_order(values):
    """Distinct values in order of first appearance (the order the experiment lists them)."""
    return list(dict.fromkeys(values))


def run_facets(metrics, epochs, extra):
    """epochs with the `facet` and `panel_row` labels of its run (joined from metrics by run_id)."""
    labelled = with_facet(metrics, extra).set_index("run_id")
    return epochs.assign(**{c: epochs["run_id"].map(labelled[c]) for c in ("facet", "panel_row")})


def curves_of(epochs, run_ids):
    """{run_id: its epoch rows} of the runs a figure draws (grouping the whole of a 10,000-run
    epochs.csv when a figure draws 200 of its runs would cost seconds)."""
    return dict(tuple(epochs[epochs["run_id"].isin(set(run_ids))].groupby("run_id", sort=False)))


def panel_rows(n_rows, n_cols, width, height):
    """fig and an (n_rows x n_cols) array of panels, in the constrained layout (titles are never cut).

    Panels come from matplotlib rather than seaborn's FacetGrid, which runs a tight layout when it is
    made and after each map call; they share no axis (see the module docstring).
    """
    size = (1.2 + width * n_cols, 1.0 + height * n_rows)
    return plt.subplots(n_rows, n_cols, figsize=size, squeeze=False, layout="constrained")


def wrapped_panels(n, wrap, width, height):
    """fig and a list of n panels filling rows of `wrap`; empty slots are removed."""
    cols = min(wrap, n)
    fig, axes = panel_rows(-(-n // cols), cols, width, height)
    for ax in axes.flat[n:]:
        fig.delaxes(ax)
    return fig, list(axes.flat[:n])


def same_limits(panels, x=None, y=None):
    """Set the same x and/or y limits on every panel (what shared axes would do, without their cost)."""
    for ax in panels:
        if x is not None:
            ax.set_xlim(*x)
        if y is not None:
            ax.set_ylim(*y)


def capped(items, limit=MAX_PANELS):
    """(the first `limit` items, how many were left out)."""
    items = list(items)
    return items[:limit], max(0, len(items) - limit)
