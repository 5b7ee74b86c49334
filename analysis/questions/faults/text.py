"""The report's section on the learner's planted faults: table, sentences, equivalences, figure."""

from analysis.questions.faults.checks import class_mean_check, class_mean_sentences, sum_check, sum_sentences
from analysis.questions.faults.pairs import SHOWN, context_columns, descriptions, fault_pairs, fault_sentences, has_faults, side_by_side
from analysis.questions.faults.figures import fault_curves
from analysis.report.html import paragraph, table_html
from analysis.figures.embedded import section_figure

TITLE = "The hand-written bugs: each fault next to the correct network at the same settings"
FIGURE_TITLE = "Training cost of each fault next to the correct network (same activation, lr and seeds)"


def faults_section(a):
    """HTML of the section, or None when no run has a fault."""
    if a.metrics is None or not has_faults(a.metrics):
        return None
    pairs = fault_pairs(a.metrics, a.axes)
    sums = sum_check(a.metrics, a.epochs, a.axes)
    shown = {c: (c, str) for c in context_columns(a.axes)}
    parts = [
        paragraph(["Faults, planted on purpose (study/faults.py): " + "; ".join(descriptions(pairs)) + ".",
                   "Each fault run is compared with the run of the correct network (fault = none) with the same "
                   "activation, learning rate, seed and every other setting; fault runs are never pooled with "
                   "correct ones. Nothing is selected here: accuracies are given at the last epoch and at each "
                   "run's own validation-chosen epoch (validation chooses the epoch, test is reported there)."]),
        table_html(side_by_side(a.metrics, a.axes), {"network": SHOWN["network"], **shown,
                                                     **{k: v for k, v in SHOWN.items() if k != "network"}}),
        *[paragraph([s]) for s in fault_sentences(a.metrics, pairs)],
        paragraph(class_mean_sentences(class_mean_check(a.metrics, a.epochs, pairs))),
        paragraph(sum_sentences(sums, a.metrics)),
        section_figure(a, fault_curves(a.epochs, pairs, sums), "fault_curves", FIGURE_TITLE),
    ]
    return "".join(part for part in parts if part and part != "<p></p>")
