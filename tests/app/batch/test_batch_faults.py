"""Faults with real processes: a worker killed mid-run, Ctrl-C of the command, an external scheduler.

Thread: pytest's main thread; the command runs as a subprocess, the clusters'
workers are processes of their own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import manifest, parts_left, tone, venv_bin

pytestmark = pytest.mark.timeout(240)


def _archive(root: Path, n: int, seconds: float) -> list[Path]:
    return [tone(root / f"d{i % 2}" / f"f{i:02d}.wav", 200.0 + 37 * i, seconds, fs_hz=48000) for i in range(n)]


def _command(inputs, out, *extra) -> list[str]:
    return [sys.executable, "-m", "specscope.app.cli", "batch", *map(str, inputs), "-o", str(out), "--recursive",
            *extra]


def _wait_for_lines(out: Path, n: int, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        path = out / "manifest.jsonl"
        if path.is_file() and len(path.read_text().splitlines()) >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the batch made no progress")


# Slow enough per file (hop 64 at 48 kHz, every output) that work is in flight when the fault hits.
SLOW = ("--what", "npz,png,peaks", "--n-fft", "1024", "--hop", "64")


def test_killed_worker_task_is_retried_and_manifest_complete(tmp_path, dask_cluster):
    from distributed import Client

    files = _archive(tmp_path / "in", 12, 4.0)
    out = tmp_path / "out"
    proc = subprocess.Popen(_command([tmp_path / "in"], out, "--scheduler", dask_cluster.scheduler_address, *SLOW),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_lines(out, 2, proc)
    with Client(dask_cluster.scheduler_address) as client:
        pids = client.run(os.getpid)  # worker address -> its process id
        processing = client.processing()
        victim = next((addr for addr in pids if processing.get(addr)), next(iter(pids)))
        assert processing.get(victim), "no task in flight to kill"
        os.kill(pids[victim], signal.SIGKILL)
        _stdout, stderr = proc.communicate(timeout=200)
        client.wait_for_workers(2, timeout=60)  # the nanny restarts it, for the next tests
    assert proc.returncode == 0, stderr
    entries = manifest(out)
    assert len(entries) == len(files)
    assert {e["status"] for e in entries} == {"done"}
    for e in entries:
        for o in e["outputs"]:
            assert (out / o).is_file()
    assert not parts_left(out)


def test_sigint_writes_manifest_and_rerun_finishes(tmp_path, dask_cluster):
    files = _archive(tmp_path / "in", 12, 4.0)
    out = tmp_path / "out"
    proc = subprocess.Popen(_command([tmp_path / "in"], out, "--workers", "2", *SLOW),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_lines(out, 3, proc)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert "interrupted" in stdout or "failed" in stdout
    assert proc.returncode == 130, stderr
    assert "local Dask cluster: 2 workers" in stderr
    assert "Traceback" not in stderr
    entries = manifest(out)
    assert len(entries) == len(files)  # every input has its line
    done = [e for e in entries if e["status"] == "done"]
    interrupted = [e for e in entries if e["status"] == "failed"]
    assert len(done) >= 3 and interrupted and all("interrupted" in e["reason"] for e in interrupted)
    assert not parts_left(out)
    for e in done:
        for o in e["outputs"]:
            assert (out / o).is_file()
    rerun = subprocess.run(_command([tmp_path / "in"], out, "--scheduler", dask_cluster.scheduler_address, *SLOW),
                           capture_output=True, text=True, timeout=200)
    assert rerun.returncode == 0, rerun.stderr
    after = {e["rel"]: e["status"] for e in manifest(out)}
    assert {after[e["rel"]] for e in done} == {"skipped"}
    assert {after[e["rel"]] for e in interrupted} == {"done"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_external_scheduler_and_workers(tmp_path):
    pytest.importorskip("distributed")
    from distributed import Client

    files = _archive(tmp_path / "in", 4, 1.0)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = venv_bin("dask")
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                           "--no-dashboard", "--no-nanny", "--host", "127.0.0.1"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            pids = set(client.run(os.getpid).values())
        out = tmp_path / "out"
        run = subprocess.run(_command([tmp_path / "in"], out, "--scheduler", address, "--what", "npz,peaks"),
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert f"Dask scheduler {address}: 2 workers" in run.stderr
        entries = manifest(out)
        assert len(entries) == len(files) and {e["status"] for e in entries} == {"done"}
        assert len(pids) == 2 and os.getpid() not in pids
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
