"""An input done in one run that fails in the next loses its old outputs: nothing stale of the old content remains.

Thread: pytest's main thread (the batch's tasks run in the two-worker cluster's processes).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from specscope.app.cli.main import main

from .conftest import manifest, parts_left, tone

pytestmark = pytest.mark.timeout(180)


def _batch(src, out, scheduler) -> int:
    return main(["batch", str(src), "-o", str(out), "--what", "npz,peaks,ltsa", "--ltsa-interval", "1s",
                 "--n-fft", "256", "--recursive", "--scheduler", scheduler])


def test_input_that_now_fails_loses_its_old_outputs(tmp_path, dask_cluster):
    src, out = tmp_path / "in", tmp_path / "out"
    # Timed names: the LTSA places each file by its own start, so keep's placement (and entry) stays put.
    keep = tone(src / "keep_20240501_060000.wav", 500.0, 2.0)
    cut = tone(src / "sub" / "cut_20240501_060010.wav", 1000.0, 2.0)  # becomes a cut header: fails at the probe
    short = tone(src / "short_20240501_060020.wav", 1500.0, 2.0)  # becomes 80 samples: fails in its task
    k_rel, c_rel, s_rel = "keep_20240501_060000.wav", "sub/cut_20240501_060010.wav", "short_20240501_060020.wav"
    scheduler = dask_cluster.scheduler_address
    assert _batch(src, out, scheduler) == 0
    first = {e["rel"]: e for e in manifest(out)}
    old = {rel: [out / o for o in first[rel]["outputs"]] for rel in (c_rel, s_rel)}
    for rel, paths in old.items():
        assert sorted(p.name for p in paths) == sorted(
            [f"{rel.split('/')[-1][:-4]}{s}" for s in (".npz", ".npz", ".peaks.json")]), rel  # npz, peaks, part
        assert all(p.is_file() for p in paths), rel
    peaks = json.loads((out / "sub" / "cut_20240501_060010.peaks.json").read_text())
    assert peaks[0]["freq_hz"] == pytest.approx(1000.0, abs=0.5)

    cut.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    tone(short, 1500.0, 0.01)
    assert _batch(src, out, scheduler) == 3
    entries = {e["rel"]: e for e in manifest(out)}
    assert len(entries) == 3
    assert entries[k_rel]["status"] == "skipped"
    assert entries[c_rel]["status"] == "failed" and "header cut short" in entries[c_rel]["reason"]
    assert entries[s_rel]["status"] == "failed"
    assert "shorter than one frame" in entries[s_rel]["reason"]
    for rel, paths in old.items():
        assert entries[rel]["outputs"] == []
        assert [p for p in paths if p.exists()] == [], rel
    assert all((out / o).is_file() for o in entries[k_rel]["outputs"])
    assert not parts_left(out)
    # The LTSA now holds only keep's 2 s (columns 0 and 1, its 500 Hz tone); the failed files' times are gaps.
    with np.load(out / "ltsa.npz") as z:
        db, freqs, n_frames = z["db"], z["freqs_hz"], z["n_frames"]
    assert freqs[16] == 500.0
    assert np.flatnonzero(n_frames > 0).tolist() == [0, 1]
    assert [int(np.argmax(db[:, c])) for c in (0, 1)] == [16, 16]
    assert np.isnan(db[:, 2:]).all()
    assert not (out / "sub" / "cut_20240501_060010.npz").exists()
    assert not (out / ".ltsa" / "short_20240501_060020.npz").exists()
    assert keep.is_file()


def test_ltsa_of_inputs_that_all_fail_now_is_removed(tmp_path, dask_cluster):
    src, out = tmp_path / "in", tmp_path / "out"
    only = tone(src / "only_20240501_060000.wav", 500.0, 2.0)
    assert _batch(src, out, dask_cluster.scheduler_address) == 0
    assert (out / "ltsa.npz").is_file() and (out / "ltsa.png").is_file()
    only.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    assert _batch(src, out, dask_cluster.scheduler_address) == 3
    assert not (out / "ltsa.npz").exists() and not (out / "ltsa.png").exists()
    assert [p.name for p in out.rglob("*") if p.is_file()] == ["manifest.jsonl"]
