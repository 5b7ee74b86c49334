"""A results folder's files, written so that a reader never sees half of one, and read back.

Both the trainer (study/) and the analysis (analysis/) write and read results folders; this small
package is the one place for how, so that neither imports the other. Writing: a temporary file
beside the target, flushed and fsynced, permissions 0666 minus the umask, then os.replace.
"""

import json
import os
import tempfile
from pathlib import Path

MANIFEST = "manifest.json"
TEMPORARY_SUFFIX = ".tmp"  # what a write cut short by a kill leaves: .<name>.<random>.tmp
NAME_MAX = 255  # bytes in one file name (Linux, macOS)


def write_atomic(path, write, binary=False):
    """Call write(file_object) on a temporary file beside `path`, then move it into place.

    An error says which file was being written (a full disk otherwise names only a temporary file).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a long target name must not make the temporary name too long: keep its start only
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=TEMPORARY_SUFFIX)
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
    return path


class WriteError(OSError):
    """Writing a results file failed: the message names the file and the reason (e.g. disk full)."""

    def __init__(self, path, cause):
        super().__init__(cause.errno, cause.strerror or str(cause))
        self.path = path

    def __str__(self):
        return f"could not write {self.path}: {self.strerror}"


def write_csv(path, frame):
    return write_atomic(path, lambda handle: frame.to_csv(handle, index=False))


def write_json(path, data):
    return write_atomic(path, lambda handle: json.dump(data, handle, indent=2, sort_keys=True, default=str))


def write_text(path, text):
    return write_atomic(path, lambda handle: handle.write(text))


def write_bytes(path, data):
    return write_atomic(path, lambda handle: handle.write(data), binary=True)


def is_leftover(name):
    """Whether a file name is a temporary file left by a write that a kill cut short."""
    return name.startswith(".") and name.endswith(TEMPORARY_SUFFIX)


def current_umask():
    """The process's umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_manifest(folder):
    """The folder's manifest.json as a dict; {} when it is missing, unreadable or not a JSON object."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def table_path(folder, stem):
    """<stem>.csv, or <stem>.csv.gz where only the compressed table exists (as in results/reference/)."""
    plain, packed = Path(folder) / f"{stem}.csv", Path(folder) / f"{stem}.csv.gz"
    return packed if packed.is_file() and not plain.is_file() else plain
