"""Is relu's kink what makes the cost spiky? Kinked against smooth relu-like activations, at equal
learning rate and at equal stability (lr x sharpness / 2)."""

import numpy as np

from analysis.context import Answer, Figure, Question
from analysis.load.axes import REPLICATE, setting_label
from analysis.questions.kink.figures import spikes_against_stability
from analysis.questions.kink.numbers import (
    STABILITY,
    STABILITY_LINE,
    applies,
    at_equal_lr,
    compare_with_reference,
    context_columns,
    exceptions,
    kinds,
    kink_runs,
    measured_runs,
    reference,
    stability_split,
    with_stability,
)
from analysis.report.html import paragraph
from analysis.report.words import number

TITLE = "Is relu's kink what makes the cost spiky? relu against smooth relu-like activations"
FIGURE_TITLE = "Spikes against stability (lr x sharpness / 2), per run, coloured by activation"


def cell_text(row):
    text = f"{row['spiky']}/{row['n']} spiky" if row["n"] else "no run trained"
    return text + (f", {row['diverged']} diverged" if row["diverged"] else "")


def equal_lr_html(table):
    """Contexts (lr ...) as rows, activations as columns, 'spiky/n' in each cell."""
    cells = table.assign(text=[cell_text(row) for _, row in table.iterrows()])
    square = cells.pivot(index="context", columns="activation", values="text")
    square = square.reindex(index=list(dict.fromkeys(table["context"])),
                            columns=list(dict.fromkeys(table["activation"])))
    square = square.rename_axis(index="setting", columns=None).fillna("").reset_index()
    return square.style.hide(axis="index").to_html(exclude_styles=True)


def equal_lr_sentences(table, ref, smooth):
    """Per setting the spiky shares, then how each smooth activation compares with the reference."""
    verdicts = compare_with_reference(table, ref, smooth)
    judged = verdicts.dropna(subset=["verdict"])
    less = judged[judged["verdict"] == "less spiky"]
    sentences = [f"At equal learning rate (same lr and seeds; spiky runs among those that did not diverge), {ref} "
                 "against the smooth activations: " + "; ".join(
                     f"{context}: " + ", ".join(f"{r['activation']} {cell_text(r)}" for _, r in rows.iterrows())
                     for context, rows in table.groupby("context", sort=False)) + "."]
    if judged.empty:
        return sentences + [f"No setting has both {ref} and a smooth activation with runs that did not diverge."]
    listing = f" ({'; '.join(f'{r.activation} at {r.context}' for r in less.itertuples())})" if len(less) else ""
    sentences.append(f"A smooth activation was as spiky as {ref} or more in {len(judged) - len(less)} of {len(judged)} "
                     f"comparisons at the same setting, less spiky in {len(less)}{listing}.")
    return sentences + [equal_lr_verdict(len(less), len(judged), ref)]


def equal_lr_verdict(n_less, n_judged, ref):
    if n_less == 0:
        return (f"So at equal learning rate the smooth activations' curves are as spiky as {ref}'s: the kink makes no "
                "difference to spikiness here.")
    if n_less == n_judged:
        return (f"So at equal learning rate the smooth activations' curves are less spiky than {ref}'s in every "
                "comparison.")
    return "So the answer at equal learning rate is mixed."


def activation_split(row, line):
    """'relu: spiky in 4/4 runs at or above 1 and 0/2 below (median stability after first reaching 0.95: 1.02)'."""
    below = f"{row['spiky_below']}/{row['n_below']} below" if row["n_below"] else "no run below"
    above = f"{row['spiky_above']}/{row['n_above']} runs" if row["n_above"] else "no run"
    text = f"{row['activation']}: spiky in {above} at or above {line} and {below}"
    after = row["median_after_eos"]
    return text + (f" (median stability after first reaching 0.95: {after:.2f})" if np.isfinite(after) else "")


