"""The faults section on hand-made results folders whose answers are known."""

import html
import json

import numpy as np
import pandas as pd
import pytest
from conftest import section_text

from analysis.aggregate.compute import compute
from analysis.questions.faults import QUESTION as FAULTS
from analysis.questions.faults.checks import class_mean_check, sum_check
from analysis.questions.faults.pairs import fault_pairs, side_by_side
from results_io import write_csv, write_text

EPOCHS = 40
T = np.arange(EPOCHS + 1, dtype=float)


def smooth_cost(seed):
    return 2.3 * np.exp(-0.1 * T) + 0.1 + 0.01 * seed


def spiky_cost(seed):
    cost = smooth_cost(seed)
    cost[[10, 25]] *= 3.0  # two spikes
    return cost


def run(fault, activation, lr, seed, cost, test_acc, status="ok", n_train=10000):
    """(config, epoch rows) of one made-up run; accuracies rise linearly to their final values."""
    cfg = {"run_id": f"{fault}-{activation}-{lr:g}-{seed}", "dataset": "mnist", "activation": activation, "lr": lr,
           "epochs": EPOCHS, "seed": seed, "n_train": n_train, "n_val": 10000, "fault": fault}
    ramp = np.linspace(0.1, 1.0, len(cost))
    rows = pd.DataFrame({"epoch": T[:len(cost)], "train_cost": cost, "train_acc": np.minimum(test_acc * ramp + 0.01, 1),
                         "val_cost": cost * 1.05, "val_acc": test_acc * ramp - 0.005, "test_cost": cost * 1.1,
                         "test_acc": test_acc * ramp})
    return cfg, rows, status


def write_folder(folder, runs):
    epochs = pd.concat([rows.assign(**cfg)[[*cfg, *rows.columns]] for cfg, rows, _ in runs], ignore_index=True)
    write_csv(folder / "epochs.csv", epochs)
    write_csv(folder / "runs.csv", pd.DataFrame([{**cfg, "status": status, "error": ""} for cfg, _, status in runs]))
    write_text(folder / "manifest.json", json.dumps({"experiment": {"name": "learner"},
                                                     "grid": [cfg for cfg, _, _ in runs]}))
    return folder


def learner_runs(class_mean_divisor=10.0, sum_drift_from=20):
    """Correct and faulty runs with known numbers; the class-mean cost is the correct cost / divisor, and
    sum_cost at lr 5e-5 retraces the correct run at 0.5 up to `sum_drift_from`, then drifts by 0.01 per epoch."""
    runs = []
    for seed, (good, bad) in enumerate([(0.90, 0.80), (0.92, 0.84)]):
        runs.append(run("none", "sigmoid", 0.5, seed, smooth_cost(seed), good))
        runs.append(run("sigmoid_prime", "sigmoid", 0.5, seed, smooth_cost(seed) * 1.2, bad))
    for seed in (0, 1):
        correct = spiky_cost(seed)
        runs.append(run("none", "relu", 0.5, seed, correct, 0.95))
        runs.append(run("class_mean_cost", "relu", 0.5, seed, correct / class_mean_divisor, 0.95))
        runs.append(run("sum_cost", "relu", 0.5, seed, np.r_[correct[:2], np.inf], 0.1, status="diverged"))
        drift = np.where(T >= sum_drift_from, 0.01 * (T - sum_drift_from + 1), 1e-6)
        runs.append(run("sum_cost", "relu", 5e-5, seed, correct + drift, 0.95))
    return runs


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    return compute(write_folder(tmp_path_factory.mktemp("learner"), learner_runs()))


def text_of(section):
    return html.unescape(section)


def test_every_fault_run_is_paired_with_the_correct_run_of_its_seed(analysis):
    pairs = fault_pairs(analysis.metrics, analysis.axes).set_index("run_id")
    assert pairs.loc["sigmoid_prime-sigmoid-0.5-1", "partner"] == "none-sigmoid-0.5-1"
    assert pairs.loc["class_mean_cost-relu-0.5-0", "partner"] == "none-relu-0.5-0"
    assert pairs.loc["sum_cost-relu-0.5-1", "partner"] == "none-relu-0.5-1"
    assert pd.isna(pairs.loc["sum_cost-relu-5e-05-0", "partner"])  # no correct run at lr 5e-5
    assert len(pairs) == 8


def test_side_by_side_keeps_faults_apart_from_the_correct_network(analysis):
    table = side_by_side(analysis.metrics, analysis.axes)
    networks = list(zip(table["network"], table["activation"], table["lr"], table["n_runs"]))
    # in the metrics' order (lr ascending); the correct network first within each setting
    assert networks == [("correct (none)", "sigmoid", 0.5, 2), ("sigmoid_prime", "sigmoid", 0.5, 2),
                        ("sum_cost", "relu", 5e-5, 2), ("correct (none)", "relu", 0.5, 2),
                        ("class_mean_cost", "relu", 0.5, 2), ("sum_cost", "relu", 0.5, 2)]
    row = table.iloc[1]
    assert row["final_test_acc"] == pytest.approx(0.82) and row["spiky"] == "0/2"
    assert table.iloc[5]["n_diverged"] == 2 and table.iloc[3]["spiky"] == "2/2"


