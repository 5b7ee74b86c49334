"""What produced a results folder: the experiment, the code version and the machine."""

import dataclasses
import datetime
import importlib.metadata
import os
import platform
import subprocess

from study.data import PROJECT_ROOT

PACKAGES = ("study", "numpy", "pandas", "joblib", "threadpoolctl", "matplotlib", "seaborn", "distributed")


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


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


def build_manifest(experiment, execution, data_meta):
    commit, dirty = git_state()
    return {
        "experiment": {"name": experiment.name, "path": experiment.path, "text": experiment.text},
        "grid": [{"run_id": cfg.run_id, **dataclasses.asdict(cfg)} for cfg in experiment.configs],
        "git": {"commit": commit, "dirty": dirty},
        "versions": versions(),
        "blas": blas_info(),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
        "execution": execution,
        "data": data_meta,
        "started": now(),
        "ended": None,
    }
