"""specscope generate: flat pink third-octaves, documented RMS, sine frequency and level by the project's peak
estimator, atomic writes, bad input; and a played sine captured back from the null sink's monitor."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from specscope.app.cli.main import main
from specscope.dsp.config import StftConfig
from specscope.dsp.generator import GeneratorSettings, generate
from specscope.dsp.peaks import find_peaks
from specscope.dsp.stft import FrameKernel

FS = 48000


def third_octave_levels_db(x, fs_hz):
    """Power per IEC 61260-1 base-10 band from 20 Hz to 20 kHz, from the whole signal's FFT (not dsp's bands)."""
    power = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(x.shape[0], 1 / fs_hz)
    levels = []
    for n in range(-17, 14):  # 20 Hz .. 20 kHz
        fm = 1000 * 10 ** (n / 10)
        sel = (freqs >= fm * 10 ** (-1 / 20)) & (freqs < fm * 10 ** (1 / 20))
        levels.append(10 * np.log10(power[sel].sum()))
    return np.array(levels)


def strongest_peak(x, fs_hz=FS, n_fft=32768, start=12000):
    cfg = StftConfig(fs_hz=fs_hz, n_fft=n_fft, hop=n_fft, window="hann")
    spectrum = FrameKernel(cfg).spectrum(np.asarray(x[start : start + n_fft], np.float32)[None, :])[0]
    return find_peaks(spectrum, cfg, top=1)[0]


def test_pink_noise_file_is_flat_in_third_octaves_and_has_the_documented_rms(tmp_path):
    out = tmp_path / "out.wav"
    assert main(["generate", "pink", "--level", "-20", "--seconds", "10", "-o", str(out)]) == 0
    x, fs = sf.read(out, dtype="float32")
    assert fs == FS and x.shape == (10 * FS,)
    levels = third_octave_levels_db(x, fs)
    assert levels.shape == (31,)
    assert np.max(np.abs(levels - levels.mean())) <= 0.5
    # RMS of a sine at -20 dBFS: 0.1 / sqrt(2) (over these 10 s of the 21.8 s loop, within 0.1 dB).
    rms_db = 20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)) * np.sqrt(2))
    assert rms_db == pytest.approx(-20.0, abs=0.1)
    # What the file holds is the generator's signal, sample for sample (float32 file).
    assert np.array_equal(x, generate(GeneratorSettings(kind="pink", level_dbfs=-20.0), 10.0))
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]  # no temporary file left


def test_sine_file_reads_its_frequency_and_level_and_pcm24_and_rate_apply(tmp_path):
    out = tmp_path / "sine.flac"
    assert main(["generate", "sine", "--frequency", "997", "--level", "-12", "--seconds", "2",
                 "--samplerate", "44100", "-o", str(out)]) == 0
    x, fs = sf.read(out, dtype="float32")
    assert fs == 44100 and sf.info(out).subtype == "PCM_24"
    peak = strongest_peak(x, fs)
    assert peak.freq_hz == pytest.approx(997.0, abs=0.01)
    assert peak.level_dbfs == pytest.approx(-12.0, abs=0.02)


def test_limit_lowers_the_level_instead_of_clipping(tmp_path):
    out = tmp_path / "sq.wav"
    assert main(["generate", "square", "--level", "0", "--limit", "-6", "--seconds", "1", "-o", str(out)]) == 0
    x, _ = sf.read(out, dtype="float32")
    assert np.max(np.abs(x)) == pytest.approx(10 ** (-6 / 20), rel=1e-3)


def test_an_existing_file_survives_a_refused_write(tmp_path, capsys):
    out = tmp_path / "keep.flac"
    out.write_bytes(b"old")
    assert main(["generate", "sine", "--subtype", "float", "-o", str(out)]) == 2
    assert out.read_bytes() == b"old"
    assert "pcm24" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["tone", "-o", "{d}/a.wav"], "KIND"),
        (["sine", "--level", "3", "-o", "{d}/a.wav"], "--level"),
        (["sine", "--frequency", "30000", "-o", "{d}/a.wav"], "--frequency"),
        (["sweep", "--start-hz", "0", "-o", "{d}/a.wav"], "--start-hz"),
        (["sine", "--seconds", "0", "-o", "{d}/a.wav"], "--seconds"),
        (["sine", "-o", "{d}/a.mp4"], ".wav"),
        (["sine", "-o", "{d}/missing/a.wav"], "does not exist"),
        (["sine", "-o", "{d}/a.wav", "--device", "x"], "one of them"),
        (["sine", "--device", "no-such-output-device-xyz"], "unknown output device"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, words):
    argv = [a.replace("{d}", str(tmp_path)) for a in argv]
    assert main(["generate", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def record_monitor(server, seconds, out: list) -> subprocess.Popen:
    """parec from the null sink's monitor for `seconds` into out[0] (float32 mono), in a thread."""
    proc = subprocess.Popen(["parec", f"--device={server.monitor}", "--format=float32le", f"--rate={FS}",
                             "--channels=1", "--raw", "--latency-msec=10"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)

    def read() -> None:
        data = proc.stdout.read(4 * round(seconds * FS))
        out.append(np.frombuffer(data, "<f4"))

    t = threading.Thread(target=read, daemon=True)
    t.start()
    return proc, t


def test_a_played_sine_is_captured_back_at_its_frequency_and_level(pulse_server):
    """Loopback: generate plays into the null sink (PortAudio's 'pulse' device); parec records its monitor."""
    got: list = []
    rec, reader = record_monitor(pulse_server, 4.0, got)
    try:
        time.sleep(0.3)
        res = subprocess.run([sys.executable, "-m", "specscope.app.cli", "generate", "sine", "--frequency", "1000",
                              "--level", "-12", "--seconds", "3", "--samplerate", "48000", "--device", "pulse"],
                             capture_output=True, text=True, timeout=30)
        assert res.returncode == 0, res.stderr
        reader.join(10)
    finally:
        rec.kill()
        rec.wait()
    x = got[0]
    loud = np.flatnonzero(np.abs(x) > 0.05)
    assert loud.shape[0] > 2 * FS  # most of the 3 s came back
    middle = x[loud[0] + FS // 2 : loud[-1] - FS // 2]
    peak = strongest_peak(middle, start=0)
    assert peak.freq_hz == pytest.approx(1000.0, abs=0.5)
    assert peak.level_dbfs == pytest.approx(-12.0, abs=0.5)
