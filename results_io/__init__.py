"""Write files so that a reader never sees half of one: temporary file, then rename."""

import json
import os
import tempfile
from pathlib import Path


def write_atomic(path, write, binary=False):
    """Call write(file_object) on a temporary file beside `path`, then move it into place.

    An error says which file was being written (a full disk otherwise names only a temporary file).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise WriteError(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600 files; results are for sharing
        os.replace(tmp, path)
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(path, exc) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class WriteError(OSError):
    """Writing a results file failed: the message names the file and the reason (e.g. disk full)."""

    def __init__(self, path, cause):
        super().__init__(cause.errno, cause.strerror or str(cause))
        self.path = path

    def __str__(self):
        return f"could not write {self.path}: {self.strerror}"


def write_csv(path, frame):
    write_atomic(path, lambda handle: frame.to_csv(handle, index=False))


def write_json(path, data):
    write_atomic(path, lambda handle: json.dump(data, handle, indent=2, sort_keys=True, default=str))


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
