"""Write outputs so that a reader never sees half a file: temporary file beside it, then os.replace.

The same steps as study/io.py's writer (analysis/ does not import study): temporary file beside
the target, flush and fsync, permissions 0666 minus the umask, os.replace.
"""

import os
import tempfile
from pathlib import Path

FIGURE_FORMATS = ("png", "svg")
DPI = 110


def write_atomic(path, write, mode="w"):
    """Call write(file_object) on a temporary file next to `path`, then move it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({"newline": ""} if "b" not in mode else {})) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600 files; results are for sharing
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def current_umask():
    """The process's umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_csv(path, frame):
    return write_atomic(path, lambda handle: frame.to_csv(handle, index=False))


def write_text(path, text):
    return write_atomic(path, lambda handle: handle.write(text))


def save_figure(figure, folder, stem):
    """figure as <stem>.png and <stem>.svg in folder; returns the PNG path."""
    paths = [write_atomic(Path(folder) / f"{stem}.{fmt}",
                          lambda handle, fmt=fmt: figure.savefig(handle, format=fmt, dpi=DPI), mode="wb")
             for fmt in FIGURE_FORMATS]
    return paths[0]
