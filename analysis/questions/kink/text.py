"""The report's section on relu's kink: spikiness at equal learning rate and at equal stability."""

import html

import numpy as np

from analysis.load.axes import REPLICATE, setting_label
from analysis.questions.kink.figures import spikes_against_stability
from analysis.questions.kink.numbers import (KINKED, STABILITY, STABILITY_LINE, applies, at_equal_lr, compare_with_reference,
                           context_columns, exceptions, kink_runs, measured_runs, reference, stability_split,
                           with_stability)
from analysis.report.html import paragraph
from analysis.figures.embedded import section_figure
from analysis.report.words import number

TITLE = "Is relu's kink what makes the cost spiky? relu against smooth relu-like activations"
FIGURE_TITLE = "Spikes against stability (lr x sharpness / 2), per run, coloured by activation"


def cell_text(row):
    text = f"{row['spiky']}/{row['n']} spiky" if row["n"] else "no run trained"
    return text + (f", {row['diverged']} diverged" if row["diverged"] else "")


def equal_lr_html(table):
    """Contexts (lr ...) as rows, activations as columns, 'spiky/n' in each cell."""
    activations = list(dict.fromkeys(table["activation"]))
    head = "".join(f"<th>{html.escape(a)}</th>" for a in ["setting", *activations])
    body = []
    for context, rows in table.groupby("context", sort=False):
        cells = {r["activation"]: cell_text(r) for _, r in rows.iterrows()}
        body.append(f"<tr><th>{html.escape(context)}</th>"
                    + "".join(f"<td>{html.escape(cells.get(a, ''))}</td>" for a in activations) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def equal_lr_sentences(table, ref):
    """Per setting the spiky shares, then how each smooth activation compares with the reference."""
    verdicts = compare_with_reference(table, ref)
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


def stability_sentences(runs, setting_columns=("lr",)):
    """Spiky shares above and below stability 1 per activation, and whether the line explains spikiness."""
    measured = measured_runs(runs)
    if measured.empty:
        return ["Sharpness was not measured in these runs (sharpness_every = 0), so spikiness cannot be compared at "
                "equal stability."]
    split, odd = stability_split(runs), exceptions(runs)
    line = number(STABILITY_LINE)
    per_activation = "; ".join(activation_split(r, line) for _, r in split.iterrows())
    sentences = [f"At equal stability (per run, its largest lr x sharpness / 2 measured after initialization, as "
                 f"sharpness at epoch 0 says nothing about training; {line} = sharpness at 2/lr; {len(measured)} runs "
                 f"that did not diverge have one): {per_activation}."]
    if odd.empty:
        kinked = ", ".join(a for a in KINKED if a in set(runs["activation"]))
        return sentences + [f"Yes, stability explains spikiness whatever the activation: every run at or above {line} "
                            f"is spiky and every run below is smooth, kinked ({kinked}) and smooth activations alike."]
    context = context_columns(runs, setting_columns)
    listing = ", ".join(f"{setting_label(r, ['activation', *context, REPLICATE])} ({float(r[STABILITY]):.2f}, "
                        f"{'spiky' if r['spiky'] else 'smooth'})" for _, r in odd.iterrows())
    kinked = int(odd["activation"].isin(KINKED).sum())
    return sentences + [f"Stability at {line} separates spiky from smooth runs in {len(measured) - len(odd)} of "
                        f"{len(measured)} runs; the exceptions ({kinked} kinked, {len(odd) - kinked} smooth): "
                        f"{listing}."]


def kink_section(a):
    """HTML of the section, or None when the runs lack a kinked or a smooth relu-like activation."""
    if a.metrics is None or not applies(a.metrics):
        return None
    runs = kink_runs(with_stability(a.metrics, a.epochs) if "sharpness" in a.epochs.columns else a.metrics)
    if not applies(runs):
        return None
    ref = reference(runs)
    table = at_equal_lr(runs, a.axes.setting_columns)
    parts = [equal_lr_html(table), paragraph(equal_lr_sentences(table, ref)),
             paragraph(stability_sentences(runs, a.axes.setting_columns))]
    if not measured_runs(runs).empty:
        parts.append(section_figure(a, spikes_against_stability(runs), "kink_stability", FIGURE_TITLE))
    return "".join(parts)
