"""Each fault's training cost next to the correct network's, one panel per comparison, one line per seed."""

import math

import numpy as np
from matplotlib.lines import Line2D

from analysis.figures.curves import CEILING_FACTOR, draw_run, mark_divergence
from analysis.figures.facets import capped
from analysis.figures.style import DIVERGED_MARK, LABELS, SEED_DASHES, plain_log_axis, plt, titled

CORRECT_COLOR, FAULT_COLOR = "0.25", "#D62728"
COLUMNS = 3


def comparison_panels(pairs, sum_check):
    """(title, fault label, fault run ids, correct label, correct run ids) per panel."""
    panels = []
    for (fault, context), group in pairs.groupby(["fault", "context"], sort=False):
        if group["partner"].isna().all() and group["run_id"].isin(sum_check.get("run_id", [])).all():
            continue  # no correct run at its own lr: drawn below against the correct run at lr x n
        panels.append((f"{fault} vs correct\n{context}", fault, list(group["run_id"]), "correct (none)",
                       list(group["partner"].dropna())))
    for (lr, n), group in sum_check.groupby(["lr", "n"], sort=False) if not sum_check.empty else []:
        panels.append((f"sum_cost at lr {lr:g} vs correct at lr x n = {lr * n:g}", f"sum_cost, lr {lr:g}",
                       list(group["run_id"]), f"correct, lr {lr * n:g}", list(group["partner"])))
    return panels


def draw_runs(ax, epochs, run_ids, color, dashes, ceiling):
    """One line per run (its seed's dash pattern), a red X where a diverged run's curve ends or leaves the panel."""
    for run_id in run_ids:
        rows = epochs[epochs["run_id"] == run_id]
        dash = dashes.get(rows["seed"].iloc[0], "") if len(rows) else ""
        shown = draw_run(ax, rows, "train_cost", color, dash, ceiling)
        finite = np.flatnonzero(np.isfinite(shown))
        if len(finite) and (len(finite) < len(shown) or shown[finite[-1]] >= ceiling):
            mark_divergence(ax, rows, shown)


def key_handles(dashes):
    """Legend entries for the seeds' line styles and the divergence mark."""
    seeds = [Line2D([], [], color="0.4", **({"dashes": d} if d else {"ls": "-"}), label=f"seed {s:g}")
             for s, d in dashes.items()]
    return [*seeds, Line2D([], [], linestyle="none", label="diverged", **DIVERGED_MARK)]


def fault_curves(epochs, pairs, sum_check):
    """Grid of panels: the fault's runs (red) over the correct runs at the same settings (grey), log cost."""
    panels, left_out = capped(comparison_panels(pairs, sum_check))
    seeds = sorted(epochs["seed"].unique())
    dashes = {seed: SEED_DASHES[rank % len(SEED_DASHES)] for rank, seed in enumerate(seeds)}
    ceiling = CEILING_FACTOR * float(epochs.loc[epochs["epoch"] == 0, "train_cost"].max())
    n_rows, n_cols = math.ceil(len(panels) / COLUMNS), min(COLUMNS, len(panels))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.6 * n_cols, 2.7 * n_rows + 0.9), squeeze=False,
                             layout="constrained")
    for ax, (title, fault, fault_ids, correct, correct_ids) in zip(axes.flat, panels):
        draw_runs(ax, epochs, correct_ids, CORRECT_COLOR, dashes, ceiling)
        draw_runs(ax, epochs, fault_ids, FAULT_COLOR, dashes, ceiling)
        ax.set(yscale="log", title=title)
        plain_log_axis(ax.yaxis)
        handles = [Line2D([], [], color=CORRECT_COLOR, label=correct), Line2D([], [], color=FAULT_COLOR, label=fault)]
        ax.legend(handles=handles + (key_handles(dashes) if ax is axes.flat[0] else []), fontsize=7, loc="upper right")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    titled(fig, "Training cost of each fault (red) next to the correct network at the same settings (grey; hidden "
                "where the red curve lies on it).\n"
                f"Costs above {ceiling:.3g} ({CEILING_FACTOR:g}x the largest initial cost) are drawn at that value."
                + (f" {left_out} more comparison(s) not drawn." if left_out else ""))
    fig.supxlabel(LABELS["epoch"], fontsize=10)
    fig.supylabel(LABELS["train_cost"], fontsize=10)
    return fig
