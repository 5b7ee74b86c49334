"""The equivalences the cost faults should show, checked on the numbers, epoch by epoch.

class_mean_cost: -mean over samples AND classes of y log(p + 1e-9) with one-hot y is the true cost
/ 10 (10 classes) up to the epsilon, with the same gradient: same parameters, same accuracies at
every epoch, and the same spikiness (spikiness works on log cost, which only shifts by log 10).
sum_cost: the gradient of the sum over n images is n x the mean's, so sum_cost at lr equals the
correct network at lr x n, up to float rounding.
"""

import numpy as np
import pandas as pd

from analysis.questions.faults.pairs import FAULT, pairing_columns, partner_id
from analysis.report.words import number

CLASS_MEAN_RATIO = 0.1  # 1 / number of classes
RATIO_TOLERANCE = 1e-3  # relative departure of a recorded-cost ratio from 0.1 still called equal
RETRACE_TOLERANCE = 1e-3  # training costs (nats) this close are the same curve
CONFIRM_EPOCHS = 10  # sum = mean x n is confirmed when the curves agree over at least these first epochs
COSTS = ("train_cost", "val_cost", "test_cost")
ACCURACIES = ("train_acc", "val_acc", "test_acc")
EXACT_SPIKINESS = ("spiky", "n_spikes", "n_up")
FLOAT_SPIKINESS = ("up_ratio", "max_excursion", "roughness")


def joined_curves(epochs, run_id, partner):
    """The two runs' epoch rows side by side on their common epochs (columns <name>_f and <name>_c)."""
    mine, theirs = epochs[epochs["run_id"] == run_id], epochs[epochs["run_id"] == partner]
    return mine.merge(theirs, on="epoch", suffixes=("_f", "_c")), len(mine), len(theirs)


def cost_ratios(both):
    """Every finite, positive (fault cost / correct cost) over the cost columns present."""
    ratios = []
    for column in COSTS:
        if f"{column}_f" in both.columns:
            f, c = both[f"{column}_f"].to_numpy(dtype=float), both[f"{column}_c"].to_numpy(dtype=float)
            usable = np.isfinite(f) & np.isfinite(c) & (c > 0)
            ratios.append(f[usable] / c[usable])
    return np.concatenate(ratios) if ratios else np.array([])


def accuracy_mismatches(both):
    """Epochs where some accuracy differs between the two runs (blank equals blank)."""
    differ = np.zeros(len(both), dtype=bool)
    for column in ACCURACIES:
        if f"{column}_f" in both.columns:
            f, c = both[f"{column}_f"].to_numpy(dtype=float), both[f"{column}_c"].to_numpy(dtype=float)
            differ |= ~((f == c) | (np.isnan(f) & np.isnan(c)))
    return int(differ.sum())


def spikiness_differences(metrics, run_id, partner):
    """(exact spikiness columns that differ, largest relative difference of the float ones)."""
    rows = metrics.set_index("run_id")
    mine, theirs = rows.loc[run_id], rows.loc[partner]
    differ = [c for c in EXACT_SPIKINESS if c in rows.columns and str(mine[c]) != str(theirs[c])]
    relative = [abs(float(mine[c]) - float(theirs[c])) / max(abs(float(theirs[c])), 1e-12)
                for c in FLOAT_SPIKINESS if c in rows.columns and np.isfinite(float(theirs[c]))]
    return differ, max(relative, default=0.0)


def class_mean_check(metrics, epochs, pairs):
    """Per class_mean_cost run with a partner: cost ratios, accuracy mismatches, spikiness differences."""
    rows = []
    for _, pair in pairs[(pairs["fault"] == "class_mean_cost") & pairs["partner"].notna()].iterrows():
        both, n_fault, n_correct = joined_curves(epochs, pair["run_id"], pair["partner"])
        ratios = cost_ratios(both)
        differ, relative = spikiness_differences(metrics, pair["run_id"], pair["partner"])
        rows.append({"run_id": pair["run_id"], "partner": pair["partner"], "epochs": len(both),
                     "same_length": n_fault == n_correct, "ratio_min": ratios.min() if len(ratios) else np.nan,
                     "ratio_max": ratios.max() if len(ratios) else np.nan,
                     "ratio_departure": np.abs(ratios / CLASS_MEAN_RATIO - 1).max() if len(ratios) else np.nan,
                     "accuracy_mismatches": accuracy_mismatches(both), "spikiness_differs": ", ".join(differ),
                     "spikiness_relative": relative})
    return pd.DataFrame(rows)


