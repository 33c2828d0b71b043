"""What each command of the registry does in the window, per tab, and the dialogs it opens.

Thread: the Qt GUI thread.

:func:`bind` registers a handler for every command of :mod:`.commands` on
the tabs where it acts; the File tab's commands call the file view's public
methods, those the view also takes as keys through its ``handlers``
(:func:`specscope.app.gui.file.input.view_handlers`).  The dock toggles
(Settings, Measurement, Levels, Signal generator, Annotations) are commands
too, so each has its View-menu entry, shortcut and check mark from the
registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6 import sip
from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtWidgets import QFileDialog

from specscope.app.logs import log_bug, one_line

from .commands import FILE, LIVE
from .file.levels_summary import show_levels

if TYPE_CHECKING:
    from .file_view import FileView
    from .main_window import MainWindow

AUDIO_FILE_FILTER = "Audio files (*.wav *.flac *.ogg *.aiff *.aif *.mp3);;All files (*)"
OPEN_FILE_FILTER = AUDIO_FILE_FILTER.replace(";;", ";;Long-term spectral average (ltsa.npz *.npz);;", 1)
LIVE_EXPORT_FILTERS = "PNG image (*.png);;NumPy data (*.npz);;CSV table (*.csv)"


def bind(w: MainWindow) -> None:
    """Register the window's handlers with its :class:`~.actions.CommandActions`."""
    c, ft = w.commands, w.file_tab

    def view() -> FileView:
        return ft.view

    def does(command_id: str):
        """The File tab's handler of `command_id` that its view also takes as a key (one definition)."""
        return lambda: view().handlers[command_id]()

    c.on("file.open", lambda: ask_open(w))
    c.on("file.watch", lambda: ask_watch(w))
    c.on("file.device", w.watch_device)
    c.on("app.quit", w.close)
    c.on("view.export", lambda: ask_export_live(w), (LIVE,))
    c.on("view.export", ft.ask_export, (FILE,), enabled=lambda: ft.has_file)
    c.on("view.play_pause", lambda: w.set_paused(not w.live.paused), (LIVE,))
    c.on("view.play_pause", does("view.play_pause"), (FILE,), enabled=ft.can_play)
    c.state("view.play_pause", lambda tab: w.live.paused if tab == LIVE else ft.playing())
    c.on("file.play_selection", does("file.play_selection"), enabled=lambda: ft.has_selection and ft.can_play())
    c.on("file.zoom_selection", does("file.zoom_selection"), enabled=lambda: ft.has_selection)
    c.on("file.show_all", does("file.show_all"), enabled=lambda: ft.has_file)
    c.on("file.clear_selection", does("file.clear_selection"), enabled=lambda: ft.has_selection)
    c.on("file.loop", does("file.loop"), enabled=lambda: ft.has_file)
    c.on("file.undo_view", does("file.undo_view"), enabled=lambda: ft.has_file)
    c.on("file.go_to", does("file.go_to"), enabled=lambda: ft.has_file)
    c.on("file.levels", lambda: show_levels(w, view().file_levels), enabled=lambda: ft.has_file)
    c.on("file.cancel", lambda: view().cancel(), enabled=lambda: bool(ft.view and ft.view.background_jobs()))
    c.on("file.annotate", lambda: view().annotate_selection(), enabled=lambda: ft.has_selection)
    c.on("file.delete_annotation", lambda: view().delete_annotation(),
         enabled=lambda: ft.has_file and view().selected_annotation is not None)
    c.on("file.undo_annotation", lambda: view().undo_annotation(), enabled=lambda: ft.has_file and
         view().annotations.can_undo)
    c.on("file.redo_annotation", lambda: view().redo_annotation(), enabled=lambda: ft.has_file and
         view().annotations.can_redo)
    c.on("file.label_annotation", lambda: view().edit_label_in_place(view().selected_annotation),
         enabled=lambda: ft.has_file and view().selected_annotation is not None)
    c.on("file.play_band", lambda: view().play_band(), enabled=lambda: ft.has_selection and ft.can_play())
    c.on("file.noise_box", lambda: view().set_noise_from_selection(), enabled=lambda: ft.has_selection)
    c.on("file.save_annotations", lambda: view().ask_save_annotations(), enabled=lambda: ft.has_file)
    c.on("file.open_annotations", lambda: view().ask_open_annotations(), enabled=lambda: ft.has_file)
    c.on("file.annotations_dock", lambda: toggle_annotations(w),
         enabled=lambda: getattr(w, "annotation_dock", None) is not None)
    c.state("file.annotations_dock", lambda tab: shown(getattr(w, "annotation_dock", None)))
    c.on("file.wave_db", lambda: view().set_waveform_db(not view().waveform.db), enabled=lambda: ft.has_file)
    c.state("file.wave_db", lambda tab: ft.view is not None and ft.view.waveform.db)
    c.on("analysis.next_fft", w.cycle_fft_size)
    for cid, dock in (("settings.dock", lambda: w.dock), ("measure.dock", lambda: w.measurement),
                      ("meters.levels_dock", lambda: w.meters[0]), ("meters.generator_dock", lambda: w.meters[1])):
        c.on(cid, lambda dock=dock: toggle(dock(), w), enabled=lambda dock=dock: _dock(dock) is not None)
        c.state(cid, lambda tab, dock=dock: shown(_dock(dock)))
    c.on("settings.reset", w.reset_to_defaults)
    c.on("help.shortcuts", w.show_shortcuts)
    ft.on_created.append(lambda v: on_file_view_created(w, v))


