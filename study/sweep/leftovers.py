"""What a killed sweep's process pool leaves outside the results folder, and how the next sweep finds it."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

SHARED_MEMORY = Path("/dev/shm")  # Linux: named semaphores, and joblib's temporary folders when it has room


def killed_pool_leftovers(pid):
    """What the loky pool of a sweep whose driver was `pid` left when the sweep was killed: loky's named
    semaphores and joblib's (empty) memmapping folders, each named after the driver's pid.

    [] while a process with that pid is alive: a notebook that ran a sweep keeps its pool, and the
    pool its semaphores. A dead pid's files belong to no one (a new process with that pid would be alive).
    """
    if not pid or alive(pid):
        return []
    roots = {SHARED_MEMORY, Path(tempfile.gettempdir())}
    if os.environ.get("JOBLIB_TEMP_FOLDER"):
        roots.add(Path(os.environ["JOBLIB_TEMP_FOLDER"]))
    found = list(SHARED_MEMORY.glob(f"sem.loky-{pid}-*"))
    for root in roots:
        found += root.glob(f"joblib_memmapping_folder_{pid}_*")
    return found


def remove_killed_pool_leftovers(pid):
    for path in killed_pool_leftovers(pid):
        with contextlib.suppress(OSError):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True
