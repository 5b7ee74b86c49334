"""Figures drawn from the per-setting summary: heatmaps, accuracy against lr, inactive units."""

import numpy as np

from analysis.metrics import inactive_columns
from analysis.style import LABELS, activations_of, color_of, lr_text, lrs_of, plt


def grid_values(summary, column, activations, lrs):
    """summary[column] as an (activation x lr) array, NaN where a setting is missing."""
    table = summary.set_index(["activation", "lr"])[column]
    return np.array([[table.get((a, lr), np.nan) for lr in lrs] for a in activations], dtype=float)


def heatmap(ax, values, activations, lrs, cmap, vmin, vmax, cell_text):
    """values as colored cells with cell_text(row, col) written in each; NaN cells grey."""
    ax.set_facecolor("0.85")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    for r in range(len(activations)):
        for c in range(len(lrs)):
            shade = (values[r, c] - vmin) / (vmax - vmin) if np.isfinite(values[r, c]) else 0.0
            ax.text(c, r, cell_text(r, c), ha="center", va="center", fontsize=8,
                    color="white" if shade > 0.6 else "black")
    ax.set_xticks(range(len(lrs)), [lr_text(lr) for lr in lrs])
    ax.set_yticks(range(len(activations)), activations)
    for label in ax.get_yticklabels():
        label.set_color(color_of(label.get_text()))
    ax.set(xlabel="learning rate", ylabel="activation")
    ax.grid(False)
    return image


def diverged_note(summary, activations, lrs):
    diverged = grid_values(summary, "n_diverged", activations, lrs)
    trained = grid_values(summary, "n_runs", activations, lrs) - grid_values(summary, "n_failed", activations, lrs)
    return lambda r, c: f"\n{diverged[r, c]:.0f}/{trained[r, c]:.0f} div." if diverged[r, c] > 0 else ""


def figure_size(activations, lrs, panels):
    return (1.5 + panels * (1.6 + 1.15 * len(lrs)), 1.8 + 0.55 * len(activations))


def spikiness_heatmaps(summary, tau):
    """Share of seeds with a spiky curve, and the mean number of spikes, over activation x lr."""
    activations, lrs = activations_of(summary), lrs_of(summary)
    fig, axes = plt.subplots(1, 2, figsize=figure_size(activations, lrs, 2), layout="constrained")
    fig.suptitle("Spikiness of the training cost (mean over seeds; diverged runs: before they diverged)", fontsize=11)
    note = diverged_note(summary, activations, lrs)
    spiky = 100 * grid_values(summary, "spiky_mean", activations, lrs)
    spikes = grid_values(summary, "n_spikes_mean", activations, lrs)
    image = heatmap(axes[0], spiky, activations, lrs, "Reds", 0, 100,
                    lambda r, c: (f"{spiky[r, c]:.0f}%" if np.isfinite(spiky[r, c]) else "n/a") + note(r, c))
    fig.colorbar(image, ax=axes[0], label="runs classified spiky (%)")
    axes[0].set_title("runs classified spiky (%)")
    top = max(1.0, float(np.nanmax(spikes)) if np.isfinite(spikes).any() else 1.0)
    image = heatmap(axes[1], spikes, activations, lrs, "Oranges", 0, top,
                    lambda r, c: (f"{spikes[r, c]:.1f}" if np.isfinite(spikes[r, c]) else "n/a") + note(r, c))
    fig.colorbar(image, ax=axes[1], label="spikes per run (count)")
    axes[1].set_title(f"excursions > {tau:.0%} above the running minimum (count)")
    return fig


