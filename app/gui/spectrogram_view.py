"""The scrolling spectrogram: a ring of image tiles on a time (s) by
frequency axis, with a colour bar and cursor readout.

Thread: the Qt GUI thread.

Each tile is a pyqtgraph ``ImageItem`` holding ``TILE_COLS`` columns (frames)
(plus a copy of the next tile's first column, see :class:`~specscope.app.gui.spectrogram_tiles.Tile`)
of row-major float32 data, drawn with fixed levels and a 256-entry lookup
table.  A new frame writes one column into the newest tile; scrolling moves the
view's time range (the "view offset"), so per repaint only the tile that
received columns is re-rendered and no array is shifted.  When the ring is full
the oldest tile is reused for the newest frames.

Scrolling: the tiles sit at their absolute times inside one item (the
"strip", which paints every visible tile's screen-size pixmap in one call;
the tiles themselves are not in the scene); the view's time axis is fixed at ``-span .. 0`` s (0 = the right edge
of the newest frame) and each repaint only moves the strip by the view offset
``t_ref_s``.  The axes therefore never change while scrolling and Qt repaints
only the image area.

Placement: tile rows come from a :class:`~specscope.dsp.freq_scales.BinRowMap`.
On the linear scale row r is bin ``k0 + r`` and the image spans
``(k0 - 1/2) Δf .. (k1 + 1/2) Δf``, so the centre of bin k's row sits at
exactly ``k fs / (N zero_pad)`` Hz.  Column j of a tile whose first frame is
centred at t0 spans ``t0 + (j - 1/2) hop_s .. t0 + (j + 1/2) hop_s``.

The cursor readout, the frame under the cursor and browsing while paused are in
:mod:`~specscope.app.gui.spectrogram_browse` (the readout logic shared with the
spectrum panel, :class:`~specscope.app.gui.hover.HoverReadout`).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QRectF, Qt, pyqtSignal
from PyQt6.QtWidgets import QGraphicsView

from specscope.app.live.history import FrameHistory
from specscope.app.model.level_display import DBFS, LevelDisplay
from specscope.dsp.config import StftConfig
from specscope.dsp.freq_scales import BinRowMap, FrequencyScale, LinearScale, make_row_map

from .axes import FrequencyAxis, TimeAxis, cache_axis
from .colormaps import DEFAULT_COLORMAP, colormap, lookup_table
from .spectrogram_browse import SpectrogramBrowsing
from .spectrogram_tiles import EMPTY_DB, TILE_COLS, Strip, Tile, TileImage

__all__ = ["EMPTY_DB", "TILE_COLS", "SpectrogramView"]

LOG_MEL_ROWS = 1024
"""Rows of the image on log and mel scales (evenly spaced in the scale's coordinate)."""
LINEAR_MAX_ROWS = 4096
"""Linear scale: up to this many bins in range each get a row; beyond, rows take the maximum of several bins."""
DEFAULT_SPAN_S = 10.0
SMOOTH_MAX_LAG_S = 0.1
"""Smooth scrolling trails the newest frame by at most this (s); a larger gap is closed at once."""
SMOOTH_CATCH_UP = 0.25
"""Fraction of the gap to the aim (one batch behind the newest column) closed per repaint."""
BATCH_AVERAGING = 0.05
"""Weight of a new batch in the running mean of the batch duration."""


class SpectrogramView(SpectrogramBrowsing, pg.PlotWidget):
    """Scrolling spectrogram with time and frequency axes and a colour bar.

    Signals
    -------
    readout(str)
        Cursor readout (time, Hz, bin, bin centre, level in :attr:`level_display`'s unit) as the mouse
        moves, and again when the view changes under a still cursor (zoom, pan, Home/End, new settings;
        while running at most 10 times a second as the frames scroll by); ``''`` when it leaves the image.
    frame_at_cursor(object, float)
        While paused: the history frame under the cursor (dBFS per bin, a copy) and its time as the axis
        shows it (s); when the cursor leaves, the frame at the right edge of the view.  For the spectrum
        panel: the spectrum at the cursor.

    Paused, the wheel scrolls through time (vertical or horizontal wheel, a tenth of the view per
    step) and Ctrl+wheel zooms time around the cursor, as in Audacity; drag pans; ←/→/Home/End jump.
    """

    readout = pyqtSignal(str)
    frame_at_cursor = pyqtSignal(object, float)

    def __init__(self, parent=None) -> None:
        self.freq_axis = FrequencyAxis("left")
        self.time_axis = TimeAxis("bottom")
        super().__init__(parent, axisItems={"left": self.freq_axis, "bottom": self.time_axis})
        self.time_axis.setLabel("Time, 0 = newest frame", units="s")
        # Dirty rects are not widened by 2 px for antialiasing: otherwise new data touching the plot's
        # edge repaints the neighbouring axes (their tick labels) on every frame.
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.plotItem.layout.setContentsMargins(2, 10, 6, 2)  # room for the top tick labels
        self.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrow keys scroll a paused view
        vb = self.getViewBox()
        vb.disableAutoRange()
        vb.setMouseEnabled(x=False, y=False)
        self.floor_db, self.ceiling_db = -120.0, 0.0
        self.colormap_name = DEFAULT_COLORMAP
        self._lut = lookup_table(self.colormap_name)
        self.colorbar = pg.ColorBarItem(values=(self.floor_db, self.ceiling_db), colorMap=colormap(self.colormap_name),
                                        interactive=False, width=14, label=f"Level ({DBFS.unit})")
        self.level_display = DBFS
        """Unit and offset of the colour bar and the readout (the images hold dBFS)."""
        self.plotItem.layout.addItem(self.colorbar, 2, 5)
        cache_axis(self.colorbar.axis)
        self.plotItem.layout.setColumnFixedWidth(4, 5)
        self.span_s = DEFAULT_SPAN_S
        self.paused = False
        self.history: FrameHistory | None = None
        self.cfg: StftConfig | None = None
        self.scale: FrequencyScale = LinearScale()
        self.f_range_hz = (0.0, math.inf)
        self.row_map: BinRowMap | None = None
        self.tiles: list[Tile] = []
        self._max_tiles = 2
        self._free: list[Tile] = []
        self._bounds_stale = False
        """A tile was placed since the strip last measured its bounds (see :meth:`refresh`)."""
        self.last_time_s: float | None = None
        self.t_ref_s = 0.0
        """Absolute time (s) shown at view x = 0: the strip sits at x = -t_ref_s."""
        self.strip = Strip()
        self.addItem(self.strip)
        self._arrival_s = np.zeros(1, dtype=np.float64)
        self.paint_latencies_s: list[float] = []
        self._last_painted_seq = -1
        self._newest_seq = -1
        self._visible_seq = -1
        self._follow_wall_s: float | None = None
        self._batch_s = 0.0
        """Running mean of the time spanned by one batch of frames from the pipeline (s)."""
        self._init_hover()
        self.getViewBox().sigXRangeChanged.connect(lambda *_: self._refresh_readout(force=True))
        self.viewport().installEventFilter(self)

    # --- configuration ------------------------------------------------------
    def set_view(self, history: FrameHistory, scale: FrequencyScale, f_min_hz: float = 0.0,
                 f_max_hz: float = math.inf) -> None:
        """Show `history` on `scale` between two frequencies (Hz); redraws everything from the history.

        Raises
        ------
        ValueError
            If the frequency range is empty for this scale.
        """
        cfg = history.cfg
        row_map = make_row_map(scale, cfg.delta_f_hz, cfg.n_freqs, f_min_hz, f_max_hz,
                               max_rows=LINEAR_MAX_ROWS, n_rows=LOG_MEL_ROWS)
        self.history, self.cfg, self.scale, self.row_map = history, cfg, scale, row_map
        self.f_range_hz = (f_min_hz, f_max_hz)
        self.freq_axis.set_scale(scale)
        self.tiles, self._free = [], []
        self.strip.tiles = self.tiles
        self.strip.update_bounds()
        self._bounds_stale = False
        self._max_tiles = math.ceil(history.capacity / TILE_COLS) + 2
        self._arrival_s = np.zeros(history.capacity, dtype=np.float64)
        self.last_time_s = None
        self._follow_wall_s = None
        self._newest_seq = self._visible_seq = self._last_painted_seq = -1
        self.setYRange(row_map.u_lo, row_map.u_hi, padding=0.0)
        if not self.paused:
            self.setXRange(-self.span_s, 0.0, padding=0.0)
        if len(history):
            db, times = history.ordered()
            self._write(row_map.apply(db), times, history.first_seq, time.perf_counter())
            self.refresh()
        self._refresh_readout(force=True)

    def set_level_display(self, levels: LevelDisplay) -> None:
        """Colour bar and readout in `levels`' unit (dB SPL when calibrated); the images stay dBFS."""
        self.level_display = levels
        self.colorbar.getAxis("left").setLabel(f"Level ({levels.unit})")  # where ColorBarItem puts its label
        self._show_colorbar_levels()
        self._refresh_readout(force=True)

    def _show_colorbar_levels(self) -> None:
        lv = self.level_display
        self.colorbar.setLevels((lv.shown_db(self.floor_db), lv.shown_db(self.ceiling_db)))

    def set_levels(self, floor_db: float, ceiling_db: float) -> None:
        """Colour range in dBFS: `floor_db` maps to the first LUT entry, `ceiling_db` to the last."""
        if not floor_db < ceiling_db:
            raise ValueError(f"dB floor must be below the ceiling, got {floor_db:g} and {ceiling_db:g}")
        self.floor_db, self.ceiling_db = float(floor_db), float(ceiling_db)
        self._show_colorbar_levels()
        for tile in self.tiles:
            tile.item.setLevels((self.floor_db, self.ceiling_db))
        self.strip.update()

    def set_colormap(self, name: str) -> None:
        """Use the colour map `name` (see :data:`~specscope.app.gui.colormaps.COLORMAP_NAMES`)."""
        cmap = colormap(name)
        self.colormap_name = name
        self._lut = lookup_table(name)
        self.colorbar.setColorMap(cmap)
        for tile in self.tiles:
            tile.item.setLookupTable(self._lut)
        self.strip.update()

    def set_span(self, span_s: float) -> None:
        """Visible time span in seconds (1 to 60)."""
        if not 1.0 <= span_s <= 60.0:
            raise ValueError(f"time span must be 1..60 s, got {span_s:g}")
        self.span_s = float(span_s)
        if not self.paused:
            self._follow()

    def set_paused(self, paused: bool) -> None:
        """Freeze the display (new frames are not drawn); the time axis can then be dragged and zoomed."""
        self.paused = bool(paused)
        self.getViewBox().setMouseEnabled(x=self.paused, y=False)
        if not self.paused:
            self._follow()

    # --- data ---------------------------------------------------------------
    def append(self, db: np.ndarray, times_s: np.ndarray, first_seq: int) -> None:
        """Add frames already appended to the history.

        Parameters
        ----------
        db : numpy.ndarray
            (m, n_freqs) dBFS.
        times_s : numpy.ndarray
            (m,) frame centre times in s.
        first_seq : int
            History sequence number of the first of them.
        """
        if self.row_map is None or db.shape[0] == 0:
            return
        self._write(self.row_map.apply(db.T), times_s, first_seq, time.perf_counter())
        if self.cfg is not None:
            self._batch_s += BATCH_AVERAGING * (db.shape[0] * self.cfg.hop_s - self._batch_s)

    def _write(self, rows: np.ndarray, times_s: np.ndarray, first_seq: int, now_s: float) -> None:
        assert self.cfg is not None and self.row_map is not None
        hop_s = self.cfg.hop_s
        for j in range(rows.shape[1]):
            t = float(times_s[j])
            seq = first_seq + j
            tile = self.tiles[-1] if self.tiles else None
            contiguous = tile is not None and abs(t - (tile.t0_s + tile.n * hop_s)) <= 0.5 * hop_s
            if tile is None or tile.n == TILE_COLS or not contiguous:
                if contiguous:
                    tile.data[:, TILE_COLS] = rows[:, j]
                    tile.dirty = True
                tile = self._new_tile(t, seq)
            tile.data[:, tile.n] = rows[:, j]
            tile.n += 1
            tile.dirty = True
            tile.item.last_seq = seq
            self._newest_seq = seq
            self._arrival_s[seq % self._arrival_s.shape[0]] = now_s
        if rows.shape[1]:
            self.last_time_s = float(times_s[rows.shape[1] - 1])

    def _new_tile(self, t0_s: float, seq0: int) -> Tile:
        assert self.cfg is not None and self.row_map is not None
        if len(self.tiles) >= self._max_tiles:
            tile = self.tiles.pop(0)
            tile.data.fill(EMPTY_DB)
        elif self._free:
            tile = self._free.pop()
        else:
            tile = Tile(TileImage(), self.row_map.n_rows)
            tile.item.setImage(tile.data, autoLevels=False, levels=(self.floor_db, self.ceiling_db), lut=self._lut)
        tile.n, tile.seq0, tile.t0_s = 0, seq0, t0_s
        hop_s = self.cfg.hop_s
        rm = self.row_map
        tile.rect = QRectF(t0_s - 0.5 * hop_s, rm.u_lo, (TILE_COLS + 1) * hop_s, rm.u_hi - rm.u_lo)
        tile.item.setRect(tile.rect)  # its transform maps pixel (column, row) to strip coordinates
        self.tiles.append(tile)
        self._bounds_stale = True  # applied at the next repaint tick: a geometry change here would add a paint
        return tile

    def refresh(self, now_s: float | None = None) -> None:
        """Push written columns to their images and, unless paused, scroll.

        Call from the repaint timer; only tiles that received columns are
        re-rendered.  Scrolling is smooth: the view offset advances with the
        wall clock between batches of frames, never past the newest frame's
        right edge, and jumps to it when it lags by more than
        ``SMOOTH_MAX_LAG_S``.
        """
        changed = False
        if self._bounds_stale:
            self.strip.update_bounds()
            self._bounds_stale = False
        for tile in self.tiles:
            if tile.dirty:
                tile.item.updateImage(tile.data)
                tile.dirty = False
                changed = True
        if changed:
            self.strip.update()
        if not self.paused:
            self._follow(time.perf_counter() if now_s is None else now_s)
            self._refresh_readout()

    def _follow(self, now_s: float | None = None) -> None:
        """Scroll: x = 0 is the view offset t_ref_s; the axis stays fixed at -span .. 0."""
        x0, x1 = self.getViewBox().viewRange()[0]
        if (x0, x1) != (-self.span_s, 0.0):
            self.setXRange(-self.span_s, 0.0, padding=0.0)
        if self.last_time_s is None or self.cfg is None:
            return
        now_s = time.perf_counter() if now_s is None else now_s
        target = self.last_time_s + 0.5 * self.cfg.hop_s
        if self._follow_wall_s is None or target - self.t_ref_s > SMOOTH_MAX_LAG_S or target < self.t_ref_s - 1e-9:
            t_ref = target
        else:
            # Advance with the wall clock and close a fraction of the remaining gap each repaint, so the
            # view trails the newest column by about one batch of frames instead of keeping an initial lag.
            # The aim trails the newest column by one typical batch, so the view moves on every repaint
            # even between batches instead of stopping at the newest column and jumping on the next.
            aim = target - self._batch_s
            t_ref = self.t_ref_s + max(0.0, now_s - self._follow_wall_s)
            t_ref = min(target, t_ref + SMOOTH_CATCH_UP * (aim - t_ref))
        self._follow_wall_s = now_s
        # Scroll by whole device pixels: the tiles' device-pixel caches are reused only for integer shifts.
        px_per_s = self.getViewBox().width() * self.devicePixelRatioF() / self.span_s
        if px_per_s > 0:
            grid = round(t_ref * px_per_s)
            if grid / px_per_s > target:
                grid = math.floor(target * px_per_s)
            t_ref = grid / px_per_s
        self.t_ref_s = t_ref
        self.strip.setPos(-t_ref, 0.0)
        # Newest column whose right edge is on screen (for the latency measurement).
        self._visible_seq = self._newest_seq - math.floor((target - t_ref) / self.cfg.hop_s + 1e-9)

    def eventFilter(self, obj, ev) -> bool:
        """Viewport paint events: a column is on screen once a paint follows its scrolling into view."""
        if ev.type() == QEvent.Type.Paint:
            self._on_painted(self._visible_seq)
        return False

    def _on_painted(self, seq: int) -> None:
        if seq > self._last_painted_seq and self._arrival_s.shape[0] > 1:
            self._last_painted_seq = seq
            self.paint_latencies_s.append(time.perf_counter() - self._arrival_s[seq % self._arrival_s.shape[0]])
            if len(self.paint_latencies_s) > 10000:
                del self.paint_latencies_s[:5000]

    # --- queries --------------------------------------------------------------
    def image_items(self) -> list[pg.ImageItem]:
        """The tiles' ImageItems, oldest first."""
        return [tile.item for tile in self.tiles]

    def displayed_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """All columns held by the tiles, oldest first.

        Returns
        -------
        rows : numpy.ndarray
            (n_rows, n) float32: the data the images draw.
        times_s : numpy.ndarray
            (n,) centre time of each column.
        """
        assert self.cfg is not None
        if not self.tiles:
            return np.empty((self.row_map.n_rows if self.row_map else 0, 0), np.float32), np.empty(0)
        rows = np.concatenate([t.data[:, : t.n] for t in self.tiles], axis=1)
        times = np.concatenate([t.t0_s + np.arange(t.n) * self.cfg.hop_s for t in self.tiles])
        return rows, times
