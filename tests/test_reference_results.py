"""The shipped results agree with themselves: README findings = index.html = each report's answers."""

import html
import json
from pathlib import Path

import pytest

from analysis import load_results
from analysis.tools.index import README_END, README_START, findings_markdown, index_html, studies

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "results" / "reference"
SHIPPED = sorted(folder for folder, _, _ in studies(REFERENCE))


def test_every_shipped_study_is_there():
    assert [f.name for f in SHIPPED] == sorted(["main", "confirm", "long", "kink", "learner", "optimizers",
                                                "remedies"])


def test_the_readme_findings_are_the_text_generated_from_the_shipped_results():
    readme = (ROOT / "README.md").read_text()
    block = readme.split(README_START, 1)[1].split(README_END, 1)[0]
    assert block.strip() == findings_markdown(REFERENCE).strip()
    assert "(results/reference/index.html)" in readme


def test_the_index_is_the_page_generated_from_the_shipped_answers():
    assert (REFERENCE / "index.html").read_text() == index_html(REFERENCE)


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda f: f.name)
def test_each_answer_stands_in_its_report_and_its_key_figure_is_shipped(folder):
    answers = json.loads((folder / "answers.json").read_text())
    report = (folder / "report.html").read_text()
    top = report.split("<section id='answers'>", 1)[1].split("</section>", 1)[0]
    for answer in answers["answers"]:
        assert html.escape(answer["text"]) in top and f"id='{answer['section']}'" in report
    assert (folder / answers["key_figure"]["file"]).is_file()
    runs, _ = load_results(folder)
    assert len(runs) == answers["runs"]
