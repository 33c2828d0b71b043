"""Axis items that label a frequency scale in true Hz, and a seconds axis.

Thread: the Qt GUI thread.
"""

from __future__ import annotations

import pyqtgraph as pg
from PyQt6.QtWidgets import QGraphicsItem

from specscope.dsp.freq_scales import FrequencyScale, LinearScale, format_hz


def cache_axis(axis: pg.AxisItem) -> None:
    """Keep the axis as a pixmap in device coordinates.

    A plot whose data changes every frame also invalidates a sliver of its
    axes (rounding at the shared edge); with the cache Qt blits the axis
    instead of drawing every tick label again.  The cache is refreshed when the
    axis itself changes.
    """
    axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class FrequencyAxis(pg.AxisItem):
    """An axis whose view coordinate is a :class:`FrequencyScale`'s u.

    On the linear scale u is Hz and pyqtgraph's own ticks are used, with the
    unit ``Hz`` and an automatic SI prefix (``kHz``).  On log and mel scales
    the ticks come from the scale and read true frequencies (``500``, ``1k``).

    Parameters
    ----------
    orientation : str
        ``'left'``, ``'right'``, ``'bottom'`` or ``'top'``.
    """

    def __init__(self, orientation: str = "left", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        # Ticks point outwards: an axis that reaches into the plot is repainted with every new column.
        self.setStyle(tickLength=6)
        cache_axis(self)
        self._freq_scale: FrequencyScale = LinearScale()
        self.setLabel("Frequency", units="Hz")

    @property
    def freq_scale(self) -> FrequencyScale:
        return self._freq_scale

    def set_scale(self, scale: FrequencyScale) -> None:
        """Switch the scale; the axis redraws."""
        self._freq_scale = scale
        linear = isinstance(scale, LinearScale)
        self.enableAutoSIPrefix(linear)
        if not linear:
            self.setScale(1.0)
            self.labelUnitPrefix = ""
        self.setLabel("Frequency", units="Hz")
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):
        if isinstance(self._freq_scale, LinearScale):
            return super().tickValues(minVal, maxVal, size)
        lo, hi = sorted((float(self._freq_scale.inverse(minVal)), float(self._freq_scale.inverse(maxVal))))
        major, minor = self._freq_scale.ticks(lo, hi)
        return [
            (1.0, [float(self._freq_scale.transform(f)) for f, _ in major]),
            (0.5, [float(self._freq_scale.transform(f)) for f in minor]),
        ]

    def tickStrings(self, values, scale, spacing):
        if isinstance(self._freq_scale, LinearScale):
            return super().tickStrings(values, scale, spacing)
        return [format_hz(round(float(self._freq_scale.inverse(v)), 6)) for v in values]


class TimeAxis(pg.AxisItem):
    """Seconds axis (``Time (s)``), without SI prefix so long captures read in s."""

    def __init__(self, orientation: str = "bottom", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.setStyle(tickLength=6)
        cache_axis(self)
        self.enableAutoSIPrefix(False)
        self.setLabel("Time", units="s")


class LevelAxis(pg.AxisItem):
    """A level axis whose view coordinate is dBFS and whose ticks read the shown level (dBFS + offset).

    The ticks are placed at round numbers of the shown level (84, 94 dB SPL, not 83.87), so a calibrated
    panel keeps its dBFS data, marker and range and only the labels move (see
    :class:`~specscope.app.model.level_display.LevelDisplay`).
    """

    def __init__(self, orientation: str = "bottom", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self.setStyle(tickLength=6)
        cache_axis(self)
        self.shift_db = 0.0

    def set_shift(self, shift_db: float) -> None:
        """Show ``dBFS + shift_db``; the axis redraws."""
        self.shift_db = float(shift_db)
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):
        s = self.shift_db
        return [(spacing, [v - s for v in values])
                for spacing, values in super().tickValues(minVal + s, maxVal + s, size)]

    def tickStrings(self, values, scale, spacing):
        return super().tickStrings([v + self.shift_db for v in values], scale, spacing)
