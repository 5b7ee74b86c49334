"""Curves over epochs, one panel per setting: rows activation (and extra axes) x columns lr: cost, sharpness."""

import numpy as np
import seaborn as sns
from matplotlib.lines import Line2D

from analysis.figures.facets import extra_axes, in_order, panel_rows, run_facets, with_facet
from analysis.figures.style import DIVERGED_MARK, LABELS, SEED_DASHES, color_of, lr_text, lrs_of, plain_log_axis, titled

CEILING_FACTOR = 3.0  # cost-curve panels end at this multiple of the largest epoch-0 cost


def seed_dashes(metrics):
    """{seed: dash pattern}: the same seed has the same line style in every panel."""
    return {seed: SEED_DASHES[rank % len(SEED_DASHES)] for rank, seed in enumerate(sorted(metrics["seed"].unique()))}


def seed_legend(ax, dashes, extra=()):
    handles = [Line2D([], [], color="0.3", **({"dashes": d} if d else {"ls": "-"}), label=f"seed {seed:g}")
               for seed, d in dashes.items()]
    ax.legend(handles=[*handles, *extra], fontsize=7, loc="best")


def panel_grid(metrics, epochs, width=2.75, height=2.2, sharey=True):
    """(fig, {(row, lr): (ax, runs of metrics, their epoch rows)}), one row of panels per activation and
    combination of extra axes, one column per lr; every panel is titled and coloured by its activation."""
    labelled = with_facet(metrics, extra_axes(metrics))
    rows, lrs = in_order(labelled["panel_row"]), lrs_of(metrics)
    fig, axes = panel_rows(len(rows), len(lrs), width, height, sharey=sharey)
    curves = dict(tuple(run_facets(metrics, epochs).groupby(["panel_row", "lr"], sort=False)))
    first = labelled.drop_duplicates("panel_row").set_index("panel_row")
    panels = {}
    for (r, row), (c, lr) in ((r, c) for r in enumerate(rows) for c in enumerate(lrs)):
        activation, facet, ax = first.loc[row, "activation"], first.loc[row, "facet"], axes[r, c]
        runs = labelled[(labelled["panel_row"] == row) & (labelled["lr"] == lr)]
        panels[row, lr] = (ax, runs, curves.get((row, lr), epochs.iloc[0:0]))
        ax.set_title(f"{activation}, lr {lr_text(lr)}" + (f"\n{facet}" if facet else ""), color=color_of(activation))
    return fig, panels


def plot_cost_panel(ax, curves, runs, dashes, ceiling):
    """One line per seed (log cost), a red X where a run diverged; spiky/diverged/failed counted in text.

    Costs above `ceiling` are drawn at it, so one blow-up does not flatten every other panel.
    """
    cost = curves["train_cost"].to_numpy(dtype=float)
    shown = curves.assign(cost=np.where(np.isfinite(cost) & (cost > 0), np.minimum(cost, ceiling), np.nan))
    if len(shown):
        sns.lineplot(data=shown, x="epoch", y="cost", units="run_id", estimator=None, style="seed",
                     dashes=dashes, color=color_of(runs["activation"].iloc[0]), lw=1.2, legend=False, ax=ax)
    for run_id in runs.loc[runs["diverged"].eq(True), "run_id"]:
        finite = shown[(shown["run_id"] == run_id) & shown["cost"].notna()]
        if len(finite):
            ax.plot(finite["epoch"].iloc[-1], finite["cost"].iloc[-1], linestyle="none", **DIVERGED_MARK)
    notes = [f"{(runs['status'] == s).sum()} {s}" for s in ("diverged", "failed") if (runs["status"] == s).any()]
    spiky = runs["spiky"].dropna()
    if len(spiky):
        notes.insert(0, f"spiky {int(spiky.astype(bool).sum())}/{len(spiky)}")
    ax.text(0.97, 0.95, ", ".join(notes) if len(runs) else "no runs", transform=ax.transAxes, ha="right", va="top",
            fontsize=8, bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none"})


def cost_curves(metrics, epochs):
    """Grid (activation [| extra axes]) x lr of training cost against epoch, one line per seed."""
    ceiling = CEILING_FACTOR * float(epochs.loc[epochs["epoch"] == 0, "train_cost"].max())
    fig, panels = panel_grid(metrics, epochs)
    dashes = seed_dashes(metrics)
    for ax, runs, curves in panels.values():
        plot_cost_panel(ax, curves, runs, dashes, ceiling)
        ax.set(yscale="log", xlabel="", ylabel="")
    first = next(iter(panels.values()))[0]
    plain_log_axis(first.yaxis)  # the y axis is shared: one call labels every panel
    seed_legend(first, dashes, [Line2D([], [], linestyle="none", label="diverged", **DIVERGED_MARK)])
    titled(fig, "Training cost per seed (red X: the run diverged there).\n"
                f"Costs above {ceiling:.3g} ({CEILING_FACTOR:g}x the largest initial cost) are drawn at that value.")
    fig.supxlabel(LABELS["epoch"], fontsize=10)
    fig.supylabel(LABELS["train_cost"], fontsize=10)
    return fig


def plot_sharpness_panel(ax, curves, lr, dashes):
    """Sharpness per seed with the 2/lr line; the cost on a twin log axis on the same epochs."""
    cost_ax = ax.twinx()
    measured = curves[np.isfinite(curves["sharpness"].to_numpy(dtype=float))]
    if len(measured):
        sns.lineplot(data=measured, x="epoch", y="sharpness", units="run_id", estimator=None, style="seed",
                     dashes=dashes, marker=".", color=color_of(measured["activation"].iloc[0]), lw=1.2,
                     legend=False, ax=ax)
    cost = curves["train_cost"].to_numpy(dtype=float)
    shown = curves.assign(cost=np.where(np.isfinite(cost) & (cost > 0), cost, np.nan))
    if shown["cost"].notna().any():
        sns.lineplot(data=shown, x="epoch", y="cost", units="run_id", estimator=None, style="seed", dashes=dashes,
                     color="0.6", lw=0.8, legend=False, ax=cost_ax)
    ax.axhline(2 / lr, color="black", ls="--", lw=1)
    top = max(2 / lr, float(measured["sharpness"].max()) if len(measured) else 0.0)
    ax.set_ylim(0, 1.15 * top)  # from 0, so that the distance to 2/lr reads the same in every panel
    ax.set(xlabel="", ylabel="")
    cost_ax.set(yscale="log", ylabel="")
    plain_log_axis(cost_ax.yaxis)
    cost_ax.tick_params(axis="y", labelsize=7, colors="0.45")
    cost_ax.grid(False)
    return cost_ax


def sharpness_curves(metrics, epochs):
    """Grid (activation [| extra axes]) x lr: sharpness against epoch, 2/lr, cost on a twin axis."""
    fig, panels = panel_grid(metrics, epochs, width=3.0, sharey=False)
    dashes, last_lr = seed_dashes(metrics), lrs_of(metrics)[-1]
    for (_, lr), (ax, _, curves) in panels.items():
        cost_ax = plot_sharpness_panel(ax, curves, lr, dashes)
        if lr == last_lr:
            cost_ax.set_ylabel("training cost (nats, log)", color="0.45")
    seed_legend(next(iter(panels.values()))[0], dashes, [Line2D([], [], color="black", ls="--", label="2 / lr"),
                                                         Line2D([], [], color="0.6", label="training cost")])
    titled(fig, "Sharpness against 2/lr (dashed), with the training cost (grey, right axis)")
    fig.supxlabel(LABELS["epoch"], fontsize=10)
    fig.supylabel(LABELS["sharpness"], fontsize=10)
    return fig
