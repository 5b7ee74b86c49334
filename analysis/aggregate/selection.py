"""Choices made from results, all on validation numbers: the lr of each setting group, the ranking.

Per group of the setting columns other than lr (e.g. per activation, or per activation and hidden
sizes), the selected learning rate is the one with the highest mean best validation accuracy
(`best_val_acc_mean`), the smaller lr on a tie. Test numbers are only reported at the selection.
Without validation numbers nothing is selected.
"""

import numpy as np

from analysis.load.axes import LR, summary_setting_columns

SELECT_BY = "best_val_acc_mean"  # summary column that chooses
CHOSEN_BY = "validation"  # the split that chooses, named in every table and sentence
REPORTED_BY = "test"  # the split reported at the choice


def has_validation(frame):
    """True when some run has a validation accuracy (the folder was trained with n_val > 0)."""
    column = SELECT_BY if SELECT_BY in frame.columns else "best_val_acc"
    return column in frame.columns and bool(np.isfinite(frame[column].to_numpy(dtype=float)).any())


def group_columns(summary):
    """The setting columns other than lr: one lr is selected per combination of them."""
    return [c for c in summary_setting_columns(summary) if c != LR]


def has_choice(summary):
    """True when some group holds more than one setting (so there is an lr to choose)."""
    groups = group_columns(summary)
    return bool(summary.duplicated(groups).any()) if groups else len(summary) > 1


def selected_rows(summary):
    """One row per group: the highest SELECT_BY (smaller lr on ties); empty without validation."""
    if not has_validation(summary):
        return summary.iloc[0:0]
    if "fault" in summary.columns:  # a network with a planted bug is never chosen, ranked or compared
        summary = summary[summary["fault"].astype(str) == "none"]
    sort_by, ascending = [SELECT_BY], [False]
    if LR in summary.columns:
        sort_by, ascending = [SELECT_BY, LR], [False, True]
    ranked = summary.dropna(subset=[SELECT_BY]).sort_values(sort_by, ascending=ascending, kind="stable")
    groups = group_columns(summary)
    chosen = ranked.groupby(groups, sort=False, dropna=False).head(1) if groups else ranked.head(1)
    return summary.loc[sorted(chosen.index)]


def mark_selected(summary):
    """summary with `is_selected` True on each group's validation-selected row."""
    summary = summary.copy()
    summary["is_selected"] = False
    if len(summary):
        summary.loc[selected_rows(summary).index, "is_selected"] = True
    return summary


def ranking(summary, by=SELECT_BY):
    """The selected rows, best first by `by` (a validation column); ties keep grid order."""
    chosen = summary[summary["is_selected"].astype(bool)] if "is_selected" in summary.columns else summary.iloc[0:0]
    return chosen.dropna(subset=[by]).sort_values(by, ascending=False, kind="stable")
