"""The spectrum panel: one frame's spectrum, a decaying peak-hold trace
and a labelled marker at the interpolated peak.

Thread: the Qt GUI thread.

Frequency runs up the vertical axis in the same display coordinate as the
spectrogram beside it (``u`` of a :class:`~specscope.dsp.freq_scales.FrequencyScale`),
so the two can share (link) their frequency range; level runs along
the horizontal axis.  The data, the range and the marker are dBFS; the axis ticks, its title, the peak
label and the cursor readout show the level in the unit of the panel's
:class:`~specscope.app.model.level_display.LevelDisplay` (dB SPL once the input is calibrated,
:meth:`SpectrumPanel.set_level_display`).  Data are drawn per display row (the maximum of the bins
each row covers, see :class:`~specscope.dsp.freq_scales.BinRowMap`), so a
narrow peak stays visible on any scale.

The level axis has its own range (:class:`~specscope.app.live.level_range.LevelRange`), independent of
the spectrogram's colour range: autoscaled to the trace and the peak hold by default, or fixed
(:meth:`SpectrumPanel.set_levels`, or "Keep this level range" in the panel's context menu).
"""

from __future__ import annotations

import time
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsView, QMenu

from specscope.app.live.level_range import LevelRange
from specscope.app.model.level_display import DBFS, LevelDisplay
from specscope.app.model.readouts import cursor_readout, is_silent, note_name, peak_label
from specscope.dsp.config import StftConfig
from specscope.dsp.freq_scales import BinRowMap, FrequencyScale, LinearScale, make_row_map

from .axes import FrequencyAxis, LevelAxis
from .hover import HoverReadout

DEFAULT_DECAY_DB_PER_S = 20.0


class PeakLike(Protocol):
    """Anything with a peak's frequency (Hz), level (dBFS) and fractional bin."""

    freq_hz: float
    level_dbfs: float
    bin: float


class PeakMarker(QGraphicsEllipseItem):
    """A 9-pixel dot at the peak, in data coordinates, its size fixed in pixels.

    A plain ellipse item that ignores the view's scaling: pyqtgraph's ScatterPlotItem spent about
    1.5 ms of Python per repaint of the panel on its one spot.
    """

    DIAMETER_PX = 9.0

    def __init__(self) -> None:
        r = self.DIAMETER_PX / 2
        super().__init__(-r, -r, 2 * r, 2 * r)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setPen(pg.mkPen("w"))
        self.setBrush(pg.mkBrush(255, 60, 60))
        self._placed = False
        self.hide()

    def setData(self, x: float, y: float) -> None:
        """Put the dot at (level dBFS, scale coordinate u) and show it."""
        self.setPos(x, y)
        self._placed = True
        self.show()

    def clear(self) -> None:
        self._placed = False
        self.hide()

    def getData(self) -> tuple[list[float], list[float]]:
        """([level], [u]) of the dot, or ([], []) when hidden (as ScatterPlotItem.getData)."""
        if not self._placed:
            return [], []
        return [self.pos().x()], [self.pos().y()]


