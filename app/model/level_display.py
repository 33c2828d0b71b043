"""The unit and calibration offset of every level a view shows: one decision for all of them.

Thread: any (frozen values and pure functions; no Qt).

The DSP works in dBFS.  A view (the spectrum panel, the spectrogram's colour
bar and cursor readout, the band view) shows ``level = dBFS + offset_db``
in :attr:`LevelDisplay.unit`: ``dBFS`` uncalibrated, ``dB SPL`` once the input
device is calibrated (``offset_db`` is then the dB SPL of 0 dBFS), with the
weighting named when one is applied to the data shown (``dBFS(A)``,
``dB(A) SPL``).  A calibrated and an uncalibrated level never share a label,
and a view never adds an offset of its own: it asks :class:`LevelDisplay`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol


def level_unit(weighting: str, calibrated: bool) -> str:
    """The unit of a level: ``"dBFS"``, ``"dBFS(A)"``, ``"dB SPL"``, ``"dB(A) SPL"`` (Z is unweighted)."""
    if calibrated:
        return "dB SPL" if weighting == "Z" else f"dB({weighting}) SPL"
    return "dBFS" if weighting == "Z" else f"dBFS({weighting})"


class CalibrationLike(Protocol):
    """What :meth:`LevelDisplay.of` reads (a :class:`~specscope.app.model.measurement.MeasurementSettings`)."""

    weighting: str
    offset_db: float | None


@dataclass(frozen=True)
class LevelDisplay:
    """How a view turns a dBFS level into the number and unit it shows.

    Parameters
    ----------
    offset_db : float or None
        dB SPL of a 0 dBFS reading; None when uncalibrated (levels in dBFS).
    weighting : {"A", "C", "Z"}
        The weighting already applied to the data the view shows (named in the unit).
    """

    offset_db: float | None = None
    weighting: str = "Z"

    def __post_init__(self) -> None:
        if self.offset_db is not None and not math.isfinite(self.offset_db):
            raise ValueError(f"calibration offset must be finite, got {self.offset_db!r}")
        if self.weighting not in ("A", "C", "Z"):
            raise ValueError(f"weighting must be A, C or Z, got {self.weighting!r}")

    @classmethod
    def of(cls, settings: CalibrationLike, weighted: bool = True) -> LevelDisplay:
        """The display of data measured with `settings`: weighted (spectrum panel) or raw frames (spectrogram)."""
        return cls(settings.offset_db, settings.weighting if weighted else "Z")

    @property
    def calibrated(self) -> bool:
        """True when levels are shown in dB SPL."""
        return self.offset_db is not None

    @property
    def shift_db(self) -> float:
        """What is added to a dBFS level to show it (0 uncalibrated)."""
        return 0.0 if self.offset_db is None else float(self.offset_db)

    @property
    def unit(self) -> str:
        """The unit shown, see :func:`level_unit`."""
        return level_unit(self.weighting, self.calibrated)

    def shown_db(self, dbfs: float) -> float:
        """The number shown for a level of `dbfs`."""
        return float(dbfs) + self.shift_db

    def to_dbfs(self, shown_db: float) -> float:
        """The dBFS level of a number shown."""
        return float(shown_db) - self.shift_db

    def text(self, dbfs: float) -> str:
        """``'84.0 dB SPL'`` for -40 dBFS at an offset of 124 dB."""
        return f"{self.shown_db(dbfs):.1f} {self.unit}"


DBFS = LevelDisplay()
"""Uncalibrated and unweighted: levels as computed."""
