"""One training run: config + dataset -> one row per epoch (study/training/run.py holds the epoch itself)."""

import time
from dataclasses import dataclass

import numpy as np

from study.training.run import run_epoch
from study.training.start import start_run

SPLITS = ("train", "val", "test")


@dataclass
class RunResult:
    rows: list  # one dict per recorded epoch, keys EPOCH_COLUMNS + inactive_<layer>
    status: str  # ok | diverged
    diverged_at: int | None
    seconds: float


def train(cfg, data, on_epoch=None):
    """Train one network as `cfg` says; `on_epoch(row)` is called after every recorded epoch."""
    run = start_run(cfg, data)
    rows, status, diverged_at = [], "ok", None
    start = time.perf_counter()
    for epoch in range(cfg.epochs + 1):
        row, is_diverged = run_epoch(run, epoch)
        row["seconds"] = round(time.perf_counter() - start, 4)
        rows.append(row)
        if on_epoch:
            on_epoch(row)
        if is_diverged:
            status, diverged_at = "diverged", epoch
            break
    return RunResult(rows, status, diverged_at, time.perf_counter() - start)


SUMMARY_KEYS = (
    "status", "diverged_at", "epochs_run",
    *(f"final_{split}_{what}" for split in SPLITS for what in ("cost", "acc")),
    *(f"best_{split}_{what}" for split in SPLITS for what in ("cost", "acc")),
    "wall_seconds",
)


def summarize(result):
    """Final and best costs and accuracies of a run, for its one-line summary and runs.csv."""
    last = result.rows[-1]

    def best(key, pick):
        values = [r[key] for r in result.rows if np.isfinite(r[key])]
        return pick(values) if values else None

    summary = {"status": result.status, "diverged_at": result.diverged_at, "epochs_run": last["epoch"]}
    for split in SPLITS:
        summary[f"final_{split}_cost"], summary[f"final_{split}_acc"] = last[f"{split}_cost"], last[f"{split}_acc"]
    for split in SPLITS:
        summary[f"best_{split}_cost"] = best(f"{split}_cost", min)
        summary[f"best_{split}_acc"] = best(f"{split}_acc", max)
    return {**summary, "wall_seconds": round(result.seconds, 3)}
