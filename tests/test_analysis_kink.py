"""The kink section on hand-made metrics tables whose answers are known."""

import html
import re

import numpy as np
import pandas as pd
import pytest
from conftest import section_text

from analysis.context import Analysis
from analysis.load.axes import find_axes
from analysis.load.contract import contract_of
from analysis.questions.kink import QUESTION as KINK
from analysis.questions.kink import equal_lr_sentences, stability_sentences
from analysis.questions.kink.numbers import (
    SETTLED,
    STABILITY,
    at_equal_lr,
    compare_with_reference,
    exceptions,
    kinds,
    kink_runs,
    stability_per_run,
    stability_split,
    with_stability,
)

CONTRACT = contract_of({})  # the activations' records as the trainer wrote them before the contract existed
KINKED, SMOOTH = kinds(CONTRACT)


def runs_of(metrics):
    return kink_runs(metrics, KINKED, SMOOTH)


def kink_section(a):
    return section_text(KINK, a)

# (activation, lr, seed) -> (status, spiky, n_spikes, largest stability after init, median once it reached 0.95)
EXPLAINED = {
    ("relu", 0.1, 0): ("ok", False, 0, 0.60, np.nan), ("relu", 0.1, 1): ("ok", False, 0, 0.70, np.nan),
    ("relu", 0.3, 0): ("ok", True, 4, 1.10, 1.01), ("relu", 0.3, 1): ("ok", True, 6, 1.05, 0.99),
    ("relu", 1.0, 0): ("diverged", False, 0, np.nan, np.nan), ("relu", 1.0, 1): ("diverged", False, 0, np.nan, np.nan),
    ("softplus", 0.1, 0): ("ok", False, 0, 0.50, np.nan), ("softplus", 0.1, 1): ("ok", False, 0, 0.55, np.nan),
    ("softplus", 0.3, 0): ("ok", True, 2, 1.02, 0.98), ("softplus", 0.3, 1): ("ok", False, 0, 0.90, np.nan),
    ("softplus", 1.0, 0): ("ok", True, 9, 1.20, 1.03), ("softplus", 1.0, 1): ("ok", True, 7, 1.30, 1.05),
    ("gelu", 0.1, 0): ("ok", False, 0, 0.40, np.nan), ("gelu", 0.1, 1): ("ok", False, 0, 0.45, np.nan),
    ("gelu", 0.3, 0): ("ok", True, 3, 1.10, 1.00), ("gelu", 0.3, 1): ("ok", True, 5, 1.20, 1.02),
    ("gelu", 1.0, 0): ("ok", True, 8, 1.50, 1.04), ("gelu", 1.0, 1): ("diverged", False, 0, np.nan, np.nan),
}


def metrics_of(table, with_stability=True, extra=None):
    rows = [{"run_id": f"{a}-{lr:g}-{seed}", "activation": a, "lr": lr, "seed": seed, "status": status,
             "spiky": spiky, "n_spikes": spikes, STABILITY: stability, SETTLED: after}
            for (a, lr, seed), (status, spiky, spikes, stability, after) in table.items()]
    metrics = pd.DataFrame(rows)
    if extra:
        metrics = pd.concat([metrics, pd.DataFrame(extra)], ignore_index=True)
    return metrics if with_stability else metrics.drop(columns=[STABILITY, SETTLED])


def analysis_of(metrics):
    return Analysis(name="kink", runs=metrics, epochs=pd.DataFrame(), manifest={}, contract=CONTRACT,
                    axes=find_axes(metrics, {}, CONTRACT), metrics=metrics)


