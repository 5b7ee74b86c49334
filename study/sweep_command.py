"""The body of `study sweep`: validate the grid, run it with a progress bar, say what happened."""

import sys
import time

from study.config import ConfigError
from study.experiment import load_experiment
from study.sweep import run_sweep


def sweep_command(args):
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {args.jobs}")
    if args.threads is not None and args.threads < 1:
        raise ConfigError(f"--threads must be at least 1, got {args.threads}")
    if args.scheduler and args.backend != "dask":
        raise ConfigError("--scheduler needs --backend dask")
    experiment = load_experiment(args.experiment, args.set)  # the whole grid, before any run
    counts = {"ok": 0, "diverged": 0, "failed": 0}
    bar = None

    def start_bar(done, total):
        nonlocal bar
        if not args.no_progress:
            bar = progress_bar(done, total, experiment.name)

    def show(row):
        counts[row["status"]] += 1
        if bar:
            bar.update(1)
            bar.set_postfix_str(last_run(row))

    start = time.perf_counter()
    try:
        trained, total = run_sweep(experiment, args.results, args.jobs, args.backend, args.scheduler,
                                   args.data_dir, on_start=start_bar, on_result=show, threads=args.threads)
    except KeyboardInterrupt:
        return stopped(bar, f"interrupted; finished runs are saved in {args.results}/{experiment.name}/", 130)
    except (OSError, RuntimeError) as exc:  # e.g. a worker process died (joblib's BrokenProcessPool)
        reason = " ".join(str(exc).split())[:300]
        return stopped(bar, f"error: the sweep stopped ({type(exc).__name__}: {reason}); finished runs are "
                            f"saved in {args.results}/{experiment.name}/", 1)
    if bar:
        bar.close()
    seconds = time.perf_counter() - start
    print(f"sweep {experiment.name}: {total} runs ({trained} trained now, {total - trained} already done; "
          f"{counts['ok']} ok, {counts['diverged']} diverged, {counts['failed']} failed) in {seconds:.1f} s "
          f"-> {args.results}/{experiment.name}/")


def stopped(bar, message, code):
    if bar:
        bar.close()
    print(f"study sweep: {message}; rerun the same command to resume", file=sys.stderr)
    return code


def last_run(row):
    where = f"{row['activation']} lr={row['lr']:g} seed={row['seed']}"
    if row["status"] == "failed":
        return f"{where}: failed"
    return f"{where}: {row['status']}, cost {row['final_train_cost']:.3g}, test acc {row['final_test_acc']:.3f}"


def progress_bar(done, total, name):
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="run", desc=name, dynamic_ncols=True)
