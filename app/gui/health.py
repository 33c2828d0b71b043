"""The health indicator in the status bar: repaint rate, DSP time, latency and lost audio.

Thread: the Qt GUI thread.

Lost audio (overflows, overwritten or dropped frames) turns the indicator red
for :data:`HEALTH_ALARM_S` seconds after the last loss, so it is seen, not a flash.
"""

from __future__ import annotations

import time
from collections import deque

from PyQt6.QtCore import QEvent, QObject

from .widgets import ElidedLabel

HEALTH_INTERVAL_S = 0.5
"""How often the indicator is updated."""
HEALTH_ALARM_S = 5.0
"""The indicator stays highlighted this long after audio was lost."""
HEALTH_ALARM_STYLE = "QLabel { background: #b00020; color: white; font-weight: bold; padding: 0 6px; }"
HEALTH_QUIET_STYLE = "QLabel { color: palette(mid); }"
ALARM_TIP = "Audio was lost (overflow or dropped frames): the computer could not keep up."
QUIET_TIP = "Repaint rate, DSP time per frame, latency, lost audio"


class PaintCounter(QObject):
    """Event filter noting the time of every paint event of the widget it watches."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.times: deque[float] = deque(maxlen=1000)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.times.append(time.perf_counter())
        return False

    def rate_hz(self, now: float | None = None) -> float:
        """Paint events per second over the last second."""
        now = time.perf_counter() if now is None else now
        times = self.times
        while times and now - times[0] > 1.0:
            times.popleft()
        return float(len(times))


class HealthIndicator(ElidedLabel):
    """Status-bar label fed with the repaint rate and the pipeline's statistics."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lost_before = 0
        self._alarm_until_s = -1.0
        self._alarm_shown = True  # forces the quiet style on the first update
        self._last_s = 0.0

    def due(self, now: float) -> bool:
        """Whether :data:`HEALTH_INTERVAL_S` has passed since the last update."""
        return now - self._last_s >= HEALTH_INTERVAL_S

    def update_from(self, now: float, fps: float, stats) -> None:
        """Show `fps` and `stats` (a :class:`~specscope.app.live.pipeline.PipelineStats`, None when stopped)."""
        self._last_s = now
        parts = [f"{fps:.0f} fps"]
        lost = self._lost_before
        if stats is None:
            parts.append("stopped")
        else:
            if stats.dsp_ms_per_frame is not None:
                parts.append(f"DSP {stats.dsp_ms_per_frame:.2f} ms/frame")
            if stats.latency_ms_median is not None and stats.latency_ms_p95 is not None:
                parts.append(f"latency {stats.latency_ms_median:.0f} ms (p95 {stats.latency_ms_p95:.0f})")
            lost = int(stats.overflows + stats.overwritten + stats.dropped)
            parts.append(f"overflows {stats.overflows}, dropped {stats.dropped + stats.overwritten}")
        self.setText(" · ".join(parts))
        if lost > self._lost_before:
            self._alarm_until_s = now + HEALTH_ALARM_S
        alarm = now < self._alarm_until_s
        if alarm != self._alarm_shown:
            self._alarm_shown = alarm
            self.setStyleSheet(HEALTH_ALARM_STYLE if alarm else HEALTH_QUIET_STYLE)
        self.setToolTip(f"{ALARM_TIP if alarm else QUIET_TIP}: {self.text()}")
        self._lost_before = lost if stats is not None else 0