def accuracy_heatmap(summary):
    """Mean final test accuracy over activation x lr; the best lr of each activation is starred."""
    activations, lrs = activations_of(summary), lrs_of(summary)
    fig, ax = plt.subplots(figsize=figure_size(activations, lrs, 1.3), layout="constrained")
    fig.suptitle("Final test accuracy, mean over seeds (%)\n* = best learning rate of the activation", fontsize=11)
    accuracy = 100 * grid_values(summary, "final_test_acc_mean", activations, lrs)
    best = grid_values(summary, "is_best_lr", activations, lrs) == 1
    note = diverged_note(summary, activations, lrs)
    finite = accuracy[np.isfinite(accuracy)]
    low = float(np.floor(np.percentile(finite, 10))) if len(finite) else 0.0
    image = heatmap(ax, accuracy, activations, lrs, "viridis", min(low, 99.0), 100,
                    lambda r, c: (f"{accuracy[r, c]:.1f}{'*' if best[r, c] else ''}"
                                  if np.isfinite(accuracy[r, c]) else "n/a") + note(r, c))
    fig.colorbar(image, ax=ax, label=LABELS["test_acc"])
    return fig


def accuracy_vs_lr(summary):
    """Mean final test accuracy against lr per activation, with the 95% interval across seeds."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
    ax.set_title("Final test accuracy against learning rate\n(bars: 95% interval across seeds; star: best lr)")
    activations = activations_of(summary)
    for rank, activation in enumerate(activations):
        rows = summary[summary["activation"] == activation].sort_values("lr")
        # nudge each activation sideways (by a few % of lr) so that overlapping bars stay apart
        shifted = rows["lr"] * 10 ** (0.015 * (rank - (len(activations) - 1) / 2))
        mean = 100 * rows["final_test_acc_mean"].to_numpy(dtype=float)
        low = 100 * rows["final_test_acc_ci_low"].to_numpy(dtype=float)
        high = 100 * rows["final_test_acc_ci_high"].to_numpy(dtype=float)
        spread = np.nan_to_num(np.vstack([mean - low, high - mean]))
        ax.errorbar(shifted, mean, yerr=spread, color=color_of(activation), marker="o", ms=4, capsize=3,
                    label=activation)
        best = rows["is_best_lr"].to_numpy(dtype=bool)
        ax.plot(shifted.to_numpy()[best], mean[best], "*", color=color_of(activation), ms=14, mec="black")
    log_lr_axis(ax, lrs_of(summary))
    means = 100 * summary["final_test_acc_mean"].dropna()
    # intervals of 2-seed settings can span far beyond 0-100%: keep the means readable
    ax.set_ylim(max(0.0, means.min() - 5.0) if len(means) else 0.0, 100.5)
    ax.set(xlabel=LABELS["lr"], ylabel=LABELS["test_acc"])
    ax.legend(fontsize=8, title="activation")
    return fig


def log_lr_axis(ax, lrs):
    """Log-scale x axis with a tick at each learning rate of the grid, written as plain numbers."""
    ax.set_xscale("log")
    ax.set_xticks(lrs, [lr_text(lr) for lr in lrs])
    ax.minorticks_off()


def inactive_units(metrics):
    """Fraction of inactive units per hidden layer at the end, against lr, per activation."""
    layers = inactive_columns(metrics, "final_inactive_")
    fig, axes = plt.subplots(1, len(layers), figsize=(1 + 4.2 * len(layers), 3.8), squeeze=False,
                             layout="constrained")
    fig.suptitle("Inactive hidden units at the end of training, mean over seeds\n"
                 "(|f'| at its floor on every training sample)", fontsize=11)
    means = metrics.groupby(["activation", "lr"], sort=False)[layers].mean().reset_index()
    for ax, layer in zip(axes[0], layers):
        for activation in activations_of(metrics):
            rows = means[means["activation"] == activation].sort_values("lr")
            ax.plot(rows["lr"], 100 * rows[layer], marker="o", ms=4, color=color_of(activation), label=activation)
        log_lr_axis(ax, lrs_of(metrics))
        ax.set(title=f"hidden layer {layer.rsplit('_', 1)[-1]}", xlabel=LABELS["lr"], ylabel=LABELS["inactive"])
    axes[0, 0].legend(fontsize=8)
    return fig
