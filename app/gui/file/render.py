"""Drawing the file view: a screen-sized image from the best data for the visible range.

Thread: the Qt GUI thread (a mixin of :class:`~specscope.app.gui.file.view.FileView`).

The data are the whole-file max-pooled overview, or a range computed at full
STFT resolution (or pooled to twice the screen width) once the view is zoomed
in past the overview's resolution: the **detail** tile, computed by a
background job after the view has been still for :data:`DETAIL_DELAY_MS`.
Columns are max-pooled down to at most one per pixel and bins mapped to rows
by :class:`~specscope.dsp.freq_scales.BinRowMap`, both with
:func:`specscope.dsp.pooling.max_pool`, so nothing narrow is lost when Qt
scales the image.  On the linear scale with no more bins in view than pixels,
row r is one bin and the image spans ``(k0 - 1/2) Δf .. (k1 + 1/2) Δf``: bin
k's row is centred at exactly ``k fs / (n_fft zero_pad)`` Hz.
"""

from __future__ import annotations

import math

import numpy as np
from PyQt6.QtCore import QRectF

from specscope.app.analysis.file_analysis import OVERVIEW_MAX_CELLS, ColumnBlock, Tile
from specscope.dsp.freq_scales import BinRowMap, make_row_map
from specscope.dsp.overview import frames_per_column
from specscope.dsp.pooling import max_pool, uniform_starts

REFRESH_DELAY_MS = 15
"""Redraw after this long without another view change."""
DETAIL_DELAY_MS = 120
"""Start computing a zoomed range after the view has been still this long."""


