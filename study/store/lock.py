"""One sweep at a time per results folder: an advisory file lock the OS drops when its holder dies."""

import fcntl
import os
from pathlib import Path


class LockError(Exception):
    """Another live process holds the results folder."""


class FolderLock:
    def __init__(self, folder):
        self.path = Path(folder) / ".lock"
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            # flock is released by the kernel when the process exits, even on SIGKILL:
            # a stale .lock file from a killed sweep never blocks the next one.
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "unknown pid"
            self.handle.close()
            raise LockError(
                f"{self.path.parent} is being written by another sweep ({holder}); "
                "wait for it to finish or stop it, then run again"
            ) from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
