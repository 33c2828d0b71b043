"""The window's status bar: the source notice, the settings of the tab in view, and the health indicator.

Thread: the Qt GUI thread.

The three labels are permanent widgets (temporary messages do not hide
them).  The configuration text is elided, never widening the window; its
full text is the tooltip.  The health indicator (:mod:`.health`) shows only
on the Live tab and is fed twice a second with the pipeline's statistics; a
failure to read them is a bug, logged once with its traceback.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtWidgets import QLabel, QStatusBar

from specscope.app.live.frames import PipelineStats
from specscope.app.logs import log_bug

from .health import HealthIndicator
from .widgets import ElidedLabel

SOURCE_STYLE = "QLabel { color: #ffcc66; font-weight: bold; padding: 0 6px; }"


class WindowStatus:
    """The permanent parts of `bar`: :attr:`source_label`, :attr:`config_label`, :attr:`health_label`."""

    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        self.source_label = QLabel()
        self.source_label.setStyleSheet(SOURCE_STYLE)
        self.source_label.hide()
        self.config_label = ElidedLabel()
        self.health_label = HealthIndicator()
        bar.addPermanentWidget(self.source_label)
        bar.addPermanentWidget(self.config_label, 3)
        bar.addPermanentWidget(self.health_label, 2)
        self._stats_bug_logged = False

    def set_source(self, notice: str, tip: str) -> None:
        """What feeds the Live tab when it is not the chosen device ("Input: demo.wav (looping)"), or ""."""
        self.source_label.setText(notice)
        self.source_label.setToolTip(tip)

    def show_tab(self, live: bool, text: str) -> None:
        """The settings `text` of the tab in view; the source notice and health only on the Live tab."""
        self.config_label.setText(text)
        self.source_label.setVisible(live and bool(self.source_label.text()))
        self.health_label.setVisible(live)

    def tick(self, now: float, repaint_hz: float, stats: Callable[[], PipelineStats | None]) -> None:
        """Update the health indicator when it is due (every 0.5 s) from `stats()`."""
        if not self.health_label.due(now):
            return
        try:
            snapshot = stats()
        except Exception as err:  # a dying pipeline must not take the window with it; it is a bug
            if not self._stats_bug_logged:  # once, not twice a second
                self._stats_bug_logged = True
                self.bar.showMessage(log_bug("reading the pipeline's statistics", err), 10000)
            snapshot = None
        self.health_label.update_from(now, repaint_hz, snapshot)
