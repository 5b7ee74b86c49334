"""HTML pieces of the report: paragraphs, tables with formats, embedded figures, the page."""

import base64
import html

import numpy as np

percent = lambda v: f"{100 * v:.2f}"  # noqa: E731
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
figcaption{font-weight:bold;margin-bottom:.4em}.note{color:#a33}"""


def paragraph(sentences, css=""):
    return f"<p{f' class={css!r}' if css else ''}>{html.escape(' '.join(sentences))}</p>"


def cell(value, fmt):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    try:
        return fmt(value)
    except (TypeError, ValueError):
        return str(value)


def table_html(frame, columns):
    """frame's `columns` (name -> (heading, format)) as an HTML table; NaN shows as blank."""
    present = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{html.escape(columns[c][0])}</th>" for c in present)
    body = ["<tr>" + "".join(f"<td>{html.escape(cell(row[c], columns[c][1]))}</td>" for c in present) + "</tr>"
            for _, row in frame.iterrows()]
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def eos_table_html(table):
    counts = {(r["reached_2_over_lr"], r["spiky"]): int(r["n_runs"]) for _, r in table.iterrows()}
    rows = "".join(f"<tr><th>{label}</th><td>{counts[reached, True]}</td><td>{counts[reached, False]}</td></tr>"
                   for reached, label in ((True, "reached 2/lr"), (False, "stayed below 2/lr")))
    return f"<table><tr><th>runs</th><th>spiky</th><th>smooth</th></tr>{rows}</table>"


def image_html(title, png_path):
    encoded = base64.b64encode(png_path.read_bytes()).decode("ascii")
    return (f"<figure><figcaption>{html.escape(title)}</figcaption>"
            f"<img alt={html.escape(title)!r} src='data:image/png;base64,{encoded}'></figure>")


def figures_html(figures):
    return "".join(image_html(title, path) for title, path in figures.values())


def page(name, parts):
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(name)}: activation study</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")
