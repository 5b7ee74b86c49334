"""Overfitting at each selected setting: train / validation / test accuracy over epochs, and the peak.

gap_curves() gives the long table a figure needs (mean over seeds per epoch and split); the
sentences say the gaps at the last and at the validation-chosen epoch, and whether validation
accuracy peaked before the last epoch.
"""

import numpy as np
import pandas as pd

from analysis.load.axes import rows_matching, summary_setting_columns
from analysis.aggregate.selection import has_validation, selected_rows
from analysis.report.words import chosen_label, pct

SPLIT_COLUMNS = {"train": "train_acc", "validation": "val_acc", "test": "test_acc"}
PEAK_MARGIN = 0.001  # a validation peak this far (0.1 point) above the last value counts as a decline


def selected_runs(summary, metrics):
    """(selected summary row, its runs in metrics) per selected setting."""
    settings = summary_setting_columns(summary)
    return [(row, rows_matching(metrics, row, settings)) for _, row in selected_rows(summary).iterrows()]


def gap_curves(summary, metrics, epochs):
    """Long table: setting label, epoch, split (train/validation/test), accuracy mean over the seeds."""
    frames = []
    for row, runs in selected_runs(summary, metrics):
        rows = epochs[epochs["run_id"].isin(runs["run_id"])]
        present = {split: c for split, c in SPLIT_COLUMNS.items() if c in rows.columns}
        means = rows.groupby("epoch")[list(present.values())].mean().reset_index()
        long = means.melt(id_vars="epoch", var_name="split", value_name="accuracy")
        long["split"] = long["split"].map({c: split for split, c in present.items()})
        frames.append(long.assign(setting=chosen_label(row, summary)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def peak_sentence(runs):
    """How many seeds' validation accuracy peaked before their last epoch, and by how much (ok runs only)."""
    usable = runs[runs["status"] == "ok"].dropna(subset=["best_val_epoch", "epochs_run"])
    diverged = int((runs["status"] == "diverged").sum())
    skipped = f" ({diverged} diverged run(s) left out: their last epoch is the blow-up)" if diverged else ""
    if usable.empty:
        return f"no run of this setting trained to its end without diverging{skipped}"
    early = usable["best_val_epoch"] < usable["epochs_run"]
    decline = (usable["best_val_acc"] - usable["final_val_acc"]).mean()
    verdict = ("validation accuracy fell after its peak: the model overfits (or the run became unstable) "
               "late in training" if decline > PEAK_MARGIN else "no real decline after the peak")
    return (f"validation accuracy peaks before the last epoch in {int(early.sum())} of {len(usable)} seeds (at "
            f"epoch {usable['best_val_epoch'].mean():.0f} on average, of {usable['epochs_run'].mean():.0f}), "
            f"{100 * decline:.2f} points above its last value{skipped}: {verdict}")


def overfit_sentences(summary, metrics):
    """Per selected setting: train / validation / test at the last epoch, the gaps, the validation peak."""
    if not has_validation(summary):
        return ["No validation data, so no setting was selected and the validation peak cannot be located."]
    sentences = []
    for row, runs in selected_runs(summary, metrics):
        if runs["best_val_epoch"].notna().sum() == 0:
            continue
        last_gap = row["final_train_acc_mean"] - row["final_val_acc_mean"]
        chosen_gap = row["train_acc_at_best_val_mean"] - row["best_val_acc_mean"]
        sentences.append(
            f"{chosen_label(row, summary)}: at the last epoch train {pct(row['final_train_acc_mean'])}, validation "
            f"{pct(row['final_val_acc_mean'])}, test {pct(row['final_test_acc_mean'])} (train - validation gap "
            f"{100 * last_gap:.2f} points; {100 * chosen_gap:.2f} at the validation-chosen epoch); "
            f"{peak_sentence(runs)}.")
    return sentences or ["No selected setting has a validation curve."]


def mean_gap(summary):
    """Mean train - validation gap at the last epoch over the selected settings (for the headline)."""
    chosen = selected_rows(summary)
    return float(np.nanmean(chosen["final_train_acc_mean"] - chosen["final_val_acc_mean"])) if len(chosen) else np.nan
