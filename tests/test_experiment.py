"""Experiment files: grid expansion, overrides, and one-line errors before anything runs."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from study.config import ConfigError
from study.sweep.experiment import load_experiment

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


def test_name_defaults_to_the_file_stem(tmp_path):
    exp = load_experiment(write(tmp_path, "[grid]\nlr = [0.1, 0.3]\n", "mine.toml"))
    assert exp.name == "mine" and len(exp.configs) == 2


@pytest.mark.parametrize("values, repeated", [("[0.1, 0.1]", "0.1"), ("[1, 0.5, 1.0]", "1.0")])
def test_a_value_listed_twice_on_a_grid_axis_is_refused(tmp_path, values, repeated):
    with pytest.raises(ConfigError, match=rf"\[grid\] lr lists {repeated} more than once"):
        load_experiment(write(tmp_path, f"[grid]\nlr = {values}\n"))


def test_the_same_run_in_two_grid_blocks_is_trained_once(tmp_path):
    exp = load_experiment(write(tmp_path, "[[grid]]\nlr = [0.1, 0.3]\n[[grid]]\nlr = [0.3, 1.0]\n"))
    assert [cfg.lr for cfg in exp.configs] == [0.1, 0.3, 1.0]


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
    ("", ["epochs=-3"], "--set epochs must be positive"),
    ("[[grid]]\nlr = [0.1]\n[[grid]]\nlr = [-1.0]\n", [], "[[grid]] block 2 lr must be positive"),
    ("[[grid]]\nlr = [0.1]\n[[grid]]\nspeed = [1]\n", [], "[[grid]] block 2 unknown setting 'speed'"),
    ("[[grid]]\nlr = [0.1]\n[[grid]]\nlr = []\n", [], "[[grid]] block 2 lr must be a non-empty list"),
    ("[base]\nlr = 0.1\n[[grid]]\nseed = [0]\n[[grid]]\nlr = [0.2]\n", [], "lr is in both [base] and [[grid]] block 2"),
    ("[[grid]]\nseed = [0]\n[[grid]]\nhidden = [8]\n", [], "[[grid]] block 2 hidden must be a list of lists"),
    ("grid = [1]\n", [], "[[grid]] block 1 must be a table"),
    ("[[grid]]\nseed = [0]\n[[grid]]\nn_train = [100, 5]\n", [],
     "[[grid]] block 2 n_train must be 0 (all) or at least"),
    ("grid = []\n", [], "one or more [[grid]] tables"),
    ("name = 5\n", [], "name must be a string, got 5"),
    ("description = 5\n", [], "description must be a string"),
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


UNION = """
name = "u"
[base]
epochs = 3
[[grid]]
activation = ["relu", "tanh"]
lr = [0.1, 0.2]
[[grid]]
activation = ["sigmoid"]
lr = [1.0, 3.0]
[[grid]]
activation = ["tanh"]
lr = [0.2, 0.5]
"""


def test_grid_array_is_the_union_of_each_blocks_product_in_order(tmp_path):
    exp = load_experiment(write(tmp_path, UNION))
    points = [(cfg.activation, cfg.lr) for cfg in exp.configs]
    # block 1, then block 2, then block 3 without (tanh, 0.2) which block 1 already holds
    assert points == [("relu", 0.1), ("relu", 0.2), ("tanh", 0.1), ("tanh", 0.2),
                      ("sigmoid", 1.0), ("sigmoid", 3.0), ("tanh", 0.5)]
    assert len(exp.grids) == 3 and all(cfg.epochs == 3 for cfg in exp.configs)


def test_one_grid_table_and_a_one_block_array_give_the_same_runs(tmp_path):
    table = load_experiment(write(tmp_path, GOOD, "a.toml"))
    array = load_experiment(write(tmp_path, GOOD.replace("[grid]", "[[grid]]"), "b.toml"))
    assert [c.run_id for c in table.configs] == [c.run_id for c in array.configs]


def test_blocks_may_vary_different_keys_and_default_the_rest(tmp_path):
    text = "[base]\nepochs = 2\n[[grid]]\nlr = [0.5]\n[[grid]]\nseed = [3]\n[[grid]]\n"
    exp = load_experiment(write(tmp_path, text))
    # the empty block is the one run of [base] and defaults
    assert [(c.lr, c.seed, c.epochs) for c in exp.configs] == [(0.5, 0, 2), (0.1, 3, 2), (0.1, 0, 2)]


def test_set_replaces_an_axis_in_every_block_that_has_it(tmp_path):
    exp = load_experiment(write(tmp_path, UNION), ["lr=0.7"])
    assert [(c.activation, c.lr) for c in exp.configs] == [("relu", 0.7), ("tanh", 0.7), ("sigmoid", 0.7)]
    assert exp.overrides == ("lr=0.7",)


@pytest.mark.parametrize("name", ["../x", "a/b", "/abs/path", "", ".", "..", ".hidden", "-flag", "a b",
                                  "line\nbreak", "x" * 129])
def test_unsafe_names_are_refused(tmp_path, name):
    path = write(tmp_path, f"name = {json.dumps(name)}\n")  # a TOML basic string, escapes included
    with pytest.raises(ConfigError, match="not a safe folder name") as info:
        load_experiment(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("name", ["main", "quick-2", "lr=0.5,epochs=20", "v1.2", "résumé"])
def test_safe_names_are_accepted(tmp_path, name):
    assert load_experiment(write(tmp_path, f'name = "{name}"\n')).name == name


def test_an_unsafe_file_stem_is_refused_with_a_hint(tmp_path):
    with pytest.raises(ConfigError, match="the file's stem; set name"):
        load_experiment(write(tmp_path, "", "my exp.toml"))


@pytest.mark.parametrize("content, expected", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a UTF-8 text file (byte 0x89 at offset 0)"),
    (b"name = 'x'\n\x00\x01\x02", "a binary file"),
    ("name = 'caf\u00e9'\n".encode("latin-1"), "not a UTF-8 text file (byte 0xe9"),
])
def test_binary_or_non_utf8_files_are_one_clear_error(tmp_path, content, expected):
    path = tmp_path / "bin.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=re.escape(expected)) as info:
        load_experiment(path)
    assert str(path) in str(info.value)


def test_a_utf8_file_with_a_byte_order_mark_loads_like_the_same_file_without(tmp_path):
    plain = load_experiment(write(tmp_path, GOOD, "plain.toml"))
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())  # what some Windows editors save
    marked = load_experiment(path)
    assert marked.run_ids == plain.run_ids and marked.name == "t"
    assert not marked.text.startswith("\ufeff")  # the manifest keeps the TOML, not the mark


def test_fast_run_ids_equal_runconfig_run_id(tmp_path):
    text = """
