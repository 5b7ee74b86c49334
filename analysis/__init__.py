"""Analysis of a results folder: spikiness, accuracy, figures, answers and an HTML report.

Reads only the files a sweep writes (runs.csv, epochs.csv, manifest.json); never imports the trainer.
"""

from analysis.errors import ResultsError
from analysis.load.results import load_results

__all__ = ["ResultsError", "load_results"]
