"""What one analysis of a results folder holds, and the protocol every question of the report follows.

A question (analysis/questions/<name>/) is one folder behind one Question record: whether it
applies to the folder, its numbers (no files), the figures it wants drawn, its section's HTML and
the short answers it contributes to the top of the report. The pipeline (analysis/pipeline.py)
computes every applicable question, writes its tables, draws and saves its figures, and puts each
figure in its question's section.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from analysis.metrics.spikiness import SPIKE_TAU

# The order of the answers at the top of the report: what a learner asks, in the order they ask it.
ANSWER_TOPICS = ("cause", "acceptable", "winner", "budget", "remedy", "warning")


@dataclass
class Analysis:
    name: str  # the experiment's name (manifest) or the folder's
    runs: pd.DataFrame  # one row per analysed run (the manifest's current grid only)
    epochs: pd.DataFrame  # their epoch rows
    manifest: dict
    contract: object  # the trainer's facts (analysis/load/contract.py)
    axes: object  # the grid's axes (analysis/load/axes.py), found once
    left_out: int = 0  # runs in the tables that belong to an earlier grid of the folder
    tau: float = SPIKE_TAU
    metrics: pd.DataFrame = None  # metrics.csv
    summary: pd.DataFrame = None  # summary.csv
    eos: pd.DataFrame = None  # eos_table.csv, or None without sharpness
    compare: pd.DataFrame = None  # compare.csv: paired differences between selected settings
    budgets: pd.DataFrame = None  # budgets.csv: ranking at each epoch budget


@dataclass(frozen=True)
class Figure:
    stem: str  # file name in figures/, without extension
    title: str  # its caption
    draw: Callable  # () -> matplotlib Figure; the pipeline saves and closes it


@dataclass(frozen=True)
class Answer:
    topic: str  # one of ANSWER_TOPICS
    text: str  # one or two sentences, numbers included


def nothing(*args):
    return []


@dataclass(frozen=True)
class Question:
    name: str  # the section's anchor in report.html, and the folder's name
    title: str  # the section's heading
    applies: Callable  # (Analysis) -> bool
    compute: Callable  # (Analysis) -> numbers: anything the other three read
    html: Callable  # (Analysis, numbers, {figure stem: <figure> HTML}) -> the section's body
    figures: Callable = nothing  # (Analysis, numbers) -> [Figure]
    answers: Callable = nothing  # (Analysis, numbers) -> [Answer]
    tables: Callable = nothing  # (Analysis, numbers) -> [(file stem, DataFrame)] written as <stem>.csv


@dataclass
class Section:
    """One applicable question, answered: its numbers, figures (stem -> (title, PNG path)) and answers."""

    question: Question
    numbers: object
    figures: list = field(default_factory=list)  # [Figure] to draw
    drawn: dict = field(default_factory=dict)  # stem -> (title, png path) once drawn
    answers: list = field(default_factory=list)
