"""Sharpness solvers on the same Hessian-vector products: `python -m bench.sharpness`.

The probe's hand-written Lanczos (study/net/sharpness.py) against scipy.sparse.linalg.eigsh (ARPACK's
implicitly restarted Lanczos) on a LinearOperator of the probe's own products. A 784-128-64-10
network is trained full-batch on a --samples MNIST subset; every --every epochs each solver
measures the same parameters on that subset, warm-started from its own previous eigenvector as in
training, one solver after the other (so load from other processes hits them alike). The reference
is eigsh run to tol 1e-10, code independent of the hand-written Lanczos; --check-reference also runs
the hand-written Lanczos to convergence from a random start and prints how far apart the two are.

Tables: per measurement, each solver's relative error against the reference and its products; per
solver, the largest error, the products and the seconds. A product is the same call for every
solver, so products are the cost that load from other processes does not blur.
"""

import argparse
import os
import statistics
import time
from functools import partial

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh
from threadpoolctl import threadpool_limits

from bench.epoch import blas_description, load_data
from bench.table import names_from
from study.config import make_config
from study.net.activations import ACTIVATIONS
from study.net.sharpness import MAX_ITERATIONS, TOL, SharpnessProbe, lanczos_top
from study.training.run import run_epoch
from study.training.start import start_run

HIDDEN = [128, 64]
TARGET = 3e-4  # the accuracy docs/sharpness.md promises, relative to a converged value


def lanczos(tol, converged=None, max_iterations=MAX_ITERATIONS):
    """The probe's Lanczos with a given stopping test: solve(hvp, start) -> (value, vector)."""

    def solve(hvp, start):
        basis = np.empty((max_iterations, start.size))
        value, vector, _ = lanczos_top(hvp, start, basis, max_iterations, tol, converged)
        return value, vector

    return solve


def estimate_settled(estimates, residual, tol):
    """The probe's earlier test: the top Ritz value moved by less than tol (relative) in one iteration."""
    return len(estimates) > 1 and abs(estimates[-1] - estimates[-2]) <= tol * abs(estimates[-1])


def eigsh_top(hvp, start, tol, ncv):
    """(largest eigenvalue, its unit eigenvector) of `hvp` by ARPACK, started from `start`."""
    n = start.size
    # ARPACK copies each product out of the probe's reused buffer before asking for the next
    operator = LinearOperator((n, n), matvec=lambda v: hvp(v.ravel()), dtype=np.float64)
    values, vectors = eigsh(operator, k=1, which="LA", v0=start, tol=tol, ncv=ncv)
    return float(values[0]), vectors[:, 0]


# name -> (what it is, solve(hvp, start) -> (value, vector)). "resid" = the top Ritz pair's residual
# within tol of |theta| (ARPACK's test, eigsh's tol); the tolerances are from docs/sharpness.md.
SOLVERS = {
    "lanczos": (f"hand-written, the probe's rule (resid {TOL:g})", lanczos(TOL)),
    "lanczos_3e-3": ("hand-written, resid 3e-3", lanczos(3e-3)),
    "lanczos_moved": ("hand-written, the earlier rule: estimate moved < 1e-3", lanczos(1e-3, estimate_settled)),
    "eigsh_1e-3": ("scipy eigsh, tol 1e-3, ncv 6", partial(eigsh_top, tol=1e-3, ncv=6)),
    "eigsh_3e-3": ("scipy eigsh, tol 3e-3, ncv 6", partial(eigsh_top, tol=3e-3, ncv=6)),
}
REFERENCE = partial(eigsh_top, tol=1e-10, ncv=20)
CONVERGED_LANCZOS = lanczos(1e-9, max_iterations=100)


class Counted:
    """A probe's hvp that counts its calls."""

    def __init__(self, hvp):
        self.hvp, self.calls = hvp, 0

    def __call__(self, v):
        self.calls += 1
        return self.hvp(v)


