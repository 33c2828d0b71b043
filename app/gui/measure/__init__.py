"""Measurement-grade live spectrum in the window: averaging, weighting, bands, calibration (issue 13).

Thread: the Qt GUI thread.

``attach_measurement(main_window)`` is the one call the main window makes: it
adds the "Measurement" dock (:class:`~.dock.MeasurementDock`) on the right,
hidden until the registry's ``measure.dock`` command (toolbar, View menu,
Ctrl+M) opens it, connects it to the window's frames signal and returns it;
the window passes the spectrum panel's data through
:meth:`~.dock.MeasurementDock.panel_spectrum`.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt

from .band_view import BandView
from .calibration import CalibrateDialog, CalibrationStore
from .controls import MeasurementControls
from .dock import MeasurementDock

__all__ = ["BandView", "CalibrateDialog", "CalibrationStore", "MeasurementControls", "MeasurementDock",
           "attach_measurement"]


def attach_measurement(main_window) -> MeasurementDock:
    """Add the measurement dock to `main_window` and feed it the live frames.

    The window must have ``store`` (QSettings) and a frames signal: the public
    ``frames_arrived``, ``session.frames`` or, failing that, ``_bridge.frames`` (lists of
    :class:`~specscope.app.live.pipeline.LiveFrame`, queued to the GUI thread).
    """
    dock = MeasurementDock(main_window.store, window=main_window)
    main_window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()  # the live view keeps its layout until the user opens the dock (its state is then restored)
    signal = getattr(main_window, "frames_arrived", None)
    if signal is None:  # the window split into a live session: its frames signal
        signal = getattr(getattr(main_window, "session", None), "frames", None)
    if signal is None:
        signal = main_window._bridge.frames
    signal.connect(dock.on_frames)
    return dock
