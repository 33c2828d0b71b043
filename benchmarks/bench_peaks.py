"""Benchmark: the sub-bin peak estimator's cost per frame and its accuracy against plain parabolic interpolation.

Thread: main (a script).  Run: ``.venv/bin/python benchmarks/bench_peaks.py``.

Cost: one :func:`estimate_peak` per frame, n_fft 2048 at 48 kHz, best of
REPEATS runs (this machine's two cores are shared and noisy), against two
peers measured in the same run: the frame's own FFT (``FrameKernel.spectrum``
of one frame, which the live path pays anyway) and the parabola through the dB
magnitudes of the maximum and its neighbours.  The live budget line is the
share of one core spent at 190 frames/s (hop 256 at 48 kHz).  Then the
:class:`PeakAccumulator` on a 60 s signal: ``add`` per frame and ``peaks(5)``.

Accuracy: a tone swept over 41 fractional offsets between two bins plus
positions 0.3..3 bins from DC and from Nyquist, random phase, 60 dB SNR
(fixed seed); worst frequency error in % of a bin and worst level error in dB.
"""

from __future__ import annotations

import time

import numpy as np

from specscope.dsp.config import StftConfig
from specscope.dsp.peaks import PeakAccumulator, estimate_peak, find_peaks
from specscope.dsp.stft import FrameKernel, StreamingStft

FS_HZ = 48000.0
N_FFT = 2048
REPEATS = 5
FRAMES_PER_S = 190


def best_time_s(fn, number: int) -> float:
    """Best over REPEATS of the mean time of `number` calls, in seconds."""
    best = np.inf
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def parabolic(spectrum: np.ndarray, cfg: StftConfig) -> tuple[float, float]:
    db = 20 * np.log10(np.maximum(np.abs(spectrum) * cfg.amplitude_scale, 1e-12))
    k = int(np.argmax(db))
    left, centre, right = db[k - 1], db[k], db[k + 1]
    shift = 0.5 * (left - right) / (left - 2 * centre + right)
    return (k + shift), centre - 0.25 * (left - right) * shift


def frame(kappa: float, amplitude: float, phase: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(N_FFT)
    noise = np.sqrt(amplitude**2 / 2 * 1e-6) * rng.standard_normal(N_FFT)
    return (amplitude * np.cos(2 * np.pi * kappa * t / N_FFT + phase) + noise).astype(np.float32)


def cost() -> None:
    print(f"cost per frame, n_fft {N_FFT}, best of {REPEATS}")
    print(
        f"{'window':>15} {'zp':>3} {'estimate_peak':>14} {'frame FFT':>10} {'parabola':>9} {'ratio/FFT':>9} "
        f"{'core @190/s':>11} {'find_peaks(5)':>13}"
    )
    rng = np.random.default_rng(0)
    for window, zero_pad in [("hann", 1), ("blackmanharris", 1), ("kaiser:8.6", 1), ("hann", 4), ("flattop", 8)]:
        cfg = StftConfig(fs_hz=FS_HZ, n_fft=N_FFT, hop=256, window=window, zero_pad=zero_pad)
        kernel = FrameKernel(cfg)
        x = frame(300.37, 0.5, 1.0, rng)[None, :] + frame(700.81, 0.01, 0.0, rng)[None, :]
        spectrum = kernel.spectrum(x)[0]
        t_est = best_time_s(lambda cfg=cfg, s=spectrum: estimate_peak(s, cfg), 200)
        t_fft = best_time_s(lambda k=kernel, x=x: k.spectrum(x), 200)
        t_par = best_time_s(lambda cfg=cfg, s=spectrum: parabolic(s, cfg), 200)
        t_find = best_time_s(lambda cfg=cfg, s=spectrum: find_peaks(s, cfg, top=5), 10)
        print(
            f"{window:>15} {zero_pad:>3} {1e6 * t_est:11.0f} us {1e6 * t_fft:7.0f} us {1e6 * t_par:6.0f} us "
            f"{t_est / t_fft:8.1f}x {100 * t_est * FRAMES_PER_S:10.1f}% {1e3 * t_find:10.2f} ms"
        )


def accumulator() -> None:
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=N_FFT, hop=512, window="hann")
    n = int(60 * FS_HZ)
    t = np.arange(n) / FS_HZ
    x = (0.5 * np.sin(2 * np.pi * 1000.3 * t) + 0.01 * np.sin(2 * np.pi * 5432.1 * t)).astype(np.float32)
    stream = StreamingStft(cfg, keep_spectrum=True)
    spectra = [s for _, s in (stream.push(x[i : i + 48000]) for i in range(0, n, 48000)) if s.shape[0]]
    n_frames = sum(s.shape[0] for s in spectra)
    acc = PeakAccumulator(cfg, n_frames)
    t0 = time.perf_counter()
    for s in spectra:
        acc.add(s)
    t_add = time.perf_counter() - t0
    t0 = time.perf_counter()
    peaks = acc.peaks(5)
    t_peaks = time.perf_counter() - t0
    print(
        f"\nPeakAccumulator, 60 s at 48 kHz, n_fft {N_FFT} hop 512 ({n_frames} frames, {acc.kept_frames.size} kept): "
        f"add {1e6 * t_add / n_frames:.1f} us/frame, peaks(5) {1e3 * t_peaks:.0f} ms"
    )
    for p in peaks[:2]:
        print(f"  {p.freq_hz:10.4f} Hz {p.level_dbfs:8.3f} dBFS")


def accuracy() -> None:
    print("\naccuracy at 60 dB SNR: worst frequency error (% of a bin) and level error (dB)")
    print(f"{'window':>15} {'ours %':>8} {'ours dB':>8} {'parabola %':>10} {'parabola dB':>11}")
    positions = np.concatenate(
        [400 + np.linspace(0, 1, 41), np.linspace(0.3, 3, 10), N_FFT / 2 - np.linspace(0.3, 3, 10)]
    )
    for window in ["hann", "hamming", "blackmanharris"]:
        cfg = StftConfig(fs_hz=FS_HZ, n_fft=N_FFT, hop=N_FFT, window=window)
        kernel = FrameKernel(cfg)
        rng = np.random.default_rng(1)
        ours_f = ours_l = par_f = par_l = 0.0
        for i, kappa in enumerate(positions):
            amplitude = 0.5
            spectrum = kernel.spectrum(frame(kappa, amplitude, rng.uniform(0, 2 * np.pi), rng)[None, :])[0]
            peak = estimate_peak(spectrum, cfg)
            ours_f = max(ours_f, abs(peak.bin - kappa))
            ours_l = max(ours_l, abs(peak.level_dbfs - 20 * np.log10(amplitude)))
            if i < 41:  # the parabola is only meaningful away from DC and Nyquist
                b, level = parabolic(spectrum, cfg)
                par_f = max(par_f, abs(b - kappa))
                par_l = max(par_l, abs(level - 20 * np.log10(amplitude)))
        print(f"{window:>15} {100 * ours_f:8.4f} {ours_l:8.4f} {100 * par_f:10.3f} {par_l:11.3f}")


if __name__ == "__main__":
    cost()
    accumulator()
    accuracy()
