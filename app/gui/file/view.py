"""The file view: a whole recording as one navigable spectrogram, composed of its parts.

Thread: the Qt GUI thread.  All analysis runs in background jobs
(:mod:`specscope.app.analysis.file_analysis`) launched through
:class:`~specscope.app.gui.file.jobs.JobBoard`; their results arrive here as
queued signals tagged with the job's id and are drawn; a result from a job
that is no longer current (the file, the settings or the view changed) is
dropped.  The jobs hand over read-only column blocks; the tiles drawn here are
assembled from them and written only on this thread.

The parts: :mod:`.input` (mouse and keys), :mod:`.jobs` (job identity),
:mod:`.render` (image and detail), :mod:`.selection` (selection, readout,
spectrum panel), :mod:`.navigation` (zoom, pan, undo, go to),
:mod:`.transport` (playback controls), :mod:`.export` (PNG and data),
:mod:`.config` (analysis and display settings).
Settings are :class:`~specscope.app.model.settings.AnalysisSettings` and
:class:`~specscope.app.model.settings.DisplaySettings`.
"""

from __future__ import annotations

import os
import time

import pyqtgraph as pg
from PyQt6.QtCore import QPointF, Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from specscope.app.analysis.file_analysis import FileAnalysis, Tile
from specscope.app.model.settings import AnalysisSettings, DisplaySettings
from specscope.dsp.config import StftConfig
from specscope.dsp.freq_scales import BinRowMap, FrequencyScale, make_scale

from ..annotations.session import AnnotationSessionMixin
from ..axes import FrequencyAxis
from ..colormaps import colormap, lookup_table
from ..spectrum_panel import SpectrumPanel
from ..widgets import ElidedLabel
from .annotations_layer import AnnotationLayerMixin
from .clock import CLOCK_FROM_S, ClockTimeAxis, format_clock
from .config import SettingsMixin
from .export import ExportMixin
from .history import ViewHistory
from .input import HINT, FileViewBox, KeyFilter, key_table, view_handlers
from .jobs import JobBoard, JobResultsMixin
from .levels_summary import FileLevelsJob
from .navigation import NavigationMixin
from .render import DETAIL_DELAY_MS, REFRESH_DELAY_MS, RenderMixin
from .selection import SelectionMixin
from .transport import PlaybackMixin, TransportBar
from .waveform import WaveformMixin

SPECTRUM_PANEL_MIN_WIDTH_PX = 300
"""The spectrum panel is never narrower: its peak label ("12000.0 Hz -12.0 dBFS bin 512") must fit."""


