"""The main window: live spectrogram and spectrum, controls, status, health,
pause, export, faults and persisted settings.

Thread: the Qt GUI thread.  The pipeline's worker thread only calls the
bridge's signals (``on_frames``, ``on_error``); Qt queues them into the GUI
thread, where frames are appended to the history and the image ring.  A
``QTimer`` at about 60 Hz repaints: the newest frame wins for the spectrum,
and only image tiles that received columns are re-rendered.
"""

from __future__ import annotations

import importlib.resources
import math
import time
from collections import deque
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from specscope.app.io.export import write_spectrogram
from specscope.app.live.history import FrameHistory, history_capacity
from specscope.app.live.pause_buffer import PausedFrames
from specscope.dsp.config import StftConfig
from specscope.dsp.freq_scales import make_scale

from .controls import Controls
from .file_view import FileView
from .settings import FFT_SIZES, LiveSettings, load_settings, qsettings, save_settings
from .spectrogram_view import SpectrogramView
from .spectrum_panel import SpectrumPanel

REPAINT_INTERVAL_MS = 16
"""Repaint timer (a precise QTimer): 62.5 Hz, just above a common monitor's 60 Hz refresh; painting faster
than the screen refreshes costs CPU (15 ms, 66.7 Hz, cost about 6 % more) and shows nothing more."""
SPECTRUM_EVERY_N_TICKS = 3
"""The spectrum panel redraws on every third tick (about 21 Hz): a third of the cost.  The peak marker
follows the worker's estimates (about 10 per second, :data:`~specscope.app.live.pipeline.PEAK_INTERVAL_S`)."""
HEALTH_INTERVAL_S = 0.5
HEALTH_ALARM_S = 5.0
"""The health indicator stays highlighted this long after audio was lost."""
HEALTH_ALARM_STYLE = "QLabel { background: #b00020; color: white; font-weight: bold; padding: 0 6px; }"
HEALTH_QUIET_STYLE = "QLabel { color: palette(mid); }"
DEMO_NOTICE = "No input device: playing the demo recording (looped)"
RECENT_FILES_KEY = "files/recent"
N_RECENT_FILES = 8
AUDIO_FILE_FILTER = "Audio files (*.wav *.flac *.ogg *.aiff *.aif *.mp3);;All files (*)"


def demo_path() -> Path:
    """Path of the bundled demo recording."""
    return Path(str(importlib.resources.files("specscope.resources") / "demo.wav"))


class _Bridge(QObject):
    """Carries the worker thread's callbacks into the GUI thread (queued signals)."""

    frames = pyqtSignal(object)
    error = pyqtSignal(str)


class _PaintCounter(QObject):
    """Event filter noting the time of every paint event of the widget it watches."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.times: deque[float] = deque(maxlen=1000)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.times.append(time.perf_counter())
        return False


class _FaultBanner(QFrame):
    """A message across the top of the live view, with an optional reconnect button."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("faultBanner")
        self.setStyleSheet("#faultBanner { background: #7a1f1f; border-radius: 4px; } QLabel { color: white; }")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.reconnect = QPushButton("Reconnect")
        self.dismiss = QPushButton("Dismiss")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.reconnect)
        lay.addWidget(self.dismiss)
        self.dismiss.clicked.connect(self.hide)
        self.hide()

    def show_message(self, text: str, reconnect: bool) -> None:
        self.text.setText(text)
        self.reconnect.setVisible(reconnect)
        self.show()


