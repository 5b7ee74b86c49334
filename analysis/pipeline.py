"""From a results folder to its tables, figures, answers and report.html.

Every number is computed before the first file is written, and the folder is checked to be
writable first, so bad input or a read-only folder writes nothing.
"""

import json
import os
import time
from pathlib import Path

from analysis.aggregate.compute import compute
from analysis.context import Section
from analysis.errors import ResultsError
from analysis.figures.save import save_figure
from analysis.figures.style import activation_colors, plt
from analysis.metrics.spikiness import SPIKE_TAU
from analysis.questions import QUESTIONS
from analysis.report.build import answers_document, build_report
from results_io import write_csv, write_text

TABLES = ("metrics", "summary", "compare", "budgets", "eos")  # Analysis attribute -> <name>.csv
FILE_NAMES = {"eos": "eos_table"}


def answer(a, questions=None):
    """[Section] of every question that applies to `a`, its numbers, figures to draw and answers computed."""
    sections = []
    for question in QUESTIONS if questions is None else questions:
        if question.applies(a):
            numbers = question.compute(a)
            figures, answers = question.figures(a, numbers), question.answers(a, numbers)
            sections.append(Section(question, numbers, figures, answers=answers))
    return sections


def check_writable(folder):
    """ResultsError unless the folder and its figures/ can take new files (before anything is computed)."""
    if not folder.is_dir():
        return  # load_folder says so
    figures = folder / "figures"
    if figures.exists() and not figures.is_dir():
        raise ResultsError(f"{figures} is a file, and the figures go in a folder of that name; move or delete it")
    for place in (folder, figures if figures.is_dir() else None):
        if place is not None and not os.access(place, os.W_OK | os.X_OK):
            raise ResultsError(f"cannot write in {place}: read-only; copy the results folder somewhere writable "
                               "(its tables are all the analysis needs) and analyse the copy")


def draw(a, sections, folder):
    """Draw and save every section's figures (PNG and SVG in folder/figures); returns their count."""
    count = 0
    with activation_colors(a.contract.colors()):
        for section in sections:
            for figure in section.figures:
                drawn = figure.draw()
                try:
                    section.drawn[figure.stem] = (figure.title, save_figure(drawn, folder / "figures", figure.stem))
                finally:
                    plt.close(drawn)
                count += 1
    return count


def analyze(folder, tau=SPIKE_TAU, questions=None, timings=None):
    """Write every output of the analysis into `folder`; returns (paths written, the Analysis, its sections).

    timings: a dict that receives the seconds each stage took (load, metrics, summary, figures, report).
    """
    folder, clock, timings = Path(folder), time.perf_counter(), {} if timings is None else timings
    check_writable(folder)
    a = compute(folder, tau, timings)
    start = time.perf_counter()
    sections = answer(a, questions)
    written = []
    for name in TABLES:
        table = getattr(a, name)
        if table is not None and not table.empty:
            written.append(write_csv(folder / f"{FILE_NAMES.get(name, name)}.csv", table))
    for section in sections:
        for stem, table in section.question.tables(a, section.numbers):
            written.append(write_csv(folder / f"{stem}.csv", table))
    timings["summary"] = timings.get("summary", 0.0) + time.perf_counter() - start
    start = time.perf_counter()
    draw(a, sections, folder)
    written += [path for section in sections for _, path in section.drawn.values()]
    timings["figures"] = time.perf_counter() - start
    start = time.perf_counter()
    written.append(write_text(folder / "answers.json", json.dumps(answers_document(a, sections), indent=2) + "\n"))
    written.append(write_text(folder / "report.html", build_report(a, sections)))
    timings["report"] = time.perf_counter() - start
    timings["total"] = time.perf_counter() - clock
    return written, a, sections


def report_of(a, questions=None):
    """report.html's text for Analysis `a`, its figures not drawn (for tests and quick looks)."""
    return build_report(a, answer(a, questions))
