"""Sentences about spikiness, generated from the numbers: where curves are spiky, whether it hurts."""

import numpy as np

from analysis.load.axes import LR
from analysis.metrics.eos import EOS_LEVEL
from analysis.aggregate.selection import CHOSEN_BY, selected_rows
from analysis.metrics.spikiness import SPIKE_TAU, UP_RATIO_LIMIT
from analysis.report.words import chosen_label, groups_of, lr_list, pct

NO_EFFECT_POINTS = 0.5  # accuracy differences below this many percentage points count as no clear effect


def group_spikiness(label, rows):
    """'relu: spiky at lr 0.5, 1 (spiky seeds: 2/2, 1/2); smooth at lr 0.1; every run diverged at lr 3.'"""
    rows = rows.sort_values(LR) if LR in rows.columns else rows
    lrs = rows[LR] if LR in rows.columns else rows.index.to_series()
    trained = rows["n_runs"] - rows["n_failed"]
    all_diverged = (rows["n_diverged"] > 0) & (rows["n_diverged"] == trained)
    spiky = (rows["spiky_mean"] >= 0.5) & ~all_diverged
    smooth = (rows["spiky_mean"] < 0.5) & ~all_diverged
    parts = []
    if spiky.any():
        counts = ", ".join(f"{m * n:.0f}/{n:.0f}" for m, n in zip(rows.loc[spiky, "spiky_mean"],
                                                                  rows.loc[spiky, "spiky_n"]))
        parts.append(f"spiky at lr {lr_list(lrs[spiky])} (spiky seeds: {counts})")
    if smooth.any():
        parts.append(f"smooth at lr {lr_list(lrs[smooth])}")
    if all_diverged.any():
        parts.append(f"every run diverged at lr {lr_list(lrs[all_diverged])}")
    all_failed = rows["n_failed"] == rows["n_runs"]
    if all_failed.any():
        parts.append(f"every run failed at lr {lr_list(lrs[all_failed])}")
    no_cost = ~(spiky | smooth | all_diverged | all_failed)
    if no_cost.any():
        parts.append(f"no usable cost curve at lr {lr_list(lrs[no_cost])}")
    return f"{label}: " + "; ".join(parts) + "."


def spiky_settings(summary, tau=SPIKE_TAU):
    """Per group of settings: at which learning rates most seeds were spiky, smooth, or all diverged."""
    spiky_runs = int(np.nansum(summary["spiky_mean"] * summary["spiky_n"]))
    curves = int(summary["spiky_n"].sum())
    sentences = [f"{spiky_runs} of {curves} runs with a cost curve are spiky (rule: some epoch's cost more than "
                 f"{tau:.0%} above the lowest cost so far, or rises of log cost adding up to at least "
                 f"{UP_RATIO_LIMIT:g} x its net fall)."]
    return sentences + [group_spikiness(label, rows) for label, rows in groups_of(summary)]


def accuracy_split(metrics):
    """(column, split name) compared between spiky and smooth runs: validation when there is one.

    Comparing all settings is not a choice, but test numbers are kept for the chosen settings.
    """
    if "final_val_acc" in metrics.columns and metrics["final_val_acc"].notna().any():
        return "final_val_acc", "validation"
    return "final_test_acc", "test"


def mean_difference(spiky, smooth, column):
    return float(spiky[column].mean() - smooth[column].mean())


def within_setting_difference(trained, setting_columns, column):
    """Mean over settings holding both kinds of seed of (spiky mean - smooth mean) final accuracy."""
    differences = []
    groups = trained.groupby(list(setting_columns), sort=False, dropna=False) if setting_columns else [(0, trained)]
    for _, group in groups:
        kinds = group["spiky"].astype(bool)
        if kinds.any() and not kinds.all():
            differences.append(mean_difference(group[kinds], group[~kinds], column))
    return (float(np.mean(differences)), len(differences)) if differences else (np.nan, 0)


def verdict(difference, split):
    value = 100 * difference
    if not np.isfinite(value):
        return "no accuracy to compare"
    if abs(value) < NO_EFFECT_POINTS:
        return f"no clear effect of spikes on the final {split} accuracy (difference {value:+.2f} points)"
    return (f"spiky runs end {abs(value):.2f} points {'lower' if value < 0 else 'higher'} in {split} accuracy "
            f"({'the spikes cost accuracy' if value < 0 else 'the spikes did not hurt'})")


