"""What was run: counts, every axis, and the warnings (left out, partial, unlisted, failed, few seeds)."""

from analysis.aggregate.selection import has_validation
from analysis.context import Answer, Question
from analysis.load.axes import IDENTITY, manifest_grid
from analysis.load.checks import runs_without_cost
from analysis.report.html import paragraph
from analysis.report.words import number

MAX_VALUES_SHOWN = 8
FEW_SEEDS = 3  # fewer seeds than this per setting: say the intervals are wide


def values_text(values):
    shown = [number(v) for v in values[:MAX_VALUES_SHOWN]]
    return ", ".join(shown) + (f", ... ({len(values)} values)" if len(values) > MAX_VALUES_SHOWN else "")


def axis_sentence(runs, axes):
    """Every config column: the varying ones with their values, then the constant ones."""
    varying = [f"{c} ({values_text(list(dict.fromkeys(runs[c])))})" for c in axes.varying]
    constant = [f"{c} = {number(runs[c].iloc[0])}" for c in axes.config_columns
                if c not in axes.varying and c != IDENTITY]
    text = f"Axes that vary: {'; '.join(varying) if varying else 'none'}."
    return text + (f" Same in every run: {', '.join(constant)}." if constant else "")


def data_sentences(a):
    status = a.runs["status"].value_counts()
    counts = ", ".join(f"{status.get(s, 0)} {s}" for s in ("ok", "diverged", "failed"))
    settings = ", ".join(a.axes.setting_columns) or "nothing"
    return [f"{len(a.runs)} run(s): {counts}.", axis_sentence(a.runs, a.axes),
            f"One setting = one combination of {settings}; the seeds of a setting are pooled, runs that differ "
            "in any setting never are."]


def data_notes(a):
    """Warnings about what the folder holds, one sentence each."""
    runs, notes = a.runs, []
    if a.left_out:
        notes.append(f"{a.left_out} run(s) in the tables belong to an earlier grid of this folder and were left "
                     "out: only the runs of manifest.json's current grid are analysed.")
    unlisted = int((~runs["listed"].astype(bool)).sum()) if "listed" in runs.columns else 0
    if unlisted:
        notes.append(f"{unlisted} run(s) are in epochs.csv but not in runs.csv (sweep in progress?); "
                     "their status was read off their cost curve.")
    total = len(manifest_grid(a.manifest)) or (a.manifest.get("execution") or {}).get("runs_total")
    if total and total > len(runs):
        notes.append(f"Only {len(runs)} of the experiment's {total} runs are in the folder (a sweep still running, "
                     "or stopped): every number below is from these runs only.")
    failed = runs[runs["status"] == "failed"]
    if len(failed):
        first = str(failed["error"].iloc[0]) if "error" in failed.columns else "no message"
        notes.append(f"{len(failed)} run(s) failed without epochs (first error: {first}).")
    blank = runs_without_cost(a.epochs)
    if blank:
        notes.append(f"{len(blank)} run(s) have epoch rows but no finite training cost (all blank), so they have "
                     f"no spikiness: {', '.join(blank[:5])}{' ...' if len(blank) > 5 else ''}.")
    if not has_validation(a.metrics):
        notes.append("No validation numbers (n_val = 0): no learning rate, epoch or activation was selected.")
    seeds = a.summary["n_runs"].max() if a.summary is not None and len(a.summary) else 0
    if 0 < seeds < FEW_SEEDS:
        notes.append(f"At most {seeds:.0f} seed(s) per setting: intervals are wide and small differences cannot be "
                     "established; confirm the chosen settings with more seeds (make confirm).")
    return notes


def compute(a):
    return {"notes": data_notes(a)}


def html(a, numbers, figures):
    return paragraph(data_sentences(a)) + "".join(paragraph([note], "note") for note in numbers["notes"])


def answers(a, numbers):
    return [Answer("warning", note) for note in numbers["notes"]]


QUESTION = Question(name="data", title="What was run, and what to keep in mind", applies=lambda a: True,
                    compute=compute, html=html, answers=answers)
