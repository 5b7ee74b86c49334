"""results/reference/: a copy of analysed folders that load_results reads, without machine paths."""

import html
import json

import pandas as pd
import pytest

from analysis import load_results
from analysis.__main__ import main as analysis_main
from analysis.pipeline import analyze
from analysis.tools.synthetic import Synthetic, write_synthetic


def main(argv):
    return analysis_main(["reference", *argv])


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    write_synthetic(root / "syn", Synthetic(epochs=12))
    manifest = json.loads((root / "syn" / "manifest.json").read_text())
    manifest["data"] = [{"dataset": "mnist", "folder": "/home/someone/data/mnist"}]
    (root / "syn" / "manifest.json").write_text(json.dumps(manifest))
    analyze(root / "syn")
    return root


def test_the_copy_loads_like_the_original_and_links_its_figures(analysed, tmp_path):
    assert main([str(analysed), "syn", "--out", str(tmp_path)]) == 0
    copy = tmp_path / "syn"
    assert (copy / "epochs.csv.gz").is_file() and not (copy / "epochs.csv").exists()
    (runs, epochs), (runs_0, epochs_0) = load_results(copy), load_results(analysed / "syn")
    pd.testing.assert_frame_equal(epochs, epochs_0)
    pd.testing.assert_frame_equal(runs, runs_0)
    report = (copy / "report.html").read_text()
    assert "base64" not in report and "src='figures/cost_curves.png'" in report
    assert (copy / "figures" / "cost_curves.png").is_file() and not list(copy.glob("figures/*.svg"))
    assert json.loads((copy / "manifest.json").read_text())["data"][0]["folder"] == "<data root>/mnist"


def test_a_folder_not_analysed_yet_is_one_line_and_exit_2(tmp_path, capsys):
    write_synthetic(tmp_path / "raw" / "syn", Synthetic(epochs=5))
    assert main([str(tmp_path / "raw"), "syn", "--out", str(tmp_path / "ref")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "run `python -m analysis" in err and "metrics.csv" in err


def test_a_copy_onto_its_source_is_refused_and_deletes_nothing(analysed, capsys):
    before = sorted(p.relative_to(analysed) for p in analysed.rglob("*"))
    for out in (analysed, analysed / "syn", analysed / "syn" / "ref"):
        assert main([str(analysed), "syn", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "overlap" in err
    assert sorted(p.relative_to(analysed) for p in analysed.rglob("*")) == before


def test_a_failed_copy_leaves_the_previous_one(analysed, tmp_path, monkeypatch, capsys):
    assert main([str(analysed), "syn", "--out", str(tmp_path)]) == 0
    before = (tmp_path / "syn" / "report.html").read_text()
    from analysis.tools import reference

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reference, "linked_report", full_disk)
    assert main([str(analysed), "syn", "--out", str(tmp_path)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert (tmp_path / "syn" / "report.html").read_text() == before and not list(tmp_path.glob(".syn*"))


def test_the_index_answers_across_the_folders_and_links_each_report(analysed, tmp_path):
    assert main([str(analysed), "syn", "--out", str(tmp_path)]) == 0
    index = (tmp_path / "index.html").read_text()
    answers = json.loads((tmp_path / "syn" / "answers.json").read_text())
    assert "href='syn/report.html'" in index and f"src='syn/{answers['key_figure']['file']}'" in index
    assert (tmp_path / "syn" / answers["key_figure"]["file"]).is_file()
    for answer in answers["answers"]:  # the generated text, as generated
        assert html.escape(answer["text"]) in index or answer["topic"] == "warning"
