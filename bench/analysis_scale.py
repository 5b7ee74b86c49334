"""The analysis at scale: `python -m bench.analysis_scale` (bench.analysis_scale.main).

Synthetic results folders (analysis/tools/synthetic.py) of 8 activations x 25 learning rates x
--seeds seeds (default 5 and 50: 1,000 and 10,000 runs), 200 epochs each, with spiky, diverged,
overfitting and failed runs and sharpness every 10 epochs, are written first (setup, not timed).
Then `analysis.pipeline.analyze` analyses each folder in a child process of its own, which
reports the seconds of each stage (load, metrics, summary, figures, report; total is the whole
call) and its peak resident memory (VmHWM, imports included), so one analysis's memory is never
counted in another's. Targets (issue 16): <= 20 s for 1,000 runs; <= 60 s and <= 2 GiB for 10,000.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from analysis.load.contract import BEFORE
from analysis.tools.synthetic import Synthetic, write_synthetic
from bench.table import show, with_verdicts, write_rows
from results_io import write_atomic

STAGES = ("load", "metrics", "summary", "figures", "report")
# runs -> seconds, MiB; they hold for the grids: 8 activations x 25 learning rates, 200 epochs
TARGETS = {1000: {"total": "<= 20"}, 10000: {"total": "<= 60", "peak": "<= 2048"}}
TARGET_GRID = (8, 25, 200)
SPEC_FILE = "bench-spec.json"  # in a kept folder: the spec it was written for


def folder_spec(seeds, activations=8, lrs=25, epochs=200):
    """The Synthetic spec of one benchmark folder: activations x lrs x seeds runs of `epochs` epochs."""
    names = tuple(BEFORE["activations"])[:activations]
    rates = tuple(float(f"{lr:.3g}") for lr in np.geomspace(0.01, 10.0, lrs))
    top = rates[int(0.6 * lrs):]
    return Synthetic(activations=names, lrs=rates, seeds=tuple(range(seeds)), epochs=epochs, sharpness_every=10,
                     spiky={(a, lr) for a in names for lr in top},
                     diverged={(a, rates[-1], s) for a in names for s in range(seeds)},
                     failed={(names[0], rates[0], 0)}, overfit={(a, rates[lrs // 2]) for a in names})


def described(spec):
    """The spec as JSON text, the same for the same spec in every process (its sets sorted)."""
    fields = {key: sorted(value) if isinstance(value, set) else value for key, value in asdict(spec).items()}
    return json.dumps(fields, sort_keys=True)


def prepared(folder, spec):
    """Seconds spent writing `spec` into folder; 0 when a kept folder already holds it."""
    stamp = Path(folder) / SPEC_FILE
    if stamp.is_file() and stamp.read_text() == described(spec):
        return 0.0
    shutil.rmtree(folder, ignore_errors=True)
    Path(folder).mkdir(parents=True)
    start = time.perf_counter()
    write_synthetic(folder, spec)
    seconds = time.perf_counter() - start
    stamp.write_text(described(spec))
    return seconds


def peak_mib():
    """This process's peak resident memory, MiB (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        with open("/proc/self/status") as status:
            kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024


def child(folder, out):
    """In the child process: analyse folder, write {stage: seconds, cpu_s, peak_mib} as JSON to out."""
    from analysis.pipeline import analyze

    timings, cpu = {}, time.process_time()
    analyze(folder, timings=timings)
    Path(out).write_text(json.dumps({**timings, "cpu_s": time.process_time() - cpu, "peak_mib": peak_mib()}))


