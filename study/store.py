"""A results folder: one shard per finished run, and the tables assembled from the shards.

results/<name>/shards/<run_id>.json holds one run's runs.csv row and its epoch rows. Each shard
is written atomically, so a sweep killed at any moment leaves only whole shards; runs.csv and
epochs.csv are rebuilt from them in grid order, so they do not depend on completion order.
"""

import json
from pathlib import Path

import pandas as pd

from study.io import write_atomic, write_csv
from study.rows import epoch_rows

VOLATILE_COLUMNS = ("seconds", "wall_seconds", "worker_max_rss_mb")  # differ between reruns


def shard_path(folder, run_id):
    return Path(folder) / "shards" / f"{run_id}.json"


def write_shard(folder, run, epochs):
    """Save one finished run; NaN and inf survive the round trip (Python's JSON extension)."""
    text = json.dumps({"run": run, "epochs": epochs})
    write_atomic(shard_path(folder, run["run_id"]), lambda handle: handle.write(text))


def read_shard(folder, run_id):
    """The shard of `run_id`, or None when it is missing or unreadable (then the run is redone)."""
    try:
        return json.loads(shard_path(folder, run_id).read_text())
    except (OSError, ValueError):
        return None


def finished_ids(folder, configs):
    """Run ids of `configs` whose shard holds a run that did not fail (failed runs are retried)."""
    shards = {cfg.run_id: read_shard(folder, cfg.run_id) for cfg in configs}
    return {rid for rid, shard in shards.items() if shard and shard["run"]["status"] != "failed"}


def assemble(folder, configs):
    """Rewrite runs.csv and epochs.csv from the shards of `configs`, in grid order."""
    runs, epochs = [], []
    for cfg in configs:
        shard = read_shard(folder, cfg.run_id)
        if shard:
            runs.append(shard["run"])
            epochs.extend(epoch_rows(cfg, shard["epochs"]))
    write_csv(Path(folder) / "runs.csv", pd.DataFrame(runs))
    write_csv(Path(folder) / "epochs.csv", pd.DataFrame(epochs))
    return len(runs)
