"""Measurement settings and the live measurement: averaged, weighted, calibrated spectrum and band levels.

Thread: any.  :class:`MeasurementSettings` and :class:`MeasurementSnapshot` are
frozen (the snapshot's arrays are read-only) and may be handed between threads;
a :class:`LiveMeasurement` belongs to the one thread that feeds it (the GUI
thread in the window, the pipeline's worker in ``specscope listen``).  No Qt.

Per frame, from the frame's dBFS spectrum ``db`` (``mag = 10**(db/20)``):

1. power ``P[k] = 10**(db[k]/10) g[k]`` with the per-bin gain
   ``g[k] = weighting_gain(w, f_k) 10**(-deviation(f_k)/10)`` (the weighting's
   power gain times the microphone-response correction, :mod:`specscope.dsp.calibration`);
2. the spectrum average of ``P`` and, when bands are on, the average of the
   band powers of ``P`` (:class:`~specscope.dsp.octave_bands.BandPowers`), both
   by :class:`~specscope.dsp.averaging.SpectrumAverager` on power: in the hold
   modes a band holds its own maximum (or minimum), as an RTA does;
3. per band a peak hold of the averaged band power, falling by
   ``band_hold_decay_db_per_s`` (0 holds until :meth:`LiveMeasurement.reset`).

Levels are dB of those powers plus the calibration offset when one is set:
``dBFS`` uncalibrated, ``dB SPL`` calibrated, the weighting named in the unit
(:func:`~specscope.app.model.level_display.level_unit`: ``"dBFS(A)"``, ``"dB(C) SPL"``; Z is the unweighted
``"dBFS"``/``"dB SPL"``), so a calibrated and an uncalibrated level never look
alike.  The peak of the averaged spectrum (:class:`SpectrumPeak`): its strongest
tonal bin (a local maximum standing ``PEAK_PROMINENCE_DB`` above both sides)
within the displayed range (:meth:`LiveMeasurement.set_peak_range`), never DC,
the log-parabola through it and the two bins beside it for the frequency, the
power of the main lobe's bins for the level
(:func:`~specscope.app.model.spectrum_peak.spectrum_peak`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from specscope.dsp.averaging import FAST_S, MODES, SLOW_S, AveragingSettings, SpectrumAverager
from specscope.dsp.calibration import MicResponse
from specscope.dsp.config import StftConfig
from specscope.dsp.octave_bands import FRACTIONS, POWER_FLOOR, BandPowers, BandSet
from specscope.dsp.weighting import WEIGHTING_NAMES, weighting_gain

from .level_display import level_unit
from .settings import SettingsError, _float, _int, _known
from .spectrum_peak import PEAK_PROMINENCE_DB, SpectrumPeak, spectrum_peak

__all__ = ["BAND_FRACTIONS", "PEAK_PROMINENCE_DB", "LiveMeasurement", "MeasurementSettings",
           "MeasurementSnapshot", "SpectrumPeak", "level_unit", "spectrum_peak"]

BAND_FRACTIONS = (0, *FRACTIONS)
"""Band view choices: 0 (off), 1, 3, 6, 12, 24 (1/b octave)."""
TAU_PRESETS_S = {"Fast": FAST_S, "Slow": SLOW_S}
"""Named exponential time constants (IEC 61672-1), seconds."""
LINEAR_BY = ("frames", "seconds")
MODE_LABELS = {
    "none": "None (each frame)",
    "exponential": "Exponential",
    "linear": "Linear (last N)",
    "infinite": "Infinite (since reset)",
    "peak_hold": "Peak hold",
    "min_hold": "Min hold",
}
"""User words for the averaging modes, in :data:`specscope.dsp.averaging.MODES` order."""
OFFSET_RANGE_DB = (-100.0, 300.0)
"""Calibration offsets accepted: dB SPL of 0 dBFS (a real microphone chain gives about 90 .. 150)."""



@dataclass(frozen=True)
class MeasurementSettings:
    """How the live spectrum is measured.

    Parameters
    ----------
    averaging : str
        One of :data:`specscope.dsp.averaging.MODES`; default ``none``, so that the spectrum panel keeps
        the frame's exact peak until the user asks for an average.
    tau_s : float
        Exponential time constant, seconds, 0.001 .. 1000 (Fast 0.125, Slow 1).
    linear_by : {"frames", "seconds"}
        Linear mode's span: ``linear_n_frames`` frames or ``linear_s`` seconds.
    linear_n_frames : int
        1 .. 100000.
    linear_s : float
        Seconds, 0.001 .. 3600.
    decay_db_per_s : float
        Peak-hold mode's fall rate, dB/s, 0 .. 1000 (0 holds until reset).
    weighting : {"A", "C", "Z"}
        Frequency weighting of the spectrum, the bands and the levels.
    fraction : int
        Band view: 0 (off) or b of 1/b octave (1, 3, 6, 12, 24).
    band_hold_decay_db_per_s : float
        Fall rate of the per-band peak markers, dB/s, 0 .. 1000 (0 holds until reset).
    offset_db : float or None
        Calibration: dB SPL of a 0 dBFS reading; None when uncalibrated (levels in dBFS).

    Raises
    ------
    SettingsError
        If a value is out of range; the message names it.
    """

    averaging: str = "none"
    tau_s: float = FAST_S
    linear_by: str = "frames"
    linear_n_frames: int = 32
    linear_s: float = 1.0
    decay_db_per_s: float = 0.0
    weighting: str = "Z"
    fraction: int = 3
    band_hold_decay_db_per_s: float = 10.0
    offset_db: float | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.averaging not in MODES:
            raise SettingsError(f"averaging must be one of {', '.join(MODES)}, got {self.averaging!r}")
        for name, lo, hi in (("tau_s", 1e-3, 1e3), ("linear_s", 1e-3, 3600.0), ("decay_db_per_s", 0.0, 1e3),
                             ("band_hold_decay_db_per_s", 0.0, 1e3)):
            v = _float(name, getattr(self, name))
            if not lo <= v <= hi:
                raise SettingsError(f"{name} must be {lo:g} .. {hi:g}, got {v:g}")
            set_(self, name, v)
        if self.linear_by not in LINEAR_BY:
            raise SettingsError(f"linear_by must be 'frames' or 'seconds', got {self.linear_by!r}")
        n = _int("linear_n_frames", self.linear_n_frames)
        if not 1 <= n <= 100_000:
            raise SettingsError(f"linear_n_frames must be 1 .. 100000, got {n}")
        set_(self, "linear_n_frames", n)
        w = str(self.weighting).upper()
        if w not in WEIGHTING_NAMES:
            raise SettingsError(f"weighting must be one of A, C, Z, got {self.weighting!r}")
        set_(self, "weighting", w)
        b = _int("fraction", self.fraction)
        if b not in BAND_FRACTIONS:
            raise SettingsError(f"fraction must be one of 0 (off), 1, 3, 6, 12, 24, got {self.fraction!r}")
        set_(self, "fraction", b)
        if self.offset_db is not None:
            o = _float("calibration offset", self.offset_db)
            lo, hi = OFFSET_RANGE_DB
            if not lo <= o <= hi:
                raise SettingsError(f"calibration offset must be {lo:g} .. {hi:g} dB, got {o:g}")
            set_(self, "offset_db", o)

    @property
    def calibrated(self) -> bool:
        """True when levels are in dB SPL."""
        return self.offset_db is not None

    @property
    def unit(self) -> str:
        """The levels' unit, e.g. ``"dBFS"``, ``"dB(A) SPL"`` (see :func:`level_unit`)."""
        return level_unit(self.weighting, self.calibrated)

    def averaging_settings(self) -> AveragingSettings:
        """The :class:`AveragingSettings` of the spectrum and band averages."""
        linear = ({"n_frames": self.linear_n_frames} if self.linear_by == "frames" else {"seconds": self.linear_s})
        return AveragingSettings(self.averaging, tau_s=self.tau_s, decay_db_per_s=self.decay_db_per_s, **linear)

    def replace(self, **changes: Any) -> MeasurementSettings:
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def as_values(self) -> dict[str, Any]:
        """Plain values for QSettings or JSON (``offset_db`` None is omitted)."""
        values = dataclasses.asdict(self)
        if values["offset_db"] is None:
            del values["offset_db"]
        return values

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> MeasurementSettings:
        """Settings from :meth:`as_values` output (unknown keys ignored, missing ones default).

        Raises
        ------
        SettingsError
            If a value is invalid.
        """
        return cls(**_known(cls, values))


