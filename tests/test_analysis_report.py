"""The whole analysis over small synthetic results folders that the tests write themselves."""

import html

import pandas as pd
import pytest

from analysis.__main__ import main
from analysis.aggregate.compute import compute
from analysis.load.results import load_results
from analysis.pipeline import report_of
from analysis.tools.synthetic import Synthetic, write_synthetic

FULL = Synthetic(sharpness_every=5, diverged={("tanh", 1.0, 1)}, failed={("tanh", 0.1, 0)})


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("full")
    write_synthetic(folder, FULL)
    assert main([str(folder)]) == 0
    return folder


def test_metrics_have_one_row_per_run_with_the_known_answers(analyzed):
    metrics = pd.read_csv(analyzed / "metrics.csv").set_index("run_id")
    assert len(metrics) == len(FULL.settings())
    assert metrics.loc["relu-1-0", "spiky"] and metrics.loc["relu-1-0", "n_spikes"] == 4  # x3 at epochs 7, 14, 21, 28
    assert not metrics.loc["relu-0.1-0", "spiky"] and metrics.loc["relu-0.1-0", "up_ratio"] == 0
    assert metrics.loc["tanh-1-1", "status"] == "diverged" and metrics.loc["tanh-1-1", "n_finite"] == 30
    assert metrics.loc["tanh-0.1-0", "status"] == "failed" and pd.isna(metrics.loc["tanh-0.1-0", "final_test_acc"])
    assert metrics.loc["relu-1-0", "reached_eos"] and not metrics.loc["tanh-1-0", "reached_eos"]


def test_summary_has_one_row_per_setting(analyzed):
    summary = pd.read_csv(analyzed / "summary.csv")
    assert len(summary) == 4 and summary.groupby("activation")["is_selected"].sum().tolist() == [1, 1]
    assert summary.set_index(["activation", "lr"]).loc[("tanh", 1.0), "divergence_rate"] == 0.5


def test_eos_table_crosses_reaching_2_over_lr_with_spikiness(analyzed):
    table = pd.read_csv(analyzed / "eos_table.csv")
    counts = {(r.reached_2_over_lr, r.spiky): r.n_runs for r in table.itertuples()}
    # the two spiky relu lr=1 runs sit at stability 1; the five other runs with a curve at 0.5
    assert counts == {(True, True): 2, (True, False): 0, (False, True): 0, (False, False): 5}


def test_report_embeds_the_figures_and_answers_from_the_numbers(analyzed):
    text = html.unescape((analyzed / "report.html").read_text())
    assert text.count("data:image/png;base64,") == len(list((analyzed / "figures").glob("*.png"))) > 0
    assert not list(analyzed.rglob("*.tmp"))  # atomic writes leave no temporary files
    assert "relu: spiky at lr 1 (spiky seeds: 2/2); smooth at lr 0.1." in text
    assert "tanh: smooth at lr 0.1, 1." in text
    assert "the 2 spiky ones end at 96.62% mean final validation accuracy" in text
    assert "the cost curves are spiky for relu at lr 1; smooth for tanh at lr 1" in text
    assert "Chosen on validation, reported on test: for each activation" in text
    # hand-computed: val = 1 - 0.42 cost; tanh seed 1 diverges at epoch 30, so its best is epoch 29
    assert "1. relu at lr 1: validation 96.62%, test 96.78%; 2. tanh at lr 1: validation 96.53%" in text
    assert "it reached 2/lr (stability = lr x sharpness / 2 >= 0.95) in 2 of them" in text
    assert "1 run(s) failed without epochs" in text
    assert "Axes that vary: activation (relu, tanh); lr (0.1, 1); seed (0, 1)." in text


def test_the_command_ends_with_the_headline_answers(tmp_path, capsys):
    write_synthetic(tmp_path, FULL)
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == f"report: {tmp_path / 'report.html'}"
    assert out[2].startswith("  Keep in mind: ") and "1 run(s) failed" in out[2]  # warnings first
    assert any(line.startswith("  Which activation wins? On validation, relu at lr 1 (96.62%; test 96.78% at its "
                               "validation-chosen epoch). Paired by seed against tanh") for line in out)


VARIANTS = {  # name -> (spec, write runs.csv)
    "in progress, no runs.csv": (Synthetic(diverged={("relu", 1.0, 0)}), False),
    "one activation": (Synthetic(activations=("tanh",), lrs=(0.1, 0.3, 1.0)), True),
    "one lr, one seed": (Synthetic(lrs=(1.0,), seeds=(0,)), True),
    "diverged and failed, no sharpness": (Synthetic(diverged={("relu", 1.0, 1)}, failed={("tanh", 1.0, 0)}), True),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_odd_folders_are_analyzed(tmp_path, variant):
    spec, with_runs = VARIANTS[variant]
    write_synthetic(tmp_path, spec, write_runs=with_runs)
    assert main([str(tmp_path)]) == 0
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    assert len(metrics) == len(spec.settings())
    diverged = {f"{a}-{lr:g}-{s}" for a, lr, s in spec.diverged}
    assert set(metrics.loc[metrics["status"] == "diverged", "run_id"]) == diverged
    assert len(pd.read_csv(tmp_path / "summary.csv")) == len(spec.activations) * len(spec.lrs)
    assert not (tmp_path / "eos_table.csv").exists() and not (tmp_path / "figures" / "sharpness.png").exists()
    assert (tmp_path / "figures" / "cost_curves.png").exists() and (tmp_path / "report.html").exists()


def test_runs_missing_from_runs_csv_are_taken_from_epochs_csv(tmp_path):
    write_synthetic(tmp_path, Synthetic(diverged={("tanh", 1.0, 1)}))
    listed = pd.read_csv(tmp_path / "runs.csv")
    listed.iloc[:3].to_csv(tmp_path / "runs.csv", index=False)  # the sweep has written 3 of its 8 runs
    runs, epochs = load_results(tmp_path)
    assert runs["listed"].tolist() == [True] * 3 + [False] * 5
    assert runs.set_index("run_id").loc["tanh-1-1", "status"] == "diverged"  # read off its inf cost
    text = report_of(compute(tmp_path))
    assert "5 run(s) are in epochs.csv but not in runs.csv" in text
