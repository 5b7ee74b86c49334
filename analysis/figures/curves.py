"""Curves over epochs per setting (training cost, sharpness), laid out to stay readable at any grid size.

Small grids: one panel per setting, rows activation (and extra axes) x columns lr, one line per
seed. Grids with more than MAX_PANELS settings: one panel per activation (and extra axes), the
learning rates overlaid with a sequential palette, one seed each. Anything not drawn is said in
the figure's title.
"""

import matplotlib as mpl
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from analysis.figures.facets import (
    MAX_PANELS,
    capped,
    curves_of,
    extra_axes,
    in_order,
    panel_rows,
    same_limits,
    with_facet,
)
from analysis.figures.style import DIVERGED_MARK, LABELS, SEED_DASHES, color_of, lr_text, plain_log_axis, titled

CEILING_FACTOR = 3.0  # cost panels end at this multiple of the largest epoch-0 cost
LR_PALETTE = "viridis"  # small lr dark, large lr light


def layout(metrics, axes):
    """The panels: ('grid', rows, lrs, seeds) when every setting gets one, else ('overlay', rows, lrs, seeds)."""
    labelled = with_facet(metrics, extra_axes(axes))
    rows, lrs = in_order(labelled["panel_row"]), sorted(metrics["lr"].unique())
    seeds = sorted(metrics["seed"].unique()) if "seed" in metrics.columns else [0]
    if len(rows) * len(lrs) <= MAX_PANELS:
        return "grid", labelled, rows, lrs, seeds[:len(SEED_DASHES)]
    return "overlay", labelled, rows, lrs, seeds[:1]


def drawn_runs(labelled, shown_rows, seeds):
    """run_ids of the runs a curves figure draws: those of its panel rows, of the seeds it shows."""
    keep = labelled["panel_row"].isin(shown_rows)
    if "seed" in labelled.columns:
        keep &= labelled["seed"].isin(seeds)
    return labelled.loc[keep, "run_id"]


def panel_title(labelled, row, lr=None):
    """'relu, lr 0.5' (one-setting panels) or 'relu', with the extra axes on a second line."""
    first = labelled[labelled["panel_row"] == row].iloc[0]
    return first["activation"] + (f", lr {lr_text(lr)}" if lr is not None else "") + \
        (f"\n{first['facet']}" if first["facet"] else "")


def left_out_text(metrics, rows, shown_rows, seeds, shown_seeds):
    notes = []
    if len(shown_rows) < len(rows):
        notes.append(f"{len(rows) - len(shown_rows)} of {len(rows)} panel rows left out (the first {len(shown_rows)} "
                     "are drawn)")
    if len(shown_seeds) < len(seeds):
        notes.append(f"only seed{'s' if len(shown_seeds) > 1 else ''} {', '.join(f'{s:g}' for s in shown_seeds)} "
                     f"of {len(seeds)} drawn")
    return ("Not drawn: " + "; ".join(notes) + ".") if notes else ""


def lr_colors(lrs):
    """{lr: colour} along a sequential palette in log lr."""
    cmap = mpl.colormaps[LR_PALETTE]
    logs = np.log10(np.asarray(lrs, dtype=float))
    span = logs.max() - logs.min() or 1.0
    return {lr: cmap(0.9 * (value - logs.min()) / span) for lr, value in zip(lrs, logs)}


def draw_run(ax, rows, column, color, dash, ceiling=None):
    """One run's curve; a red X where a run that diverged leaves the panel or ends."""
    values = rows[column].to_numpy(dtype=float)
    shown = np.where(np.isfinite(values) & (values > 0), values, np.nan)
    if ceiling is not None:
        shown = np.minimum(shown, ceiling)
    ax.plot(rows["epoch"].to_numpy(), shown, color=color, lw=1.1, **({"dashes": dash} if dash else {"ls": "-"}))
    return shown


def mark_divergence(ax, rows, shown):
    finite = np.flatnonzero(np.isfinite(shown))
    if len(finite):
        ax.plot(rows["epoch"].iloc[finite[-1]], shown[finite[-1]], linestyle="none", **DIVERGED_MARK)


def spiky_note(runs):
    notes = [f"{(runs['status'] == s).sum()} {s}" for s in ("diverged", "failed") if (runs["status"] == s).any()]
    spiky = runs["spiky"].dropna()
    if len(spiky):
        notes.insert(0, f"spiky {int(spiky.astype(bool).sum())}/{len(spiky)}")
    return ", ".join(notes) if len(runs) else "no runs"


