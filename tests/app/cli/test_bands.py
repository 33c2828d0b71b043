"""``specscope bands`` run as a user runs it, against an independent Butterworth filter bank."""

import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.signal
import soundfile as sf

FS_HZ = 48000
PINK_B = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
PINK_A = [1.0, -2.494956002, 2.017265875, -0.522189400]
SETTLE_S = 1.0


def specscope(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "specscope.app.cli", "bands", *map(str, args)],
                            capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stderr}")
    return result


def bands_json(*args):
    return json.loads(specscope(*args, "--json").stdout)


def write(tmp_path, name, x):
    path = tmp_path / name
    sf.write(path, x, FS_HZ, subtype="FLOAT")
    return path


def sine(f_hz, level_db, seconds=3.0):
    t = np.arange(int(seconds * FS_HZ)) / FS_HZ
    return 10 ** (level_db / 20) * np.sin(2 * np.pi * f_hz * t + 0.3)


@pytest.fixture(scope="module")
def pink(tmp_path_factory):
    rng = np.random.default_rng(7)
    x = scipy.signal.lfilter(PINK_B, PINK_A, rng.standard_normal(12 * FS_HZ))
    x *= 0.05 / np.std(x)
    path = tmp_path_factory.mktemp("bands") / "pink.wav"
    sf.write(path, x, FS_HZ, subtype="FLOAT")
    return path, x


def butterworth_leq_db(x, low_hz, high_hz):
    """Order-6 Butterworth band-pass, mean square after SETTLE_S, in the spectrum's dB (a sine reads 20 log10 A)."""
    sos = scipy.signal.butter(3, [low_hz, min(high_hz, 0.999 * FS_HZ / 2)], btype="band", output="sos", fs=FS_HZ)
    y = scipy.signal.sosfilt(sos, x)[int(SETTLE_S * FS_HZ):]
    return 10 * np.log10(2 * np.mean(y * y))


def test_pink_noise_bands_agree_with_a_butterworth_bank(pink):
    path, x = pink
    rows = bands_json(path, "--start", SETTLE_S)  # the bank's settled part: the same samples
    assert [r["nominal_hz"] for r in rows][:3] == [20.0, 25.0, 31.5] and rows[-1]["nominal_hz"] == 20000.0
    resolved = [r for r in rows if r["resolved"]]
    assert len(resolved) >= 25 and resolved[0]["nominal_hz"] <= 63.0
    diffs = [r["level_db"] - butterworth_leq_db(x, r["low_hz"], r["high_hz"]) for r in resolved]
    assert max(abs(d) for d in diffs) < 0.5, diffs


@pytest.mark.parametrize(("fraction", "f_hz"), [(3, 1000.0), (1, 10**2.7), (6, 1000 * 10 ** (0.3 * 9 / 12)),
                                                (24, 1000 * 10 ** (0.3 * 41 / 48))])
def test_minus_20_dbfs_sine_at_mid_band_reads_minus_20(tmp_path, fraction, f_hz):
    path = write(tmp_path, "sine.wav", sine(f_hz, -20.0))
    rows = bands_json(path, "--fraction", fraction)
    j = int(np.argmin([abs(r["center_hz"] - f_hz) for r in rows]))
    assert rows[j]["center_hz"] == pytest.approx(f_hz, rel=1e-9) and rows[j]["resolved"]
    assert rows[j]["level_db"] == pytest.approx(-20.0, abs=0.1)
    assert max(r["level_db"] for k, r in enumerate(rows) if abs(k - j) >= 2) < -60.0


def test_calibration_offset_mic_response_and_weighting(tmp_path):
    path = write(tmp_path, "tones.wav", sine(1000.0, -30.0) + sine(10000.0, -30.0))
    mic = tmp_path / "mic.txt"
    mic.write_text('"Sens Factor =-1.5dB, SERNO: 7000001"\n20 0.0\n5000 0.0\n10000 3.0\n20000 3.0\n')
    plain = {r["nominal_hz"]: r["level_db"] for r in bands_json(path)}
    cal = {r["nominal_hz"]: r["level_db"] for r in bands_json(path, "--calibration-offset", 124.0,
                                                              "--mic-response", mic)}
    assert cal[1000.0] == pytest.approx(94.0, abs=0.05)  # -30 dBFS + 124 dB
    assert cal[10000.0] == pytest.approx(plain[10000.0] + 124.0 - 3.0, abs=0.02)
    a = {r["nominal_hz"]: r["level_db"] for r in bands_json(path, "--weighting", "a")}
    assert a[10000.0] - plain[10000.0] == pytest.approx(-2.5, abs=0.1)  # IEC 61672-1: A at 10 kHz is -2.5 dB
    text = specscope(path, "--calibration-offset", 124.0).stdout
    assert "dB SPL" in text.splitlines()[0]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    path = write(tmp_path, "short.wav", sine(1000.0, -20.0, seconds=0.1))
    bad_mic = tmp_path / "bad.txt"
    bad_mic.write_text("* header\n20 0.0\n100 zero\n")
    cases = [
        ((tmp_path / "missing.wav",), "no such file"),
        ((path,), "shorter than one frame"),
        ((path, "--n-fft", 1024, "--mic-response", bad_mic), "bad.txt line 3: expected 'frequency dB'"),
        ((path, "--n-fft", 1024, "--calibration-offset", "nan"), "--calibration-offset must be a finite"),
        ((path, "--n-fft", 1000, "--channel", 3), "channel 3 does not exist"),
        ((path, "--n-fft", 1024, "--start", 5), "outside the file"),
    ]
    for args, message in cases:
        res = specscope(*args, check=False)
        assert res.returncode == 2, (args, res.stderr)
        assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_listen_bands_prints_calibrated_a_weighted_band_levels_each_second(tmp_path):
    path = write(tmp_path, "tone.wav", sine(1000.0, -20.0, seconds=2.0))
    res = subprocess.run([sys.executable, "-m", "specscope.app.cli", "listen", "--file", path, "--bands", "3",
                          "--weighting", "A", "--calibration-offset", "100", "--seconds", "2", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    reports = [r for r in lines if "bands" in r]
    assert len(reports) >= 1 and lines[-1]["summary"]
    assert reports[0]["t_s"] == pytest.approx(1.0, abs=0.1) and reports[0]["unit"] == "dB(A) SPL"
    levels = {b["nominal_hz"]: b["level_db"] for b in reports[-1]["bands"]}
    assert levels[1000.0] == pytest.approx(80.0, abs=0.1)
    bad = subprocess.run([sys.executable, "-m", "specscope.app.cli", "listen", "--file", path, "--bands", "3",
                          "--mic-response", tmp_path / "missing.txt"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "missing.txt: cannot read" in bad.stderr
