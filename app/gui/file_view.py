"""The file view: a whole recording as one navigable spectrogram.

Thread: the Qt GUI thread.  All analysis runs in background jobs
(:mod:`specscope.app.analysis.file_analysis`); their results arrive here as queued
signals and are drawn; a job whose result is no longer wanted (the file, the
settings or the view changed) is cancelled and its late results are dropped by
a generation number.

What is on screen is always a screen-sized image computed from the best data
available for the visible range: the whole-file max-pooled overview, or a
range computed at full STFT resolution (or pooled to the screen width) once
the view is zoomed in past the overview's resolution.  Columns are max-pooled
down to at most one per pixel and bins mapped to rows by
:class:`~specscope.dsp.freq_scales.BinRowMap` (maximum of the bins each row
covers), so nothing narrow is lost when Qt scales the image.  On the linear
scale with no more bins in view than pixels, row r is one bin and the image
spans ``(k0 - 1/2) Δf .. (k1 + 1/2) Δf``: bin k's row is centred at exactly
``k fs / (n_fft zero_pad)`` Hz.

Mouse and keys
--------------
* wheel: zoom time about the pointer; Ctrl+wheel: zoom frequency; Shift+wheel: pan time;
* drag: pan; Shift+drag: select a time range; Shift+Ctrl+drag: select a time and frequency box;
* click: move the play position there;
* keys: ``+``/``-`` zoom time, ``Ctrl++``/``Ctrl+-`` zoom frequency, arrows pan,
  ``Home`` or ``0`` shows everything, ``Z`` zooms to the selection, ``Space``
  play/pause, ``P`` play the selection, ``Esc`` clears the selection.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QKeyEvent, QKeySequence
from PyQt6.QtWidgets import (
    QFileDialog,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from specscope.app.analysis.file_analysis import (
    MAX_EXPORT_BYTES,
    OVERVIEW_MAX_CELLS,
    BackgroundJob,
    FileAnalysis,
    SelectionSpectrum,
    Tile,
    one_line_error,
)
from specscope.app.model.readouts import cursor_readout, peak_label
from specscope.dsp.config import StftConfig
from specscope.dsp.freq_scales import BinRowMap, FrequencyScale, make_row_map, make_scale
from specscope.dsp.overview import frames_per_column, pool_columns

from .axes import FrequencyAxis, TimeAxis
from .colormaps import DEFAULT_COLORMAP, colormap, lookup_table
from .spectrum_panel import SpectrumPanel

DEFAULT_SETTINGS = {"n_fft": 2048, "hop": 512, "window": "hann", "zero_pad": 1, "channel": "mix"}
"""Analysis settings of a new file view (hop n_fft / 4, as ``specscope export``)."""
CONFIG_KEYS = frozenset(DEFAULT_SETTINGS)
REFRESH_DELAY_MS = 15
"""Redraw after this long without another view change."""
DETAIL_DELAY_MS = 120
"""Start computing a zoomed range after the view has been still this long."""
WHEEL_ZOOM_PER_STEP = 1.25
"""Zoom factor per wheel notch (120 units)."""
HINT = ("wheel: zoom time · Ctrl+wheel: zoom Hz · drag: pan · Shift+drag: select time (Ctrl: and Hz) · "
        "click: seek · Space: play/pause · P: play selection · Z: zoom to selection · Home: show all")
PAN_FRACTION = 0.2
"""Arrow keys move the view by this fraction of its span."""


CLOCK_TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400)
"""Tick spacings of the h:mm:ss axis from one second up (below a second: 1, 2, 5 x 10^k)."""


def format_clock(t_s: float, with_hours: bool, decimals: int | None = None) -> str:
    """``'1:02:03.5'`` (h:mm:ss) or ``'62.5'`` (seconds) for a time in seconds.

    `decimals` fixes the digits after the seconds' point; None shows one
    only when the time is not a whole second.
    """
    if not with_hours:
        return f"{t_s:g}"
    sign = "-" if t_s < 0 else ""
    t_s = abs(t_s)
    if decimals is None:
        decimals = 1 if abs(t_s - round(t_s)) > 1e-6 else 0
    t_s = round(t_s, decimals)
    h = int(t_s // 3600)
    m = int((t_s - 3600 * h) // 60)
    s = t_s - 3600 * h - 60 * m
    s_text = f"{s:0{3 + decimals}.{decimals}f}" if decimals else f"{round(s):02d}"
    return f"{sign}{h}:{m:02d}:{s_text}"


class ClockTimeAxis(TimeAxis):
    """Seconds axis that switches its labels to h:mm:ss for recordings of an hour or more."""

    def __init__(self, orientation: str = "bottom", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.clock = False

    def set_clock(self, clock: bool) -> None:
        self.clock = clock
        self.setLabel("Time", units="h:mm:ss" if clock else "s")
        self.picture = None
        self.update()

    def tickSpacing(self, minVal, maxVal, size):
        if not self.clock:
            return super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        target = span / max(2.0, size / 110.0)  # about one label per 110 px
        if target < 1.0:
            return super().tickSpacing(minVal, maxVal, size)
        major = next((st for st in CLOCK_TICK_STEPS_S if st >= target), CLOCK_TICK_STEPS_S[-1])
        minor = next((st for st in reversed(CLOCK_TICK_STEPS_S) if st <= major / 4), major / 5)
        return [(float(major), 0.0), (float(minor), 0.0)]

    def tickStrings(self, values, scale, spacing):
        if not self.clock:
            return super().tickStrings(values, scale, spacing)
        decimals = 0 if spacing >= 1.0 else min(6, math.ceil(-math.log10(spacing) - 1e-9))
        return [format_clock(v, True, decimals) for v in values]


class _FileViewBox(pg.ViewBox):
    """ViewBox with the file view's mouse rules (see the module docstring)."""

    def __init__(self, view: FileView) -> None:
        super().__init__(enableMenu=False)
        self._view = view
        self._select_origin: QPointF | None = None

    def wheelEvent(self, ev, axis=None) -> None:
        delta = ev.delta() if hasattr(ev, "delta") else ev.angleDelta().y()
        mods = ev.modifiers()
        factor = WHEEL_ZOOM_PER_STEP ** (-delta / 120.0)
        centre = self.mapSceneToView(ev.scenePos())
        if mods & Qt.KeyboardModifier.ShiftModifier:
            self._view.pan_time(-0.1 * delta / 120.0)
        elif mods & Qt.KeyboardModifier.ControlModifier:
            self._view.zoom_freq(factor, centre.y())
        else:
            self._view.zoom_time(factor, centre.x())
        ev.accept()

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        mods = ev.modifiers()
        if self._select_origin is None and not (mods & Qt.KeyboardModifier.ShiftModifier):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        p = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            self._select_origin = self.mapSceneToView(ev.buttonDownScenePos())
        if self._select_origin is None:
            return
        with_freq = bool(mods & Qt.KeyboardModifier.ControlModifier)
        o = self._select_origin
        self._view._drag_selection(o.x(), p.x(), (o.y(), p.y()) if with_freq else None, ev.isFinish())
        if ev.isFinish():
            self._select_origin = None

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._view.seek(self.mapSceneToView(ev.scenePos()).x())
        else:
            ev.ignore()