def analysed_alone(folder):
    """Stage seconds and peak memory of one analysis of folder, in a fresh Python process."""
    out = Path(folder).parent / f"{Path(folder).name}-timings.json"
    command = [sys.executable, "-c", "import sys; from bench.analysis_scale import child; child(*sys.argv[1:])",
               str(folder), str(out)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the analysis of {folder} failed: {done.stderr.strip()[-500:]}")
    return {**json.loads(out.read_text()), "process_s": time.perf_counter() - start}


def folder_facts(folder):
    """(runs in runs.csv, epoch rows in epochs.csv, epochs.csv in MB)."""
    path = Path(folder) / "epochs.csv"
    with open(Path(folder) / "runs.csv") as runs, open(path) as epochs:
        return sum(1 for _ in runs) - 1, sum(1 for _ in epochs) - 1, path.stat().st_size / 1e6


def size_rows(folder, spec, reps):
    """The rows of one folder: its size, each stage's seconds, the total against its target, peak memory."""
    setup_s = prepared(folder, spec)
    runs, epoch_rows, megabytes = folder_facts(folder)
    measured = [analysed_alone(folder) for _ in range(reps)]
    grid = (len(spec.activations), len(spec.lrs), spec.epochs)
    targets = TARGETS.get(runs, {}) if grid == TARGET_GRID else {}
    label = f"{runs} runs"

    def seconds(stage):
        values = [m[stage] for m in measured]
        return {"median_s": statistics.median(values), "min_s": min(values)}

    setup = f"written in {setup_s:.1f} s (not timed)" if setup_s else "kept from an earlier bench"
    rows = [{"name": f"{label}: epochs.csv", "value": megabytes, "unit": "MB",
             "note": f"{epoch_rows:,} epoch rows, {len(spec.activations)} x {len(spec.lrs)} x {len(spec.seeds)}, "
                     f"{spec.epochs} epochs; {setup}"}]
    rows += [{"name": f"{label}: {stage}", **seconds(stage), "unit": "s"} for stage in STAGES]
    total = seconds("total")
    process, cpu = (statistics.median(m[key] for m in measured) for key in ("process_s", "cpu_s"))
    rows.append({"name": f"{label}: total", **total, "value": total["median_s"], "unit": "s",
                 "target": targets.get("total", ""),
                 "note": f"median of {reps}; CPU {cpu:.1f} s (other processes' load does not inflate it); "
                         f"{process:.1f} s with the child's start-up and imports"})
    rows.append({"name": f"{label}: peak memory", "value": max(m["peak_mib"] for m in measured), "unit": "MiB",
                 "target": targets.get("peak", ""), "note": "VmHWM of the analysing process, imports included"})
    return rows


def analysis_rows(seeds_list, reps, work, activations=8, lrs=25, epochs=200):
    """Every size's rows; folders go in `work` (kept) or a temporary folder (removed)."""
    with tempfile.TemporaryDirectory(prefix="study-analysis-bench-") as scratch:
        root = Path(work or scratch)
        rows = []
        for seeds in seeds_list:
            spec = folder_spec(seeds, activations, lrs, epochs)
            rows += size_rows(root / f"grid-{len(spec.activations)}x{len(spec.lrs)}x{seeds}-{epochs}", spec, reps)
        return rows


def positive_ints(text):
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive whole numbers separated by commas, got {text!r}")
    return values


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.analysis_scale", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[1:]))
    p.add_argument("--seeds", type=positive_ints, default=[5, 50],
                   help="seeds per setting, one folder each (default 5,50: 1,000 and 10,000 runs)")
    p.add_argument("--activations", type=int, default=8, help="activations, at most 8 (default 8)")
    p.add_argument("--lrs", type=int, default=25, help="learning rates (default 25)")
    p.add_argument("--epochs", type=int, default=200, help="epochs per run (default 200)")
    p.add_argument("--reps", type=int, default=1, help="analyses of each folder, each in a fresh process (default 1)")
    p.add_argument("--work", help="keep the synthetic folders here and reuse them (default: a temporary folder)")
    p.add_argument("--out", help="also write the rows to this CSV file")
    args = p.parse_args(argv)
    if min(args.activations, args.lrs, args.epochs, args.reps) < 1 or args.activations > len(BEFORE["activations"]):
        p.error("--activations (1-8), --lrs, --epochs and --reps must be at least 1")
    return args


def main(argv=None):
    """Write the folders, analyse each, print the table (and write --out); returns the rows."""
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    rows = analysis_rows(args.seeds, args.reps, args.work, args.activations, args.lrs, args.epochs)
    rows = with_verdicts([{**row, "data": "synthetic"} for row in rows])
    print(f"analysis at scale: python -m analysis's stages on synthetic folders, each analysed in a process of its "
          f"own; 1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
          f"{os.cpu_count()} cores (wall times grow with the load)")
    show(rows)
    if args.out:
        write_atomic(args.out, lambda handle: write_rows(handle, rows))
        print(f"-> {args.out}")
    return rows


if __name__ == "__main__":
    main()
