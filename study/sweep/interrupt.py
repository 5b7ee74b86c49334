"""Ctrl-C during a sweep: the driver's to handle, never the pool's worker processes'."""

import contextlib
import signal
import threading


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


POOL_THREADS = ("ExecutorManagerThread", "QueueFeederThread")  # loky's threads in the driver


def quiet_pool_threads():
    """From now on, an exception in one of loky's threads in this process is not printed.

    Called when a sweep stops mid-dispatch: tearing the pool down while its manager thread queues the
    first runs can make that thread fail (a run taken back under it), which is noise by then. Other
    threads' exceptions are printed as before.
    """
    previous = threading.excepthook
    if getattr(previous, "quiet_pool_threads", False):
        return

    def hook(args):
        if args.thread is None or args.thread.name not in POOL_THREADS:
            previous(args)

    hook.quiet_pool_threads = True
    threading.excepthook = hook


@contextlib.contextmanager
def pool_thread_errors_held():
    """Within: an exception in one of loky's threads is held, not printed. A block that ends normally prints
    them then (a real error); a block that stops (Ctrl-C can tear the pool down under its threads before
    the driver's handler runs) drops them, and any later ones (quiet_pool_threads)."""
    held, previous = [], threading.excepthook

    def hold(args):
        if args.thread is not None and args.thread.name in POOL_THREADS:
            held.append(args)
        else:
            previous(args)

    threading.excepthook = hold
    try:
        yield
    except BaseException:
        quiet_pool_threads()  # wraps `hold`: from now on pool threads' errors are dropped, with no gap
        raise
    threading.excepthook = previous
    for args in held:
        previous(args)
