"""Shards: one JSON file per finished run, results/<name>/shards/<run_id>.json, the source of truth.

A shard holds {"run": <its runs.csv row>, "epochs": [<its epoch rows>]}. It is written atomically,
so a sweep killed at any moment leaves only whole shards; the tables (study/store/tables.py) are built
from them. A shard is trusted only when its shape is right and its run id matches both its file
name and the config its row records, so a damaged or copied file is redone, never tabled.
"""

import json
import os
from pathlib import Path

from results_io import is_leftover, write_atomic
from study.config import FIELDS, parse_hidden
from study.identity import id_text, text_id

VOLATILE_COLUMNS = ("seconds", "wall_seconds", "worker_max_rss_mb")  # differ between reruns
STATUSES = ("ok", "diverged", "failed")
TRAINED = ("ok", "diverged")  # a failed run is retried by the next sweep


class ShardError(ValueError):
    """A shard that cannot be trusted; the message says why."""


def shard_dir(folder):
    return Path(folder) / "shards"


def shard_path(folder, run_id):
    return shard_dir(folder) / f"{run_id}.json"


def write_shard(folder, run, epochs):
    """Save one finished run; returns the shard as it reads back (NaN and inf survive: Python's JSON)."""
    text = json.dumps({"run": run, "epochs": epochs})
    path = shard_path(folder, run["run_id"])
    write_atomic(path, lambda handle: handle.write(text))
    return json.loads(text), stamp(path.stat())


def stamp(stat):
    """What identifies one version of a file cheaply: its size and modification time."""
    return [stat.st_size, stat.st_mtime_ns]


def read_shard(path):
    """The checked shard at `path`, or ShardError saying what is wrong with it."""
    path = Path(path)
    try:
        shard = json.loads(path.read_bytes())
    except OSError as exc:
        raise ShardError(f"cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise ShardError(f"is not valid JSON ({exc})") from None
    check_shard(shard, path.stem)
    return shard


def check_shard(shard, run_id):
    """Raise ShardError unless `shard` has the right shape and belongs to `run_id`."""
    if not isinstance(shard, dict) or not isinstance(shard.get("run"), dict) or not isinstance(
            shard.get("epochs"), list):
        raise ShardError('has the wrong shape (expected {"run": {...}, "epochs": [...]})')
    run, epochs = shard["run"], shard["epochs"]
    if run.get("status") not in STATUSES:
        raise ShardError(f"has an unknown status {run.get('status')!r}")
    if run.get("run_id") != run_id:
        raise ShardError(f"holds run {run.get('run_id')!r}, not the run its file name says (a copied file?)")
    if row_id(run, config_keys(run)) != run_id:
        raise ShardError("holds a config whose run id is not its file name (an edited or copied file?)")
    if not all(isinstance(row, dict) and isinstance(row.get("epoch"), int) for row in epochs):
        raise ShardError("has epoch rows of the wrong shape")
    if run["status"] in TRAINED and not epochs:
        raise ShardError(f"is marked {run['status']} but holds no epoch rows")
    if epochs and epochs[-1]["epoch"] != run.get("epochs_run"):
        raise ShardError(f"ends at epoch {epochs[-1]['epoch']}, but its row says {run.get('epochs_run')!r}")


def config_keys(run):
    """The row's config columns: the RunConfig fields it holds (those of the code that wrote it), or,
    for a row written when the fields had other names, the columns between run_id and status."""
    keys = [key for key in run if key in FIELDS]
    if row_id(run, keys) == run.get("run_id"):
        return keys
    columns = list(run)
    if "run_id" in columns and "status" in columns:
        return columns[columns.index("run_id") + 1:columns.index("status")]
    return keys


def row_id(row, keys):
    """The run id of the config that `keys` of a result row record (hidden as "128,64" or a list),
    computed as RunConfig.run_id does; None when the row's hidden sizes cannot be read."""
    settings = {key: row[key] for key in keys}
    if isinstance(settings.get("hidden"), str):
        try:
            settings["hidden"] = list(parse_hidden("hidden", settings["hidden"]))
        except ValueError:
            return None
    return text_id(id_text(settings, FIELDS))


def scan_shards(folder):
    """({run_id: stamp} of the shard files, [leftover temporary files]) in one directory listing."""
    shards, leftovers = {}, []
    try:
        entries = list(os.scandir(shard_dir(folder)))
    except FileNotFoundError:
        return shards, leftovers
    for entry in entries:
        if is_leftover(entry.name):
            leftovers.append(Path(entry.path))  # an atomic write cut short by a kill
        elif entry.name.endswith(".json") and not entry.name.startswith(".") and entry.is_file():
            shards[entry.name[:-len(".json")]] = stamp(entry.stat())
    return shards, leftovers
