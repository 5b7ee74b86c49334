"""Edge of stability: did sharpness reach 2/lr, and does that go with a spiky cost curve?

stability = lr x sharpness / 2, so stability = 1 is sharpness = 2/lr, where gradient descent on a
quadratic of that curvature stops converging. Sharpness is an estimate (power iteration on a
subset), so a run counts as having reached 2/lr once stability >= EOS_LEVEL.
"""

import numpy as np
import pandas as pd

EOS_LEVEL = 0.95
EOS_COLUMNS = ("sharpness_measured", "reached_eos", "eos_epoch", "stability_after_eos", "max_stability")


def has_sharpness(epochs):
    """True when some run of the folder measured sharpness."""
    return "sharpness" in epochs.columns and bool(np.isfinite(epochs["sharpness"].to_numpy(dtype=float)).any())


def stability_of(rows):
    """(epochs, stability) at the measured epochs; stability computed from sharpness if absent."""
    return measured_stability(
        rows["epoch"].to_numpy(dtype=float), rows["sharpness"].to_numpy(dtype=float),
        rows["stability"].to_numpy(dtype=float) if "stability" in rows.columns else None,
        rows["lr"].to_numpy(dtype=float) if "optimizer" not in rows.columns else None)


def measured_stability(epochs, sharpness, stability=None, lr=None):
    """stability_of from arrays. lr: given for tables from before per-optimizer stability (no optimizer
    column), where a blank stability is lr x sharpness / 2; without it Adam's blank stays blank."""
    stability = np.full(len(sharpness), np.nan) if stability is None else stability
    if lr is not None:
        stability = np.where(np.isfinite(stability), stability, lr * sharpness / 2)
    measured = np.isfinite(stability)
    return epochs[measured], stability[measured]


def eos_metrics(rows):
    """Whether and when stability first reached EOS_LEVEL, and its median from then on."""
    return eos_of(*(stability_of(rows) if len(rows) and "sharpness" in rows.columns else ([], [])))


def eos_of(epochs, stability):
    """eos_metrics from the measured epochs and their stability (stability_of)."""
    if len(stability) == 0:
        return {"sharpness_measured": False, **dict.fromkeys(EOS_COLUMNS[1:], np.nan)}
    reached = np.flatnonzero(stability >= EOS_LEVEL)
    first = reached[0] if len(reached) else None
    return {
        "sharpness_measured": True,
        "reached_eos": first is not None,
        "eos_epoch": epochs[first] if first is not None else np.nan,
        "stability_after_eos": float(np.median(stability[first:])) if first is not None else np.nan,
        "max_stability": float(stability.max()),
    }


def eos_table(metrics):
    """Counts of runs by (reached 2/lr, spiky), all four cells, for runs with sharpness and a curve."""
    usable = metrics[metrics["sharpness_measured"].astype(bool) & metrics["spiky"].notna()]
    cells = [(reached, spiky) for reached in (True, False) for spiky in (True, False)]
    counts = [int(((usable["reached_eos"].astype(bool) == reached) & (usable["spiky"].astype(bool) == spiky)).sum())
              for reached, spiky in cells]
    return pd.DataFrame({"reached_2_over_lr": [c[0] for c in cells], "spiky": [c[1] for c in cells],
                         "n_runs": counts})
