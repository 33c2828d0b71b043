"""Measuring many boxes one after another: one frame buffer, and the peak fits of a batch of boxes together.

Thread: any; a :class:`SelectionMeter` belongs to one thread (its buffer is reused).

The same measurements as :func:`specscope.dsp.selection_measures.measure_samples`
(see that module for the formulas), for a selection table: the windowed frames
of every box go through one buffer (no fresh pages to fault in per box), and
:meth:`SelectionMeter.measure_many` runs the sub-bin Peak Freq fits of all its
boxes together (:mod:`specscope.dsp.peak_fit_batch`), which agree with the
one-box fit to rounding.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from .config import StftConfig
from .peak_fit_batch import PendingPeak, finish_peak_frames, prepare_peak_frames
from .selection_measures import SelectionMeasures, _kernel, _measure_box
from .stft import frame_view

KEEP_SCRATCH_BYTES = 16 << 20
"""A box with more windowed frames than this gets a buffer of its own (not kept)."""


class SelectionMeter:
    """Measures boxes with one buffer for the windowed frames.

    Parameters
    ----------
    cfg : StftConfig
        The transform's settings.
    """

    def __init__(self, cfg: StftConfig) -> None:
        self.cfg = cfg
        self._kernel = _kernel(cfg)
        self._scratch = np.empty((0, cfg.n_fft), dtype=np.float32)

    def spectra(self, samples: np.ndarray) -> np.ndarray:
        """Complex unscaled spectra of the frames of `samples` (a new array), as ``slice_spectra``."""
        cfg = self.cfg
        frames = frame_view(np.ascontiguousarray(samples, dtype=np.float32), cfg.n_fft, cfg.hop)
        n = frames.shape[0]
        if n > self._scratch.shape[0]:
            if n * cfg.n_fft * 4 > KEEP_SCRATCH_BYTES:
                return self._kernel.spectrum(frames)
            rows = max(n, min(2 * self._scratch.shape[0], KEEP_SCRATCH_BYTES // (4 * cfg.n_fft)))
            self._scratch = np.empty((rows, cfg.n_fft), dtype=np.float32)
        return self._kernel.spectrum(frames, scratch=self._scratch)

    def measure_many(
        self,
        boxes: Sequence[tuple[np.ndarray, int, float, float, float | None, float | None]],
        noise: np.ndarray | None = None,
    ) -> list[SelectionMeasures]:
        """The measures of ``(samples, first_frame, begin_s, end_s, low_hz, high_hz)`` boxes, in order.

        Only the fit bins of each box are kept until the batch's peak fits run
        (r x r floats per box), not its spectra.
        """
        measured: list[SelectionMeasures] = []
        pending: list[tuple[int, PendingPeak]] = []
        for samples, first, begin_s, end_s, low_hz, high_hz in boxes:
            m, p = _measure_box(self.spectra(samples), self.cfg, first, begin_s, end_s, low_hz, high_hz, noise,
                                prepare_peak_frames)
            if p is not None:
                pending.append((len(measured), p))
            measured.append(m)
        freqs = finish_peak_frames(self.cfg, [p for _, p in pending])
        for (i, _), f in zip(pending, freqs, strict=True):
            measured[i] = dataclasses.replace(measured[i], peak_freq_hz=f)
        return measured
