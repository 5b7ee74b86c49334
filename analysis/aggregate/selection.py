"""Choices made from results, all on validation numbers: the lr of each setting group, the ranking.

Per group of the setting columns other than lr (e.g. per activation, or per activation and hidden
sizes), the selected learning rate is the one with the highest mean best validation accuracy
(`best_val_acc_mean`), the smaller lr on a tie. Test numbers are only reported at the selection.
Without validation numbers nothing is selected. The choice is made once, as summary.csv's
`is_selected`; everything else reads that column (selected_rows).
"""

import numpy as np
import pandas as pd

from analysis.load.axes import LR

SELECT_BY = "best_val_acc_mean"  # summary column that chooses
CHOSEN_BY = "validation"  # the split that chooses, named in every table and sentence
REPORTED_BY = "test"  # the split reported at the choice


def has_validation(frame):
    """True when some run has a validation accuracy (the folder was trained with n_val > 0)."""
    column = SELECT_BY if SELECT_BY in frame.columns else "best_val_acc"
    return column in frame.columns and bool(np.isfinite(frame[column].to_numpy(dtype=float)).any())


def has_choice(summary, axes):
    """True when some group holds more than one setting (so there is an lr to choose)."""
    groups = list(axes.group_columns)
    return bool(summary.duplicated(groups).any()) if groups else len(summary) > 1


def choose(summary, axes):
    """The index of each group's row with the highest SELECT_BY (smaller lr on ties); empty without validation."""
    if not has_validation(summary):
        return summary.index[:0]
    if "fault" in summary.columns:  # a network with a planted bug is never chosen, ranked or compared
        summary = summary[summary["fault"].astype(str) == "none"]
    sort_by, ascending = [SELECT_BY], [False]
    if LR in summary.columns:
        sort_by, ascending = [SELECT_BY, LR], [False, True]
    ranked = summary.dropna(subset=[SELECT_BY]).sort_values(sort_by, ascending=ascending, kind="stable")
    groups = list(axes.group_columns)
    chosen = ranked.groupby(groups, sort=False, dropna=False).head(1) if groups else ranked.head(1)
    return sorted(chosen.index)


def mark_selected(summary, axes):
    """summary with `is_selected` True on each group's validation-selected row."""
    summary = summary.copy()
    summary["is_selected"] = False
    if len(summary):
        summary.loc[choose(summary, axes), "is_selected"] = True
    return summary


def is_selected(summary):
    """Boolean Series: the rows summary.csv marks `is_selected` (none without validation)."""
    if "is_selected" not in summary.columns:
        return pd.Series(False, index=summary.index)
    return summary["is_selected"].astype(bool)


def selected_rows(summary):
    """The rows summary.csv marks `is_selected`."""
    return summary[is_selected(summary)]


def ranking(summary, by=SELECT_BY):
    """The selected rows, best first by `by` (a validation column); ties keep grid order."""
    return selected_rows(summary).dropna(subset=[by]).sort_values(by, ascending=False, kind="stable")
