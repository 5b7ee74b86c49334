"""From a results folder to metrics.csv, summary.csv, compare.csv, budgets.csv, figures/ and report.html."""

from pathlib import Path

from analysis.figures.registry import make_figures
from results_io import write_csv, write_text
from analysis.report.build import build_report
from analysis.metrics.spikiness import SPIKE_TAU
from analysis.aggregate.tables import compute

TABLES = ("metrics", "summary", "compare", "budgets", "eos")  # Analysis attribute -> <name>.csv
FILE_NAMES = {"eos": "eos_table"}


def analyze(folder, tau=SPIKE_TAU):
    """Write every output of the analysis into `folder`; returns (paths written, the Analysis).

    Everything is computed before the first file is written, so bad input writes nothing.
    """
    folder = Path(folder)
    a = compute(folder, tau)
    written = []
    for name in TABLES:
        table = getattr(a, name)
        if table is not None and not table.empty:
            written.append(write_csv(folder / f"{FILE_NAMES.get(name, name)}.csv", table))
    a.figures = make_figures(a.metrics, a.summary, a.epochs, folder / "figures", tau)
    written += [path for _, path in a.figures.values()]
    written.append(write_text(folder / "report.html", build_report(a)))
    return written, a