[base]
activation = "leaky_relu"
leaky_slope = -0.0
[[grid]]
hidden = [[8], [16, 4], [3, 2, 1]]
lr = [1, 0.5, 1e-3]
dtype = ["float32", "float64"]
"""
    exp = load_experiment(write(tmp_path, text))
    assert list(exp.run_ids) == [cfg.run_id for cfg in exp.configs] and len(exp.run_ids) == 18
    signed = load_experiment(write(tmp_path, "[base]\nactivation = 'leaky_relu'\n[grid]\nleaky_slope = [-0.0, 0.25]\n",
                                   "s.toml"))
    assert list(signed.run_ids) == [cfg.run_id for cfg in signed.configs] and len(set(signed.run_ids)) == 2


def test_run_ids_follow_runconfig_if_its_hash_changes(tmp_path, monkeypatch):
    from study import config

    monkeypatch.setattr(config.RunConfig, "run_id", property(lambda self: f"id-{self.lr}-{self.seed}"))
    exp = load_experiment(write(tmp_path, GOOD))
    assert exp.run_ids[0] == "id-0.1-0" and list(exp.run_ids) == [cfg.run_id for cfg in exp.configs]


@pytest.mark.parametrize("name", ["../escape", "/tmp/abs", "", "."])
def test_cli_refuses_an_unsafe_name_and_writes_nowhere(tmp_path, name):
    path = write(tmp_path, f"name = {json.dumps(name)}\n[grid]\nlr = [0.1]\n")
    results = tmp_path / "results"
    proc = subprocess.run([sys.executable, "-m", "study", "sweep", str(path), "--results", str(results)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "not a safe folder name" in proc.stderr and "Traceback" not in proc.stderr
    assert not results.exists() and not (tmp_path / "escape").exists()
