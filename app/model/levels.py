"""Qt-free level and loudness state: the live meters' model and a whole-file summary.

Thread: a :class:`LevelsModel` and a :class:`LevelsSummary` each belong to the
thread that feeds them blocks (the live pipeline's DSP worker; a file job or
the ``levels`` command).  What they hand out, :class:`LevelsSnapshot` and
:class:`FileLevels`, is immutable and may go to any thread (the GUI reads the
newest snapshot on its timer).

Levels (the analyser's dBFS: a full-scale sine reads 0 dB)
-------------------------------------------------------
* sample peak ``20 log10(max |x|)`` dBFS; true peak (4x oversampled, BS.1770-4
  Annex 2) in dBTP; both on the raw samples, never calibrated (clipping is a
  property of the digital signal);
* RMS ``10 log10(2 mean(x^2))`` (so a sine's RMS reads its amplitude level, the
  AES17 convention), Fast (125 ms) and Slow (1 s) exponential time weighting,
  and Leq since reset, with the chosen A/C/Z frequency weighting; with a
  calibration offset (dB SPL = dBFS + offset) these read dB SPL;
* loudness per BS.1770-4 / EBU R128 in LUFS (momentary 400 ms, short-term 3 s,
  integrated with both gates) and LRA in LU, over all channels with the
  standard's channel weights.

The *mix* is the mean of the channels (the analyser's mix); for a mono input
it is the one channel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specscope.app.model.level_display import level_unit
from specscope.dsp.channels import as_frames
from specscope.dsp.level_meter import LevelMeter, mean_square_to_dbfs, sum_of_squares
from specscope.dsp.loudness import LoudnessMeter
from specscope.dsp.true_peak import TruePeakMeter
from specscope.dsp.weighting import WEIGHTING_NAMES, weighting_sos

PEAK_FLOOR = 1e-10
"""Floor before the logarithm of a peak: -200 dB."""


def _peak_db(peak: float) -> float:
    return 20.0 * math.log10(max(float(peak), PEAK_FLOOR))


@dataclass(frozen=True)
class ChannelLevels:
    """One channel's (or the mix's) levels at the end of a block.

    Attributes
    ----------
    peak_dbfs, peak_hold_dbfs : float
        Sample peak of the last block, and the largest since reset, dBFS.
    true_peak_dbtp, true_peak_hold_dbtp : float
        True peak of the last block, and the largest since reset, dBTP.
    fast_db, slow_db, leq_db : float
        Fast, Slow and Leq RMS levels with the model's weighting: dBFS, or dB SPL when calibrated.
    clipped : bool
        A sample reached full scale (32767/32768) since reset.
    """

    peak_dbfs: float
    peak_hold_dbfs: float
    true_peak_dbtp: float
    true_peak_hold_dbtp: float
    fast_db: float
    slow_db: float
    leq_db: float
    clipped: bool


@dataclass(frozen=True)
class LevelsSnapshot:
    """Everything a meter shows, at one moment.

    Attributes
    ----------
    channels : tuple of ChannelLevels
        One per input channel.
    mix : ChannelLevels
        The mean of the channels (the channel itself for mono).
    weighting : str
        "A", "C" or "Z", of the RMS levels and Leq.
    unit : str
        "dBFS", or "dB SPL" when a calibration offset applies (RMS and Leq only).
    momentary_lufs, short_term_lufs, integrated_lufs : float
        Loudness in LUFS (-inf before enough signal, or when nothing passes the gates).
    loudness_range_lu : float
        LRA in LU (0.0 until short-term blocks pass the gates).
    n_samples : int
        Sample frames since reset.
    fs_hz : float
        Sample rate in Hz.
    """

    channels: tuple[ChannelLevels, ...]
    mix: ChannelLevels
    weighting: str
    unit: str
    momentary_lufs: float
    short_term_lufs: float
    integrated_lufs: float
    loudness_range_lu: float
    n_samples: int
    fs_hz: float

    @property
    def elapsed_s(self) -> float:
        """Seconds of audio since reset."""
        return self.n_samples / self.fs_hz


def _check_offset(calibration_offset_db: float | None) -> float | None:
    if calibration_offset_db is None:
        return None
    value = calibration_offset_db
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"calibration offset must be a finite number of dB, got {value!r}")
    return float(value)


class LevelsModel:
    """Live meters for blocks of interleaved channels: per channel and the mix.

    Parameters
    ----------
    fs_hz : float
        Sample rate in Hz (>= 8 kHz for K-weighting and true peak).
    n_channels : int
        Channels per frame, >= 1.
    weighting : {"Z", "A", "C"}
        Frequency weighting of the RMS levels and Leq.
    calibration_offset_db : float, optional
        dB SPL = dBFS + offset for the RMS levels and Leq; None: dBFS.

    Raises
    ------
    ValueError
        A parameter is invalid (the message names it).

    Notes
    -----
    Cost at 48 kHz stereo with a snapshot per block (meters of both channels
    and the mix, true peak, loudness, A weighting): about 130 us per call plus
    a little per sample, so the live tap gathers 20 ms before calling; then
    2.2-2.6 % of one core whatever the device's block size
    (``benchmarks/bench_levels_live.py``, 2026-12-03), under the issue's 3 %.
    """

    def __init__(self, fs_hz: float, n_channels: int, weighting: str = "Z",
                 calibration_offset_db: float | None = None) -> None:
        if isinstance(n_channels, bool) or not isinstance(n_channels, (int, np.integer)) or n_channels < 1:
            raise ValueError(f"n_channels must be an integer >= 1, got {n_channels!r}")
        self.n_channels = int(n_channels)
        self.fs_hz = float(fs_hz)
        self.offset_db = _check_offset(calibration_offset_db)
        self._columns = self.n_channels + (1 if self.n_channels > 1 else 0)
        self._levels = LevelMeter(self.fs_hz, self._columns, weighting)
        self._true_peak = TruePeakMeter(self.fs_hz, self._columns)
        weights = None if self.n_channels in (1, 2, 3, 5, 6) else (1.0,) * self.n_channels
        self._loudness = LoudnessMeter(self.fs_hz, self.n_channels, weights)
        self.weighting = weighting
        self.reset()

    def reset(self) -> None:
        """Back to silence: peaks, holds, clip flags, Leq and the integrated loudness start again."""
        self._levels.reset()
        self._true_peak.reset_peak()  # keep the signal's history: no step from zeros at the next block
        self._loudness.reset()
        self._tp_hold = np.zeros(self._columns)
        self._tp_last = np.zeros(self._columns)
        self._reading = self._levels.reading()

    def process(self, block: np.ndarray) -> None:
        """Feed a block of shape (n, n_channels) (or (n,) for mono); full scale = 1.0.  Not kept."""
        x = as_frames(block, self.n_channels, dtype=np.float32)
        if x.shape[0] == 0:
            return
        if self._columns > self.n_channels:
            wide = np.empty((x.shape[0], self._columns), np.float32)
            wide[:, : self.n_channels] = x
            np.mean(x, axis=1, out=wide[:, -1])
        else:
            wide = x
        self._reading = self._levels.process(wide)
        self._true_peak.reset_peak()
        self._true_peak.process(wide)
        self._tp_last = self._true_peak.peak
        np.maximum(self._tp_hold, self._tp_last, out=self._tp_hold)
        self._loudness.process(x)

    def snapshot(self) -> LevelsSnapshot:
        """The current levels (immutable; safe to hand to another thread)."""
        r, off = self._reading, self.offset_db or 0.0
        per = [
            ChannelLevels(
                peak_dbfs=float(r.peak_dbfs[c]),
                peak_hold_dbfs=float(r.peak_hold_dbfs[c]),
                true_peak_dbtp=_peak_db(self._tp_last[c]),
                true_peak_hold_dbtp=_peak_db(self._tp_hold[c]),
                fast_db=float(r.fast_db[c]) + off,
                slow_db=float(r.slow_db[c]) + off,
                leq_db=float(r.leq_db[c]) + off,
                clipped=bool(r.clipped[c]),
            )
            for c in range(self._columns)
        ]
        loud = self._loudness
        return LevelsSnapshot(
            channels=tuple(per[: self.n_channels]),
            mix=per[-1],
            weighting=self.weighting,
            unit=level_unit("Z", self.offset_db is not None),  # the weighting is named beside it
            momentary_lufs=loud.momentary_lufs,
            short_term_lufs=loud.short_term_lufs,
            integrated_lufs=loud.integrated_lufs,
            loudness_range_lu=loud.loudness_range_lu,
            n_samples=self._levels.n_samples,
            fs_hz=self.fs_hz,
        )


@dataclass(frozen=True)
class FileLevels:
    """Levels of a whole file (or slice): what ``specscope levels`` prints.

    Attributes
    ----------
    integrated_lufs, loudness_range_lu : float
        BS.1770-4 integrated loudness (LUFS) and EBU Tech 3342 LRA (LU).
    true_peak_dbtp, sample_peak_dbfs : float
        Largest over the channels.
    rms_dbfs : float
        ``10 log10(2 m)`` with m the mean square averaged over the channels (unweighted).
    leq_a_db : float
        The same with A weighting, plus the calibration offset if any.
    unit : str
        Of `leq_a_db`: "dBFS" or "dB SPL".
    channels : tuple of dict
        Per channel: ``sample_peak_dbfs``, ``true_peak_dbtp``, ``rms_dbfs``, ``leq_a_db``.
    fs_hz : float
    n_samples : int
    """

    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    rms_dbfs: float
    leq_a_db: float
    unit: str
    channels: tuple[dict, ...]
    fs_hz: float
    n_samples: int

    def as_json(self) -> dict:
        """JSON-ready: -inf (silence) becomes None."""
        def num(v: float) -> float | None:
            return None if not math.isfinite(v) else round(float(v), 4)

        return {
            "integrated_lufs": num(self.integrated_lufs),
            "loudness_range_lu": num(self.loudness_range_lu),
            "true_peak_dbtp": num(self.true_peak_dbtp),
            "sample_peak_dbfs": num(self.sample_peak_dbfs),
            "rms_dbfs": num(self.rms_dbfs),
            "leq_a_db": num(self.leq_a_db),
            "unit": self.unit,
            "fs_hz": self.fs_hz,
            "n_samples": self.n_samples,
            "duration_s": self.n_samples / self.fs_hz,
            "channels": [{k: num(v) for k, v in ch.items()} for ch in self.channels],
        }


class LevelsSummary:
    """Streaming levels of a whole signal, block by block, in memory that does not grow with its length.

    Parameters
    ----------
    fs_hz : float
        Sample rate in Hz.
    n_channels : int
        Channels per frame, >= 1.
    calibration_offset_db : float, optional
        Added to ``leq_a_db`` (then in dB SPL).

    Notes
    -----
    Cheaper than :class:`LevelsModel` for files: no Fast/Slow ballistics, only
    sums of squares (raw and A-weighted, float64), the sample peak, the true
    peak (flushed at the end, as ``upfirdn`` of the whole signal) and loudness.

    Threads: the caller's thread runs the loudness; two helper threads (started
    here, ended by :meth:`result`) run, on the same blocks and each in order, the
    A-weighting filter with the sums of squares, and the true peak, at most
    ``MAX_IN_FLIGHT`` blocks behind.  The matrix products, the IIR filter's tail
    and NumPy's loops release the GIL, so on two cores the three share both.
    Each block is only read, never written.
    """

    MAX_IN_FLIGHT = 2

    def __init__(self, fs_hz: float, n_channels: int, calibration_offset_db: float | None = None) -> None:
        from specscope.dsp.block_sos import BlockSosFilter

        if isinstance(n_channels, bool) or not isinstance(n_channels, (int, np.integer)) or n_channels < 1:
            raise ValueError(f"n_channels must be an integer >= 1, got {n_channels!r}")
        self.fs_hz = float(fs_hz)
        self.n_channels = c = int(n_channels)
        self.offset_db = _check_offset(calibration_offset_db)
        weights = None if c in (1, 2, 3, 5, 6) else (1.0,) * c
        self._loudness = LoudnessMeter(self.fs_hz, c, weights)
        self._true_peak = TruePeakMeter(self.fs_hz, c)
        self._weighting_a = BlockSosFilter(weighting_sos("A", self.fs_hz), c)
        self._sq = np.zeros(c)
        self._sq_a = np.zeros(c)
        self.n_samples = 0
        self._pools: tuple = ()
        self._pending: list = []

    def process(self, block: np.ndarray) -> None:
        """Add a block of shape (n, n_channels) (or (n,) for mono), full scale = 1.0; it must not change later."""
        x = as_frames(block, self.n_channels)
        if x.shape[0] == 0:
            return
        xt = np.ascontiguousarray(x.T, dtype=np.float32)  # one planar copy for every measure
        if not self._pools:
            from concurrent.futures import ThreadPoolExecutor

            self._pools = tuple(ThreadPoolExecutor(1, thread_name_prefix=f"specscope-levels-{name}")
                                for name in ("leq", "true-peak"))
        while len(self._pending) >= self.MAX_IN_FLIGHT * len(self._pools):
            self._pending.pop(0).result()
        self._pending.append(self._pools[0].submit(self._weighted_sums, xt))
        self._pending.append(self._pools[1].submit(self._true_peak.process_planar, xt))
        self._loudness.process_planar(xt)
        self.n_samples += xt.shape[1]

    def _weighted_sums(self, xt: np.ndarray) -> None:
        """Sums of squares, raw and A-weighted, per channel (a helper thread, in order).

        `xt` is the block channel-major, float32.  The A-weighting runs on all channels at once as
        matrix products (:mod:`~specscope.dsp.block_sos`): against float64 ``sosfilt`` the Leq
        differs by about 1e-6 dB.
        """
        self._sq += sum_of_squares(xt)
        self._sq_a += sum_of_squares(self._weighting_a.filter(xt))

    def result(self) -> FileLevels:
        """Flush the true peak and return the levels (call once, at the end; the helpers end even if one failed)."""
        pending, self._pending = self._pending, []
        try:
            for future in pending:
                future.result()
        finally:
            for pool in self._pools:
                pool.shutdown(cancel_futures=True)
            self._pools = ()
        self._true_peak.flush()
        n = max(self.n_samples, 1)
        off = self.offset_db or 0.0
        ms, ms_a = self._sq / n, self._sq_a / n
        rms = mean_square_to_dbfs(ms)
        leq = mean_square_to_dbfs(ms_a) + off
        tp = self._true_peak.peak_dbtp
        peak = self._true_peak.sample_peak
        channels = tuple(
            {"sample_peak_dbfs": _peak_db(peak[c]), "true_peak_dbtp": float(tp[c]),
             "rms_dbfs": float(rms[c]), "leq_a_db": float(leq[c])}
            for c in range(self.n_channels)
        )
        return FileLevels(
            integrated_lufs=self._loudness.integrated_lufs,
            loudness_range_lu=self._loudness.loudness_range_lu,
            true_peak_dbtp=float(np.max(tp)),
            sample_peak_dbfs=_peak_db(np.max(peak)),
            rms_dbfs=float(mean_square_to_dbfs(np.array([ms.mean()]))[0]),
            leq_a_db=float(mean_square_to_dbfs(np.array([ms_a.mean()]))[0]) + off,
            unit=level_unit("Z", self.offset_db is not None),  # the key leq_a_db names the weighting
            channels=channels,
            fs_hz=self.fs_hz,
            n_samples=self.n_samples,
        )


__all__ = ["WEIGHTING_NAMES", "ChannelLevels", "FileLevels", "LevelsModel", "LevelsSnapshot", "LevelsSummary"]
