"""The level-meter and signal-generator docks (Qt), and the one call that puts them on the main window.

Thread: the Qt GUI thread.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, Qt

from .generator_dock import GeneratorDock
from .level_dock import LevelMeterDock, MeterTap


class _CloseWatcher(QObject):
    """Stops the generator when the window closes (a dock gets no close event of its own then)."""

    def __init__(self, window, generator: GeneratorDock) -> None:
        super().__init__(window)
        self._generator = generator

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Close:
            self._generator.stop()
        return False


def attach_meters(main_window, generator_device: str | None = None) -> tuple[LevelMeterDock, GeneratorDock]:
    """Add the Levels and Signal generator docks to `main_window` (right side, tabbed, hidden).

    Their View-menu entries and shortcuts are the registry's ``meters.levels_dock`` and
    ``meters.generator_dock`` commands (:mod:`specscope.app.gui.commands`).

    The level dock follows ``main_window.pipeline`` (see :mod:`.level_dock`) and, if the window has a
    ``store`` (QSettings), reads each input's calibration where the Measurement dock keeps it
    (:class:`~specscope.app.gui.measure.calibration.CalibrationStore`); the generator plays on its own
    output stream.  Returns both docks.
    """
    levels = LevelMeterDock(main_window, main_window)
    store = getattr(main_window, "store", None)
    if store is not None:
        from ..measure.calibration import CalibrationStore

        levels.calibration_for = CalibrationStore(store).offset_db
    generator = GeneratorDock(main_window, device=generator_device)
    area = Qt.DockWidgetArea.RightDockWidgetArea
    main_window.addDockWidget(area, levels)
    main_window.addDockWidget(area, generator)
    main_window.tabifyDockWidget(levels, generator)
    # Hidden until asked for (View menu, Ctrl+L / Ctrl+G), as the Measurement dock: shown, they would
    # narrow the spectrogram and keep the window from fitting 800 px.
    levels.hide()
    generator.hide()
    levels.raise_()
    watcher = _CloseWatcher(main_window, generator)
    main_window.installEventFilter(watcher)
    main_window._meters = (levels, generator, watcher)  # keep them alive with the window
    return levels, generator


__all__ = ["GeneratorDock", "LevelMeterDock", "MeterTap", "attach_meters"]
