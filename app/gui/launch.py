"""Start the GUI: the Qt application, theme and main window.

Thread: the main thread, which becomes the Qt GUI thread.
"""

from __future__ import annotations

import sys

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QGuiApplication, QPalette
from PyQt6.QtWidgets import QApplication

from specscope.app import logs

from .settings import APPLICATION, ORGANIZATION


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style."""
    p = QPalette()
    window, base, text = QColor(37, 37, 40), QColor(24, 24, 27), QColor(225, 225, 225)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: window,
        QPalette.ColorRole.ToolTipBase: base,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(48, 48, 52),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 80, 80),
        QPalette.ColorRole.Highlight: QColor(42, 130, 218),
        QPalette.ColorRole.HighlightedText: QColor(0, 0, 0),
        QPalette.ColorRole.Link: QColor(90, 170, 255),
        QPalette.ColorRole.Mid: QColor(130, 130, 130),
        QPalette.ColorRole.PlaceholderText: QColor(140, 140, 140),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return p


def apply_theme(app: QApplication) -> bool:
    """Fusion style; dark unless the system says it is light.  Returns True if dark."""
    app.setStyle("Fusion")
    scheme = QGuiApplication.styleHints().colorScheme()
    dark = scheme != Qt.ColorScheme.Light
    if dark:
        app.setPalette(dark_palette())
    return dark


def application() -> QApplication:
    """The QApplication, created (with theme and names) if there is none."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setOrganizationName(ORGANIZATION)
        app.setApplicationName(APPLICATION)
        app.setApplicationDisplayName("specscope")
        apply_theme(app)
    return app


def launch(path: str | None = None, verbose: bool = False) -> int:
    """Open the window and run the event loop until it closes.

    Parameters
    ----------
    path : str, optional
        An audio file to open in the window.
    verbose : bool
        Log at DEBUG level, and to stderr as well as the log file.

    Returns
    -------
    int
        The process exit status (0).
    """
    logs.configure(verbose)
    logs.log.info("window started%s", f" with {path}" if path else "")
    app = application()
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    if path is not None:
        window.open_file(path)
    return int(app.exec())