class RenderMixin:
    """Image drawing and the zoomed-in detail job."""

    def _pixels(self) -> tuple[int, int]:
        r = self.vb.sceneBoundingRect()
        return max(16, int(r.width())), max(16, int(r.height()))

    def _best_tile(self, x0: float, x1: float) -> Tile | None:
        d = self.detail_tile
        if d is not None and d.n_cols_done > 0:
            t0 = d.t0_s
            t1 = t0 + d.n_cols_done * d.col_s
            ov = self.overview_tile
            if t0 <= x0 + 1e-9 and x1 - 1e-9 <= t1 and (ov is None or d.col_s < ov.col_s):
                return d
        return self.overview_tile

    def refresh(self) -> None:
        """Redraw the image for the visible range from the best data available."""
        if self.overview_tile is None or self.cfg is None:
            return
        cfg = self.cfg
        x0, x1 = self.visible_time_range_s()
        tile = self._best_tile(x0, x1)
        if tile is None:
            return
        w_px, h_px = self._pixels()
        span = x1 - x0
        # Columns covering the view plus half a view each side, so short pans show data at once.
        ca = max(0, math.floor((x0 - 0.5 * span - tile.t0_s) / tile.col_s))
        cb = min(tile.n_cols, math.ceil((x1 + 0.5 * span - tile.t0_s) / tile.col_s))
        if tile is self.overview_tile and not self._overview_ready:
            return
        if cb <= ca:
            self.image.hide()
            return
        visible_cols = max(1.0, span / tile.col_s)
        group = max(1, math.ceil(visible_cols / w_px))
        ca -= ca % group
        nyq = float(cfg.freqs_hz[-1])
        f_lo, f_hi = self.visible_freq_range_hz()
        f_span = f_hi - f_lo
        f_lo, f_hi = self.scale.clamp_range(max(0.0, f_lo - 0.25 * f_span), min(nyq, f_hi + 0.25 * f_span), nyq)
        key = (id(tile), id(tile.db), tile.n_cols, ca, cb, group, f_lo, f_hi, h_px, self.scale.name)
        dirty, self._dirty_cols = self._dirty_cols, None
        if key == self._image_key and self._image_data is not None and self.row_map is not None:
            if dirty is None or dirty[1] <= ca or dirty[0] >= cb:
                self._refresh_readout()
                return
            # Same layout: recompute only the display columns that cover changed data columns.
            j0 = (max(dirty[0], ca) - ca) // group
            j1 = min(self._image_data.shape[1], -(-(min(dirty[1], cb) - ca) // group))
            self._image_data[:, j0:j1] = self._display_columns(tile, ca + j0 * group, min(cb, ca + j1 * group),
                                                               group, self.row_map)
            self.image.updateImage(self._image_data)
            self._refresh_readout()
            return
        # At most one row per pixel: Qt draws a scaled image by sampling, which could skip a row.
        row_map = make_row_map(self.scale, cfg.delta_f_hz, cfg.n_freqs, f_lo, f_hi, max_rows=h_px, n_rows=h_px)
        self.row_map = row_map
        img = self._display_columns(tile, ca, cb, group, row_map)
        self._image_data, self._image_key = img, key
        self.image.setImage(img, autoLevels=False, levels=(self.display.floor_db, self.display.ceiling_db),
                            lut=self._lut)
        x_left = tile.t0_s + ca * tile.col_s
        self.image.setRect(QRectF(x_left, row_map.u_lo, img.shape[1] * group * tile.col_s,
                                  row_map.u_hi - row_map.u_lo))
        self.image.show()
        self.shown_tile = tile
        self.shown_group = group
        self._refresh_readout()

    @staticmethod
    def _display_columns(tile: Tile, c0: int, c1: int, group: int, row_map: BinRowMap) -> np.ndarray:
        """Image columns for data columns ``c0 .. c1``: max over `group` columns, then over each row's bins."""
        if row_map.bins_are_rows:
            k0, k1 = int(row_map.first_bin[0]), int(row_map.last_bin[-1]) + 1
            data = tile.db[k0:k1, c0:c1]
        else:
            data = tile.db[:, c0:c1]
        if group > 1:
            data = max_pool(data, uniform_starts(data.shape[1], group), axis=1)
        if not row_map.bins_are_rows:
            data = row_map.apply(data)
        if np.shares_memory(data, tile.db):  # the image is written in place later: never the tile's own array
            return np.array(data, dtype=np.float32, order="C")
        return np.ascontiguousarray(data, dtype=np.float32)

    def displayed_image(self) -> tuple[np.ndarray, QRectF]:
        """The image now drawn (rows x columns, dBFS, row 0 at the bottom) and its rectangle in (s, u)."""
        return self.image.image, self.image.mapRectToParent(self.image.boundingRect())

    # --- zoomed-in detail ------------------------------------------------------------------
    def _request_detail(self) -> None:
        a, ov = self.analysis, self.overview_tile
        if a is None or ov is None:
            return
        x0, x1 = self.visible_time_range_s()
        span = max(x1 - x0, a.cfg.hop_s)
        w_px, _ = self._pixels()
        if ov.fpc == 1 or span / ov.col_s >= 0.9 * w_px:  # the overview is fine enough already
            self._drop_detail()
            return
        first, n = a.frame_span(x0 - 0.5 * span, x1 + 0.5 * span)
        max_cols = max(1, min(2 * w_px, OVERVIEW_MAX_CELLS // a.cfg.n_freqs))  # memory bound for very fine bins
        d = self.detail_tile
        if d is not None and d.complete and self._best_tile(x0, x1) is d and d.fpc <= frames_per_column(n, max_cols):
            return  # what is shown is as fine as a new computation would be
        want = (first, n, max_cols)
        if want == self._detail_want and self.jobs.running("detail"):
            return
        self._detail_want = want
        layout = a.range_layout(first, n, max_cols)
        self._detail_pending = layout  # becomes the detail tile with its first block
        f0, nf, fpc = layout.first_frame, layout.n_frames, layout.fpc

        def run(cancelled, ch) -> None:
            a.range_blocks(f0, nf, fpc, cancelled, on_block=ch.block)
            ch.result(None)

        self.jobs.start("detail", run)

    def _drop_detail(self) -> None:
        self.jobs.cancel("detail")
        self._detail_want = None
        self._detail_pending = None
        if self.detail_tile is not None:
            self.detail_tile = None
            self._refresh_timer.start()

    def _on_detail_block(self, block: ColumnBlock) -> None:
        if self._detail_pending is not None:
            self.detail_tile, self._detail_pending = self._detail_pending, None
        if self.detail_tile is None:
            return
        self.detail_tile.apply(block)
        self._refresh_timer.start()
