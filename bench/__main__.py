"""`python -m bench` (what `make bench` runs): the harness's benchmarks, in this order (--parts):

  epoch        the trainer's epoch against its matmul floor and PyTorch (bench/epoch.py);
  sweep        `study sweep` throughput with 1 and 2 jobs, a worker's peak memory (bench/throughput.py);
  bookkeeping  a 100,000-run grid's start-up and the per-run bookkeeping at 10,000 finished runs;
  minibatch    a mini-batch epoch against a full-batch epoch;
  sharpness    the hand-written Lanczos against scipy's eigsh on the same Hessian-vector products;
  analysis     `python -m analysis`'s stages on synthetic folders of 1,000 and 10,000 runs (bench/analysis_scale.py).

The epoch and sweep rows are printed as one table and written to --out (CSV). BLAS threads:
--threads for NumPy's BLAS (threadpoolctl) and for PyTorch (torch.set_num_threads). The last four
are modules of their own, bench/<part>.py (MODULES names any other), each run as `main([])` (its
defaults) and printing its own table (`python -m bench.<module> --help` for their options); a part
whose module is absent is skipped with a note.

OpenBLAS chooses its kernels when it is loaded: OPENBLAS_CORETYPE=Haswell, set on some machines
for old OpenBLAS builds, forces AVX2 kernels on AVX-512 CPUs. When it or OPENBLAS_L2_SIZE is set,
the epoch rows are measured again in a child process without them (column openblas_env).
"""

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.epoch import blas_description, epoch_part_rows
from bench.table import names_from, read_rows, show, with_verdicts, write_rows
from bench.throughput import sweep_part_rows
from bench.torch_epoch import torch_version
from results_io import write_atomic

HINTS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
OWN_TABLE_PARTS = ("bookkeeping", "minibatch", "sharpness", "analysis")  # bench/<module>.py with main(argv)
MODULES = {"analysis": "analysis_scale"}  # part -> its module's name, where that is not the part's
PARTS = ("epoch", "sweep", *OWN_TABLE_PARTS)


part_list = names_from(PARTS, "part")  # 'epoch,sweep' -> ['epoch', 'sweep'], every name checked


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[1:]))
    p.add_argument("--parts", type=part_list, default=list(PARTS),
                   help=f"comma-separated parts to run (default: {','.join(PARTS)})")
    p.add_argument("--out", default="results/bench/bench.csv", help="CSV of the epoch and sweep rows")
    p.add_argument("--reps", type=int, default=5, help="timed repetitions after one warm-up (default 5)")
    p.add_argument("--sweep-reps", type=int, default=3, help="repetitions of each timed sweep (default 3)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="BLAS threads (default: cores)")
    p.add_argument("--data-dir", help="folder holding mnist/ (default: $STUDY_DATA_DIR, cache)")
    p.add_argument("--epochs-only", action="store_true",
                   help="only the epoch rows, written to --out, nothing printed (the OpenBLAS-hints rerun)")
    args = p.parse_args(argv)
    if min(args.reps, args.sweep_reps, args.threads) < 1:
        p.error("--reps, --sweep-reps and --threads must be at least 1")
    return args


def epoch_rows(args):
    return epoch_part_rows(args.data_dir, args.reps, args.threads)


def without_hints_rows(args):
    """The epoch rows measured again by a child process that does not see OPENBLAS_CORETYPE/L2_SIZE."""
    env = {k: v for k, v in os.environ.items() if k not in HINTS}
    with tempfile.TemporaryDirectory(prefix="study-bench-") as scratch:
        out = Path(scratch) / "bench.csv"
        command = [sys.executable, "-m", "bench", "--epochs-only", "--out", str(out),
                   "--reps", str(args.reps), "--threads", str(args.threads)]
        command += ["--data-dir", args.data_dir] if args.data_dir else []
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode:
            return [{"name": "epoch", "note": f"skipped: child failed: {done.stderr.strip()[-200:]}"}]
        return [{**row, "openblas_env": "hints unset"} for row in read_rows(out)]


def run_own_table(part):
    """bench/<module>.py's own table, or a note when that module is not there (imported only now)."""
    name = f"bench.{MODULES.get(part, part)}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # a missing dependency inside it is a real error
            raise
        print(f"{part}: skipped (bench/{MODULES.get(part, part)}.py is not there)")
        return
    print(f"\n== {part} (python -m {name})")
    module.main([])


def write(path, rows):
    write_atomic(path, lambda handle: write_rows(handle, rows))


def main(argv=None):
    args = parse_args(argv)
    hints = " ".join(f"{k}={os.environ[k]}" for k in HINTS if k in os.environ)
    blas = blas_description(args.threads)
    context = {"threads": args.threads, "blas": blas, "openblas_env": "hints set" if hints else "no hints"}
    if args.epochs_only:
        write(args.out, [{**context, **row} for row in epoch_rows(args)])
        return
    print(f"NumPy BLAS: {blas} ({hints or 'no OpenBLAS hints in the environment'}); "
          f"{torch_version() or 'torch not installed'}, {args.threads} threads")
    rows = []
    if "epoch" in args.parts:
        rows += [{**context, **row} for row in epoch_rows(args)]
        rows += without_hints_rows(args) if hints else []
    if "sweep" in args.parts:
        rows += [{**context, **row, "blas": ""} for row in sweep_part_rows(args.sweep_reps)]
    if rows:
        rows = with_verdicts(rows)
        write(args.out, rows)
        show(rows)
        print(f"-> {args.out}")
    for part in OWN_TABLE_PARTS:
        if part in args.parts:
            run_own_table(part)


if __name__ == "__main__":
    main()
