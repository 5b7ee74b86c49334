"""Experiment files: grid expansion, overrides, and one-line errors before anything runs."""

import subprocess
import sys
from pathlib import Path

import pytest

from study.config import ConfigError
from study.experiment import load_experiment

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"

GOOD = """
name = "t"
[base]
epochs = 3
hidden = [8]
[grid]
activation = ["relu", "tanh"]
lr = [0.1, 0.2, 0.3]
seed = [0, 1]
"""


def write(tmp_path, text, name="exp.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_grid_is_the_cartesian_product_in_order(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD))
    assert exp.name == "t" and len(exp.configs) == 2 * 3 * 2
    first, last = exp.configs[0], exp.configs[-1]
    assert (first.activation, first.lr, first.seed) == ("relu", 0.1, 0)
    assert (last.activation, last.lr, last.seed) == ("tanh", 0.3, 1)
    assert all(cfg.epochs == 3 and cfg.hidden == (8,) for cfg in exp.configs)
    assert len({cfg.run_id for cfg in exp.configs}) == 12


def test_name_defaults_to_the_file_stem_and_duplicates_collapse(tmp_path):
    exp = load_experiment(write(tmp_path, "[grid]\nlr = [0.1, 0.1]\n", "mine.toml"))
    assert exp.name == "mine" and len(exp.configs) == 1


def test_set_overrides_base_and_replaces_a_grid_axis(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD), ["epochs=7", "lr=0.5", "hidden=[4, 4]"])
    assert {cfg.epochs for cfg in exp.configs} == {7}
    assert {cfg.lr for cfg in exp.configs} == {0.5}
    assert {cfg.hidden for cfg in exp.configs} == {(4, 4)}
    assert len(exp.configs) == 4


def test_run_id_depends_on_every_field(tmp_path):
    a = load_experiment(write(tmp_path, GOOD)).configs[0]
    b = load_experiment(write(tmp_path, GOOD), ["n_train=100"]).configs[0]
    assert a.run_id != b.run_id


@pytest.mark.parametrize("text, overrides, expected", [
    ("[base]\nbogus = 1\n", [], "[base] unknown setting 'bogus'"),
    ("[grid]\nactivation = ['swish']\n", [], "[grid] unknown activation 'swish'"),
    ("[grid]\nlr = [0.1, -0.1]\n", [], "[grid] lr must be positive"),
    ("[grid]\nlr = [0.0]\n", [], "[grid] lr must be positive"),
    ("[base]\nepochs = 2.5\n", [], "[base] epochs must be an integer"),
    ("[grid]\nlr = []\n", [], "[grid] lr must be a non-empty list"),
    ("[grid]\nlr = 0.1\n", [], "[grid] lr must be a non-empty list"),
    ("[base]\nlr = 0.1\n[grid]\nlr = [0.2]\n", [], "lr is in both [base] and [grid]"),
    ("extra = 1\n", [], "unknown top-level key 'extra'"),
    ("[base\n", [], "not valid TOML"),
    ("", ["epochs"], "expected KEY=VALUE"),
    ("", ["speed=3"], "--set speed: unknown setting"),
    ("", ["epochs=-3"], "[base] epochs must be positive"),
])
def test_bad_experiments_name_the_key_and_the_file(tmp_path, text, overrides, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_experiment(path, overrides)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such experiment file"):
        load_experiment(tmp_path / "nope.toml")


@pytest.mark.parametrize("text, overrides", [
    ("[grid]\nactivation = ['swish']\n", []),
    ("[grid]\nlr = []\n", []),
    ("", ["lr"]),
])
def test_cli_rejects_bad_grids_with_one_line_and_writes_nothing(tmp_path, text, overrides):
    path = write(tmp_path, "name = 'bad'\n" + text)
    results = tmp_path / "results"
    flags = [arg for o in overrides for arg in ("--set", o)]
    proc = subprocess.run(
        [sys.executable, "-m", "study", "sweep", str(path), "--results", str(results), *flags],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert str(path) in proc.stderr
    assert not results.exists()


@pytest.mark.parametrize("path", sorted(EXPERIMENTS.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_experiments_are_valid_and_named_after_their_file(path):
    exp = load_experiment(path)
    assert exp.name == path.stem and exp.configs
