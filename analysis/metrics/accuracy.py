"""Accuracy of one run from its epoch rows: final, at the validation-chosen epoch, at fixed budgets.

The best epoch of a run is chosen on validation accuracy (the first epoch of its maximum); train
and test accuracy are only read off at that epoch. Without validation numbers (n_val = 0) nothing
is chosen and those columns are blank.
"""

import numpy as np

THRESHOLDS = {"epochs_to_90": 0.90, "epochs_to_95": 0.95}  # column -> test accuracy to reach (descriptive)
BUDGETS = (25, 50, 100, 200)  # epochs at which every run is compared, plus its last recorded epoch
BUDGET_NAMES = (*map(str, BUDGETS), "last")
SPLITS = ("train", "val", "test")
BEST_VAL_COLUMNS = ("best_val_acc", "best_val_epoch", "test_acc_at_best_val", "train_acc_at_best_val")
BUDGET_COLUMNS = tuple(f"{split}_acc_at_{b}" for split in ("val", "test") for b in BUDGET_NAMES)
ACCURACY_COLUMNS = (*(f"final_{split}_acc" for split in SPLITS), *BEST_VAL_COLUMNS, *BUDGET_COLUMNS,
                    *THRESHOLDS, "final_gap")


def first_epoch_reaching(epochs, accuracy, level):
    """The first epoch whose accuracy is >= level, or NaN when it never is."""
    reached = np.flatnonzero(accuracy >= level)
    return float(epochs[reached[0]]) if len(reached) else np.nan


def column(rows, name):
    """A measurement as floats; all NaN when the table lacks the column (e.g. no val_acc)."""
    return rows[name].to_numpy(dtype=float) if name in rows.columns else np.full(len(rows), np.nan)


def best_val(epochs, val, train, test):
    """Validation's best epoch (first maximum) and the accuracies there; NaN without validation."""
    finite = np.isfinite(val)
    if not finite.any():
        return dict.fromkeys(BEST_VAL_COLUMNS, np.nan)
    best = int(np.flatnonzero(finite)[np.argmax(val[finite])])
    return {"best_val_acc": val[best], "best_val_epoch": epochs[best],
            "test_acc_at_best_val": test[best], "train_acc_at_best_val": train[best]}


def at_budgets(epochs, accuracy, split, found_at=None):
    """{split_acc_at_B: accuracy at epoch B (NaN when the run has no such epoch), ..._at_last}.

    found_at: budget_rows(epochs), when the caller has it already (it serves every split)."""
    found_at = budget_rows(epochs) if found_at is None else found_at
    found = {f"{split}_acc_at_{budget}": accuracy[row] if row is not None else np.nan
             for budget, row in found_at.items()}
    found[f"{split}_acc_at_last"] = accuracy[-1]
    return found


def budget_rows(epochs):
    """{budget: the first row at that epoch, or None}."""
    rows = {}
    for budget in BUDGETS:
        hit = np.flatnonzero(epochs == budget)
        rows[budget] = hit[0] if len(hit) else None
    return rows


def accuracy_metrics(rows):
    """Accuracy metrics of one run; `rows` are its epoch rows sorted by epoch (may be empty)."""
    return accuracy_of({name: column(rows, name) for name in ("epoch", *(f"{split}_acc" for split in SPLITS))})


def accuracy_of(curve):
    """accuracy_metrics of one run from its arrays {epoch, train_acc, val_acc, test_acc} (NaN where absent)."""
    epochs = curve["epoch"]
    if len(epochs) == 0:
        return dict.fromkeys(ACCURACY_COLUMNS, np.nan)
    train, val, test = (curve[f"{split}_acc"] for split in SPLITS)
    found_at = budget_rows(epochs)
    return {
        "final_train_acc": train[-1], "final_val_acc": val[-1], "final_test_acc": test[-1],
        **best_val(epochs, val, train, test),
        **at_budgets(epochs, val, "val", found_at), **at_budgets(epochs, test, "test", found_at),
        **{name: first_epoch_reaching(epochs, test, level) for name, level in THRESHOLDS.items()},
        "final_gap": train[-1] - test[-1],
    }
