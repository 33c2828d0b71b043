"""The spectrum of a time selection over its frames (mean, max or min of the power) and its peak.

Thread: the selection job's thread (:class:`~specscope.app.analysis.jobs.BackgroundJob`),
fed by a reader of its own; nothing here touches Qt.

The frames centred in the selection (:func:`~specscope.app.analysis.tiles.frame_span`)
are streamed once through :func:`specscope.dsp.block_peaks.accumulate_peaks`,
which gives the mean, maximum and minimum power per bin and the interpolated
peaks of the same frames.  Statistics are taken on power, never on dB
(:data:`SELECTION_STATS`).  The mean spectrum's peak is the strongest
accumulated peak within the selection's frequency bounds (sub-bin, fitted
over the frames); the max and min spectra's peaks are their largest bin in
the bounds, refined by :func:`~specscope.app.model.measurement.spectrum_peak` (the parabola's vertex for
the level: their bins come from different frames).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from specscope.app.analysis.jobs import AnalysisCancelled
from specscope.app.model.spectrum_peak import spectrum_peak
from specscope.dsp.config import StftConfig
from specscope.dsp.overview import power_to_db

PEAKS_SEARCHED = 64
"""Strongest peaks looked through for the first within the frequency bounds."""
SELECTION_STATS = {"mean": "Mean", "max": "Max", "min": "Min"}
"""The statistics over the selection's frames (power domain, bin by bin) and their words; mean first (the default)."""


@dataclass
class SelectionSpectrum:
    """The spectrum of a time range over its frames.

    Attributes
    ----------
    db : numpy.ndarray
        dBFS per bin of the mean power over the frames: ``10 log10(mean_i |X_i[k]|^2 scale_k)``.
    peak : object or None
        The strongest interpolated peak within the frequency bounds
        (:class:`specscope.dsp.peaks.Peak`: ``freq_hz``, ``level_dbfs``, ``bin``).
    max_db, min_db : numpy.ndarray
        dBFS per bin of the maximum and the minimum power over the frames.
    max_peak, min_peak : object or None
        The peaks of `max_db` and `min_db` within the frequency bounds.
    first_frame, n_frames : int
        The frames averaged.
    t0_s, t1_s : float
        Time bounds of the selection in seconds.
    f_lo_hz, f_hi_hz : float
        Frequency bounds in Hz (0 and Nyquist if none were chosen).
    """

    db: np.ndarray
    peak: object | None
    first_frame: int
    n_frames: int
    t0_s: float
    t1_s: float
    f_lo_hz: float
    f_hi_hz: float
    max_db: np.ndarray | None = None
    min_db: np.ndarray | None = None
    max_peak: object | None = None
    min_peak: object | None = None

    def spectrum(self, stat: str = "mean") -> tuple[np.ndarray, object | None]:
        """The dBFS spectrum of `stat` (one of :data:`SELECTION_STATS`) and its peak.

        Raises
        ------
        ValueError
            For another statistic, or one that was not computed.
        """
        got = {"mean": (self.db, self.peak), "max": (self.max_db, self.max_peak),
               "min": (self.min_db, self.min_peak)}.get(stat)
        if got is None or got[0] is None:
            raise ValueError(f"selection statistic must be one of {', '.join(SELECTION_STATS)}, got {stat!r}")
        return got


def selection_spectrum(
    blocks: Iterable[np.ndarray],
    cfg: StftConfig,
    power_scale: np.ndarray,
    first_frame: int,
    n_frames: int,
    t0_s: float,
    t1_s: float,
    f_lo_hz: float | None,
    f_hi_hz: float | None,
    cancelled: Callable[[], bool],
    progress: Callable[[int, int], None] | None = None,
) -> SelectionSpectrum:
    """Mean, max and min power spectra of frames ``first_frame .. first_frame + n_frames - 1`` and their peaks.

    Parameters
    ----------
    blocks : iterable of numpy.ndarray
        The mono samples of the frames, from sample ``first_frame * hop`` on,
        ``(n_frames - 1) * hop + n_fft`` of them, in blocks of any length
        (:meth:`specscope.app.io.reader.AudioReader.blocks`).
    cfg : StftConfig
        Analysis settings.
    power_scale : numpy.ndarray
        Per-bin power scale of the one-sided spectrum
        (:attr:`specscope.dsp.stft.FrameKernel.power_scale`).
    first_frame, n_frames : int
        The frames averaged, ``n_frames >= 1``.
    t0_s, t1_s : float
        The selection's time bounds in seconds (recorded in the result).
    f_lo_hz, f_hi_hz : float or None
        Frequency bounds in Hz for the peak; None: 0 Hz and Nyquist.
    cancelled, progress : callable
        Polled between blocks; ``progress(frames_done, n_frames)``.

    Raises
    ------
    AnalysisCancelled
        When `cancelled` became true.
    """
    from specscope.dsp.block_peaks import accumulate_peaks

    result = accumulate_peaks(blocks, cfg, n_frames, progress=progress, cancelled=cancelled, extremes=True)
    if result.cancelled:
        raise AnalysisCancelled
    acc, got = result.accumulator, result.n_frames
    mean_power = np.asarray(result.mean_power, dtype=np.float32)
    db = power_to_db(mean_power, power_scale)
    nyq = float(cfg.freqs_hz[-1])
    lo = 0.0 if f_lo_hz is None else max(0.0, float(f_lo_hz))
    hi = nyq if f_hi_hz is None else min(nyq, float(f_hi_hz))
    peak = None
    for p in acc.peaks(PEAKS_SEARCHED):
        if lo <= p.freq_hz <= hi:
            peak = p
            break
    max_db = power_to_db(np.asarray(result.max_power, dtype=np.float32), power_scale)
    min_db = power_to_db(np.asarray(result.min_power, dtype=np.float32), power_scale)
    max_peak, min_peak = (spectrum_peak(d, cfg, f_lo_hz=lo, f_hi_hz=hi, lobe_level=False) for d in (max_db, min_db))
    return SelectionSpectrum(db, peak, first_frame, got, t0_s, t1_s, lo, hi, max_db, min_db, max_peak, min_peak)
