"""What produced a results folder: the experiment, every grid that wrote into it, the code and the machine."""

import datetime
import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess

from results_io import MANIFEST, write_atomic
from study.contract import contract
from study.data.datasets import PROJECT_ROOT

PACKAGES = ("study", "numpy", "pandas", "joblib", "threadpoolctl", "matplotlib", "seaborn", "distributed")


def now():
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def git_state():
    """(commit, dirty) of the project checkout, or (None, None) outside git."""
    def git(*args):
        return subprocess.run(["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True, timeout=10)

    try:
        head = git("rev-parse", "HEAD")
        if head.returncode:
            return None, None
        status = git("status", "--porcelain", "--untracked-files=no")
        return head.stdout.strip(), bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return None, None


def versions():
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def blas_info():
    from threadpoolctl import threadpool_info

    keys = ("internal_api", "version", "num_threads", "architecture", "user_api")
    return [{k: pool.get(k) for k in keys} for pool in threadpool_info()]


def history_entry(experiment, started, commit):
    """One grid that wrote into the folder: enough to know what was asked, and when."""
    ids = hashlib.sha256("".join(experiment.run_ids).encode()).hexdigest()[:16]
    return {"name": experiment.name, "path": experiment.path, "text": experiment.text,
            "overrides": list(experiment.overrides), "runs": len(experiment.run_ids), "run_ids_sha256": ids,
            "first_started": started, "last_started": started, "sweeps": 1, "git_commit": commit}


def grid_history(previous, entry):
    """The previous manifest's grids plus this one; rerunning the same grid counts a sweep, no new entry."""
    history = list(previous.get("grids") or [])
    if not history and previous.get("experiment"):  # a manifest from before the history was kept
        old = previous["experiment"]
        history = [{"name": old.get("name"), "path": old.get("path"), "text": old.get("text"), "overrides": [],
                    "runs": len(previous.get("grid") or []), "run_ids_sha256": None,
                    "first_started": previous.get("started"), "last_started": previous.get("started"),
                    "sweeps": 1, "git_commit": (previous.get("git") or {}).get("commit")}]
    same = ("text", "overrides", "run_ids_sha256")
    if history and all(history[-1].get(key) == entry[key] for key in same):
        history[-1] = {**history[-1], "last_started": entry["last_started"],
                       "sweeps": history[-1].get("sweeps", 1) + 1, "git_commit": entry["git_commit"]}
    else:
        history.append(entry)
    return history


def build_manifest(experiment, execution, data_meta, previous=None):
    previous = previous or {}
    commit, dirty = git_state()
    started = now()
    return {
        "experiment": {"name": experiment.name, "path": experiment.path, "text": experiment.text,
                       "overrides": list(experiment.overrides)},
        "grid_blocks": list(experiment.blocks),
        "grids": grid_history(previous, history_entry(experiment, started, commit)),
        "git": {"commit": commit, "dirty": dirty},
        "versions": versions(),
        "blas": blas_info(),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
        "execution": execution,
        "contract": contract(),
        "data": data_meta if data_meta is not None else previous.get("data", []),
        "started": started,
        "ended": None,
    }


def write_manifest(folder, manifest):
    """Indented JSON, but one line per grid block: a 100,000-run grid stays quick to write and to read.

    The current grid is written as blocks ("grid_blocks": each block's fixed settings, its axes and its
    runs' ids in the order of the axes' product), not one object per run: 1.6 MB for 100,000 runs
    instead of 52 MB. analysis/load/axes.py `manifest_grid` reads it back as one dict per run, and
    reads the older one-object-per-run "grid" too.
    """
    blocks = [json.dumps(block) for block in manifest.get("grid_blocks") or []]
    rest = json.dumps({k: v for k, v in manifest.items() if k != "grid_blocks"}, indent=2, sort_keys=True,
                      default=str)
    lines = ",\n    ".join(blocks)
    text = f'{{\n  "grid_blocks": [\n    {lines}\n  ],\n{rest[2:]}\n' if blocks else \
        f'{{\n  "grid_blocks": [],\n{rest[2:]}\n'
    write_atomic(folder / MANIFEST, lambda handle: handle.write(text))
