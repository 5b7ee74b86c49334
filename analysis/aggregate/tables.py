"""Every table of an analysis, computed in memory (no files, no figures)."""

from analysis.aggregate.summary import summary_table
from analysis.aggregate.budgets import budget_table
from analysis.aggregate.compare import compare_table
from analysis.metrics.eos import eos_table, has_sharpness
from analysis.load.folder import load_folder
from analysis.metrics.per_run import metrics_table
from analysis.metrics.spikiness import SPIKE_TAU


def compute(folder, tau=SPIKE_TAU):
    """The Analysis of a folder with metrics, summary, compare, budgets and eos tables filled in."""
    a = load_folder(folder, tau)
    a.metrics = metrics_table(a.runs, a.epochs, tau, a.axes)
    a.summary = summary_table(a.metrics, a.axes)
    a.compare = compare_table(a.metrics, a.summary)
    a.budgets = budget_table(a.summary)
    a.eos = eos_table(a.metrics) if has_sharpness(a.epochs) else None
    return a
