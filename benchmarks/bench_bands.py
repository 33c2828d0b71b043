"""Benchmark: fractional-octave band levels from FFT frames, live cost and whole-file accuracy.

Thread: main (a script).  Run: ``.venv/bin/python benchmarks/bench_bands.py`` (``--minutes 1`` for a quick run).

(a) Live cost per frame at 48 kHz, N 4096, hop 1024 (46.9 frames/s), best of
REPEATS: the power spectrum from the complex one (``power_scale |X|**2``),
A-weighted 1/3-octave band powers (:class:`BandPowers`, the weighting folded
into its per-bin factors) and exponential (Fast) averaging of the band powers;
against the frame's own FFT (``FrameKernel.spectrum`` of one frame), which the
live path pays anyway.  Shares are of one core in real time.

(b) ``specscope bands`` end to end on MINUTES (default 10) of 48 kHz audio:
pink noise (-30 dB per third octave) plus tones at -30 dBFS on four mid-band
frequencies, written as a 32-bit float WAV in a temporary directory; the
command runs as a user runs it (``python -m specscope.app.cli bands FILE
--json`` in a subprocess: start-up, imports, reading the file, N 16384, hop
4096).  The named peer, in this process on the same samples read back from
the file: a bank of order-6 Butterworth band-pass filters
(``butter(3, [lo, hi], btype='band')`` per 1/3-octave band, ``sosfilt`` over
the whole signal in float64, one thread, the first second dropped as
settling).  Best of REPEATS_B for each; the time ratio and the largest level
difference over the bands the command reports as resolved.  Promise (issue
13): at least 3x faster, within 0.5 dB in every resolved band; the script
exits with status 1 if either fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.signal
import soundfile as sf

from specscope.dsp.averaging import AveragingSettings, SpectrumAverager
from specscope.dsp.config import StftConfig
from specscope.dsp.octave_bands import BandPowers, BandSet, power_to_db
from specscope.dsp.stft import FrameKernel, frame_view

FS_HZ = 48000.0
CFG = StftConfig(fs_hz=FS_HZ, n_fft=4096, hop=1024)
REPEATS = 5
REPEATS_B = 2
TONES_NOMINAL_HZ = (250.0, 1000.0, 4000.0, 12500.0)
PINK_B = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
PINK_A = [1.0, -2.494956002, 2.017265875, -0.522189400]
"""A three-pole pinking filter (-3 dB/octave within about 0.5 dB, 20 Hz .. 20 kHz)."""


def best_time_s(fn, number: int) -> float:
    """Best over REPEATS of the mean time of `number` calls, in seconds."""
    best = np.inf
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def live_cost() -> None:
    frames_per_s = FS_HZ / CFG.hop
    kernel = FrameKernel(CFG)
    bands = BandPowers(CFG, BandSet(3), weighting="A")
    averager = SpectrumAverager(AveragingSettings("exponential", tau_s=0.125), CFG.hop_s)
    frame = np.random.default_rng(0).standard_normal((1, CFG.n_fft)).astype(np.float32)
    spectrum = kernel.spectrum(frame)[0]
    power_scale = kernel.power_scale.astype(np.float64)
    power = np.abs(spectrum) ** 2 * power_scale
    band_power = bands(power)

    def power_step():
        return np.abs(spectrum) ** 2 * power_scale

    def whole():
        averager.update(bands(np.abs(spectrum) ** 2 * power_scale))

    rows = [
        ("rfft of the frame (FrameKernel.spectrum)", lambda: kernel.spectrum(frame)),
        ("power spectrum |X|^2 scale", power_step),
        ("A-weighted 1/3-octave band powers", lambda: bands(power)),
        ("exponential average of 31 band powers", lambda: averager.update(band_power)),
        ("exponential average of the 2049-bin spectrum", lambda: averager_full.update(power)),
        ("bands + A + average (power, bands, average)", whole),
    ]
    averager_full = SpectrumAverager(AveragingSettings("exponential", tau_s=0.125), CFG.hop_s)
    print(
        f"(a) live cost per frame, 48 kHz, N {CFG.n_fft}, hop {CFG.hop} "
        f"({frames_per_s:.1f} frames/s), best of {REPEATS}"
    )
    costs = {}
    for name, fn in rows:
        t = best_time_s(fn, 2000)
        costs[name] = t
        print(f"    {name:48s} {1e6 * t:7.1f} us  {100 * t * frames_per_s:6.3f} % of a core")
    ratio = costs[rows[-1][0]] / costs[rows[0][0]]
    print(f"    bands + A + average = {ratio:.2f} x the frame's rfft")


def make_signal(minutes: float, thirds: BandPowers) -> np.ndarray:
    rng = np.random.default_rng(2024)
    n = int(minutes * 60 * FS_HZ)
    x = scipy.signal.lfilter(PINK_B, PINK_A, rng.standard_normal(n))
    probe = band_levels_fft(x[: int(20 * FS_HZ)], thirds)[thirds.bands.nominal_hz.index(1000.0)]
    x *= 10 ** ((-30.0 - probe) / 20)
    t = np.arange(n) / FS_HZ
    for nominal in TONES_NOMINAL_HZ:
        f = thirds.centers_hz[thirds.bands.nominal_hz.index(nominal)]
        x += 10 ** (-30 / 20) * np.sin(2 * np.pi * f * t)
    return x.astype(np.float32)


def band_levels_fft(x: np.ndarray, bands: BandPowers) -> np.ndarray:
    """Leq per band, dB: band powers of the mean power spectrum over all frames (one thread)."""
    kernel = FrameKernel(CFG)
    frames = frame_view(np.ascontiguousarray(x, dtype=np.float32), CFG.n_fft, CFG.hop)
    total = np.zeros(CFG.n_freqs)
    scratch = np.empty((256, CFG.n_fft), np.float32)
    for a in range(0, frames.shape[0], 256):
        spec = kernel.spectrum(frames[a : a + 256], scratch=scratch)
        total += (spec.real**2 + spec.imag**2).sum(axis=0, dtype=np.float64)
    mean_power = total * kernel.power_scale / frames.shape[0]
    return power_to_db(bands(mean_power))


def band_levels_butterworth(x: np.ndarray, bands: BandPowers, which: np.ndarray) -> np.ndarray:
    """Leq per band (only `which`), dB: order-6 Butterworth band-passes, mean square after 1 s, times 2."""
    out = np.full(bands.n_bands, np.nan)
    skip = int(FS_HZ)
    for j in np.flatnonzero(which):
        lo, hi = bands.bands.low_hz[j], min(bands.bands.high_hz[j], 0.999 * FS_HZ / 2)
        sos = scipy.signal.butter(3, [lo, hi], btype="band", output="sos", fs=FS_HZ)
        y = scipy.signal.sosfilt(sos, x)[skip:]
        out[j] = 10 * np.log10(2 * np.dot(y, y) / y.size)
    return out


def run_cli(path: Path) -> tuple[float, list[dict]]:
    """Seconds of one ``specscope bands PATH --json`` in a subprocess, and its rows."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "specscope.app.cli", "bands", str(path), "--json"],
                          capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, json.loads(done.stdout)


