"""What the live pipeline hands its consumers: immutable frames and counters.

Thread: built in the DSP worker thread (:mod:`specscope.app.live.pipeline`), read in any thread
(the GUI thread, the command line's main thread).  A :class:`LiveFrame` is truly frozen: its fields
cannot be reassigned and its spectrum array is read-only, so the worker and the reader share it
without locks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from specscope.dsp.config import StftConfig
from specscope.dsp.peaks import Peak


@dataclass(frozen=True, eq=False)
class LiveFrame:
    """One published STFT frame.

    Attributes
    ----------
    db : numpy.ndarray
        float32 (cfg.n_freqs,) spectrum in dBFS, read-only.
    t_s : float
        Frame centre time in seconds since the source started (file sources: time in the file).
    index : int
        Frame counter since start; monotonic, a gap of g means g dropped frames.
    peak : Peak or None
        Interpolated strongest peak (:func:`specscope.dsp.peaks.estimate_peak`), estimated by the DSP
        worker for the frames that are shown: the newest frame of a batch, at most one per
        ``Pipeline.peak_interval_s`` of audio (10 per second by default).  None for the other frames.
    rms_dbfs : float
        ``20 log10(sqrt(mean(x^2)))`` over the frame's n_fft samples (full-scale sine: -3.01 dBFS).
    cfg : StftConfig
        The configuration the frame was computed with.
    latency_ms : float or None
        From the ADC time of the frame's last sample to the frame's publication, in ms, both on the
        host's monotonic clock (see :class:`~specscope.app.live.capture.TimingAnchors`); never negative.
    sample_start : int
        Absolute index (since the source started) of the frame's first sample.
    """

    db: np.ndarray
    t_s: float
    index: int
    peak: Peak | None = None
    rms_dbfs: float = float("nan")
    cfg: StftConfig | None = field(default=None, repr=False)
    latency_ms: float | None = None
    sample_start: int = 0

    def __post_init__(self) -> None:
        db = self.db
        if db.flags.writeable:
            # The frame is handed to other threads: its spectrum must never be written again.
            db = db.view()
            db.flags.writeable = False
            object.__setattr__(self, "db", db)


@dataclass(frozen=True)
class PipelineStats:
    """Counters of a pipeline, cumulative since :meth:`Pipeline.start`.

    Attributes
    ----------
    frames : int
        Frames published.
    overflows : int
        Input overflows PortAudio reported (callbacks flagged).
    overwritten : int
        Samples the ring buffer overwrote before the worker read them.
    dropped : int
        Frames not computed because samples were lost or skipped.
    latency_ms_median, latency_ms_p95 : float or None
        Median and 95th percentile, over the most recent frames (up to 65536), of the time from the
        ADC time of a frame's last sample to its publication, in ms.
    dsp_ms_per_frame : float or None
        Mean worker time per published frame (STFT, RMS and the shown frames' peaks), in ms.
    samples_in : int
        Samples delivered to the worker (read from the ring buffer).
    peaks : int
        Peaks estimated (one per shown frame).
    """

    frames: int
    overflows: int
    overwritten: int
    dropped: int
    latency_ms_median: float | None
    latency_ms_p95: float | None
    dsp_ms_per_frame: float | None
    samples_in: int
    peaks: int = 0