def class_mean_sentences(check):
    """The class-mean equivalence in words, and whether it holds."""
    if check.empty:
        return []
    n = len(check)
    ratios_ok = bool((check["ratio_departure"] <= RATIO_TOLERANCE).all())
    accuracies_ok = bool((check["accuracy_mismatches"] == 0).all() and check["same_length"].all())
    spikiness_ok = bool((check["spikiness_differs"] == "").all() and (check["spikiness_relative"] <= 1e-3).all())
    holds = ratios_ok and accuracies_ok and spikiness_ok
    failing = [what for what, ok in (("the cost ratio", ratios_ok), ("the accuracy trajectories", accuracies_ok),
                                     ("the spikiness", spikiness_ok)) if not ok]
    lengths = "" if check["same_length"].all() else (
        f" In {int((~check['same_length']).sum())} pair(s) one run stopped earlier than the other (a different "
        "divergence verdict), so only their common epochs are compared.")
    return [
        f"class_mean_cost against the correct network at the same settings ({n} pair(s), same seed): recorded cost / "
        f"true cost = 0.1 x (1 +- {check['ratio_departure'].max():.1e}) for train, validation and test cost at every "
        f"common epoch (0.1 = 1 / 10 classes; the departure comes from the + 1e-9; ratios from "
        f"{check['ratio_min'].min():.7f} to {check['ratio_max'].max():.7f}); train, validation and test accuracy "
        f"identical at every epoch in {int((check['accuracy_mismatches'] == 0).sum())} of {n} pair(s); spikiness "
        f"(spiky, spikes, rises) identical in {int((check['spikiness_differs'] == '').sum())} of {n}, up_ratio, "
        f"max_excursion and roughness within {check['spikiness_relative'].max():.1e} (relative).{lengths}",
        "The equivalence holds: the class-mean cost is the true cost / 10 up to the epsilon, the network trains the "
        "same, and its log-scale shape and spikiness are unchanged." if holds else
        f"The equivalence does NOT hold for {', '.join(failing)}.",
    ]


def training_images(run):
    """n, the number of training images of a run (n_train), or None when the tables do not say."""
    n = run.get("n_train", 0)
    return int(n) if pd.notna(n) and float(n) > 0 else None


def sum_check(metrics, epochs, axes):
    """Per sum_cost run with a correct run at lr x n: how closely their training costs agree."""
    rows = []
    for _, run in metrics[metrics[FAULT].astype(str) == "sum_cost"].iterrows():
        n = training_images(run)
        partner = partner_id(metrics, run, pairing_columns(axes), {"lr": run["lr"] * n}) if n else None
        if partner is None:
            continue
        both, _, _ = joined_curves(epochs, run["run_id"], partner)
        gap = np.abs(both["train_cost_f"].to_numpy(dtype=float) - both["train_cost_c"].to_numpy(dtype=float))
        apart = np.flatnonzero(~(gap <= RETRACE_TOLERANCE))  # a NaN gap counts as apart
        test_gap = np.abs(both["test_acc_f"].to_numpy(dtype=float) - both["test_acc_c"].to_numpy(dtype=float))
        rows.append({"run_id": run["run_id"], "partner": partner, "lr": run["lr"], "n": n, "epochs": len(both),
                     "max_cost_gap": float(np.nanmax(gap)) if len(gap) else np.nan,
                     "agree_epochs": int(apart[0]) if len(apart) else len(both),
                     "max_test_acc_gap": float(np.nanmax(test_gap)) if len(test_gap) else np.nan})
    return pd.DataFrame(rows)


def sum_sentences(check, metrics):
    """The sum = mean with lr x n equivalence in words, and whether it holds."""
    if not (metrics[FAULT].astype(str) == "sum_cost").any():
        return []
    if check.empty:
        return ["No sum_cost run has a correct run at lr x n (n = its training images) to compare with, so whether "
                "the sum is the mean with lr x n is not checked here (run sum_cost at lr / n next to none at lr)."]
    lrs = ", ".join(f"{number(lr)} (n = {n}) against lr {number(lr * n)}" for lr, n in
                    dict.fromkeys(zip(check["lr"], check["n"])))
    agreed, total = int(check["agree_epochs"].min()), int(check["epochs"].max())
    sentence = (f"sum_cost at lr {lrs} for the correct network ({len(check)} pair(s), same seed): the training costs "
                f"agree to within {RETRACE_TOLERANCE:g} over the first {agreed} of {total} epochs in every pair, "
                f"and differ by at most {check['max_cost_gap'].max():.2e} over all epochs; test accuracy differs by "
                f"at most {100 * check['max_test_acc_gap'].max():.2f} points.")
    if agreed >= total:
        verdict = "The equivalence holds: the sum's gradient at lr is the mean's at lr x n."
    elif agreed >= CONFIRM_EPOCHS:
        verdict = (f"The equivalence holds until rounding takes over: the curves are the same for {agreed} epochs, "
                   "then drift apart, as (lr / n) x (n g) and lr x g round differently in floating point.")
    else:
        verdict = f"The equivalence does NOT hold: the curves part within {agreed} epoch(s)."
    return [sentence, verdict]
