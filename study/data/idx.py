"""Read and validate IDX files (the MNIST format), gzip-compressed or raw."""

import gzip
import zlib

import numpy as np

IMAGE_MAGIC = 2051  # unsigned bytes, 3 dimensions
LABEL_MAGIC = 2049  # unsigned bytes, 1 dimension
GZIP_MAGIC = b"\x1f\x8b"


class DataError(Exception):
    """A dataset file is missing, damaged or not what this project expects."""


def read_bytes(path):
    """The file's contents, decompressed when it is gzip."""
    raw = path.read_bytes()
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: damaged gzip data ({exc}); delete the file and fetch it again") from None


def parse_idx(path, magic, n_items, item_shape):
    """The array stored in an IDX file, checked against the expected header and size."""
    data = read_bytes(path)
    ndim = 1 + len(item_shape)
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DataError(f"{path}: truncated header ({len(data)} bytes); fetch the file again")
    found_magic = int.from_bytes(data[:4], "big")
    if found_magic != magic:
        raise DataError(f"{path}: magic number {found_magic}, expected {magic}; wrong or damaged file")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected_dims = (n_items, *item_shape)
    if dims != expected_dims:
        raise DataError(f"{path}: dimensions {dims}, expected {expected_dims}; wrong file for this split")
    payload = len(data) - header_len
    if payload != int(np.prod(dims)):
        raise DataError(
            f"{path}: {payload} data bytes, expected {int(np.prod(dims))}; the file is truncated or padded"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(dims)


def read_images(path, n_items, rows=28, cols=28):
    return parse_idx(path, IMAGE_MAGIC, n_items, (rows, cols))


def read_labels(path, n_items, n_classes=10):
    labels = parse_idx(path, LABEL_MAGIC, n_items, ())
    if labels.size and labels.max() >= n_classes:
        raise DataError(f"{path}: label {labels.max()} outside 0..{n_classes - 1}; wrong or damaged file")
    return labels


def encode_idx(array, magic):
    """IDX bytes for a uint8 array (used by tests and the download test server)."""
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