class FileView(AnnotationSessionMixin, AnnotationLayerMixin, WaveformMixin, SettingsMixin, JobResultsMixin,
               RenderMixin, SelectionMixin, NavigationMixin, PlaybackMixin,
               ExportMixin, QWidget):
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
        A file was written by :meth:`export_data` or :meth:`export_png` (path).
    channels_changed(list)
        The channel choices of the open file, ``[("mix", "mix"), (0, "channel 0"), ...]``.
    waveform_ready(float)
        The waveform strip shows the whole file (seconds since the file was opened).
    """

    error = pyqtSignal(str)
    loaded = pyqtSignal(str)
    progress = pyqtSignal(int, int)
    analysis_finished = pyqtSignal(str)
    selection_changed = pyqtSignal(str)
    readout = pyqtSignal(str)
    exported = pyqtSignal(str)
    channels_changed = pyqtSignal(list)
    waveform_ready = pyqtSignal(float)

    def __init__(self, parent=None, autosave_folder=None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self.analysis_settings = AnalysisSettings(hop=512)  # hop n_fft / 4, as ``specscope export``
        self.display = DisplaySettings()
        self.scale: FrequencyScale = make_scale(self.display.scale)
        self._lut = lookup_table(self.display.colormap)
        self.path: str | None = None
        self.analysis: FileAnalysis | None = None
        self.overview_tile: Tile | None = None
        self.detail_tile: Tile | None = None
        self._detail_pending: Tile | None = None
        self.shown_tile: Tile | None = None
        self.row_map: BinRowMap | None = None
        self.selection: tuple[float, float, float | None, float | None] | None = None
        self.selection_result = None
        self.status_text = ""
        self.view_history = ViewHistory()
        self._mouse_scene_pos: QPointF | None = None
        self._detail_want: tuple[int, int, int] | None = None
        self.t_first_view_s: float | None = None
        self._t_load_s = 0.0
        self._overview_ready = False
        self.shown_group = 1
        self._dirty_cols: tuple[int, int] | None = None
        self._image_key: tuple | None = None
        self._image_data = None
        self.jobs = JobBoard(self)
        self.jobs.block.connect(self._on_block)
        self.jobs.progress.connect(self._on_job_progress)
        self.jobs.result.connect(self._on_result)
        self.jobs.failed.connect(self._on_failed)
        self.file_levels = FileLevelsJob(self)  # the "levels" job and its result
        from .. import playback

        self.player = playback.Player(self)
        self._build_annotations()
        self._build_ui()
        self._build_annotation_session(autosave_folder)
        self.player.position_changed.connect(self._on_play_position)
        self.player.state_changed.connect(self._on_play_state)
        self.player.failed.connect(self.error)
        self._connect_transport()
        self._sync_play_button()

    # --- construction ---------------------------------------------------------
    def _build_ui(self) -> None:
        d = self.display
        self.freq_axis = FrequencyAxis("left")
        self.time_axis = ClockTimeAxis("bottom")
        self.vb = FileViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self.vb, axisItems={"left": self.freq_axis, "bottom": self.time_axis})
        self.plot.setMenuEnabled(False)
        self.plot.plotItem.hideButtons()
        self.vb.disableAutoRange()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(self._lut)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(d.floor_db, d.ceiling_db), colorMap=colormap(d.colormap),
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
        self.spectrum.setMinimumWidth(SPECTRUM_PANEL_MIN_WIDTH_PX)
        # Same top and bottom margins as the panel, so the linked frequency axes line up pixel for pixel.
        _, top, _, bottom = self.spectrum.plotItem.layout.getContentsMargins()
        left, _, right, _ = self.plot.plotItem.layout.getContentsMargins()
        self.plot.plotItem.layout.setContentsMargins(left, top, right, bottom)
        self.spectrum.setYLink(self.plot)
        self.spectrum.set_levels(d.floor_db, d.ceiling_db)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("analysing %p %")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop analysing the file (what is computed stays on screen)")
        self.cancel_button.clicked.connect(self.cancel)
        self.transport = TransportBar()
        self.play_button = self.transport.play_button
        self.channel_combo = QComboBox()
        self.channel_combo.setToolTip("Channel analysed and played: the mix of all, or one")
        self.channel_combo.activated.connect(lambda _: self.set_config({"channel": self.channel_combo.currentData()}))
        self.goto_button = QPushButton("Go to…")
        self.goto_button.setToolTip("Show a typed time range (G); Backspace undoes a zoom or pan")
        self.goto_button.clicked.connect(self.ask_go_to)
        self.export_png_button = QPushButton("Export PNG…")
        self.export_png_button.setToolTip("The view as shown, with axes, colour bar and selection")
        self.export_png_button.clicked.connect(self._ask_export_png)
        self.export_data_button = QPushButton("Export data…")
        self.export_data_button.setToolTip("The selection (or the visible time range) at full resolution, NPZ or CSV")
        self.export_data_button.clicked.connect(self._ask_export_data)
        self.status = QLabel("")
        self.status.setWordWrap(True)  # a long status line wraps instead of widening the window
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout_label = QLabel(HINT)
        self.readout_label.setWordWrap(True)  # a long hint wraps instead of widening the window
        self.readout_label.setMinimumWidth(1)
        self._set_busy(False)

        self.file_label = ElidedLabel("no file")  # a long name ends in "…" (full path in the tooltip)
        # Three short rows rather than one long one, so the tab fits an 800 px window beside the dock:
        # transport; file, channel and actions; and, below the view, the readout with the job's progress.
        top = QHBoxLayout()
        top.addWidget(self.transport, 1)
        second = QHBoxLayout()
        second.addWidget(self.file_label, 1)
        second.addWidget(QLabel("Channel"))
        second.addWidget(self.channel_combo)
        for w in (self.goto_button, self.export_png_button, self.export_data_button):
            second.addWidget(w)
        bottom = QHBoxLayout()
        bottom.addWidget(self.readout_label, 1)
        bottom.addWidget(self._build_selection_stat())
        bottom.addWidget(self.progress_bar)
        bottom.addWidget(self.cancel_button)
        self._build_waveform()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.plot)
        split.addWidget(self.spectrum)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setCollapsible(1, False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addLayout(second)
        self.wave_split = QSplitter(Qt.Orientation.Vertical)  # the waveform strip above, sharing the time axis
        self.wave_split.addWidget(self.waveform)
        self.wave_split.addWidget(split)
        self.wave_split.setStretchFactor(0, 1)
        self.wave_split.setStretchFactor(1, 4)
        self.wave_split.setCollapsible(1, False)
        lay.addWidget(self.wave_split, 1)
        lay.addLayout(bottom)
        lay.addWidget(self.status)

        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._detail_timer = QTimer(self, singleShot=True, interval=DETAIL_DELAY_MS)
        self._detail_timer.timeout.connect(self._request_detail)
        self.vb.sigRangeChanged.connect(self._on_range_changed)
        self.vb.sigResized.connect(self._on_range_changed)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.handlers = view_handlers(self)
        """What the view does for the registry's File-tab commands it handles itself (by command id)."""
        self._key_filter = KeyFilter(key_table(self.handlers), self)
        self._key_filter.watch(self, self.plot, self.plot.viewport(), self.spectrum, self.spectrum.viewport())

    @property
    def cfg(self) -> StftConfig | None:
        return self.analysis.cfg if self.analysis is not None else None

    # --- analysis lifecycle -----------------------------------------------------------
    def _start(self, analysis: FileAnalysis, keep_view: bool) -> None:
        old_view = (self.visible_time_range_s(), self.visible_freq_range_hz()) if keep_view else None
        self.cancel()
        self.player.stop()
        self._t_load_s = time.monotonic()
        self.t_first_view_s = None
        new_file = analysis.path != self.path
        self.path = analysis.path
        self.analysis = analysis
        self.overview_tile = analysis.empty_overview()
        self._overview_ready = False
        self._dirty_cols = None
        self._image_key = None
        self.detail_tile = None
        self._detail_pending = None
        self._detail_want = None
        self.selection_result = None
        if new_file:
            self.clear_selection()
            self.view_history.clear()
        self.time_axis.set_clock(analysis.info.duration_s >= CLOCK_FROM_S)
        self.player.set_source(analysis.path, analysis.channel, analysis.cfg.fs_hz, analysis.info.duration_s)
        self._start_waveform(analysis, new_file)
        self._sync_play_button()
        self._fill_channels()
        info = analysis.info
        channel = "mix" if analysis.channel == "mix" else f"channel {analysis.channel}"
        self.file_label.setText(f"{os.path.basename(analysis.path)}: {format_clock(round(info.duration_s, 1), True)}, "
                                f"{info.channels} ch, {channel}")
        # The analysis settings are in the status bar; the tooltip has the path, encoding and settings.
        self.file_label.setToolTip(f"{analysis.path}\n{info.encoding}\n{analysis.cfg.describe()}")
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
            x0, x1 = self.overview_tile.time_extent_s
            self.vb.setRange(xRange=(x0, x1), yRange=self._u_limits(), padding=0)

        def run(cancelled, ch) -> None:
            ch.block(analysis.preview(None, cancelled))
            analysis.overview(None, cancelled, progress=ch.progress, on_block=ch.block)
            ch.result(None)

        self._set_busy(True)
        self.progress_bar.setValue(0)
        self.jobs.start("overview", run)  # the levels job follows it (see JobResultsMixin._on_result)
        if self.selection is not None:
            self._start_selection_job()
        self.redraw_annotations()
        self.start_measuring(self.annotations.indices)  # new settings: new measurements

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

    def _on_range_changed(self, *args) -> None:
        self._refresh_timer.start()
        self._detail_timer.start()

    # --- drag and drop, close -----------------------------------------------------------
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