def on_file_view_created(w: MainWindow, view: FileView) -> None:
    """Hook the new File tab into the commands: context menu, and refreshes when its state changes."""
    w.commands.attach_context_menu(view, FILE)
    view.selection_changed.connect(lambda _: w.commands.refresh())
    view.loaded.connect(lambda _: w.update_status())
    view.analysis_finished.connect(lambda _: w.commands.refresh())
    view.file_levels.changed.connect(w.update_status)
    view.player.state_changed.connect(lambda _: w.commands.refresh())
    view.annotation_listeners.append(lambda _: w.commands.refresh())
    from .annotations.table import AnnotationDock

    w.annotation_dock = AnnotationDock(view, w)
    w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, w.annotation_dock)
    w.resizeDocks([w.annotation_dock], [max(110, w.height() // 4)], Qt.Orientation.Vertical)
    w.annotation_dock.visibilityChanged.connect(w._refresh_commands)
    w.annotation_dock.visibilityChanged.connect(lambda _: remember_annotations(w))
    w._unsaved_guard = UnsavedGuard(view, w)  # the unsaved-annotations prompt on closing the window
    w.installEventFilter(w._unsaved_guard)
    w._unsaved_guard.place_dock(w, w.height())


def toggle_annotations(w: MainWindow) -> None:
    """Ctrl+T on the File tab: show or hide the annotation table, and remember the choice."""
    toggle(w.annotation_dock, w)
    w.annotations_wanted = not w.annotation_dock.isHidden()


def remember_annotations(w: MainWindow) -> None:
    """The table closed by its own button (or shown) while the File tab is in view: that is the choice.

    A table tabbed behind the Settings panel is not hidden, only not in front: it stays wanted.
    """
    if not sip.isdeleted(w) and w.current_tab() == FILE:  # not while Qt deletes the window (docks hide then)
        w.annotations_wanted = not w.annotation_dock.isHidden()


def follow_tab(w: MainWindow) -> None:
    """The annotation table belongs to the File tab: shown there (if wanted), hidden on the others."""
    dock = getattr(w, "annotation_dock", None)
    if dock is None:
        return
    on_file = w.current_tab() == FILE
    if on_file and w.annotations_wanted and dock.isHidden():
        dock.show()
    elif not on_file and not dock.isHidden():
        dock.hide()


def _dock(get):
    """The dock `get` returns, or None while the window is still being built."""
    try:
        return get()
    except AttributeError:
        return None


SIDE_DOCK_SHARE = 0.25
"""A side dock shown for the first time takes at most this share of the window's width (but never less
than its minimum): the Measurement dock's natural 600 px would leave a 1200 px window's spectrogram 70 px."""


def toggle(dock, w: MainWindow) -> None:
    """Show a hidden dock (in front of the docks tabbed with it), hide a shown one.

    The first time a side dock is shown it gets its natural width, capped at :data:`SIDE_DOCK_SHARE` of
    the window; after that it keeps the width the user gave it.
    """
    if not dock.isHidden():
        dock.hide()
        return
    dock.show()
    dock.raise_()
    sized = w.sized_docks
    side = w.dockWidgetArea(dock) in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
    if dock.objectName() not in sized and side and not dock.isFloating():
        sized.add(dock.objectName())
        want = max(dock.minimumSizeHint().width(), min(dock.sizeHint().width(), int(SIDE_DOCK_SHARE * w.width())))
        w.resizeDocks([dock], [want], Qt.Orientation.Horizontal)


def shown(dock) -> bool:
    return dock is not None and not dock.isHidden()


SMALL_HEIGHT_PX = 640
"""Below this window height the annotation table is a tab beside the Settings panel."""


class UnsavedGuard(QObject):
    """Asks about unsaved annotations before the window closes (a Cancel keeps it open); places the
    annotation dock for the window's height."""

    def __init__(self, view: FileView, parent=None) -> None:
        super().__init__(parent)
        self.view = view

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() == QEvent.Type.Close and obj is self.parent() and not self.view.confirm_annotations():
            ev.ignore()
            return True
        if ev.type() == QEvent.Type.Resize and obj is self.parent():
            self.place_dock(obj, ev.size().height())
        return super().eventFilter(obj, ev)

    def place_dock(self, w, height_px: int) -> None:
        """Below the File tab in a tall window; in a low one (< SMALL_HEIGHT_PX) a tab beside Settings,
        so the spectrogram keeps its height.  A dock the user floated or moved stays where it is."""
        dock, settings = getattr(w, "annotation_dock", None), getattr(w, "dock", None)
        if dock is None or settings is None or dock.isFloating():
            return
        area = w.dockWidgetArea(dock)
        if height_px < SMALL_HEIGHT_PX and area == Qt.DockWidgetArea.BottomDockWidgetArea:
            w.tabifyDockWidget(settings, dock)
            settings.raise_()  # the Settings panel stays in front; the table is one click away
            self.moved = True
        elif height_px >= SMALL_HEIGHT_PX and getattr(self, "moved", False) and area != \
                Qt.DockWidgetArea.BottomDockWidgetArea:
            w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            w.resizeDocks([dock], [max(110, height_px // 4)], Qt.Orientation.Vertical)
            self.moved = False


def ask_export_live(w: MainWindow) -> None:
    """Export the visible live spectrogram to a file the user names; the banner says why it failed."""
    path, _ = QFileDialog.getSaveFileName(w, "Export the visible spectrogram", "spectrogram.png", LIVE_EXPORT_FILTERS)
    if not path:
        return
    try:
        out = w.export_to(path)
    except (ValueError, OSError) as err:  # a bad name or folder, a full disk: one line
        w.banner.show_message(f"Export failed: {one_line(err)}", reconnect=False)
        return
    except Exception as err:  # a bug: logged with its traceback, named in the banner
        w.banner.show_message(log_bug("exporting the live spectrogram", err), reconnect=False)
        return
    w.statusBar().showMessage(f"Exported {out}", 5000)


def ask_open(w: MainWindow) -> None:
    path, _ = QFileDialog.getOpenFileName(w, "Open an audio file", "", OPEN_FILE_FILTER)
    if path:
        w.open_file(path)


def ask_watch(w: MainWindow) -> None:
    current = w.file_view.path if w.file_view is not None and w.file_view.path else ""
    path, _ = QFileDialog.getOpenFileName(w, "Watch an audio file as live input", current, AUDIO_FILE_FILTER)
    if path:
        w.watch_as_live(path)
