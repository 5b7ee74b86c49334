"""Sweeps on a dask cluster of separate processes, started as docs/cluster.md says (`dask scheduler`,
`dask worker`, bound to 127.0.0.1, no dashboard): the same tables as loky, and losing a worker, the
scheduler or the driver mid-sweep loses no finished run. The suite's LocalCluster test does not cover
this: there the scheduler lives in the sweep's own process."""

import contextlib
import datetime
import ipaddress
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import WAIT_CEILING, wait_for

from study.store.shards import VOLATILE_COLUMNS

pytest.importorskip("distributed")
DASK = Path(sys.executable).with_name("dask")
pytestmark = pytest.mark.skipif(not DASK.exists(), reason=f"no dask command at {DASK}")

GRID = """
name = "g"
[base]
epochs = 20
hidden = [16]
n_train = 1000
n_val = 200
[grid]
activation = ["relu", "sigmoid"]
lr = [0.05, 0.1, 0.2, 0.4]
"""
RUNS = 8


@pytest.fixture(scope="module")
def setup(tmp_path_factory, synthetic_data_root):
    """(experiment file, environment, the tables of the same sweep on loky)."""
    folder = tmp_path_factory.mktemp("cluster")
    path = folder / "g.toml"
    path.write_text(GRID)
    env = {**os.environ, "STUDY_DATA_DIR": str(synthetic_data_root)}
    done = sweep(path, folder / "loky", env, "--jobs", "2")
    assert done.returncode == 0, done.stderr
    return path, env, tables(folder / "loky" / "g")


def sweep(path, results, env, *args, wait=True):
    command = [sys.executable, "-m", "study", "sweep", str(path), "--results", str(results), "--no-progress", *args]
    if wait:
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=WAIT_CEILING)
    return subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def tables(folder):
    runs, epochs = (pd.read_csv(Path(folder) / f"{t}.csv") for t in ("runs", "epochs"))
    return tuple(t.drop(columns=[c for c in VOLATILE_COLUMNS if c in t]) for t in (runs, epochs))


def assert_loky_tables(folder, want):
    for got, expected in zip(tables(folder), want):
        pd.testing.assert_frame_equal(got, expected)


def shards(results):
    return len(list((Path(results) / "g" / "shards").glob("*.json")))


