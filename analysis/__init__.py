"""Analysis of a results folder: spikiness, accuracy, figures and an HTML report.

Reads only the files a sweep writes (runs.csv, epochs.csv, manifest.json); never imports the trainer.
"""

from analysis.load.results import ResultsError, load_results

__all__ = ["ResultsError", "load_results"]
