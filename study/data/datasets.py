"""Find, load and validate MNIST-style datasets; stratified training subsets; leakage check.

Arrays are one row per sample: X (n, 784) scaled to [0, 1], y (n,) integer labels 0..9.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from study.data.download import download_dataset
from study.data.idx import DataError, read_images, read_labels

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # study/data/ -> the project
SYSTEM_DIR = Path("/usr/share/datasets")
N_TRAIN, N_TEST, N_CLASSES = 60_000, 10_000, 10
SPLIT_FILES = {  # split -> (file stem, number of items)
    "train_images": ("train-images-idx3-ubyte", N_TRAIN),
    "train_labels": ("train-labels-idx1-ubyte", N_TRAIN),
    "test_images": ("t10k-images-idx3-ubyte", N_TEST),
    "test_labels": ("t10k-labels-idx1-ubyte", N_TEST),
}
DATASET_NAMES = ("mnist", "fashion-mnist")
# The validation images are drawn with their own generator, so every run of a dataset (any seed)
# holds out the same ones and no run ever trains on another run's validation images.
VAL_SPLIT_SEED = 20261127
DTYPES = ("float32", "float64")


@dataclass
class Dataset:
    name: str
    folder: Path
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    meta: dict = field(default_factory=dict)


def cache_dir():
    """The project's own cache of downloaded datasets (gitignored); STUDY_CACHE_DIR overrides it."""
    return Path(os.environ.get("STUDY_CACHE_DIR") or PROJECT_ROOT / "data")


def search_dirs(name, data_dir=None):
    """The folders looked in for `name`, in order: --data-dir or STUDY_DATA_DIR, cache, system."""
    root = data_dir or os.environ.get("STUDY_DATA_DIR")
    dirs = [Path(root) / name] if root else []
    return dirs + [cache_dir() / name, SYSTEM_DIR / name]


def files_in(folder):
    """{split: path} when all four files are in `folder` (gzip or raw), else None."""
    found = {}
    for split, (stem, _) in SPLIT_FILES.items():
        paths = [folder / f"{stem}.gz", folder / stem]
        found[split] = next((p for p in paths if p.is_file()), None)
    return found if all(found.values()) else None


def locate(name, data_dir=None, download=True):
    """The four files of dataset `name`: found on disk, or downloaded into the cache."""
    if name not in DATASET_NAMES:
        raise DataError(f"unknown dataset {name!r}; valid: {', '.join(DATASET_NAMES)}")
    dirs = search_dirs(name, data_dir)
    for folder in dirs:
        files = files_in(folder)
        if files:
            return files
    reason = "download disabled"
    if download:
        try:
            download_dataset(name, cache_dir() / name, [stem for stem, _ in SPLIT_FILES.values()])
            return files_in(cache_dir() / name)
        except DataError as exc:
            reason = str(exc)
    looked = ", ".join(str(d) for d in dirs)
    raise DataError(
        f"{name} not found (looked in {looked}; {reason}): put the four IDX files in one of those "
        f"folders, or pass --data-dir / set STUDY_DATA_DIR to a folder that holds {name}/"
    )


def load(name="mnist", data_dir=None, dtype="float32", download=True):
    """Load, validate and scale a dataset; `meta` says where it came from and how many images leak."""
    if dtype not in DTYPES:
        raise DataError(f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
    start = time.perf_counter()
    files = locate(name, data_dir, download)
    raw = {split: read_split(split, path) for split, path in files.items()}
    X_train, X_test = (scale(raw[k], dtype) for k in ("train_images", "test_images"))
    meta = {
        "dataset": name,
        "folder": str(files["train_images"].parent),
        "n_train": len(X_train),
        "n_test": len(X_test),
        "train_images_in_test": count_shared_images(raw["train_images"], raw["test_images"]),
        "val_split_seed": VAL_SPLIT_SEED,
        "load_seconds": round(time.perf_counter() - start, 3),
    }
    return Dataset(
        name, files["train_images"].parent, X_train, raw["train_labels"].astype(np.int64),
        X_test, raw["test_labels"].astype(np.int64), meta,
    )


def read_split(split, path):
    stem, n_items = SPLIT_FILES[split]
    reader = read_images if split.endswith("images") else read_labels
    return reader(path, n_items)


def scale(images, dtype):
    """uint8 images (n, 28, 28) -> (n, 784) in [0, 1]."""
    X = images.reshape(len(images), -1).astype(dtype)
    X /= 255.0
    return X


def count_shared_images(train_images, test_images):
    """How many training images are byte-identical to some test image (a leakage check)."""
    test_bytes = {row.tobytes() for row in test_images.reshape(len(test_images), -1)}
    return sum(row.tobytes() in test_bytes for row in train_images.reshape(len(train_images), -1))


def stratified_subset(y, n, rng):
    """Sorted indices of `n` samples with class proportions as in `y`; deterministic given rng."""
    if not 0 < n <= len(y):
        raise ValueError(f"a stratified subset needs between 1 and {len(y)} samples, got {n}")
    classes, counts = np.unique(y, return_counts=True)
    exact = counts * n / len(y)
    take = np.floor(exact).astype(int)
    # hand the remaining samples to the classes with the largest fractional parts
    leftover = n - take.sum()
    take[np.argsort(-(exact - take), kind="stable")[:leftover]] += 1
    chosen = [rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take)]
    return np.sort(np.concatenate(chosen))


def split_train_val(y, n_val, n_train, rng):
    """(training indices, validation indices) into y: a fixed stratified validation set of n_val,
    then a stratified subset of n_train (0 = all) of the rest, drawn with the run's rng."""
    if n_val + n_train > len(y):
        raise DataError(f"n_val ({n_val}) + n_train ({n_train}) exceed the dataset's {len(y)} training images; "
                        "lower n_val or n_train")
    rest, val = np.arange(len(y)), np.array([], dtype=np.int64)
    if n_val:
        val = stratified_subset(y, n_val, np.random.default_rng(VAL_SPLIT_SEED))
        rest = np.setdiff1d(rest, val, assume_unique=True)
    if n_train:
        rest = rest[stratified_subset(y[rest], n_train, rng)]
    return rest, val


def describe(dataset):
    """Counts and pixel statistics, for `study data`."""
    return {
        **dataset.meta,
        "train_label_counts": np.bincount(dataset.y_train, minlength=N_CLASSES).tolist(),
        "test_label_counts": np.bincount(dataset.y_test, minlength=N_CLASSES).tolist(),
        "train_pixel_mean": round(float(dataset.X_train.mean(dtype=np.float64)), 4),
        "train_pixel_std": round(float(dataset.X_train.std(dtype=np.float64)), 4),
    }
