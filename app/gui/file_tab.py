"""The window's side of the File tab: create the file view, open files, hand it the settings, export.

Thread: the Qt GUI thread.

The view itself (:class:`~specscope.app.gui.file_view.FileView`) analyses,
draws, plays and exports; this module only connects it to the window: the
analysis and display settings the Settings dock edits, the error dialog, the
Export command and the status bar text.  Everything the File tab's commands
do goes through the view's public methods.

An ``ltsa.npz`` of ``specscope batch`` opened here goes to the LTSA tab
(:class:`~specscope.app.gui.ltsa_view.LtsaView`, created on first use); a
click on one of its columns opens that column's recording here, showing the
column's interval from its offset in the file.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QObject, Qt
from PyQt6.QtWidgets import QFileDialog, QMessageBox, QTabWidget, QWidget

from specscope.app.io.ltsa_file import LtsaFileError, is_ltsa_npz, load_ltsa
from specscope.app.logs import log

from .file_view import FileView
from .ltsa_view import LtsaView
from .settings import WindowSettings

EXPORT_FILTERS = "PNG image (*.png);;NumPy data (*.npz);;CSV table (*.csv)"


def analysis_changes(settings: WindowSettings, with_channel: bool) -> dict:
    """The file view's analysis settings (its ``set_config`` keys) from the window's model."""
    a = settings.analysis
    changes = {"n_fft": a.n_fft, "hop": a.effective_hop, "window": a.window_spec, "zero_pad": a.zero_pad}
    if with_channel:
        changes["channel"] = a.channel
    return changes


class FileTab(QObject):
    """Creates the File tab's view on first use and keeps it in step with the window.

    Parameters
    ----------
    window : QWidget
        Parent of the view and of the error dialog.
    tabs : QTabWidget
        Gets the view as its "File" tab.
    remember : callable
        Called with the path of every file that opened (recent files).
    """

    def __init__(self, window: QWidget, tabs: QTabWidget, remember: Callable[[str], object]) -> None:
        super().__init__(window)
        self.window, self.tabs, self.remember = window, tabs, remember
        self.view: FileView | None = None
        self.error_dialog: QMessageBox | None = None
        self.on_created: list[Callable[[FileView], object]] = []
        self.ltsa_view: LtsaView | None = None
        self._settings: WindowSettings | None = None

    def ensure_view(self, settings: WindowSettings) -> FileView:
        """The File tab's view, created (with the window's settings) on first use."""
        if self.view is None:
            view = self.view = FileView(self.window)
            view.error.connect(self.show_error)
            view.loaded.connect(self._on_loaded)  # also files dropped on the view itself
            self.tabs.addTab(view, "File")
            self.forward(settings, None)
            for hook in self.on_created:
                hook(view)
        return self.view

    def _on_loaded(self, path: str) -> None:
        if path:
            self.remember(path)

    def open(self, path: str, settings: WindowSettings) -> bool:
        """Show `path` in the File tab (an LTSA in the LTSA tab); a file that cannot be read gets the one-line
        dialog. True if opened."""
        if is_ltsa_npz(path):
            return self.open_ltsa(path, settings)
        view = self.ensure_view(settings)
        errors: list[str] = []
        view.error.connect(errors.append)  # direct connection: load() reports synchronously
        try:
            view.load(path)
        finally:
            view.error.disconnect(errors.append)
        if errors:
            return False
        self.remember(path)
        self.tabs.setCurrentWidget(view)
        return True

    def open_ltsa(self, path: str, settings: WindowSettings) -> bool:
        """Show an ``ltsa.npz`` in the LTSA tab; a bad one gets the one-line dialog. True if opened."""
        try:
            ltsa = load_ltsa(path)
        except LtsaFileError as err:
            self.show_error(str(err))
            return False
        if self.ltsa_view is None:
            self.ensure_view(settings)  # tabs in the order Live, File, LTSA
            self.ltsa_view = LtsaView(self.window)
            self.ltsa_view.open_source.connect(self.open_source)
            self.tabs.addTab(self.ltsa_view, "LTSA")
        self._settings = settings
        d = settings.display
        self.ltsa_view.show_ltsa(ltsa, d.floor_db, d.ceiling_db, d.colormap)
        self.remember(path)
        self.tabs.setCurrentWidget(self.ltsa_view)
        return True

    def open_source(self, path: str, offset_s: float) -> bool:
        """Open an LTSA column's recording in the File tab, showing that column's interval from `offset_s`."""
        ltsa = self.ltsa_view.ltsa if self.ltsa_view is not None else None
        if ltsa is None or self._settings is None:
            return False
        if not (self.has_file and self.view.path == path) and not self.open(path, self._settings):
            return False
        self.tabs.setCurrentWidget(self.view)
        self.view.go_to(offset_s, offset_s + ltsa.interval_s)
        self.view.seek(offset_s)
        return True

    def forward(self, settings: WindowSettings, group: str | None) -> None:
        """Give the view the analysis (``stft``; the channel with ``source``) or display settings of `group`.

        ``None`` forwards the analysis and display settings but not the channel: the live input's
        channel may not exist in the file.  Unchanged analysis settings are not sent (each change
        recomputes the whole file).
        """
        view = self.view
        if view is None:
            return
        if group in ("stft", "source", None):
            changes = analysis_changes(settings, with_channel=group == "source")
            current = view.settings()
            if any(current.get(k) != v for k, v in changes.items()):
                view.set_config(changes)
        if group in ("view", "levels", "colormap", None):
            d = settings.display
            view.set_display(scale=d.scale, floor_db=d.floor_db, ceiling_db=d.ceiling_db, colormap_name=d.colormap)

    def show_error(self, message: str) -> None:
        """Warn in a non-modal dialog (reused, so only the newest message is shown)."""
        log.info("file view: %s", message)
        if self.error_dialog is None:
            self.error_dialog = QMessageBox(QMessageBox.Icon.Warning, "specscope", "",
                                            QMessageBox.StandardButton.Ok, self.window)
            self.error_dialog.setWindowModality(Qt.WindowModality.NonModal)
        self.error_dialog.setText(message)
        self.error_dialog.show()

    # --- what the File tab's commands need ----------------------------------------
    @property
    def has_file(self) -> bool:
        return self.view is not None and self.view.path is not None

    @property
    def has_selection(self) -> bool:
        return self.has_file and self.view.selection is not None

    def can_play(self) -> bool:
        return self.has_file and bool(getattr(self.view.player, "available", False))

    def playing(self) -> bool:
        """Whether the File tab's playback stream is open (``is_active()`` when the player has it)."""
        player = getattr(self.view, "player", None)
        if player is None:
            return False
        is_active = getattr(player, "is_active", None)
        return bool(is_active()) if callable(is_active) else bool(getattr(player, "playing", False))

    def stop_playback(self) -> bool:
        """Stop the File tab's playback (before PortAudio restarts); True if it was playing."""
        if not self.playing():
            return False
        self.view.player.stop()
        return True

    def export_to(self, path: str) -> None:
        """Export the file view: ``.png`` the view as shown, ``.npz``/``.csv`` the selection or visible range.

        The view reports the result by its ``exported`` or ``error`` signal.
        """
        if path.lower().endswith(".png"):
            self.view.export_png(path)
        else:
            self.view.export_data(path)

    def ask_export(self) -> None:
        """The Export dialog of the File tab (PNG, NPZ or CSV)."""
        path, chosen = QFileDialog.getSaveFileName(self.window, "Export the file view", "", EXPORT_FILTERS)
        if path:
            if "." not in path.rsplit("/", 1)[-1]:
                path += "." + chosen.split("*.")[-1].rstrip(")")
            self.export_to(path)

    def describe(self) -> str:
        """The status bar's text on the File tab: the file's own analysis settings, then its integrated
        loudness and true peak once measured (progress until then)."""
        cfg = self.view.cfg if self.view is not None else None
        if cfg is None:
            return "no file open"
        levels = self.view.file_levels.status_text()
        return f"{cfg.describe()}  |  {levels}" if levels else cfg.describe()
