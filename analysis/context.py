"""Everything one analysis of a results folder computed, handed to the report's sections."""

from dataclasses import dataclass, field

import pandas as pd

from analysis.load.axes import Axes
from analysis.metrics.spikiness import SPIKE_TAU


@dataclass
class Analysis:
    name: str  # the experiment's name (manifest) or the folder's
    runs: pd.DataFrame  # one row per analysed run (the manifest's current grid only)
    epochs: pd.DataFrame  # their epoch rows
    manifest: dict
    axes: Axes
    left_out: int = 0  # runs in the tables that belong to an earlier grid of the folder
    metrics: pd.DataFrame = None  # metrics.csv
    summary: pd.DataFrame = None  # summary.csv
    eos: pd.DataFrame = None  # eos_table.csv, or None without sharpness
    compare: pd.DataFrame = None  # compare.csv: paired differences between selected settings
    budgets: pd.DataFrame = None  # budgets.csv: ranking at each epoch budget
    figures: dict = field(default_factory=dict)  # name -> (title, png path)
    tau: float = SPIKE_TAU
