"""Accuracy at the settings chosen on validation: train/val/test curves, and the ranking at each budget."""

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from analysis.aggregate.selection import selected_rows
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
from analysis.figures.grid import activation_legend, clipped_spread
from analysis.figures.style import LABELS, activations_of, color_of, lr_text, palette, titled
from analysis.load.axes import rows_matching, setting_label

SPLITS = {"train_acc": "train", "val_acc": "validation", "test_acc": "test"}  # epochs.csv column -> split
SPLIT_DASHES = {"train": (1, 1.5), "validation": "", "test": (5, 2)}
BEST_VAL_LINE = {"color": "0.45", "lw": 0.9, "alpha": 0.8}
DODGE = 0.36  # budget axis: activations side by side within this width around each budget


def chosen_runs(metrics, summary, axes):
    """Runs of metrics at each selected setting (at most MAX_PANELS of them), with a `panel` label:
    'relu, lr 0.5' (+ extra axes)."""
    settings, extras = list(axes.setting_columns), extra_axes(axes)
    found = []
    for _, row in selected_rows(summary).head(MAX_PANELS).iterrows():
        facet = setting_label(row, extras)
        panel = f"{row['activation']}, lr {lr_text(row['lr'])}" + (f"\n{facet}" if facet else "")
        found.append(rows_matching(metrics, row, settings).assign(panel=panel))
    return pd.concat(found, ignore_index=True)


def split_curves(runs, epochs):
    """Accuracy (%) per run, epoch and split, for the splits that epochs.csv holds."""
    columns = [c for c in SPLITS if c in epochs.columns and epochs[c].notna().any()]
    rows = epochs[epochs["run_id"].isin(runs["run_id"])].merge(runs[["run_id", "panel"]], on="run_id")
    long = rows.melt(id_vars=["run_id", "panel", "epoch"], value_vars=columns, var_name="split", value_name="acc")
    return long.assign(split=long["split"].map(SPLITS), acc=100 * long["acc"].astype(float))


def numbers_text(runs):
    """Mean over seeds of the accuracies at the best-validation epoch and at the last epoch."""
    def line(what, columns):
        found = [(name, runs[c].mean()) for name, c in zip(("train", "val", "test"), columns) if c in runs]
        return what + ", ".join(f"{name} {100 * v:.2f}" for name, v in found if np.isfinite(v))
    return "\n".join([line("best-val epoch: ", ("train_acc_at_best_val", "best_val_acc", "test_acc_at_best_val")),
                      line("last epoch: ", ("final_train_acc", "final_val_acc", "final_test_acc"))])


def zoom(curves):
    """y range covering the mean curves after the first quarter of training, with room for the text box."""
    late = curves[curves["epoch"] >= curves["epoch"].max() / 4].groupby(["panel", "split", "epoch"])["acc"].mean()
    low, high = (float(late.min()), float(late.max())) if late.notna().any() else (0.0, 100.0)
    pad = max(1.0, 0.6 * (high - low))
    return max(0.0, low - pad), min(100.5, high + 0.25 * pad)


def mean_and_range(ax, curves, splits, color):
    """Per split, the mean accuracy over seeds at each epoch and a band over their range: what seaborn's
    lineplot(style="split", errorbar=("pi", 100)) draws, from one groupby instead of one call per epoch."""
    found = (curves.dropna(subset=["epoch", "acc"]).groupby(["split", "epoch"])["acc"]
             .agg(["mean", "min", "max", "size"]))
    for split in splits:
        if split not in found.index.get_level_values("split"):
            continue
        rows, dash = found.loc[split], SPLIT_DASHES[split]
        ax.plot(rows.index, rows["mean"], color=color, lw=1.2, **({"dashes": dash} if dash else {}))
        if rows["size"].max() > 1:  # a band needs two seeds
            ax.fill_between(rows.index, rows["min"], rows["max"], color=color, alpha=0.2)