def test_stability_per_run_leaves_out_the_initialization():
    nan = np.nan
    epochs = pd.DataFrame({  # softplus-like start far above 1, then below; a run at the edge; one without sharpness
        "run_id": ["init"] * 4 + ["edge"] * 4 + ["none"] * 2, "lr": [0.1] * 4 + [0.5] * 4 + [0.1] * 2,
        "epoch": [0, 5, 10, 15] * 2 + [0, 5],
        "sharpness": [40.0, nan, 12.0, 16.0, 2.0, 3.6, 4.4, 3.8, nan, nan],
        "stability": [2.0, nan, 0.6, 0.8, nan, nan, nan, nan, nan, nan]})  # blank: computed as lr x sharpness / 2
    table = stability_per_run(epochs).set_index("run_id")
    assert table.loc["init", STABILITY] == pytest.approx(0.8) and np.isnan(table.loc["init", SETTLED])
    assert table.loc["edge", STABILITY] == pytest.approx(1.1)
    assert table.loc["edge", SETTLED] == pytest.approx(1.025)  # 0.9 at epoch 5 is below 0.95: median of 1.1, 0.95
    assert np.isnan(table.loc["none", STABILITY])
    metrics = pd.DataFrame({"run_id": ["edge", "init", "none"], "spiky": [True, False, False]})
    assert list(with_stability(metrics, epochs)[STABILITY].round(3).fillna(-1)) == [1.1, 0.8, -1]


def test_spiky_shares_at_equal_lr():
    table = at_equal_lr(metrics_of(EXPLAINED), ("activation", "lr"), "relu")
    cells = {(r.context, r.activation): (r.spiky, r.n, r.diverged) for r in table.itertuples()}
    assert cells[("lr 0.3", "softplus")] == (1, 2, 0) and cells[("lr 0.3", "relu")] == (2, 2, 0)
    assert cells[("lr 1", "relu")] == (0, 0, 2) and cells[("lr 1", "gelu")] == (1, 1, 1)
    assert list(table["activation"][:3]) == ["relu", "softplus", "gelu"]  # relu first, then grid order


def test_smooth_activations_compared_with_relu_at_the_same_lr():
    table = at_equal_lr(metrics_of(EXPLAINED), ("activation", "lr"), "relu")
    verdicts = compare_with_reference(table, "relu", SMOOTH).set_index(["context", "activation"])["verdict"]
    assert verdicts[("lr 0.1", "gelu")] == "as spiky or more"  # 0/2 and 0/2
    assert verdicts[("lr 0.3", "softplus")] == "less spiky"  # 1/2 against 2/2
    assert verdicts[("lr 0.3", "gelu")] == "as spiky or more"
    assert pd.isna(verdicts[("lr 1", "gelu")])  # every relu run diverged: nothing to compare with
    text = " ".join(equal_lr_sentences(table, "relu", SMOOTH))
    assert "lr 0.3: relu 2/2 spiky, softplus 1/2 spiky, gelu 2/2 spiky" in text
    assert "lr 1: relu no run trained, 2 diverged, softplus 2/2 spiky, gelu 1/1 spiky, 1 diverged" in text
    assert ("as spiky as relu or more in 3 of 4 comparisons at the same setting, less spiky in 1 "
            "(softplus at lr 0.3)") in text
    assert "the answer at equal learning rate is mixed" in text


def test_leaky_relu_is_not_counted_as_smooth():
    table = dict(EXPLAINED)
    table[("leaky_relu", 0.3, 0)] = ("ok", False, 0, 0.9, np.nan)
    verdicts = compare_with_reference(at_equal_lr(metrics_of(table), ("activation", "lr"), "relu"), "relu", SMOOTH)
    assert "leaky_relu" not in set(verdicts["activation"]) and len(verdicts) == 6


def test_equal_lr_verdict_when_every_smooth_activation_is_as_spiky():
    same = {k: v for k, v in EXPLAINED.items() if k[0] != "softplus"}
    text = " ".join(equal_lr_sentences(at_equal_lr(metrics_of(same), ("activation", "lr"), "relu"), "relu", SMOOTH))
    assert "as spiky as relu or more in 2 of 2 comparisons" in text
    assert "the smooth activations' curves are as spiky as relu's: the kink makes no difference to spikiness" in text


def test_stability_explains_every_run():
    metrics = metrics_of(EXPLAINED)
    split = stability_split(runs_of(metrics), "relu").set_index("activation")
    assert split.loc["softplus", ["n_above", "spiky_above", "n_below", "spiky_below"]].tolist() == [3, 3, 3, 0]
    assert split.loc["relu", "median_after_eos"] == pytest.approx(1.0)
    assert exceptions(runs_of(metrics)).empty
    text = " ".join(stability_sentences(runs_of(metrics), ("activation", "lr"), "relu", KINKED))
    assert "15 runs that did not diverge have one" in text
    assert ("relu: spiky in 2/2 runs at or above 1 and 0/2 below (median stability after first reaching "
            "0.95: 1.00)") in text
    assert "Yes, stability explains spikiness whatever the activation" in text


