"""Figures drawn from the epoch rows: cost curves, accuracy at the best lr, sharpness."""

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter

from analysis.style import DIVERGED_MARK, LABELS, activations_of, color_of, lr_text, lrs_of, plt

SEED_STYLES = ("-", "--", ":", "-.")


def panel_grid(activations, lrs, title, width=2.7, height=2.1, sharey=True):
    """A figure with one panel per (activation row, lr column), sharing the epoch axis."""
    size = (1.2 + width * len(lrs), 1.0 + height * len(activations))
    fig, axes = plt.subplots(len(activations), len(lrs), figsize=size, sharex=True, sharey=sharey,
                             squeeze=False, layout="constrained")
    fig.suptitle(title, fontsize=12)
    for row, activation in enumerate(activations):
        for col, lr in enumerate(lrs):
            axes[row, col].set_title(f"{activation}, lr {lr_text(lr)}", color=color_of(activation))
    return fig, axes


CEILING_FACTOR = 3.0  # cost-curve panels end at this multiple of the largest epoch-0 cost


def seed_styles(metrics):
    """{seed: line style}: the same seed has the same style in every panel."""
    seeds = sorted(metrics["seed"].unique())
    return {seed: SEED_STYLES[rank % len(SEED_STYLES)] for rank, seed in enumerate(seeds)}


def seed_legend(ax, styles, extra=()):
    handles = [Line2D([], [], color="0.3", ls=style, label=f"seed {seed:g}") for seed, style in styles.items()]
    ax.legend(handles=[*handles, *extra], fontsize=7, loc="best")


def seed_runs(metrics, activation, lr):
    return metrics[(metrics["activation"] == activation) & (metrics["lr"] == lr)]


