"""The hand-written bugs: each planted fault next to the correct network at the same settings, the
equivalences the cost faults should show, and their cost curves."""

from analysis.context import Figure, Question
from analysis.questions.faults.checks import class_mean_check, class_mean_sentences, sum_check, sum_sentences
from analysis.questions.faults.figures import fault_curves
from analysis.questions.faults.pairs import (
    SHOWN,
    context_columns,
    descriptions,
    fault_pairs,
    fault_sentences,
    has_faults,
    side_by_side,
)
from analysis.report.html import paragraph, paragraphs, table_html

TITLE = "The hand-written bugs: each fault next to the correct network at the same settings"
FIGURE_TITLE = "Training cost of each fault next to the correct network (same activation, lr and seeds)"


def compute(a):
    pairs = fault_pairs(a.metrics, a.axes)
    return {"pairs": pairs, "sums": sum_check(a.metrics, a.epochs, a.axes),
            "class_mean": class_mean_check(a.metrics, a.epochs, pairs)}


def html(a, numbers, figures):
    pairs = numbers["pairs"]
    shown = {c: (c, str) for c in context_columns(a.axes)}
    return "".join([
        paragraph(["Faults, planted on purpose (study/net/faults.py): " + "; ".join(descriptions(pairs, a.contract))
                   + ".", "Each fault run is compared with the run of the correct network (fault = none) with the "
                   "same activation, learning rate, seed and every other setting; fault runs are never pooled with "
                   "correct ones. Nothing is selected here: accuracies are given at the last epoch and at each "
                   "run's own validation-chosen epoch (validation chooses the epoch, test is reported there)."]),
        table_html(side_by_side(a.metrics, a.axes), {"network": SHOWN["network"], **shown,
                                                     **{k: v for k, v in SHOWN.items() if k != "network"}}),
        paragraphs(fault_sentences(a.metrics, pairs)),
        paragraph(class_mean_sentences(numbers["class_mean"])),
        paragraph(sum_sentences(numbers["sums"], a.metrics)),
        figures.get("fault_curves", ""),
    ])


def figures(a, numbers):
    return [Figure("fault_curves", FIGURE_TITLE, lambda: fault_curves(a.epochs, numbers["pairs"], numbers["sums"]))]


QUESTION = Question(name="faults", title=TITLE, applies=lambda a: has_faults(a.metrics), compute=compute, html=html,
                    figures=figures)
