"""The scrolling spectrogram's history under the cursor and while paused: readout, frame at the cursor,
browsing with keys and wheel, the visible frames.

Thread: the Qt GUI thread (a mixin of :class:`~specscope.app.gui.spectrogram_view.SpectrogramView`).

The view's x axis is time relative to the view offset ``t_ref_s`` (0 = the
newest frame's right edge); absolute times are ``x + t_ref_s``.  The cursor
readout (:class:`~specscope.app.gui.hover.HoverReadout`, shared with the
spectrum panel) names the history frame under the cursor in the unit of the
view's :class:`~specscope.app.model.level_display.LevelDisplay`; while paused
the frame itself is sent to the spectrum panel (``frame_at_cursor``), and
Left/Right/Home/End and the wheel move through the history held.
"""

from __future__ import annotations

import math

import numpy as np
from PyQt6.QtCore import Qt

from specscope.app.model.readouts import cursor_readout

from .hover import HoverReadout


class SpectrogramBrowsing(HoverReadout):
    """Readout, frame at the cursor, paused browsing and visible frames (see the module docstring)."""

    def visible_time_range_s(self) -> tuple[float, float]:
        """Absolute times (s, the frames' clock) at the left and right edges of the view."""
        x0, x1 = self.getViewBox().viewRange()[0]
        return float(x0) + self.t_ref_s, float(x1) + self.t_ref_s

    def visible_data(self) -> tuple[np.ndarray, np.ndarray]:
        """History frames whose centres lie in the visible time range: (db (n_freqs, n), times_s (n,))."""
        if self.history is None or len(self.history) == 0:
            n = self.cfg.n_freqs if self.cfg else 0
            return np.empty((n, 0), np.float32), np.empty(0)
        x0, x1 = self.visible_time_range_s()
        first, times = self.history.ordered_times()
        inside = np.flatnonzero((times >= x0) & (times <= x1))
        if inside.size == 0:
            return np.empty((self.cfg.n_freqs, 0), np.float32), np.empty(0)
        return self.history.ordered(first + int(inside[0]), first + int(inside[-1]) + 1)

    def readout_at(self, t_s: float, u: float) -> str:
        """Cursor readout at absolute time `t_s` (s) and scale coordinate `u` (view x + ``t_ref_s``, view y)."""
        if self.cfg is None or self.history is None:
            return ""
        f_hz = float(self.scale.inverse(u))
        seq = self.history.seq_at_time(t_s)
        if seq is None:
            return cursor_readout(f_hz, self.cfg, None, time_s=t_s - self.t_ref_s, levels=self.level_display)
        # Time as the axis shows it: seconds relative to the view offset (0 = newest frame).
        return cursor_readout(f_hz, self.cfg, self.history.frame(seq), time_s=self.history.time_s(seq) - self.t_ref_s,
                              levels=self.level_display)

    def _hover_text(self, x: float, y: float) -> str:
        return self.readout_at(x + self.t_ref_s, y)

    def _hovered(self, x: float, y: float) -> None:
        if self.paused:
            self._emit_frame_at(x + self.t_ref_s)

    def _cursor_left(self) -> None:
        super()._cursor_left()
        if self.paused:
            self._emit_frame_at(self.visible_time_range_s()[1])  # back to the pause position

    def _emit_frame_at(self, t_s: float) -> None:
        """Paused: send the history frame nearest absolute time `t_s` (clamped to the frames held)."""
        if self.history is None or len(self.history) == 0:
            return
        first, times = self.history.ordered_times()
        i = int(np.clip(np.searchsorted(times, t_s), 0, len(times) - 1))
        if i > 0 and abs(times[i - 1] - t_s) <= abs(times[i] - t_s):
            i -= 1
        seq = first + i
        self.frame_at_cursor.emit(self.history.frame(seq).copy(), self.history.time_s(seq) - self.t_ref_s)

    # --- paused browsing -----------------------------------------------------------
    def keyPressEvent(self, ev) -> None:
        """While paused: Left/Right pan by a fifth of the visible span, Home/End jump to the oldest/newest frame."""
        if not self.paused or self.history is None or len(self.history) == 0:
            super().keyPressEvent(ev)
            return
        x0, x1 = self.getViewBox().viewRange()[0]
        width = x1 - x0
        key = ev.key()
        if key == Qt.Key.Key_Left:
            x0 -= 0.2 * width
        elif key == Qt.Key.Key_Right:
            x0 += 0.2 * width
        elif key == Qt.Key.Key_Home:
            x0 = -math.inf
        elif key == Qt.Key.Key_End:
            x0 = math.inf
        else:
            super().keyPressEvent(ev)
            return
        self._scroll_to(x0, width)
        ev.accept()

    def _scroll_to(self, x0: float, width: float) -> None:
        """Show view times `x0 .. x0 + width` (s), kept between the oldest frame held and the newest."""
        _, times = self.history.ordered_times()
        oldest = float(times[0]) - self.t_ref_s - 0.5 * (self.cfg.hop_s if self.cfg else 0.0)
        x0 = min(max(x0, oldest), -width)
        self.setXRange(x0, x0 + width, padding=0.0)

    def wheelEvent(self, ev) -> None:
        """Paused: the wheel scrolls time (a tenth of the view per step; up or left is earlier) and
        Ctrl+wheel zooms time around the cursor.  Running: the view follows the newest frame."""
        if not self.paused or self.history is None or len(self.history) == 0:
            ev.ignore()
            return
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(ev)  # the ViewBox zooms x (its y is fixed) around the cursor
            return
        delta = ev.angleDelta()
        steps = (delta.y() if delta.y() else delta.x()) / 120.0
        x0, x1 = self.getViewBox().viewRange()[0]
        self._scroll_to(x0 - 0.1 * steps * (x1 - x0), x1 - x0)
        ev.accept()