class FrameLike(Protocol):
    """What :meth:`LiveMeasurement.push` reads of a frame (a :class:`~specscope.app.live.pipeline.LiveFrame`)."""

    db: np.ndarray
    cfg: StftConfig


@dataclass(frozen=True, eq=False)
class MeasurementSnapshot:
    """The measurement after the latest frame (read-only arrays).

    Attributes
    ----------
    cfg : StftConfig
        The frames' configuration.
    settings : MeasurementSettings
        The settings it was measured with.
    unit : str
        Unit of every level here, e.g. ``"dB(A) SPL"``.
    n_frames : int
        Frames averaged since the last reset.
    offset_db : float
        The calibration offset included in every level (0 when uncalibrated).
    spectrum_db : numpy.ndarray
        float32 (n_freqs,) averaged spectrum, weighted and corrected, in `unit`.
    peak : SpectrumPeak or None
        Peak of `spectrum_db` (None for an all-floor spectrum).
    bands : BandSet or None
        The bands (None when the band view is off); edges, centres, nominal labels.
    resolved : numpy.ndarray or None
        bool per band: wide enough for the FFT (see :mod:`specscope.dsp.octave_bands`).
    band_db, band_hold_db : numpy.ndarray or None
        float64 per band: the averaged band level and its peak hold, in `unit`.
    """

    cfg: StftConfig
    settings: MeasurementSettings
    unit: str
    n_frames: int
    offset_db: float
    spectrum_db: np.ndarray
    peak: SpectrumPeak | None
    bands: BandSet | None
    resolved: np.ndarray | None
    band_db: np.ndarray | None
    band_hold_db: np.ndarray | None

    def band_index(self, f_hz: float) -> int | None:
        """Index of the band whose edges contain `f_hz`, or None."""
        if self.bands is None:
            return None
        j = int(np.searchsorted(self.bands.high_hz, f_hz, side="right"))
        if j < self.bands.n_bands and self.bands.low_hz[j] <= f_hz:
            return j
        return None


