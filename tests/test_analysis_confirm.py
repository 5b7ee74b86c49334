"""Stage 2: the confirmation experiment written from a stage-1 folder's validation choices."""

import json
import os
import tomllib

import pandas as pd
import pytest

from analysis.__main__ import main as analysis_main
from analysis.tools.synthetic import Synthetic, write_synthetic


def main(argv):
    return analysis_main(["confirm", *argv])


STAGE_1 = Synthetic(activations=("relu", "tanh"), lrs=(0.1, 0.3, 1.0), overfit={("relu", 1.0)})


def generate(tmp_path, capsys, *extra, spec=STAGE_1):
    folder, out = tmp_path / "stage1", tmp_path / "confirm.toml"
    write_synthetic(folder, spec)
    code = main([str(folder), "--out", str(out), *extra])
    return code, out, capsys.readouterr()


def test_each_activation_gets_its_validation_selected_lr_and_the_seeds(tmp_path, capsys):
    code, out, printed = generate(tmp_path, capsys, "--seeds", "10")
    assert code == 0 and printed.out.startswith(f"wrote {out}: 2 group(s) x 10 seeds")
    doc = tomllib.loads(out.read_text())
    assert doc["name"] == "confirm"
    assert doc["base"] == {"dataset": "mnist", "epochs": 30, "hidden": "32", "n_train": 1000, "n_val": 100}
    # relu at lr 1 peaks at epoch 15 (overfit), so lr 0.3 wins on validation; tanh's best is lr 1
    assert doc["grid"] == [{"activation": ["relu"], "lr": [0.3], "seed": list(range(10))},
                           {"activation": ["tanh"], "lr": [1.0], "seed": list(range(10))}]
    text = out.read_text()
    assert "chosen on VALIDATION data" in text and "Test accuracy played no part" in text


def test_the_study_reads_the_generated_file(tmp_path, capsys):
    from study.sweep.experiment import load_experiment  # the test may import the trainer; analysis/ never does

    code, out, _ = generate(tmp_path, capsys, "--seeds", "3", "--name", "confirm_test")
    loaded = load_experiment(out)
    assert code == 0 and loaded.name == "confirm_test" and len(loaded.configs) == 6
    assert {(c.activation, c.lr, c.seed) for c in loaded.configs} == {
        (a, lr, s) for a, lr in (("relu", 0.3), ("tanh", 1.0)) for s in range(3)}


def test_another_axis_gets_one_block_per_combination(tmp_path, capsys):
    spec = Synthetic(extra={"hidden": ("32", "64,32")})
    code, out, _ = generate(tmp_path, capsys, "--seeds", "2", spec=spec)
    blocks = tomllib.loads(out.read_text())["grid"]
    assert code == 0 and [(b["activation"], b["hidden"]) for b in blocks] == [
        (["relu"], ["32"]), (["relu"], ["64,32"]), (["tanh"], ["32"]), (["tanh"], ["64,32"])]


REFUSED = {  # name -> (arguments or spec, words of the one-line error)
    "no validation": (Synthetic(n_val=0), "has no validation accuracy"),
    "no folder": (None, "no results folder"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_a_folder_that_cannot_select_gives_one_line_and_exit_2(tmp_path, capsys, name):
    spec, words = REFUSED[name]
    folder, out = tmp_path / "stage1", tmp_path / "confirm.toml"
    if spec is not None:
        write_synthetic(folder, spec)
    assert main([str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and words in err and not out.exists()


def test_an_existing_file_is_kept_unless_forced(tmp_path, capsys):
    out = tmp_path / "confirm.toml"
    out.write_text("# edited by hand\n")
    write_synthetic(tmp_path / "stage1", STAGE_1)
    assert main([str(tmp_path / "stage1"), "--out", str(out)]) == 2 and out.read_text() == "# edited by hand\n"
    assert "pass --force" in capsys.readouterr().err
    assert main([str(tmp_path / "stage1"), "--out", str(out), "--force"]) == 0 and "[[grid]]" in out.read_text()


def test_a_stage_1_cut_short_is_refused_unless_partial(tmp_path, capsys):
    folder, out = tmp_path / "stage1", tmp_path / "confirm.toml"
    write_synthetic(folder, STAGE_1)
    runs = pd.read_csv(folder / "runs.csv")
    keep = runs["activation"] == "tanh"  # only tanh finished; the manifest's grid still lists relu
    runs[keep].to_csv(folder / "runs.csv", index=False)
    epochs = pd.read_csv(folder / "epochs.csv")
    epochs[epochs["run_id"].isin(runs.loc[keep, "run_id"])].to_csv(folder / "epochs.csv", index=False)
    assert main([str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds 6 of its grid's 12 runs" in err and "--partial" in err and not out.exists()
    assert main([str(folder), "--out", str(out), "--partial"]) == 0
    text = out.read_text()
    assert "PARTIAL: only 6 of the grid's 12 runs" in text
    # the grid varies the activation, so the block says which, although only tanh finished
    assert tomllib.loads(text)["grid"] == [{"activation": ["tanh"], "lr": [1.0], "seed": list(range(10))}]


@pytest.mark.parametrize("target", ["folder", "fifo", "too long", "parent is a file", "read-only folder"])
def test_an_out_that_cannot_be_written_is_one_line_and_nothing_is_replaced(tmp_path, capsys, target):
    if target == "read-only folder" and os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder")
    write_synthetic(tmp_path / "stage1", STAGE_1)
    place = tmp_path / "place"
    place.mkdir()
    (place / "file").write_text("")
    out = {"folder": place, "fifo": place / "pipe", "too long": place / ("x" * 300 + ".toml"),
           "parent is a file": place / "file" / "confirm.toml", "read-only folder": place / "confirm.toml"}[target]
    if target == "fifo":
        os.mkfifo(out)
    if target == "read-only folder":
        place.chmod(0o500)
    try:
        code = main([str(tmp_path / "stage1"), "--out", str(out), "--force"])
    finally:
        place.chmod(0o700)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(out) in err, err
    assert (target != "fifo" or not out.is_file()) and (target != "folder" or out.is_dir())
    assert not list(place.glob("*.toml"))


def test_the_name_follows_the_rule_the_trainer_wrote_into_the_manifest(tmp_path, capsys):
    folder = tmp_path / "stage1"
    write_synthetic(folder, STAGE_1)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["contract"] = {"experiment_name_pattern": "[a-z]+"}  # a stricter trainer
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert main([str(folder), "--name", "confirm2", "--out", str(tmp_path / "c.toml")]) == 2
    assert "is not a safe folder name" in capsys.readouterr().err
    assert main([str(folder), "--name", "confirmtwo", "--out", str(tmp_path / "c.toml")]) == 0
