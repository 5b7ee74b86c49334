"""The body of `study sweep`: validate the grid, run it with a progress bar, say what happened."""

import contextlib
import math
import signal
import sys
import textwrap
import time

from study.config import ConfigError
from study.sweep.experiment import load_experiment
from study.sweep.runner import Tally, run_sweep

EXIT_SIGTERM = 128 + signal.SIGTERM  # what a shell reports for a process ended by SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM (kill, a scheduler, a container stopping), handled like Ctrl-C."""


def sweep_command(args):
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {args.jobs}")
    if args.threads is not None and args.threads < 1:
        raise ConfigError(f"--threads must be at least 1, got {args.threads}")
    if args.scheduler and args.backend != "dask":
        raise ConfigError("--scheduler needs --backend dask")
    if args.scheduler:
        from study.sweep.cluster import check_scheduler

        check_scheduler(args.scheduler)
    experiment = load_experiment(args.experiment, args.set)  # the whole grid, before any run
    tally, progress = Tally(), Progress(experiment.name, enabled=not args.no_progress)
    start = time.perf_counter()
    with sigterm_raises():
        try:
            run_sweep(experiment, args.results, args.jobs, args.backend, args.scheduler, args.data_dir,
                      on_start=progress.start, on_result=progress.advance, threads=args.threads,
                      report=progress.say, tally=tally)
        except (KeyboardInterrupt, Exception) as exc:
            interruption = interruption_of(exc)  # exc itself, or what a library's clean-up failed on (loky)
            if isinstance(interruption, Terminated):
                return stopped(progress, tally, "terminated (SIGTERM)", EXIT_SIGTERM)
            if interruption is not None:
                return stopped(progress, tally, "interrupted", 130)
            if isinstance(exc, (OSError, RuntimeError)):  # a full disk, a dead worker process (BrokenProcessPool)
                return stopped(progress, tally, f"error: the sweep stopped ({type(exc).__name__}: {reason_of(exc)})",
                               1)
            raise
    progress.close()
    print(f"sweep {experiment.name}: {tally.grid_runs} runs ({tally.trained_now} trained now, {tally.done_before} "
          f"already done) in {time.perf_counter() - start:.1f} s; {holds(tally)}")
    if tally.unsaved or tally.unfinished_tables:
        return stopped(progress, tally, "error: results could not be written (see above)", 1)
    return 0


def interruption_of(exc):
    """The Ctrl-C (or SIGTERM) that was being handled when `exc` was raised, if any, else None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__context__
    return None


REASON_LINES_UP_TO = 400  # characters: later lines of a reason are added while the whole stays this short
FIRST_LINE_UP_TO = 1000  # a first line longer than this (a huge repr) is cut on a word boundary


def reason_of(exc):
    """An exception's message on one line: its first line whole, later lines while they fit, '...' for the rest."""
    lines = [" ".join(line.split()) for line in str(exc).splitlines()]
    lines = [line for line in lines if line] or [""]
    text = textwrap.shorten(lines[0], FIRST_LINE_UP_TO, placeholder=" ...") if lines[0] else ""
    for line in lines[1:]:
        if len(text) + 1 + len(line) > REASON_LINES_UP_TO:
            return f"{text} ..."
        text = f"{text} {line}"
    return text


@contextlib.contextmanager
def sigterm_raises():
    """Within: SIGTERM raises Terminated in the main thread, once (a second one during clean-up is ignored)."""
    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. called from a library): leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def holds(tally):
    """The folder's totals: what runs.csv now holds, this grid's runs and any others."""
    counts = tally.folder_counts
    where = f"{tally.folder}/"
    if not sum(counts.values()):
        return f"{where} holds no finished run"
    others = f", {tally.other_runs} of them from other grids (see experiments/README.md)" if tally.other_runs else ""
    return (f"{where} holds {counts['ok']} ok, {counts['diverged']} diverged, {counts['failed']} failed"
            f"{others}")


def stopped(progress, tally, what, code):
    """One line: what stopped the sweep, what is saved (only if something is), how to go on."""
    progress.close()
    parts = [what]
    if tally.folder is not None and sum(tally.folder_counts.values()):
        parts.append(f"finished runs are saved: {holds(tally)}")
    else:
        parts.append("no finished run is saved yet")
    if tally.unsaved:
        parts.append(f"{tally.unsaved} finished run(s) could not be saved and will be retrained")
    print(f"study sweep: {'; '.join(parts)}; rerun the same command to resume", file=sys.stderr)
    return code


class Progress:
    """A tqdm bar over the epochs left to train: its ETA weighs a long run more than a short one.

    A finished run advances it by the epochs it ran; a run that diverged (or failed) early takes
    its unused epochs off the total.
    """

    def __init__(self, name, enabled=True):
        self.name, self.enabled, self.bar = name, enabled, None
        self.runs_done = self.runs_todo = 0

    def start(self, tally):
        self.runs_todo = tally.grid_runs - tally.done_before
        if self.enabled and self.runs_todo:
            from tqdm import tqdm

            self.bar = tqdm(total=tally.epochs_todo, unit="epoch", desc=self.name, dynamic_ncols=True)

    def advance(self, row):
        self.runs_done += 1
        if not self.bar:
            return
        ran = row.get("epochs_run") or 0
        self.bar.total -= row["epochs"] - ran
        self.bar.update(ran)
        self.bar.set_postfix_str(f"{self.runs_done}/{self.runs_todo} runs; {last_run(row)}")

    def say(self, line):
        """A warning line, printed above the bar when there is one."""
        if self.bar:
            self.bar.write(f"study sweep: {line}", file=sys.stderr)
        else:
            print(f"study sweep: {line}", file=sys.stderr)

    def close(self):
        if self.bar:
            self.bar.close()
            self.bar = None


def last_run(row):
    """'relu lr=0.5 seed=1: ok, cost 0.123, best val acc 0.951': the validation number that choices are
    made on; test only for runs without a validation split."""
    where = f"{row['activation']} lr={row['lr']:g} seed={row['seed']}"
    if row["status"] == "failed":
        return f"{where}: failed"
    best_val = row.get("best_val_acc")
    accuracy = (f"best val acc {best_val:.3f}" if best_val is not None and math.isfinite(best_val)
                else f"test acc {row['final_test_acc']:.3f} (no validation split)")
    return f"{where}: {row['status']}, cost {row['final_train_cost']:.3g}, {accuracy}"