class Cluster:
    """A scheduler and workers, each its own `dask` process (own session, so it can be killed alone)."""

    def __init__(self, folder, env, tls=()):
        self.folder, self.env, self.tls = Path(folder), env, list(tls)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.processes = {}
        self.file = self.folder / "scheduler.json"

    def start(self, name, *args):
        with open(self.folder / f"{name}.log", "w") as log:
            self.processes[name] = subprocess.Popen([str(DASK), *args], stdout=log, stderr=subprocess.STDOUT,
                                                    env=self.env, start_new_session=True)

    def scheduler(self):
        protocol = ["--protocol", "tls"] if self.tls else []
        self.start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                   "--scheduler-file", str(self.file), *protocol, *self.tls)
        wait_for(lambda: self.address() or self.processes["scheduler"].poll() is not None, "the dask scheduler")
        assert self.address(), (self.folder / "scheduler.log").read_text()
        return self

    def address(self):
        try:
            return json.loads(self.file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            return None

    def worker(self, name):
        self.start(name, "worker", "--scheduler-file", str(self.file), "--nthreads", "1", "--no-nanny",
                   "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(self.folder / name), *self.tls)
        log = self.folder / f"{name}.log"
        wait_for(lambda: "Registered to" in log.read_text() or self.processes[name].poll() is not None,
                 f"dask worker {name} to join the scheduler")
        assert "Registered to" in log.read_text(), log.read_text()
        return self

    def kill(self, name):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait()

    def stop(self):
        for name in list(self.processes):
            self.kill(name)


@pytest.fixture
def clusters(tmp_path):
    """Factory: Cluster(folder, env, tls) with a scheduler and two workers; every process killed at the end."""
    started = []

    def start(name, env, tls=()):
        cluster = Cluster(tmp_path / name, env, tls).scheduler().worker("a").worker("b")
        started.append(cluster)
        return cluster

    yield start
    for cluster in started:
        cluster.stop()


def killed_mid_sweep(proc, results, what):
    """Wait until the sweep saved its first run, then call what(); returns the runs saved by then."""
    wait_for(lambda: shards(results) >= 1 or proc.poll() is not None, "the sweep to save its first run")
    assert proc.poll() is None, "the sweep ended before the kill"
    saved = shards(results)
    what()
    return saved


def sweep_losing(path, results, env, cluster, name):
    """Sweep on `cluster`, kill its process `name` once the first run is saved: (runs saved by then, the
    finished sweep process, its stdout, its stderr)."""
    proc = sweep(path, results, env, "--backend", "dask", "--scheduler", cluster.address(), wait=False)
    try:
        saved = killed_mid_sweep(proc, results, lambda: cluster.kill(name))
        out, err = proc.communicate(timeout=WAIT_CEILING)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return saved, proc, out, err


def test_a_lost_worker_has_its_runs_retried_by_the_others(setup, clusters, tmp_path):
    path, env, loky = setup
    results = tmp_path / "dask"
    saved, proc, out, err = sweep_losing(path, results, env, clusters("one", env), "b")
    assert saved < RUNS, "the kill should land mid-sweep"
    # rarely a run is dropped while its result is fetched from the killed worker: submitted again, with a note
    notes = [line for line in err.splitlines() if not line.startswith("study sweep: note: the dask scheduler")]
    assert proc.returncode == 0 and notes == [], err
    assert f"{RUNS} trained now" in out
    assert_loky_tables(results / "g", loky)


def test_a_lost_scheduler_is_one_line_and_a_new_cluster_resumes(setup, clusters, tmp_path):
    path, env, loky = setup
    first = clusters("first", env)
    results = tmp_path / "dask"
    saved, proc, out, err = sweep_losing(path, results, env, first, "scheduler")
    assert proc.returncode == 1 and len(err.strip().splitlines()) == 1, err
    assert f"lost the dask scheduler at {first.address()}" in err and "Traceback" not in err
    assert "finished runs are saved" in err and err.strip().endswith("rerun the same command to resume")
    first.stop()
    left = RUNS - shards(results)
    assert saved <= shards(results) < RUNS
    second = clusters("second", env)
    done = sweep(path, results, env, "--backend", "dask", "--scheduler", second.address())
    assert done.returncode == 0 and f"{left} trained now" in done.stdout, done.stderr
    assert_loky_tables(results / "g", loky)


def test_a_lost_driver_resumes_on_the_same_cluster(setup, clusters, tmp_path):
    """Over TLS when the cryptography package is there to make a certificate (as docs/cluster.md says)."""
    path, env, loky = setup
    tls, env = tls_settings(tmp_path / "tls", env)
    cluster = clusters("tls" if tls else "tcp", env, tls)
    assert cluster.address().startswith("tls://" if tls else "tcp://")
    results = tmp_path / "dask"
    proc = sweep(path, results, env, "--backend", "dask", "--scheduler", cluster.address(), wait=False)
    try:
        killed_mid_sweep(proc, results, lambda: os.killpg(proc.pid, signal.SIGKILL))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    left = RUNS - shards(results)
    done = sweep(path, results, env, "--backend", "dask", "--scheduler", cluster.address())
    assert done.returncode == 0 and f"{left} trained now" in done.stdout, done.stderr
    assert_loky_tables(results / "g", loky)


def tls_settings(folder, env):
    """(the --tls-* options of the cluster's processes, env with dask's TLS settings for the sweep), or
    ((), env) when the cryptography package is not installed."""
    try:
        certificate, key = self_signed(folder)
    except ImportError:
        return (), env
    options = ["--tls-ca-file", str(certificate), "--tls-cert", str(certificate), "--tls-key", str(key)]
    settings = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(certificate),
                "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(certificate),
                "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(key),
                "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True"}
    return options, {**env, **settings}


def self_signed(folder):
    """(certificate, key) files: one self-signed certificate for 127.0.0.1, its own authority."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "study test cluster")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    certificate_file, key_file = folder / "cluster.pem", folder / "cluster.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return certificate_file, key_file


@pytest.mark.parametrize("address, settings, says, before_anything", [
    ("tls://127.0.0.1:{port}", {}, "a tls:// address needs dask's TLS settings", True),
    ("tcp://127.0.0.1:{port}", {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}, "cannot connect (", False),
])
def test_a_scheduler_that_cannot_be_reached_is_one_line_and_exit_2(setup, tmp_path, address, settings, says,
                                                                   before_anything):
    from conftest import closed_port

    path, env, _ = setup
    env = {key: value for key, value in env.items() if not key.startswith("DASK_DISTRIBUTED__COMM__TLS")}
    address = address.format(port=closed_port())
    done = sweep(path, tmp_path / "r", {**env, **settings}, "--backend", "dask", "--scheduler", address)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"--scheduler {address}: {says}" in done.stderr and "docs/cluster.md" in done.stderr
    assert not (tmp_path / "r" / "g" / "shards").exists()
    assert not before_anything or not (tmp_path / "r").exists()  # refused before the folder is made
