"""The waveform strip above the file view's spectrogram, sharing its time axis.

Thread: the Qt GUI thread (:class:`WaveformStrip` and :class:`WaveformMixin`
of :class:`~specscope.app.gui.file.view.FileView`).  The min/max pyramid is
built by a background job (:func:`~specscope.app.analysis.waveform_pyramid.pyramid_blocks`)
whose read-only blocks arrive by queued signal and are assembled here; zoomed
in below :data:`~specscope.app.analysis.waveform_pyramid.BIN_FRAMES` frames
per pixel, a second job reads the samples of the visible range.

Drawing: one row per channel.  Zoomed out, each pixel is a vertical stroke
from its minimum to its maximum (the curve zigzags min, max, min ... one
point per pixel edge, so nothing between two pixels is skipped); at
four samples per pixel or fewer, the samples joined by lines.  The amplitude axis
is linear (-1 .. 1) or dBFS: ``y = sign(x) max(0, 1 + 20 log10|x| / DB_RANGE)``,
labelled in dB.  The play line and the selection are drawn on every row.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QTimer, pyqtSignal
from PyQt6.QtWidgets import QSizePolicy

from specscope.app.analysis.waveform_pyramid import (
    WavePyramid,
    envelope_of_samples,
    pyramid_blocks,
    read_range,
)

from .jobs import JobBoard

DB_RANGE = 60.0
"""dBFS axis: from 0 dBFS down to -DB_RANGE (below that, the centre line)."""
ROW_MIN_HEIGHT_PX = 28
"""The strip is never lower (every row then shows its centre line and envelope, labelled 0)."""
STRIP_HEIGHT_PX = 110
"""Default height of the strip (all rows)."""
REDRAW_DELAY_MS = 20
SAMPLE_LINES_SPP = 4.0
"""At this many samples per pixel or fewer, the samples are joined by lines (else per-pixel min/max)."""


def to_display(x: np.ndarray, db: bool) -> np.ndarray:
    """Amplitude -> row coordinate: the sample itself, or its signed dBFS mapped to -1 .. 1."""
    if not db:
        return x
    with np.errstate(divide="ignore", invalid="ignore"):
        level = 1.0 + 20.0 * np.log10(np.abs(x)) / DB_RANGE
    return np.sign(x) * np.clip(np.nan_to_num(level, nan=0.0, neginf=0.0), 0.0, 1.0)


class AmplitudeAxis(pg.AxisItem):
    """Left axis of a row: -1 .. 1, or dBFS (0, -20, -40 and -inf at the centre)."""

    def __init__(self) -> None:
        super().__init__("left")
        self.db = False
        self.enableAutoSIPrefix(False)

    def set_db(self, db: bool) -> None:
        self.db = db
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):
        if size < 40:  # a very short row: only the centre line is labelled
            return [(1.0, [0.0])]
        short = size < 70  # a short row: fewer labels, so they do not touch the next row's
        if self.db:
            major = [1.0 - d / DB_RANGE for d in ((20,) if short else (0, 20, 40))]
            return [(1.0, major + [-v for v in major] + [0.0])]
        if short:
            return [(0.5, [-0.5, 0.0, 0.5])]
        return [(1.0, [-1.0, 0.0, 1.0]), (0.5, [-0.5, 0.5])]

    def tickStrings(self, values, scale, spacing):
        if not self.db:
            return [f"{v:g}" for v in values]
        return ["-∞" if abs(v) < 1e-9 else f"{-(1.0 - abs(v)) * DB_RANGE:.0f}" for v in values]


class WaveformStrip(pg.GraphicsLayoutWidget):
    """Rows of min/max envelopes, one per channel, without their own time axis."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground("k")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(ROW_MIN_HEIGHT_PX)
        self.ci.layout.setContentsMargins(0, 2, 0, 0)
        self.ci.layout.setSpacing(1)
        self.rows: list[pg.PlotItem] = []
        self.curves: list[pg.PlotCurveItem] = []
        self.playheads: list[pg.InfiniteLine] = []
        self.regions: list[pg.LinearRegionItem] = []
        self.db = False

    def set_channels(self, n: int, x_link: pg.ViewBox) -> None:
        """One row per channel, x linked to the spectrogram's view box."""
        self.ci.clear()
        self.rows, self.curves, self.playheads, self.regions = [], [], [], []
        for c in range(n):
            axis = AmplitudeAxis()
            axis.set_db(self.db)
            row = self.addPlot(row=c, col=0, axisItems={"left": axis})
            row.hideAxis("bottom")
            row.setMenuEnabled(False)
            row.hideButtons()
            row.setMouseEnabled(x=False, y=False)
            row.vb.disableAutoRange()
            row.setYRange(-1.05, 1.05, padding=0)
            row.setXLink(x_link)
            if n > 1:  # the channel's name pinned in the row's corner (an axis label would not fit short rows)
                name = pg.TextItem(f"ch {c + 1}", color=(200, 200, 200), anchor=(0, 0))
                name.setParentItem(row.vb)
                name.setPos(2, 0)
            curve = pg.PlotCurveItem(pen=pg.mkPen((120, 200, 255), width=1), antialias=False)
            row.addItem(curve)
            region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(255, 255, 255, 45),
                                         pen=pg.mkPen((255, 255, 255, 160)))
            region.setZValue(10)
            region.hide()
            row.addItem(region)
            head = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((80, 255, 120), width=2))
            head.setZValue(20)
            head.hide()
            row.addItem(head)
            self.rows.append(row)
            self.curves.append(curve)
            self.regions.append(region)
            self.playheads.append(head)

    def set_db(self, db: bool) -> None:
        self.db = bool(db)
        for row in self.rows:
            row.getAxis("left").set_db(self.db)

    def set_axis_width(self, width_px: int) -> None:
        for row in self.rows:
            row.getAxis("left").setWidth(width_px)

    def pixels(self) -> int:
        return max(16, int(self.rows[0].vb.width())) if self.rows else 16