def timed(solve, hvp, start):
    """(value, vector, products, {seconds, cpu_seconds}) of one measurement.

    CPU seconds of this process: with one BLAS thread, what other processes' load does not inflate.
    """
    counted = Counted(hvp)
    wall, cpu = time.perf_counter(), time.process_time()
    value, vector = solve(counted, start)
    clocks = {"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu}
    return value, vector, counted.calls, clocks


def measure_run(activation, args, data, solvers):
    """Rows of one training run: one per measurement and solver (the reference is solver 'reference')."""
    cfg = make_config({"activation": activation, "lr": args.lr, "epochs": args.epochs, "hidden": HIDDEN,
                       "n_train": args.samples, "n_val": 0, "seed": args.seed})
    run = start_run(cfg, data)
    probe = SharpnessProbe(run.sizes, run.X, run.y, run.f, run.f_prime, np.random.default_rng(args.seed))
    vectors = dict.fromkeys(["reference", *solvers], probe.vector)  # one random start for all
    rows = []
    for epoch in range(args.epochs + 1):
        if epoch % args.every == 0:
            rows += measure_point(probe, run.theta, vectors, solvers, args.check_reference,
                                  {"activation": activation, "epoch": epoch})
        if run_epoch(run, epoch)[1]:
            print(f"{activation}: diverged at epoch {epoch}; its later measurements are missing")
            break
    return rows


def measure_point(probe, theta, vectors, solvers, check_reference, where):
    """Every solver at one theta, each from its own previous eigenvector; errors against the reference."""
    probe.at(theta)
    reference, vectors["reference"], products, clocks = timed(REFERENCE, probe.hvp, vectors["reference"])
    check = np.nan
    if check_reference:  # from a random start: shares neither code nor warm start with the reference
        check = timed(CONVERGED_LANCZOS, probe.hvp, np.random.default_rng(0).standard_normal(theta.size))[0]
    rows = [{**where, "solver": "reference", "value": reference, "error": (check - reference) / reference,
             "products": products, **clocks}]
    for name in solvers:
        value, vectors[name], products, clocks = timed(SOLVERS[name][1], probe.hvp, vectors[name])
        rows.append({**where, "solver": name, "value": value, "error": (value - reference) / reference,
                     "products": products, **clocks})
    return rows


def show_points(rows, solvers):
    """One line per measurement: the reference value, then each solver's error and products."""
    print(f"{'activation':<11}{'epoch':>6}{'reference':>12}{'check':>10}"
          + "".join(f"{name:>22}" for name in solvers))
    for i in range(0, len(rows), len(solvers) + 1):
        ref, *rest = rows[i:i + len(solvers) + 1]
        check = "" if np.isnan(ref["error"]) else f"{ref['error']:+.0e}"
        print(f"{ref['activation']:<11}{ref['epoch']:>6}{ref['value']:>12.6f}{check:>10}"
              + "".join(f"{row['error']:>+14.1e} ({row['products']:>2} Hv)" for row in rest))


def show_summary(rows, solvers):
    """One line per solver: largest error, products, wall and CPU seconds over all measurements."""
    print(f"{'solver':<14}{'max |error|':>12}{'meets':>7}{'Hv total':>10}{'Hv mean':>9}{'Hv max':>8}"
          f"{'wall s':>9}{'CPU s':>8}{'CPU s/Hv':>10}  what")
    for name in ["reference", *solvers]:
        mine = [row for row in rows if row["solver"] == name]
        worst = max(abs(row["error"]) for row in mine)
        products = [row["products"] for row in mine]
        wall, cpu = (sum(row[clock] for row in mine) for clock in ("seconds", "cpu_seconds"))
        meets = "" if name == "reference" else ("yes" if worst <= TARGET else "no")
        worst_text = "" if np.isnan(worst) else f"{worst:.1e}"
        what = SOLVERS[name][0] if name in SOLVERS else "scipy eigsh, tol 1e-10, ncv 20 (error: --check-reference)"
        print(f"{name:<14}{worst_text:>12}{meets:>7}{sum(products):>10}{statistics.mean(products):>9.1f}"
              f"{max(products):>8}{wall:>9.2f}{cpu:>8.2f}{cpu / sum(products):>10.3f}  {what}")


def positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.sharpness", description=__doc__.splitlines()[0])
    p.add_argument("--solvers", type=names_from(SOLVERS, "solver"), default=list(SOLVERS),
                   help=f"comma-separated solvers (default: {','.join(SOLVERS)})")
    p.add_argument("--activations", type=names_from(ACTIVATIONS, "activation"), default=["relu", "tanh"],
                   help="comma-separated (default relu,tanh)")
    p.add_argument("--lr", type=float, default=0.5, help="learning rate of the training runs (default 0.5)")
    p.add_argument("--epochs", type=positive_int, default=50, help="full-batch epochs (default 50)")
    p.add_argument("--every", type=positive_int, default=10, help="epochs between measurements (default 10)")
    p.add_argument("--samples", type=positive_int, default=5000, help="training images = probe images (default 5000)")
    p.add_argument("--seed", type=int, default=0, help="run seed: subset, initialization, random start (default 0)")
    p.add_argument("--threads", type=positive_int, default=1, help="BLAS threads (default 1)")
    p.add_argument("--check-reference", action="store_true",
                   help="also run the hand-written Lanczos to convergence against the reference")
    p.add_argument("--data-dir", help="folder holding mnist/ (default: $STUDY_DATA_DIR, cache)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    data, source = load_data(args.data_dir)
    print(f"sharpness solvers: 784-{'-'.join(map(str, HIDDEN))}-10, {args.samples} {source} images, lr {args.lr}, "
          f"seed {args.seed}, a measurement every {args.every} of {args.epochs} epochs; "
          f"{blas_description(args.threads)}; load average {os.getloadavg()[0]:.1f} at the start")
    with threadpool_limits(args.threads, user_api="blas"):
        rows = [row for activation in args.activations for row in measure_run(activation, args, data, args.solvers)]
    show_points(rows, args.solvers)
    show_summary(rows, args.solvers)
    print(f"target: every |error| <= {TARGET:g}; load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