def spikes_and_accuracy(metrics, setting_columns):
    """Do spiky runs end less accurate (validation when there is one)? Overall, within setting, late drop."""
    trained = metrics[(metrics["status"] == "ok") & metrics["spiky"].notna()].copy()
    kinds = trained["spiky"].astype(bool)
    spiky, smooth = trained[kinds], trained[~kinds]
    if spiky.empty or smooth.empty:
        what = ("no run finished training without diverging" if trained.empty else
                f"every run that did not diverge ({len(trained)}) is {'spiky' if smooth.empty else 'smooth'}")
        return [f"Whether spikes hurt cannot be told from these runs: {what}."]
    column, split = accuracy_split(trained)
    sentences = [f"Over the {len(trained)} runs that did not diverge, the {len(spiky)} spiky ones end at "
                 f"{pct(spiky[column].mean())} mean final {split} accuracy and the {len(smooth)} smooth ones "
                 f"at {pct(smooth[column].mean())}: {verdict(mean_difference(spiky, smooth, column), split)}."]
    within, n_settings = within_setting_difference(trained, setting_columns, column)
    if n_settings:
        sentences.append(f"Spikes go with larger learning rates, so the fairer comparison is between seeds of the "
                         f"same setting: in the {n_settings} setting(s) with both kinds, {verdict(within, split)}.")
    else:
        sentences.append("No setting has both spiky and smooth seeds, so the comparison above mixes the effect "
                         "of the spikes with that of the learning rate.")
    if split == "validation":
        drop = {name: (group["best_val_acc"] - group["final_val_acc"]).mean() for name, group in
                (("spiky", spiky), ("smooth", smooth))}
        sentences.append(f"Between their best validation epoch and their last epoch, spiky runs lose "
                         f"{100 * drop['spiky']:.2f} points of validation accuracy on average and smooth runs "
                         f"{100 * drop['smooth']:.2f}.")
    return sentences


def selected_spikiness(summary):
    """Are the validation-selected settings spiky or smooth? (Is a spiky curve acceptable?)"""
    chosen = selected_rows(summary)
    if chosen.empty or chosen["spiky_mean"].isna().all():
        return []
    spiky = chosen[chosen["spiky_mean"] >= 0.5]
    if spiky.empty:
        return [f"At every {CHOSEN_BY}-selected setting the cost curves are smooth."]
    smooth = chosen[chosen["spiky_mean"] < 0.5]
    label = lambda rows: ", ".join(chosen_label(r, summary) for _, r in rows.iterrows())  # noqa: E731
    tail = f"; smooth for {label(smooth)}" if len(smooth) else ""
    return [f"At the learning rate selected on {CHOSEN_BY} accuracy the cost curves are spiky for {label(spiky)}{tail}"
            ": the runs chosen as most accurate can be ones whose cost rises now and then, so a spiky curve by "
            "itself is no sign of a bug, as long as the cost keeps falling overall and the run does not diverge."]


def eos_sentences(table, metrics):
    """The 2x2 count of (sharpness reached 2/lr) x (spiky), in words."""
    count = {(r["reached_2_over_lr"], r["spiky"]): int(r["n_runs"]) for _, r in table.iterrows()}
    reached = count[True, True] + count[True, False]
    not_reached = count[False, True] + count[False, False]
    after = metrics.loc[metrics["reached_eos"].eq(True), "stability_after_eos"]
    sentences = [f"Sharpness was measured in {reached + not_reached} runs; it reached 2/lr "
                 f"(stability = lr x sharpness / 2 >= {EOS_LEVEL:g}) in {reached} of them."]
    if reached:
        sentences.append(f"Of the {reached} runs that reached 2/lr, {count[True, True]} were spiky; "
                         f"after reaching it their median stability was {np.nanmedian(after):.2f} (1 = exactly 2/lr).")
    if not_reached:
        sentences.append(f"Of the {not_reached} runs that stayed below 2/lr, {count[False, True]} were spiky.")
    return sentences

