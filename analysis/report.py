"""report.html: one self-contained page with the answers, the figures (embedded) and the tables."""

import base64
import html

import numpy as np

from analysis.narrative import (best_activation, best_settings_spikiness, eos_sentences, spikes_and_accuracy,
                                spiky_settings)
from analysis.spikiness import SPIKE_TAU, UP_RATIO_LIMIT

POOLED_FIELDS = ("dataset", "hidden", "n_train", "epochs", "dtype", "init", "leaky_slope", "sharpness_every")
SUMMARY_SHOWN = {  # summary column -> (heading, format)
    "activation": ("activation", str), "lr": ("lr", "{:g}".format), "n_runs": ("runs", "{:.0f}".format),
    "n_diverged": ("diverged", "{:.0f}".format), "n_failed": ("failed", "{:.0f}".format),
    "final_test_acc_mean": ("final test acc (%)", lambda v: f"{100 * v:.2f}"),
    "final_test_acc_std": ("sd (points)", lambda v: f"{100 * v:.2f}"),
    "final_test_acc_ci_low": ("95% low", lambda v: f"{100 * v:.2f}"),
    "final_test_acc_ci_high": ("95% high", lambda v: f"{100 * v:.2f}"),
    "best_test_acc_mean": ("best test acc (%)", lambda v: f"{100 * v:.2f}"),
    "epochs_to_95_mean": ("epochs to 95%", "{:.1f}".format),
    "spiky_mean": ("spiky (%)", lambda v: f"{100 * v:.0f}"),
    "n_spikes_mean": ("spikes", "{:.1f}".format),
    "max_excursion_mean": ("max excursion", "{:.2f}".format),
    "reached_eos_mean": ("reached 2/lr (%)", lambda v: f"{100 * v:.0f}"),
    "is_best_lr": ("best lr", lambda v: "yes" if v else ""),
}
STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f2f2f2}img{max-width:100%;border:1px solid #eee}figure{margin:2em 0}
figcaption{font-weight:bold;margin-bottom:.4em}.note{color:#a33}"""


def paragraph(sentences, css=""):
    return f"<p{f' class={css!r}' if css else ''}>{html.escape(' '.join(sentences))}</p>"


def table_html(frame, columns):
    """frame's `columns` (name -> (heading, format)) as an HTML table; NaN shows as blank."""
    present = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{html.escape(columns[c][0])}</th>" for c in present)
    body = ["<tr>" + "".join(f"<td>{html.escape(cell(row[c], columns[c][1]))}</td>" for c in present) + "</tr>"
            for _, row in frame.iterrows()]
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def cell(value, fmt):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return fmt(value)


def eos_table_html(table):
    count = {(r["reached_2_over_lr"], r["spiky"]): int(r["n_runs"]) for _, r in table.iterrows()}
    rows = "".join(f"<tr><th>{label}</th><td>{count[reached, True]}</td><td>{count[reached, False]}</td></tr>"
                   for reached, label in ((True, "reached 2/lr"), (False, "stayed below 2/lr")))
    return f"<table><tr><th>runs</th><th>spiky</th><th>smooth</th></tr>{rows}</table>"


def image_html(title, png_path):
    encoded = base64.b64encode(png_path.read_bytes()).decode("ascii")
    return (f"<figure><figcaption>{html.escape(title)}</figcaption>"
            f"<img alt={html.escape(title)!r} src='data:image/png;base64,{encoded}'></figure>")


def data_notes(runs, manifest):
    """Warnings about what the folder holds: unlisted runs, failures, pooled config fields."""
    notes = []
    unlisted = int((~runs["listed"].astype(bool)).sum())
    if unlisted:
        notes.append(f"{unlisted} run(s) are in epochs.csv but not in runs.csv (sweep in progress?); "
                     "their status was read off their cost curve.")
    total = (manifest.get("execution") or {}).get("runs_total")
    if total and total > len(runs):
        notes.append(f"Only {len(runs)} of the experiment's {total} runs are in the folder.")
    failed = runs[runs["status"] == "failed"]
    if len(failed):
        first = str(failed["error"].iloc[0]) if "error" in failed.columns else "no message"
        notes.append(f"{len(failed)} run(s) failed without epochs (first error: {first}).")
    pooled = [f for f in POOLED_FIELDS if f in runs.columns and runs[f].astype(str).nunique() > 1]
    if pooled:
        notes.append(f"{', '.join(pooled)} vary across runs and are pooled within each (activation, lr).")
    return notes


def build_report(name, runs, metrics, summary, figures, eos, manifest, tau=SPIKE_TAU):
    """The HTML text of the report."""
    sections = [f"<h1>Activation study: {html.escape(name)}</h1>",
                paragraph([f"{len(runs)} run(s), {metrics['activation'].nunique()} activation(s), "
                           f"{metrics['lr'].nunique()} learning rate(s)."]),
                *[paragraph([note], "note") for note in data_notes(runs, manifest)],
                "<h2>Which settings give spiky cost curves?</h2>",
                *[paragraph([s]) for s in spiky_settings(summary, tau)],
                "<h2>Do the spikes hurt the final accuracy?</h2>",
                paragraph(spikes_and_accuracy(metrics) + best_settings_spikiness(summary)),
                "<h2>Which activation is best at its best learning rate?</h2>", paragraph(best_activation(summary))]
    if eos is not None:
        sections += ["<h2>Did sharpness reach 2/lr, and does that go with spikes?</h2>",
                     paragraph(eos_sentences(eos, metrics)), eos_table_html(eos)]
    sections += ["<h2>Figures</h2>", *[image_html(title, path) for title, path in figures.values()],
                 "<h2>Summary per activation and learning rate</h2>", table_html(summary, SUMMARY_SHOWN),
                 paragraph([f"Spiky: some epoch's training cost above (1 + {tau:g}) x the lowest cost so far, or "
                            f"the rises of log cost summing to at least {UP_RATIO_LIMIT:g} x its net fall. "
                            "Intervals: mean +- t(0.975, n-1) x sd / sqrt(n) across seeds. "
                            "Per-run numbers are in metrics.csv, per-setting numbers in summary.csv."])]
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(name)}: activation study</title><style>{STYLE}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")