def test_runs_the_line_does_not_explain_are_named():
    table = dict(EXPLAINED)
    table[("relu", 0.1, 0)] = ("ok", True, 1, 0.80, np.nan)  # spiky below the line
    table[("gelu", 0.1, 1)] = ("ok", False, 0, 1.40, 1.10)  # smooth above it
    text = " ".join(stability_sentences(runs_of(metrics_of(table)), ("activation", "lr"), "relu", KINKED))
    assert "separates spiky from smooth runs in 13 of 15 runs" in text
    assert "(1 kinked, 1 smooth): relu, lr 0.1, seed 0 (0.80, spiky), gelu, lr 0.1, seed 1 (1.40, smooth)" in text


def test_without_sharpness_only_the_equal_lr_part():
    section = html.unescape(kink_section(analysis_of(metrics_of(EXPLAINED, with_stability=False))))
    assert "Sharpness was not measured" in section and "data:image/png" not in section
    assert "at the same setting" in section


def test_fault_runs_and_other_activations_are_left_out():
    extra = [{"run_id": "f", "activation": "relu", "lr": 0.3, "seed": 0, "status": "ok", "spiky": False, "n_spikes": 0,
              STABILITY: 2.0, SETTLED: 1.5, "fault": "sum_cost"},
             {"run_id": "s", "activation": "sigmoid", "lr": 0.3, "seed": 0, "status": "ok", "spiky": False,
              "n_spikes": 0, STABILITY: 2.0, SETTLED: 1.5}]
    metrics = metrics_of(EXPLAINED, extra=extra)
    metrics["fault"] = metrics["fault"].fillna("none")
    runs = runs_of(metrics)
    assert set(runs["run_id"]) == set(metrics_of(EXPLAINED)["run_id"])
    assert exceptions(runs).empty


def test_section_only_for_a_kinked_and_a_smooth_activation():
    no_smooth = {k: v for k, v in EXPLAINED.items() if k[0] == "relu"}
    assert kink_section(analysis_of(metrics_of(no_smooth))) is None
    section = kink_section(analysis_of(metrics_of(EXPLAINED)))
    rows = [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in section.split("</table>")[0].split("<tr>")]
    assert rows[1] == ["setting", "relu", "softplus", "gelu"]
    cells = next(row for row in rows if row[:1] == ["lr 0.3"])
    assert cells == ["lr 0.3", "2/2 spiky", "1/2 spiky", "2/2 spiky"]  # relu, softplus, gelu at lr 0.3
    assert KINK.figures(analysis_of(metrics_of(EXPLAINED)), KINK.compute(analysis_of(metrics_of(EXPLAINED))))


def test_an_activation_without_runs_below_the_line():
    above_only = {k: v for k, v in EXPLAINED.items() if k[0] == "relu" and k[1] == 0.3}
    text = " ".join(stability_sentences(runs_of(metrics_of(above_only)), ("activation", "lr"), "relu", KINKED))
    assert "relu: spiky in 2/2 runs at or above 1 and no run below" in text


def test_the_report_of_a_folder_has_the_section(tmp_path):
    from analysis.__main__ import main
    from analysis.tools.synthetic import Synthetic, write_synthetic

    # relu is spiky at lr 1 with stability 1.0; softplus is smooth there with stability 0.5
    write_synthetic(tmp_path, Synthetic(activations=("relu", "softplus"), sharpness_every=5))
    assert main([str(tmp_path)]) == 0
    text = html.unescape((tmp_path / "report.html").read_text())
    assert "Is relu's kink what makes the cost spiky?" in text
    assert "less spiky in 1 (softplus at lr 1)" in text
    assert "Yes, stability explains spikiness whatever the activation" in text
    assert (tmp_path / "figures" / "kink_stability.png").stat().st_size > 1000
