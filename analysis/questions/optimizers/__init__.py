"""Beyond full batch: full-batch gd next to mini-batch SGD, momentum and Adam.

It applies when the runs vary `optimizer` or `batch_size`. A method is one combination of the
varying settings other than activation, lr and seed (e.g. optimizer and batch size); each
(activation, method) gets the learning rate chosen on validation (summary.csv's is_selected) and
test is reported only there. Per run, `updates` and `seconds` (its cumulative wall time, which
includes the per-epoch measurements and whatever else ran on the machine) are read from epochs.csv
at its validation-chosen epoch and at the first epoch where it reaches the validation accuracy of
full-batch gd at its selected rate.
"""

import numpy as np
import pandas as pd

from analysis.aggregate.selection import CHOSEN_BY, REPORTED_BY, selected_rows
from analysis.context import Question
from analysis.load.axes import LR, rows_matching, setting_label
from analysis.report.html import paragraph, percent, table_html
from analysis.report.words import number, pct

TITLE = "Beyond full batch: do mini-batches, momentum or Adam smooth the curve, and at what cost?"
OPTIMIZER, BATCH = "optimizer", "batch_size"
DEFAULTS = {OPTIMIZER: "gd", BATCH: 0}  # what a run without the column was trained with
ONE = "{:.0f}".format
SHOWN = {  # column of the selected-settings table -> (heading, format)
    "activation": ("activation", str), "method": ("method", str), LR: ("lr (chosen on validation)", number),
    "n_runs": ("runs", ONE), "n_diverged": ("diverged", ONE),
    "best_val_acc_mean": ("validation: best acc (%), chooses", percent),
    "test_acc_at_best_val_mean": ("test at val-chosen epoch (%), reported", percent),
    "best_val_epoch_mean": ("val-chosen epoch", ONE), "updates_at_best_val": ("updates there", ONE),
    "seconds_at_best_val": ("seconds there", "{:.1f}".format), "seconds_total": ("run seconds", "{:.1f}".format),
    "seconds_to_reference": ("seconds to full-batch gd's val acc", "{:.1f}".format),
    "reached_reference": ("runs reaching it", str), "spiky_runs": ("spiky runs", str),
    "max_stability": ("max stability", "{:.2f}".format),
}


def applies(a):
    """True when the runs vary the update rule or the batch size."""
    return any(c in a.axes.setting_columns for c in (OPTIMIZER, BATCH))


def setting(row, column):
    """The row's optimizer or batch size; the trainer's default where the column is missing or blank."""
    value = row.get(column, DEFAULTS[column])
    return DEFAULTS[column] if pd.isna(value) else value


def method_label(row, columns):
    """'momentum, batch 128' or 'gd, full batch', plus any other varying method setting."""
    batch = int(setting(row, BATCH))
    words = [str(setting(row, OPTIMIZER)), f"batch {batch}" if batch else "full batch"]
    other = setting_label(row, [c for c in columns if c not in (OPTIMIZER, BATCH)])
    return ", ".join(words + ([other] if other else []))


def is_reference(row):
    """Full-batch gradient descent: the object of the study, which the other methods are compared with."""
    return setting(row, OPTIMIZER) == "gd" and int(setting(row, BATCH)) == 0


def method_columns(a):
    """Varying settings that make up a method: every group column (all but lr and seed) except activation."""
    return [c for c in a.axes.group_columns if c != "activation"]


def at_epoch(rows, epoch, column):
    """rows' `column` at `epoch` (NaN when the epoch or the column is missing)."""
    hit = rows.loc[rows["epoch"] == epoch, column] if np.isfinite(epoch) and column in rows.columns else []
    return float(hit.iloc[0]) if len(hit) else np.nan


