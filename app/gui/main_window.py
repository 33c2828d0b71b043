"""The main window: the Live and File tabs, the Settings dock, the status bar and the commands.

Thread: the Qt GUI thread.

The window is a shell around pieces that each do one thing: the Live tab's
widgets and frames (:mod:`.live_tab`), the live input's lifecycle
(:mod:`.live_session`), the File tab's connection (:mod:`.file_tab`), the
status bar and its health indicator (:mod:`.status_bar`, :mod:`.health`),
recent files (:mod:`.recent_files`), the settings form (:mod:`.controls`),
their persistence (:mod:`.settings`) and how the window applies them
(:mod:`.window_settings`).  Every command is declared in :mod:`.commands` and bound here, per tab, by
:class:`~.actions.CommandActions`: a shortcut acts on the tab in view.  A
``QTimer`` at about 60 Hz drives the Live tab's repaints.
"""

from __future__ import annotations

import time

from PyQt6 import sip
from PyQt6.QtCore import QSettings, Qt, QTimer
from PyQt6.QtWidgets import QMainWindow, QTabWidget

from specscope.app.logs import log_bug, one_line
from specscope.dsp.config import StftConfig

from . import window_commands
from .actions import CommandActions, ShortcutHelp
from .commands import FILE, LIVE, LTSA
from .controls import DOCK_MIN_WIDTH_PX, Controls, settings_dock
from .file_tab import FileTab
from .file_view import FileView
from .health import HEALTH_ALARM_STYLE, PaintCounter
from .live_session import DEMO_NOTICE, LiveSession, SessionRefused, demo_path
from .live_tab import LiveTab
from .measure import attach_measurement
from .meters import attach_meters
from .recent_files import N_RECENT_FILES, RECENT_FILES_KEY, RecentFiles, fill_menu
from .settings import WindowSettings, load_settings, qsettings, save_settings
from .status_bar import WindowStatus
from .window_settings import WindowSettingsMixin

__all__ = ["DEMO_NOTICE", "DOCK_MIN_WIDTH_PX", "HEALTH_ALARM_STYLE", "N_RECENT_FILES", "MainWindow", "demo_path"]

REPAINT_INTERVAL_MS = 16
"""Repaint timer (a precise QTimer): 62.5 Hz, just above a common monitor's 60 Hz refresh; painting faster
than the screen refreshes costs CPU (15 ms, 66.7 Hz, cost about 6 % more) and shows nothing more."""
DEFAULT_SIZE = (1400, 850)


