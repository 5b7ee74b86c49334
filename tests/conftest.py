"""Shared fixtures: real MNIST (skipped when absent), a synthetic MNIST on disk, tiny datasets and IDX folders."""

import gzip
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from study.data import datasets as data_module
from study.data import download as download_module
from study.data.datasets import Dataset
from study.data.idx import IMAGE_MAGIC, LABEL_MAGIC, encode_idx

# Small split sizes for IDX files the tests write (the real ones are 60000 / 10000 images).
SMALL_TRAIN, SMALL_TEST = 40, 20


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST, loaded once per session from STUDY_DATA_DIR; skipped when it is not there."""
    root = os.environ.get("STUDY_DATA_DIR")
    if not root or not (Path(root) / "mnist").is_dir():
        pytest.skip("real MNIST not available: set STUDY_DATA_DIR to a folder holding mnist/")
    return data_module.load("mnist", root, "float32", download=False)


# Synthetic MNIST: each class lights a 5x5 square of one brightness at its own place (a 2 x 5
# lattice), jittered by up to a pixel, plus 12 random pixels so that no two images are alike. Full
# item counts and 28x28 images, mostly zeros: about 4 MB of gzip, written in well under a second.
SQUARE_CORNERS = np.array([(r, c) for r in (5, 17) for c in (1, 6, 11, 16, 21)])
SQUARE_SIDE, JITTER, NOISE_PIXELS = 5, 1, 12


def synthetic_mnist_arrays(n, seed):
    """(images (n, 28, 28) uint8, labels (n,) uint8): every class equally often, in shuffled order."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    images = np.zeros((n, 28, 28), np.uint8)
    corners = SQUARE_CORNERS[labels] + rng.integers(-JITTER, JITTER + 1, size=(n, 2))
    side = np.arange(SQUARE_SIDE)
    rows = corners[:, 0, None, None] + side[None, :, None]
    cols = corners[:, 1, None, None] + side[None, None, :]
    brightness = rng.integers(128, 256, size=(n, 1, 1), dtype=np.uint8)
    images[np.arange(n)[:, None, None], rows, cols] = brightness
    noise_at = rng.integers(0, 28 * 28, size=(n, NOISE_PIXELS))
    noise = rng.integers(1, 256, size=noise_at.shape, dtype=np.uint8)
    images.reshape(n, -1)[np.arange(n)[:, None], noise_at] = noise
    return images, labels.astype(np.uint8)


@pytest.fixture(scope="session")
def synthetic_data_root(tmp_path_factory):
    """A data root holding mnist/: the four IDX files (gzip) at MNIST's full sizes, synthetic content."""
    root = tmp_path_factory.mktemp("synthetic-data")
    (train_images, train_labels), (test_images, test_labels) = (
        synthetic_mnist_arrays(n, seed) for n, seed in ((data_module.N_TRAIN, 0), (data_module.N_TEST, 1)))
    arrays = {"train_images": train_images, "train_labels": train_labels,
              "test_images": test_images, "test_labels": test_labels}
    write_idx_folder(root / "mnist", arrays, level=1)  # level 9 would take seconds for no gain here
    return root


def synthetic_dataset(n_train=200, n_test=100, n_features=20, seed=0, noise=0.15):
    """A learnable 10-class problem: one random prototype per class plus noise, pixels in [0, 1]."""
    rng = np.random.default_rng(seed)
    prototypes = rng.uniform(0, 1, size=(10, n_features))

    def split(n):
        y = np.arange(n) % 10  # every class equally often
        rng.shuffle(y)
        X = np.clip(prototypes[y] + rng.normal(0, noise, size=(n, n_features)), 0, 1)
        return X.astype("float32"), y.astype(np.int64)

    X_train, y_train = split(n_train)
    X_test, y_test = split(n_test)
    return Dataset("synthetic", Path("."), X_train, y_train, X_test, y_test, {"train_images_in_test": 0})


@pytest.fixture
def make_dataset():
    """Factory for tiny synthetic Datasets (see synthetic_dataset for the arguments)."""
    return synthetic_dataset


