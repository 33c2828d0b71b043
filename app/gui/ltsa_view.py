"""The LTSA tab: a batch's long-term spectral average as a navigable spectrogram; a column leads to its recording.

Thread: the Qt GUI thread.

The image is :class:`~specscope.app.io.ltsa_file.LtsaFile`'s ``db``
(row-major, one row per bin, one column per interval) placed on real axes:
column *i* spans ``start_s[i] .. start_s[i] + interval_s`` and row *k* is
centred on ``freqs_hz[k]`` (the rectangle starts half a bin below bin 0).
With ISO times the x axis is a :class:`pyqtgraph.DateAxisItem` in seconds
since the epoch with ``utcOffset=0``, so the dates read as written in the
file (no time zone is applied).  Gaps (NaN columns) are drawn transparent
over a grey background, unlike any colour of the maps.  Mouse wheel and drag
zoom and pan; the readout under the plot names the time, frequency, level and
recording under the pointer; a left click on a column emits
:attr:`LtsaView.open_source` with the recording and the offset of the
column's start in it.
"""

from __future__ import annotations

import os
from datetime import UTC, timedelta

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from specscope.app.io.ltsa_file import LtsaFile

from .colormaps import colormap, lookup_table

GAP_RGB = (128, 128, 128)
"""Background shown through gap columns (mid grey: no map uses it for a level)."""


class LtsaView(QWidget):
    """Shows one :class:`LtsaFile`; :attr:`open_source` ``(path, offset_s)`` when a column is clicked."""

    open_source = pyqtSignal(str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ltsa: LtsaFile | None = None
        self.x0 = 0.0
        """x coordinate of column 0's start: seconds since the epoch (dated LTSA) or seconds."""
        self.title = QLabel("")
        self.readout = QLabel("")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plot = pg.PlotWidget()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.plot.setLabel("left", "Frequency", units="Hz")
        self.vb = self.plot.getPlotItem().getViewBox()
        self.vb.setBackgroundColor(GAP_RGB)
        self.colour_bar: pg.ColorBarItem | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._on_move)

    def show_ltsa(self, ltsa: LtsaFile, floor_db: float = -120.0, ceiling_db: float = 0.0,
                  colormap_name: str = "inferno") -> None:
        """Display `ltsa` with the colour range ``floor_db .. ceiling_db`` (dBFS) and the map `colormap_name`."""
        self.ltsa = ltsa
        dated = ltsa.origin is not None
        axis = pg.DateAxisItem(orientation="bottom", utcOffset=0) if dated else pg.AxisItem("bottom")
        self.plot.setAxisItems({"bottom": axis})
        if dated:
            self.x0 = ltsa.origin.replace(tzinfo=UTC).timestamp() + float(ltsa.start_s[0])
            self.plot.setLabel("bottom", "Time (as recorded)")
        else:
            self.x0 = float(ltsa.start_s[0])
            self.plot.setLabel("bottom", "Time from the first recording", units="s")
        freqs = ltsa.freqs_hz
        df = float(freqs[1] - freqs[0]) if freqs.size > 1 else 1.0
        width_s = ltsa.n_columns * ltsa.interval_s
        self.image.setImage(np.ascontiguousarray(ltsa.db, dtype=np.float32), levels=(floor_db, ceiling_db),
                            autoLevels=False)
        self.image.setLookupTable(lookup_table(colormap_name))
        self.image.setRect(self.x0, float(freqs[0]) - df / 2, width_s, df * freqs.size)
        y0, y1 = float(freqs[0]) - df / 2, float(freqs[-1]) + df / 2
        self.vb.setLimits(xMin=self.x0, xMax=self.x0 + width_s, yMin=y0, yMax=y1)
        self.vb.setRange(xRange=(self.x0, self.x0 + width_s), yRange=(y0, y1), padding=0)
        if self.colour_bar is None:
            self.colour_bar = pg.ColorBarItem(values=(floor_db, ceiling_db), colorMap=colormap(colormap_name),
                                              interactive=False, label="dBFS")
            self.colour_bar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
        else:
            self.colour_bar.setColorMap(colormap(colormap_name))
            self.colour_bar.setLevels((floor_db, ceiling_db))
        gaps = int(np.count_nonzero(ltsa.column_source < 0)) if ltsa.sources else int(
            np.count_nonzero(np.isnan(ltsa.db).all(axis=0)))
        span = _span_text(width_s)
        start = f" from {ltsa.origin.isoformat(sep=' ')}" if dated else ""
        self.title.setText(f"{os.path.basename(ltsa.path)}: {ltsa.n_columns} columns of {ltsa.interval_s:g} s "
                           f"({span}){start}, {len(ltsa.sources)} recordings, {gaps} gap columns (grey)"
                           + ("" if ltsa.sources else "; written without its sources: clicks open nothing"))
        self.readout.setText("click a column to open its recording in the File tab")

    # --- pointer -> column -> recording -----------------------------------------
    def column_at_x(self, x: float) -> int | None:
        """The column under view coordinate `x`, or None outside the LTSA."""
        if self.ltsa is None:
            return None
        return self.ltsa.column_at(x - self.x0 + float(self.ltsa.start_s[0]))

    def _view_pos(self, scene_pos):
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            return None
        return self.vb.mapSceneToView(scene_pos)

    def click_column(self, column: int) -> bool:
        """Open the recording of `column` (emit :attr:`open_source`); False for a gap or a column without one."""
        found = self.ltsa.source_at(column) if self.ltsa is not None else None
        if found is None:
            self.readout.setText(f"column {column}: no recording (a gap)")
            return False
        path, offset_s = found
        self.readout.setText(f"opening {os.path.basename(path)} at {offset_s:.1f} s")
        self.open_source.emit(path, offset_s)
        return True

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        pos = self._view_pos(event.scenePos())
        column = self.column_at_x(pos.x()) if pos is not None else None
        if column is not None:
            self.click_column(column)

    def _on_move(self, scene_pos) -> None:
        pos = self._view_pos(scene_pos)
        ltsa = self.ltsa
        column = self.column_at_x(pos.x()) if pos is not None else None
        if column is None or ltsa is None:
            return
        k = int(np.clip(np.searchsorted(ltsa.freqs_hz, pos.y()), 0, ltsa.freqs_hz.size - 1))
        if k > 0 and abs(ltsa.freqs_hz[k - 1] - pos.y()) < abs(ltsa.freqs_hz[k] - pos.y()):
            k -= 1
        level = ltsa.db[k, column]
        when = self._when(column)
        found = ltsa.source_at(column)
        where = (f"{os.path.basename(found[0])} +{found[1]:.1f} s" if found is not None else "no recording")
        value = "gap" if np.isnan(level) else f"{level:.1f} dBFS"
        self.readout.setText(f"{when}, {ltsa.freqs_hz[k]:.1f} Hz: {value}; {where}")

    def _when(self, column: int) -> str:
        ltsa = self.ltsa
        t = float(ltsa.start_s[column])
        if ltsa.origin is None:
            return f"{t:.1f} s"
        return (ltsa.origin + timedelta(seconds=t)).isoformat(sep=" ")


def _span_text(span_s: float) -> str:
    if span_s >= 2 * 86400:
        return f"{span_s / 86400:.1f} days"
    if span_s >= 2 * 3600:
        return f"{span_s / 3600:.1f} h"
    return f"{span_s / 60:.1f} min" if span_s >= 120 else f"{span_s:g} s"
