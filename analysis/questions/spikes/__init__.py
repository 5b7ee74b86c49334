"""Which settings give spiky cost curves? Per group of settings, the learning rates where most seeds spike."""

import numpy as np

from analysis.context import Answer, Figure, Question
from analysis.figures.curves import cost_curves
from analysis.figures.heatmaps import spikiness_heatmaps
from analysis.load.axes import LR
from analysis.metrics.spikiness import UP_RATIO_LIMIT
from analysis.report.html import paragraphs
from analysis.report.words import groups_of, lr_list


def kinds(rows):
    """Per row of a group's summary (sorted by lr): spiky, smooth, all diverged, all failed (boolean Series)."""
    trained = rows["n_runs"] - rows["n_failed"]
    all_diverged = (rows["n_diverged"] > 0) & (rows["n_diverged"] == trained)
    return {"spiky": (rows["spiky_mean"] >= 0.5) & ~all_diverged, "smooth": (rows["spiky_mean"] < 0.5) & ~all_diverged,
            "diverged": all_diverged, "failed": rows["n_failed"] == rows["n_runs"]}


def group_spikiness(label, rows):
    """'relu: spiky at lr 0.5, 1 (spiky seeds: 2/2, 1/2); smooth at lr 0.1; every run diverged at lr 3.'"""
    rows = rows.sort_values(LR) if LR in rows.columns else rows
    lrs = rows[LR] if LR in rows.columns else rows.index.to_series()
    kind = kinds(rows)
    parts = []
    if kind["spiky"].any():
        counts = ", ".join(f"{m * n:.0f}/{n:.0f}" for m, n in zip(rows.loc[kind["spiky"], "spiky_mean"],
                                                                  rows.loc[kind["spiky"], "spiky_n"]))
        parts.append(f"spiky at lr {lr_list(lrs[kind['spiky']])} (spiky seeds: {counts})")
    if kind["smooth"].any():
        parts.append(f"smooth at lr {lr_list(lrs[kind['smooth']])}")
    if kind["diverged"].any():
        parts.append(f"every run diverged at lr {lr_list(lrs[kind['diverged']])}")
    if kind["failed"].any():
        parts.append(f"every run failed at lr {lr_list(lrs[kind['failed']])}")
    no_cost = ~(kind["spiky"] | kind["smooth"] | kind["diverged"] | kind["failed"])
    if no_cost.any():
        parts.append(f"no usable cost curve at lr {lr_list(lrs[no_cost])}")
    return f"{label}: " + "; ".join(parts) + "."


def onset(rows):
    """The smallest lr from which every rate is spiky or diverges, with every smaller rate smooth; None otherwise."""
    if LR not in rows.columns or len(rows) < 2:
        return None
    rows = rows.sort_values(LR)
    kind = kinds(rows)
    rough = (kind["spiky"] | kind["diverged"]).to_numpy()
    smooth = kind["smooth"].to_numpy()
    if not rough.any() or not smooth.any():
        return None
    first = int(np.argmax(rough))
    return rows[LR].iloc[first] if smooth[:first].all() and rough[first:].all() else None


def compute(a):
    summary = a.summary
    spiky_runs = int(np.nansum(summary["spiky_mean"] * summary["spiky_n"]))
    groups = groups_of(summary, a.axes)
    return {"spiky_runs": spiky_runs, "curves": int(summary["spiky_n"].sum()), "groups": groups,
            "onsets": {label: onset(rows) for label, rows in groups}}


def html(a, numbers, figures):
    sentences = [f"{numbers['spiky_runs']} of {numbers['curves']} runs with a cost curve are spiky (rule: some "
                 f"epoch's cost more than {a.tau:.0%} above the lowest cost so far, or rises of log cost adding up to "
                 f"at least {UP_RATIO_LIMIT:g} x its net fall)."]
    return (paragraphs(sentences + [group_spikiness(label, rows) for label, rows in numbers["groups"]])
            + figures.get("cost_curves", "") + figures.get("spikiness_heatmap", ""))


def answers(a, numbers):
    onsets = numbers["onsets"]
    head = f"{numbers['spiky_runs']} of {numbers['curves']} runs are spiky"
    if onsets and all(lr is not None for lr in onsets.values()):
        where = ", ".join(f"{label} from lr {lr:g}" for label, lr in onsets.items())
        return [Answer("cause", f"The learning rate: {head}, and every group is smooth at its small rates and spiky "
                                f"(or diverging) from one rate up: {where}.")]
    if LR in a.axes.setting_columns:
        return [Answer("cause", f"{head}; spikiness follows the learning rate in some groups only (see the list).")]
    return [Answer("cause", f"{head} at these settings.")]


def figures(a, numbers):
    return [Figure("cost_curves", "Training cost curves per setting", lambda: cost_curves(a.metrics, a.epochs, a.axes)),
            Figure("spikiness_heatmap", "Spikiness over activation and learning rate",
                   lambda: spikiness_heatmaps(a.summary, a.axes, a.tau))]


QUESTION = Question(name="spikes", title="Which settings give spiky cost curves?", applies=lambda a: True,
                    compute=compute, html=html, figures=figures, answers=answers)