def corner_text(ax, text):
    ax.text(0.97, 0.95, text, transform=ax.transAxes, ha="right", va="top", fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none"})


def cost_curves(metrics, epochs, axes):
    """Training cost against epoch per setting (log scale), a red X where a run diverged."""
    mode, labelled, rows, lrs, seeds = layout(metrics, axes)
    all_seeds = sorted(metrics["seed"].unique()) if "seed" in metrics.columns else [0]
    shown_rows, _ = capped(rows, MAX_PANELS if mode == "overlay" else len(rows))
    curves = curves_of(epochs, drawn_runs(labelled, shown_rows, seeds))
    ceiling = CEILING_FACTOR * float(epochs.loc[epochs["epoch"] == 0, "train_cost"].max())
    dashes = {seed: SEED_DASHES[rank] for rank, seed in enumerate(seeds)}
    n_cols = len(lrs) if mode == "grid" else min(4, len(shown_rows))
    n_rows = len(shown_rows) if mode == "grid" else -(-len(shown_rows) // n_cols)
    fig, grid = panel_rows(n_rows, n_cols, 2.75 if mode == "grid" else 4.2, 2.2 if mode == "grid" else 3.0)
    colors, drawn = lr_colors(lrs), []
    for index, row in enumerate(shown_rows):
        mine = labelled[(labelled["panel_row"] == row) & labelled["seed"].isin(seeds)] if "seed" in labelled \
            else labelled[labelled["panel_row"] == row]
        panels = ([(grid[index, c], [lr]) for c, lr in enumerate(lrs)] if mode == "grid"
                  else [(grid.flat[index], lrs)])
        for ax, panel_lrs in panels:
            runs = mine[mine["lr"].isin(panel_lrs)]
            for _, run in runs.iterrows():
                color = color_of(run["activation"]) if mode == "grid" else colors[run["lr"]]
                rows_of_run = curves.get(run["run_id"], epochs.iloc[0:0])
                shown = draw_run(ax, rows_of_run, "train_cost", color, dashes.get(run.get("seed"), ""), ceiling)
                if run["status"] == "diverged":
                    mark_divergence(ax, rows_of_run, shown)
            everyone = labelled[(labelled["panel_row"] == row) & labelled["lr"].isin(panel_lrs)]
            corner_text(ax, spiky_note(everyone))
            ax.set_title(panel_title(labelled, row, panel_lrs[0] if mode == "grid" else None),
                         color=color_of(everyone["activation"].iloc[0]) if len(everyone) else "k")
            ax.set(yscale="log")
            drawn.append(ax)
    for ax in grid.flat[len(drawn):]:
        ax.set_visible(False)
    low = float(np.nanmin(np.where(epochs["train_cost"] > 0, epochs["train_cost"], np.nan)))
    same_limits(drawn, x=(0, float(epochs["epoch"].max())), y=(low * 0.8, ceiling * 1.25))
    for ax in drawn:
        plain_log_axis(ax.yaxis)
    legend = ([Line2D([], [], color="0.3", **({"dashes": d} if d else {"ls": "-"}), label=f"seed {s:g}")
               for s, d in dashes.items()] if mode == "grid"
              else [Line2D([], [], color=colors[lr], label=f"lr {lr_text(lr)}") for lr in lrs])
    legend.append(Line2D([], [], linestyle="none", label="diverged", **DIVERGED_MARK))
    fig.legend(handles=legend, loc="outside right center", fontsize=7)
    how = "one panel per setting, one line per seed" if mode == "grid" else (
        f"{len(rows) * len(lrs)} settings: one panel per activation, the learning rates overlaid (dark = small)")
    titled(fig, f"Training cost per run ({how}; red X: the run diverged there).\n"
                f"Costs above {ceiling:.3g} ({CEILING_FACTOR:g}x the largest initial cost) are drawn at that value. "
                + left_out_text(metrics, rows, shown_rows, all_seeds, seeds))
    fig.supxlabel(LABELS["epoch"], fontsize=10)
    fig.supylabel(LABELS["train_cost"], fontsize=10)
    return fig


def sharpness_panel(ax, runs, curves, epochs, colors, dashes, mode, panel_lrs):
    """Sharpness per run with the 2/lr line(s); in a one-setting panel, its cost on a grey twin axis."""
    cost_ax = ax.twinx() if mode == "grid" else None
    top = max(2 / lr for lr in panel_lrs)
    costs_drawn = False
    for _, run in runs.iterrows():
        color = color_of(run["activation"]) if mode == "grid" else colors[run["lr"]]
        dash = dashes.get(run.get("seed"), "")
        rows = curves.get(run["run_id"], epochs.iloc[0:0])
        measured = rows[np.isfinite(rows["sharpness"].to_numpy(dtype=float))]
        ax.plot(measured["epoch"], measured["sharpness"], color=color, lw=1.1, marker=".",
                **({"dashes": dash} if dash else {"ls": "-"}))
        top = max(top, float(measured["sharpness"].max()) if len(measured) else 0.0)
        if cost_ax is not None:
            costs_drawn |= bool(np.isfinite(draw_run(cost_ax, rows, "train_cost", "0.6", dash)).any())
    if cost_ax is not None and not costs_drawn:  # only failed runs: no cost to put on a log axis
        cost_ax.remove()
        cost_ax = None
    # the 2/lr lines across the panel (as axhline draws them), one collection rather than a line per lr
    thresholds = LineCollection([[(0, 2 / lr), (1, 2 / lr)] for lr in panel_lrs], linestyles="--", linewidths=1,
                                colors=[colors[lr] if mode == "overlay" else "black" for lr in panel_lrs],
                                transform=ax.get_yaxis_transform())  # x: the panel's width, y: data
    ax.add_collection(thresholds, autolim=False)
    ax.set_ylim(0, 1.15 * top)  # from 0, so that the distance to 2/lr reads the same in every panel
    if cost_ax is not None:
        cost_ax.set(yscale="log")
        plain_log_axis(cost_ax.yaxis)
        cost_ax.tick_params(axis="y", labelsize=7, colors="0.45")
        cost_ax.grid(False)


def sharpness_curves(metrics, epochs, axes):
    """Sharpness against epoch per setting, with 2/lr; one-setting panels show the cost on a twin axis."""
    mode, labelled, rows, lrs, seeds = layout(metrics, axes)
    all_seeds = sorted(metrics["seed"].unique()) if "seed" in metrics.columns else [0]
    shown_rows, _ = capped(rows, MAX_PANELS if mode == "overlay" else len(rows))
    curves = curves_of(epochs, drawn_runs(labelled, shown_rows, seeds))
    dashes = {seed: SEED_DASHES[rank] for rank, seed in enumerate(seeds)}
    n_cols = len(lrs) if mode == "grid" else min(4, len(shown_rows))
    n_rows = len(shown_rows) if mode == "grid" else -(-len(shown_rows) // n_cols)
    fig, grid = panel_rows(n_rows, n_cols, 3.0 if mode == "grid" else 4.2, 2.2 if mode == "grid" else 3.0)
    colors, drawn = lr_colors(lrs), 0
    for index, row in enumerate(shown_rows):
        mine = labelled[labelled["panel_row"] == row]
        mine = mine[mine["seed"].isin(seeds)] if "seed" in mine.columns else mine
        panels = ([(grid[index, c], [lr]) for c, lr in enumerate(lrs)] if mode == "grid"
                  else [(grid.flat[index], lrs)])
        for ax, panel_lrs in panels:
            sharpness_panel(ax, mine[mine["lr"].isin(panel_lrs)], curves, epochs, colors, dashes, mode, panel_lrs)
            ax.set_title(panel_title(labelled, row, panel_lrs[0] if mode == "grid" else None),
                         color=color_of(mine["activation"].iloc[0]) if len(mine) else "k")
            drawn += 1
    for ax in grid.flat[drawn:]:
        ax.set_visible(False)
    same_limits(grid.flat[:drawn], x=(0, float(epochs["epoch"].max())))
    legend = [Line2D([], [], color="black", ls="--", label="2 / lr")]
    legend += ([Line2D([], [], color="0.3", **({"dashes": d} if d else {"ls": "-"}), label=f"seed {s:g}")
                for s, d in dashes.items()] + [Line2D([], [], color="0.6", label="training cost\n(right axis, log)")]
               if mode == "grid" else [Line2D([], [], color=colors[lr], label=f"lr {lr_text(lr)}") for lr in lrs])
    fig.legend(handles=legend, loc="outside right center", fontsize=7)
    titled(fig, "Sharpness (top Hessian eigenvalue) against 2/lr (dashed): gradient descent is stable along a "
                "direction only while the curvature there is below 2/lr.\n"
                + left_out_text(metrics, rows, shown_rows, all_seeds, seeds))
    fig.supxlabel(LABELS["epoch"], fontsize=10)
    fig.supylabel(LABELS["sharpness"], fontsize=10)
    return fig
