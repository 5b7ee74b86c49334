"""Sentences generated from the numbers, answering the learner's questions."""

import numpy as np

from analysis.aggregate import best_lr_rows
from analysis.eos import EOS_LEVEL
from analysis.spikiness import SPIKE_TAU, UP_RATIO_LIMIT
from analysis.style import activations_of, lr_text

NO_EFFECT_POINTS = 0.5  # accuracy differences below this many percentage points count as no clear effect


def pct(fraction):
    return f"{100 * fraction:.2f}%"


def lr_list(lrs):
    return ", ".join(lr_text(lr) for lr in lrs)


def spiky_settings(summary, tau=SPIKE_TAU):
    """Per activation: at which learning rates most seeds were spiky, smooth, or all diverged."""
    spiky_runs = int(np.nansum(summary["spiky_mean"] * summary["spiky_n"]))
    curves = int(summary["spiky_n"].sum())
    sentences = [f"{spiky_runs} of {curves} runs with a cost curve are spiky (rule: some epoch's cost more than "
                 f"{tau:.0%} above the lowest cost so far, or rises of log cost adding up to at least "
                 f"{UP_RATIO_LIMIT:g} x its net fall)."]
    for activation in activations_of(summary):
        rows = summary[summary["activation"] == activation].sort_values("lr")
        all_diverged = rows[(rows["n_diverged"] > 0) & (rows["n_diverged"] == rows["n_runs"] - rows["n_failed"])]
        spiky = rows[(rows["spiky_mean"] >= 0.5) & ~rows.index.isin(all_diverged.index)]
        smooth = rows[(rows["spiky_mean"] < 0.5) & ~rows.index.isin(all_diverged.index)]
        parts = []
        if len(spiky):
            counts = ", ".join(f"{m * n:.0f}/{n:.0f}" for m, n in zip(spiky["spiky_mean"], spiky["spiky_n"]))
            parts.append(f"spiky at lr {lr_list(spiky['lr'])} (spiky seeds: {counts})")
        if len(smooth):
            parts.append(f"smooth at lr {lr_list(smooth['lr'])}")
        if len(all_diverged):
            parts.append(f"every run diverged at lr {lr_list(all_diverged['lr'])}")
        all_failed = rows[rows["n_failed"] == rows["n_runs"]]
        if len(all_failed):
            parts.append(f"every run failed at lr {lr_list(all_failed['lr'])}")
        sentences.append(f"{activation}: " + "; ".join(parts) + ".")
    return sentences


def mean_difference(spiky, smooth, column):
    return float(spiky[column].mean() - smooth[column].mean())


def within_setting_difference(trained):
    """Mean over settings holding both kinds of seed of (spiky mean - smooth mean) final accuracy."""
    differences = []
    for _, group in trained.groupby(["activation", "lr"], sort=False):
        kinds = group["spiky"].astype(bool)
        if kinds.any() and not kinds.all():
            differences.append(mean_difference(group[kinds], group[~kinds], "final_test_acc"))
    return (float(np.mean(differences)), len(differences)) if differences else (np.nan, 0)


def verdict(difference):
    points = 100 * difference
    if abs(points) < NO_EFFECT_POINTS:
        return f"no clear effect of spikes on the final accuracy (difference {points:+.2f} points)"
    return (f"spiky runs end {abs(points):.2f} points {'lower' if points < 0 else 'higher'} "
            f"({'the spikes cost accuracy' if points < 0 else 'the spikes did not hurt'})")


