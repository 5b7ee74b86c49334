"""Are spiky settings acceptable? Do spiky runs end less accurate, are the chosen settings spiky,
and what does a late spike cost (the last epoch against the validation-chosen one)?"""

import numpy as np

from analysis.aggregate.selection import CHOSEN_BY, selected_rows
from analysis.context import Answer, Question
from analysis.load.axes import rows_matching
from analysis.report.html import paragraph
from analysis.report.words import chosen_label, pct

NO_EFFECT_POINTS = 0.5  # accuracy differences below this many percentage points count as no clear effect
SHOWN = 4  # groups named in the short answer; the section lists them all


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


def selected_spikiness(summary, axes):
    """Are the validation-selected settings spiky or smooth? (Is a spiky curve acceptable?)"""
    chosen = selected_rows(summary)
    if chosen.empty or chosen["spiky_mean"].isna().all():
        return []
    spiky = chosen[chosen["spiky_mean"] >= 0.5]
    if spiky.empty:
        return [f"At every {CHOSEN_BY}-selected setting the cost curves are smooth."]
    smooth = chosen[chosen["spiky_mean"] < 0.5]
    def label(rows):
        return ", ".join(chosen_label(r, axes) for _, r in rows.iterrows())

    tail = f"; smooth for {label(smooth)}" if len(smooth) else ""
    return [f"At the learning rate selected on {CHOSEN_BY} accuracy the cost curves are spiky for {label(spiky)}{tail}"
            ": the runs chosen as most accurate can be ones whose cost rises now and then, so a spiky curve by "
            "itself is no sign of a bug, as long as the cost keeps falling overall and the run does not diverge."]


def late_spike_cost(a):
    """At the selected settings, the spiky runs' validation accuracy at their validation-chosen epoch minus at
    their last epoch: (mean, largest, number of runs); None without such runs."""
    chosen = selected_rows(a.summary)
    runs = [rows_matching(a.metrics, row, a.axes.setting_columns) for _, row in chosen.iterrows()]
    runs = [r[(r["status"] == "ok") & r["spiky"].eq(True)] for r in runs]
    drops = np.concatenate([(r["best_val_acc"] - r["final_val_acc"]).to_numpy(dtype=float) for r in runs]) \
        if runs else np.array([])
    drops = drops[np.isfinite(drops)]
    return (float(drops.mean()), float(drops.max()), len(drops)) if len(drops) else None


def compute(a):
    chosen = selected_rows(a.summary)
    spiky_chosen = chosen[chosen["spiky_mean"] >= 0.5] if len(chosen) else chosen
    return {"hurt": spikes_and_accuracy(a.metrics, a.axes.setting_columns),
            "chosen": selected_spikiness(a.summary, a.axes), "n_chosen": len(chosen),
            "spiky_chosen": [chosen_label(r, a.axes) for _, r in spiky_chosen.iterrows()],
            "late": late_spike_cost(a)}


def html(a, numbers, figures):
    late = numbers["late"]
    cost = [] if late is None else [
        f"What a late spike costs: at the selected settings, the {late[2]} spiky run(s) that did not diverge end "
        f"{100 * late[0]:.2f} points of validation accuracy below their validation-chosen epoch on average (at most "
        f"{100 * late[1]:.2f}); keeping the best epoch on validation, not the last, removes that cost."]
    return paragraph(numbers["hurt"] + numbers["chosen"] + cost)


def answers(a, numbers):
    if not numbers["n_chosen"]:
        return []
    spiky, late = numbers["spiky_chosen"], numbers["late"]
    if not spiky:
        return [Answer("acceptable", f"Every setting chosen on {CHOSEN_BY} is smooth here.")]
    shown = "; ".join(spiky[:SHOWN]) + (f"; and {len(spiky) - SHOWN} more" if len(spiky) > SHOWN else "")
    text = (f"Yes: the most accurate settings on {CHOSEN_BY} are spiky for {len(spiky)} of {numbers['n_chosen']} "
            f"groups ({shown}).")
    if late is not None:
        text += (f" What a late spike costs is the last epoch: {100 * late[0]:.2f} points of validation accuracy "
                 f"on average (at most {100 * late[1]:.2f}) against each run's validation-chosen epoch.")
    return [Answer("acceptable", text)]


QUESTION = Question(name="acceptable", title="Are spiky settings acceptable? Do the spikes hurt the accuracy?",
                    applies=lambda a: True, compute=compute, html=html, answers=answers)
