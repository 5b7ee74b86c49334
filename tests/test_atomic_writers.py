"""The one atomic writer (results_io), as the trainer, the analysis and the download use it:
fsync before the rename, permissions 0666 minus the umask, nothing left behind by a failed write."""

import os

import pandas as pd
import pytest
from test_download import archives, server, use_mirrors  # noqa: F401 (fixtures)

import results_io as io
from analysis.figures.save import save_figure
from analysis.figures.style import plt
from study.data import download


@pytest.fixture
def writers(server, monkeypatch, archives):  # noqa: F811 (fixtures imported above)
    """{name: write(folder) -> path of the file it wrote}, one entry per writer and mode."""
    use_mirrors(server, monkeypatch, archives, ["ok"])
    stem = next(iter(archives[0]))
    frame = pd.DataFrame({"a": [1, 2]})

    def fetch(folder):
        download.download_dataset("mnist", folder, [stem])
        return folder / f"{stem}.gz"

    return {
        "write_csv": lambda folder: io.write_csv(folder / "t.csv", frame),
        "write_json": lambda folder: io.write_json(folder / "t.json", {"a": 1}),
        "write_bytes": lambda folder: io.write_bytes(folder / "t.png", b"\x89PNG"),
        "analysis save_figure": lambda folder: save_figure(plt.figure(figsize=(1, 1)), folder, "f", formats=("png",)),
        "study download": fetch,
    }


@pytest.fixture(params=[0o022, 0o027, 0o077, 0o002], ids=lambda mask: f"umask{mask:03o}")
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_every_writer_gives_the_same_mode_under_a_umask(tmp_path, writers, umask):
    modes = {name: f"{os.stat(write(tmp_path / name)).st_mode & 0o777:03o}" for name, write in writers.items()}
    assert modes == {name: f"{0o666 & ~umask:03o}" for name in writers}  # not mkstemp's 600


def test_every_writer_fsyncs_the_file_that_it_then_renames_into_place(tmp_path, writers, monkeypatch):
    synced = []  # inodes of the files fsync was called on; os.replace keeps the inode
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.fstat(fd).st_ino) or real_fsync(fd))
    for name, write in writers.items():
        synced.clear()
        path = write(tmp_path / name)
        assert synced == [os.stat(path).st_ino], name
        assert sorted(p.name for p in path.parent.iterdir()) == [path.name], name  # no temporary left


def test_a_failed_write_leaves_neither_file_nor_temporary(tmp_path):
    def half_then_fail(handle):
        handle.write("half")
        raise RuntimeError("disk full")

    (tmp_path / "t.csv").write_text("old")
    with pytest.raises(RuntimeError):
        io.write_atomic(tmp_path / "t.csv", half_then_fail)
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"] and (tmp_path / "t.csv").read_text() == "old"


def test_a_target_name_of_250_characters_is_written(tmp_path):
    # the temporary name adds a prefix and a suffix: it must not pass the 255-byte limit
    path = tmp_path / ("r" * 246 + ".csv")
    io.write_text(path, "a,b\n")
    assert path.read_text() == "a,b\n" and [p.name for p in tmp_path.iterdir()] == [path.name]