def stability_sentences(runs, setting_columns, ref, kinked):
    """Spiky shares above and below stability 1 per activation, and whether the line explains spikiness."""
    measured = measured_runs(runs)
    if measured.empty:
        return ["Sharpness was not measured in these runs (sharpness_every = 0), so spikiness cannot be compared at "
                "equal stability."]
    split, odd = stability_split(runs, ref), exceptions(runs)
    line = number(STABILITY_LINE)
    per_activation = "; ".join(activation_split(r, line) for _, r in split.iterrows())
    sentences = [f"At equal stability (per run, its largest lr x sharpness / 2 measured after initialization, as "
                 f"sharpness at epoch 0 says nothing about training; {line} = sharpness at 2/lr; {len(measured)} runs "
                 f"that did not diverge have one): {per_activation}."]
    if odd.empty:
        present = ", ".join(a for a in kinked if a in set(runs["activation"]))
        return sentences + [f"Yes, stability explains spikiness whatever the activation: every run at or above {line} "
                            f"is spiky and every run below is smooth, kinked ({present}) and smooth activations alike."]
    context = context_columns(runs, setting_columns)
    listing = ", ".join(f"{setting_label(r, ['activation', *context, REPLICATE])} ({float(r[STABILITY]):.2f}, "
                        f"{'spiky' if r['spiky'] else 'smooth'})" for _, r in odd.iterrows())
    n_kinked = int(odd["activation"].isin(kinked).sum())
    return sentences + [f"Stability at {line} separates spiky from smooth runs in {len(measured) - len(odd)} of "
                        f"{len(measured)} runs; the exceptions ({n_kinked} kinked, {len(odd) - n_kinked} smooth): "
                        f"{listing}."]


def compute(a):
    kinked, smooth = kinds(a.contract)
    runs = kink_runs(with_stability(a.metrics, a.epochs) if "sharpness" in a.epochs.columns else a.metrics,
                     kinked, smooth)
    if not applies(runs, kinked, smooth):
        return None
    ref = reference(runs, kinked)
    table = at_equal_lr(runs, a.axes.setting_columns, ref)
    verdicts = compare_with_reference(table, ref, smooth).dropna(subset=["verdict"])
    measured = measured_runs(runs)
    return {"runs": runs, "ref": ref, "table": table, "kinked": kinked, "smooth": smooth, "verdicts": verdicts,
            "measured": len(measured), "exceptions": len(exceptions(runs)) if len(measured) else 0}


def html(a, numbers, figures):
    if numbers is None:
        return paragraph(["No run of a kinked and a smooth relu-like activation has a cost curve to compare."])
    runs, ref = numbers["runs"], numbers["ref"]
    return (equal_lr_html(numbers["table"]) + paragraph(equal_lr_sentences(numbers["table"], ref, numbers["smooth"]))
            + paragraph(stability_sentences(runs, a.axes.setting_columns, ref, numbers["kinked"]))
            + figures.get("kink_stability", ""))


def answers(a, numbers):
    if numbers is None or numbers["verdicts"].empty:
        return []
    judged = numbers["verdicts"]
    as_spiky = int((judged["verdict"] == "as spiky or more").sum())
    text = (f"Not {numbers['ref']}'s kink: at equal learning rate the smooth relu-like activations were as spiky as "
            f"{numbers['ref']} or more in {as_spiky} of {len(judged)} comparisons")
    if numbers["measured"]:
        text += (f"; stability (lr x sharpness / 2) at 1 separates spiky from smooth runs in "
                 f"{numbers['measured'] - numbers['exceptions']} of {numbers['measured']}")
    return [Answer("cause", text + ".")]


def figures(a, numbers):
    if numbers is None or not numbers["measured"]:
        return []
    return [Figure("kink_stability", FIGURE_TITLE,
                   lambda: spikes_against_stability(numbers["runs"], numbers["ref"]))]


QUESTION = Question(name="kink", title=TITLE, applies=lambda a: applies(a.metrics, *kinds(a.contract)),
                    compute=compute, html=html, figures=figures, answers=answers)
