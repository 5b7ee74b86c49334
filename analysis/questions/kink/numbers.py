"""Is relu's kink what makes the cost spiky? relu against smooth relu-like activations, at equal
learning rate and at equal stability (lr x sharpness / 2, 1 = sharpness at 2/lr).

Per run, its largest stability measured after initialization places it above or below the line 1;
its median stability once it first reached 0.95 says where it then stayed. The measurement at
epoch 0 is left out: at initialization softplus and elu start far above 1 (sharpness falls within
the first epochs), which says nothing about the training that follows. Only runs of the correct
network (fault = none) take part; diverged runs are counted apart.
"""

import numpy as np
import pandas as pd

from analysis.load.axes import setting_label, varying_columns
from analysis.metrics.eos import EOS_LEVEL, measured_stability, stability_of
from analysis.metrics.per_run import RunCurves

# Which activations are kinked (relu, leaky_relu: the derivative jumps at 0) and which are smooth
# relu-like shapes comes from each activation's record, through the folder's contract: `kinds`.
STABILITY_LINE = 1.0
STABILITY = "max_stability_trained"  # largest stability after epoch 0
SETTLED = "median_stability_trained"  # median stability from the first epoch (after 0) at or above EOS_LEVEL


def run_stability(rows):
    """{STABILITY, SETTLED} of one run's epoch rows, from its measurements after initialization."""
    return stability_after_init(*(stability_of(rows) if "sharpness" in rows.columns else ([], [])))


def stability_after_init(epochs, stability):
    """run_stability from a run's measured epochs and stability (eos.stability_of)."""
    trained = np.asarray(stability)[np.asarray(epochs) > 0]
    reached = np.flatnonzero(trained >= EOS_LEVEL)
    return {STABILITY: float(trained.max()) if len(trained) else np.nan,
            SETTLED: float(np.median(trained[reached[0]:])) if len(reached) else np.nan}


def stability_per_run(epochs):
    """One row per run_id of epochs.csv with its STABILITY and SETTLED (NaN without sharpness).

    Each run read off whole-column arrays (RunCurves), not a table per run: 10,000 runs take a second."""
    columns = [c for c in ("epoch", "sharpness", "stability", "lr") if c in epochs.columns]
    curves = RunCurves(epochs, columns)
    rows = []
    for run_id in curves.bounds:
        curve = curves.of(run_id)
        measured = (measured_stability(curve["epoch"], curve["sharpness"], curve.get("stability"),
                                       None if "optimizer" in epochs.columns else curve["lr"])
                    if "sharpness" in curve else ([], []))
        rows.append({"run_id": run_id, **stability_after_init(*measured)})
    return pd.DataFrame(rows, columns=["run_id", STABILITY, SETTLED])


def with_stability(metrics, epochs):
    """metrics with each run's STABILITY and SETTLED joined on run_id."""
    return metrics.merge(stability_per_run(epochs), on="run_id", how="left")


def kinds(contract):
    """(kinked activations, smooth relu-like activations), from the trainer's records."""
    return tuple(contract.kinked()), tuple(contract.smooth_relu_like())


def applies(metrics, kinked, smooth):
    """True when the runs hold a kinked and a smooth relu-like activation."""
    names = set(metrics["activation"].astype(str)) if "activation" in metrics.columns else set()
    return bool(names & set(kinked)) and bool(names & set(smooth))


def kink_runs(metrics, kinked, smooth):
    """Runs of relu-like activations of the correct network that have a cost curve."""
    keep = metrics["activation"].isin(kinked + smooth) & metrics["spiky"].notna()
    if "fault" in metrics.columns:
        keep &= metrics["fault"].astype(str) == "none"
    return metrics[keep]


def reference(runs, kinked):
    """The kinked activation the smooth ones are compared with: the first kinked one present (relu)."""
    return [a for a in kinked if a in set(runs["activation"])][0]


def activations_in_order(runs, first):
    """`first` (the reference), then the others in the order the experiment lists them."""
    return [first, *[a for a in dict.fromkeys(runs["activation"]) if a != first]]


def context_columns(runs, setting_columns):
    """Settings other than activation that vary among these runs (lr first): equal-lr comparisons hold them."""
    columns = [c for c in setting_columns if c != "activation" and c in runs.columns]
    return varying_columns(runs, columns)


def counts(runs):
    """(spiky, runs that did not diverge, diverged) of a set of runs."""
    diverged = runs["status"].eq("diverged")
    trained = runs[~diverged]
    return int(trained["spiky"].astype(bool).sum()), len(trained), int(diverged.sum())


def at_equal_lr(runs, setting_columns, ref):
    """One row per (context, activation): spiky, n (not diverged), diverged, share of spiky."""
    context = context_columns(runs, setting_columns)
    groups = runs.groupby(context, sort=False, dropna=False) if context else [(None, runs)]
    rows = []
    for _, group in groups:
        label = setting_label(group.iloc[0], context) or "all runs"
        for activation in activations_in_order(runs, ref):
            spiky, n, diverged = counts(group[group["activation"] == activation])
            if n or diverged:
                rows.append({"context": label, "activation": activation, "spiky": spiky, "n": n,
                             "diverged": diverged, "share": spiky / n if n else np.nan})
    return pd.DataFrame(rows)


def compare_with_reference(table, ref, smooth):
    """Per context and smooth activation: 'as spiky or more', 'less spiky', or None when not comparable."""
    verdicts = []
    for context, rows in table.groupby("context", sort=False):
        base = rows[rows["activation"] == ref]
        for _, row in rows[rows["activation"].isin(smooth)].iterrows():  # leaky_relu is kinked too: not compared
            comparable = len(base) and np.isfinite(base["share"].iloc[0]) and np.isfinite(row["share"])
            kind = None if not comparable else ("as spiky or more" if row["share"] >= base["share"].iloc[0]
                                                 else "less spiky")
            verdicts.append({"context": context, "activation": row["activation"], "verdict": kind})
    return pd.DataFrame(verdicts, columns=["context", "activation", "verdict"])


def measured_runs(runs):
    """Runs that did not diverge and have a stability (sharpness was measured)."""
    if STABILITY not in runs.columns:
        return runs.iloc[0:0]
    finite = np.isfinite(pd.to_numeric(runs[STABILITY], errors="coerce").to_numpy(dtype=float))
    return runs[runs["status"].ne("diverged").to_numpy() & finite]


def stability_split(runs, ref):
    """Per activation: runs and spiky runs above and below the line, median stability after reaching 0.95."""
    measured = measured_runs(runs)
    rows = []
    for activation in activations_in_order(runs, ref):
        mine = measured[measured["activation"] == activation]
        above = mine[mine[STABILITY].astype(float) >= STABILITY_LINE]
        below = mine[mine[STABILITY].astype(float) < STABILITY_LINE]
        after = mine[SETTLED].astype(float) if SETTLED in mine.columns else pd.Series(dtype=float)
        rows.append({"activation": activation,
                     "n_above": len(above), "spiky_above": int(above["spiky"].astype(bool).sum()),
                     "n_below": len(below), "spiky_below": int(below["spiky"].astype(bool).sum()),
                     "median_after_eos": float(after.median()) if after.notna().any() else np.nan})
    return pd.DataFrame(rows)


def exceptions(runs):
    """Runs the line does not explain: spiky below it, or smooth above it."""
    measured = measured_runs(runs)
    above = measured[STABILITY].astype(float) >= STABILITY_LINE
    return measured[above != measured["spiky"].astype(bool)]
