"""What each remedy changes against the constant rate: paired means with 95% intervals, one panel per change."""

import numpy as np
from matplotlib.lines import Line2D

from analysis.figures.facets import in_order
from analysis.figures.style import plt, titled

PANELS = {  # change -> (x label, scale to the unit shown)
    "n_spikes": ("spikes per run", 1.0),
    "best_val_acc": ("validation accuracy at the chosen epoch (points)", 100.0),
    "final_val_acc": ("validation accuracy at the last epoch (points)", 100.0),
}
LEVEL_STYLE = ({"color": "#0072B2", "marker": "o"}, {"color": "#D55E00", "marker": "s"},
               {"color": "0.4", "marker": "^"})


def remedy_effects(pooled, changes):
    """Rows: remedies; columns: the change in spikes, in validation accuracy at the chosen and at the last
    epoch; one point with its interval per level of the rate."""
    remedies, levels = in_order(pooled["remedy"]), in_order(pooled["level"])
    fig, panels = plt.subplots(1, len(PANELS), figsize=(4.2 * len(PANELS), 1.4 + 0.55 * len(remedies)),
                               squeeze=False, layout="constrained")
    for ax, (metric, (label, scale)) in zip(panels[0], PANELS.items()):
        for number, level in enumerate(levels):
            rows = pooled[pooled["level"] == level].set_index("remedy").reindex(remedies)
            y = np.arange(len(remedies)) + 0.18 * (number - (len(levels) - 1) / 2)
            mean = scale * rows[f"{metric}_change"].to_numpy(dtype=float)
            low = scale * rows[f"{metric}_low"].to_numpy(dtype=float)
            high = scale * rows[f"{metric}_high"].to_numpy(dtype=float)
            spread = np.nan_to_num(np.vstack([mean - low, high - mean]))
            style = LEVEL_STYLE[number % len(LEVEL_STYLE)]
            ax.errorbar(mean, y, xerr=spread, fmt=style["marker"], color=style["color"], capsize=3, ms=5)
        ax.axvline(0, color="black", lw=1)
        ax.set_yticks(range(len(remedies)), remedies if ax is panels[0][0] else [""] * len(remedies))
        ax.invert_yaxis()
        ax.set(xlabel=label, title=changes[metric])
    handles = [Line2D([], [], ls="none", label=f"at {level}", **LEVEL_STYLE[i % len(LEVEL_STYLE)])
               for i, level in enumerate(levels)]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    titled(fig, "What each remedy changes against the constant rate (remedy minus constant rate, paired by seed, "
                "pooled over the activations).\nPoints: mean change; bars: 95% t interval over the pairs; an interval "
                "that does not cross 0 is established.")
    return fig