class MainWindow(QMainWindow):
    """specscope's window.

    Parameters
    ----------
    store : QSettings, optional
        Where settings persist (default: the user's specscope settings).
    autostart : bool
        Open the input at once (the default input device, or the demo
        recording when there is no input device).
    source_path : str, optional
        Play this audio file as the live input (looping) instead of a device.
    """

    def __init__(self, store: QSettings | None = None, autostart: bool = True, source_path: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("specscope")
        self.store = store if store is not None else qsettings()
        self.settings = load_settings(self.store)
        self.source_path = source_path
        self.source_notice = ""
        self.pipeline = None
        self.cfg: StftConfig | None = None
        self.history: FrameHistory | None = None
        self.file_view: FileView | None = None
        self.error_dialog: QMessageBox | None = None
        self.frames_received = 0
        self.frames_while_paused = 0
        self.paused_frames = PausedFrames()
        self.frames_wrong_config = 0
        self._latest = None
        self._latest_peak = None
        self._latest_dt_s = 0.0
        self._last_health_s = 0.0
        self._lost_before = 0
        self._alarm_until_s = -1.0
        self._alarm_shown = True  # forces the quiet style on the first update
        self._rebase_time = False
        self._ticks = 0
        self._time_offset_s = 0.0

        self._bridge = _Bridge()
        self._bridge.frames.connect(self._on_frames)
        self._bridge.error.connect(self._on_pipeline_error)

        # --- live tab: banner, spectrogram | spectrum, readout line
        self.spectrogram = SpectrogramView()
        self.spectrum = SpectrumPanel()
        self.spectrum.setMinimumWidth(300)  # room for the peak label at large bin numbers
        self.banner = _FaultBanner()
        self.banner.reconnect.clicked.connect(self.reconnect)
        self.readout = QLabel(" ")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.spectrogram.readout.connect(self._show_readout)
        self.spectrum.readout.connect(self._show_readout)
        # Paused: the spectrum panel shows the frame under the cursor (or at the pause position).
        self.spectrogram.frame_at_cursor.connect(
            lambda db, t_s: self.spectrum.show_frame(db, None, 0.0, time_s=t_s, hold=False))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.spectrogram)
        split.addWidget(self.spectrum)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        live = QWidget()
        lay = QVBoxLayout(live)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        lay.addWidget(self.readout)
        self.tabs = QTabWidget()
        self.tabs.addTab(live, "Live")
        self.setCentralWidget(self.tabs)
        self.setAcceptDrops(True)

        # --- controls dock
        self.controls = Controls()
        self.controls.set_settings(self.settings)
        self.controls.changed.connect(self.apply_controls)
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        dock = QDockWidget("Settings", self)
        dock.setObjectName("settingsDock")
        dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        # --- status bar: configuration, health
        self.config_label = QLabel()
        self.source_label = QLabel()
        self.source_label.setStyleSheet("QLabel { color: #ffcc66; font-weight: bold; padding: 0 6px; }")
        self.source_label.hide()
        self.statusBar().addPermanentWidget(self.source_label)
        self.health_label = QLabel()
        self.statusBar().addPermanentWidget(self.config_label, 1)  # permanent: messages do not hide it
        self.statusBar().addPermanentWidget(self.health_label)

        self.refresh_devices()
        self._build_actions(dock)
        self._apply_display_settings()
        self._restore_geometry()

        self._paint_counter = _PaintCounter(self)
        self.spectrogram.viewport().installEventFilter(self._paint_counter)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_tick)
        self.timer.start(REPAINT_INTERVAL_MS)
        if autostart:
            self.start()

    # --- actions --------------------------------------------------------------
    def _build_actions(self, dock: QDockWidget) -> None:
        tb = self.addToolBar("Main")
        tb.setObjectName("mainToolbar")

        def action(text: str, shortcut, slot, checkable: bool = False) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.setCheckable(checkable)
            a.triggered.connect(slot)
            self.addAction(a)
            tb.addAction(a)
            return a

        self.pause_action = action("Pause (Space)", Qt.Key.Key_Space, self._on_pause_action, checkable=True)
        self.open_action = action("Open file…", QKeySequence.StandardKey.Open, self._on_open_action)
        self.export_action = action("Export…", "Ctrl+E", self._on_export_action)
        self.fft_action = action("Next FFT size (F)", Qt.Key.Key_F, self.cycle_fft_size)
        self.reset_action = action("Reset to defaults", None, self.reset_to_defaults)
        tb.addAction(dock.toggleViewAction())

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Recent files")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        file_menu.addSeparator()
        self.watch_action = file_menu.addAction("Watch as live…")
        self.watch_action.setToolTip("Play an audio file through the live view (looping)")
        self.watch_action.triggered.connect(self._on_watch_action)
        self.device_action = file_menu.addAction("Live input from the device")
        self.device_action.triggered.connect(self.watch_device)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)

    # --- pipeline -------------------------------------------------------------
    def _make_source(self):
        from specscope.app.live.file_source import FileSource

        if self.source_path is not None:
            self.source_notice = f"Input: {Path(self.source_path).name} (looping)"
            return FileSource(self.source_path, realtime=True, loop=True)
        from specscope.app.live.capture import CaptureSource
        from specscope.app.live.devices import list_input_devices

        if not self.settings.device and not list_input_devices():
            self.source_notice = DEMO_NOTICE
            return FileSource(str(demo_path()), realtime=True, loop=True)
        self.source_notice = ""
        device = self.settings.device or None
        if device is not None and device.isdigit():
            device = int(device)
        return CaptureSource(device=device, fs_hz=self.settings.fs_hz or None, channels=None, latency="low")

    def _open_pipeline(self, settings: LiveSettings):
        """Open the source and start a pipeline with `settings`; raises on refusal."""
        from specscope.app.live.pipeline import Pipeline

        source = self._make_source()
        fs_hz = getattr(source, "fs_hz", None) or settings.fs_hz or 48000.0
        cfg = settings.stft_config(float(fs_hz))
        channel = settings.channel if settings.channel == "mix" else int(settings.channel)
        pipe = Pipeline(source, cfg, channel=channel, on_frames=self._bridge.frames.emit,
                        on_error=self._bridge.error.emit)
        pipe.start()
        fs_now = getattr(pipe, "fs_hz", None)
        if fs_now and float(fs_now) != cfg.fs_hz:
            cfg = cfg.replace(fs_hz=float(fs_now))
            pipe.set_config(cfg)
        return pipe, cfg

    def start(self) -> bool:
        """Open the input with the current settings; on failure show why and return False."""
        self.stop()
        try:
            self.pipeline, cfg = self._open_pipeline(self.settings)
        except Exception as exc:  # any refusal from the device or the settings: report, never crash
            self.pipeline = None
            self.banner.show_message(f"Could not open the input: {_one_line(exc)}", reconnect=True)
            return False
        self.banner.hide()
        self.controls.set_channel_count(int(getattr(getattr(self.pipeline, "source", None), "channels", 1)))
        self._set_cfg(cfg)
        self._rebase_time = True
        return True

    def stop(self) -> None:
        """Stop the pipeline (the history stays on screen)."""
        if self.pipeline is not None:
            try:
                self.pipeline.stop()
            except Exception as exc:  # stopping a lost device may fail; the window must not
                self.statusBar().showMessage(f"Stopping the input: {_one_line(exc)}", 5000)
            self.pipeline = None

    def refresh_devices(self) -> None:
        """Fill the device list from PortAudio (by name, which survives restarts)."""
        try:
            from specscope.app.live.devices import list_input_devices

            devices = list_input_devices()
        except Exception as exc:  # no PortAudio at all: the list stays empty, the banner says why
            self.statusBar().showMessage(f"Cannot list input devices: {_one_line(exc)}", 5000)
            devices = []
        self.controls.set_devices([(f"{d.name} ({d.hostapi})", d.name) for d in devices])
        self.controls.set_settings(self.settings)

    def reconnect(self) -> None:
        """Reopen the input after a fault (devices are enumerated again); the history stays on screen."""
        self.stop()
        try:
            from specscope.app.live.devices import rescan_devices

            rescan_devices()
        except Exception as exc:  # rescanning is best effort; opening reports the real problem
            self.statusBar().showMessage(f"Device rescan failed: {_one_line(exc)}", 5000)
        self.refresh_devices()
        self.start()

    def _on_pipeline_error(self, message: str) -> None:
        self.stop()
        self.banner.show_message(f"Input lost: {message}. The history stays on screen.", reconnect=True)

    def _set_cfg(self, cfg: StftConfig) -> None:
        """Adopt a new STFT configuration: fresh history, axes, status line."""
        if self.cfg is not None and cfg == self.cfg and self.history is not None:
            return
        self.cfg = cfg
        self.history = FrameHistory(cfg, history_capacity(cfg))
        self._latest = None
        self._latest_peak = None
        self._apply_view()
        self.config_label.setText(cfg.describe())
        self.config_label.setToolTip(cfg.describe())
        self.source_label.setText(self.source_notice)
        self.source_label.setToolTip(f"{self.source_notice}: {demo_path()}" if self.source_notice == DEMO_NOTICE
                                     else self.source_notice)
        self.source_label.setVisible(bool(self.source_notice))
        self.setWindowTitle(f"specscope — {self.source_notice}" if self.source_notice else "specscope")

    # --- frames (GUI thread, queued from the worker) ---------------------------
    def _on_frames(self, frames: list) -> None:
        self.frames_received += len(frames)
        if self.spectrogram.paused:
            # Capture goes on while paused: the frames wait (bounded) and join the history on resume.
            self.frames_while_paused += len(frames)
            self.paused_frames.hold(frames, self.history.capacity if self.history is not None else 0)
            return
        self._append_frames(frames)

    def _append_frames(self, frames: list) -> None:
        if self.history is None:
            return
        good = [f for f in frames if f.cfg == self.cfg]
        self.frames_wrong_config += len(frames) - len(good)
        if not good:
            return
        if self._rebase_time:
            # A reopened input restarts its clock: continue after the history that stayed on screen.
            self._rebase_time = False
            last = self.spectrogram.last_time_s if len(self.history) else None
            self._time_offset_s = 0.0 if last is None else last + self.cfg.hop_s - good[0].t_s
        db = np.stack([f.db for f in good])
        times = np.fromiter((f.t_s for f in good), dtype=np.float64, count=len(good)) + self._time_offset_s
        seq0 = self.history.next_seq
        self.history.append(db, times)
        self.spectrogram.append(db, times, seq0)
        self._latest = good[-1]
        self._latest_dt_s += len(good) * self.cfg.hop_s
        peaks = [f.peak for f in good if f.peak is not None]  # estimated by the worker, about 10 per second
        if peaks:
            self._latest_peak = peaks[-1]

    def _on_tick(self) -> None:
        now = time.perf_counter()
        if not self.spectrogram.paused:
            self.spectrogram.refresh(now)
            self._ticks += 1
            if self._latest is not None and self._ticks % SPECTRUM_EVERY_N_TICKS == 0:
                t_rel_s = self._latest.t_s + self._time_offset_s - self.spectrogram.t_ref_s  # as the time axis shows it
                self.spectrum.show_frame(self._latest.db, self._latest_peak, self._latest_dt_s, time_s=t_rel_s)
                self._latest = None
                self._latest_dt_s = 0.0
        if now - self._last_health_s >= HEALTH_INTERVAL_S:
            self._last_health_s = now
            self._update_health(now)

    def repaint_rate_hz(self, now: float | None = None) -> float:
        """Paint events of the spectrogram's viewport per second, over the last second."""
        now = time.perf_counter() if now is None else now
        times = self._paint_counter.times
        while times and now - times[0] > 1.0:
            times.popleft()
        return float(len(times))

    def _update_health(self, now: float) -> None:
        fps = self.repaint_rate_hz(now)
        parts = [f"{fps:.0f} fps"]
        lost = 0
        if self.pipeline is not None:
            try:
                st = self.pipeline.stats()
            except Exception:  # a dying pipeline must not take the window with it
                st = None
            if st is not None:
                if st.dsp_ms_per_frame is not None:
                    parts.append(f"DSP {st.dsp_ms_per_frame:.2f} ms/frame")
                if st.latency_ms_median is not None and st.latency_ms_p95 is not None:
                    parts.append(f"latency {st.latency_ms_median:.0f} ms (p95 {st.latency_ms_p95:.0f})")
                lost = int(st.overflows + st.overwritten + st.dropped)
                parts.append(f"overflows {st.overflows}, dropped {st.dropped + st.overwritten}")
        else:
            parts.append("stopped")
        self.health_label.setText(" · ".join(parts))
        if lost > self._lost_before:
            self._alarm_until_s = now + HEALTH_ALARM_S
        alarm = now < self._alarm_until_s
        if alarm != self._alarm_shown:
            self._alarm_shown = alarm
            self.health_label.setStyleSheet(HEALTH_ALARM_STYLE if alarm else HEALTH_QUIET_STYLE)
            self.health_label.setToolTip("Audio was lost (overflow or dropped frames): the computer could not keep up."
                                         if alarm else "Repaint rate, DSP time per frame, latency, lost audio")
        self._lost_before = lost

    # --- settings ---------------------------------------------------------------
    def apply_controls(self, group: str) -> None:
        """Apply what the control panel shows for one group (see :class:`Controls`); a refusal keeps the old settings.

        Refused settings (a device that will not open, an invalid analysis or range) leave the previous
        settings in force and in the panel, and the reason appears in the banner.
        """
        new = self.controls.settings()
        old = self.settings
        try:
            new.validated()
            if group == "source":
                self.settings = new
                if not self.start():
                    raise RuntimeError(self.banner.text.text())
            elif group == "stft":
                self.apply_stft(new)
            else:
                self.settings = new
                self._apply_display_group(group)
        except Exception as exc:  # refused: keep (and restore) the previous settings
            self.settings = old
            self.controls.set_settings(old)
            if group == "source":
                self.start()
            else:
                self._apply_display_group(group)
            self.banner.show_message(f"Setting refused, previous settings kept: {_one_line(exc)}", reconnect=False)
            return
        self._forward_to_file_view(group)
        save_settings(self.store, self.settings)

    def apply_stft(self, new: LiveSettings) -> None:
        """Apply FFT size, window, hop and zero padding to the running pipeline (no device reopen).

        Raises
        ------
        ValueError
            If the settings are invalid; nothing is changed then.
        """
        fs_hz = self.cfg.fs_hz if self.cfg is not None else (new.fs_hz or 48000.0)
        cfg = new.stft_config(fs_hz)
        if self.pipeline is not None:
            self.pipeline.set_config(cfg)
        self.settings = new
        self._set_cfg(cfg)

    def _apply_display_group(self, group: str) -> None:
        """Apply one group of display settings; only a scale or range change redraws the image from the history."""
        s = self.settings
        if group == "levels":
            self.spectrogram.set_levels(s.floor_db, s.ceiling_db)  # the spectrum panel autoscales its own
        elif group == "colormap":
            self.spectrogram.set_colormap(s.colormap)
        elif group == "span":
            self.spectrogram.set_span(s.span_s)
        elif group == "decay":
            self.spectrum.set_decay(s.decay_db_per_s)
        else:
            self._apply_view()

    def _forward_to_file_view(self, group: str | None) -> None:
        """Give the file view the analysis (``stft``, channel in ``source``) or display settings of `group`.

        ``None`` forwards the analysis and display settings but not the channel: the live input's channel
        may not exist in the file, and a file must open whatever input is live.  Unchanged analysis
        settings are not sent (each change recomputes the whole file).
        """
        view = self.file_view
        if view is None:
            return
        s = self.settings
        if group in ("stft", None):
            changes = {"n_fft": s.n_fft, "hop": s.effective_hop(), "window": s.window, "zero_pad": s.zero_pad}
            current = view.settings()
            if any(current[k] != v for k, v in changes.items()):
                view.set_config(changes)
        if group == "source":
            channel = s.channel if s.channel == "mix" else int(s.channel)
            if view.settings()["channel"] != channel:
                view.set_config({"channel": channel})
        if group in ("view", "levels", "colormap", None):
            view.set_display(scale=s.scale, floor_db=s.floor_db, ceiling_db=s.ceiling_db, colormap_name=s.colormap)

    def _apply_display_settings(self) -> None:
        s = self.settings
        self.spectrogram.set_levels(s.floor_db, s.ceiling_db)
        self.spectrogram.set_colormap(s.colormap)
        self.spectrogram.set_span(s.span_s)
        self.spectrum.set_decay(s.decay_db_per_s)
        self._apply_view()

    def _apply_view(self) -> None:
        if self.history is None:
            return
        s = self.settings
        f_max = s.f_max_hz if s.f_max_hz > 0 else math.inf
        scale = make_scale(s.scale)
        self.spectrogram.set_view(self.history, scale, s.f_min_hz, f_max)
        self.spectrum.set_view(self.history.cfg, scale, s.f_min_hz, f_max, row_map=self.spectrogram.row_map)

    def cycle_fft_size(self) -> None:
        """Switch to the next FFT size (wrapping 65536 -> 256), keeping the overlap."""
        n = self.settings.n_fft
        nxt = FFT_SIZES[(FFT_SIZES.index(n) + 1) % len(FFT_SIZES)] if n in FFT_SIZES else 2048
        s = self.controls.settings()
        s.n_fft = nxt
        self.controls.set_settings(s)
        self.apply_controls("stft")

    def reset_to_defaults(self) -> None:
        """Forget saved settings and use the defaults (the input is reopened)."""
        self.store.remove("live")
        self.controls.set_settings(LiveSettings())
        self.settings = LiveSettings()
        self.start()
        self._apply_display_settings()
        self._forward_to_file_view(None)
        save_settings(self.store, self.settings)

    # --- pause, export, files ---------------------------------------------------
    def set_paused(self, paused: bool) -> None:
        """Freeze the display; frames keep arriving, and on resume the view shows them (no gap)."""
        if not paused:
            self._append_frames(self.paused_frames.release())
        self.spectrogram.set_paused(paused)
        self.pause_action.setChecked(paused)
        self.pause_action.setText("Resume (Space)" if paused else "Pause (Space)")
        if paused:
            self.spectrogram.setFocus()
            self.statusBar().showMessage(
                "Paused: wheel, drag or ←/→/Home/End to look back, Ctrl+wheel zooms; Space resumes", 0)
        else:
            self.statusBar().clearMessage()

    def _on_pause_action(self) -> None:
        self.set_paused(not self.spectrogram.paused)

    def export_to(self, path: str) -> Path:
        """Export the visible spectrogram: ``.png`` image (axes and colour bar) or ``.npz``/``.csv`` data.

        Raises
        ------
        ValueError
            For another suffix or nothing to export.
        """
        out = Path(path)
        if out.suffix.lower() == ".png":
            if not self.spectrogram.grab().save(str(out), "PNG"):
                raise ValueError(f"{out}: could not write the image")
            return out
        if self.cfg is None:
            raise ValueError("nothing to export yet")
        db, times = self.spectrogram.visible_data()
        if times.shape[0] == 0:
            raise ValueError("nothing to export: no frames in the visible time range")
        return write_spectrogram(out, db, times, self.cfg)

    def _on_export_action(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the visible spectrogram", "spectrogram.png",
                                              "PNG image (*.png);;NumPy data (*.npz);;CSV table (*.csv)")
        if not path:
            return
        try:
            out = self.export_to(path)
        except Exception as exc:  # report any write failure in the window
            self.banner.show_message(f"Export failed: {_one_line(exc)}", reconnect=False)
            return
        self.statusBar().showMessage(f"Exported {out}", 5000)

    def _on_open_action(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an audio file", "", AUDIO_FILE_FILTER)
        if path:
            self.open_file(path)

    def _on_watch_action(self) -> None:
        current = self.file_view.path if self.file_view is not None and self.file_view.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Watch an audio file as live input", current, AUDIO_FILE_FILTER)
        if path:
            self.watch_as_live(path)

    def watch_as_live(self, path: str) -> bool:
        """Play `path` through the live pipeline (looping, in real time) and show the Live tab.

        Returns
        -------
        bool
            True if the pipeline started; otherwise the banner says why.
        """
        self.source_path = path
        self.tabs.setCurrentIndex(0)
        return self.start()

    def watch_device(self) -> bool:
        """Go back from a watched file to the input device (the default input or the one chosen)."""
        self.source_path = None
        return self.start()

    def open_file(self, path: str) -> bool:
        """Show an audio file in the File tab (analysed in the background).

        A file that cannot be read is reported in a non-modal warning dialog
        (:attr:`error_dialog`) with a one-line message; the previous file stays
        on screen.

        Returns
        -------
        bool
            True if the file was opened (its analysis has started).
        """
        view = self.ensure_file_view()
        errors: list[str] = []

        def note(message: str) -> None:
            errors.append(message)

        view.error.connect(note)  # direct connection: load() reports synchronously
        try:
            view.load(path)
        finally:
            view.error.disconnect(note)
        if errors:
            return False
        self.remember_recent(path)
        self.tabs.setCurrentWidget(view)
        return True

    def recent_files(self) -> list[str]:
        """Recently opened files, newest first (at most :data:`N_RECENT_FILES`), as persisted in the store."""
        raw = self.store.value(RECENT_FILES_KEY, [])
        if isinstance(raw, str):  # QSettings returns a one-item list as the item
            raw = [raw]
        return [str(p) for p in (raw or []) if p][:N_RECENT_FILES]

    def remember_recent(self, path: str) -> None:
        """Put `path` (made absolute) first in the recent files."""
        path = str(Path(path).absolute())
        paths = [path] + [p for p in self.recent_files() if p != path]
        self.store.setValue(RECENT_FILES_KEY, paths[:N_RECENT_FILES])

    def fill_recent_menu(self) -> None:
        """Rebuild the Recent files menu (called as it opens); files that no longer exist are dropped."""
        paths = self.recent_files()
        existing = [p for p in paths if Path(p).is_file()]
        if existing != paths:
            self.store.setValue(RECENT_FILES_KEY, existing)
        self.recent_menu.clear()
        for i, p in enumerate(existing):
            a = self.recent_menu.addAction(f"&{i + 1} {Path(p).name}")
            a.setToolTip(p)
            a.setData(p)
            a.triggered.connect(lambda _=False, p=p: self.open_file(p))
        if not existing:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def dragEnterEvent(self, event) -> None:
        """Accept a drag that carries local files (an audio file dropped anywhere on the window opens it)."""
        mime = event.mimeData()
        if mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """Open the first dropped local file in the File tab."""
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_file(paths[0])

    def ensure_file_view(self) -> FileView:
        """The File tab's view, created on first use."""
        if self.file_view is None:
            self.file_view = FileView(self)
            self.file_view.error.connect(self._show_file_error)
            self.file_view.loaded.connect(self._on_file_loaded)  # also files dropped on the view itself
            self.tabs.addTab(self.file_view, "File")
            self._forward_to_file_view(None)
        return self.file_view

    def _on_file_loaded(self, path: str) -> None:
        if path:
            self.remember_recent(path)

    def _show_file_error(self, message: str) -> None:
        """Warn in a non-modal dialog (reused, so only the newest message is shown)."""
        if self.error_dialog is None:
            self.error_dialog = QMessageBox(QMessageBox.Icon.Warning, "specscope", "",
                                            QMessageBox.StandardButton.Ok, self)
            self.error_dialog.setWindowModality(Qt.WindowModality.NonModal)
        self.error_dialog.setText(message)
        self.error_dialog.show()

    # --- misc -------------------------------------------------------------------
    def _show_readout(self, text: str) -> None:
        self.readout.setText(text or " ")

    def _restore_geometry(self) -> None:
        geom = self.store.value("window/geometry")
        state = self.store.value("window/state")
        if geom is not None:
            self.restoreGeometry(geom)
        else:
            self.resize(1400, 850)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event) -> None:
        self.timer.stop()
        self.stop()
        if self.file_view is not None:
            self.file_view.shutdown()
        save_settings(self.store, self.settings)
        self.store.setValue("window/geometry", self.saveGeometry())
        self.store.setValue("window/state", self.saveState())
        self.store.sync()
        super().closeEvent(event)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
