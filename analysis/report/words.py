"""How numbers and settings are written in the report's sentences."""

import numpy as np

from analysis.load.axes import LR, setting_label


def pct(fraction):
    """0.9543 -> '95.43%' ('n/a' when unknown)."""
    return f"{100 * fraction:.2f}%" if np.isfinite(fraction) else "n/a"


def points(difference, signed=True):
    """A difference of fractions in percentage points: 0.0123 -> '+1.23'."""
    return f"{100 * difference:{'+' if signed else ''}.2f}" if np.isfinite(difference) else "n/a"


def number(value):
    return f"{value:g}" if isinstance(value, (int, float, np.floating, np.integer)) else str(value)


def lr_list(lrs):
    return ", ".join(number(lr) for lr in lrs)


def group_label(row, axes):
    """A group of settings (one lr chosen per group) named by its columns, e.g. 'relu, hidden 32'."""
    columns = list(axes.group_columns)
    if not columns:
        columns = ["activation"] if "activation" in row.index else []
    return setting_label(row, columns) or "all runs"


def chosen_label(row, axes):
    """A selected setting: its group and its lr, e.g. 'relu, hidden 32 at lr 0.5'."""
    lr = f" at lr {number(row[LR])}" if LR in row.index else ""
    return group_label(row, axes) + lr


def groups_of(summary, axes):
    """(label, rows) per group of settings that share everything but lr, in grid order."""
    columns = list(axes.group_columns)
    if not columns:
        return [(group_label(summary.iloc[0], axes), summary)] if len(summary) else []
    grouped = summary.groupby(columns, sort=False, dropna=False)
    return [(group_label(rows.iloc[0], axes), rows) for _, rows in grouped]


def interval(row, column):
    """'95% interval 95.10% to 95.70%, n=10' of a summary column, or why there is none."""
    n = row.get(f"{column}_n", 0)
    if not n or n < 2:
        return f"n={n:.0f}, no interval"
    return f"95% interval {pct(row[f'{column}_ci_low'])} to {pct(row[f'{column}_ci_high'])}, n={n:.0f}"
