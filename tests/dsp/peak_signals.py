"""Synthetic tones for the peak tests (tests/dsp/test_peak_*.py): known frequencies, amplitudes, phases."""

import numpy as np

from specscope.dsp.config import StftConfig
from specscope.dsp.peaks import estimate_peak
from specscope.dsp.stft import FrameKernel

FS_HZ = 48000.0
TARGET_WINDOWS = ["hann", "hamming", "blackmanharris"]
OTHER_WINDOWS = ["boxcar", "blackman", "flattop", "kaiser:8.6", "kaiser:3", "gaussian:0.4"]
FREQ_TOL_BINS = 0.002  # 0.2 % of a bin
LEVEL_TOL_DB = 0.1


def tone(n, kappa_unpadded, amplitude=0.5, phase=0.0, snr_db=None, rng=None):
    """amplitude * cos(2 pi kappa n / n_fft + phase) plus white noise snr_db below the tone's power A^2/2."""
    t = np.arange(n)
    x = amplitude * np.cos(2 * np.pi * kappa_unpadded * t / n + phase)
    if snr_db is not None:
        x = x + np.sqrt(amplitude**2 / 2 * 10 ** (-snr_db / 10)) * rng.standard_normal(n)
    return x


def spectrum_of(x, cfg):
    """The complex spectrum of one frame, as the app computes it (float32)."""
    return FrameKernel(cfg).spectrum(np.asarray(x, dtype=np.float32)[None, :])[0]


def sweep_positions(n_fft):
    """Tone positions in bins of fs/n_fft: fractional offsets 0..1, near DC, near Nyquist."""
    half = n_fft / 2
    return np.concatenate(
        [
            200 + np.linspace(0.0, 1.0, 21),
            np.linspace(0.3, 3.0, 19),
            half - np.linspace(0.3, 3.0, 19),
        ]
    )


def sweep_errors(window, zero_pad, n_fft=1024, seeds=(0, 1)):
    """Frequency errors (bins of fs/n_fft) and level errors (dB) at 60 dB SNR, random phases."""
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=n_fft, hop=n_fft, window=window, zero_pad=zero_pad)
    positions, freq_err, level_err = [], [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for kappa in sweep_positions(n_fft):
            amplitude = 10 ** rng.uniform(-3, 0)
            x = tone(n_fft, kappa, amplitude, rng.uniform(0, 2 * np.pi), snr_db=60, rng=rng)
            peak = estimate_peak(spectrum_of(x, cfg), cfg)
            positions.append(kappa)
            freq_err.append(peak.freq_hz / (FS_HZ / n_fft) - kappa)
            level_err.append(peak.level_dbfs - 20 * np.log10(amplitude))
    return np.array(positions), np.abs(freq_err), np.abs(level_err)
