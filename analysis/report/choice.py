"""Sentences about what was chosen and how: the lr of each group and the ranking, on validation."""

from analysis.load.axes import LR
from analysis.aggregate.compare import compared_axis
from analysis.aggregate.selection import (CHOSEN_BY, REPORTED_BY, group_columns, has_choice, has_validation, ranking,
                                selected_rows)
from analysis.report.words import chosen_label, groups_of, interval, number, pct

NO_VALIDATION = ("These runs have no validation numbers (trained with n_val = 0, or the val_acc column is blank), "
                 "so nothing was selected: no learning rate, no best epoch and no ranking. Every accuracy below "
                 "describes a setting; none is a choice.")


def selection_rule(summary):
    """How the choices were made, in one sentence naming the splits."""
    groups = group_columns(summary) or ["the whole grid"]
    if not has_choice(summary):
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


def selected_sentence(row, rows, summary):
    diverged = f"; {row['n_diverged']:.0f} of its {row['n_runs']:.0f} runs diverged" if row["n_diverged"] else ""
    text = (f"{chosen_label(row, summary)}: validation {pct(row['best_val_acc_mean'])} (best epoch "
            f"{row['best_val_epoch_mean']:.0f} on average); test at the validation-chosen epoch "
            f"{pct(row['test_acc_at_best_val_mean'])} ({interval(row, 'test_acc_at_best_val')}), "
            f"final test {pct(row['final_test_acc_mean'])}{diverged}.")
    edge = at_grid_edge(row, rows)
    if edge:
        text += f" Its lr is {edge} of the grid: a wider range of learning rates might do better."
    return text


def selection_sentences(summary):
    """The rule, then per group the selected lr with its validation and test numbers."""
    if not has_validation(summary):
        return [NO_VALIDATION]
    chosen = selected_rows(summary)
    sentences = [selection_rule(summary)]
    for _, rows in groups_of(summary):
        picked = chosen[chosen.index.isin(rows.index)]
        sentences += [selected_sentence(row, rows, summary) for _, row in picked.iterrows()]
    return sentences


def ranking_sentences(summary):
    """The selected settings ranked by validation, with test reported; the lead and what settles it."""
    if not has_validation(summary):
        return [NO_VALIDATION]
    ranked = ranking(summary)
    axis = compared_axis(summary) or "setting"
    if len(ranked) < 2:
        return [f"Only one {axis} was selected; there is nothing to rank."]
    listed = "; ".join(f"{rank}. {chosen_label(row, summary)}: validation {pct(row['best_val_acc_mean'])}, "
                       f"test {pct(row['test_acc_at_best_val_mean'])}"
                       for rank, (_, row) in enumerate(ranked.iterrows(), start=1))
    top, second = ranked.iloc[0], ranked.iloc[1]
    lead = 100 * (top["best_val_acc_mean"] - second["best_val_acc_mean"])
    return [f"Ranking of each {axis} at its selected learning rate, by mean best {CHOSEN_BY} accuracy ({REPORTED_BY} "
            f"accuracy at the validation-chosen epoch reported beside it): {listed}.",
            f"{chosen_label(top, summary)} leads {chosen_label(second, summary)} by {lead:.2f} points on "
            f"validation; whether the {REPORTED_BY} difference is established is for the paired comparison "
            f"(same seeds) to say."]


def headline_choice(summary):
    """One line for the terminal: the validation winner and its test accuracy, or why there is none."""
    if not has_validation(summary):
        return "No validation data: nothing selected (n_val = 0)."
    ranked = ranking(summary)
    if ranked.empty:
        return "No run has a validation accuracy yet."
    top = ranked.iloc[0]
    return (f"Best by validation: {chosen_label(top, summary)} (validation {pct(top['best_val_acc_mean'])}, "
            f"test at its validation-chosen epoch {pct(top['test_acc_at_best_val_mean'])}, "
            f"n={number(top['test_acc_at_best_val_n'])}).")