def bands_command(minutes: float) -> bool:
    thirds = BandPowers(CFG, BandSet(3))
    x = make_signal(minutes, thirds)
    print(f"\n(b) specscope bands on {minutes:g} min of 48 kHz pink noise (-30 dB/band) + tones at "
          f"{TONES_NOMINAL_HZ} Hz, -30 dBFS; best of {REPEATS_B}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pink.wav"
        sf.write(str(path), x, int(FS_HZ), subtype="FLOAT")
        del x
        t_cli, rows = min((run_cli(path) for _ in range(REPEATS_B)), key=lambda r: r[0])
        samples = sf.read(str(path), dtype="float64")[0]
    centers = np.array([r["center_hz"] for r in rows])
    assert np.allclose(centers, thirds.centers_hz), "the command's bands are not the 1/3-octave bands"
    cli_db = np.array([r["level_db"] for r in rows])
    resolved = np.array([r["resolved"] for r in rows])
    t_ref, ref_db = np.inf, None
    for _ in range(REPEATS_B):
        t0 = time.perf_counter()
        ref_db = band_levels_butterworth(samples, thirds, np.ones(thirds.n_bands, bool))
        t_ref = min(t_ref, time.perf_counter() - t0)
    diff = cli_db - ref_db
    print("    band    specscope dB   Butterworth dB   diff   resolved")
    for j, r in enumerate(rows):
        print(f"    {thirds.bands.labels[j]:>5s}  {cli_db[j]:9.2f}  {ref_db[j]:12.2f}  {diff[j]:+8.2f}   "
              f"{'yes' if r['resolved'] else 'no'}")
    worst = float(np.max(np.abs(diff[resolved])))
    ratio = t_ref / t_cli
    print(f"    specscope bands (subprocess, end to end) {t_cli:.2f} s; Butterworth bank (31 bands, in process) "
          f"{t_ref:.2f} s: {ratio:.1f}x faster (promise >= 3x)")
    print(f"    largest |difference| over the {int(resolved.sum())} resolved bands: {worst:.2f} dB (promise <= 0.5)")
    return ratio >= 3.0 and worst <= 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the signal of (b)")
    args = parser.parse_args()
    live_cost()
    if not bands_command(args.minutes):
        sys.exit(1)


if __name__ == "__main__":
    main()
