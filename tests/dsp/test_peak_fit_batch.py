"""The batched Peak Freq fit against the one-box fit and against the tones' true frequencies."""

import numpy as np
import pytest

from specscope.dsp.config import StftConfig
from specscope.dsp.peak_fit import estimate_peak_frames
from specscope.dsp.peak_fit_batch import PendingPeak, finish_peak_frames, prepare_peak_frames
from specscope.dsp.stft import FrameKernel, frame_view


def frames_of_tone(cfg, freq_hz, n_frames, rng, amplitude=0.3):
    n = (n_frames - 1) * cfg.hop + cfg.n_fft
    t = np.arange(n) / cfg.fs_hz
    x = amplitude * np.sin(2 * np.pi * freq_hz * t + rng.uniform(0, 2 * np.pi)) + 1e-4 * rng.standard_normal(n)
    return FrameKernel(cfg).spectrum(frame_view(x.astype(np.float32), cfg.n_fft, cfg.hop))


@pytest.mark.parametrize(("window", "zero_pad"), [("hann", 1), ("blackmanharris", 2), ("kaiser:8.6", 1)])
def test_batch_equals_the_one_box_fit_and_the_truth(window, zero_pad):
    cfg = StftConfig(fs_hz=48000.0, n_fft=1024, hop=256, window=window, zero_pad=zero_pad)
    rng = np.random.default_rng(7)
    # Interior tones of 2..60 frames, plus the cases the batch hands back at once: one frame, near DC, near Nyquist.
    freqs = [*rng.uniform(500, 20000, 40), 5000.3, 0.8 * cfg.delta_f_hz * zero_pad, 23990.0]
    lengths = [*rng.integers(2, 60, 40), 1, 12, 12]
    spectra = [frames_of_tone(cfg, f, int(m), rng) for f, m in zip(freqs, lengths, strict=True)]
    k0s = [int(np.argmax(np.mean(np.abs(x) ** 2, axis=0))) for x in spectra]
    prepared = [prepare_peak_frames(x, cfg, k0) for x, k0 in zip(spectra, k0s, strict=True)]
    pending = [p for p in prepared if isinstance(p, PendingPeak)]
    if cfg.window_spec.cosine_coeffs is not None:
        assert len(pending) >= 38  # the interior boxes of 2 frames or more
    else:  # Kaiser: V(k + l) is never below MIRROR_NEGLIGIBLE, no shared whitener: every box at once
        assert pending == []
    assert all(isinstance(p, float) for p in prepared[-3:])
    done = iter(finish_peak_frames(cfg, pending))
    batch_hz = np.array([next(done) if isinstance(p, PendingPeak) else p for p in prepared])
    single_hz = np.array([estimate_peak_frames(x, cfg, k0).freq_hz for x, k0 in zip(spectra, k0s, strict=True)])
    np.testing.assert_allclose(batch_hz / cfg.delta_f_hz, single_hz / cfg.delta_f_hz, rtol=0, atol=1e-9)
    interior = slice(0, 40)
    # The project's Peak Freq target: within 0.2 % of a bin of fs/n_fft.
    assert np.max(np.abs(batch_hz[interior] - np.array(freqs[:40]))) <= 0.002 * cfg.fs_hz / cfg.n_fft


def test_nothing_pending_gives_nothing():
    assert finish_peak_frames(StftConfig(fs_hz=8000.0, n_fft=256, hop=64), []) == []


def test_bad_input_is_the_one_box_fits_error():
    cfg = StftConfig(fs_hz=8000.0, n_fft=256, hop=64)
    with pytest.raises(ValueError, match="shape"):
        prepare_peak_frames(np.zeros((3, 10), complex), cfg, 2)
