"""report.html: the answers first, then the contents, then one section per question with its figures.

The answers are the questions' own short answers (analysis/context.py, Answer), grouped by topic
in the order a learner asks them; each links to the section that holds its evidence.
"""

import html

from analysis.context import ANSWER_TOPICS
from analysis.figures.save import figure_html
from analysis.report.html import page

TOPICS = {  # topic -> the question its answers answer
    "cause": "What makes the cost curves spiky here?",
    "acceptable": "Is a spiky curve acceptable?",
    "winner": "Which activation wins?",
    "budget": "Does the winner depend on the training budget?",
    "remedy": "What to do about the spikes?",
    "warning": "Keep in mind:",
}


def answered(sections):
    """[(topic, [(answer text, section name)])] in ANSWER_TOPICS order, topics without answers left out."""
    found = {topic: [] for topic in ANSWER_TOPICS}
    for section in sections:
        for answer in section.answers:
            found[answer.topic].append((answer.text, section.question.name))
    return [(topic, items) for topic, items in found.items() if items]


def answers_html(sections):
    items = []
    for topic, answers in answered(sections):
        text = " ".join(f"{html.escape(text)} <a href='#{name}'>(evidence)</a>" for text, name in answers)
        items.append(f"<dt>{html.escape(TOPICS[topic])}</dt><dd>{text}</dd>")
    return f"<section id='answers'><h2>Answers</h2><dl>{''.join(items)}</dl></section>" if items else ""


def contents_html(sections):
    links = "".join(f"<li><a href='#{s.question.name}'>{html.escape(s.question.title)}</a></li>" for s in sections)
    return f"<nav><h2>Contents</h2><ol>{links}</ol></nav>"


def section_html(a, section):
    figures = {stem: figure_html(title, path, anchor=f"figure-{stem}") for stem, (title, path) in section.drawn.items()}
    body = section.question.html(a, section.numbers, figures)
    missing = "".join(tag for tag in figures.values() if tag not in body)  # every drawn figure is shown
    return (f"<section id='{section.question.name}'><h2>{html.escape(section.question.title)}</h2>{body}{missing}"
            "</section>")


def build_report(a, sections):
    """The HTML text of the report of Analysis `a` and its answered questions."""
    parts = [f"<h1>Activation study: {html.escape(a.name)}</h1>", answers_html(sections), contents_html(sections)]
    parts += [section_html(a, section) for section in sections]
    return page(a.name, parts)


# The figure that shows a folder's study best on the index page: the first of these it has, else its first.
KEY_FIGURES = ("remedy_effects", "fault_curves", "kink_stability", "sharpness", "budget_ranking", "best_lr_curves",
               "cost_curves")


def key_figure(sections):
    """(stem, title) of the folder's key figure, or None without figures."""
    drawn = {stem: title for s in sections for stem, (title, _) in s.drawn.items()}
    stem = next((stem for stem in KEY_FIGURES if stem in drawn), next(iter(drawn), None))
    return (stem, drawn[stem]) if stem else None


def provenance(manifest):
    """Where the numbers came from, from the manifest: the command, commit, dates, cores and BLAS."""
    blas = next((p for p in manifest.get("blas") or [] if p.get("user_api") == "blas"), {})
    execution, experiment = manifest.get("execution") or {}, manifest.get("experiment") or {}
    return {"command": f"study sweep {experiment.get('path', '?')} --jobs {execution.get('jobs', '?')}",
            "commit": ((manifest.get("git") or {}).get("commit") or "")[:7], "started": manifest.get("started"),
            "ended": manifest.get("ended"), "cores": (manifest.get("machine") or {}).get("cpu_count"),
            "blas": " ".join(str(blas.get(k)) for k in ("internal_api", "version", "architecture") if blas.get(k)),
            "blas_threads_per_job": execution.get("threads_per_job")}


def answers_document(a, sections):
    """The answers as data (answers.json): what the index page and the README's findings are made from."""
    key = key_figure(sections)
    return {"name": a.name, "runs": len(a.runs), "provenance": provenance(a.manifest),
            "answers": [{"topic": topic, "question": TOPICS[topic], "text": text, "section": name}
                        for topic, items in answered(sections) for text, name in items],
            "key_figure": {"file": f"figures/{key[0]}.png", "title": key[1]} if key else None}


def headline(sections):
    """The lines printed at the end of `python -m analysis`: the warnings first, then every other answer."""
    ordered = sorted(answered(sections), key=lambda item: item[0] != "warning")
    return [f"{TOPICS[topic]} {text}" for topic, items in ordered for text, _ in items]