class LiveMeasurement:
    """Averages frames' spectra into spectrum and band levels (see the module docstring).

    Parameters
    ----------
    settings : MeasurementSettings
        What to measure.
    response : MicResponse, optional
        The microphone's deviation, corrected in every bin before summing.
    """

    def __init__(self, settings: MeasurementSettings | None = None, response: MicResponse | None = None) -> None:
        self.settings = settings or MeasurementSettings()
        self.response = response
        self.peak_range_hz = (0.0, math.inf)
        self._configure(None)

    def set_peak_range(self, f_lo_hz: float, f_hi_hz: float) -> None:
        """Search the spectrum's peak only between these frequencies (Hz): the range the panel displays."""
        if (f_lo_hz, f_hi_hz) != self.peak_range_hz:
            self.peak_range_hz = (float(f_lo_hz), float(f_hi_hz))
            self._latest = None

    # --- configuration ----------------------------------------------------
    def set_settings(self, settings: MeasurementSettings, response: MicResponse | bool | None = False) -> None:
        """New settings (and, unless `response` is False, a new microphone response); resets the averages."""
        self.settings = settings
        if response is not False:
            self.response = response  # type: ignore[assignment]
        self._configure(self.cfg)

    def reset(self) -> None:
        """Forget every frame: the averages, holds and peak markers start again."""
        self._configure(self.cfg)

    def _configure(self, cfg: StftConfig | None) -> None:
        self.cfg = cfg
        self._latest = None
        self.n_frames = 0
        self._spectrum_power: np.ndarray | None = None
        self._band_powers: BandPowers | None = None
        if cfg is None:
            return
        s = self.settings
        self._gain = self._gain_for(cfg)
        self._offset_db = 0.0 if s.offset_db is None else s.offset_db
        avg = s.averaging_settings()
        self._spectrum_avg = SpectrumAverager(avg, cfg.hop_s)
        if s.fraction:
            bands = BandSet(s.fraction, fs_hz=cfg.fs_hz) if cfg.fs_hz / 2 > 20.0 else None
            if bands is not None:
                self._band_powers = BandPowers(cfg, bands, weighting="Z")  # weighting is in self._gain
                self._band_avg = SpectrumAverager(avg, cfg.hop_s)
                hold = AveragingSettings("peak_hold", decay_db_per_s=s.band_hold_decay_db_per_s)
                self._band_hold = SpectrumAverager(hold, cfg.hop_s)
                self._band_power: np.ndarray | None = None
                self._band_hold_power: np.ndarray | None = None

    def _gain_for(self, cfg: StftConfig) -> np.ndarray:
        """Power gain per bin of `cfg`: the weighting times the microphone correction."""
        gain = weighting_gain(self.settings.weighting, cfg.freqs_hz)
        if self.response is not None:
            gain = gain * 10.0 ** (-self.response.deviation_at(cfg.freqs_hz) / 10.0)
        return gain

    def weighted_frame_db(self, db: np.ndarray, cfg: StftConfig) -> np.ndarray:
        """One frame `db` (dBFS per bin of `cfg`) weighted and corrected as the averages are, not averaged,
        without the calibration offset: what the spectrum panel shows for a frame of the paused history.

        Returns a read-only float32 array; bins the weighting removes (A and C at 0 Hz) read -300 dB.
        """
        gain = self._gain if cfg == self.cfg else self._gain_for(cfg)
        out = np.asarray(db, np.float64) + 10.0 * np.log10(np.maximum(gain, 1e-30))
        return _frozen(out.astype(np.float32))

    # --- data -------------------------------------------------------------
    def push(self, frames: list[FrameLike]) -> None:
        """Add frames (oldest first); a frame of another configuration restarts the measurement on it."""
        for f in frames:
            self.push_power(np.power(10.0, np.asarray(f.db, dtype=np.float64) * 0.1), f.cfg)

    def push_power(self, power: np.ndarray, cfg: StftConfig | None = None) -> None:
        """Add one frame's power spectrum ``mag**2`` (n_freqs,); a `cfg` other than the current one restarts."""
        if cfg is not None and cfg != self.cfg:
            self._configure(cfg)
        if self.cfg is None:
            raise ValueError("push_power needs a configuration: give cfg")
        p = power * self._gain
        self._spectrum_power = self._spectrum_avg.update(p)
        if self._band_powers is not None:
            self._band_power = self._band_avg.update(self._band_powers(p))
            self._band_hold_power = self._band_hold.update(self._band_power)
        self.n_frames += 1
        self._latest = None

    def snapshot(self) -> MeasurementSnapshot | None:
        """The measurement now (None before the first frame); cached until the next frame."""
        if self._latest is not None or self._spectrum_power is None or self.cfg is None:
            return self._latest
        off = self._offset_db
        raw_db = 10.0 * np.log10(np.maximum(self._spectrum_power, POWER_FLOOR))
        peak = spectrum_peak(raw_db, self.cfg, f_lo_hz=self.peak_range_hz[0], f_hi_hz=self.peak_range_hz[1])
        if peak is not None and off:
            peak = dataclasses.replace(peak, level_dbfs=peak.level_dbfs + off)
        spectrum_db = (raw_db + off).astype(np.float32)
        band_db = hold_db = resolved = bands = None
        if self._band_powers is not None and self._band_power is not None:
            bands, resolved = self._band_powers.bands, self._band_powers.resolved
            band_db = _frozen(10.0 * np.log10(np.maximum(self._band_power, POWER_FLOOR)) + off)
            hold_db = _frozen(10.0 * np.log10(np.maximum(self._band_hold_power, POWER_FLOOR)) + off)
        self._latest = MeasurementSnapshot(
            cfg=self.cfg, settings=self.settings, unit=self.settings.unit, n_frames=self.n_frames,
            offset_db=off, spectrum_db=_frozen(spectrum_db), peak=peak, bands=bands,
            resolved=resolved, band_db=band_db, band_hold_db=hold_db,
        )
        return self._latest


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
