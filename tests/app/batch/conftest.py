"""Fixtures for the batch tests: one real two-process Dask cluster, and generated recordings.

Thread: pytest's main thread; the cluster's scheduler runs in this process's
event-loop thread, its two workers are separate processes (``processes=True``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


@pytest.fixture(scope="session")
def dask_cluster():
    """A ``distributed.LocalCluster(n_workers=2, processes=True)`` shared by the batch tests."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    client.wait_for_workers(2, timeout=60)
    yield cluster
    client.close()
    cluster.close()


def tone(path: Path, freq_hz: float, seconds: float, fs_hz: int = 8000, amp: float = 0.5, channels: int = 1,
         subtype: str = "PCM_16") -> Path:
    """Write a sine (plus a little seeded noise) to `path`; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * fs_hz)) / fs_hz
    rng = np.random.default_rng(abs(hash(path.name)) % 2**32)
    x = amp * np.sin(2 * np.pi * freq_hz * t) + 1e-3 * rng.standard_normal(t.size)
    if channels > 1:
        x = np.stack([x * (c + 1) / channels for c in range(channels)], axis=1)
    sf.write(path, x, fs_hz, subtype=subtype)
    return path


def make_archive(root: Path, seconds: float = 1.0) -> dict[str, list[Path]]:
    """20 files in nested folders: 17 recordings, 2 broken ones and 1 that is not audio."""
    good = []
    for i in range(15):
        sub = root / f"site{i % 3}" / ("day1" if i % 2 else "day2")
        good.append(tone(sub / f"rec{i:02d}.wav", 300.0 + 50 * i, seconds))
    good.append(tone(root / "stereo.flac", 1234.5, seconds, fs_hz=16000, channels=2))
    good.append(tone(root / "site0" / "float.wav", 2000.0, seconds, fs_hz=22050, subtype="FLOAT"))
    broken = [root / "site1" / "cut.wav", root / "site2" / "day1" / "short.wav"]
    broken[0].write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")  # header cut short: fails at the probe
    tone(broken[1], 440.0, 0.01)  # 80 samples, shorter than one frame: fails in its task
    other = root / "site0" / "notes.txt"
    other.write_text("field notes, not audio\n")
    return {"good": good, "broken": broken, "other": [other]}


def parts_left(root: Path) -> list[str]:
    """Temporary output files anywhere below `root`."""
    return [str(p) for p in root.rglob("*") if ".specscope-part-" in p.name]


def manifest(outdir: Path) -> list[dict]:
    import json

    return [json.loads(line) for line in (outdir / "manifest.jsonl").read_text().splitlines()]


def venv_bin(name: str) -> str:
    import sys

    return os.path.join(os.path.dirname(sys.executable), name)