@pytest.fixture
def data_env(tmp_path, monkeypatch):
    """Isolate dataset lookup: no STUDY_DATA_DIR, cache and system folders in tmp, no network.

    Returns the cache root. Download mirrors point at a closed port on 127.0.0.1, so a test that
    falls through to downloading fails at once instead of reaching the internet.
    """
    monkeypatch.delenv("STUDY_DATA_DIR", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("STUDY_CACHE_DIR", str(cache))
    monkeypatch.setattr(data_module, "SYSTEM_DIR", tmp_path / "system")
    closed = f"http://127.0.0.1:{closed_port()}/"
    monkeypatch.setattr(download_module, "MIRRORS", {name: (closed,) for name in data_module.DATASET_NAMES})
    return cache


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def small_splits(monkeypatch):
    """Make the loader expect SMALL_TRAIN / SMALL_TEST items, so test IDX files stay tiny."""
    splits = {
        "train_images": ("train-images-idx3-ubyte", SMALL_TRAIN),
        "train_labels": ("train-labels-idx1-ubyte", SMALL_TRAIN),
        "test_images": ("t10k-images-idx3-ubyte", SMALL_TEST),
        "test_labels": ("t10k-labels-idx1-ubyte", SMALL_TEST),
    }
    monkeypatch.setattr(data_module, "SPLIT_FILES", splits)
    return splits


def small_idx_arrays(seed=0, n_train=SMALL_TRAIN, n_test=SMALL_TEST):
    """{split: uint8 array} of random images (n, 28, 28) and labels covering every class."""
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test_labels": (np.arange(n_test) % 10).astype(np.uint8),
    }


def idx_bytes(split, array, gz=True, level=9):
    """The file contents of one split, gzip-compressed (at `level`) or raw."""
    raw = encode_idx(array, IMAGE_MAGIC if split.endswith("images") else LABEL_MAGIC)
    return gzip.compress(raw, compresslevel=level) if gz else raw


def write_idx_folder(folder, arrays, gz=True, level=9):
    """Write the four files of a dataset into `folder` under their official names."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for split, array in arrays.items():
        stem = data_module.SPLIT_FILES[split][0]
        (folder / (f"{stem}.gz" if gz else stem)).write_bytes(idx_bytes(split, array, gz, level))
    return folder


@pytest.fixture
def idx_folder(small_splits):
    """Factory: write_idx_folder(folder, arrays=None, gz=True, seed=0) with small splits active."""

    def write(folder, arrays=None, gz=True, seed=0):
        arrays = small_idx_arrays(seed) if arrays is None else arrays
        write_idx_folder(folder, arrays, gz)
        return arrays

    return write


# A test that waits for another process polls for the event; the ceiling only ends a wait that
# would never end, so it is generous (a loaded 2-core machine can be 10x slower than a quiet one).
WAIT_CEILING = 600.0


def wait_for(condition, what, ceiling=WAIT_CEILING, interval=0.05):
    """Poll condition() until it is true; after `ceiling` seconds fail, saying what was awaited."""
    import time

    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > ceiling:
            raise AssertionError(f"gave up after {ceiling:.0f} s waiting for {what}")
        time.sleep(interval)


def axes_of(*settings):
    """The Axes of a hand-built table whose setting columns are `settings` (seed the replicate)."""
    from analysis.load.axes import Axes

    return Axes(("run_id", *settings, "seed"), (*settings, "seed"), tuple(settings))


def section_text(question, a):
    """A question's section HTML for Analysis `a` (its figures not drawn), or None when it does not apply."""
    return question.html(a, question.compute(a), {}) if question.applies(a) else None


@pytest.fixture(autouse=True)
def sigint_is_not_left_blocked():
    """Every test leaves SIGINT deliverable in the test process: the processes it starts next inherit its
    signal mask, and a sweep started with SIGINT blocked would ignore Ctrl-C."""
    yield
    if hasattr(signal, "pthread_sigmask"):
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, []), "SIGINT left blocked"
