"""Which columns of a results folder are run settings, which of them vary, and how runs group.

Learned from the results themselves, never from a hard-coded list of settings:
config columns = the keys of the manifest's current grid when it has one, else the columns of
runs.csv before `status` that are not measurements (the trainer's contract says which are). A
setting is one combination of the varying config columns other than the replicate (seed) and the
run id: runs that differ in any setting are never pooled. The axes are found once per analysis
(analysis/load/folder.py) and carried in its context.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

IDENTITY = "run_id"
REPLICATE = "seed"  # runs that differ only in this are repeats of one setting
LR = "lr"  # the axis that validation selects per group of the other settings
RUN_RESULT_START = "status"  # runs.csv: config columns come before this one
BARE_COLUMNS = ("activation", "remedy")  # named by their value alone in a setting's label: 'relu, clip 1, lr 0.5'


@dataclass(frozen=True)
class Axes:
    config_columns: tuple  # every config column, run_id first when present, in grid order
    varying: tuple  # config columns (not run_id) with more than one value among the runs
    setting_columns: tuple  # varying minus seed: one summary row per combination

    @property
    def described_columns(self):
        """Config columns shown in a summary row: every config column but run_id and seed."""
        return tuple(c for c in self.config_columns if c not in (IDENTITY, REPLICATE))

    @property
    def group_columns(self):
        """Setting columns other than lr: each of their combinations gets one selected lr."""
        return tuple(c for c in self.setting_columns if c != LR)


def manifest_grid(manifest):
    """The manifest's current grid (list of config dicts, run_id first), or [] when it has none.

    Two forms: "grid_blocks" (each block's fixed settings, its axes, its runs' ids in the order of the
    axes' product; duplicates of an earlier block's runs left out), or, in folders written before it,
    "grid" (one dict per run).
    """
    blocks = (manifest or {}).get("grid_blocks")
    if isinstance(blocks, list):
        return grid_of_blocks(blocks)
    grid = (manifest or {}).get("grid")
    return grid if isinstance(grid, list) and all(isinstance(g, dict) for g in grid) else []


def grid_of_blocks(blocks):
    """One dict per run of the blocks, in order, each run once; [] when a block has the wrong shape."""
    points, seen = [], set()
    for block in blocks:
        try:
            settings, axes, run_ids = dict(block["settings"]), dict(block["axes"]), list(block["run_ids"])
        except (TypeError, KeyError, ValueError):
            return []
        names = sorted({*settings, *axes})
        for run_id, values in zip(run_ids, itertools.product(*axes.values())):
            if run_id in seen:
                continue
            seen.add(run_id)
            point = {**settings, **dict(zip(axes, values))}
            points.append({IDENTITY: run_id, **{name: point[name] for name in names}})
    return points


def config_columns(runs, manifest, contract):
    """Config columns of `runs`: the manifest grid's keys (present in runs), else those before status."""
    keys = {key for point in manifest_grid(manifest) for key in point}
    if keys:  # the manifest says which columns are config; the tables give their order (the grid's fields)
        found = [c for c in runs.columns if c in keys]
        return [IDENTITY, *[c for c in found if c != IDENTITY]] if IDENTITY in found else found
    columns = list(runs.columns)
    end = columns.index(RUN_RESULT_START) if RUN_RESULT_START in columns else len(columns)
    return [c for c in columns[:end] if not contract.is_measurement(c)]


def varying_columns(frame, columns):
    """The columns among `columns` (not run_id) that hold more than one value in `frame`."""
    return [c for c in columns if c != IDENTITY and c in frame.columns and frame[c].map(str).nunique() > 1]


def find_axes(runs, manifest, contract):
    """The Axes of a folder's runs (after any filtering to the current grid)."""
    config = config_columns(runs, manifest, contract)
    varying = varying_columns(runs, config)
    setting = [c for c in varying if c != REPLICATE]
    return Axes(tuple(config), tuple(varying), tuple(setting))


def setting_label(row, columns, skip=()):
    """'relu, lr 0.5, hidden 128,64': a setting named by its columns' values (activation bare)."""
    parts = []
    for column in columns:
        if column in skip:
            continue
        value = row[column]
        text = f"{value:g}" if isinstance(value, float) else str(value)
        parts.append(text if column in BARE_COLUMNS else f"{column} {text}")
    return ", ".join(parts)


def rows_matching(frame, row, columns, changes=None):
    """The rows of `frame` whose `columns` equal those of `row`, `changes` (column -> value) replacing
    row's values. Numbers match to 1e-9 relative (an lr of 5e-5 x 10000 is 0.5 up to rounding),
    anything else as text; a blank matches a blank."""
    changes = changes or {}
    keep = np.ones(len(frame), dtype=bool)
    for column in columns:
        wanted, values = changes.get(column, row[column]), frame[column]
        if isinstance(wanted, (int, float, np.number)) and not isinstance(wanted, bool) and \
                pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = values.to_numpy(dtype=float)
            keep &= np.isclose(numbers, float(wanted), rtol=1e-9, atol=0) | (np.isnan(numbers) & np.isnan(wanted))
        else:
            keep &= values.map(str).to_numpy() == str(wanted)
    return frame[keep]
