"""IDX files: round trip, and every kind of damage gives a DataError naming the file and the problem."""

import gzip

import numpy as np
import pytest

from study.data.idx import IMAGE_MAGIC, LABEL_MAGIC, DataError, encode_idx, read_images, read_labels

N = 5
IMAGES = np.arange(N * 28 * 28, dtype=np.int64).reshape(N, 28, 28).astype(np.uint8)
LABELS = np.array([3, 0, 9, 1, 7], dtype=np.uint8)


def write(path, raw, gz):
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "raw"])
def test_round_trip(tmp_path, gz):
    images = read_images(write(tmp_path / "img", encode_idx(IMAGES, IMAGE_MAGIC), gz), N)
    labels = read_labels(write(tmp_path / "lab", encode_idx(LABELS, LABEL_MAGIC), gz), N)
    assert images.dtype == np.uint8 and labels.dtype == np.uint8
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)


def test_encode_idx_header_is_big_endian_magic_and_dims():
    raw = encode_idx(LABELS, LABEL_MAGIC)
    assert raw[:8] == bytes([0, 0, 8, 1, 0, 0, 0, N])  # 2049 = 0x0801, then the count
    assert raw[8:] == LABELS.tobytes()


IMAGE_RAW = encode_idx(IMAGES, IMAGE_MAGIC)
LABEL_RAW = encode_idx(LABELS, LABEL_MAGIC)
# name -> (reader, file contents, words the message must contain)
CORRUPTIONS = {
    "truncated header": (read_images, IMAGE_RAW[:10], "truncated header"),
    "empty file": (read_labels, b"", "truncated header"),
    "wrong magic": (read_images, LABEL_RAW[:4] + IMAGE_RAW[4:], "magic number 2049, expected 2051"),
    "wrong count": (read_images, encode_idx(IMAGES[:4], IMAGE_MAGIC), "dimensions (4, 28, 28)"),
    "wrong image size": (read_images, encode_idx(IMAGES[:, :27, :], IMAGE_MAGIC), "dimensions (5, 27, 28)"),
    "wrong label count": (read_labels, encode_idx(LABELS[:3], LABEL_MAGIC), "dimensions (3,)"),
    "truncated payload": (read_images, IMAGE_RAW[:-1], "truncated or padded"),
    "padded payload": (read_labels, LABEL_RAW + b"\0", "truncated or padded"),
    "label out of range": (read_labels, encode_idx(np.array([1, 2, 10, 3, 4], np.uint8), LABEL_MAGIC),
                           "label 10 outside 0..9"),
}


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "raw"])
@pytest.mark.parametrize("name", CORRUPTIONS)
def test_damaged_file_names_file_and_problem(tmp_path, name, gz):
    reader, raw, words = CORRUPTIONS[name]
    path = write(tmp_path / "damaged-file", raw, gz)
    with pytest.raises(DataError) as info:
        reader(path, N)
    message = str(info.value)
    assert str(path) in message and words in message


def damaged_gzip_streams():
    good = gzip.compress(IMAGE_RAW)
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF  # a corrupted byte inside the deflate stream
    return {"truncated": good[: len(good) // 2], "corrupted": bytes(flipped), "header only": good[:10]}


@pytest.mark.parametrize("kind", damaged_gzip_streams())
def test_damaged_gzip_stream(tmp_path, kind):
    path = tmp_path / "x.gz"
    path.write_bytes(damaged_gzip_streams()[kind])
    with pytest.raises(DataError, match="damaged gzip") as info:
        read_images(path, N)
    assert str(path) in str(info.value)
