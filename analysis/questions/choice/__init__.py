"""How the learning rates were chosen (validation) and what they reach (test): the rule, each group's
selected lr, and the accuracy over the grid (heatmap, against lr)."""

from analysis.aggregate.selection import CHOSEN_BY, REPORTED_BY, has_choice, has_validation, selected_rows
from analysis.context import Figure, Question
from analysis.figures.grid import accuracy_vs_lr
from analysis.figures.heatmaps import accuracy_heatmap
from analysis.figures.style import ACCURACY_VIEWS, accuracy_view
from analysis.load.axes import LR
from analysis.report.html import paragraphs
from analysis.report.words import chosen_label, groups_of, interval, pct

NO_VALIDATION = ("These runs have no validation numbers (trained with n_val = 0, or the val_acc column is blank), "
                 "so nothing was selected: no learning rate, no best epoch and no ranking. Every accuracy below "
                 "describes a setting; none is a choice.")


def selection_rule(summary, axes):
    """How the choices were made, in one sentence naming the splits."""
    groups = list(axes.group_columns) or ["the whole grid"]
    if not has_choice(summary, axes):
        return (f"Each {' x '.join(groups)} has a single learning rate in this folder (as in a confirmation run of "
                "rates chosen on validation in stage 1), so no rate is chosen here; each run's best epoch is its "
                f"first epoch of maximal {CHOSEN_BY} accuracy, and {REPORTED_BY} accuracy is reported there.")
    return (f"Chosen on {CHOSEN_BY}, reported on {REPORTED_BY}: for each {' x '.join(groups)} the learning rate with "
            "the highest mean best validation accuracy (each run's maximum of val_acc over its epochs, averaged over "
            "seeds; the smaller lr on a tie) is selected, and each run's best epoch is its first epoch of maximal "
            f"validation accuracy. {REPORTED_BY.capitalize()} accuracy plays no part in any choice and is reported "
            "only at them.")


def at_grid_edge(row, rows):
    """'the largest' / 'the smallest' when the selected lr is at the edge of its group's grid of 3+ rates."""
    lrs = rows[LR].dropna().unique() if LR in rows.columns else []
    if len(lrs) < 3:
        return None
    return "the largest" if row[LR] == max(lrs) else "the smallest" if row[LR] == min(lrs) else None


def selected_sentence(row, rows, axes):
    diverged = f"; {row['n_diverged']:.0f} of its {row['n_runs']:.0f} runs diverged" if row["n_diverged"] else ""
    text = (f"{chosen_label(row, axes)}: validation {pct(row['best_val_acc_mean'])} (best epoch "
            f"{row['best_val_epoch_mean']:.0f} on average); test at the validation-chosen epoch "
            f"{pct(row['test_acc_at_best_val_mean'])} ({interval(row, 'test_acc_at_best_val')}), "
            f"final test {pct(row['final_test_acc_mean'])}{diverged}.")
    edge = at_grid_edge(row, rows)
    if edge:
        text += f" Its lr is {edge} of the grid: a wider range of learning rates might do better."
    return text


def selection_sentences(summary, axes):
    """The rule, then per group the selected lr with its validation and test numbers."""
    if not has_validation(summary):
        return [NO_VALIDATION]
    chosen = selected_rows(summary)
    sentences = [selection_rule(summary, axes)]
    for _, rows in groups_of(summary, axes):
        picked = chosen[chosen.index.isin(rows.index)]
        sentences += [selected_sentence(row, rows, axes) for _, row in picked.iterrows()]
    return sentences


def html(a, numbers, figures):
    return paragraphs(selection_sentences(a.summary, a.axes)) + figures.get("accuracy_heatmap", "") \
        + figures.get("accuracy_vs_lr", "")


def figures(a, numbers):
    accuracy = ACCURACY_VIEWS[accuracy_view(a.summary)]["name"]
    return [Figure("accuracy_heatmap", f"{accuracy} over activation and learning rate",
                   lambda: accuracy_heatmap(a.summary, a.axes)),
            Figure("accuracy_vs_lr", f"{accuracy} against learning rate", lambda: accuracy_vs_lr(a.summary, a.axes))]


QUESTION = Question(name="choice", title="How the learning rates were chosen (validation) and what they reach (test)",
                    applies=lambda a: True, compute=lambda a: None, html=html, figures=figures)
