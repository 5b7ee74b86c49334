"""Ranking at equal budgets: at epoch 25, 50, 100, 200 and the last, which group leads on validation?

At each budget every group (e.g. activation) gets the lr with the highest mean validation accuracy
at that epoch (smaller lr on ties), then the groups are ranked by it; test accuracy at the same
epoch is reported beside it. budgets.csv holds the table, one row per (budget, group).
"""

import numpy as np
import pandas as pd

from analysis.aggregate.selection import CHOSEN_BY, REPORTED_BY, has_validation
from analysis.load.axes import LR
from analysis.metrics.accuracy import BUDGET_NAMES
from analysis.report.words import chosen_label, groups_of

STATS = ("mean", "ci_low", "ci_high", "n")


def best_at(rows, column):
    """The row of `rows` with the highest `column` (smaller lr on ties), or None when all are blank."""
    usable = rows.dropna(subset=[column])
    if usable.empty:
        return None
    by, ascending = ([column, LR], [False, True]) if LR in usable.columns else ([column], [False])
    return usable.sort_values(by, ascending=ascending, kind="stable").iloc[0]


def budget_rows(summary, axes, budget):
    """One row per group at `budget`: its lr chosen there on validation, val and test stats, rank."""
    val, test = f"val_acc_at_{budget}", f"test_acc_at_{budget}"
    found = []
    for label, rows in groups_of(summary, axes):
        best = best_at(rows, f"{val}_mean")
        if best is None:
            continue
        found.append({"budget": budget, "group": label, **{c: best[c] for c in axes.group_columns},
                      "lr": best.get(LR, np.nan), "setting": chosen_label(best, axes),
                      **{f"val_acc_{s}": best.get(f"{val}_{s}", np.nan) for s in STATS},
                      **{f"test_acc_{s}": best.get(f"{test}_{s}", np.nan) for s in STATS},
                      "chosen_by": CHOSEN_BY, "reported_by": REPORTED_BY})
    frame = pd.DataFrame(found)
    if len(frame):
        frame["rank"] = frame["val_acc_mean"].rank(ascending=False, method="min").astype(int)
    return frame


def budget_table(summary, axes):
    """budgets.csv: per budget with data, each group's validation-chosen lr, accuracies and rank."""
    if not has_validation(summary):
        return pd.DataFrame()
    tables = [budget_rows(summary, axes, b) for b in BUDGET_NAMES if f"val_acc_at_{b}_mean" in summary.columns]
    tables = [t for t in tables if len(t)]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
