"""The band view: one bar per fractional-octave band, peak-hold markers, greyed under-resolved bands.

Thread: the Qt GUI thread.

Bands run along the horizontal axis one slot each (band j at x = j), labelled
with their nominal frequencies; the level runs up in the measurement's unit
(``dBFS``, ``dBFS(A)`` ... ``dB(A) SPL``: the axis title always names it).  A bar
rises from the view's floor to the band's averaged level (labels thinned to fit, the
1 kHz band always labelled); a short white line
above it is the band's peak hold.  Bands narrower than the FFT resolves
(:attr:`~specscope.app.model.measurement.MeasurementSnapshot.resolved` False)
are drawn grey.  Hovering a bar shows its edges, centre and level (signal
:attr:`BandView.readout` and a label in the view).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, pyqtSignal

from specscope.app.model.measurement import MeasurementSnapshot

RESOLVED_RGB = (70, 170, 255)
UNRESOLVED_RGB = (110, 110, 110)
HOLD_RGB = (255, 255, 255)
RANGE_DB = 100.0
"""Height of the level axis in dB: from 0 dBFS (or its dB SPL) down."""
BAR_WIDTH = 0.8
"""Bar width in band slots."""
LABEL_PX = 36.0
"""Least distance between two band labels, pixels."""


class BandView(pg.PlotWidget):
    """Fractional-octave band levels as bars.

    Signals
    -------
    readout(str)
        The hovered band's description; ``''`` when the mouse leaves the bars.
    """

    readout = pyqtSignal(str)

    def __init__(self, parent=None) -> None:
        self.band_axis = pg.AxisItem("bottom")
        self.level_axis = pg.AxisItem("left")
        self.level_axis.enableAutoSIPrefix(False)
        super().__init__(parent, axisItems={"bottom": self.band_axis, "left": self.level_axis})
        self.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.plotItem.showGrid(y=True, alpha=0.25)
        vb = self.getViewBox()
        vb.setMouseEnabled(x=False, y=False)
        vb.disableAutoRange()
        self.setLabel("bottom", "Band (Hz)")
        self.bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, y0=0.0)
        self.hold = pg.PlotCurveItem(pen=pg.mkPen(HOLD_RGB, width=2), connect="pairs")
        self.label = pg.TextItem(anchor=(0.0, 0.0), color=(240, 240, 240), fill=pg.mkBrush(0, 0, 0, 170))
        self.label.setZValue(10)
        for item in (self.bars, self.hold, self.label):
            self.addItem(item)
        self.snapshot: MeasurementSnapshot | None = None
        self.unit = ""
        self.floor_db, self.ceiling_db = -RANGE_DB, 0.0
        self._layout_key: tuple | None = None
        self._resolved_brush = pg.mkBrush(RESOLVED_RGB)
        self._unresolved_brush = pg.mkBrush(UNRESOLVED_RGB)
        self.set_unit("dBFS", 0.0)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # --- configuration -------------------------------------------------------
    def set_unit(self, unit: str, offset_db: float) -> None:
        """Level axis in `unit`, from 0 dBFS + `offset_db` down by :data:`RANGE_DB`."""
        self.unit = unit
        self.setLabel("left", f"Level ({unit})")
        self.ceiling_db = 10.0 * np.ceil(offset_db / 10.0)
        self.floor_db = self.ceiling_db - RANGE_DB
        self.setYRange(self.floor_db, self.ceiling_db, padding=0.02)  # room for the top tick label

    def _set_bands(self, snap: MeasurementSnapshot) -> None:
        bands = snap.bands
        n = bands.n_bands
        self._update_ticks(bands)
        self.setXRange(-0.6, n - 0.4, padding=0.0)
        brushes = [self._resolved_brush if r else self._unresolved_brush for r in snap.resolved]
        self.bars.setOpts(x=np.arange(n), width=BAR_WIDTH, brushes=brushes,
                          pens=[pg.mkPen(None)] * n)
        self._layout_key = (bands, tuple(snap.resolved.tolist()))

    def _update_ticks(self, bands) -> None:
        """Label as many bands as fit (at least LABEL_PX apart), always including the 1 kHz (or nearest) band."""
        n = bands.n_bands
        px_per_band = max(1.0, self.getViewBox().width()) / n
        b = bands.fraction
        steps = [d for d in (1, 2, 3, 4, 6, 8, 12) if b % d == 0] + [b * 2**k for k in range(8)]  # octave-aligned
        step = next(s for s in steps if s * px_per_band >= LABEL_PX or s >= n)
        anchor = int(np.argmin(np.abs(np.log(bands.centers_hz / 1000.0))))
        labels = bands.labels
        self.band_axis.setTicks([[(j, labels[j]) for j in range(anchor % step, n, step)], []])
        self._tick_step = step

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        snap = getattr(self, "snapshot", None)  # None while the base class is still being built
        if snap is not None and snap.bands is not None:
            self._update_ticks(snap.bands)

    # --- data ----------------------------------------------------------------
    def show_snapshot(self, snap: MeasurementSnapshot | None) -> None:
        """Draw a measurement's bands (nothing if it has none)."""
        self.snapshot = snap
        if snap is None or snap.bands is None:
            self.bars.setOpts(x=[], height=[], y0=0.0)
            self.hold.setData([], [])
            self._layout_key = None
            return
        if snap.unit != self.unit or self.ceiling_db != 10.0 * np.ceil(snap.offset_db / 10.0):
            self.set_unit(snap.unit, snap.offset_db)
        if self._layout_key is None or self._layout_key[0] != snap.bands:
            self._set_bands(snap)
        level = np.clip(snap.band_db, self.floor_db, self.ceiling_db)
        self.bars.setOpts(y0=self.floor_db, height=level - self.floor_db)
        j = np.arange(snap.bands.n_bands, dtype=np.float64)
        hx = np.column_stack([j - BAR_WIDTH / 2, j + BAR_WIDTH / 2]).reshape(-1)
        hold = np.clip(snap.band_hold_db, self.floor_db, self.ceiling_db)
        self.hold.setData(hx, np.repeat(hold, 2))

    def bar_levels(self) -> np.ndarray:
        """Top of every bar now drawn, in the unit (for tests and readouts)."""
        opts = self.bars.opts
        if opts.get("height") is None or len(opts["height"]) == 0:
            return np.zeros(0)
        return np.asarray(opts["y0"]) + np.asarray(opts["height"])

    def hold_levels(self) -> np.ndarray:
        """The peak-hold marker of every band, in the unit."""
        y = self.hold.getData()[1]
        return np.zeros(0) if y is None else np.asarray(y)[::2]

    def bar_colours(self) -> list[tuple[int, int, int]]:
        """RGB of every bar (grey: under-resolved)."""
        brushes = self.bars.opts.get("brushes") or []
        return [b.color().getRgb()[:3] for b in brushes]

    # --- hover ---------------------------------------------------------------
    def band_text(self, j: int) -> str:
        """``'1k: 891.3 .. 1122.0 Hz, centre 1000.0 Hz, -20.0 dB(A) (peak -18.2)'``, or ``''``."""
        snap = self.snapshot
        if snap is None or snap.bands is None or not 0 <= j < snap.bands.n_bands:
            return ""
        b = snap.bands
        text = (f"{b.labels[j]} Hz band: {b.low_hz[j]:.1f} .. {b.high_hz[j]:.1f} Hz, centre {b.centers_hz[j]:.1f} Hz,"
                f" {snap.band_db[j]:.1f} {snap.unit} (peak {snap.band_hold_db[j]:.1f})")
        if not snap.resolved[j]:
            text += ", under-resolved: narrower than the FFT resolves (use a larger FFT)"
        return text

    def _on_mouse_moved(self, pos: QPointF) -> None:
        vb = self.getViewBox()
        text = ""
        if vb.sceneBoundingRect().contains(pos):
            p = vb.mapSceneToView(pos)
            j = int(np.floor(p.x() + 0.5))
            if abs(p.x() - j) <= BAR_WIDTH / 2:
                text = self.band_text(j)
                if text:
                    self.label.setText(text.replace(", centre", "\ncentre").replace(", under", "\nunder"))
                    self.label.setPos(vb.viewRange()[0][0], self.ceiling_db)
        self.label.setVisible(bool(text))
        self.readout.emit(text)