def best_lr_curves(metrics, summary, epochs, axes):
    """Train, validation and test accuracy against epoch at each activation's selected setting."""
    runs = chosen_runs(metrics, summary, axes)
    curves = split_curves(runs, epochs)
    panels, splits = in_order(runs["panel"]), in_order(curves["split"])
    fig, grid = wrapped_panels(len(panels), 4, 3.75, 3.0)
    for panel, ax in zip(panels, grid):
        mine, activation = runs[runs["panel"] == panel], runs.loc[runs["panel"] == panel, "activation"].iloc[0]
        mean_and_range(ax, curves[curves["panel"] == panel], splits, color_of(activation))
        if mine["best_val_epoch"].notna().any():
            ax.axvline(mine["best_val_epoch"].median(), **BEST_VAL_LINE)
        ax.text(0.97, 0.04, numbers_text(mine), transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
        ax.set_title(panel, color=color_of(activation))
        ax.set(xlabel=LABELS["epoch"], ylabel="accuracy (%)")
    same_limits(grid, y=zoom(curves))
    handles = [Line2D([], [], color="0.3", **({"dashes": SPLIT_DASHES[s]} if SPLIT_DASHES[s] else {}), label=s)
               for s in splits] + [Line2D([], [], label="best validation\nepoch (median)", **BEST_VAL_LINE)]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    titled(fig, "Train, validation and test accuracy at each activation's selected learning rate (chosen on "
                "validation; test only reported). Train above validation and test = overfitting.\n"
                "Lines: mean over seeds; bands: range over seeds; y axis zoomed on the last 3/4 of training.")
    return fig


def budget_frame(budgets, summary, axes):
    """budgets.csv's rows (each group's lr chosen on validation at each budget) with x positions and facets."""
    table = budgets.copy()
    if table.empty:
        return table
    if "activation" not in table.columns:  # one activation only: it is not a group column
        table["activation"] = summary["activation"].iloc[0]
    activations, budgets = activations_of(table), in_order(table["budget"])
    spread = DODGE / max(1, len(activations) - 1)
    table["x"] = (table["budget"].map(budgets.index) + table["activation"].map(activations.index) * spread
                  - (DODGE / 2 if len(activations) > 1 else 0.0))
    table = with_facet(table, extra_axes(axes))
    # ranked among the activations of one panel (budgets.csv ranks every group, extra axes included)
    table["rank"] = table.groupby(["facet", "budget"])["val_acc_mean"].rank(ascending=False, method="min")
    return table


def plot_budget_accuracy(ax, rows, split, activations):
    """Mean accuracy of `split` per activation and budget, its 95% interval cut at 0-100%."""
    frame = rows.assign(mean=100 * rows[f"{split}_acc_mean"].astype(float))
    sns.lineplot(data=frame, x="x", y="mean", hue="activation", hue_order=activations, palette=palette(activations),
                 marker="o", errorbar=None, legend=False, ax=ax)
    for activation, mine in frame.groupby("activation", sort=False):
        ax.errorbar(mine["x"], mine["mean"], yerr=clipped_spread(mine, f"{split}_acc"), fmt="none",
                    ecolor=color_of(activation), capsize=2.5, lw=1)


def plot_budget_rank(ax, rows, activations):
    """Rank by validation (1 on top) per activation and budget, the lr chosen there written beside it."""
    sns.lineplot(data=rows, x="x", y="rank", hue="activation", hue_order=activations, palette=palette(activations),
                 marker="o", errorbar=None, legend=False, ax=ax)
    for _, point in rows.iterrows():
        ax.annotate(f"lr {lr_text(point['lr'])}", (point["x"], point["rank"]), xytext=(0, 5), fontsize=6.5,
                    textcoords="offset points", ha="center", va="bottom", color=color_of(point["activation"]))
    ax.set(ylim=(len(activations) + 0.5, 0.5), yticks=range(1, len(activations) + 1))


def budget_ranking(budgets_table, summary, axes):
    """Does the winner change with the budget? Validation accuracy, rank and test accuracy per budget."""
    table = budget_frame(budgets_table, summary, axes)
    budgets, activations = in_order(table["budget"]), activations_of(table)
    facets, _ = capped(in_order(table["facet"]), MAX_PANELS // 3)
    fig, grid = panel_rows(len(facets), 3, max(3.3, 1.0 + 0.75 * len(budgets)), 3.2)
    for row, facet in enumerate(facets):
        rows, (val_ax, rank_ax, test_ax) = table[table["facet"] == facet], grid[row]
        plot_budget_accuracy(val_ax, rows, "val", activations)
        plot_budget_rank(rank_ax, rows, activations)
        plot_budget_accuracy(test_ax, rows, "test", activations)
        test_ax.sharey(val_ax)
        suffix = f"\n{facet}" if facet else ""
        val_ax.set(title="validation (chooses lr and rank)" + suffix, ylabel="validation accuracy (%)")
        rank_ax.set(title="rank among the activations (1 = best)" + suffix, ylabel="rank by validation accuracy")
        test_ax.set(title="test (reported only)" + suffix, ylabel="test accuracy at the same settings (%)")
        for ax in grid[row]:
            ax.set_xticks(range(len(budgets)), budgets)
            ax.set(xlabel="training budget (epochs)", xlim=(-0.5, len(budgets) - 0.5))
    activation_legend(fig, activations)
    titled(fig, "Ranking of the activations at each training budget (accuracy at that epoch). At each budget every "
                "activation is at the learning rate with the best mean validation accuracy at that epoch.\n"
                "Points: mean over seeds; bars: 95% t interval across seeds, cut at 0 and 100%.")
    return fig
