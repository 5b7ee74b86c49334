"""The `study` command: help, one-line errors with exit code 2, `train --out`, `data`, both entry points."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import SMALL_TEST, SMALL_TRAIN, WAIT_CEILING

from study.cli import USAGE_ERROR, build_parser, main
from study.config import make_config
from study.net.activations import ACTIVATIONS

CONSOLE_SCRIPT = Path(sys.executable).parent / "study"
EPOCH_COLUMNS = [
    "run_id", "dataset", "activation", "lr", "epochs", "hidden", "seed", "n_train", "n_val", "dtype", "init",
    "leaky_slope", "optimizer", "batch_size", "beta", "beta1", "beta2", "eps", "fault", "sharpness_every",
    "sharpness_samples", "lr_schedule", "lr_final", "lr_step_every", "lr_step_factor", "warmup_epochs", "clip_norm",
    "weight_decay",
    "epoch", "updates", "train_cost", "train_acc", "val_cost", "val_acc", "test_cost", "test_acc", "grad_norm",
    "seconds", "sharpness", "stability", "lr_used", "clipped", "penalty",
]


def run_cli(argv, capsys):
    """(exit code, stdout, stderr) of main(argv), in this process."""
    try:
        code = main(argv) or 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def subcommands():
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return list(action.choices)


def test_subcommands_are_the_documented_ones():
    assert {"train", "data", "gradcheck", "sweep"} <= set(subcommands())


@pytest.mark.parametrize("argv", [["--help"], *([name, "--help"] for name in subcommands())], ids=" ".join)
def test_help_exits_zero(argv, capsys):
    code, out, err = run_cli(argv, capsys)
    assert code == 0 and err == ""
    assert out.startswith("usage: study") and (len(argv) == 1 or f"study {argv[0]}" in out)


BAD_ARGS = {
    "no subcommand": ([], "required"),
    "lr not a number": (["train", "--lr", "abc"], "--lr"),
    "unknown activation": (["train", "--activation", "swish"], "unknown activation 'swish'; valid: relu"),
    "negative lr": (["train", "--lr", "-1"], "lr must be positive"),
    "zero epochs": (["train", "--epochs", "0"], "epochs must be positive"),
    "bad hidden": (["train", "--hidden", "12,x"], "hidden must be comma-separated integers"),
    "zero hidden": (["train", "--hidden", "12,0"], "hidden must be a list of positive integers"),
    "unknown dtype": (["train", "--dtype", "float16"], "unknown dtype 'float16'"),
    "unknown init": (["train", "--init", "xavier"], "unknown init 'xavier'"),
    "unknown dataset": (["train", "--dataset", "cifar"], "unknown dataset 'cifar'"),
    "n_train too big": (["train", "--n-train", "60001"], "n_train must be at most 60000"),
    "negative seed": (["train", "--seed", "-3"], "seed must be zero or positive"),
    "unknown flag": (["train", "--learning-rate", "0.1"], "unrecognized arguments: --learning-rate"),
    "unknown subcommand": (["fit"], "invalid choice: 'fit'"),
    "gradcheck seed": (["gradcheck", "--seed", "x"], "--seed"),
    "gradcheck negative seed": (["gradcheck", "--seed", "-5"], "--seed must be zero or positive, got -5"),
    "gradcheck unknown fault": (["gradcheck", "--fault", "typo"], "invalid choice: 'typo'"),
    "infinite lr": (["train", "--lr", "inf"], "lr must be positive and finite, got inf"),
    "no hidden layer": (["train", "--hidden", ""], "hidden needs at least one hidden layer"),
    "fewer images than classes": (["train", "--n-train", "5"], "n_train must be 0 (all) or at least 10"),
    "network larger than memory": (["train", "--hidden", "10000000"], "GiB for its parameters and activations"),
    "out is a folder": (["train", "--out", "/tmp"], "--out /tmp exists and is not a regular file"),
    "out is a device": (["train", "--out", "/dev/null"], "--out /dev/null exists and is not a regular file"),
    "out cannot be written": (["train", "--out", "/proc/study/run.csv"], "--out /proc/study/run.csv: cannot write"),
    "missing data": (["train", "--data-dir", "/nonexistent/study-data", "--no-progress"],
                     "mnist not found (looked in /nonexistent/study-data/mnist"),
    "missing data for data": (["data", "--data-dir", "/nonexistent/study-data"], "STUDY_DATA_DIR"),
}


@pytest.mark.parametrize("case", BAD_ARGS)
def test_bad_input_is_one_line_and_exit_2(case, capsys, data_env):
    argv, words = BAD_ARGS[case]
    code, out, err = run_cli(argv, capsys)
    assert code == USAGE_ERROR
    assert out == ""
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert err.startswith("study") and "error" in err and words in err
    assert "Traceback" not in err


def test_unknown_activation_message_lists_every_choice(capsys, data_env):
    _, _, err = run_cli(["train", "--activation", "swish"], capsys)
    assert all(name in err for name in ACTIVATIONS)


@pytest.fixture
def small_data_dir(tmp_path, data_env, idx_folder):
    idx_folder(tmp_path / "data" / "mnist")
    return tmp_path / "data"


def test_train_writes_the_epoch_table(small_data_dir, tmp_path, capsys):
    out_csv = tmp_path / "out" / "run.csv"
    argv = ["train", "--data-dir", str(small_data_dir), "--hidden", "8,4", "--epochs", "3", "--lr", "0.2",
            "--activation", "tanh", "--seed", "2", "--n-val", "10", "--no-progress", "--out", str(out_csv)]
    code, out, err = run_cli(argv, capsys)
    assert code == 0 and err == ""
    table = pd.read_csv(out_csv)
    assert list(table.columns) == EPOCH_COLUMNS + ["inactive_1", "inactive_2"]
    assert list(table["epoch"]) == [0, 1, 2, 3]
    run_id = make_config({"hidden": "8,4", "epochs": 3, "lr": 0.2, "activation": "tanh", "seed": 2, "n_val": 10}).run_id
    assert set(table["run_id"]) == {run_id}
    assert set(table["hidden"]) == {"8,4"} and set(table["activation"]) == {"tanh"}
    assert set(table["init"]) == {"auto"} and set(table["n_train"]) == {0}
    assert table["sharpness"].isna().all()
    assert table["train_acc"].between(0, 1).all() and table["val_acc"].between(0, 1).all()
    assert set(table["n_val"]) == {10} and (table["val_acc"] * 10).round(9).mod(1).eq(0).all()  # of 10 images
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"tanh lr=0.2 seed=2 [{run_id}]: ok after 3 epochs, train cost ")
    assert f"{table['train_cost'].iloc[-1]:.4f}" in lines[0] and lines[0].endswith(f"-> {out_csv}")


def test_train_without_out_prints_only_the_summary(small_data_dir, capsys):
    code, out, err = run_cli(["train", "--data-dir", str(small_data_dir), "--hidden", "4", "--epochs", "1",
                              "--n-val", "0", "--no-progress"], capsys)
    assert code == 0 and err == "" and len(out.splitlines()) == 1 and "->" not in out


def test_data_command_describes_the_folder(small_data_dir, capsys):
    code, out, err = run_cli(["data", "--data-dir", str(small_data_dir)], capsys)
    assert code == 0
    fields = dict(line.split(": ", 1) for line in out.splitlines())
    assert fields["folder"] == str(small_data_dir / "mnist")
    assert fields["n_train"] == str(SMALL_TRAIN) and fields["n_test"] == str(SMALL_TEST)
    assert fields["train_label_counts"] == str([SMALL_TRAIN // 10] * 10)


def both_entry_points(*argv, env=None):
    """[(returncode, stdout, stderr)] of `python -m study` and the `study` console script."""
    if not CONSOLE_SCRIPT.exists():
        pytest.skip(f"console script not installed at {CONSOLE_SCRIPT}")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    commands = [[sys.executable, "-m", "study", *argv], [str(CONSOLE_SCRIPT), *argv]]
    done = [subprocess.run(c, capture_output=True, text=True, env=env, timeout=WAIT_CEILING) for c in commands]
    return [(p.returncode, p.stdout, p.stderr) for p in done]


@pytest.mark.parametrize("argv", [["--help"], ["train", "--lr", "abc"], ["train", "--activation", "swish"]],
                         ids=" ".join)
def test_module_and_console_script_agree(argv):
    module, script = both_entry_points(*argv)
    assert module == script
    assert module[0] in (0, USAGE_ERROR) and "Traceback" not in module[2]


def test_gradcheck_through_both_entry_points():
    module, script = both_entry_points("gradcheck")
    assert module == script and module[0] == 0
    assert f"all {len(ACTIVATIONS)} activations within" in module[1]


def test_train_end_to_end_on_full_size_files(tmp_path, synthetic_data_root):
    if not CONSOLE_SCRIPT.exists():
        pytest.skip(f"console script not installed at {CONSOLE_SCRIPT}")
    out_csv = tmp_path / "run.csv"
    argv = ["train", "--n-train", "500", "--hidden", "16", "--epochs", "2", "--no-progress",
            "--data-dir", str(synthetic_data_root), "--out", str(out_csv)]
    done = subprocess.run([str(CONSOLE_SCRIPT), *argv], capture_output=True, text=True, timeout=WAIT_CEILING,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 0 and done.stderr == ""
    assert len(done.stdout.splitlines()) == 1 and "ok after 2 epochs" in done.stdout
    assert "0 train images also in test" in done.stdout
    assert len(pd.read_csv(out_csv)) == 3


@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_out_that_is_not_a_regular_file_is_refused_before_training(kind, tmp_path, capsys, data_env):
    out = tmp_path / "run.csv"
    target = tmp_path / "precious.csv"
    target.write_text("keep me")
    out.symlink_to(target) if kind == "symlink" else os.mkfifo(out)
    code, stdout, err = run_cli(["train", "--out", str(out), "--no-progress"], capsys)
    assert code == USAGE_ERROR and stdout == "" and "is not a regular file" in err  # not "mnist not found"
    assert target.read_text() == "keep me" and (out.is_symlink() if kind == "symlink" else out.is_fifo())



def test_an_out_name_too_long_for_the_file_system_is_refused_before_training(tmp_path, capsys, data_env):
    out = tmp_path / f"{'n' * 252}.csv"  # 256 bytes: one more than a file name can have
    code, stdout, err = run_cli(["train", "--out", str(out), "--no-progress"], capsys)
    assert code == USAGE_ERROR and stdout == "" and len(err.strip().splitlines()) == 1
    assert "the file name is 256 bytes long, more than the 255" in err and "Traceback" not in err


def test_an_out_name_of_250_characters_is_written(small_data_dir, tmp_path, capsys):
    out = tmp_path / f"{'r' * 246}.csv"  # its temporary name would be too long, were it not shortened
    code, stdout, err = run_cli(["train", "--data-dir", str(small_data_dir), "--hidden", "4", "--epochs", "2",
                                 "--n-val", "0", "--no-progress", "--out", str(out)], capsys)
    assert code == 0 and err == "" and stdout.strip().endswith(f"-> {out}")
    assert list(pd.read_csv(out)["epoch"]) == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_ctrl_c_while_the_command_loads_is_one_line(monkeypatch, capsys):
    """The package (numpy) is loaded inside main: a Ctrl-C then is the interruption line, exit 130."""
    from study import cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    code, out, err = run_cli(["sweep", "x.toml"], capsys)
    assert code == 130 and out == "" and err == "study: interrupted\n"
    done = subprocess.run([sys.executable, "-c", "import sys, study.cli; print(sorted({'numpy', 'study.config'} & "
                           "set(sys.modules)))"], capture_output=True, text=True, timeout=WAIT_CEILING)
    assert done.stdout.strip() == "[]"  # before main runs, nothing slow is loaded, so nothing can raise there
