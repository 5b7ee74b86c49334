"""The learner's planted faults, each next to the correct network at the same settings (fault = none).

A fault run's partner is the run with `fault` = none and every other config column equal (seed
included), so each comparison is paired by seed and a fault run is never pooled with a correct one.
Nothing is selected here: accuracies are read at the last epoch and at each run's own
validation-chosen epoch (test reported there).
"""

import pandas as pd

from analysis.aggregate.compare import paired_difference
from analysis.load.axes import IDENTITY, REPLICATE, rows_matching, setting_label
from analysis.report.words import pct, points

FAULT = "fault"
CORRECT = "none"
SHOWN = {  # column of the side-by-side table -> (heading, format)
    "network": ("network (fault)", str), "n_runs": ("runs", "{:.0f}".format),
    "n_diverged": ("diverged", "{:.0f}".format),
    "final_val_acc": ("val acc, last epoch (%)", lambda v: f"{100 * v:.2f}"),
    "final_test_acc": ("test acc, last epoch (%)", lambda v: f"{100 * v:.2f}"),
    "best_val_epoch": ("val-chosen epoch", "{:.0f}".format),
    "test_acc_at_best_val": ("test acc at val-chosen epoch (%)", lambda v: f"{100 * v:.2f}"),
    "spiky": ("spiky runs", str), "n_spikes": ("spikes", "{:.1f}".format),
}
MEANS = ("final_val_acc", "final_test_acc", "best_val_epoch", "test_acc_at_best_val", "n_spikes")


def has_faults(frame):
    """True when some run has a fault other than none."""
    return FAULT in frame.columns and bool((frame[FAULT].astype(str) != CORRECT).any())


def pairing_columns(axes):
    """Config columns that must match between a fault run and its partner: all but run_id and fault."""
    return [c for c in axes.config_columns if c not in (IDENTITY, FAULT)]


def context_columns(axes):
    """The varying settings that name a comparison (not fault, not seed)."""
    return [c for c in axes.setting_columns if c != FAULT]


def partner_id(metrics, run, columns, changes=None):
    """run_id of the correct run at the run's settings (with `changes`), or None."""
    found = rows_matching(metrics[metrics[FAULT].astype(str) == CORRECT], run, columns, changes)
    return found[IDENTITY].iloc[0] if len(found) else None


def fault_pairs(metrics, axes):
    """One row per fault run: its run_id, fault, context label, seed and its partner's run_id (or None)."""
    columns = pairing_columns(axes)
    faulty = metrics[metrics[FAULT].astype(str) != CORRECT]
    return pd.DataFrame({
        "run_id": faulty[IDENTITY].to_numpy(), "fault": faulty[FAULT].astype(str).to_numpy(),
        "context": [setting_label(run, context_columns(axes)) for _, run in faulty.iterrows()],
        "seed": faulty[REPLICATE].to_numpy() if REPLICATE in faulty.columns else 0,
        "partner": [partner_id(metrics, run, columns) for _, run in faulty.iterrows()],
    })


def spiky_text(runs):
    curves = runs["spiky"].dropna()
    return f"{int(curves.astype(bool).sum())}/{len(curves)}"


def network_row(label, runs, context):
    """One side-by-side row: a network's runs at one setting, means over their seeds."""
    row = {"network": label, **context, "n_runs": len(runs), "n_diverged": int(runs["status"].eq("diverged").sum()),
           "spiky": spiky_text(runs)}
    return {**row, **{c: float(pd.to_numeric(runs[c], errors="coerce").mean()) for c in MEANS if c in runs.columns}}


def side_by_side(metrics, axes):
    """Per setting that has a fault: the correct network's row, then each fault's (seeds averaged)."""
    shown = context_columns(axes)
    columns = [c for c in pairing_columns(axes) if c != REPLICATE]
    rows = []
    for _, group in metrics.groupby(columns, sort=False, dropna=False) if columns else [(0, metrics)]:
        faults = list(dict.fromkeys(group[FAULT].astype(str)))
        if faults == [CORRECT]:
            continue
        context = {c: group[c].iloc[0] for c in shown}
        for fault in sorted(faults, key=lambda name: name != CORRECT):
            label = "correct (none)" if fault == CORRECT else fault
            rows.append(network_row(label, group[group[FAULT].astype(str) == fault], context))
    return pd.DataFrame(rows)


def fault_difference(metrics, pairs, column):
    """Mean over pairs of (fault run - partner) in `column`, and the number of pairs with both values."""
    values = metrics.set_index(IDENTITY)[column].astype(float)
    usable = pairs.dropna(subset=["partner"])
    faulty = values.loc[usable["run_id"]].reset_index(drop=True)
    correct = values.loc[usable["partner"]].reset_index(drop=True)
    found = paired_difference(faulty, correct)
    return found["mean_diff"], found["n_pairs"]


def fault_sentence(metrics, pairs):
    """What one fault did at one setting, next to the correct network, paired by seed."""
    first = pairs.iloc[0]
    name = f"{first['fault']} ({first['context']})"
    mine = metrics[metrics[IDENTITY].isin(pairs["run_id"])]
    partners = metrics[metrics[IDENTITY].isin(pairs["partner"].dropna())]
    if partners.empty:
        return (f"{name}: no correct run at these settings; final test accuracy {pct(mine['final_test_acc'].mean())}, "
                f"spiky {spiky_text(mine)}, diverged {int(mine['status'].eq('diverged').sum())}/{len(mine)}.")
    final, n = fault_difference(metrics, pairs, "final_test_acc")
    chosen, _ = fault_difference(metrics, pairs, "test_acc_at_best_val")
    return (f"{name}: final test accuracy {pct(mine['final_test_acc'].mean())} against "
            f"{pct(partners['final_test_acc'].mean())} for the correct network at the same settings "
            f"({points(final)} points, paired over {n} seed(s)); at each run's validation-chosen epoch "
            f"{pct(mine['test_acc_at_best_val'].mean())} against {pct(partners['test_acc_at_best_val'].mean())} "
            f"({points(chosen)}); spiky {spiky_text(mine)} against {spiky_text(partners)}; diverged "
            f"{int(mine['status'].eq('diverged').sum())}/{len(mine)} against "
            f"{int(partners['status'].eq('diverged').sum())}/{len(partners)}.")


def fault_sentences(metrics, pairs):
    """One sentence per (fault, setting), in the order the experiment lists them."""
    order = list(dict.fromkeys(pairs["fault"]))
    groups = sorted(pairs.groupby(["fault", "context"], sort=False), key=lambda item: order.index(item[0][0]))
    return [fault_sentence(metrics, group) for _, group in groups]


def descriptions(pairs, contract):
    """'sigmoid_prime = sigmoid's derivative written ...' for the faults present (the trainer's words)."""
    known = contract.faults
    return [f"{name} = {known.get(name, {}).get('description', 'a fault the trainer did not describe')}"
            for name in dict.fromkeys(pairs["fault"])]
