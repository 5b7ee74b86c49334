"""Runs on a dask.distributed cluster: the joblib pool, and what the sweep says when the cluster fails.

Only the driver writes files, so the cluster needs no shared filesystem; docs/cluster.md says how to
start one. A worker that dies has its runs retried on the others by dask; a lost scheduler (or a run
that kills every worker it is tried on) stops the sweep with one line, the finished runs kept.
"""

import contextlib
import logging
from concurrent.futures import CancelledError

from joblib import Parallel, parallel_config

from study.config import ConfigError
from study.sweep.interrupt import children_without_sigint


class ClusterError(RuntimeError):
    """The dask cluster failed mid-sweep (scheduler lost, workers killed); the message says which.

    retry: the scheduler is still there and only dropped runs, so submitting them again can finish the sweep.
    """

    def __init__(self, message, retry=False):
        super().__init__(message)
        self.retry = retry


DROPPED = "already forgotten"  # the scheduler's reason for cancelling a run no client held any more


@contextlib.contextmanager
def dask_pool(scheduler, jobs, loaded):
    """(joblib Parallel on dask, the datasets): each dataset scattered to the workers once.

    scheduler: an address (tcp://, tls:// with dask's TLS settings from its config), or None for a
    LocalCluster of `jobs` single-threaded worker processes on 127.0.0.1 without a dashboard.
    """
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        stack.enter_context(distributed_logs_quiet())  # the sweep says in one line what went wrong
        if not scheduler:
            with children_without_sigint():
                scheduler = stack.enter_context(LocalCluster(
                    n_workers=jobs, threads_per_worker=1, host="127.0.0.1", dashboard_address=None))
        client = stack.enter_context(connect(Client, scheduler))
        stack.enter_context(parallel_config(backend="dask", scatter=list(loaded.values())))
        try:
            yield Parallel(n_jobs=-1, return_as="generator_unordered"), loaded
        except Exception as exc:
            if from_the_cluster(exc):
                raise cluster_error(exc, client.scheduler.address) from None
            raise


def check_scheduler(scheduler):
    """ConfigError, before anything is written, for a tls:// address without dask's TLS settings."""
    if str(scheduler).startswith("tls://") and not tls_configured():
        raise ConfigError(f"--scheduler {scheduler}: a tls:// address needs dask's TLS settings (distributed.comm.tls"
                          ".ca-file, .client.cert and .client.key, e.g. as DASK_DISTRIBUTED__COMM__TLS__CA_FILE=...); "
                          "see docs/cluster.md")


def connect(Client, scheduler):
    """A client of the scheduler; one ConfigError when it cannot be reached (the address, the TLS settings)."""
    check_scheduler(scheduler)
    try:
        return Client(scheduler)
    except (OSError, TypeError, ValueError) as exc:  # refused, timed out, a TLS handshake or address error
        reason = " ".join(str(exc).split("\n", 1)[0].split())
        raise ConfigError(f"--scheduler {scheduler}: cannot connect ({type(exc).__name__}: {reason}); check the "
                          "address, that the scheduler is running, and its TLS settings (docs/cluster.md)") from None


def tls_configured():
    """Whether dask's config names a CA file and a client certificate (what a tls:// client needs)."""
    from distributed.security import Security

    security = Security()
    return bool(security.tls_ca_file and security.tls_client_cert)


def from_the_cluster(exc):
    """Whether an exception out of the results is the cluster's (a run's own error makes a failed run)."""
    return isinstance(exc, CancelledError) or type(exc).__module__.split(".")[0] == "distributed"


def cluster_error(exc, address):
    text = str(exc)
    if isinstance(exc, CancelledError):
        why = text.split("reason: ", 1)[1].split(".", 1)[0] if "reason: " in text else "runs cancelled"
        if why == DROPPED:
            return ClusterError(f"the dask scheduler at {address} dropped runs ({why})", retry=True)
        return ClusterError(f"lost the dask scheduler at {address} ({why})")
    return ClusterError(f"the dask cluster at {address} failed: {type(exc).__name__}: {text}")


@contextlib.contextmanager
def distributed_logs_quiet():
    """Within: distributed's own log lines (reconnection attempts, their tracebacks) are not printed."""
    handlers = logging.getLogger("distributed").handlers
    for handler in handlers:
        handler.addFilter(drop)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(drop)


def drop(record):
    return False
