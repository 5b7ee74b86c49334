"""Did sharpness reach 2/lr, and does that go with spikes? The edge of stability, where sharpness was measured."""

import numpy as np

from analysis.context import Answer, Figure, Question
from analysis.figures.curves import sharpness_curves
from analysis.metrics.eos import EOS_LEVEL
from analysis.report.html import eos_table_html, paragraph


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



def counts(table):
    return {(r["reached_2_over_lr"], r["spiky"]): int(r["n_runs"]) for _, r in table.iterrows()}


def html(a, numbers, figures):
    return paragraph(eos_sentences(a.eos, a.metrics)) + eos_table_html(a.eos) + figures.get("sharpness", "")


def answers(a, numbers):
    count = counts(a.eos)
    reached = count[True, True] + count[True, False]
    below = count[False, True] + count[False, False]
    if not reached + below:
        return []
    return [Answer("cause", f"The curvature against the step size: sharpness reached 2/lr in {reached} of "
                            f"{reached + below} measured runs, {count[True, True]} of them spiky; of the {below} that "
                            f"stayed below, {count[False, True]} were spiky.")]


def figures(a, numbers):
    return [Figure("sharpness", "Sharpness against 2/lr", lambda: sharpness_curves(a.metrics, a.epochs, a.axes))]


QUESTION = Question(name="eos", title="Did sharpness reach 2/lr, and does that go with spikes?",
                    applies=lambda a: a.eos is not None, compute=lambda a: None, html=html, figures=figures,
                    answers=answers)
