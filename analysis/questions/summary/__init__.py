"""The summary table: one row per setting, seeds pooled (summary.csv holds every column)."""

from analysis.aggregate.selection import has_validation
from analysis.context import Question
from analysis.metrics.spikiness import UP_RATIO_LIMIT
from analysis.report.html import SUMMARY_SHOWN, paragraph, table_html


def test_only_where_selected(summary):
    """The summary with test columns blank outside the selected rows (all kept without validation)."""
    if not has_validation(summary):
        return summary
    tests = [c for c in summary.columns if "test_acc" in c]
    return summary.assign(**{c: summary[c].where(summary["is_selected"].astype(bool)) for c in tests})


def html(a, numbers, figures):
    shown = {c: (c, str) for c in a.axes.setting_columns}
    where = (" Test columns are filled only at the selected rows (summary.csv has them all)."
             if has_validation(a.summary) else "")
    return table_html(test_only_where_selected(a.summary), {**shown, **SUMMARY_SHOWN}) + paragraph([
        f"One row per setting ({', '.join(a.axes.setting_columns) or 'a single setting'}); seeds pooled, nothing "
        f"else. Spiky: some epoch's training cost above (1 + {a.tau:g}) x the lowest cost so far, or the rises of "
        f"log cost summing to at least {UP_RATIO_LIMIT:g} x its net fall. Intervals: mean +- t(0.975, n-1) x "
        "sd / sqrt(n) across seeds (scipy.stats), not clipped, so an accuracy interval can pass 100% with few "
        "seeds. 'selected' marks each group's lr chosen on validation. Per-run numbers are in metrics.csv, "
        "per-setting numbers in summary.csv, paired comparisons in compare.csv, budgets in budgets.csv." + where])


QUESTION = Question(name="summary", title="Summary per setting", applies=lambda a: True, compute=lambda a: None,
                    html=html)