class WaveformMixin:
    """The strip's data, jobs and redraws (a mixin of the file view)."""

    waveform_ready = pyqtSignal(float)
    """The whole file's envelope is drawn (seconds since the file was opened)."""

    def _build_waveform(self) -> None:
        self.waveform = WaveformStrip()
        self.waveform.setMinimumHeight(ROW_MIN_HEIGHT_PX)
        self.wave_pyramid: WavePyramid | None = None
        self.wave_samples: tuple[int, np.ndarray] | None = None
        self.t_waveform_first_s: float | None = None
        self.t_waveform_done_s: float | None = None
        self._wave_want: tuple[int, int] | None = None
        self.wave_jobs = JobBoard(self)
        self.wave_jobs.block.connect(self._on_wave_block)
        self.wave_jobs.result.connect(self._on_wave_result)
        self.wave_jobs.failed.connect(lambda kind, job_id, msg: self.wave_jobs.forget(kind, job_id))
        self._wave_timer = QTimer(self, singleShot=True, interval=REDRAW_DELAY_MS)
        self._wave_timer.timeout.connect(self.redraw_waveform)
        self.vb.sigRangeChanged.connect(lambda *_: self._wave_timer.start())
        self.vb.sigResized.connect(lambda *_: self._sync_wave_geometry())
        self.player.position_changed.connect(self._on_wave_play_position)

    def set_waveform_db(self, db: bool) -> None:
        """Amplitude axis in dBFS (True) or linear."""
        self.waveform.set_db(db)
        self.redraw_waveform()

    def _start_waveform(self, analysis, new_file: bool) -> None:
        if not new_file and self.wave_pyramid is not None:
            return
        info = analysis.info
        self.wave_jobs.cancel_all()
        self.wave_pyramid = WavePyramid(info.frames, info.channels, info.fs_hz)
        self.wave_samples = None
        self._wave_want = None
        self.t_waveform_first_s = self.t_waveform_done_s = None
        self.waveform.set_channels(self.wave_pyramid.channels, self.vb)
        height = max(STRIP_HEIGHT_PX, ROW_MIN_HEIGHT_PX * self.wave_pyramid.channels)
        self.waveform.setMinimumHeight(ROW_MIN_HEIGHT_PX)
        self._wave_split_heights(height)
        path = analysis.path

        def run(cancelled, ch) -> None:
            pyramid_blocks(path, cancelled, ch.block)
            ch.result(None)

        self.wave_jobs.start("pyramid", run)
        self._sync_wave_geometry()

    def _wave_split_heights(self, strip_px: int) -> None:
        split = getattr(self, "wave_split", None)
        if split is not None:
            total = max(1, split.height())
            strip_px = min(strip_px, total // 4)  # the spectrogram keeps most of a small window
            split.setSizes([strip_px, max(1, total - strip_px)])

    def _on_wave_block(self, kind: str, job_id: int, block) -> None:
        if not self.wave_jobs.is_current(kind, job_id):
            return
        if kind == "pyramid" and self.wave_pyramid is not None:
            self.wave_pyramid.apply(block)
            if self.t_waveform_first_s is None:
                self.t_waveform_first_s = time.monotonic() - self._t_load_s
            self._wave_timer.start()

    def _on_wave_result(self, kind: str, job_id: int, value) -> None:
        if not self.wave_jobs.is_current(kind, job_id):
            return
        self.wave_jobs.forget(kind, job_id)
        if kind == "pyramid":
            self.redraw_waveform()
            self.t_waveform_done_s = time.monotonic() - self._t_load_s
            self.waveform_ready.emit(self.t_waveform_done_s)
        elif kind == "samples":
            self.wave_samples = value
            self.redraw_waveform()

    def _want_samples(self, f0: int, f1: int) -> None:
        span = f1 - f0
        first = max(0, f0 - span // 2)
        n = span * 2 + 2
        have = self.wave_samples
        if have is not None and have[0] <= f0 and have[0] + have[1].shape[0] >= min(f1, self.wave_pyramid.frames):
            return
        if self._wave_want == (first, n) and self.wave_jobs.running("samples"):
            return
        self._wave_want = (first, n)
        path = self.path

        def run(cancelled, ch) -> None:
            ch.result((first, read_range(path, first, n)))

        self.wave_jobs.start("samples", run)

    def redraw_waveform(self) -> None:
        """Draw the envelopes (or samples) of the visible range on every row."""
        p = self.wave_pyramid
        if p is None or not self.waveform.rows:
            return
        t0, t1 = self.visible_time_range_s()
        n_px = self.waveform.pixels()
        env = p.envelope(t0, t1, n_px)
        db = self.waveform.db
        if env is not None:
            x = t0 + (t1 - t0) * np.arange(n_px) / n_px
            xs = np.repeat(x, 2)
            for c, curve in enumerate(self.waveform.curves):
                ys = np.empty(2 * n_px, dtype=np.float32)
                ys[0::2], ys[1::2] = env[0][:, c], env[1][:, c]
                ok = np.isfinite(ys)
                curve.setData(xs[ok], to_display(ys[ok], db), connect="all")
            return
        f0, f1 = max(0, int(t0 * p.fs_hz)), min(p.frames, int(np.ceil(t1 * p.fs_hz)) + 1)
        self._want_samples(f0, f1)
        have = self.wave_samples
        if have is None:
            return
        first, samples = have
        a, b = max(0, f0 - first), min(samples.shape[0], f1 - first)
        spp = (t1 - t0) * p.fs_hz / n_px
        for c, curve in enumerate(self.waveform.curves):
            if spp <= SAMPLE_LINES_SPP:  # sample level: the samples joined by lines
                xs = (first + np.arange(a, b)) / p.fs_hz
                curve.setData(xs, to_display(samples[a:b, c], db), connect="all")
            else:
                lo, hi = envelope_of_samples(samples[:, c: c + 1], first, t0 * p.fs_hz, t1 * p.fs_hz, n_px)
                ys = np.empty(2 * n_px, dtype=np.float32)
                ys[0::2], ys[1::2] = lo[:, 0], hi[:, 0]
                xs = np.repeat(t0 + (t1 - t0) * np.arange(n_px) / n_px, 2)
                ok = np.isfinite(ys)
                curve.setData(xs[ok], to_display(ys[ok], db), connect="all")

    def waveform_curve(self, channel: int) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) drawn on a row now (tests)."""
        curve = self.waveform.curves[channel]
        return curve.xData, curve.yData

    # --- alignment, play line, selection --------------------------------------------
    def _sync_wave_geometry(self) -> None:
        """Give the rows the spectrogram's left and right edges, so both share one time axis on screen."""
        if not self.waveform.rows:
            return
        width = int(self.freq_axis.width())
        self.waveform.set_axis_width(width)
        spec = self.vb.mapRectToScene(self.vb.boundingRect())
        origin = self.waveform.mapToGlobal(self.waveform.rect().topLeft()).x()
        spec_left = self.plot.mapToGlobal(self.plot.mapFromScene(spec.topLeft())).x() - origin
        spec_right = self.plot.mapToGlobal(self.plot.mapFromScene(spec.topRight())).x() - origin
        _, t, _, b = self.waveform.ci.layout.getContentsMargins()
        # Absolute margins (no feedback): the row's box spans exactly the spectrogram's box on screen.
        left = max(0.0, spec_left - width)
        right = max(0.0, self.waveform.width() - spec_right)
        self.waveform.ci.layout.setContentsMargins(left, t, right, b)
        self._wave_timer.start()

    def _on_wave_play_position(self, t_s: float) -> None:
        for head in self.waveform.playheads:
            head.setPos(t_s)
            head.show()

    def _draw_selection(self, t0: float, t1: float, f_pair) -> None:
        super()._draw_selection(t0, t1, f_pair)
        for region in self.waveform.regions:
            region.setRegion((t0, t1))
            region.show()

    def clear_selection(self) -> None:
        super().clear_selection()
        for region in self.waveform.regions:
            region.hide()
