"""The specscope command on files: info, export, peaks and their errors, run as a user runs them."""

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

FS_HZ = 48000


def specscope(*args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "specscope.app.cli", *map(str, args)], capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stderr}")
    return result


def reference_db(x, fs_hz, n_fft, hop, first_frame=0):
    """float64 numpy recomputation of the dBFS spectrogram with a periodic Hann window."""
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    n_frames = 1 + (len(x) - n_fft) // hop
    frames = np.stack([x[i * hop : i * hop + n_fft] for i in range(n_frames)])
    c = np.full(n_fft // 2 + 1, 2.0)
    c[[0, -1]] = 1
    return 20 * np.log10(np.maximum(c * np.abs(np.fft.rfft(frames * w, axis=1)) / w.sum(), 1e-10)).T


@pytest.fixture
def two_tones(tmp_path):
    t = np.arange(3 * FS_HZ) / FS_HZ
    x = 0.5 * np.sin(2 * np.pi * 1000.3 * t) + 0.05 * np.sin(2 * np.pi * 5432.1 * t)
    path = tmp_path / "tones.wav"
    sf.write(path, np.column_stack([x, x]), FS_HZ, subtype="FLOAT")
    return path, x


def test_info_json(two_tones):
    path, x = two_tones
    info = json.loads(specscope("info", path, "--json").stdout)
    assert info["fs_hz"] == FS_HZ
    assert info["channels"] == 2
    assert info["frames"] == len(x)
    assert info["duration_s"] == pytest.approx(3.0)
    assert "float" in info["encoding"].lower()
    text = specscope("info", path).stdout
    assert "48000 Hz" in text


def test_export_npz_matches_the_formula(two_tones, tmp_path):
    path, x = two_tones
    out = tmp_path / "out.npz"
    result = specscope("export", path, "-o", out, "--n-fft", 1024, "--start", 1.0, "--duration", 0.5)
    assert result.stderr == ""  # no progress bar when not on a terminal
    data = np.load(out)
    assert data["db"].dtype == np.float32
    assert int(data["n_fft"]) == 1024 and int(data["hop"]) == 256 and str(data["window"]) == "hann"
    assert float(data["fs_hz"]) == FS_HZ and int(data["zero_pad"]) == 1
    np.testing.assert_allclose(data["freqs_hz"], np.arange(513) * FS_HZ / 1024)
    # Times are times in the file: the slice starts at 1.0 s.
    n_frames = 1 + (24000 - 1024) // 256
    np.testing.assert_allclose(data["times_s"], 1.0 + (np.arange(n_frames) * 256 + 512) / FS_HZ)
    ref = reference_db(x[48000 : 48000 + 24000], FS_HZ, 1024, 256)
    assert data["db"].shape == ref.shape
    strong = ref.max(axis=0) - ref <= 60
    assert np.abs(data["db"] - ref)[strong].max() < 0.003


def test_export_csv_layout(two_tones, tmp_path):
    path, _ = two_tones
    out = tmp_path / "out.csv"
    specscope("export", path, "-o", out, "--n-fft", 64, "--hop", 32, "--duration", 0.01, "--zero-pad", 2)
    lines = out.read_text().splitlines()
    header = lines[0].split(",")
    assert header[0] == "time_s"
    np.testing.assert_allclose([float(h) for h in header[1:]], np.arange(65) * FS_HZ / 128)
    rows = np.loadtxt(out, delimiter=",", skiprows=1)
    assert rows.shape == (1 + (480 - 64) // 32, 66)
    np.testing.assert_allclose(rows[:, 0], (np.arange(rows.shape[0]) * 32 + 32) / FS_HZ, rtol=1e-5)


def test_peaks_json_finds_both_tones_at_sub_bin_accuracy(two_tones):
    path, _ = two_tones
    peaks = json.loads(specscope("peaks", path, "--top", 2, "--json").stdout)
    delta_f = FS_HZ / 2048
    assert [set(p) for p in peaks] == [{"freq_hz", "level_dbfs", "bin"}] * 2
    assert abs(peaks[0]["freq_hz"] - 1000.3) <= 0.002 * delta_f
    assert peaks[0]["level_dbfs"] == pytest.approx(20 * np.log10(0.5), abs=0.1)
    assert abs(peaks[1]["freq_hz"] - 5432.1) <= 0.002 * delta_f
    assert peaks[1]["level_dbfs"] == pytest.approx(20 * np.log10(0.05), abs=0.1)
    assert peaks[0]["bin"] == pytest.approx(peaks[0]["freq_hz"] / delta_f)


def test_peaks_on_a_file_exactly_one_frame_long(tmp_path):
    # The worked example: 100 Hz at 44.1 kHz, N = 1024 peaks in bin 2 (86.13 Hz) and reads 100.0 Hz.
    t = np.arange(1024) / 44100
    path = tmp_path / "one_frame.wav"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 100 * t), 44100, subtype="FLOAT")
    peaks = json.loads(specscope("peaks", path, "--n-fft", 1024, "--top", 1, "--json").stdout)
    assert peaks[0]["freq_hz"] == pytest.approx(100.0, abs=0.05)
    assert peaks[0]["bin"] == pytest.approx(100 / (44100 / 1024), abs=0.002)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info", "{missing}"], "missing.wav"),
        (["info", "{dir}"], "directory"),
        (["export", "{wav}", "-o", "{tmp}/x.txt"], ".npz or .csv"),
        (["export", "{wav}", "-o", "{tmp}/x.npz", "--n-fft", "1000001"], "--n-fft"),
        (["export", "{wav}", "-o", "{tmp}/x.npz", "--window", "triangle"], "window"),
        (["export", "{wav}", "-o", "{tmp}/x.npz", "--channel", "5"], "channel"),
        (["export", "{wav}", "-o", "{tmp}/x.npz", "--channel", "left"], "--channel"),
        (["export", "{wav}", "-o", "{tmp}/x.npz", "--start", "99"], "start"),
        (["export", "{wav}", "-o", "{tmp}/nodir/x.npz"], "does not exist"),
        (["peaks", "{wav}", "--n-fft", "65536", "--duration", "0.5"], "shorter than one frame"),
        (["peaks", "{wav}", "--top", "0"], "--top"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(two_tones, tmp_path, args, message):
    path, _ = two_tones
    (tmp_path / "adir").mkdir()
    subs = {"missing": tmp_path / "missing.wav", "dir": tmp_path / "adir", "wav": path, "tmp": tmp_path}
    result = specscope(*[a.format(**subs) for a in args], check=False)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
