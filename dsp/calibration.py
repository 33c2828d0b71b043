"""Calibration from dBFS to dB SPL: an offset, and a measurement microphone's response file.

Thread: any (immutable models and a pure parser; the parser reads the file in
the caller's thread, so call it off the GUI thread for files on slow disks).

* ``SPL = dBFS + offset_db - deviation_db(f)``.  The offset comes from a
  calibrator: a tone known to be ``reference_db_spl`` (94 dB SPL for most
  calibrators) that reads ``measured_dbfs`` gives
  ``offset_db = reference_db_spl - measured_dbfs``
  (:func:`offset_from_measurement`).
* The response file gives the microphone's *deviation*: +3 dB at 10 kHz means
  the microphone reads 3 dB too high there, so the correction lowers a 10 kHz
  reading by 3 dB.  Between its points the deviation is interpolated linearly
  in log-frequency; beyond its ends it is held constant.  A file normalised to
  0 dB at the calibrator's frequency (as vendors ship them) leaves the offset
  valid; otherwise calibrate with the response applied.

File format (:func:`load_mic_response`), as miniDSP (UMIK-1/2), Dayton (iMM-6,
EMM-6), Sonarworks and others ship them: one point per line, frequency in Hz
then deviation in dB, separated by spaces, tabs, commas or semicolons; a third
column (phase, degrees) and any further columns are ignored.  Lines starting
with ``*``, ``"`` or ``#`` are comments, as are blank lines; text lines before
the first point are headers.  A line ``"Sens Factor =-1.2dB, SERNO: 7000000"``
(miniDSP) sets :attr:`MicResponse.sens_factor_db`, kept for display only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

COMMENT_STARTS = ("*", '"', "#")
_SEPARATORS = re.compile(r"[\s,;]+")
_SENS_FACTOR = re.compile(r"sens\s*factor\s*=\s*([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)\s*db", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class MicResponse:
    """A microphone's deviation from flat.

    Parameters
    ----------
    frequency_hz : array_like
        Frequencies in Hz, > 0 and strictly increasing, at least 2.
    deviation_db : array_like
        The microphone's reading minus the true level at each frequency, dB.
    sens_factor_db : float, optional
        The file's "Sens Factor" line, if any (not applied).

    Raises
    ------
    ValueError
        If the arrays are invalid; the message names the parameter.
    """

    frequency_hz: np.ndarray
    deviation_db: np.ndarray
    sens_factor_db: float | None = None
    _log_f: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        f = np.array(self.frequency_hz, dtype=np.float64).reshape(-1)
        d = np.array(self.deviation_db, dtype=np.float64).reshape(-1)
        if f.size < 2:
            raise ValueError(f"frequency_hz must hold at least 2 points, got {f.size}")
        if d.shape != f.shape:
            raise ValueError(f"deviation_db must have {f.size} values like frequency_hz, got {d.size}")
        if not (np.all(np.isfinite(f)) and np.all(f > 0) and np.all(np.diff(f) > 0)):
            raise ValueError("frequency_hz must be finite, > 0 and strictly increasing")
        if not np.all(np.isfinite(d)):
            raise ValueError("deviation_db must be finite")
        for name, a in (("frequency_hz", f), ("deviation_db", d)):
            a.flags.writeable = False
            object.__setattr__(self, name, a)
        log_f = np.log10(f)
        log_f.flags.writeable = False
        object.__setattr__(self, "_log_f", log_f)

    def deviation_at(self, f_hz: float | np.ndarray) -> np.ndarray:
        """Deviation in dB at `f_hz`: linear in log10(f) between points, constant beyond the ends (and at 0 Hz)."""
        f = np.asarray(f_hz, dtype=np.float64)
        with np.errstate(divide="ignore"):
            log_f = np.log10(np.maximum(f, 0.0))
        return np.interp(log_f, self._log_f, self.deviation_db)


@dataclass(frozen=True)
class Calibration:
    """dBFS to dB SPL: ``SPL = dBFS + offset_db - response.deviation_at(f)``.

    Parameters
    ----------
    offset_db : float
        dB SPL of a 0 dBFS reading (a full-scale sine), finite.
    response : MicResponse, optional
        The microphone's deviation; None for a flat microphone.
    """

    offset_db: float = 0.0
    response: MicResponse | None = None

    def __post_init__(self) -> None:
        o = self.offset_db
        if isinstance(o, bool) or not isinstance(o, (int, float, np.integer, np.floating)) or not math.isfinite(o):
            raise ValueError(f"offset_db must be a finite number of dB, got {o!r}")
        object.__setattr__(self, "offset_db", float(o))

    def correction_db(self, f_hz: float | np.ndarray) -> np.ndarray:
        """dB added to a dBFS reading at `f_hz`: ``offset_db - deviation(f)``."""
        f = np.asarray(f_hz, dtype=np.float64)
        if self.response is None:
            return np.full(f.shape, self.offset_db)
        return self.offset_db - self.response.deviation_at(f)

    def to_spl_db(self, dbfs: float | np.ndarray, f_hz: float | np.ndarray | None = None) -> np.ndarray:
        """dB SPL of readings `dbfs` at frequencies `f_hz` (broadcast); without `f_hz`, the offset alone."""
        dbfs = np.asarray(dbfs, dtype=np.float64)
        if f_hz is None:
            return dbfs + self.offset_db
        return dbfs + self.correction_db(f_hz)


def offset_from_measurement(measured_dbfs: float, reference_db_spl: float = 94.0) -> float:
    """``reference_db_spl - measured_dbfs``: the offset that makes a calibrator read its level.

    Parameters
    ----------
    measured_dbfs : float
        The calibrator tone's reading, dBFS (e.g. a band or RMS level).
    reference_db_spl : float
        The calibrator's level, dB SPL (94 dB = 1 Pa; 114 dB for the high setting).
    """
    for name, v in (("measured_dbfs", measured_dbfs), ("reference_db_spl", reference_db_spl)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number of dB, got {v!r}")
    return float(reference_db_spl) - float(measured_dbfs)


def load_mic_response(path: str | Path) -> MicResponse:
    """Read a two-column microphone response file (see the module docstring).

    Raises
    ------
    ValueError
        One line naming the file and the line: ``mic.txt line 7: expected 'frequency dB', got 'abc'``.
    OSError
        If the file cannot be read.
    """
    path = Path(path)
    name = path.name
    text = path.read_text(encoding="utf-8", errors="replace")
    freqs: list[float] = []
    devs: list[float] = []
    sens: float | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        m = _SENS_FACTOR.search(line)
        if m:
            sens = float(m.group(1))
        if not line or line.startswith(COMMENT_STARTS):
            continue
        tokens = [t for t in _SEPARATORS.split(line) if t]
        values = [_number(t) for t in tokens[:2]]
        if values[0] is None and not freqs:
            continue  # a header line before the data
        if len(values) < 2 or values[0] is None or values[1] is None:
            shown = line if len(line) <= 40 else line[:37] + "..."
            raise ValueError(f"{name} line {number}: expected 'frequency dB', got {shown!r}")
        f, d = values
        if f <= 0:
            raise ValueError(f"{name} line {number}: frequency must be > 0 Hz, got {f:g}")
        if freqs and f <= freqs[-1]:
            raise ValueError(f"{name} line {number}: frequencies must increase, got {f:g} after {freqs[-1]:g}")
        freqs.append(f)
        devs.append(d)
    if len(freqs) < 2:
        raise ValueError(f"{name}: expected at least 2 'frequency dB' lines, got {len(freqs)}")
    return MicResponse(np.array(freqs), np.array(devs), sens)


def _number(token: str) -> float | None:
    try:
        v = float(token)
    except ValueError:
        return None
    return v if math.isfinite(v) else None
