"""The numbers of an analysis, computed in memory: metrics, summary, compare, budgets, eos (no files)."""

import time

from analysis.aggregate.budgets import budget_table
from analysis.aggregate.compare import compare_table
from analysis.aggregate.summary import summary_table
from analysis.load.folder import load_folder
from analysis.metrics.eos import eos_table, has_sharpness
from analysis.metrics.per_run import metrics_table
from analysis.metrics.spikiness import SPIKE_TAU


def compute(folder, tau=SPIKE_TAU, timings=None):
    """The Analysis of a folder with metrics, summary, compare, budgets and eos tables filled in.

    timings: a dict that receives the seconds spent loading, on per-run metrics and on the summaries.
    """
    timings = {} if timings is None else timings
    start = time.perf_counter()
    a = load_folder(folder, tau)
    timings["load"], start = time.perf_counter() - start, time.perf_counter()
    a.metrics = metrics_table(a.runs, a.epochs, a.axes, tau)
    timings["metrics"], start = time.perf_counter() - start, time.perf_counter()
    a.summary = summary_table(a.metrics, a.axes)
    a.compare = compare_table(a.metrics, a.summary, a.axes)
    a.budgets = budget_table(a.summary, a.axes)
    a.eos = eos_table(a.metrics) if has_sharpness(a.epochs) else None
    timings["summary"] = time.perf_counter() - start
    return a
