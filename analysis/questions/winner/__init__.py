"""Which activation wins? The selected settings ranked on validation, and paired differences on test with
95% intervals: whether the ranking is established."""

import numpy as np

from analysis.aggregate.compare import compared_axis
from analysis.aggregate.selection import CHOSEN_BY, REPORTED_BY, has_validation, ranking
from analysis.context import Answer, Question
from analysis.questions.choice import NO_VALIDATION
from analysis.report.html import paragraph, paragraphs
from analysis.report.words import chosen_label, pct


def ranking_sentences(summary, axes):
    """The selected settings ranked by validation, with test reported; the lead and what settles it."""
    if not has_validation(summary):
        return [NO_VALIDATION]
    ranked = ranking(summary)
    axis = compared_axis(axes) or "setting"
    if len(ranked) < 2:
        return [f"Only one {axis} was selected; there is nothing to rank."]
    listed = "; ".join(f"{rank}. {chosen_label(row, axes)}: validation {pct(row['best_val_acc_mean'])}, "
                       f"test {pct(row['test_acc_at_best_val_mean'])}"
                       for rank, (_, row) in enumerate(ranked.iterrows(), start=1))
    top, second = ranked.iloc[0], ranked.iloc[1]
    lead = 100 * (top["best_val_acc_mean"] - second["best_val_acc_mean"])
    return [f"Ranking of each {axis} at its selected learning rate, by mean best {CHOSEN_BY} accuracy ({REPORTED_BY} "
            f"accuracy at the validation-chosen epoch reported beside it): {listed}.",
            f"{chosen_label(top, axes)} leads {chosen_label(second, axes)} by {lead:.2f} points on "
            f"validation; whether the {REPORTED_BY} difference is established is for the paired comparison "
            f"(same seeds) to say."]


METRIC_NAMES = {"test_acc_at_best_val": "test accuracy at the validation-chosen epoch",
                "final_test_acc": "final test accuracy"}


def pair_sentence(row):
    """One pair and metric in words: the paired difference, its interval and test, and the verdict."""
    lrs = f" (lr {row['lr_a']:g} and {row['lr_b']:g})" if np.isfinite(row["lr_a"]) else ""
    head = (f"{row['a']} - {row['b']}{lrs}, {METRIC_NAMES.get(row['metric'], row['metric'])}: "
            f"{100 * row['mean_diff']:+.2f} points over {row['n_pairs']:.0f} paired seeds")
    if row["n_pairs"] < 2:
        return head + ", too few pairs for an interval."
    if row["sd_diff"] == 0 and row["mean_diff"] == 0:
        return head + ": identical on every seed, no difference to establish."
    head += (f", 95% interval {100 * row['ci_low']:+.2f} to {100 * row['ci_high']:+.2f}, "
             f"paired t-test p = {row['p_value']:.3g}")
    if row["established"]:
        return head + ": established (the interval excludes 0)."
    needed = row["seeds_needed"]
    more = (f"at the observed spread about {needed:.0f} seeds would be needed to separate them"
            if np.isfinite(needed) else "the observed difference is too small to separate with any practical "
            "number of seeds")
    return head + f": not established (the interval includes 0); {more}."


def compare_sentences(table, metric="test_acc_at_best_val"):
    """Sentences for the pairs on `metric` (final test accuracy when that one has no pairs)."""
    if table is None or table.empty:
        return ["There is no pair of selected settings with shared seeds to compare."]
    usable = table[(table["metric"] == metric) & (table["n_pairs"] > 0)]
    if usable.empty:
        usable = table[(table["metric"] == "final_test_acc") & (table["n_pairs"] > 0)]
    chosen = table["chosen_by"].iloc[0]
    rule = (f"Each setting at its lr selected on {chosen}; runs paired by seed (same training subset and "
            "initial weights); test accuracy is only reported." if chosen != "none" else
            "No validation data: each setting has a single lr, so nothing was chosen; runs paired by seed.")
    return [rule, *[pair_sentence(row) for _, row in usable.iterrows()]]


def html(a, numbers, figures):
    text = paragraph(ranking_sentences(a.summary, a.axes))
    if a.compare is not None and not a.compare.empty:
        text += paragraphs(compare_sentences(a.compare))
    return text


def pairs_of(compare, top):
    """The test pairs of `top` against the others of its own group: compare.csv's columns before 'axis' are the
    settings each comparison holds fixed (e.g. a remedy), so a pair of another group is not the winner's."""
    rows = compare[(compare["metric"] == "test_acc_at_best_val") & (compare["a"] == top[compare["axis"].iloc[0]])]
    for column in compare.columns[:compare.columns.get_loc("axis")]:
        if column in top.index:
            rows = rows[rows[column].astype(str) == str(top[column])]
    return rows


def answers(a, numbers):
    ranked = ranking(a.summary)
    if ranked.empty:
        return []
    top = ranked.iloc[0]
    text = (f"On {CHOSEN_BY}, {chosen_label(top, a.axes)} ({pct(top['best_val_acc_mean'])}; {REPORTED_BY} "
            f"{pct(top['test_acc_at_best_val_mean'])} at its validation-chosen epoch).")
    pairs = None
    if a.compare is not None and not a.compare.empty:  # the top setting is `a` of its pairs: a is the better
        pairs = pairs_of(a.compare, top)
    if pairs is not None and len(pairs):
        verdicts = [f"{row['b']} {100 * row['mean_diff']:+.2f} points ({100 * row['ci_low']:+.2f} to "
                    f"{100 * row['ci_high']:+.2f}, {'established' if row['established'] else 'not established'})"
                    for _, row in pairs.iterrows() if np.isfinite(row["ci_low"])]
        if verdicts:
            text += f" Paired by seed against {', '.join(verdicts)}."
    return [Answer("winner", text)]


QUESTION = Question(name="winner", title="Which activation wins? Ranking and paired comparison (same seeds)",
                    applies=lambda a: has_validation(a.summary) or (a.compare is not None and not a.compare.empty),
                    compute=lambda a: None, html=html, answers=answers)
