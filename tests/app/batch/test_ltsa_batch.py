"""``specscope batch --what ltsa``: tones at known wall-clock times land in the right columns and rows; gaps stay gaps.

Thread: pytest's main thread (tasks on the two-worker cluster).
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from specscope.app.cli.main import main

from .conftest import manifest

FS_HZ = 8000
N_FFT = 256  # bins of 31.25 Hz: the tones below sit on bins 16, 48 and 80

def _file(path, seconds, pieces):
    """pieces: (start_s, end_s, freq_hz) tones of amplitude 0.5 over a -80 dBFS noise floor."""
    t = np.arange(int(seconds * FS_HZ)) / FS_HZ
    x = 1e-4 * np.random.default_rng(len(pieces)).standard_normal(t.size)
    for a, b, f in pieces:
        x += np.where((t >= a) & (t < b), 0.5 * np.sin(2 * np.pi * f * t), 0.0)
    sf.write(path, x, FS_HZ, subtype="FLOAT")

@pytest.fixture(scope="module")
def deployment(tmp_path_factory, dask_cluster):
    root = tmp_path_factory.mktemp("deploy")
    src = root / "in"
    src.mkdir()
    # Name order (a, b, c) is not time order (b, a, c); c starts after a 50 s gap.
    _file(src / "b_20240501_063000.wav", 30.0, [(10.0, 20.0, 500.0)])    # 06:30:00-06:30:30
    _file(src / "a_20240501_063030.wav", 20.0, [(0.0, 10.0, 1500.0)])    # 06:30:30-06:30:50
    _file(src / "c_20240501_063140.wav", 25.0, [(0.0, 25.0, 2500.0)])    # 06:31:40-06:32:05
    out = root / "out"
    status = main(["batch", str(src), "-o", str(out), "--what", "ltsa", "--ltsa-interval", "10s",
                   "--ltsa-percentiles", "5,50,95", "--n-fft", str(N_FFT), "--scheduler",
                   dask_cluster.scheduler_address])
    return root, out, status

def test_tones_land_in_their_columns_and_rows(deployment):
    _root, out, status = deployment
    assert status == 0
    with np.load(out / "ltsa.npz") as z:
        db, freqs, times, interval = z["db"], z["freqs_hz"], z["times"], float(z["interval_s"])
        pct, n_frames = z["percentile_db"], z["n_frames"]
        assert z["percentiles"].tolist() == [5.0, 50.0, 95.0]
    assert interval == 10.0
    assert times[0] == "2024-05-01T06:30:00" and times[-1] == "2024-05-01T06:32:00"
    assert db.shape == (N_FFT // 2 + 1, 13)
    assert freqs[16] == 500.0 and freqs[48] == 1500.0 and freqs[80] == 2500.0
    expected = {1: 16, 3: 48, 10: 80, 11: 80}  # column -> the tone's bin
    tone_db = 20 * np.log10(0.5)
    for col, k in expected.items():
        assert int(np.argmax(db[:, col])) == k, col
        assert db[k, col] == pytest.approx(tone_db, abs=0.3), col  # the full-interval tone's level
    for col in (0, 2, 4):  # quiet intervals of the first two files: the noise floor
        assert np.nanmax(db[:, col]) < tone_db - 30, col
    # 06:30:50 to 06:31:40 has no recording: columns 5..9 are gaps.
    assert np.isnan(db[:, 5:10]).all() and (n_frames[5:10] == 0).all()
    assert not np.isnan(db[:, [0, 1, 2, 3, 4, 10, 11, 12]]).any()
    # A steady tone: its 5th, 50th and 95th percentiles agree with the mean.
    np.testing.assert_allclose(pct[:, 80, 10], tone_db, atol=0.2)
    assert np.isnan(pct[:, :, 5:10]).all()
    assert (out / "ltsa.png").read_bytes()[:4] == b"\x89PNG"


def test_columns_lead_back_to_their_recordings(deployment):
    root, out, _status = deployment
    with np.load(out / "ltsa.npz") as z:
        sources, col_src, col_off = z["sources"].tolist(), z["column_source"], z["column_offset_s"]
    src = root / "in"
    assert sources == [str(src / n) for n in ("b_20240501_063000.wav", "a_20240501_063030.wav",
                                              "c_20240501_063140.wav")]  # time order
    # b covers columns 0-2 (06:30:00-06:30:30), a 3-4, gap 5-9, c 10-12 (its last 5 s in column 12).
    assert col_src.tolist() == [0, 0, 0, 1, 1, -1, -1, -1, -1, -1, 2, 2, 2]
    np.testing.assert_array_equal(col_off[[0, 1, 2, 3, 4, 10, 11, 12]], [0, 10, 20, 0, 10, 0, 10, 20])
    assert np.isnan(col_off[5:10]).all()


def test_untimed_files_are_laid_end_to_end(tmp_path, dask_cluster):
    src = tmp_path / "in"
    src.mkdir()
    _file(src / "two.wav", 10.0, [(0.0, 10.0, 1500.0)])
    _file(src / "one.wav", 10.0, [(0.0, 10.0, 500.0)])
    out = tmp_path / "out"
    assert main(["batch", str(src), "-o", str(out), "--what", "ltsa,npz", "--ltsa-interval", "5", "--n-fft",
                 str(N_FFT), "--scheduler", dask_cluster.scheduler_address]) == 0
    with np.load(out / "ltsa.npz") as z:
        db, times = z["db"], z["times"]
    assert times.tolist() == [0.0, 5.0, 10.0, 15.0]
    assert [int(np.argmax(db[:, c])) for c in range(4)] == [16, 16, 48, 48]  # one.wav first, by name
    entries = manifest(out)
    assert all(e["status"] == "done" for e in entries)
    assert any(o.startswith(".ltsa/") for o in entries[0]["outputs"])
    # A rerun reads no audio but combines the kept parts into the same LTSA.
    assert main(["batch", str(src), "-o", str(out), "--what", "ltsa,npz", "--ltsa-interval", "5", "--n-fft",
                 str(N_FFT), "--scheduler", dask_cluster.scheduler_address]) == 0
    assert {e["status"] for e in manifest(out)} == {"skipped"}
    with np.load(out / "ltsa.npz") as z:
        np.testing.assert_array_equal(z["db"], db)
