"""The data rules at their boundaries (study/data/datasets.py, experiments/README.md n_train and n_val):
stratified subsets' leftover images, splits, where data is found and what loading it records.
"""

import numpy as np
import pytest

from study.data.datasets import stratified_subset

# ---- stratified subsets: leftover images to the largest fractional parts, ties by class order ---

def labels(counts, seed=0):
    """Labels with counts[c] images of class c, shuffled so that class order is not first appearance."""
    y = np.repeat(np.arange(len(counts)), counts)
    rng = np.random.default_rng(seed)
    rng.shuffle(y)
    return y


def per_class(y, n):
    return np.bincount(y[stratified_subset(y, n, np.random.default_rng(1))], minlength=y.max() + 1).tolist()


def test_leftover_images_go_to_the_classes_with_the_largest_fractional_parts():
    # 7 of 20: exact shares 0.7, 1.05, 1.4, 1.75, 2.1 -> floors 0, 1, 1, 1, 2 and 2 left over, which go to
    # the fractional parts 0.75 (class 3) and 0.7 (class 0); not to the largest classes, nor the first ones
    assert per_class(labels([2, 3, 4, 5, 6]), 7) == [1, 1, 1, 2, 2]


def test_a_tie_of_fractional_parts_goes_to_the_earlier_classes():
    # 5 of 10: shares 0.5, 1.5, 1.0, 1.5, 0.5 -> 2 left over among four parts of exactly 0.5: classes 0 and 1
    y = labels([1, 3, 2, 3, 1], seed=3)
    assert y[0] != 0  # premise: class 0 is not the first label met
    assert per_class(y, 5) == [1, 2, 1, 1, 0]


def test_a_split_larger_than_the_training_images_is_refused():
    from study.data.datasets import split_train_val
    from study.data.idx import DataError

    y = np.arange(40) % 10
    with pytest.raises(DataError, match=r"n_val \(30\) \+ n_train \(20\) exceed the dataset's 40"):
        split_train_val(y, 30, 20, np.random.default_rng(0))
    train, val = split_train_val(y, 30, 10, np.random.default_rng(0))  # exactly all of them
    assert len(train) == 10 and len(val) == 30 and not set(train) & set(val)


def test_loaded_data_says_where_it_came_from(tmp_path, data_env, idx_folder, monkeypatch):
    from study.data import datasets
    from study.data.idx import DataError

    idx_folder(tmp_path / "mnist")
    data = datasets.load("mnist", tmp_path, download=False)
    assert data.name == "mnist" and data.y_test.dtype == np.int64
    meta = data.meta
    assert meta["folder"] == str(tmp_path / "mnist") and meta["n_test"] == len(data.X_test)
    assert meta["val_split_seed"] == datasets.VAL_SPLIT_SEED
    assert 0 <= meta["load_seconds"] < 600 and round(meta["load_seconds"], 3) == meta["load_seconds"]
    assert datasets.load(data_dir=tmp_path, download=False).name == "mnist"  # the default dataset
    with pytest.raises(DataError, match="download failed"):  # downloading is tried unless refused
        datasets.load("mnist", tmp_path / "elsewhere")
    monkeypatch.delenv("STUDY_CACHE_DIR")
    assert datasets.cache_dir() == datasets.PROJECT_ROOT / "data"  # the gitignored /data/


def test_a_download_lands_in_the_cache_and_a_miss_lists_every_folder(tmp_path, data_env, monkeypatch):
    from conftest import small_idx_arrays, write_idx_folder

    from study.data import datasets
    from study.data.idx import DataError

    with pytest.raises(DataError) as info:
        datasets.locate("mnist", tmp_path / "given", download=False)
    looked = ", ".join(str(folder) for folder in datasets.search_dirs("mnist", tmp_path / "given"))
    assert f"(looked in {looked}; download disabled)" in str(info.value)
    monkeypatch.setattr(datasets, "download_dataset", lambda name, folder, stems: write_idx_folder(
        folder, small_idx_arrays()))
    assert datasets.locate("mnist", tmp_path / "given")["train_images"].parent == data_env / "mnist"
