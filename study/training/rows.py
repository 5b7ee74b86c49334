"""Result rows: every row carries its run id and its run's whole config."""

import dataclasses

import pandas as pd

from study.config import hidden_text
from study.training.train import SUMMARY_KEYS, summarize


def config_columns(cfg):
    """run_id and every config field, flat (hidden sizes as "128,64")."""
    fields = dataclasses.asdict(cfg)
    fields["hidden"] = hidden_text(cfg.hidden)
    return {"run_id": cfg.run_id, **fields}


def epoch_rows(cfg, rows):
    """The run's epoch rows with its config columns first, as in epochs.csv."""
    columns = config_columns(cfg)
    return [{**columns, **row} for row in rows]


def epoch_table(cfg, result):
    """One row per recorded epoch, config columns first."""
    return pd.DataFrame(epoch_rows(cfg, result.rows))


def run_row(cfg, result, error=""):
    """The run's row of runs.csv: config, status, final and best numbers, wall time, error."""
    return {**config_columns(cfg), **summarize(result), "error": error}


def failed_run_row(cfg, message):
    """The runs.csv row of a run that raised: no numbers, its error on one line."""
    return {**config_columns(cfg), **dict.fromkeys(SUMMARY_KEYS), "status": "failed",
            "error": " ".join(message.split())}
