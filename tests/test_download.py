"""Downloads from a local HTTP server: verified files land in the cache; bad mirrors are skipped."""

import hashlib
import http.server
import threading

import numpy as np
import pytest
from conftest import idx_bytes, small_idx_arrays

from study.data import datasets as data_module
from study.data import download as download_module
from study.data.datasets import load
from study.data.idx import DataError


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves server.routes: path -> (behaviour, body); logs every path asked for."""

    def do_GET(self):
        self.server.requests.append(self.path)
        behaviour, body = self.server.routes.get(self.path, ("missing", b""))
        BEHAVIOURS[behaviour](self, body)

    def log_message(self, *args):  # keep the test output quiet
        pass


def serve(handler, body):
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def serve_corrupted(handler, body):
    flipped = bytearray(body)
    flipped[-5] ^= 0xFF
    serve(handler, bytes(flipped))


def die_midway(handler, body):
    """Promise the whole body, send half, close the connection."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2])
    handler.close_connection = True


def die_midway_chunked(handler, body):
    """Chunked transfer encoding, cut off inside a chunk."""
    handler.protocol_version = "HTTP/1.1"
    handler.send_response(200)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    handler.wfile.write(f"{len(body):x}\r\n".encode() + body[: len(body) // 2])
    handler.wfile.flush()
    handler.close_connection = True


def not_found(handler, body):
    handler.send_error(404)


BEHAVIOURS = {"ok": serve, "corrupted": serve_corrupted, "die": die_midway,
              "die_chunked": die_midway_chunked, "missing": not_found}


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.routes, httpd.requests = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def archives(small_splits, monkeypatch):
    """{stem: gz bytes} of a small dataset, with SHA256 for mnist pointing at them."""
    arrays = small_idx_arrays(seed=5)
    files = {small_splits[split][0]: idx_bytes(split, array) for split, array in arrays.items()}
    sums = {stem: hashlib.sha256(body).hexdigest() for stem, body in files.items()}
    monkeypatch.setitem(download_module.SHA256, "mnist", sums)
    return files, arrays


def use_mirrors(server, monkeypatch, archives, behaviours):
    """One mirror per behaviour, tried in order, each serving every file that way."""
    files, _ = archives
    mirrors = []
    for i, behaviour in enumerate(behaviours):
        base = f"/m{i}/"
        mirrors.append(server.url + base)
        server.routes.update({f"{base}{stem}.gz": (behaviour, body) for stem, body in files.items()})
    monkeypatch.setitem(download_module.MIRRORS, "mnist", tuple(mirrors))


def cache_contents(cache):
    return sorted(p.name for p in (cache / "mnist").iterdir()) if (cache / "mnist").exists() else []


def test_download_lands_in_cache_and_loads(server, monkeypatch, data_env, archives):
    use_mirrors(server, monkeypatch, archives, ["ok"])
    d = load("mnist")
    files, arrays = archives
    assert cache_contents(data_env) == sorted(f"{stem}.gz" for stem in files)
    for stem, body in files.items():
        assert (data_env / "mnist" / f"{stem}.gz").read_bytes() == body
    assert d.folder == data_env / "mnist"
    np.testing.assert_array_equal(d.y_train, arrays["train_labels"])
    asked = len(server.requests)
    assert asked == 4
    load("mnist")  # now found in the cache: no second download
    assert len(server.requests) == asked


@pytest.mark.parametrize("bad", ["corrupted", "missing", "die", "die_chunked"])
def test_bad_mirror_is_skipped_for_the_next(server, monkeypatch, data_env, archives, bad):
    use_mirrors(server, monkeypatch, archives, [bad, "ok"])
    load("mnist")
    files, _ = archives
    assert cache_contents(data_env) == sorted(f"{stem}.gz" for stem in files)
    assert sorted(server.requests) == sorted(f"/m{i}/{stem}.gz" for i in (0, 1) for stem in files)


@pytest.mark.parametrize("behaviours", [["corrupted"], ["missing", "die"], ["die_chunked", "corrupted"]])
def test_all_mirrors_bad_leaves_nothing_in_cache(server, monkeypatch, data_env, archives, behaviours):
    use_mirrors(server, monkeypatch, archives, behaviours)
    with pytest.raises(DataError) as info:
        load("mnist")
    message = str(info.value)
    assert "download failed" in message and "\n" not in message
    for i in range(len(behaviours)):
        assert f"{server.url}/m{i}/" in message  # every mirror tried is named
    assert cache_contents(data_env) == []  # no file, and no .part leftover


def test_a_failed_download_leaves_no_empty_folders(server, monkeypatch, data_env, archives):
    use_mirrors(server, monkeypatch, archives, ["missing"])
    assert not data_env.exists()
    with pytest.raises(DataError, match="download failed"):
        load("mnist")
    assert not data_env.exists()  # neither data/mnist/ nor data/ itself


def test_a_failed_download_keeps_folders_it_did_not_make_and_files_it_verified(
        server, monkeypatch, data_env, archives):
    use_mirrors(server, monkeypatch, archives, ["ok"])
    files, _ = archives
    last = list(files)[-1]
    server.routes[f"/m0/{last}.gz"] = ("missing", b"")
    data_env.mkdir()
    with pytest.raises(DataError, match="download failed"):
        load("mnist")
    assert cache_contents(data_env) == sorted(f"{stem}.gz" for stem in files if stem != last)
    server.routes[f"/m0/{last}.gz"] = ("ok", files[last])
    load("mnist")  # the next try fetches only the missing file
    assert server.requests[-1] == f"/m0/{last}.gz" and len(server.requests) == 5


def test_checksum_mismatch_is_reported(server, monkeypatch, data_env, archives):
    use_mirrors(server, monkeypatch, archives, ["corrupted"])
    with pytest.raises(DataError, match="SHA-256 .* does not match"):
        load("mnist")


def test_only_missing_files_are_fetched(server, monkeypatch, data_env, archives):
    use_mirrors(server, monkeypatch, archives, ["ok"])
    files, _ = archives
    folder = data_env / "mnist"
    folder.mkdir(parents=True)
    stems = list(files)
    for stem in stems[:3]:
        (folder / f"{stem}.gz").write_bytes(files[stem])
    load("mnist")
    assert server.requests == [f"/m0/{stems[3]}.gz"]


def test_real_checksums_cover_every_split():
    stems = {stem for stem, _ in data_module.SPLIT_FILES.values()}
    for name in data_module.DATASET_NAMES:
        assert set(download_module.SHA256[name]) == stems
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in download_module.SHA256[name].values())
        assert download_module.MIRRORS[name]