def run_times(run, rows, target):
    """Updates and seconds at the run's val-chosen epoch, its total seconds, seconds to reach `target`, and
    its largest recorded stability (blank where the trainer left it blank: Adam, or no sharpness)."""
    best = float(run["best_val_epoch"])
    reached = rows.loc[rows["val_acc"] >= target, "epoch"] if np.isfinite(target) else rows.iloc[0:0]["epoch"]
    stability = pd.to_numeric(rows["stability"], errors="coerce") if "stability" in rows.columns else pd.Series([])
    return {"updates_at_best_val": at_epoch(rows, best, "updates"),
            "seconds_at_best_val": at_epoch(rows, best, "seconds"),
            "seconds_total": float(rows["seconds"].max()) if len(rows) else np.nan,
            "seconds_to_reference": at_epoch(rows, float(reached.min()) if len(reached) else np.nan, "seconds"),
            "max_stability": stability.max() if stability.notna().any() else np.nan, "reached": len(reached) > 0}


def reference_targets(chosen):
    """activation -> mean best validation accuracy of full-batch gd at its selected rate (NaN if none)."""
    reference = chosen[[is_reference(row) for _, row in chosen.iterrows()]]
    return dict(zip(reference["activation"], reference["best_val_acc_mean"]))


def method_order(a):
    """Method labels in the order the experiment lists its runs (full-batch gd first when present)."""
    columns = method_columns(a)
    frame = a.runs if all(c in a.runs.columns for c in columns) else a.metrics
    labels = list(dict.fromkeys(frame.apply(lambda row: method_label(row, columns), axis=1)))
    reference = [label for label in labels if label == method_label(pd.Series(DEFAULTS), [])]
    return reference + [label for label in labels if label not in reference]


def in_method_order(table, a, column="method"):
    """Rows by activation (first appearance), then method (method_order)."""
    rank = {label: i for i, label in enumerate(method_order(a))}
    activations = {name: i for i, name in enumerate(dict.fromkeys(table["activation"]))}
    keys = table["activation"].map(activations) * len(rank) + table[column].map(rank)
    return table.loc[keys.sort_values(kind="stable").index].reset_index(drop=True)


def selected_table(a):
    """One row per (activation, method) at its validation-chosen lr: summary means plus run times."""
    summary = a.summary
    chosen = selected_rows(summary)
    targets, columns = reference_targets(chosen), method_columns(a)
    by_run = dict(tuple(a.epochs.groupby("run_id", sort=False)))
    table = []
    for _, row in chosen.iterrows():
        runs = rows_matching(a.metrics, row, a.axes.setting_columns)
        target = targets.get(row["activation"], np.nan)
        times = pd.DataFrame([run_times(run, by_run.get(run["run_id"], a.epochs.iloc[0:0]), target)
                              for _, run in runs.iterrows()])
        spiky = runs["spiky"].dropna().astype(bool)
        table.append({**row.to_dict(), "method": method_label(row, columns), "reference": is_reference(row),
                      **times.drop(columns=["reached", "max_stability"]).mean().to_dict(),
                      "reached_reference": f"{int(times['reached'].sum())}/{len(times)}" if np.isfinite(target) else "",
                      "spiky_runs": f"{int(spiky.sum())}/{len(spiky)}", "max_stability": times["max_stability"].max()})
    return in_method_order(pd.DataFrame(table), a) if table else pd.DataFrame(table)


def smooth_sentences(a):
    """Per method, spiky runs among all its runs (every rate and activation)."""
    columns = method_columns(a)
    runs = a.metrics.assign(method=a.metrics.apply(lambda row: method_label(row, columns), axis=1))
    counts = {label: rows["spiky"].dropna().astype(bool) for label, rows in runs.groupby("method", sort=False)}
    parts = [f"{label} {int(counts[label].sum())} of {len(counts[label])}" for label in method_order(a)
             if label in counts]
    return ["Spiky runs per method, over all its learning rates and activations (the training cost is recorded at "
            "the end of each epoch on the whole training set, so a mini-batch run's curve is comparable with a "
            "full-batch one; the noise between its updates is not in it): " + "; ".join(parts) + "."]


def names(rows):
    """'relu gd, batch 128; tanh adam, full batch' (or 'none')."""
    return "; ".join(f"{r['activation']} {r['method']}" for _, r in rows.iterrows()) or "none"


