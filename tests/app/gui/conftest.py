"""Fixtures of the window tests: a private settings store and the main window, made one way.

Thread: pytest's main thread (the Qt GUI thread, offscreen).

store
    A QSettings INI file in the test's temporary folder (nothing of the user's is read or written).
make_window
    ``make_window(size=(1200, 700), settings=None, start=False, show=True)``: a :class:`MainWindow` on
    `store` that opens no input by itself (``autostart=False``); with `settings` they are applied
    first, with ``start=True`` the input is opened (the test fails with the banner's text if it
    cannot be).  Every window made is closed at teardown.
window
    ``make_window()``: shown, 1200 x 700, not started.
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QSettings


@pytest.fixture
def store(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, store):
    from specscope.app.gui.main_window import MainWindow

    made = []

    def make(size=(1200, 700), settings=None, start: bool = False, show: bool = True) -> MainWindow:
        w = MainWindow(store=store, autostart=False)
        qtbot.addWidget(w)
        made.append(w)
        if settings is not None:
            w.set_settings(settings)
        w.resize(*size)
        if show:
            w.show()
            qtbot.waitExposed(w)
        if start:
            assert w.start(), w.banner.text.text()
        return w

    yield make
    for w in made:
        w.close()


@pytest.fixture
def window(make_window):
    return make_window()
