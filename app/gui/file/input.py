"""Mouse and keys of the file view: what a wheel notch, a drag, a click or a key does.

Thread: the Qt GUI thread.

Mouse
-----
* wheel: zoom time about the pointer; Ctrl+wheel: zoom frequency; Shift+wheel: pan time;
* drag: pan; Shift+drag: select a time range; Shift+Ctrl+drag: select a time and frequency box;
* click: move the play position there.

Keys (while the file view has the focus; they win over the window's shortcuts)
------------------------------------------------------------------------------
``+``/``-`` zoom time, ``Ctrl++``/``Ctrl+-`` zoom frequency, arrows pan,
``Home`` or ``0`` show everything, ``Z`` zoom to the selection, ``Backspace``
undo the last zoom or pan, ``G`` go to a typed time range, ``Space``
play/pause, ``P`` play the selection, ``L`` loop on/off, ``Esc`` clear the
selection.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, QPointF, Qt
from PyQt6.QtGui import QKeyEvent, QKeySequence

WHEEL_ZOOM_PER_STEP = 1.25
"""Zoom factor per wheel notch (120 units)."""
PAN_FRACTION = 0.2
"""Arrow keys move the view by this fraction of its span."""
HINT = ("wheel: zoom time · Ctrl+wheel: zoom Hz · drag: pan · Shift+drag: select time (Ctrl: and Hz) · "
        "click: seek · Space: play/pause · P: play selection · Z: zoom to selection · Backspace: undo zoom · "
        "G: go to · Home: show all")


def key_table(view) -> dict[QKeySequence, Callable[[], None]]:
    """The file view's keys and what they call (see the module docstring)."""
    return {
        QKeySequence("Space"): view.toggle_play,
        QKeySequence("P"): view.play_selection,
        QKeySequence("L"): lambda: view.set_loop(not view.player.loop),
        QKeySequence("Escape"): view.clear_selection,
        QKeySequence("Home"): view.show_all,
        QKeySequence("Z"): view.zoom_to_selection,
        QKeySequence("0"): view.show_all,
        QKeySequence("Backspace"): view.undo_view,
        QKeySequence("G"): view.ask_go_to,
        QKeySequence("+"): lambda: view.zoom_time(1 / 1.5),
        QKeySequence("="): lambda: view.zoom_time(1 / 1.5),
        QKeySequence("-"): lambda: view.zoom_time(1.5),
        QKeySequence("Ctrl++"): lambda: view.zoom_freq(1 / 1.5),
        QKeySequence("Ctrl+="): lambda: view.zoom_freq(1 / 1.5),
        QKeySequence("Ctrl+-"): lambda: view.zoom_freq(1.5),
        QKeySequence("Left"): lambda: view.pan_time(-PAN_FRACTION),
        QKeySequence("Right"): lambda: view.pan_time(PAN_FRACTION),
        QKeySequence("Up"): lambda: view.pan_freq(PAN_FRACTION),
        QKeySequence("Down"): lambda: view.pan_freq(-PAN_FRACTION),
    }


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
