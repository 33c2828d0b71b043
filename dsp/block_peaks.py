"""Peaks of a whole signal delivered in blocks: blocks -> frames -> complex spectra -> peak accumulation.

Thread: the caller's (the CLI's main thread, or a file-analysis job's
thread); nothing here is shared between threads.

This is the one implementation of the loop that ``specscope peaks`` and the
file view's selection spectrum both need: cut the blocks into whole frames
(:func:`specscope.dsp.stft.frame_segments`), compute each frame's complex
spectrum with the same kernel as every other STFT here
(:class:`specscope.dsp.stft.FrameKernel`), and feed them to a
:class:`specscope.dsp.peaks.PeakAccumulator`; optionally it also sums the
mean power spectrum of the same frames, and keeps the per-bin maximum and
minimum of their power (``extremes=True``).

Memory is bounded whatever the settings: frames are transformed at most
``frames_per_chunk(cfg)`` at a time, about ``SPECTRA_BUDGET_BYTES`` of work
arrays (a few frames for a 1 Mi-point padded FFT, a few thousand for N 256),
so ``--n-fft 16384 --hop 1`` costs time, not gigabytes.

Using it in place of a hand-written loop (e.g. in
``app/analysis/file_analysis.py``'s selection spectrum)::

    result = accumulate_peaks(reader.blocks(first * cfg.hop, n_samples, channel=ch),
                              cfg, n_frames, progress=progress, cancelled=cancelled,
                              mean_power=True)
    if result.cancelled:
        raise AnalysisCancelled
    peaks = result.peaks(64)          # strongest first
    power = result.mean_power         # float64 (n_freqs,), unscaled |X[k]|^2 averaged over the frames
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .config import StftConfig
from .peaks import Peak, PeakAccumulator
from .stft import FrameKernel, frame_segments, frame_view

SPECTRA_BUDGET_BYTES = 8 << 20
"""Work arrays per chunk of frames (windowed frames, padded FFT input and output): 8 MiB.
32 MiB was no faster here and added 25 MB to ``specscope peaks`` at N 2048."""

BYTES_PER_PADDED_SAMPLE = 16
"""Estimate of work bytes per frame and sample of the padded FFT: float32 windowed frame and padded
input (4 + 4), complex64 output of M/2 + 1 bins (4 per sample), and headroom."""


def frames_per_chunk(cfg: StftConfig) -> int:
    """Frames transformed together: ``max(1, SPECTRA_BUDGET_BYTES // (16 * n_fft_padded))``."""
    return max(1, SPECTRA_BUDGET_BYTES // (BYTES_PER_PADDED_SAMPLE * cfg.n_fft_padded))


@dataclass
class BlockPeaks:
    """What :func:`accumulate_peaks` gathered.

    Attributes
    ----------
    accumulator : PeakAccumulator
        Fed with every frame; :meth:`peaks` asks it.
    n_frames : int
        Frames accumulated (fewer than asked if the blocks ran out or the work was cancelled).
    mean_power : numpy.ndarray or None
        With ``mean_power=True``: read-only float64 (n_freqs,), the mean over the frames of the
        unscaled power ``|X[k]|^2`` (multiply by ``FrameKernel(cfg).power_scale`` for full scale = 1).
    max_power, min_power : numpy.ndarray or None
        With ``extremes=True``: read-only float64 (n_freqs,), the maximum and minimum over the frames of
        the same unscaled power, bin by bin.
    cancelled : bool
        True if `cancelled` returned True before the end.
    """

    accumulator: PeakAccumulator
    n_frames: int
    mean_power: np.ndarray | None
    cancelled: bool
    max_power: np.ndarray | None = None
    min_power: np.ndarray | None = None

    def peaks(self, top: int = 5, min_level_dbfs: float = -120.0) -> list[Peak]:
        """The strongest `top` tones, strongest first (see :meth:`PeakAccumulator.peaks`).

        Raises
        ------
        ValueError
            If no frame was accumulated.
        """
        return self.accumulator.peaks(top, min_level_dbfs)


def accumulate_peaks(
    blocks: Iterable[np.ndarray],
    cfg: StftConfig,
    n_frames: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    mean_power: bool = False,
    extremes: bool = False,
    max_fit_frames: int = 256,
) -> BlockPeaks:
    """Stream blocks of a mono signal through the STFT into a :class:`PeakAccumulator`.

    Parameters
    ----------
    blocks : iterable of numpy.ndarray
        Consecutive 1-D pieces of the signal (full scale = 1.0), any sizes.
        Samples beyond frame ``n_frames - 1`` are not read further.
    cfg : StftConfig
        Transform settings; frame i covers samples ``[i*hop, i*hop + n_fft)``.
    n_frames : int
        Frames to accumulate, >= 1 (``cfg.n_frames(n_samples)``).
    progress : callable, optional
        Called as ``progress(frames_done, n_frames)`` after each chunk of frames.
    cancelled : callable, optional
        Polled after each chunk; when it returns True the work stops.
    mean_power : bool
        Also sum the mean power spectrum of the frames.
    extremes : bool
        Also keep the per-bin maximum and minimum power over the frames (implies `mean_power`).
    max_fit_frames : int
        Passed to :class:`PeakAccumulator`.

    Returns
    -------
    BlockPeaks

    Raises
    ------
    ValueError
        If `n_frames` < 1 (from :class:`PeakAccumulator`).

    Notes
    -----
    Peak memory: the accumulator's (at most 64 MiB of kept spectra), one
    chunk of frames (about ``SPECTRA_BUDGET_BYTES``) and the blocks as the
    caller yields them.
    """
    acc = PeakAccumulator(cfg, n_frames, max_fit_frames=max_fit_frames)
    kernel = FrameKernel(cfg)
    per_chunk = frames_per_chunk(cfg)
    scratch = np.empty((per_chunk, cfg.n_fft), dtype=np.float32)
    power_sum = np.zeros(cfg.n_freqs, dtype=np.float64) if mean_power or extremes else None
    power_max = np.full(cfg.n_freqs, -np.inf) if extremes else None
    power_min = np.full(cfg.n_freqs, np.inf) if extremes else None
    done = 0
    stopped = False
    for _first, segment in frame_segments(blocks, cfg, n_frames, per_chunk):
        spectra = kernel.spectrum(frame_view(segment, cfg.n_fft, cfg.hop), scratch=scratch)
        acc.add(spectra)
        if power_max is not None:
            power = np.square(spectra.real, dtype=np.float64)
            power += np.square(spectra.imag, dtype=np.float64)
            power_sum += power.sum(axis=0)
            np.maximum(power_max, power.max(axis=0), out=power_max)
            np.minimum(power_min, power.min(axis=0), out=power_min)
        elif power_sum is not None:
            power_sum += np.einsum("ij,ij->j", spectra.real, spectra.real, dtype=np.float64)
            power_sum += np.einsum("ij,ij->j", spectra.imag, spectra.imag, dtype=np.float64)
        done += spectra.shape[0]
        if progress is not None:
            progress(done, n_frames)
        if cancelled is not None and cancelled():
            stopped = done < n_frames
            break
    mean = None
    if power_sum is not None:
        mean = power_sum / max(1, done)
        mean.flags.writeable = False
    for a in (power_max, power_min):
        if a is not None:
            a.flags.writeable = False
    return BlockPeaks(acc, done, mean, stopped, power_max, power_min)
