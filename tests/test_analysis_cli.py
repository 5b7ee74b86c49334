"""`python -m analysis` as a user runs it: bad folders give one line and exit code 2."""

import os
import subprocess
import sys

import pytest

from analysis.synthetic import write_synthetic

ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def run_analysis(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], capture_output=True, text=True,
                          env=ENV, timeout=120)


def break_columns(folder):
    (folder / "epochs.csv").write_text("run_id,lr,epoch\nabc,0.1,0\n")


def break_numbers(folder):
    write_synthetic(folder)
    text = (folder / "epochs.csv").read_text().splitlines()
    text[1] = text[1].replace("relu,0.1,", "relu,fast,", 1)
    (folder / "epochs.csv").write_text("\n".join(text) + "\n")


def break_encoding(folder):
    (folder / "epochs.csv").write_bytes(b"\xff\xfe\x00garbage\x00\n\x81\x82")


BROKEN = {  # name -> (how to break a folder, words the message must contain)
    "missing folder": (lambda folder: folder.rmdir(), "no results folder"),
    "empty folder": (lambda folder: None, "holds no runs"),
    "wrong columns": (break_columns, "lacks the column(s) activation"),
    "text in a number column": (break_numbers, "lr = 'fast' is not a number"),
    "not a CSV": (break_encoding, "cannot read"),
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
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]"
