"""Finding, loading and scaling datasets; the leakage count; stratified subsets."""

import numpy as np
import pytest

from study.data import datasets as data_module
from study.data.datasets import DATASET_NAMES, DTYPES, count_shared_images, load, stratified_subset
from study.data.idx import DataError


def test_search_order_data_dir_then_cache_then_system(tmp_path, data_env, idx_folder, monkeypatch):
    system = tmp_path / "system"
    roots = [tmp_path / "given", data_env, system]
    written = [idx_folder(root / "mnist", seed=seed) for seed, root in enumerate(roots)]

    def loaded_from(**kw):
        """(which of the three copies was loaded, the folder it says it came from)"""
        d = load("mnist", **kw)
        pixels = (d.X_train * 255).round().astype(np.uint8).reshape(-1, 28, 28)
        (seed,) = [s for s, arrays in enumerate(written) if np.array_equal(pixels, arrays["train_images"])]
        return seed, d.folder

    assert loaded_from(data_dir=tmp_path / "given") == (0, tmp_path / "given" / "mnist")
    monkeypatch.setenv("STUDY_DATA_DIR", str(tmp_path / "given"))
    assert loaded_from() == (0, tmp_path / "given" / "mnist")
    monkeypatch.setenv("STUDY_DATA_DIR", str(tmp_path / "elsewhere"))  # set, but holds nothing
    assert loaded_from() == (1, data_env / "mnist")
    assert loaded_from(data_dir=tmp_path / "given") == (0, tmp_path / "given" / "mnist")  # flag wins
    monkeypatch.delenv("STUDY_DATA_DIR")
    for path in (data_env / "mnist").iterdir():
        path.unlink()
    assert loaded_from() == (2, system / "mnist")


def test_incomplete_folder_is_skipped(tmp_path, data_env, idx_folder):
    idx_folder(tmp_path / "given" / "mnist", seed=0)
    idx_folder(data_env / "mnist", seed=1)
    (tmp_path / "given" / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    assert load("mnist", tmp_path / "given", download=False).folder == data_env / "mnist"


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "raw"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_load_scales_pixels_and_keeps_labels(tmp_path, data_env, idx_folder, gz, dtype):
    arrays = idx_folder(tmp_path / "mnist", gz=gz)
    arrays["train_images"][0, 0, :3] = [0, 51, 255]
    idx_folder(tmp_path / "mnist", arrays, gz=gz)
    d = load("mnist", tmp_path, dtype, download=False)
    assert d.X_train.dtype == np.dtype(dtype) and d.X_test.dtype == np.dtype(dtype)
    assert d.X_train.shape == (len(arrays["train_images"]), 784)
    assert d.X_test.shape == (len(arrays["test_images"]), 784)
    np.testing.assert_allclose(d.X_train[0, :3], [0.0, 0.2, 1.0], rtol=1e-6)
    np.testing.assert_allclose(d.X_test, arrays["test_images"].reshape(-1, 784) / 255.0, rtol=1e-6)
    assert d.X_train.min() >= 0 and d.X_train.max() <= 1
    assert d.y_train.dtype == np.int64
    np.testing.assert_array_equal(d.y_test, arrays["test_labels"])
    assert d.meta["n_train"] == len(arrays["train_images"]) and d.meta["dataset"] == "mnist"


def test_damaged_file_in_the_found_folder_is_an_error_not_a_fallback(tmp_path, data_env, idx_folder):
    idx_folder(tmp_path / "mnist")
    idx_folder(data_env / "mnist")
    (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz: damaged gzip"):
        load("mnist", tmp_path, download=False)


def test_unknown_dataset_and_dtype(data_env):
    with pytest.raises(DataError, match="unknown dataset 'cifar'; valid: " + ", ".join(DATASET_NAMES)):
        load("cifar")
    with pytest.raises(DataError, match="unknown dtype 'float16'; valid: float32, float64"):
        load("mnist", dtype="float16")


@pytest.mark.parametrize("download", [False, True], ids=["download-off", "mirror-down"])
@pytest.mark.parametrize("name", DATASET_NAMES)
def test_not_found_message_names_folders_and_env_var(tmp_path, data_env, name, download):
    with pytest.raises(DataError) as info:
        load(name, tmp_path / "given", download=download)
    message = str(info.value)
    for folder in (tmp_path / "given" / name, data_env / name, tmp_path / "system" / name):
        assert str(folder) in message
    assert "STUDY_DATA_DIR" in message and "--data-dir" in message
    assert ("download failed" if download else "download disabled") in message
    assert "\n" not in message
    assert not list(data_env.glob(f"{name}/*"))  # a failed download leaves nothing behind


def test_count_shared_images_counts_planted_duplicates():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(30, 28, 28), dtype=np.uint8)
    test = rng.integers(0, 256, size=(10, 28, 28), dtype=np.uint8)
    assert count_shared_images(train, test) == 0
    train[[2, 5]] = test[7]  # two training copies of one test image count twice
    train[11] = test[0]
    assert count_shared_images(train, test) == 3
    train[12] = test[0].copy()
    train[12, 27, 27] ^= 1  # one pixel differs: not a duplicate
    assert count_shared_images(train, test) == 3


def test_load_reports_leaked_images(tmp_path, data_env, idx_folder):
    arrays = idx_folder(tmp_path / "mnist")
    arrays["train_images"][[0, 3]] = arrays["test_images"][[4, 9]]
    idx_folder(tmp_path / "mnist", arrays)
    assert load("mnist", tmp_path, download=False).meta["train_images_in_test"] == 2


UNBALANCED = np.repeat(np.arange(10), [50, 80, 30, 70, 40, 60, 90, 20, 35, 25])


@pytest.mark.parametrize("n", [1, 7, 100, 333, len(UNBALANCED)])
def test_stratified_subset_size_proportions_order(n):
    chosen = stratified_subset(UNBALANCED, n, np.random.default_rng(0))
    assert len(chosen) == n
    assert len(np.unique(chosen)) == n  # no duplicates
    assert np.all(np.diff(chosen) > 0)  # sorted
    assert chosen.min() >= 0 and chosen.max() < len(UNBALANCED)
    exact = np.bincount(UNBALANCED) * n / len(UNBALANCED)
    taken = np.bincount(UNBALANCED[chosen], minlength=10)
    assert np.all(np.abs(taken - exact) < 1)


def test_stratified_subset_is_deterministic_per_seed():
    def pick(seed):
        return stratified_subset(UNBALANCED, 100, np.random.default_rng(seed))

    np.testing.assert_array_equal(pick(3), pick(3))
    assert not np.array_equal(pick(3), pick(4))


@pytest.mark.parametrize("n", [0, -5, len(UNBALANCED) + 1])
def test_stratified_subset_rejects_bad_sizes(n):
    with pytest.raises(ValueError, match=f"between 1 and {len(UNBALANCED)}"):
        stratified_subset(UNBALANCED, n, np.random.default_rng(0))


def test_default_split_sizes_are_mnists():
    counts = {split: n for split, (_, n) in data_module.SPLIT_FILES.items()}
    assert counts == {
        "train_images": 60000, "train_labels": 60000, "test_images": 10000, "test_labels": 10000,
    }
