"""The bench package runs against the core's current API (no timings are checked here)."""

import sys
import types
from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench import analysis_scale
from bench.epoch import timing_rows
from bench.table import meets, read_rows, with_verdicts


def test_epoch_rows_time_the_real_epoch_and_its_floor(make_dataset, monkeypatch):
    monkeypatch.setattr("bench.epoch.torch_epoch", lambda run, threads: None)  # with or without torch
    rows = {row["name"]: row for row in timing_rows(make_dataset(200, 100), "float32", reps=2, threads=1)}
    assert list(rows) == ["epoch", "floor", "epoch/floor", "torch"]
    assert rows["epoch"]["median_s"] > 0 and rows["floor"]["min_s"] > 0
    assert rows["epoch/floor"]["value"] == pytest.approx(rows["epoch"]["median_s"] / rows["floor"]["median_s"])
    assert rows["torch"]["note"].startswith("skipped")


@pytest.mark.parametrize("target, value, verdict", [("<= 1.3", 1.3, "yes"), ("<= 1.3", 1.31, "no"),
                                                    (">= 1.8", 2.16, "yes"), ("< 480", 480.0, "no"),
                                                    ("", 1.0, ""), ("<= 1.3", "", "")])
def test_targets_are_checked(target, value, verdict):
    assert meets(target, value) == verdict


def test_unknown_part_is_one_clear_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench_main.main(["--parts", "epoch,nonsense"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unknown part(s) nonsense; valid: epoch, sweep, bookkeeping, minibatch, sharpness, analysis" in err


@pytest.mark.parametrize("part", bench_main.OWN_TABLE_PARTS)
def test_a_module_part_runs_that_module_with_its_own_defaults(monkeypatch, part):
    calls = []
    module = f"bench.{bench_main.MODULES.get(part, part)}"
    monkeypatch.setitem(sys.modules, module, types.SimpleNamespace(main=calls.append))
    bench_main.run_own_table(part)
    assert calls == [[]]


def test_a_module_part_is_skipped_with_a_note_when_the_module_is_absent(monkeypatch, capsys):
    def absent(name):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(bench_main.importlib, "import_module", absent)
    bench_main.run_own_table("bookkeeping")
    assert "bookkeeping: skipped (bench/bookkeeping.py is not there)" in capsys.readouterr().out


def test_a_missing_dependency_inside_a_module_part_is_not_hidden(monkeypatch):
    def broken(name):
        raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    monkeypatch.setattr(bench_main.importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="scipy"):
        bench_main.run_own_table("sharpness")


def test_the_analysis_part_analyses_a_folder_in_a_child_and_reports_every_stage(tmp_path, capsys):
    # 2 activations x 3 learning rates x 1 seed, 5 epochs: one run failed (no epoch rows), one lr diverged
    rows = analysis_scale.main(["--seeds", "1", "--activations", "2", "--lrs", "3", "--epochs", "5",
                                "--work", str(tmp_path), "--out", str(tmp_path / "bench.csv")])
    by_name = {row["name"]: row for row in rows}
    stages = ["load", "metrics", "summary", "figures", "report"]
    assert list(by_name) == [f"6 runs: {what}" for what in ["epochs.csv", *stages, "total", "peak memory"]]
    folder = tmp_path / "grid-2x3x1-5"
    assert (folder / "report.html").is_file() and (folder / "metrics.csv").is_file()  # the child analysed it
    epoch_lines = (folder / "epochs.csv").read_text().count("\n") - 1
    assert epoch_lines == 5 * 6 and by_name["6 runs: epochs.csv"]["note"].startswith("30 epoch rows, 2 x 3 x 1")
    assert by_name["6 runs: epochs.csv"]["value"] == pytest.approx((folder / "epochs.csv").stat().st_size / 1e6)
    seconds = [by_name[f"6 runs: {stage}"]["median_s"] for stage in stages]
    total = by_name["6 runs: total"]
    assert min(seconds) > 0 and sum(seconds) <= total["median_s"] == total["value"]
    assert by_name["6 runs: peak memory"]["value"] > 0 and by_name["6 runs: peak memory"]["unit"] == "MiB"
    assert all(row["meets_target"] == "" for row in rows)  # targets belong to 1,000 and 10,000 runs only
    assert [row["name"] for row in read_rows(tmp_path / "bench.csv")] == list(by_name)
    assert "6 runs: figures" in capsys.readouterr().out


@pytest.mark.parametrize("lrs, seeds, total, peak, verdicts", [(25, 5, 19.0, 900.0, ["yes", ""]),
                                                              (25, 50, 61.0, 1900.0, ["no", "yes"]),
                                                              (125, 1, 99.0, 900.0, ["", ""])])  # not the grid
def test_the_analysis_targets_belong_to_their_grids(monkeypatch, tmp_path, lrs, seeds, total, peak, verdicts):
    spec, runs = analysis_scale.folder_spec(seeds, lrs=lrs), 8 * lrs * seeds
    monkeypatch.setattr(analysis_scale, "prepared", lambda folder, spec: 0.0)
    monkeypatch.setattr(analysis_scale, "folder_facts", lambda folder: (runs, runs * 201, 1.0))
    monkeypatch.setattr(analysis_scale, "analysed_alone", lambda folder: {
        **dict.fromkeys(analysis_scale.STAGES, 1.0), "total": total, "cpu_s": 1.0, "process_s": 1.0, "peak_mib": peak})
    rows = {row["name"]: row for row in with_verdicts(analysis_scale.size_rows(tmp_path, spec, reps=1))}
    assert [rows[f"{runs} runs: {what}"]["meets_target"] for what in ("total", "peak memory")] == verdicts


def test_the_core_package_holds_no_benchmarks():
    import study

    assert not list(Path(study.__file__).parent.glob("bench*.py"))
