"""report.html: one self-contained page built from a table of sections, plus the terminal's headline.

SECTIONS lists (title, section(analysis) -> HTML text or None); a section returning None is left out.
To add a section (the kink, the learner's faults, optimizers, ...), add an entry; nothing else changes.
"""

import html

from analysis.aggregate.budgets import budget_sentences
from analysis.report.choice import headline_choice, ranking_sentences, selection_sentences
from analysis.aggregate.compare import compare_sentences
from analysis.questions.faults.text import TITLE as FAULTS_TITLE, faults_section
from analysis.questions.kink.text import TITLE as KINK_TITLE, kink_section
from analysis.report.narrative import eos_sentences, selected_spikiness, spikes_and_accuracy, spiky_settings
from analysis.report.notes import data_notes, data_sentences
from analysis.questions.optimizers.section import TITLE as OPTIMIZERS_TITLE, optimizers_section
from analysis.questions.overfit.numbers import overfit_sentences
from analysis.report.html import SUMMARY_SHOWN, eos_table_html, figures_html, page, paragraph, table_html
from analysis.aggregate.selection import has_validation
from analysis.metrics.spikiness import UP_RATIO_LIMIT

HEADLINE_PAIRS = 3  # paired comparisons printed in the terminal (all are in the report)


def data_section(a):
    return paragraph(data_sentences(a)) + "".join(paragraph([note], "note") for note in data_notes(a))


def choice_section(a):
    return "".join(paragraph([s]) for s in selection_sentences(a.summary))


def ranking_section(a):
    return paragraph(ranking_sentences(a.summary))


def compare_section(a):
    if a.compare is None or a.compare.empty:
        return None
    return "".join(paragraph([s]) for s in compare_sentences(a.compare))


def spiky_section(a):
    return "".join(paragraph([s]) for s in spiky_settings(a.summary, a.tau))


def spikes_hurt_section(a):
    return paragraph(spikes_and_accuracy(a.metrics, a.axes.setting_columns) + selected_spikiness(a.summary))


def budgets_section(a):
    return paragraph(budget_sentences(a.budgets)) if has_validation(a.summary) else None


def overfit_section(a):
    return "".join(paragraph([s]) for s in overfit_sentences(a.summary, a.metrics))


def eos_section(a):
    return None if a.eos is None else paragraph(eos_sentences(a.eos, a.metrics)) + eos_table_html(a.eos)


def figures_section(a):
    return figures_html(a.figures) if a.figures else None


def test_only_where_selected(summary):
    """The summary with test columns blank outside the selected rows (all kept without validation)."""
    if not has_validation(summary):
        return summary
    tests = [c for c in summary.columns if "test_acc" in c]
    return summary.assign(**{c: summary[c].where(summary["is_selected"].astype(bool)) for c in tests})


def summary_section(a):
    shown = {c: (c, str) for c in a.axes.setting_columns}
    where = (" Test columns are filled only at the selected rows (summary.csv has them all)."
             if has_validation(a.summary) else "")
    return table_html(test_only_where_selected(a.summary), {**shown, **SUMMARY_SHOWN}) + paragraph([
        f"One row per setting ({', '.join(a.axes.setting_columns) or 'a single setting'}); seeds pooled, nothing "
        f"else. Spiky: some epoch's training cost above (1 + {a.tau:g}) x the lowest cost so far, or the rises of "
        f"log cost summing to at least {UP_RATIO_LIMIT:g} x its net fall. Intervals: mean +- t(0.975, n-1) x "
        "sd / sqrt(n) across seeds (scipy.stats), not clipped, so an accuracy interval can pass 100% with few "
        "seeds. 'selected' marks each group's lr chosen on validation. Per-run numbers are in metrics.csv, "
        "per-setting numbers in summary.csv, paired comparisons in compare.csv, budgets in budgets.csv." + where])


SECTIONS = [
    ("The data", data_section),
    ("How the learning rates were chosen (validation) and what they reach (test)", choice_section),
    ("Ranking of the selected settings", ranking_section),
    ("Paired comparison at the selected settings (same seeds)", compare_section),
    ("Which settings give spiky cost curves?", spiky_section),
    ("Do the spikes hurt the accuracy?", spikes_hurt_section),
    ("Does the winner depend on the training budget?", budgets_section),
    ("Overfitting: train, validation and test accuracy at the selected settings", overfit_section),
    ("Did sharpness reach 2/lr, and does that go with spikes?", eos_section),
    (FAULTS_TITLE, faults_section),
    (KINK_TITLE, kink_section),
    (OPTIMIZERS_TITLE, optimizers_section),
    ("Figures", figures_section),
    ("Summary per setting", summary_section),
]


def build_report(a, sections=SECTIONS):
    """The HTML text of the report of Analysis `a`."""
    parts = [f"<h1>Activation study: {html.escape(a.name)}</h1>"]
    for title, section in sections:
        body = section(a)
        if body:
            parts += [f"<h2>{html.escape(title)}</h2>", body]
    return page(a.name, parts)


def headline(a):
    """A few lines for the terminal: what was chosen, whether it is established, how spiky."""
    lines = [headline_choice(a.summary)]
    if a.compare is not None and not a.compare.empty:
        lines += compare_sentences(a.compare)[1:1 + HEADLINE_PAIRS]
    lines.append(spiky_settings(a.summary, a.tau)[0])
    if a.left_out:
        lines.append(f"{a.left_out} run(s) of an earlier grid in this folder were left out.")
    return lines
