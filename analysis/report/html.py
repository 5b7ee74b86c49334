"""HTML pieces of the report: paragraphs, tables with formats, embedded figures, the page."""

import html

import numpy as np
import pandas as pd


def percent(value):
    return f"{100 * value:.2f}"


count = "{:.0f}".format
# summary column -> (heading, format); headings say which split chooses and which reports
SUMMARY_SHOWN = {
    "lr": ("lr", "{:g}".format), "n_runs": ("runs", count), "n_diverged": ("diverged", count),
    "n_failed": ("failed", count),
    "best_val_acc_mean": ("validation: best acc (%), chooses", percent),
    "best_val_epoch_mean": ("validation: best epoch", "{:.0f}".format),
    "test_acc_at_best_val_mean": ("test at val-chosen epoch (%), reported", percent),
    "test_acc_at_best_val_ci_low": ("95% low", percent), "test_acc_at_best_val_ci_high": ("95% high", percent),
    "final_test_acc_mean": ("final test acc (%)", percent),
    "spiky_mean": ("spiky (%)", lambda v: f"{100 * v:.0f}"), "n_spikes_mean": ("spikes", "{:.1f}".format),
    "reached_eos_mean": ("reached 2/lr (%)", lambda v: f"{100 * v:.0f}"),
    "is_selected": ("selected (validation)", lambda v: "yes" if v else ""),
}
STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f2f2f2}img{max-width:100%;border:1px solid #eee}figure{margin:2em 0}
figcaption{font-weight:bold;margin-bottom:.4em}.note{color:#a33}
#answers{background:#f6f8fa;border:1px solid #dde;padding:.2em 1em .6em}#answers h2{margin:.4em 0}
dt{font-weight:bold;margin-top:.5em}dd{margin-left:1.2em}nav ol{columns:2}p.what{color:#555}"""


def paragraph(sentences, css=""):
    """One <p> of sentences (none: nothing)."""
    if not sentences:
        return ""
    return f"<p{f' class={css!r}' if css else ''}>{html.escape(' '.join(sentences))}</p>"


def paragraphs(sentences):
    """One <p> per sentence."""
    return "".join(paragraph([s]) for s in sentences)


def formatted(fmt):
    """A format that leaves blanks (None, NaN) blank and shows values it cannot format as text."""
    def show(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        try:
            return fmt(value)
        except (TypeError, ValueError):
            return str(value)
    return show


def table_html(frame, columns):
    """frame's `columns` (name -> (heading, format)) as an HTML table (pandas Styler); blanks stay blank."""
    present = [c for c in columns if c in frame.columns]
    shown = frame[present].rename(columns={c: columns[c][0] for c in present}).reset_index(drop=True)
    styler = shown.style.format({columns[c][0]: formatted(columns[c][1]) for c in present}).hide(axis="index")
    return styler.to_html(exclude_styles=True)


def eos_table_html(table):
    """The (reached 2/lr) x (spiky) count as a two-by-two table."""
    counts = {(r["reached_2_over_lr"], r["spiky"]): int(r["n_runs"]) for _, r in table.iterrows()}
    square = pd.DataFrame({"spiky": [counts[True, True], counts[False, True]],
                           "smooth": [counts[True, False], counts[False, False]]},
                          index=pd.Index(["reached 2/lr", "stayed below 2/lr"], name="runs"))
    return square.style.to_html(exclude_styles=True)


def page(name, parts):
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(name)}: activation study</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")