def test_sentences_pair_each_fault_with_the_correct_network(analysis):
    text = text_of(section_text(FAULTS, analysis))
    assert ("sigmoid_prime (sigmoid, lr 0.5): final test accuracy 82.00% against 91.00% for the correct network at "
            "the same settings (-9.00 points, paired over 2 seed(s))") in text
    assert "spiky 0/2 against 0/2; diverged 0/2 against 0/2" in text
    assert "sum_cost (relu, lr 0.5): final test accuracy" in text and "diverged 2/2 against 0/2" in text
    assert "at the last epoch and at each run's own validation-chosen epoch" in text


def test_class_mean_equivalence_holds_when_the_cost_is_a_tenth(analysis):
    pairs = fault_pairs(analysis.metrics, analysis.axes)
    check = class_mean_check(analysis.metrics, analysis.epochs, pairs)
    assert len(check) == 2 and (check["ratio_departure"] < 1e-12).all()
    assert (check["accuracy_mismatches"] == 0).all() and (check["spikiness_differs"] == "").all()
    text = text_of(section_text(FAULTS, analysis))
    assert "train, validation and test accuracy identical at every epoch in 2 of 2 pair(s)" in text
    assert "The equivalence holds: the class-mean cost is the true cost / 10" in text


def test_class_mean_equivalence_fails_for_another_factor(tmp_path):
    analysis = compute(write_folder(tmp_path, learner_runs(class_mean_divisor=9.0)))
    check = class_mean_check(analysis.metrics, analysis.epochs, fault_pairs(analysis.metrics, analysis.axes))
    assert check["ratio_departure"].max() == pytest.approx(10 / 9 - 1)
    assert (check["spikiness_differs"] == "").all()  # a constant factor leaves log-cost spikiness alone
    assert "The equivalence does NOT hold for the cost ratio." in text_of(section_text(FAULTS, analysis))


@pytest.mark.parametrize("drift_from, verdict", [
    (EPOCHS + 5, "The equivalence holds: the sum's gradient at lr is the mean's at lr x n."),
    (20, "The equivalence holds until rounding takes over: the curves are the same for 20 epochs"),
    (2, "The equivalence does NOT hold: the curves part within 2 epoch(s)."),
])
def test_sum_equivalence_compares_lr_over_n_with_the_correct_run_at_lr(tmp_path, drift_from, verdict):
    analysis = compute(write_folder(tmp_path, learner_runs(sum_drift_from=drift_from)))
    check = sum_check(analysis.metrics, analysis.epochs, analysis.axes)
    assert list(check["partner"]) == ["none-relu-0.5-0", "none-relu-0.5-1"] and (check["n"] == 10000).all()
    text = text_of(section_text(FAULTS, analysis))
    assert "sum_cost at lr 5e-05 (n = 10000) against lr 0.5 for the correct network (2 pair(s), same seed)" in text
    assert verdict in text
    if drift_from < EPOCHS:
        assert f"differ by at most {0.01 * (EPOCHS - drift_from + 1):.2e} over all epochs" in text


def test_sum_equivalence_needs_a_correct_run_at_lr_times_n(tmp_path):
    runs = [r for r in learner_runs() if not (r[0]["fault"] == "none" and r[0]["activation"] == "relu")]
    text = text_of(section_text(FAULTS, compute(write_folder(tmp_path, runs))))
    assert "No sum_cost run has a correct run at lr x n" in text
    assert "class_mean_cost (relu, lr 0.5): no correct run at these settings" in text


def test_no_section_without_faults(tmp_path):
    runs = [r for r in learner_runs() if r[0]["fault"] == "none"]
    assert section_text(FAULTS, compute(write_folder(tmp_path, runs))) is None


def test_the_figure_is_embedded_in_its_section(tmp_path):
    from analysis.pipeline import analyze

    analyze(write_folder(tmp_path, learner_runs()))
    report = (tmp_path / "report.html").read_text()
    section = report.split("<section id='faults'>", 1)[1].split("</section>", 1)[0]
    assert section.count("data:image/png;base64,") == 1 and "id='figure-fault_curves'" in section


def test_the_report_of_a_folder_has_the_section(tmp_path):
    from analysis.__main__ import main

    assert main([str(write_folder(tmp_path, learner_runs()))]) == 0
    text = html.unescape((tmp_path / "report.html").read_text())
    assert "The hand-written bugs: each fault next to the correct network at the same settings" in text
    assert "The equivalence holds: the class-mean cost is the true cost / 10" in text
    assert (tmp_path / "figures" / "fault_curves.png").stat().st_size > 1000
