"""Write files so that a reader never sees half of one: temporary file, then rename."""

import json
import os
import tempfile
from pathlib import Path


def write_atomic(path, write):
    """Call write(file_object) on a temporary file beside `path`, then move it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600 files; results are for sharing
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv(path, frame):
    write_atomic(path, lambda handle: frame.to_csv(handle, index=False))


def write_json(path, data):
    write_atomic(path, lambda handle: json.dump(data, handle, indent=2, sort_keys=True, default=str))


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
