"""Research playback: time expansion and band-limited playback, on rendered blocks and through the null sink."""

import subprocess
import threading
import time

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from specscope.app.io.audio_file import open_audio
from specscope.app.output.playback import PlaybackRun
from specscope.app.output.research_playback import Render, RenderError, band_sos, check_speed
from specscope.dsp.config import StftConfig
from specscope.dsp.peaks import estimate_peak
from specscope.dsp.stft import FrameKernel, frame_view

SINK_RATE_HZ = 48000


def _write(tmp_path, name, x, fs):
    path = tmp_path / name
    sf.write(str(path), x.astype(np.float32), fs, subtype="FLOAT")
    return str(path)


def _render_all(render, path, first=0, n=None):
    with open_audio(path) as reader:
        n = reader.info.frames - first if n is None else n
        return np.concatenate(list(render.blocks(reader, first, n, "mix")))


def _peak_hz(x, fs, n_fft=8192):
    cfg = StftConfig(fs_hz=float(fs), n_fft=n_fft, hop=n_fft)
    frames = frame_view(np.ascontiguousarray(x[:n_fft], dtype=np.float32), n_fft, n_fft)
    return estimate_peak(FrameKernel(cfg).spectrum(frames)[0], cfg).freq_hz


def _tone_db(x, fs, f_hz):
    """Level of the component at `f_hz` (dB re full scale) by projection on a Hann-windowed complex tone."""
    n = np.arange(x.size)
    w = np.hanning(x.size)
    return 20 * np.log10(2 * abs(np.sum(w * x * np.exp(-2j * np.pi * f_hz * n / fs))) / w.sum() + 1e-12)


def test_speed_limits_and_band_checks():
    assert check_speed(1 / 32) == pytest.approx(1 / 32) and check_speed(4) == 4.0
    for bad in (1 / 64, 5, "fast"):
        with pytest.raises(RenderError, match="speed"):
            check_speed(bad)
    with pytest.raises(RenderError, match="low < high"):
        band_sos(48000, 5000, 2000)
    assert band_sos(48000, None, None) is None and band_sos(48000, 0, 24000) is None


def test_blockwise_band_pass_equals_one_pass_over_the_file(tmp_path):
    fs = 48000
    x = np.random.default_rng(3).standard_normal(5 * fs) * 0.1
    path = _write(tmp_path, "noise.wav", x, fs)
    render = Render(fs, 1.0, (1000.0, 3000.0), out_rate_hz=fs)
    y = _render_all(render, path)
    whole = signal.sosfiltfilt(render.sos, np.concatenate([np.zeros(render.margin), x.astype(np.float32),
                                                            np.zeros(render.margin)]), padtype=None)
    whole = whole[render.margin: render.margin + x.size]
    assert y.shape == x.shape
    err_db = 20 * np.log10(np.max(np.abs(y - whole)) / np.max(np.abs(whole)))
    assert err_db < -90  # no seam at the block boundaries (every 16384 samples)


def test_blockwise_resampling_equals_resample_poly_of_the_whole(tmp_path):
    fs = 44100
    x = np.random.default_rng(4).standard_normal(3 * fs) * 0.1
    path = _write(tmp_path, "noise.wav", x, fs)
    render = Render(fs, 0.1, None, out_rate_hz=48000)  # 4410 Hz played at 48 kHz: up/down = 1600/147
    assert (render.up, render.down) == (1600, 147)
    y = _render_all(render, path)
    pad = np.zeros(render.margin)
    whole = signal.resample_poly(np.concatenate([pad, x.astype(np.float32), pad]), render.up, render.down)
    a = render.out_frames(render.margin)
    whole = whole[a: a + render.out_frames(x.size)]
    assert y.size == render.out_frames(x.size)
    assert np.max(np.abs(y - whole)) < 1e-4 * np.max(np.abs(whole))