def spikes_and_accuracy(metrics):
    """Do spiky runs end with a lower test accuracy? Compared overall, within setting, and best-final drop."""
    trained = metrics[(metrics["status"] == "ok") & metrics["spiky"].notna()].copy()
    kinds = trained["spiky"].astype(bool)
    spiky, smooth = trained[kinds], trained[~kinds]
    if spiky.empty or smooth.empty:
        what = ("no run finished training without diverging" if trained.empty else
                f"every run that did not diverge ({len(trained)}) is {'spiky' if smooth.empty else 'smooth'}")
        return [f"Whether spikes hurt cannot be told from these runs: {what}."]
    overall = mean_difference(spiky, smooth, "final_test_acc")
    sentences = [f"Over the {len(trained)} runs that did not diverge, the {len(spiky)} spiky ones end at "
                 f"{pct(spiky['final_test_acc'].mean())} mean final test accuracy and the {len(smooth)} smooth ones "
                 f"at {pct(smooth['final_test_acc'].mean())}: {verdict(overall)}."]
    within, n_settings = within_setting_difference(trained)
    if n_settings:
        sentences.append(f"Spikes go with larger learning rates, so the fairer comparison is between seeds of the "
                         f"same setting: in the {n_settings} setting(s) with both kinds, {verdict(within)}.")
    else:
        sentences.append("No setting has both spiky and smooth seeds, so the comparison above mixes the effect "
                         "of the spikes with that of the learning rate.")
    drop = {name: (group["best_test_acc"] - group["final_test_acc"]).mean() for name, group in
            (("spiky", spiky), ("smooth", smooth))}
    sentences.append(f"Between their best and their final epoch, spiky runs lose {100 * drop['spiky']:.2f} points "
                     f"of test accuracy on average and smooth runs {100 * drop['smooth']:.2f}.")
    return sentences


def best_settings_spikiness(summary):
    """Are the settings that end most accurate spiky or smooth? (Is a spiky curve acceptable?)"""
    best = best_lr_rows(summary)
    if best.empty or best["spiky_mean"].isna().all():
        return []
    spiky = best[best["spiky_mean"] >= 0.5]
    if spiky.empty:
        return ["At every activation's best learning rate the cost curves are smooth."]
    smooth = best[best["spiky_mean"] < 0.5]
    tail = f"; smooth for {', '.join(smooth['activation'])}" if len(smooth) else ""
    return [f"At its best learning rate the cost curves are spiky for {', '.join(spiky['activation'])}{tail}: "
            "the most accurate runs are ones whose cost rises now and then, so a spiky curve by itself is "
            "no sign of a bug, as long as the cost keeps falling overall and the run does not diverge."]


def interval_text(row):
    diverged = f", {row['n_diverged']:.0f} of them diverged" if row["n_diverged"] else ""
    if row["final_test_acc_n"] < 2:
        return f"n={row['final_test_acc_n']:.0f} seed, no interval{diverged}"
    return (f"95% interval {pct(row['final_test_acc_ci_low'])} to {pct(row['final_test_acc_ci_high'])}, "
            f"n={row['final_test_acc_n']:.0f} seeds{diverged}")


def best_activation(summary):
    """Which activation reaches the best mean final test accuracy at its own best learning rate."""
    best = best_lr_rows(summary).sort_values("final_test_acc_mean", ascending=False)
    if best.empty:
        return ["No run has a final test accuracy yet."]
    top = best.iloc[0]
    sentences = [f"At its best learning rate, {top['activation']} reaches the highest mean final test accuracy: "
                 f"{pct(top['final_test_acc_mean'])} at lr {lr_text(top['lr'])} ({interval_text(top)})."]
    if len(best) > 1:
        others = "; ".join(f"{r['activation']} {pct(r['final_test_acc_mean'])} at lr {lr_text(r['lr'])}"
                           for _, r in best.iloc[1:].iterrows())
        sentences.append(f"The others at their best learning rate: {others}.")
        second = best.iloc[1]
        gap = 100 * (top["final_test_acc_mean"] - second["final_test_acc_mean"])
        separated = top["final_test_acc_ci_low"] > second["final_test_acc_ci_high"]
        sentences.append(f"The lead over {second['activation']} is {gap:.2f} points; " + (
            "their 95% intervals do not overlap." if separated else
            "their 95% intervals overlap (or are unknown), so this ranking is not established by these seeds."))
    grid_edges = (summary["lr"].min(), summary["lr"].max())
    at_edge = best[best["lr"].isin(grid_edges)] if summary["lr"].nunique() >= 3 else best.iloc[0:0]
    if len(at_edge):
        sentences.append(f"The best learning rate is at the edge of the grid for {', '.join(at_edge['activation'])}: "
                         "a wider range of learning rates might do better.")
    return sentences


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
