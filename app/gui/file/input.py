"""Mouse and keys of the file view: what a wheel notch, a drag, a click or a key does.

Thread: the Qt GUI thread.

Mouse
-----
* wheel: zoom time about the pointer; Ctrl+wheel: zoom frequency; Shift+wheel: pan time;
* drag: pan; Shift+drag: select a time range; Shift+Ctrl+drag: select a time and frequency box;
* click: move the play position there.

Keys (while the file view has the focus; they win over the window's shortcuts)
------------------------------------------------------------------------------
The File tab's commands of :mod:`specscope.app.gui.commands` that the view
does itself (:func:`view_handlers`): their keys come from the registry, so
the help (F1), the menus and the view agree.  ``+``/``-`` zoom time,
``Ctrl++``/``Ctrl+-`` zoom frequency, arrows pan, ``Home`` or ``0`` show
everything, ``Z`` zoom to the selection, ``Backspace`` undo the last zoom or
pan, ``G`` go to a typed time range, ``Space`` play/pause, ``P`` play the
selection, ``L`` loop on/off, ``Esc`` clear the selection.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, QPointF, Qt
from PyQt6.QtGui import QKeyEvent, QKeySequence

from ..commands import COMMANDS, FILE, command

WHEEL_ZOOM_PER_STEP = 1.25
"""Zoom factor per wheel notch (120 units)."""
KEY_ZOOM_STEP = 1.5
"""Zoom factor per ``+``/``-`` key press."""
PAN_FRACTION = 0.2
"""Arrow keys move the view by this fraction of its span."""
_HINTS = (("file.wheel", "zoom time"), ("file.ctrl_wheel", "zoom Hz"), ("file.drag", "pan"),
          ("file.select", "select time"), ("file.box", "select a box"), ("file.click", "seek"),
          ("view.play_pause", "play/pause"),
          ("file.play_selection", "play selection"), ("file.zoom_selection", "zoom to selection"),
          ("file.undo_view", "undo zoom"), ("file.go_to", "go to"), ("file.show_all", "show all"))
HINT = " · ".join(f"{command(cid).shortcut}: {text}" for cid, text in _HINTS)
"""The file view's one-line help before the pointer moves over the plot, keys from the registry."""


def view_handlers(view) -> dict[str, Callable[[], None]]:
    """What the file view does itself, by command id of the registry (see the module docstring).

    The window binds the same commands to these handlers on the File tab
    (:mod:`specscope.app.gui.window_commands`), so a key does the same
    whether the view or the window takes it.
    """
    return {
        "view.play_pause": view.toggle_play,
        "file.play_selection": view.play_selection,
        "file.loop": lambda: view.set_loop(not view.player.loop),
        "file.clear_selection": view.clear_selection,
        "file.show_all": view.show_all,
        "file.zoom_selection": view.zoom_to_selection,
        "file.undo_view": view.undo_view,
        "file.go_to": view.ask_go_to,
        "file.zoom_in_time": lambda: view.zoom_time(1 / KEY_ZOOM_STEP),
        "file.zoom_out_time": lambda: view.zoom_time(KEY_ZOOM_STEP),
        "file.zoom_in_freq": lambda: view.zoom_freq(1 / KEY_ZOOM_STEP),
        "file.zoom_out_freq": lambda: view.zoom_freq(KEY_ZOOM_STEP),
        "file.pan_left": lambda: view.pan_time(-PAN_FRACTION),
        "file.pan_right": lambda: view.pan_time(PAN_FRACTION),
        "file.pan_up": lambda: view.pan_freq(PAN_FRACTION),
        "file.pan_down": lambda: view.pan_freq(-PAN_FRACTION),
    }


def key_table(handlers: dict[str, Callable[[], None]]) -> dict[QKeySequence, Callable[[], None]]:
    """Every key of the registry's File-tab commands in `handlers`, mapped to its handler."""
    return {QKeySequence(k): handlers[c.id] for c in COMMANDS if c.acts_on(FILE) and c.id in handlers
            for k in c.keys}


class KeyFilter(QObject):
    """Event filter taking the file view's keys before the window's shortcuts.

    While a watched widget has the focus, ShortcutOverride is accepted for
    the table's keys (so the window's Space does not fire), then the key
    press calls the slot.
    """

    def __init__(self, keys: dict[QKeySequence, Callable[[], None]], parent=None) -> None:
        super().__init__(parent)
        self._keys = keys

    def watch(self, *widgets) -> None:
        for w in widgets:
            w.installEventFilter(self)

    def slot_for(self, ev: QKeyEvent):
        mods = ev.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        return self._keys.get(QKeySequence(ev.key() | mods.value))

    def eventFilter(self, obj, ev) -> bool:
        kind = ev.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            slot = self.slot_for(ev)
            if slot is not None:
                ev.accept()
                if kind == QEvent.Type.KeyPress:
                    slot()
                return True
        return super().eventFilter(obj, ev)


class FileViewBox(pg.ViewBox):
    """ViewBox with the file view's mouse rules (see the module docstring)."""

    def __init__(self, view) -> None:
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
            if ev.isStart():
                self._view.remember_view()
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
        self._view.drag_selection(o.x(), p.x(), (o.y(), p.y()) if with_freq else None, ev.isFinish())
        if ev.isFinish():
            self._select_origin = None

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._view.seek(self.mapSceneToView(ev.scenePos()).x())
        else:
            ev.ignore()
