"""What to do about the spikes? Each remedy (a schedule, warm-up, clipping, weight decay, a combination)
against the constant rate, paired by seed: the change in spikes, in divergence, and in validation
accuracy at the validation-chosen epoch and at the last epoch, with 95% intervals."""

import numpy as np

from analysis.aggregate.selection import CHOSEN_BY, REPORTED_BY
from analysis.context import Answer, Figure, Question
from analysis.questions.remedies.figures import remedy_effects
from analysis.questions.remedies.numbers import CHANGES, applies, change_table, chosen_remedies
from analysis.report.html import paragraph, paragraphs, percent, table_html
from analysis.report.words import number

TITLE = "What to do about the spikes? Remedies against the constant rate, paired by seed"
SHOWN = {"activation": ("activation", str), "lr": ("lr", number), "remedy": ("best on validation", str),
         "best_val_acc": ("validation at its chosen epoch (%), chooses", percent),
         "test_acc_at_best_val": ("test there (%), reported", percent), "n": ("runs", "{:.0f}".format)}


def interval(row, metric, scale=100.0, digits=2):
    low, high = row[f"{metric}_low"], row[f"{metric}_high"]
    if not np.isfinite(low):
        return f"{scale * row[f'{metric}_change']:+.{digits}f} (no interval)"
    return f"{scale * row[f'{metric}_change']:+.{digits}f} ({scale * low:+.{digits}f} to {scale * high:+.{digits}f})"


def direction(row, metric):
    """+1 when the change is established above 0, -1 below, 0 when the interval holds 0 (or there is none)."""
    low, high = row[f"{metric}_low"], row[f"{metric}_high"]
    return 1 if low > 0 else -1 if high < 0 else 0


def verdict(row):
    """The plain words: smoother and/or more or less accurate, or nothing established."""
    smoother, accuracy = direction(row, "n_spikes") < 0, direction(row, "best_val_acc")
    late = direction(row, "final_val_acc")
    if smoother and accuracy < 0:
        return "smoother curves but LESS accurate: the smoothness costs accuracy"
    if accuracy > 0:
        return "more accurate at the chosen epoch (established)" + ("; fewer spikes too" if smoother else "")
    if smoother:
        return ("smoother curves, accuracy at the chosen epoch not changed beyond the interval"
                + ("; the last epoch is better" if late > 0 else ""))
    if late > 0:
        return "a better last epoch (late spikes cost less), nothing else established"
    return f"nothing established with {row['n_pairs']:.0f} pairs"


def change_sentence(row):
    return (f"{row['remedy']} at {row['level']} ({row['n_pairs']:.0f} pairs): spikes per run "
            f"{interval(row, 'n_spikes', 1.0, 1)}, spiky runs {interval(row, 'spiky', 100.0, 0)} points, diverged "
            f"{interval(row, 'diverged', 100.0, 0)} points; validation accuracy at the chosen epoch "
            f"{interval(row, 'best_val_acc')} points, at the last epoch {interval(row, 'final_val_acc')}: "
            f"{verdict(row)}.")


def compute(a):
    table, metrics = change_table(a)
    return {"table": table, "pooled": table[table["activation"] == "all"], "chosen": chosen_remedies(metrics)}


def html(a, numbers, figures):
    intro = ["Each remedy run is paired with the constant-rate run of the same activation, learning rate, seed and "
             "every other setting; the changes are remedy minus constant rate, pooled over the activations at each "
             "level of the rate, with 95% t intervals over the pairs (remedies.csv has them per activation). "
             f"Nothing here is chosen on {REPORTED_BY} data: the accuracies are {CHOSEN_BY} accuracies."]
    chosen = (paragraph([f"Chosen on {CHOSEN_BY} per activation and rate, {REPORTED_BY} reported at each run's "
                         "validation-chosen epoch:"]) + table_html(numbers["chosen"], SHOWN))
    return (paragraph(intro) + paragraphs([change_sentence(r) for _, r in numbers["pooled"].iterrows()])
            + figures.get("remedy_effects", "") + chosen)


def answers(a, numbers):
    found = []
    for level, rows in numbers["pooled"].groupby("level", sort=False):
        best = rows.sort_values("best_val_acc_change", ascending=False, kind="stable").iloc[0]
        text = (f"At {level}, the best remedy on {CHOSEN_BY} is {best['remedy']}: "
                f"{interval(best, 'best_val_acc')} points at the chosen epoch, {verdict(best)}.")
        costly = rows[[direction(r, "n_spikes") < 0 and direction(r, "best_val_acc") < 0 for _, r in rows.iterrows()]]
        if len(costly):
            text += f" Smoother but less accurate: {', '.join(costly['remedy'])}."
        found.append(Answer("remedy", text))
    return found


def tables(a, numbers):
    return [("remedies", numbers["table"])]


def figures(a, numbers):
    return [Figure("remedy_effects", "What each remedy changes, paired by seed with the constant rate",
                   lambda: remedy_effects(numbers["pooled"], CHANGES))]


QUESTION = Question(name="remedies", title=TITLE, applies=applies, compute=compute, html=html, figures=figures,
                    answers=answers, tables=tables)
