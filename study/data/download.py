"""Download the four IDX archives of a dataset, checked against the official SHA-256 sums."""

import hashlib
import http.client
import urllib.error
import urllib.request

from results_io import write_atomic
from study.data.idx import DataError

MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "fashion-mnist": (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
}
# SHA-256 of the official .gz archives, keyed by file stem.
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}
TIMEOUT_SECONDS = 30
CHUNK_BYTES = 1 << 20


def download_dataset(name, folder, stems):
    """Fetch every missing `<stem>.gz` into `folder`; each file appears only once it is verified.

    When the download fails, the folders this call created are removed again if they are empty.
    """
    created = [path for path in (folder, *folder.parents) if not path.exists()]  # deepest first
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for stem in stems:
            target = folder / f"{stem}.gz"
            if not target.exists():
                download_file(stem, target, MIRRORS[name], SHA256[name][stem])
    except BaseException:  # Ctrl-C too: an interrupted download leaves no empty folders either
        remove_empty(created)
        raise


def remove_empty(folders):
    """rmdir each folder, deepest first, stopping at the first that holds something."""
    for path in folders:
        try:
            path.rmdir()
        except OSError:  # not empty (a verified file is kept for the next try), or already gone
            return


def download_file(stem, target, mirrors, sha256):
    errors = []
    for base in mirrors:
        url = f"{base}{stem}.gz"
        try:
            fetch_verified(url, target, sha256)
            return
        # HTTPException: e.g. IncompleteRead when a chunked response is cut off midway
        except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError) as exc:
            errors.append(f"{url}: {exc}")
    raise DataError("download failed: " + "; ".join(errors))


def fetch_verified(url, target, sha256):
    """Stream `url` into `target`, written atomically (results_io): it appears only when its SHA-256 matches."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        def copy(out):
            digest = hashlib.sha256()
            while chunk := response.read(CHUNK_BYTES):
                digest.update(chunk)
                out.write(chunk)
            if digest.hexdigest() != sha256:
                raise ValueError(f"SHA-256 {digest.hexdigest()[:12]}... does not match {sha256[:12]}...")

        write_atomic(target, copy, binary=True)