def chosen_smoothness(table):
    smooth = table["spiky_runs"].str.startswith("0/")
    return [f"At the rates chosen on {CHOSEN_BY}, no seed spiky: {names(table[smooth])}. "
            f"Some seed spiky: {names(table[~smooth])}."]


def describe(row):
    epoch, updates, seconds = row["best_val_epoch_mean"], row["updates_at_best_val"], row["seconds_at_best_val"]
    return (f"lr {number(row[LR])}: {CHOSEN_BY} {pct(row['best_val_acc_mean'])}, {REPORTED_BY} "
            f"{pct(row['test_acc_at_best_val_mean'])} at its {CHOSEN_BY}-chosen epoch {epoch:.0f} ({updates:.0f} "
            f"updates, {seconds:.1f} s)")


def best_sentences(table):
    """Per activation: the method with the best validation accuracy, full-batch gd, and who matched gd sooner."""
    sentences = []
    for activation, rows in table.groupby("activation", sort=False):
        best = rows.sort_values("best_val_acc_mean", ascending=False, kind="stable").iloc[0]
        text = f"{activation}: best on {CHOSEN_BY} {best['method']} at {describe(best)}"
        reference = rows[rows["reference"].astype(bool)]
        if len(reference):
            ref = reference.iloc[0]
            others = rows[~rows["reference"].astype(bool)]
            sooner = others[others["seconds_to_reference"] < ref["seconds_to_reference"]]
            text += "" if best["reference"] else f"; full-batch gd at {describe(ref)}"
            text += (f". In fewer seconds than full-batch gd ({ref['seconds_to_reference']:.1f} s) to its {CHOSEN_BY} "
                     f"accuracy: {len(sooner)} of {len(others)} methods"
                     + (" (" + ", ".join(f"{r['method']} {r['seconds_to_reference']:.1f} s"
                                         for _, r in sooner.iterrows()) + ")" if len(sooner) else ""))
        sentences.append(text + ".")
    return sentences


def stability_sentences(table, contract):
    """What the stability column means per optimizer, and the range of its largest values per method."""
    thresholds = {name: facts["threshold"] for name, facts in contract.optimizers.items() if facts["threshold"]}
    notes = ["Stability is sharpness over the optimizer's own threshold: " + ", ".join(
        f"{name} {threshold}" for name, threshold in thresholds.items()) + "; adam's is left blank, since its "
             "threshold is on the preconditioned Hessian (Cohen et al., 2022), which the probe does not measure. "
             "Both thresholds are for full-batch steps on a quadratic: for mini-batch runs sharpness is still "
             "measured on the full-batch cost of a fixed training subset, and a value above 1 does not make their "
             "noisy steps unstable."]
    measured = table.dropna(subset=["max_stability"]) if "max_stability" in table.columns else table.iloc[0:0]
    if len(measured):
        ranges = [f"{method} {rows['max_stability'].min():.2f} to {rows['max_stability'].max():.2f}"
                  for method, rows in measured.groupby("method", sort=False)]
        notes.append(f"Largest recorded stability per run at the chosen rates, lowest to highest over activations "
                     f"(1 = the threshold): {'; '.join(ranges)}.")
    return notes


def html(a, numbers, figures):
    table = numbers
    parts = [paragraph(smooth_sentences(a))]
    if table.empty:
        parts.append(paragraph(["No validation accuracy in these runs, so no rate was chosen per method."]))
    else:
        parts += [paragraph(chosen_smoothness(table)), paragraph(best_sentences(table)),
                  table_html(table, SHOWN),
                  paragraph([f"Chosen on {CHOSEN_BY}, reported on {REPORTED_BY}; means over seeds. Seconds are each "
                             "run's cumulative wall time (measurements included; runs shared the machine's cores)."])]
    parts.append(paragraph(stability_sentences(table, a.contract)))
    return "".join(parts)


QUESTION = Question(name="optimizers", title=TITLE, applies=applies, compute=selected_table, html=html)
