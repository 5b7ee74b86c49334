"""`python -m analysis` as a user runs it: bad folders give one line and exit code 2."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import WAIT_CEILING

from analysis.__main__ import main
from analysis.tools.synthetic import write_synthetic

ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def run_analysis(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], capture_output=True, text=True,
                          env=ENV, timeout=WAIT_CEILING)


def break_columns(folder):
    (folder / "epochs.csv").write_text("run_id,lr,epoch\nabc,0.1,0\n")


def break_numbers(folder):
    write_synthetic(folder)
    text = (folder / "epochs.csv").read_text().splitlines()
    text[1] = text[1].replace("relu,0.1,", "relu,fast,", 1)
    (folder / "epochs.csv").write_text("\n".join(text) + "\n")


def edit_epochs(folder, edit):
    """Write a synthetic folder, then change its epochs.csv with edit(frame)."""
    write_synthetic(folder)
    epochs = pd.read_csv(folder / "epochs.csv")
    edit(epochs)
    epochs.to_csv(folder / "epochs.csv", index=False)


def set_value(column, row, value):
    return lambda folder: edit_epochs(folder, lambda e: e.__setitem__(column, e[column].where(e.index != row, value)))


def duplicate_row(folder):
    write_synthetic(folder)
    lines = (folder / "epochs.csv").read_text().splitlines()
    (folder / "epochs.csv").write_text("\n".join([*lines[:6], lines[5], *lines[6:]]) + "\n")


def break_encoding(folder):
    (folder / "epochs.csv").write_bytes(b"\xff\xfe\x00garbage\x00\n\x81\x82")


BROKEN = {  # name -> (how to break a folder, words the message must contain)
    "missing folder": (lambda folder: folder.rmdir(), "no results folder"),
    "empty folder": (lambda folder: None, "holds no runs"),
    "wrong columns": (break_columns, "lacks the column(s) activation"),
    "text in a number column": (break_numbers, "lr = 'fast' is not a number"),
    "not a CSV": (break_encoding, "cannot read"),
    "accuracy above 1": (set_value("val_acc", 4, 95.0), "data row 5: val_acc = 95.0 is outside [0, 1]"),
    "negative accuracy": (set_value("test_acc", 0, -0.1), "data row 1: test_acc = -0.1 is outside [0, 1]"),
    "negative cost": (set_value("train_cost", 2, -1.0), "data row 3: train_cost = -1.0 is negative"),
    "duplicate epoch": (duplicate_row, "data row 6: run_id 'relu-0.1-0' has epoch 4 twice"),
    "inf cost in an ok run": (set_value("test_cost", 3, float("inf")),
                              "data row 4: test_cost = inf in run 'relu-0.1-0' whose status is ok"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_folder_gives_one_line_and_exit_code_2(tmp_path, name):
    folder = tmp_path / "results"
    folder.mkdir()
    breaker, words = BROKEN[name]
    breaker(folder)
    done = run_analysis(folder)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1 and words in done.stderr
    assert "Traceback" not in done.stderr and not (folder / "report.html").exists()


def test_the_analysis_never_imports_the_trainer():
    code = ("import sys, analysis.pipeline, analysis.__main__; "
            "print(sorted(m for m in sys.modules if m == 'study' or m.startswith('study.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=WAIT_CEILING)
    assert done.returncode == 0 and done.stdout.strip() == "[]"


def test_a_run_whose_costs_are_all_blank_is_named_and_the_report_still_reads(tmp_path, capsys):
    edit_epochs(tmp_path, lambda e: e.__setitem__("train_cost", e["train_cost"].where(e["run_id"] != "tanh-1-0",
                                                                                     np.nan)))
    assert main([str(tmp_path)]) == 0
    text = (tmp_path / "report.html").read_text()
    assert "1 run(s) have epoch rows but no finite training cost (all blank)" in text and "tanh-1-0" in text
    assert "tanh: smooth at lr 0.1, 1 (spiky seeds" not in text and "tanh: smooth at lr 0.1, 1." in text
