"""The bench package runs against the core's current API (no timings are checked here)."""

import sys
import types
from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench.epoch import timing_rows
from bench.table import meets


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
    assert "unknown part(s) nonsense; valid: epoch, sweep, bookkeeping, minibatch, sharpness" in err


@pytest.mark.parametrize("part", bench_main.OWN_TABLE_PARTS)
def test_a_module_part_runs_that_module_with_its_own_defaults(monkeypatch, part):
    calls = []
    monkeypatch.setitem(sys.modules, f"bench.{part}", types.SimpleNamespace(main=calls.append))
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


def test_the_core_package_holds_no_benchmarks():
    import study

    assert not list(Path(study.__file__).parent.glob("bench*.py"))
