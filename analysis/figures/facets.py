"""Which settings a figure must keep apart: activation and lr, plus every other setting that varies.

Every figure places activation (colour, rows) and learning rate (x axis or columns) itself; any other
setting column that varies (hidden sizes, init, dtype, n_train, fault, optimizer, batch_size, ...;
decided by analysis/axes.py from the results) becomes a facet, so runs that differ in it are never
drawn as one.
"""

import pandas as pd

from analysis.load.axes import find_axes, setting_label, summary_setting_columns
from analysis.figures.style import plt

OWN_AXES = ("activation", "lr")  # placed by each figure itself


def extra_axes(frame):
    """Setting columns of metrics or summary rows besides activation and lr."""
    settings = summary_setting_columns(frame) if "n_runs" in frame.columns else find_axes(frame).setting_columns
    return [c for c in settings if c not in OWN_AXES]


def with_facet(frame, axes):
    """frame with `facet` (its extra-axis values: 'hidden 32, init he', '' without any) and `panel_row`
    (activation, then the facet)."""
    facet = (frame.apply(lambda row: setting_label(row, axes), axis=1) if axes and len(frame)
             else pd.Series("", index=frame.index, dtype=object))
    row = frame["activation"].astype(str) + facet.map(lambda text: f" | {text}" if text else "")
    return frame.assign(facet=facet, panel_row=row)


def in_order(values):
    """Distinct values in order of first appearance (the order the experiment lists them)."""
    return list(dict.fromkeys(values))


def run_facets(metrics, epochs):
    """epochs with the `facet` and `panel_row` labels of its run (joined from metrics by run_id)."""
    labelled = with_facet(metrics, extra_axes(metrics)).set_index("run_id")
    return epochs.assign(**{c: epochs["run_id"].map(labelled[c]) for c in ("facet", "panel_row")})


def panel_rows(n_rows, n_cols, width, height, sharex=True, sharey=True):
    """fig and an (n_rows x n_cols) array of panels, in the constrained layout (titles are never cut).

    Panels come from matplotlib rather than seaborn's FacetGrid, which runs a tight layout when it is
    made and after each map call: on a 48-panel grid that costs as much as drawing it.
    """
    size = (1.2 + width * n_cols, 1.0 + height * n_rows)
    return plt.subplots(n_rows, n_cols, figsize=size, sharex=sharex, sharey=sharey, squeeze=False,
                        layout="constrained")


def wrapped_panels(n, wrap, width, height):
    """fig and a list of n panels filling rows of `wrap`, axes shared; empty slots are removed."""
    cols = min(wrap, n)
    fig, axes = panel_rows(-(-n // cols), cols, width, height)
    for ax in axes.flat[n:]:
        fig.delaxes(ax)
    for ax in axes.flat[max(0, n - cols):n]:  # the lowest panel of each column shows its x tick labels
        ax.xaxis.set_tick_params(labelbottom=True)
    return fig, list(axes.flat[:n])