class _Bridge(QObject):
    """Signals a background job emits; Qt queues them to the GUI thread."""

    overview = pyqtSignal(object, int)  # Tile, generation
    detail = pyqtSignal(object, int)
    selection = pyqtSignal(object, int)  # SelectionSpectrum
    selection_progress = pyqtSignal(int, int)  # percent, generation
    exported = pyqtSignal(str, int)
    progress = pyqtSignal(int, int, int)
    finished = pyqtSignal(int)
    failed = pyqtSignal(str, int)


class FileView(QWidget):
    """A whole audio file as a zoomable spectrogram with readouts, selection, playback and export.

    Signals
    -------
    error(str)
        One-line message when a file cannot be opened or analysed, or a setting is invalid.
    loaded(str)
        The file's first view is on screen (path).
    progress(int, int)
        Frames of the whole-file overview done, of the total.
    analysis_finished(str)
        The whole-file overview is complete (path).
    selection_changed(str)
        The status line for the selection (``''`` when cleared).
    readout(str)
        Cursor readout under the mouse (time, Hz, bin and bin centre, dBFS).
    exported(str)
        A file was written by :meth:`export_data` (path).
    """

    error = pyqtSignal(str)
    loaded = pyqtSignal(str)
    progress = pyqtSignal(int, int)
    analysis_finished = pyqtSignal(str)
    selection_changed = pyqtSignal(str)
    readout = pyqtSignal(str)
    exported = pyqtSignal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self._settings = dict(DEFAULT_SETTINGS)
        self.scale: FrequencyScale = make_scale("linear")
        self.floor_db, self.ceiling_db = -120.0, 0.0
        self.colormap_name = DEFAULT_COLORMAP
        self._lut = lookup_table(self.colormap_name)
        self.path: str | None = None
        self.analysis: FileAnalysis | None = None
        self.overview_tile: Tile | None = None
        self.detail_tile: Tile | None = None
        self.shown_tile: Tile | None = None
        self.row_map: BinRowMap | None = None
        self.selection: tuple[float, float, float | None, float | None] | None = None
        self.selection_result: SelectionSpectrum | None = None
        self.status_text = ""
        self._generation = 0
        self._detail_generation = 0
        self._selection_generation = 0
        self._jobs: dict[str, BackgroundJob] = {}
        self._detail_want: tuple[int, int, int] | None = None
        self.t_first_view_s: float | None = None
        self._t_load_s = 0.0
        self._overview_ready = False
        self.shown_group = 1
        self._ov_seen_cols = 0
        self._dirty_cols: tuple[int, int] | None = None
        self._image_key: tuple | None = None
        self._image_data: np.ndarray | None = None
        self._bridge = _Bridge()
        self._bridge.overview.connect(self._on_overview)
        self._bridge.detail.connect(self._on_detail)
        self._bridge.selection.connect(self._on_selection)
        self._bridge.selection_progress.connect(self._on_selection_progress)
        self._bridge.exported.connect(self._on_exported)
        self._bridge.progress.connect(self._on_progress)
        self._bridge.finished.connect(self._on_finished)
        self._bridge.failed.connect(self._on_failed)
        self._build_ui()
        from .playback import Player

        self.player = Player(self)
        self.player.position_changed.connect(self._on_play_position)
        self.player.state_changed.connect(self._on_play_state)
        self.player.failed.connect(self.error)
        self._sync_play_button()

    # --- construction ---------------------------------------------------------
    def _build_ui(self) -> None:
        self.freq_axis = FrequencyAxis("left")
        self.time_axis = ClockTimeAxis("bottom")
        self.vb = _FileViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self.vb, axisItems={"left": self.freq_axis, "bottom": self.time_axis})
        self.plot.setMenuEnabled(False)
        self.plot.plotItem.hideButtons()
        self.vb.disableAutoRange()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(self._lut)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(self.floor_db, self.ceiling_db), colorMap=colormap(self.colormap_name),
                                        interactive=False, width=14, label="Level (dBFS)")
        self.plot.plotItem.layout.addItem(self.colorbar, 2, 5)
        self.plot.plotItem.layout.setColumnFixedWidth(4, 5)
        self.sel_rect = QGraphicsRectItem()
        self.sel_rect.setPen(pg.mkPen((255, 255, 255, 220), width=1, cosmetic=True))
        self.sel_rect.setBrush(pg.mkBrush(255, 255, 255, 40))
        self.sel_rect.setZValue(10)
        self.sel_rect.hide()
        self.plot.addItem(self.sel_rect)
        self.playhead = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((80, 255, 120), width=2))
        self.playhead.setZValue(20)
        self.plot.addItem(self.playhead)
        self.playhead.hide()

        self.spectrum = SpectrumPanel()
        # Same top and bottom margins as the panel, so the linked frequency axes line up pixel for pixel.
        _, top, _, bottom = self.spectrum.plotItem.layout.getContentsMargins()
        left, _, right, _ = self.plot.plotItem.layout.getContentsMargins()
        self.plot.plotItem.layout.setContentsMargins(left, top, right, bottom)
        self.spectrum.setYLink(self.plot)
        self.spectrum.set_levels(self.floor_db, self.ceiling_db)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("analysing %p %")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop analysing the file (what is computed stays on screen)")
        self.cancel_button.clicked.connect(self.cancel)
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.toggle_play)
        self.export_png_button = QPushButton("Export PNG…")
        self.export_png_button.setToolTip("The view as shown, or the selection zoomed to, with axes and colour bar")
        self.export_png_button.clicked.connect(self._ask_export_png)
        self.export_data_button = QPushButton("Export data…")
        self.export_data_button.setToolTip("The selection (or the visible time range) at full resolution, NPZ or CSV")
        self.export_data_button.clicked.connect(self._ask_export_data)
        self.status = QLabel("")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout_label = QLabel(HINT)
        self._set_busy(False)

        self.file_label = QLabel("no file")
        top = QHBoxLayout()
        for w in (self.play_button, self.export_png_button, self.export_data_button):
            top.addWidget(w)
        top.addWidget(self.file_label, 1)
        top.addWidget(self.progress_bar, 1)
        top.addWidget(self.cancel_button)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.plot)
        split.addWidget(self.spectrum)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addWidget(self.readout_label)
        lay.addWidget(self.status)

        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._png_wait: tuple[str, float] | None = None
        self._png_timer = QTimer(self, interval=50)
        self._png_timer.timeout.connect(self._poll_png)
        self._detail_timer = QTimer(self, singleShot=True, interval=DETAIL_DELAY_MS)
        self._detail_timer.timeout.connect(self._request_detail)
        self.vb.sigRangeChanged.connect(self._on_range_changed)
        self.vb.sigResized.connect(self._on_range_changed)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._keys = {
            QKeySequence("Space"): self.toggle_play,
            QKeySequence("P"): self.play_selection,
            QKeySequence("Escape"): self.clear_selection,
            QKeySequence("Home"): self.show_all,
            QKeySequence("Z"): self.zoom_to_selection,
            QKeySequence("0"): self.show_all,
            QKeySequence("+"): lambda: self.zoom_time(1 / 1.5),
            QKeySequence("="): lambda: self.zoom_time(1 / 1.5),
            QKeySequence("-"): lambda: self.zoom_time(1.5),
            QKeySequence("Ctrl++"): lambda: self.zoom_freq(1 / 1.5),
            QKeySequence("Ctrl+="): lambda: self.zoom_freq(1 / 1.5),
            QKeySequence("Ctrl+-"): lambda: self.zoom_freq(1.5),
            QKeySequence("Left"): lambda: self.pan_time(-PAN_FRACTION),
            QKeySequence("Right"): lambda: self.pan_time(PAN_FRACTION),
            QKeySequence("Up"): lambda: self.pan_freq(PAN_FRACTION),
            QKeySequence("Down"): lambda: self.pan_freq(-PAN_FRACTION),
        }
        # Keys are taken before the window's shortcuts (Space pauses the live view there) while the
        # file view has the focus: ShortcutOverride is accepted for them, then the key press is handled.
        for w in (self, self.plot, self.plot.viewport(), self.spectrum, self.spectrum.viewport()):
            w.installEventFilter(self)

    def _key_slot(self, ev: QKeyEvent):
        mods = ev.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        return self._keys.get(QKeySequence(ev.key() | mods.value))

    def eventFilter(self, obj, ev) -> bool:
        kind = ev.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            slot = self._key_slot(ev)
            if slot is not None:
                ev.accept()
                if kind == QEvent.Type.KeyPress:
                    slot()
                return True
        return super().eventFilter(obj, ev)

    # --- public API -------------------------------------------------------------
    @property
    def cfg(self) -> StftConfig | None:
        return self.analysis.cfg if self.analysis is not None else None

    def settings(self) -> dict:
        """The analysis settings (n_fft, hop, window, zero_pad, channel)."""
        return dict(self._settings)

    def load(self, path: str) -> None:
        """Open `path` and start analysing it in the background.

        On a file that cannot be read, emits :attr:`error` with a one-line
        message and keeps showing the previous file.
        """
        try:
            analysis = self._make_analysis(os.fspath(path), self._settings)
        except Exception as err:  # a bad file or setting: one line, previous view kept
            self.error.emit(one_line_error(err))
            return
        self._start(analysis, keep_view=False)

    def set_config(self, cfg_changes: dict) -> None:
        """Change analysis settings (``n_fft``, ``hop``, ``window``, ``zero_pad``, ``channel``) and recompute.

        Invalid values emit :attr:`error` and change nothing.
        """
        unknown = set(cfg_changes) - CONFIG_KEYS
        if unknown:
            self.error.emit(f"unknown file-view setting(s): {', '.join(sorted(unknown))}")
            return
        new = dict(self._settings)
        new.update(cfg_changes)
        if self.path is None:
            try:
                self._config_for(48000.0, new, 1)
            except Exception as err:
                self.error.emit(one_line_error(err))
                return
            self._settings = new
            return
        try:
            analysis = self._make_analysis(self.path, new)
        except Exception as err:
            self.error.emit(one_line_error(err))
            return
        self._settings = new
        self._start(analysis, keep_view=True)

    def set_display(self, scale: str | None = None, floor_db: float | None = None,
                    ceiling_db: float | None = None, colormap_name: str | None = None) -> None:
        """Frequency scale (``linear``, ``log``, ``mel``), level range in dBFS and colour map; redraws."""
        if colormap_name is not None:
            self._lut = lookup_table(colormap_name)
            self.colormap_name = colormap_name
            self.image.setLookupTable(self._lut)
            self.colorbar.setColorMap(colormap(colormap_name))
        if floor_db is not None or ceiling_db is not None:
            lo = self.floor_db if floor_db is None else float(floor_db)
            hi = self.ceiling_db if ceiling_db is None else float(ceiling_db)
            if not lo < hi:
                self.error.emit(f"level floor ({lo:g} dBFS) must be below the ceiling ({hi:g} dBFS)")
                return
            self.floor_db, self.ceiling_db = lo, hi
            self.colorbar.setLevels((lo, hi))
            self.image.setLevels((lo, hi))
            self.spectrum.set_levels(lo, hi)
        if scale is not None and scale != self.scale.name:
            f_lo, f_hi = self.visible_freq_range_hz()
            self.scale = make_scale(scale)
            self.freq_axis.set_scale(self.scale)
            if self.cfg is not None:
                self._set_limits()
                nyq = float(self.cfg.freqs_hz[-1])
                f_lo, f_hi = self.scale.clamp_range(f_lo, f_hi, nyq)
                self.vb.setYRange(float(self.scale.transform(f_lo)), float(self.scale.transform(f_hi)), padding=0)
                self._update_spectrum_panel_view()
        self.refresh()

    def cancel(self) -> None:
        """Stop all background analysis now; what has been computed stays on screen."""
        for job in self._jobs.values():
            job.cancel()
        self._jobs.clear()
        self._generation += 1
        self._detail_generation += 1
        self._selection_generation += 1
        self._set_busy(False)

    def background_jobs(self) -> list[BackgroundJob]:
        """The jobs started and not yet forgotten (for tests and shutdown)."""
        return list(self._jobs.values())

    def shutdown(self, timeout_s: float = 2.0) -> None:
        """Cancel everything, stop playback and wait for the job threads (call on window close)."""
        jobs = list(self._jobs.values())
        self.cancel()
        self.player.stop()
        for job in jobs:
            job.join(timeout_s)

    def dragEnterEvent(self, ev) -> None:
        if ev.mimeData().hasUrls() and any(u.isLocalFile() for u in ev.mimeData().urls()):
            ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        paths = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if paths:
            ev.acceptProposedAction()
            self.load(paths[0])

    def closeEvent(self, ev) -> None:
        self.shutdown()
        super().closeEvent(ev)

    # --- view control -------------------------------------------------------------
    def visible_time_range_s(self) -> tuple[float, float]:
        (x0, x1), _ = self.vb.viewRange()
        return float(x0), float(x1)

    def visible_freq_range_hz(self) -> tuple[float, float]:
        _, (u0, u1) = self.vb.viewRange()
        return float(self.scale.inverse(u0)), float(self.scale.inverse(u1))

    def set_time_range(self, t0_s: float, t1_s: float) -> None:
        self.vb.setXRange(t0_s, t1_s, padding=0)

    def set_freq_range(self, f_lo_hz: float, f_hi_hz: float) -> None:
        self.vb.setYRange(float(self.scale.transform(f_lo_hz)), float(self.scale.transform(f_hi_hz)), padding=0)

    def show_all(self) -> None:
        if self.overview_tile is None:
            return
        x0, x1 = self.overview_tile.time_extent_s
        self.vb.setRange(xRange=(x0, x1), yRange=self._u_limits(), padding=0)

    def zoom_time(self, factor: float, centre_s: float | None = None) -> None:
        x0, x1 = self.visible_time_range_s()
        c = 0.5 * (x0 + x1) if centre_s is None else centre_s
        self.vb.setXRange(c + (x0 - c) * factor, c + (x1 - c) * factor, padding=0)

    def zoom_freq(self, factor: float, centre_u: float | None = None) -> None:
        _, (u0, u1) = self.vb.viewRange()
        c = 0.5 * (u0 + u1) if centre_u is None else centre_u
        self.vb.setYRange(c + (u0 - c) * factor, c + (u1 - c) * factor, padding=0)

    def pan_time(self, fraction: float) -> None:
        x0, x1 = self.visible_time_range_s()
        d = fraction * (x1 - x0)
        self.vb.setXRange(x0 + d, x1 + d, padding=0)

    def pan_freq(self, fraction: float) -> None:
        _, (u0, u1) = self.vb.viewRange()
        d = fraction * (u1 - u0)
        self.vb.setYRange(u0 + d, u1 + d, padding=0)

    # --- analysis lifecycle -----------------------------------------------------------
    @staticmethod
    def _config_for(fs_hz: float, settings: dict, n_channels: int) -> StftConfig:
        ch = settings["channel"]
        if ch != "mix":
            if isinstance(ch, bool) or not isinstance(ch, (int, str)) or not str(ch).isdigit():
                raise ValueError(f"channel must be 'mix' or a 0-based channel index, got {ch!r}")
            if int(ch) >= n_channels:
                raise ValueError(f"channel {int(ch)} does not exist: the file has {n_channels} channel(s)")
        return StftConfig(fs_hz=fs_hz, n_fft=settings["n_fft"], hop=settings["hop"], window=settings["window"],
                          zero_pad=settings["zero_pad"])

    def _make_analysis(self, path: str, settings: dict) -> FileAnalysis:
        from specscope.app.io.audio_file import open_audio

        with open_audio(path) as reader:
            info = reader.info
        cfg = self._config_for(info.fs_hz, settings, info.channels)
        channel = settings["channel"] if settings["channel"] == "mix" else int(settings["channel"])
        analysis = FileAnalysis(path, cfg, channel, info)
        if analysis.n_frames < 1:
            raise ValueError(f"{path}: {info.frames} samples is shorter than one frame (n_fft {cfg.n_fft})")
        return analysis

    def _start(self, analysis: FileAnalysis, keep_view: bool) -> None:
        old_view = (self.visible_time_range_s(), self.visible_freq_range_hz()) if keep_view else None
        self.cancel()
        self.player.stop()
        self._generation += 1
        gen = self._generation
        self._t_load_s = time.monotonic()
        self.t_first_view_s = None
        new_file = analysis.path != self.path
        self.path = analysis.path
        self.analysis = analysis
        self.overview_tile = analysis.empty_overview()
        self._overview_ready = False
        self._ov_seen_cols = 0
        self._dirty_cols = None
        self._image_key = None
        self.detail_tile = None
        self._detail_want = None
        self.selection_result = None
        if new_file:
            self.clear_selection()
        self.player.set_source(analysis.path, analysis.channel, analysis.cfg.fs_hz, analysis.info.duration_s)
        self._sync_play_button()
        self.time_axis.set_clock(analysis.info.duration_s >= 3600.0)
        info = analysis.info
        channel = "mix" if analysis.channel == "mix" else f"channel {analysis.channel}"
        self.file_label.setText(f"{os.path.basename(analysis.path)}: {format_clock(round(info.duration_s, 1), True)}, "
                                f"{info.channels} ch, {channel} | {analysis.cfg.describe()}")
        self.file_label.setToolTip(f"{analysis.path}\n{info.encoding}")
        warning = getattr(info, "warning", None) if getattr(info, "truncated", False) else None
        if warning and self.selection is None:
            self._set_status(str(warning))
        self._set_limits()
        self._update_spectrum_panel_view()
        if old_view is not None:
            (t0, t1), (f0, f1) = old_view
            nyq = float(analysis.cfg.freqs_hz[-1])
            f0, f1 = self.scale.clamp_range(f0, min(f1, nyq), nyq)
            self.vb.setRange(xRange=(t0, t1), yRange=(float(self.scale.transform(f0)),
                                                      float(self.scale.transform(f1))), padding=0)
        else:
            self.show_all()
        tile = self.overview_tile
        bridge = self._bridge

        def run(cancelled) -> None:
            analysis.preview(tile, cancelled)
            bridge.overview.emit(tile, gen)
            analysis.overview(tile, cancelled,
                              progress=lambda done, total: bridge.progress.emit(done, total, gen),
                              on_update=lambda t: bridge.overview.emit(t, gen))
            bridge.finished.emit(gen)

        self._set_busy(True)
        self.progress_bar.setValue(0)
        self._jobs["overview"] = BackgroundJob(
            run, on_error=lambda msg: bridge.failed.emit(msg, gen), name="specscope-overview").start()
        if self.selection is not None:
            self._start_selection_job()

    def _set_limits(self) -> None:
        if self.overview_tile is None:
            return
        x0, x1 = self.overview_tile.time_extent_s
        u0, u1 = self._u_limits()
        cfg = self.overview_tile.cfg
        self.vb.setLimits(xMin=x0, xMax=x1, yMin=u0, yMax=u1, minXRange=4 * cfg.hop_s,
                          minYRange=float(self.scale.transform(4 * cfg.delta_f_hz) - self.scale.transform(0.0))
                          if self.scale.name == "linear" else 1e-3 * (u1 - u0))

    def _u_limits(self) -> tuple[float, float]:
        cfg = self.cfg
        assert cfg is not None
        nyq = float(cfg.freqs_hz[-1])
        lo, hi = self.scale.clamp_range(0.0, nyq, nyq)
        if self.scale.name == "linear":
            lo, hi = cfg.freq_extent_hz
        return float(self.scale.transform(lo)), float(self.scale.transform(hi))

    def _update_spectrum_panel_view(self) -> None:
        cfg = self.cfg
        if cfg is None:
            return
        nyq = float(cfg.freqs_hz[-1])
        lo, hi = self.scale.clamp_range(0.0, nyq, nyq)
        self.spectrum.set_view(cfg, self.scale, lo, hi)
        self.spectrum.setYLink(self.plot)
        if self.selection_result is not None:
            self._show_selection_spectrum(self.selection_result)

    def _set_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)

    # --- job results (GUI thread) ---------------------------------------------------
    def _on_overview(self, tile: Tile, gen: int) -> None:
        if gen != self._generation or tile is not self.overview_tile:
            return
        if self.t_first_view_s is None:
            self._overview_ready = True
            self.refresh()
            self.t_first_view_s = time.monotonic() - self._t_load_s
            self.loaded.emit(self.path or "")
            self._detail_timer.start()
            return
        # Only the columns the pass reached since the last update changed (plus the partial ones at its front).
        done = tile.n_cols_done
        lo, hi = max(0, self._ov_seen_cols - 1), min(tile.n_cols, done + 2)
        self._ov_seen_cols = done
        if self._dirty_cols is not None:
            lo, hi = min(lo, self._dirty_cols[0]), max(hi, self._dirty_cols[1])
        self._dirty_cols = (lo, hi)
        if self.shown_tile is None or self.shown_tile is tile:
            self._refresh_timer.start()

    def _on_progress(self, done: int, total: int, gen: int) -> None:
        if gen != self._generation:
            return
        self.progress_bar.setValue(int(1000 * done / max(1, total)))
        self.progress.emit(done, total)

    def _on_finished(self, gen: int) -> None:
        if gen != self._generation:
            return
        self._jobs.pop("overview", None)
        self._set_busy(False)
        self.refresh()
        self.analysis_finished.emit(self.path or "")

    def _on_failed(self, message: str, gen: int) -> None:
        if gen != self._generation:
            return
        self._jobs.pop("overview", None)
        self._set_busy(False)
        self.error.emit(message)

    # --- drawing --------------------------------------------------------------------
    def _on_range_changed(self, *args) -> None:
        self._refresh_timer.start()
        self._detail_timer.start()

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
        key = (id(tile), tile.n_cols, ca, cb, group, f_lo, f_hi, h_px, self.scale.name)
        dirty, self._dirty_cols = self._dirty_cols, None
        if key == self._image_key and self._image_data is not None and self.row_map is not None:
            if dirty is None or dirty[1] <= ca or dirty[0] >= cb:
                return
            # Same layout: recompute only the display columns that cover changed data columns.
            j0 = (max(dirty[0], ca) - ca) // group
            j1 = min(self._image_data.shape[1], -(-(min(dirty[1], cb) - ca) // group))
            self._image_data[:, j0:j1] = self._display_columns(tile, ca + j0 * group, min(cb, ca + j1 * group),
                                                               group, self.row_map)
            self.image.updateImage(self._image_data)
            return
        # At most one row per pixel: Qt draws a scaled image by sampling, which could skip a row.
        row_map = make_row_map(self.scale, cfg.delta_f_hz, cfg.n_freqs, f_lo, f_hi, max_rows=h_px, n_rows=h_px)
        self.row_map = row_map
        img = self._display_columns(tile, ca, cb, group, row_map)
        self._image_data, self._image_key = img, key
        self.image.setImage(img, autoLevels=False, levels=(self.floor_db, self.ceiling_db), lut=self._lut)
        x_left = tile.t0_s + ca * tile.col_s
        self.image.setRect(QRectF(x_left, row_map.u_lo, img.shape[1] * group * tile.col_s,
                                  row_map.u_hi - row_map.u_lo))
        self.image.show()
        self.shown_tile = tile
        self.shown_group = group

    @staticmethod
    def _display_columns(tile: Tile, c0: int, c1: int, group: int, row_map: BinRowMap) -> np.ndarray:
        """Image columns for data columns ``c0 .. c1``: max over `group` columns, then over each row's bins."""
        if row_map.bins_are_rows:
            k0, k1 = int(row_map.first_bin[0]), int(row_map.last_bin[-1]) + 1
            block = pool_columns(tile.db[k0:k1, c0:c1], group)
        else:
            block = row_map.apply(pool_columns(tile.db[:, c0:c1], group))
        return np.ascontiguousarray(block, dtype=np.float32)

    def displayed_image(self) -> tuple[np.ndarray, QRectF]:
        """The image now drawn (rows x columns, dBFS, row 0 at the bottom) and its rectangle in (s, u)."""
        return self.image.image, self.image.mapRectToParent(self.image.boundingRect())

    # --- zoomed-in detail ----------------------------------------------------------------
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
        if want == self._detail_want and "detail" in self._jobs:
            return
        self._detail_want = want
        if "detail" in self._jobs:
            self._jobs.pop("detail").cancel()
        self._detail_generation += 1
        gen = self._detail_generation
        bridge = self._bridge

        def run(cancelled) -> None:
            a.range_tile(first, n, max_cols, cancelled, on_update=lambda t: bridge.detail.emit(t, gen))

        self._jobs["detail"] = BackgroundJob(run, on_error=lambda msg: bridge.failed.emit(msg, self._generation),
                                             name="specscope-detail").start()

    def _drop_detail(self) -> None:
        if "detail" in self._jobs:
            self._jobs.pop("detail").cancel()
        self._detail_generation += 1
        self._detail_want = None
        if self.detail_tile is not None:
            self.detail_tile = None
            self._refresh_timer.start()

    def _on_detail(self, tile: Tile, gen: int) -> None:
        if gen != self._detail_generation:
            return
        self.detail_tile = tile
        if tile.complete:
            self._jobs.pop("detail", None)
        self._refresh_timer.start()

    # --- cursor readout --------------------------------------------------------------------
    def spectrum_at(self, t_s: float) -> np.ndarray | None:
        """dBFS per bin of the data column drawn at time `t_s`: one frame, or the maximum of the frames it covers."""
        tile = self.shown_tile
        if tile is None:
            return None
        c = tile.column_at(t_s)
        if c is None or (tile is not self.overview_tile and c >= tile.n_cols_done):
            return None
        return tile.db[:, c]

    def readout_at(self, t_s: float, u: float) -> str:
        """Cursor readout at time `t_s` and display coordinate `u`."""
        cfg = self.cfg
        if cfg is None:
            return ""
        f_hz = float(self.scale.inverse(u))
        text = cursor_readout(f_hz, cfg, self.spectrum_at(t_s), t_s)
        if self.time_axis.clock:
            text = text.replace(f"t {t_s:.3f} s", f"t {format_clock(round(t_s, 3), True)}", 1)
        return text

    def _on_mouse_moved(self, pos: QPointF) -> None:
        if self.cfg is None or not self.vb.sceneBoundingRect().contains(pos):
            return
        p = self.vb.mapSceneToView(pos)
        text = self.readout_at(p.x(), p.y())
        self.readout_label.setText(text)
        self.readout.emit(text)
        if self.selection is None:  # without a selection the panel follows the pointer
            db = self.spectrum_at(p.x())
            if db is not None:
                self.spectrum.show_frame(db, None, 0.0)

    # --- selection ---------------------------------------------------------------------------
    def _drag_selection(self, t_a: float, t_b: float, u_pair: tuple[float, float] | None, finished: bool) -> None:
        f_pair = None
        if u_pair is not None:
            f_pair = tuple(sorted(float(self.scale.inverse(u)) for u in u_pair))
        self._draw_selection(min(t_a, t_b), max(t_a, t_b), f_pair)
        if finished:
            lo, hi = f_pair if f_pair is not None else (None, None)
            self.set_selection(min(t_a, t_b), max(t_a, t_b), lo, hi)

    def _draw_selection(self, t0: float, t1: float, f_pair: tuple[float, float] | None) -> None:
        if f_pair is None:
            u0, u1 = self._u_limits() if self.cfg is not None else (0.0, 1.0)
        else:
            u0, u1 = (float(self.scale.transform(f)) for f in f_pair)
        self.sel_rect.setRect(QRectF(t0, u0, t1 - t0, u1 - u0))
        self.sel_rect.show()

    def set_selection(self, t0_s: float, t1_s: float, f_lo_hz: float | None = None,
                      f_hi_hz: float | None = None) -> None:
        """Select a time range (and optionally a frequency band) and compute its averaged spectrum."""
        t0_s, t1_s = sorted((float(t0_s), float(t1_s)))
        self.selection = (t0_s, t1_s, f_lo_hz, f_hi_hz)
        self.selection_result = None
        self._draw_selection(t0_s, t1_s, None if f_lo_hz is None else (f_lo_hz, f_hi_hz))
        self._start_selection_job()

    def clear_selection(self) -> None:
        self.selection = None
        self.selection_result = None
        self.sel_rect.hide()
        self.spectrum.curve.clear()
        self.spectrum.reset_hold()
        self.spectrum.show_peak(None)
        if "selection" in self._jobs:
            self._jobs.pop("selection").cancel()
        self._selection_generation += 1
        self._set_status("")
        self.selection_changed.emit("")

    def _start_selection_job(self) -> None:
        a = self.analysis
        if a is None or self.selection is None:
            return
        if "selection" in self._jobs:
            self._jobs.pop("selection").cancel()
        self._selection_generation += 1
        gen = self._selection_generation
        t0, t1, f_lo, f_hi = self.selection
        bridge = self._bridge

        shown = [-1]

        def progress(done: int, total: int) -> None:
            pct = 100 * done // max(1, total)
            if pct != shown[0]:
                shown[0] = pct
                bridge.selection_progress.emit(pct, gen)

        def run(cancelled) -> None:
            bridge.selection.emit(a.selection_spectrum(t0, t1, f_lo, f_hi, cancelled, progress), gen)

        self._set_status("selection: computing…")
        self._jobs["selection"] = BackgroundJob(
            run, on_error=lambda msg: bridge.failed.emit(msg, self._generation), name="specscope-selection").start()

    def _on_selection_progress(self, pct: int, gen: int) -> None:
        if gen == self._selection_generation and self.selection_result is None:
            self._set_status(f"selection: computing… {pct} %")

    def _on_selection(self, result: SelectionSpectrum, gen: int) -> None:
        if gen != self._selection_generation:
            return
        self._jobs.pop("selection", None)
        self.selection_result = result
        self._show_selection_spectrum(result)
        cfg = self.cfg
        assert cfg is not None
        parts = [f"selection {self._fmt_t(result.t0_s)} – {self._fmt_t(result.t1_s)} "
                 f"({result.t1_s - result.t0_s:.3f} s, {result.n_frames} frames)",
                 f"{result.f_lo_hz:.1f} – {result.f_hi_hz:.1f} Hz"]
        if result.peak is not None:
            p = result.peak
            parts.append("peak " + peak_label(p.freq_hz, p.level_dbfs, p.bin))
        text = " | ".join(parts)
        self._set_status(text)
        self.selection_changed.emit(text)

    def _show_selection_spectrum(self, result: SelectionSpectrum) -> None:
        if self.cfg is None or result.db.shape[0] != self.cfg.n_freqs:
            return
        self.spectrum.reset_hold()
        self.spectrum.show_frame(result.db, result.peak, 0.0)
        self.spectrum.reset_hold()

    def _fmt_t(self, t_s: float) -> str:
        return format_clock(round(t_s, 3), True) if self.time_axis.clock else f"{t_s:.3f} s"

    def _set_status(self, text: str) -> None:
        self.status_text = text
        self.status.setText(text)

    # --- playback ----------------------------------------------------------------------------
    def _sync_play_button(self) -> None:
        ok, why = self.player.available, self.player.unavailable_reason
        has_file = self.path is not None
        self.play_button.setEnabled(ok and has_file)
        if not ok:
            self.play_button.setToolTip(f"Playback disabled: {why}")
        else:
            self.play_button.setToolTip("Play / pause (Space); P plays the selection; click the spectrogram to seek")

    def toggle_play(self) -> None:
        if self.path is None or not self.player.available:
            return
        self.player.toggle()

    def play_selection(self) -> None:
        if self.selection is None or self.path is None or not self.player.available:
            return
        t0, t1, _, _ = self.selection
        self.player.play(t0, t1)

    def seek(self, t_s: float) -> None:
        """Move the play position to `t_s` (keeps playing if it was)."""
        if self.path is None:
            return
        self.player.seek(t_s)
        self._on_play_position(self.player.position_s)

    def _on_play_position(self, t_s: float) -> None:
        self.playhead.setPos(t_s)
        self.playhead.show()
        if self.selection is None:  # without a selection the panel shows the spectrum under the play line
            db = self.spectrum_at(t_s)
            if db is not None:
                self.spectrum.show_frame(db, None, 0.0)

    def _on_play_state(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")

    # --- export ---------------------------------------------------------------------------------
    def export_png(self, path: str, selection: bool = False) -> None:
        """Save the spectrogram as shown (with its axes and colour bar) as a PNG; :attr:`exported` follows.

        With `selection`, the view first zooms to the selection and the PNG is
        written once that range is drawn at full resolution (at most 10 s later).
        """
        path = os.fspath(path)
        if selection and self.selection is not None:
            self.zoom_to_selection()
            self._refresh_timer.stop()
            self._request_detail()
            self._png_wait = (path, time.monotonic() + 10.0)
            self._png_timer.start()
            return
        self._write_png(path)

    def _write_png(self, path: str) -> None:
        self.refresh()
        if self.plot.grab().save(path, "PNG"):
            self._set_status(f"exported {path}")
            self.exported.emit(path)
        else:
            self.error.emit(f"{path}: cannot write the PNG")

    def _poll_png(self) -> None:
        if self._png_wait is None:
            self._png_timer.stop()
            return
        path, deadline = self._png_wait
        self.refresh()
        x0, x1 = self.visible_time_range_s()
        tile = self.shown_tile
        ready = tile is not None and (tile.fpc == 1 or tile.col_s <= (x1 - x0) / self._pixels()[0]) and (
            tile is self.overview_tile or tile.complete)
        if ready or time.monotonic() > deadline:
            self._png_timer.stop()
            self._png_wait = None
            self._write_png(path)

    def zoom_to_selection(self) -> None:
        """Show exactly the selected time range (and frequency band, if one was selected)."""
        if self.selection is None:
            return
        t0, t1, f_lo, f_hi = self.selection
        if t1 - t0 > 0:
            self.vb.setXRange(t0, t1, padding=0)
        if f_lo is not None and f_hi is not None and f_hi > f_lo:
            self.set_freq_range(f_lo, f_hi)

    def export_range_s(self) -> tuple[float, float]:
        """What :meth:`export_data` writes: the selection's time range, else the visible one."""
        if self.selection is not None:
            return self.selection[0], self.selection[1]
        return self.visible_time_range_s()

    def export_data(self, path: str) -> None:
        """Write the selection (or the visible time range) at full STFT resolution as NPZ or CSV.

        The format is ``specscope export``'s; the work runs in the background
        and :attr:`exported` is emitted with the path when written.
        """
        from specscope.app.io.export import check_export_path, write_spectrogram

        a = self.analysis
        if a is None:
            self.error.emit("no file is open")
            return
        try:
            out = check_export_path(path)
        except ValueError as err:
            self.error.emit(str(err))
            return
        t0, t1 = self.export_range_s()
        first, n = a.frame_span(t0, t1)
        if 4 * n * a.cfg.n_freqs > MAX_EXPORT_BYTES:
            self.error.emit(f"{out}: the range would take {4 * n * a.cfg.n_freqs / 2**30:.1f} GiB; "
                            "select a shorter time range")
            return
        gen = self._generation
        bridge = self._bridge

        def run(cancelled) -> None:
            tile = a.range_tile(first, n, n, cancelled)
            times_s = a.cfg.frame_times_s(tile.n_frames, first_frame=tile.first_frame)
            try:
                write_spectrogram(out, tile.db, times_s, a.cfg)
            except OSError as err:
                raise OSError(f"{out}: cannot write: {err.strerror or err}") from None
            bridge.exported.emit(str(out), gen)

        self._jobs["export"] = BackgroundJob(run, on_error=lambda msg: bridge.failed.emit(msg, self._generation),
                                             name="specscope-export").start()

    def _on_exported(self, path: str, gen: int) -> None:
        self._jobs.pop("export", None)
        self._set_status(f"exported {path}")
        self.exported.emit(path)

    def _ask_export_png(self) -> None:
        title = "Export the selection as PNG" if self.selection is not None else "Export the view as PNG"
        path, _ = QFileDialog.getSaveFileName(self, title, "", "PNG image (*.png)")
        if path:
            self.export_png(path if path.lower().endswith(".png") else path + ".png",
                            selection=self.selection is not None)

    def _ask_export_data(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export spectrogram data", "",
                                              "NumPy archive (*.npz);;CSV table (*.csv)")
        if path:
            self.export_data(path)
