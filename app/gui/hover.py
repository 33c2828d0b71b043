"""The cursor readout of a plot: shown as the mouse moves, refreshed under a still cursor, cleared on leaving.

Thread: the Qt GUI thread.

:class:`HoverReadout` is mixed into a ``pg.PlotWidget`` with a ``readout``
signal (the spectrum panel, the scrolling spectrogram).  The text comes from
the widget's :meth:`HoverReadout._hover_text` (both format it with
:func:`~specscope.app.model.readouts.cursor_readout`); when the data or the
view change under a cursor that has not moved, :meth:`HoverReadout._refresh_readout`
recomputes it, at most every :data:`~specscope.app.model.readouts.READOUT_REFRESH_S`
unless forced (:class:`~specscope.app.model.readouts.ReadoutThrottle`).
"""

from __future__ import annotations

import time

from PyQt6.QtCore import QPointF

from specscope.app.model.readouts import READOUT_REFRESH_S, ReadoutThrottle


class HoverReadout:
    """Readout under the mouse for a plot widget (see the module docstring); call :meth:`_init_hover` once."""

    def _init_hover(self) -> None:
        self._mouse_pos: QPointF | None = None
        """Scene position of the cursor over the plot (None elsewhere): the readout is refreshed there."""
        self._throttle = ReadoutThrottle(READOUT_REFRESH_S)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _hover_text(self, x: float, y: float) -> str:
        """The readout at view coordinates (x, y)."""
        raise NotImplementedError

    def _hovered(self, x: float, y: float) -> None:
        """After the readout at view (x, y) was sent (a hook; nothing by default)."""

    def _on_mouse_moved(self, pos: QPointF) -> None:
        vb = self.getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            if self._mouse_pos is not None:
                self._cursor_left()
            return
        self._mouse_pos = QPointF(pos)
        p = vb.mapSceneToView(pos)
        self.readout.emit(self._hover_text(p.x(), p.y()))
        self._hovered(p.x(), p.y())

    def _cursor_left(self) -> None:
        self._mouse_pos = None
        self.readout.emit("")

    def _refresh_readout(self, force: bool = False) -> None:
        """Readout at a cursor that has not moved, for what is shown under it now (throttled unless forced)."""
        if self._mouse_pos is None or not self._throttle.due(time.monotonic(), force):
            return
        self._on_mouse_moved(self._mouse_pos)

    def leaveEvent(self, ev) -> None:
        if self._mouse_pos is not None:
            self._cursor_left()
        super().leaveEvent(ev)