def test_time_expansion_divides_the_frequency_on_the_rendered_blocks(tmp_path):
    fs = 384000
    t = np.arange(fs // 2) / fs
    path = _write(tmp_path, "bat.wav", 0.5 * np.sin(2 * np.pi * 40000 * t), fs)
    render = Render(fs, 1 / 10, None, out_rate_hz=48000)  # resampled here: 38.4 kHz -> 48 kHz
    y = _render_all(render, path)
    assert y.size == pytest.approx(10 * t.size * 48000 / fs, abs=1)
    f = _peak_hz(y[20000:], 48000)
    assert f == pytest.approx(4000.0, rel=1e-4)


def test_band_limited_render_attenuates_an_out_of_band_tone_by_40_db(tmp_path):
    fs = 48000
    t = np.arange(2 * fs) / fs
    x = 0.3 * np.sin(2 * np.pi * 3000 * t) + 0.3 * np.sin(2 * np.pi * 9000 * t)
    path = _write(tmp_path, "two.wav", x, fs)
    y = _render_all(Render(fs, 1.0, (2000.0, 4000.0), out_rate_hz=fs), path)[fs // 2: 3 * fs // 2]
    inband, outband = _tone_db(y, fs, 3000), _tone_db(y, fs, 9000)
    assert inband == pytest.approx(20 * np.log10(0.3), abs=0.1)  # zero-phase Butterworth: 0 dB at 3 kHz
    assert inband - outband > 40


def test_position_stays_in_file_time(tmp_path):
    fs = 8000
    path = _write(tmp_path, "ramp.wav", np.zeros(2 * fs), fs)
    run = PlaybackRun(path, "mix", fs, 0.5, 1.5, open_stream=False, render=Render(fs, 1 / 4, None, out_rate_hz=2000))
    try:
        assert run.out_rate_hz == 2000
        assert run.position_at(2000) == pytest.approx(0.5 + 0.25)  # one second of output = 1/4 s of file
        run.loop = True
        assert run.position_at(8000 + 100) == pytest.approx(0.5 + 100 * 0.25 / 2000)
    finally:
        run.close()


# --- through the PulseAudio null sink ----------------------------------------------------------
def _capture(pulse_server, run_factory, seconds):
    """Record the null sink's monitor (48 kHz mono s16) while a PlaybackRun plays; float samples."""
    rec = subprocess.Popen(["parec", f"--device={pulse_server.monitor}", "--format=s16le",
                            f"--rate={SINK_RATE_HZ}", "--channels=1", "--raw", "--latency-msec=10"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    chunks = []
    reader = threading.Thread(target=lambda: [chunks.append(b) for b in iter(lambda: rec.stdout.read(4096), b"")],
                              daemon=True)
    reader.start()
    time.sleep(0.3)
    run = run_factory()
    try:
        end = time.monotonic() + seconds + 5
        while not run.done and run.error is None and time.monotonic() < end:
            time.sleep(0.05)
        assert run.error is None and run.n_played > 0, (run.error, run.n_played, run.out_rate_hz)
        time.sleep(0.3)
    finally:
        run.close()
        rec.kill()
        rec.wait()
        reader.join(2)
    return np.frombuffer(b"".join(chunks), dtype="<i2").astype(np.float64) / 32768.0


def _loud_part(y, fs, seconds):
    """The `seconds` around the middle of the loudest stretch of `y`."""
    assert y.size > seconds * fs and np.abs(y).max() > 0.01, f"nothing came back: {y.size} samples"
    env = np.convolve(np.abs(y), np.ones(480) / 480, mode="same")
    on = np.nonzero(env > 0.3 * env.max())[0]
    mid = (on[0] + on[-1]) // 2
    half = int(seconds * fs / 2)
    return y[mid - half: mid + half]


def test_time_expanded_40_khz_at_384_khz_plays_4_khz_on_the_sink(pulse_server, tmp_path):
    fs = 384000
    t = np.arange(fs // 5) / fs  # 0.2 s of file: 2 s at 1/10x
    path = _write(tmp_path, "bat.wav", 0.3 * np.sin(2 * np.pi * 40000 * t), fs)
    y = _capture(pulse_server, lambda: PlaybackRun(path, "mix", fs, 0.0, 0.2,
                                                   render=Render(fs, 1 / 10, None)), 2.0)
    part = _loud_part(y, SINK_RATE_HZ, 1.0)
    f = _peak_hz(part, SINK_RATE_HZ, 32768)
    assert f == pytest.approx(4000.0, abs=0.2 * SINK_RATE_HZ / 32768)  # within 0.2 of a bin


def test_band_limited_playback_on_the_sink_attenuates_out_of_band_by_40_db(pulse_server, tmp_path):
    fs = 48000
    t = np.arange(2 * fs) / fs
    x = 0.25 * np.sin(2 * np.pi * 3000 * t) + 0.25 * np.sin(2 * np.pi * 9000 * t)
    path = _write(tmp_path, "two.wav", x, fs)
    plain = _loud_part(_capture(pulse_server, lambda: PlaybackRun(path, "mix", fs, 0.0, 2.0), 2.0), fs, 1.0)
    band = _loud_part(_capture(pulse_server, lambda: PlaybackRun(path, "mix", fs, 0.0, 2.0,
                                                                 render=Render(fs, 1.0, (2000.0, 4000.0))), 2.0),
                      fs, 1.0)
    assert _tone_db(plain, fs, 9000) - _tone_db(plain, fs, 3000) == pytest.approx(0.0, abs=1.0)
    assert _tone_db(band, fs, 3000) - _tone_db(band, fs, 9000) > 40
