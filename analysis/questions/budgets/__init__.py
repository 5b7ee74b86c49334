"""Does the winner depend on the training budget? At each epoch budget, each group's lr chosen on
validation at that epoch, and who leads."""

from analysis.aggregate.selection import CHOSEN_BY, REPORTED_BY, has_validation
from analysis.context import Answer, Figure, Question
from analysis.figures.accuracy import budget_ranking
from analysis.report.html import paragraph
from analysis.report.words import pct


def budget_name(budget):
    return "the last epoch" if budget == "last" else f"{budget} epochs"


def budget_sentences(table):
    """Who leads at each budget, and whether the leader changes."""
    if table is None or table.empty:
        return ["No validation accuracy at any budget epoch, so no ranking by budget."]
    leaders = table[table["rank"] == 1].drop_duplicates("budget")
    parts = [f"after {budget_name(r['budget'])} {r['setting']} leads with {pct(r['val_acc_mean'])} validation "
             f"({REPORTED_BY} {pct(r['test_acc_mean'])})" for _, r in leaders.iterrows()]
    sentences = [f"At each epoch budget, each group's lr chosen on {CHOSEN_BY} accuracy at that epoch: "
                 + "; ".join(parts) + "."]
    winners = list(dict.fromkeys(leaders["group"]))
    if len(winners) == 1:
        sentences.append(f"The leader on validation is {winners[0]} at every budget.")
    else:
        at = {w: ", ".join(budget_name(b) for b in leaders.loc[leaders["group"] == w, "budget"]) for w in winners}
        sentences.append("The leader changes with the budget: " + "; ".join(f"{w} at {a}" for w, a in at.items())
                         + ". Which activation is best depends on how long you train.")
    return sentences


def leaders(table):
    """{group: [budgets it leads at]} in budget order."""
    first = table[table["rank"] == 1].drop_duplicates("budget")
    found = {}
    for _, row in first.iterrows():
        found.setdefault(row["group"], []).append(row["budget"])
    return found


def html(a, numbers, figures):
    return paragraph(budget_sentences(a.budgets)) + figures.get("budget_ranking", "")


def answers(a, numbers):
    if a.budgets is None or a.budgets.empty or a.budgets["group"].nunique() < 2:
        return []
    lead = leaders(a.budgets)
    if len(lead) == 1:
        return [Answer("budget", f"No: {next(iter(lead))} leads on {CHOSEN_BY} at every budget.")]
    return [Answer("budget", "Yes: the leader on validation changes with the budget: "
                             + "; ".join(f"{group} at {', '.join(budget_name(b) for b in budgets)}"
                                         for group, budgets in lead.items()) + ".")]


def figures(a, numbers):
    return [Figure("budget_ranking", "Ranking of the activations at each training budget (chosen on validation)",
                   lambda: budget_ranking(a.budgets, a.summary, a.axes))]


QUESTION = Question(name="budgets", title="Does the winner depend on the training budget?",
                    applies=lambda a: has_validation(a.summary) and a.budgets is not None and not a.budgets.empty,
                    compute=lambda a: None, html=html, figures=figures, answers=answers)
