"""Ctrl-C during a sweep: the driver's to handle, never the pool's worker processes'."""

import contextlib
import signal


@contextlib.contextmanager
def children_without_sigint():
    """Within: processes started from this thread (pool workers, their resource trackers) start with SIGINT
    blocked, and keep it so, as a blocked signal survives fork and exec.

    Ctrl-C reaches the whole foreground process group: a worker still importing would print a traceback.
    The driver owns the interruption and stops the pool. A Ctrl-C meanwhile waits, and is raised here
    when SIGINT is unblocked again.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    start_resource_trackers()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_resource_trackers():
    """Start multiprocessing's and loky's resource trackers now, if they are not running: starting one
    ends with SIGINT unblocked (Python 3.11's multiprocessing), which would undo children_without_sigint."""
    from multiprocessing import resource_tracker

    from joblib.externals.loky.backend import resource_tracker as loky_tracker

    resource_tracker.ensure_running()
    loky_tracker.ensure_running()
