"""One sweep at a time per results folder: an advisory file lock the OS drops when its holder dies."""

import fcntl
import os
import tempfile
from pathlib import Path


class LockError(Exception):
    """The results folder cannot be taken: another live process holds it, or it cannot be written."""


class ReadOnlyError(LockError):
    """The results folder (or the folder it would be made in) cannot be written; nothing was changed."""

    def __init__(self, folder, cause):
        self.folder, self.cause = Path(folder), cause
        verb = "written" if self.folder.is_dir() else "created"
        super().__init__(f"{folder} cannot be {verb} ({cause.strerror or cause})")


class FolderLock:
    def __init__(self, folder):
        self.path = Path(folder) / ".lock"
        self.handle = None
        self.previous_holder = None  # the pid the lock file named before this sweep took it

    def __enter__(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a+")
        except OSError as exc:  # a read-only folder or file system, or no permission
            raise ReadOnlyError(self.path.parent, exc) from None
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
        try:
            check_writable(self.path.parent)
        except ReadOnlyError:
            self.__exit__()
            raise
        try:
            self.handle.seek(0)
            self.previous_holder = holder_pid(self.handle.read())
            self.handle.seek(0)
            self.handle.truncate()
            self.handle.write(f"pid {os.getpid()}")
            self.handle.flush()
        except OSError as exc:
            self.__exit__()
            raise ReadOnlyError(self.path.parent, exc) from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def check_writable(folder):
    """ReadOnlyError unless files can be made in `folder` and its shards/ (a writable .lock alone is not enough)."""
    for where in (Path(folder), Path(folder) / "shards"):
        try:
            if where.is_dir():
                with tempfile.TemporaryFile(dir=where):
                    pass
        except OSError as exc:
            raise ReadOnlyError(where, exc) from None


def holder_pid(text):
    """The pid in a lock file's text ("pid 1234"), or None."""
    word = text.strip().removeprefix("pid ").strip()
    return int(word) if word.isdigit() else None