class MainWindow(WindowSettingsMixin, QMainWindow):
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
        self.settings: WindowSettings = load_settings(self.store)
        self.help_dialog: ShortcutHelp | None = None
        self.sized_docks: set[str] = set()
        self.annotations_wanted = True
        """The annotation table is shown on the File tab (the user's choice); other tabs never show it."""
        """Side docks given their first width this session (see :func:`.window_commands.toggle`)."""

        self.session = LiveSession(self)
        self.session.source_path = source_path
        self.live = LiveTab()
        self.session.frames.connect(self.live.add_frames)
        self.session.lost.connect(self._on_input_lost)
        self.live.banner.reconnect.clicked.connect(self.reconnect)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.live, "Live")
        self.setCentralWidget(self.tabs)
        self.setAcceptDrops(True)
        self.recent = RecentFiles(lambda: self.store.value(RECENT_FILES_KEY, []),
                                  lambda paths: self.store.setValue(RECENT_FILES_KEY, paths))
        self.file_tab = FileTab(self, self.tabs, self.recent.remember)

        self.controls = Controls()
        self.controls.set_settings(self.settings)
        self.controls.changed.connect(self.apply_controls)
        self.dock = settings_dock(self.controls, self)
        self.controls_scroll = self.dock.widget()
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)

        self.status = WindowStatus(self.statusBar())  # source notice, the tab's settings, health

        self.commands = CommandActions(self, self.current_tab)
        window_commands.bind(self)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        self.commands.build_toolbar(toolbar)
        self.menus = self.commands.build_menus(self.menuBar())
        self.recent_menu = self.menus["File"].addMenu("Recent files")
        self.menus["File"].insertMenu(self.commands.actions["file.watch"], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self.commands.attach_context_menu(self.live, LIVE)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.dock.visibilityChanged.connect(self._refresh_commands)

        self.refresh_devices()
        self.live.set_display(self.settings.display)
        self.measurement = attach_measurement(self)  # averaging, weighting, bands, calibration
        self.live.panel_filter = self.measurement.panel_spectrum
        self.live.panel_frame_filter = self.measurement.panel_frame
        self.meters = attach_meters(self)  # Levels and Signal generator docks (issue 14)
        for dock in (self.measurement, *self.meters):  # closed by its own button: the check mark follows
            dock.visibilityChanged.connect(self._refresh_commands)
        self._restore_geometry()
        self.commands.refresh()

        self._paint_counter = PaintCounter(self)
        self.spectrogram.viewport().installEventFilter(self._paint_counter)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_tick)
        self.timer.start(REPAINT_INTERVAL_MS)
        if autostart:
            self.start()

    # --- the parts, as tests and benchmarks reach them ------------------------------
    spectrogram = property(lambda self: self.live.spectrogram)
    spectrum = property(lambda self: self.live.spectrum)
    banner = property(lambda self: self.live.banner)
    readout = property(lambda self: self.live.readout)
    history = property(lambda self: self.live.history)
    cfg = property(lambda self: self.live.cfg)
    frames_received = property(lambda self: self.live.frames_received)
    pipeline = property(lambda self: self.session.pipeline)
    file_view = property(lambda self: self.file_tab.view)
    error_dialog = property(lambda self: self.file_tab.error_dialog)
    source_path = property(lambda self: self.session.source_path)
    source_label = property(lambda self: self.status.source_label)
    config_label = property(lambda self: self.status.config_label)
    health_label = property(lambda self: self.status.health_label)
    pause_action = property(lambda self: self.commands.actions["view.play_pause"])
    export_action = property(lambda self: self.commands.actions["view.export"])
    open_action = property(lambda self: self.commands.actions["file.open"])
    quit_action = property(lambda self: self.commands.actions["app.quit"])

    def current_tab(self) -> str:
        """The tab in view: :data:`~.commands.LIVE`, :data:`~.commands.FILE` or :data:`~.commands.LTSA`."""
        widget = self.tabs.currentWidget()
        if self.file_view is not None and widget is self.file_view:
            return FILE
        if self.file_tab.ltsa_view is not None and widget is self.file_tab.ltsa_view:
            return LTSA
        return LIVE

    # --- commands -----------------------------------------------------------------
    def _on_tab_changed(self, _index: int) -> None:
        window_commands.follow_tab(self)
        self.commands.refresh()
        self.update_status()

    def _refresh_commands(self, *_args) -> None:
        """Titles, check marks and enabled state again; not while Qt tears the window down (docks hide
        then, emitting visibilityChanged on a window already deleted)."""
        if not sip.isdeleted(self):
            self.commands.refresh()

    def show_shortcuts(self) -> ShortcutHelp:
        """F1: the list of shortcuts, built from the command registry."""
        if self.help_dialog is None:
            self.help_dialog = ShortcutHelp(self)
        self.help_dialog.show()
        self.help_dialog.raise_()
        return self.help_dialog

    # --- the live input ---------------------------------------------------------------
    def start(self) -> bool:
        """Open the input with the current settings; on failure show why in the banner and return False."""
        try:
            cfg = self.session.open(self.settings)
        except SessionRefused as err:
            self.banner.show_message(f"Could not open the input: {err}", reconnect=True)
            return False
        except Exception as err:  # a bug: logged with its traceback, the window keeps running
            self.session.stop()
            self.banner.show_message(log_bug("opening the input", err), reconnect=True)
            return False
        self.banner.hide()
        self.controls.set_channel_count(self.session.channels)
        self._set_cfg(cfg)
        self.live.rebase_time = True
        return True

    def stop(self) -> None:
        """Stop the pipeline (the history stays on screen)."""
        message = self.session.stop()
        if message:
            self.statusBar().showMessage(message, 5000)

    def refresh_devices(self) -> None:
        """Fill the device list from PortAudio (by name, which survives restarts)."""
        from specscope.app.live.devices import DeviceError, list_input_devices

        try:
            devices = list_input_devices()
        except (DeviceError, OSError) as err:  # no PortAudio at all: the list stays empty
            self.statusBar().showMessage(f"Cannot list input devices: {one_line(err)}", 5000)
            devices = []
        self.controls.set_devices([(f"{d.name} ({d.hostapi})", d.name) for d in devices])
        self.controls.set_settings(self.settings)

    def reconnect(self) -> None:
        """Reopen the input after a fault, devices enumerated again; the history stays on screen.

        PortAudio is restarted to rescan, which would pull the File tab's playback stream away: that
        playback is stopped first.
        """
        stopped: list[bool] = []
        message = self.session.rescan(before=lambda: stopped.append(self.file_tab.stop_playback()))
        if any(stopped):
            message = "File playback stopped to rescan the devices. " + message
        if message.strip():
            self.statusBar().showMessage(message.strip(), 5000)
        self.refresh_devices()
        self.start()

    def _on_input_lost(self, message: str) -> None:
        self.banner.show_message(f"Input lost: {message}. The history stays on screen.", reconnect=True)

    def _set_cfg(self, cfg: StftConfig) -> None:
        """Adopt a new STFT configuration: fresh history, axes, status line."""
        self.live.set_cfg(cfg)
        notice = self.session.source_notice
        self.status.set_source(notice, f"{notice}: {demo_path()}" if notice == DEMO_NOTICE else notice)
        self.setWindowTitle(f"specscope — {notice}" if notice else "specscope")
        self.update_status()

    def update_status(self) -> None:
        """The status bar shows the settings of the tab in view only (the file's on the File tab)."""
        tab = self.current_tab()
        live = tab == LIVE
        if live:
            text = self.cfg.describe() if self.cfg is not None else "stopped"
        else:
            text = self.file_tab.describe() if tab == FILE else self.file_tab.ltsa_view.title.text()
        self.status.show_tab(live, text)

    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.live.tick(now)
        self.status.tick(now, self.repaint_rate_hz(now), self.session.stats)

    def repaint_rate_hz(self, now: float | None = None) -> float:
        """Paint events of the spectrogram's viewport per second, over the last second."""
        return self._paint_counter.rate_hz(now)

    # --- pause, export, files -------------------------------------------------------------
    def set_paused(self, paused: bool) -> None:
        """Freeze the live display (frames keep arriving and are counted, not drawn)."""
        self.live.set_paused(paused)
        self.commands.refresh()
        if paused:
            self.statusBar().showMessage(
                "Paused: wheel, drag or ←/→/Home/End to look back, Ctrl+wheel zooms; Space resumes", 0)
        else:
            self.statusBar().clearMessage()

    def export_to(self, path: str):
        """Export the visible live spectrogram (see :meth:`LiveTab.export_to`)."""
        return self.live.export_to(path)

    def watch_as_live(self, path: str) -> bool:
        """Play `path` through the live pipeline (looping, in real time) and show the Live tab.

        Returns True if the pipeline started; otherwise the banner says why.
        """
        self.session.source_path = path
        self.tabs.setCurrentIndex(0)
        return self.start()

    def watch_device(self) -> bool:
        """Go back from a watched file to the input device (the default input or the one chosen)."""
        self.session.source_path = None
        return self.start()

    def ensure_file_view(self) -> FileView:
        """The File tab's view, created on first use."""
        return self.file_tab.ensure_view(self.settings)

    def open_file(self, path: str) -> bool:
        """Show an audio file in the File tab (analysed in the background).

        A file that cannot be read is reported in a non-modal warning dialog (:attr:`error_dialog`)
        with a one-line message; the previous file stays on screen.  Returns True if it opened.
        """
        ok = self.file_tab.open(path, self.settings)
        self.update_status()
        self.commands.refresh()
        return ok

    def recent_files(self) -> list[str]:
        """Recently opened files, newest first (at most :data:`N_RECENT_FILES`)."""
        return self.recent.paths()

    def fill_recent_menu(self) -> None:
        """Rebuild the Recent files menu (as it opens); files that no longer exist are dropped."""
        fill_menu(self.recent_menu, self.recent.existing(), self.open_file)

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

    # --- geometry and closing ---------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geom = self.store.value("window/geometry")
        state = self.store.value("window/state")
        if geom is not None:
            self.restoreGeometry(geom)
        else:
            self.resize(*DEFAULT_SIZE)
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