def plot_cost_panel(ax, runs, by_run, styles, ceiling):
    """One line per seed (log cost), a red X where a run diverged; failed runs are counted in text.

    Costs above `ceiling` are drawn at it, so one blow-up does not flatten every other panel.
    """
    for _, run in runs[runs["run_id"].isin(by_run)].iterrows():
        rows = by_run[run["run_id"]]
        cost = rows["train_cost"].to_numpy(dtype=float)
        shown = np.isfinite(cost) & (cost > 0)
        cost = np.minimum(cost, ceiling)
        epochs = rows["epoch"].to_numpy(dtype=float)
        ax.plot(epochs[shown], cost[shown], styles[run["seed"]], color=color_of(run["activation"]), lw=1.2)
        if run["diverged"] and shown.any():
            last = np.flatnonzero(shown)[-1]
            ax.plot(epochs[last], cost[last], linestyle="none", **DIVERGED_MARK)
    notes = [f"{(runs['status'] == s).sum()} {s}" for s in ("diverged", "failed") if (runs["status"] == s).any()]
    spiky = runs["spiky"].dropna()
    if len(spiky):
        notes.insert(0, f"spiky {int(spiky.astype(bool).sum())}/{len(spiky)}")
    ax.text(0.97, 0.95, ", ".join(notes), transform=ax.transAxes, ha="right", va="top", fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none"})
    ax.set_yscale("log")


def cost_curves(metrics, epochs):
    """Grid activation x lr of training cost against epoch, one line per seed."""
    activations, lrs = activations_of(metrics), lrs_of(metrics)
    ceiling = CEILING_FACTOR * float(epochs.loc[epochs["epoch"] == 0, "train_cost"].max())
    title = (f"Training cost per seed (red X: run diverged there; costs above {ceiling:.3g} = "
             f"{CEILING_FACTOR:g}x the largest initial cost are drawn at that line)")
    fig, axes = panel_grid(activations, lrs, title)
    by_run, styles = dict(tuple(epochs.groupby("run_id", sort=False))), seed_styles(metrics)
    for row, activation in enumerate(activations):
        for col, lr in enumerate(lrs):
            plot_cost_panel(axes[row, col], seed_runs(metrics, activation, lr), by_run, styles, ceiling)
    seed_legend(axes[0, 0], styles, [Line2D([], [], linestyle="none", label="diverged", **DIVERGED_MARK)])
    fig.supxlabel(LABELS["epoch"])
    fig.supylabel(LABELS["train_cost"])
    return fig


def best_lr_curves(metrics, summary, epochs):
    """Test accuracy against epoch for each activation at its own best lr (full range and zoom)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    fig.suptitle("Test accuracy of each activation at its best learning rate (one line per seed)", fontsize=12)
    by_run, styles = dict(tuple(epochs.groupby("run_id", sort=False))), seed_styles(metrics)
    finals = []
    for _, best in summary[summary["is_best_lr"]].iterrows():
        runs = seed_runs(metrics, best["activation"], best["lr"])
        finals += list(100 * runs.loc[runs["status"] == "ok", "final_test_acc"].dropna())
        label = f"{best['activation']} (lr {lr_text(best['lr'])})"
        for _, run in runs[runs["run_id"].isin(by_run)].iterrows():
            rows = by_run[run["run_id"]]
            for ax in axes:
                ax.plot(rows["epoch"], 100 * rows["test_acc"], styles[run["seed"]],
                        color=color_of(best["activation"]), lw=1.1, alpha=0.85, label=label)
            label = None  # one legend entry per activation
    if finals:  # zoom on the second half, where the runs that did not diverge ended
        axes[1].set_ylim(max(0.0, min(finals) - 2.0), min(100.5, max(finals) + 1.0))
        axes[1].set_xlim(epochs["epoch"].max() / 2, epochs["epoch"].max() + 0.5)
    for ax, title in zip(axes, ("whole run", "zoom on the final accuracies")):
        ax.set(title=title, xlabel=LABELS["epoch"], ylabel=LABELS["test_acc"])
    axes[0].legend(fontsize=8, loc="lower right")
    return fig


def plot_sharpness_panel(ax, runs, by_run, lr, styles):
    """Sharpness per seed with the 2/lr line; the cost on a twin log axis on the same epochs."""
    cost_ax = ax.twinx()
    top = 2 / lr
    for _, run in runs[runs["run_id"].isin(by_run)].iterrows():
        rows = by_run[run["run_id"]]
        style = styles[run["seed"]]
        measured = rows[np.isfinite(rows["sharpness"].to_numpy(dtype=float))]
        ax.plot(measured["epoch"], measured["sharpness"], style, marker=".", color=color_of(run["activation"]), lw=1.2)
        top = max(top, float(measured["sharpness"].max()) if len(measured) else top)
        cost = rows["train_cost"].to_numpy(dtype=float)
        shown = np.isfinite(cost) & (cost > 0)
        cost_ax.plot(rows["epoch"].to_numpy()[shown], cost[shown], style, color="0.6", lw=0.8)
    ax.axhline(2 / lr, color="black", ls="--", lw=1)
    ax.set_ylim(0, 1.15 * top)  # from 0, so that the distance to 2/lr reads the same in every panel
    cost_ax.set_yscale("log")
    cost_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    cost_ax.yaxis.set_minor_formatter(NullFormatter())
    cost_ax.tick_params(axis="y", labelsize=7, colors="0.45")
    cost_ax.grid(False)
    return cost_ax


def sharpness_curves(metrics, epochs):
    """Grid activation x lr: sharpness against epoch, the 2/lr line, the cost on a twin axis."""
    activations, lrs = activations_of(metrics), lrs_of(metrics)
    title = "Sharpness against 2/lr (dashed), with the training cost (grey, right axis)"
    fig, axes = panel_grid(activations, lrs, title, width=3.0, sharey=False)
    by_run, styles = dict(tuple(epochs.groupby("run_id", sort=False))), seed_styles(metrics)
    for row, activation in enumerate(activations):
        for col, lr in enumerate(lrs):
            cost_ax = plot_sharpness_panel(axes[row, col], seed_runs(metrics, activation, lr), by_run, lr, styles)
            if col == len(lrs) - 1:
                cost_ax.set_ylabel("training cost (nats, log)", color="0.45")
    seed_legend(axes[0, 0], styles, [Line2D([], [], color="black", ls="--", label="2 / lr"),
                                      Line2D([], [], color="0.6", label="training cost")])
    fig.supxlabel(LABELS["epoch"])
    fig.supylabel(LABELS["sharpness"])
    return fig
