"""Overfitting at each selected setting: train, validation and test accuracy over epochs, the gaps
at the last and at the validation-chosen epoch, and whether validation accuracy peaked before the end."""

from analysis.aggregate.selection import has_validation, selected_rows
from analysis.context import Figure, Question
from analysis.figures.accuracy import best_lr_curves
from analysis.load.axes import rows_matching
from analysis.report.html import paragraphs
from analysis.report.words import chosen_label, pct

PEAK_MARGIN = 0.001  # a validation peak this far (0.1 point) above the last value counts as a decline


def selected_runs(summary, metrics, axes):
    """(selected summary row, its runs in metrics) per selected setting."""
    return [(row, rows_matching(metrics, row, axes.setting_columns)) for _, row in selected_rows(summary).iterrows()]


def peak_sentence(runs):
    """How many seeds' validation accuracy peaked before their last epoch, and by how much (ok runs only)."""
    usable = runs[runs["status"] == "ok"].dropna(subset=["best_val_epoch", "epochs_run"])
    diverged = int((runs["status"] == "diverged").sum())
    skipped = f" ({diverged} diverged run(s) left out: their last epoch is the blow-up)" if diverged else ""
    if usable.empty:
        return f"no run of this setting trained to its end without diverging{skipped}"
    early = usable["best_val_epoch"] < usable["epochs_run"]
    decline = (usable["best_val_acc"] - usable["final_val_acc"]).mean()
    verdict = ("validation accuracy fell after its peak: the model overfits (or the run became unstable) "
               "late in training" if decline > PEAK_MARGIN else "no real decline after the peak")
    return (f"validation accuracy peaks before the last epoch in {int(early.sum())} of {len(usable)} seeds (at "
            f"epoch {usable['best_val_epoch'].mean():.0f} on average, of {usable['epochs_run'].mean():.0f}), "
            f"{100 * decline:.2f} points above its last value{skipped}: {verdict}")


def overfit_sentences(summary, metrics, axes):
    """Per selected setting: train / validation / test at the last epoch, the gaps, the validation peak."""
    if not has_validation(summary):
        return ["No validation data, so no setting was selected and the validation peak cannot be located."]
    sentences = []
    for row, runs in selected_runs(summary, metrics, axes):
        if runs["best_val_epoch"].notna().sum() == 0:
            continue
        last_gap = row["final_train_acc_mean"] - row["final_val_acc_mean"]
        chosen_gap = row["train_acc_at_best_val_mean"] - row["best_val_acc_mean"]
        sentences.append(
            f"{chosen_label(row, axes)}: at the last epoch train {pct(row['final_train_acc_mean'])}, validation "
            f"{pct(row['final_val_acc_mean'])}, test {pct(row['final_test_acc_mean'])} (train - validation gap "
            f"{100 * last_gap:.2f} points; {100 * chosen_gap:.2f} at the validation-chosen epoch); "
            f"{peak_sentence(runs)}.")
    return sentences or ["No selected setting has a validation curve."]


def html(a, numbers, figures):
    return paragraphs(overfit_sentences(a.summary, a.metrics, a.axes)) + figures.get("best_lr_curves", "")


def figures(a, numbers):
    if selected_rows(a.summary).empty:
        return []
    return [Figure("best_lr_curves", "Train, validation and test accuracy at each activation's selected learning rate",
                   lambda: best_lr_curves(a.metrics, a.summary, a.epochs, a.axes))]


QUESTION = Question(name="overfit", title="Overfitting: train, validation and test accuracy at the selected settings",
                    applies=lambda a: True, compute=lambda a: None, html=html, figures=figures)
