"""Accuracy of one run from its epoch rows: final, best, when it got there, train/test gap."""

import numpy as np

THRESHOLDS = {"epochs_to_90": 0.90, "epochs_to_95": 0.95}  # column -> test accuracy to reach
ACCURACY_COLUMNS = ("final_test_acc", "final_train_acc", "best_test_acc", "best_epoch", *THRESHOLDS, "final_gap")


def first_epoch_reaching(epochs, accuracy, level):
    """The first epoch whose accuracy is >= level, or NaN when it never is."""
    reached = np.flatnonzero(accuracy >= level)
    return float(epochs[reached[0]]) if len(reached) else np.nan


def accuracy_metrics(rows):
    """Accuracy metrics of one run; `rows` are its epoch rows sorted by epoch (may be empty)."""
    if len(rows) == 0:
        return dict.fromkeys(ACCURACY_COLUMNS, np.nan)
    epochs = rows["epoch"].to_numpy(dtype=float)
    test = rows["test_acc"].to_numpy(dtype=float)
    train = rows["train_acc"].to_numpy(dtype=float)
    finite = np.isfinite(test)
    best = int(np.flatnonzero(finite)[np.argmax(test[finite])]) if finite.any() else None
    return {
        "final_test_acc": test[-1],
        "final_train_acc": train[-1],
        "best_test_acc": test[best] if best is not None else np.nan,
        "best_epoch": epochs[best] if best is not None else np.nan,
        **{column: first_epoch_reaching(epochs, test, level) for column, level in THRESHOLDS.items()},
        "final_gap": train[-1] - test[-1],
    }
