"""From a results folder to metrics.csv, summary.csv, eos_table.csv, figures/ and report.html."""

from pathlib import Path

from analysis.aggregate import summary_table
from analysis.eos import eos_table, has_sharpness
from analysis.figures import make_figures
from analysis.load import experiment_name, load_manifest, load_results
from analysis.metrics import metrics_table
from analysis.output import write_csv, write_text
from analysis.report import build_report
from analysis.spikiness import SPIKE_TAU


def analyze(folder, tau=SPIKE_TAU):
    """Write every output of the analysis into `folder`; returns the paths written."""
    folder = Path(folder)
    runs, epochs = load_results(folder)
    metrics = metrics_table(runs, epochs, tau)
    summary = summary_table(metrics)
    written = [write_csv(folder / "metrics.csv", metrics), write_csv(folder / "summary.csv", summary)]
    eos = eos_table(metrics) if has_sharpness(epochs) else None
    if eos is not None:
        written.append(write_csv(folder / "eos_table.csv", eos))
    figures = make_figures(metrics, summary, epochs, folder / "figures", tau)
    written += [path for _, path in figures.values()]
    manifest = load_manifest(folder)
    html = build_report(experiment_name(folder), runs, metrics, summary, figures, eos, manifest, tau)
    written.append(write_text(folder / "report.html", html))
    return written