class SpectrumPanel(HoverReadout, pg.PlotWidget):
    """Current spectrum, peak hold and peak marker, frequency vertical.

    Signals
    -------
    readout(str)
        Cursor readout text (Hz, bin, bin centre, level in the panel's unit) when the mouse moves
        over the panel; ``''`` when it leaves.
    """

    readout = pyqtSignal(str)

    def __init__(self, parent=None) -> None:
        self.freq_axis = FrequencyAxis("left")
        self.level_axis = LevelAxis("bottom")
        super().__init__(parent, axisItems={"left": self.freq_axis, "bottom": self.level_axis})
        self.level_display = DBFS
        self.level_title = "Level"
        self.setLabel("bottom", self.level_title, units=DBFS.unit)
        # Dirty rects are not widened by 2 px for antialiasing: otherwise new data touching the plot's
        # edge repaints the neighbouring axes (their tick labels) on every frame.
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.plotItem.layout.setContentsMargins(2, 10, 6, 2)  # room for the top tick labels
        self.setMenuEnabled(False)
        self.plotItem.hideButtons()
        vb = self.getViewBox()
        vb.setMouseEnabled(x=False, y=False)
        vb.disableAutoRange()
        # Plain PlotCurveItems with 1-pixel cosmetic pens: a wider pen makes Qt's raster engine stroke the
        # 1025-point path as a polygon outline (about 4x the paint time), and PlotDataItem's extra
        # layer (bounds, display dataset) doubled the Python cost of each update.
        self.hold_curve = pg.PlotCurveItem(pen=pg.mkPen((255, 170, 0, 150), width=1), skipFiniteCheck=True)
        self.curve = pg.PlotCurveItem(pen=pg.mkPen((90, 200, 255), width=1), skipFiniteCheck=True)
        self.marker = PeakMarker()
        self.label = pg.TextItem(anchor=(1.0, 1.0), color=(240, 240, 240), fill=pg.mkBrush(0, 0, 0, 150))
        for item in (self.hold_curve, self.curve, self.marker, self.label):
            self.addItem(item)
        self.cfg: StftConfig | None = None
        self.row_map: BinRowMap | None = None
        self.scale: FrequencyScale = LinearScale()
        self.decay_db_per_s = DEFAULT_DECAY_DB_PER_S
        self.levels = LevelRange()
        self.setXRange(self.levels.lo_db, self.levels.hi_db, padding=0.0)
        self.last_db: np.ndarray | None = None
        self.last_time_s: float | None = None
        self._hold_rows: np.ndarray | None = None
        self._peak_text = ""
        self._shown_peak: PeakLike | None = None
        self._init_hover()

    # --- configuration ------------------------------------------------------
    def set_level_display(self, levels: LevelDisplay) -> None:
        """Show levels in `levels`' unit (axis ticks and title, peak label, readout); the data stay dBFS."""
        if levels == self.level_display:
            return
        self.level_display = levels
        self.level_axis.set_shift(levels.shift_db)
        self.setLabel("bottom", self.level_title, units=levels.unit)
        peak, self._shown_peak = self._shown_peak, None
        self.show_peak(peak)
        self._refresh_readout(force=True)

    def set_level_title(self, title: str = "Level") -> None:
        """Name what the level axis shows, e.g. ``"Selection max"`` (the unit follows in brackets)."""
        self.level_title = title
        self.setLabel("bottom", title, units=self.level_display.unit)

    def set_view(self, cfg: StftConfig, scale: FrequencyScale, f_min_hz: float, f_max_hz: float,
                 row_map: BinRowMap | None = None) -> None:
        """Show data of `cfg` on `scale` between two frequencies; clears the hold trace.

        Parameters
        ----------
        row_map : BinRowMap, optional
            Reuse the spectrogram's map (else one is built here).
        """
        self.cfg, self.scale = cfg, scale
        if row_map is None:
            row_map = make_row_map(scale, cfg.delta_f_hz, cfg.n_freqs, f_min_hz, f_max_hz)
        self.row_map = row_map
        self.freq_axis.set_scale(scale)
        self.setYRange(row_map.u_lo, row_map.u_hi, padding=0.0)
        self.reset_hold()
        self.curve.clear()
        self.marker.clear()
        self.label.setText("")
        self._peak_text = ""
        self._shown_peak = None
        self.last_db = None
        self._refresh_readout(force=True)

    def shown_range_hz(self) -> tuple[float, float] | None:
        """Frequencies (Hz) at the bottom and top edges of the panel's rows (None before :meth:`set_view`)."""
        if self.row_map is None:
            return None
        return float(self.scale.inverse(self.row_map.u_lo)), float(self.scale.inverse(self.row_map.u_hi))

    @property
    def floor_db(self) -> float:
        """Left edge of the level axis, dBFS."""
        return self.levels.lo_db

    @property
    def ceiling_db(self) -> float:
        """Right edge of the level axis, dBFS."""
        return self.levels.hi_db

    def set_levels(self, floor_db: float, ceiling_db: float) -> None:
        """Fix the level axis (horizontal) to `floor_db` .. `ceiling_db` dBFS; autoscale goes off.

        Raises
        ------
        ValueError
            If the range is empty.
        """
        self.levels.set_manual(floor_db, ceiling_db)
        self._apply_level_range()

    def set_autoscale(self, on: bool = True) -> None:
        """Let the level axis follow the data shown (the default), or keep its current range."""
        self.levels.set_autoscale(on)
        if on and self._hold_rows is not None:
            self._autoscale(self._hold_rows, self._hold_rows)

    def _autoscale(self, rows: np.ndarray, hold: np.ndarray) -> None:
        top = np.float32(max(float(rows.max()), float(hold.max())))
        if self.levels.update(np.append(rows, top), time.monotonic()):
            self._apply_level_range()

    def _apply_level_range(self) -> None:
        self.setXRange(self.levels.lo_db, self.levels.hi_db, padding=0.0)
        peak, self._shown_peak = self._shown_peak, None
        self.show_peak(peak)  # the label sits at the left edge

    def contextMenuEvent(self, ev) -> None:
        """Right click: autoscale the level axis, or keep the range it has now."""
        menu = QMenu(self)
        auto = menu.addAction("Autoscale the level axis")
        auto.setCheckable(True)
        auto.setChecked(self.levels.autoscale)
        auto.toggled.connect(self.set_autoscale)
        lv = self.level_display
        keep = menu.addAction(f"Keep this level range ({lv.shown_db(self.floor_db):g} … "
                              f"{lv.shown_db(self.ceiling_db):g} {lv.unit})")
        keep.triggered.connect(lambda: self.set_levels(self.floor_db, self.ceiling_db))
        menu.exec(ev.globalPos())

    def set_decay(self, db_per_s: float) -> None:
        """Peak-hold decay rate in dB per second (0 holds forever)."""
        self.decay_db_per_s = max(0.0, float(db_per_s))

    def reset_hold(self) -> None:
        self._hold_rows = None
        self.hold_curve.clear()

    # --- data ---------------------------------------------------------------
    def show_frame(self, db: np.ndarray, peak: PeakLike | None, dt_s: float, time_s: float | None = None,
                   hold: bool = True) -> None:
        """Draw one spectrum.

        Parameters
        ----------
        db : numpy.ndarray
            dBFS per bin, shape (cfg.n_freqs,).
        peak : PeakLike or None
            Interpolated peak to mark and label.
        dt_s : float
            Time since the previous frame shown, in s; the hold trace decays
            by ``decay_db_per_s * dt_s``.
        time_s : float, optional
            The frame's time (s, on the caller's time axis) for the cursor readout.
        hold : bool
            False to leave the peak-hold trace as it is (a frame looked up in the history, not a new one).
        """
        if self.row_map is None or self.cfg is None or db.shape[0] != self.cfg.n_freqs:
            return
        self.last_db = db
        self.last_time_s = time_s
        rows = self.row_map.apply(db)
        u = self.row_map.row_centres_u
        if self._hold_rows is None or self._hold_rows.shape != rows.shape:
            self._hold_rows = rows.astype(np.float32, copy=True)
        elif hold:
            self._hold_rows -= np.float32(self.decay_db_per_s * max(0.0, dt_s))
            np.maximum(self._hold_rows, rows, out=self._hold_rows)
        self.curve.setData(rows, u)
        self.hold_curve.setData(self._hold_rows, u)
        if self.levels.autoscale:
            self._autoscale(rows, self._hold_rows)
        self.show_peak(peak)
        self._refresh_readout()

    def show_peak(self, peak: PeakLike | None) -> None:
        """Mark and label a peak (or clear the marker; digital silence has no peak)."""
        if peak is not None and peak is self._shown_peak:
            return  # the caller re-sends the last estimate between estimates: nothing to redraw
        self._shown_peak = peak
        if peak is None or is_silent(peak.level_dbfs):
            self.marker.clear()
            self.label.setText("")
            self._peak_text = ""
            return
        u = float(self.scale.transform(peak.freq_hz))
        self.marker.setData(peak.level_dbfs, u)
        note = note_name(peak.freq_hz)
        text = peak_label(peak.freq_hz, peak.level_dbfs, peak.bin, self.level_display)
        self._peak_text = text + (f"\n{note}" if note else "")
        self.label.setText(self._peak_text)
        # Keep the label inside the plot: from the left edge (a narrow panel clips only its end),
        # above the peak unless the peak is near the top.
        lo, hi = self.getViewBox().viewRange()[1]
        near_top = u > lo + 0.85 * (hi - lo)
        self.label.setAnchor((0.0, 0.0) if near_top else (0.0, 1.0))
        self.label.setPos(self.floor_db, u)

    def peak_text(self) -> str:
        """The label now shown at the peak marker (``''`` if none)."""
        return self._peak_text

    # --- cursor -------------------------------------------------------------
    def readout_at(self, level_db: float, u: float) -> str:
        """Readout for a point in view coordinates (level, u)."""
        if self.cfg is None:
            return ""
        f_hz = float(self.scale.inverse(u))
        return cursor_readout(f_hz, self.cfg, self.last_db, time_s=self.last_time_s, levels=self.level_display)

    _hover_text = readout_at
