"""The remedy a run trained with, as one readable setting: 'constant rate', or 'cosine to 0.01 + warm-up 10'.

The trainer's contract names the remedy settings (schedule, warm-up, clipping, weight decay) and the
value that turns each off. When they vary in a folder, its runs get a `remedy` column and the grid's
axes group by it instead of by each remedy setting, so a setting reads 'relu, lr 1, clip 1' rather
than 'relu, lr_schedule constant, lr_final 0, warmup_epochs 0, clip_norm 1, weight_decay 0, lr 1'.
"""

from dataclasses import replace

import numpy as np

from analysis.report.words import number

REMEDY = "remedy"
REFERENCE = "constant rate"  # every remedy off
WORDS = {  # how a remedy setting reads in a label
    "warmup_epochs": lambda v: f"warm-up {number(v)}", "clip_norm": lambda v: f"clip {number(v)}",
    "weight_decay": lambda v: f"weight decay {number(v)}", "lr_final": lambda v: f"to {number(v)}",
    "lr_step_every": lambda v: f"every {number(v)}", "lr_step_factor": lambda v: f"x{number(v)}",
    "lr_schedule": str,
}
SCHEDULE_ONLY = ("lr_final", "lr_step_every", "lr_step_factor")  # a schedule's own settings
ORDER = ("lr_schedule", "warmup_epochs", "clip_norm", "weight_decay")  # the trainer's order; others after


def is_off(value, off):
    try:
        return bool(np.isclose(float(value), float(off)))
    except (TypeError, ValueError):
        return str(value) == str(off)


def remedy_label(row, settings):
    """The settings of `settings` ({name: off value}) that are on in `row`, in words, in the trainer's order
    whatever the order of `settings` (a manifest stores them sorted); a schedule's own settings join it
    ('cosine to 0.01'), and count only with it."""
    on = [c for c, off in settings.items() if c in row.index and not is_off(row[c], off)]
    on.sort(key=lambda c: ORDER.index(c) if c in ORDER else len(ORDER))
    words = []
    for column in on:
        if column in SCHEDULE_ONLY:
            continue
        text = WORDS.get(column, lambda v, c=column: f"{c} {number(v)}")(row[column])
        if column == "lr_schedule":
            text = " ".join([text, *(WORDS[c](row[c]) for c in SCHEDULE_ONLY if c in on)])
        words.append(text)
    return " + ".join(words) or REFERENCE  # a comma already separates the settings of a group label


def with_remedy(runs, axes, contract):
    """(runs, axes) with the `remedy` column and axis when some remedy setting varies, else unchanged."""
    columns = [c for c in contract.remedy_settings if c in axes.varying]
    if not columns:
        return runs, axes
    settings = {c: contract.remedy_settings[c] for c in contract.remedy_settings if c in runs.columns}
    runs = runs.assign(**{REMEDY: [remedy_label(row, settings) for _, row in runs.iterrows()]})

    def swap(names):
        kept = [c for c in names if c not in columns]
        at = kept.index("lr") + 1 if "lr" in kept else len(kept)
        return tuple(kept[:at] + [REMEDY] + kept[at:])

    return runs, replace(axes, config_columns=(*axes.config_columns, REMEDY), varying=swap(axes.varying),
                         setting_columns=swap(axes.setting_columns))
