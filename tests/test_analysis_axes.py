"""The analysis learns its axes from the results: any varying setting splits the summary, none is pooled."""

import html
import json

import pandas as pd
import pytest

from analysis.aggregate.compute import compute
from analysis.load.axes import find_axes, rows_matching, setting_label
from analysis.load.contract import contract_of
from analysis.load.folder import load_folder
from analysis.pipeline import report_of
from analysis.tools.synthetic import Synthetic, write_synthetic

HIDDEN = Synthetic(extra={"hidden": ("32", "64,32")})


def test_config_columns_come_from_the_manifest_grid(tmp_path):
    write_synthetic(tmp_path, HIDDEN)
    a = load_folder(tmp_path)
    assert a.axes.config_columns == ("run_id", "dataset", "activation", "lr", "epochs", "hidden", "seed",
                                     "n_train", "n_val")
    assert a.axes.varying == ("activation", "lr", "hidden", "seed")
    assert a.axes.setting_columns == ("activation", "lr", "hidden")
    assert a.axes.group_columns == ("activation", "hidden")


def test_without_a_manifest_the_columns_of_runs_csv_before_status_are_config(tmp_path):
    write_synthetic(tmp_path, HIDDEN, manifest=False)
    runs = pd.read_csv(tmp_path / "runs.csv")
    runs.insert(runs.columns.get_loc("status"), "init", ["he"] * 8 + ["glorot"] * 8)  # a setting no list knows
    runs.to_csv(tmp_path / "runs.csv", index=False)
    assert "init" in load_folder(tmp_path).axes.setting_columns


def test_without_runs_csv_the_non_measurement_columns_of_epochs_csv_are_config(tmp_path):
    write_synthetic(tmp_path, HIDDEN, write_runs=False, manifest=False)
    axes = load_folder(tmp_path).axes
    assert axes.setting_columns == ("activation", "lr", "hidden")
    assert not {"epoch", "updates", "val_acc", "seconds", "inactive_1"} & set(axes.config_columns)


def test_a_third_axis_gives_two_summary_rows_per_activation_and_lr(tmp_path):
    write_synthetic(tmp_path, HIDDEN)
    a = compute(tmp_path)
    assert len(a.summary) == 8 and set(a.summary.groupby(["activation", "lr"]).size()) == {2}
    assert (a.summary["n_runs"] == 2).all()  # two seeds each: the hidden sizes are not pooled
    assert a.axes.setting_columns == ("activation", "lr", "hidden")
    # one lr selected per (activation, hidden), not per activation
    assert a.summary.groupby(["activation", "hidden"])["is_selected"].sum().tolist() == [1, 1, 1, 1]
    text = html.unescape(report_of(a))
    assert "hidden (32, 64,32)" in text and "One setting = one combination of activation, lr, hidden" in text
    assert "relu, hidden 32 at lr 1" in text


def test_a_constant_column_is_described_but_does_not_split(tmp_path):
    write_synthetic(tmp_path)
    a = compute(tmp_path)
    assert a.axes.setting_columns == ("activation", "lr")
    assert list(a.summary.columns[:7]) == ["dataset", "activation", "lr", "epochs", "hidden", "n_train", "n_val"]
    assert a.axes.group_columns == ("activation",)


def test_runs_of_an_earlier_grid_are_left_out_and_counted(tmp_path):
    write_synthetic(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["grid"] = [p for p in manifest["grid"] if p["activation"] == "relu"]  # tanh: an earlier grid
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    a = compute(tmp_path)
    assert a.left_out == 4 and set(a.metrics["activation"]) == {"relu"}
    assert "4 run(s) in the tables belong to an earlier grid of this folder and were left out" in \
        html.unescape(report_of(a))


def test_setting_labels_and_matching_rows():
    frame = pd.DataFrame({"activation": ["relu", "relu", "tanh"], "lr": [0.5, 1.0, 0.5], "hidden": ["32"] * 3})
    assert setting_label(frame.iloc[0], ["activation", "lr", "hidden"]) == "relu, lr 0.5, hidden 32"
    assert rows_matching(frame, frame.iloc[2], ["lr"]).index.tolist() == [0, 2]


def test_rows_match_numbers_up_to_rounding_text_exactly_and_blank_to_blank():
    frame = pd.DataFrame({"lr": [0.5, 5e-5 * 10000, 0.5 * (1 + 1e-6), float("nan")], "fault": ["none"] * 4})
    assert rows_matching(frame, frame.iloc[0], ["lr"]).index.tolist() == [0, 1]  # 1e-9 relative, not 1e-6
    assert rows_matching(frame, frame.iloc[3], ["lr"]).index.tolist() == [3]
    assert rows_matching(frame, frame.iloc[0], ["lr", "fault"], {"lr": 0.5 * (1 + 1e-6)}).index.tolist() == [2]
    assert rows_matching(frame, frame.iloc[0], ["fault"], {"fault": "sum_cost"}).empty


@pytest.mark.parametrize("values, varying", [(["a", "a"], False), (["a", "b"], True), ([1.0, float("nan")], True)])
def test_a_column_varies_when_it_holds_two_values(values, varying):
    frame = pd.DataFrame({"run_id": ["x", "y"], "c": values, "status": ["ok", "ok"]})
    assert (find_axes(frame, {}, contract_of({})).setting_columns == ("c",)) is varying
