"""Adding a question to the report is one folder and one line, and every figure it draws is saved and counted."""

import html
import textwrap

import analysis.questions as questions
from analysis.__main__ import main
from analysis.tools.synthetic import Synthetic, write_synthetic

TOY = '''
"""How many runs are there? A question added by a test."""

from analysis.context import Answer, Figure, Question
from analysis.figures.style import plt


def draw(a):
    fig, ax = plt.subplots()
    ax.bar(["runs"], [len(a.runs)])
    return fig


QUESTION = Question(
    name="toy", title="How many runs are there?", applies=lambda a: True, compute=lambda a: len(a.runs),
    html=lambda a, n, figures: f"<p>{n} runs counted by the toy.</p>" + figures["toy_count"],
    figures=lambda a, n: [Figure("toy_count", "The runs, counted", lambda: draw(a))],
    answers=lambda a, n: [Answer("warning", f"The toy counted {n} runs.")],
    tables=lambda a, n: [],
)
'''


def test_a_toy_question_is_one_folder_and_one_line(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "more_questions" / "toy"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(textwrap.dedent(TOY))  # the one folder
    monkeypatch.setattr(questions, "__path__", [*questions.__path__, str(folder.parent)])
    monkeypatch.setattr(questions, "QUESTIONS", questions.listed((*questions.ORDER, "toy")))  # the one line
    results = tmp_path / "results"
    write_synthetic(results, Synthetic(epochs=10))
    import analysis.pipeline as pipeline

    monkeypatch.setattr(pipeline, "QUESTIONS", questions.QUESTIONS)
    assert main([str(results)]) == 0
    out = capsys.readouterr().out
    pngs = list((results / "figures").glob("*.png"))
    assert f"and {len(pngs)} figure(s) into" in out and (results / "figures" / "toy_count.png").is_file()
    report = html.unescape((results / "report.html").read_text())
    section = report.split("<section id='toy'>", 1)[1].split("</section>", 1)[0]
    assert "8 runs counted by the toy." in section and "id='figure-toy_count'" in section
    answers = report.split("<section id='answers'>", 1)[1].split("</section>", 1)[0]
    assert "The toy counted 8 runs. <a href='#toy'>(evidence)</a>" in answers
