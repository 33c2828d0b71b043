"""The window's commands, help, context menus, small-screen layout and status bar (pytest-qt, offscreen).

No input device is opened unless a test says so (``autostart=False``; the live view then watches a
generated file); QSettings points at a temporary file.  The file dialogs are the only thing replaced:
a test cannot click in a native dialog, so ``QFileDialog.getSaveFileName`` returns the path the user
would have typed.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import soundfile as sf
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QContextMenuEvent
from PyQt6.QtWidgets import QApplication, QFileDialog, QLabel, QWidget

from specscope.app import logs
from specscope.app.gui.commands import COMMANDS, FILE, LIVE
from specscope.app.gui.main_window import DOCK_MIN_WIDTH_PX, MainWindow

TONE_HZ = 1000.0


def make_sine(path, fs_hz: int = 48000, duration_s: float = 1.0) -> str:
    """`duration_s` of a 1 kHz sine at -6 dBFS, mono float WAV at `fs_hz`."""
    t = np.arange(int(duration_s * fs_hz)) / fs_hz
    sf.write(str(path), (0.5 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32), fs_hz, subtype="FLOAT")
    return str(path)


@pytest.fixture
def sine(tmp_path):
    return make_sine(tmp_path / "sine.wav")


def _open_file(qtbot, w: MainWindow, path: str) -> None:
    view = w.ensure_file_view()
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        assert w.open_file(path)


def _save_as(monkeypatch, path: str) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (path, "")))


def _toolbar_button(w: MainWindow, command_id: str) -> QWidget:
    toolbar = w.findChild(type(w.addToolBar("probe")), "mainToolbar")
    return toolbar.widgetForAction(w.commands.actions[command_id])


def test_ctrl_e_toolbar_and_menu_export_the_file_tab_when_it_is_in_view(qtbot, window, sine, tmp_path,
                                                                        monkeypatch):
    """Issue 12 #1: on the File tab, Ctrl+E exported the live spectrogram (here: "nothing to export yet")."""
    w = window
    _open_file(qtbot, w, sine)
    assert w.current_tab() == FILE
    w.activateWindow()
    out = tmp_path / "file.npz"
    _save_as(monkeypatch, str(out))
    with qtbot.waitSignal(w.file_view.exported, timeout=10000) as sig:
        qtbot.keyClick(w.file_view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert sig.args == [str(out)] and not w.banner.isVisible()
    with np.load(out) as z:
        db, times = z["db"], z["times_s"]
        assert int(z["n_fft"]) == 2048 and float(z["fs_hz"]) == 48000.0
        assert times.shape[0] > 20 and 0.0 < times[0] and times[-1] < 1.0  # the file's 1 s, not live time
        assert (db.argmax(axis=0) == 43).all()  # 1000 / 23.4375 = 42.67 -> bin 43
    # The toolbar button and the File menu entry are the same command: PNG of the file view this time.
    png = tmp_path / "file.png"
    _save_as(monkeypatch, str(png))
    with qtbot.waitSignal(w.file_view.exported, timeout=10000):
        _toolbar_button(w, "view.export").click()
    assert png.stat().st_size > 1000
    assert w.commands.actions["view.export"] in w.menus["File"].actions()


def test_live_tab_export_still_exports_the_live_view(qtbot, window, sine, tmp_path, monkeypatch):
    w = window
    assert w.watch_as_live(sine), w.banner.text.text()
    qtbot.waitUntil(lambda: w.history is not None and len(w.history) > 20, timeout=10000)
    w.set_paused(True)
    out = tmp_path / "live.npz"
    _save_as(monkeypatch, str(out))
    assert w.commands.trigger("view.export")
    with np.load(out) as z:
        assert z["db"].shape[1] > 0 and z["db"].shape[0] == w.cfg.n_freqs


def test_space_title_follows_the_tab_in_view(qtbot, window, sine):
    """Issue 12 #1/#11: the toolbar said "Pause (Space)" on the File tab, where Space plays."""
    w = window
    button = _toolbar_button(w, "view.play_pause")
    assert button.text() == "Pause" and w.pause_action.toolTip() == "Pause (Space)"
    w.set_paused(True)
    assert button.text() == "Resume" and w.pause_action.isChecked()
    w.set_paused(False)
    _open_file(qtbot, w, sine)
    assert button.text() == "Play" and w.pause_action.toolTip() == "Play (Space)"
    assert "Pause" not in w.pause_action.text()
    w.dock.setFocus()
    w.controls.n_fft.setFocus()  # focus outside the file view: the window's shortcut handles Space
    qtbot.keyClick(w.controls.n_fft, Qt.Key.Key_Space)
    assert not w.live.paused  # Space did not pause the live view behind the File tab
    w.tabs.setCurrentIndex(0)
    assert button.text() == "Pause"


def test_file_only_commands_are_disabled_on_the_live_tab_and_act_on_the_file(qtbot, window, sine):
    w = window
    a = w.commands.actions
    assert not a["file.show_all"].isEnabled() and not a["file.zoom_selection"].isEnabled()
    _open_file(qtbot, w, sine)
    view = w.file_view
    view.set_time_range(0.2, 0.4)
    assert a["file.show_all"].isEnabled() and not a["file.zoom_selection"].isEnabled()  # no selection yet
    a["file.show_all"].trigger()
    x0, x1 = view.visible_time_range_s()
    assert x0 < 0.05 and x1 > 0.95  # the whole 1 s file (frame centres from N/2 / fs)
    view.set_selection(0.25, 0.5)
    w.commands.refresh()
    assert a["file.zoom_selection"].isEnabled()
    a["file.zoom_selection"].trigger()
    assert view.visible_time_range_s() == pytest.approx((0.25, 0.5), abs=1e-6)


def test_f1_lists_every_shortcut_of_the_registry(qtbot, window):
    w = window
    w.activateWindow()
    qtbot.keyClick(w.spectrogram, Qt.Key.Key_F1)
    dialog = w.help_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dialog.rows()
    keys = [r[0] for r in rows]
    assert keys == [" / ".join(c.keys) for c in COMMANDS if c.shortcut]  # one row per command, in order
    assert ("Home / 0", "Show everything", "File") in rows and ("+ / =", "Zoom time in", "File") in rows
    assert ("Ctrl+E", "Export", "Live, File") in rows and ("Space", "Pause / Play", "Live, File") in rows
    assert ("Shift+Drag", "Select a time range", "File") in rows
    dialog.close()


@pytest.mark.parametrize("command_id, keys, dock", [
    ("measure.dock", Qt.Key.Key_M, "measurement"),
    ("meters.levels_dock", Qt.Key.Key_L, "levels"),
    ("meters.generator_dock", Qt.Key.Key_G, "generator"),
])
def test_every_dock_has_its_shortcut_and_a_checked_view_menu_entry(qtbot, window, command_id, keys, dock):
    """Ctrl+M / Ctrl+L / Ctrl+G show the Measurement, Levels and Signal generator docks (registry commands)."""
    w = window
    panel = {"measurement": w.measurement, "levels": w.meters[0], "generator": w.meters[1]}[dock]
    action = w.commands.actions[command_id]
    assert panel.isHidden() and action in w.menus["View"].actions() and action.isCheckable()
    w.activateWindow()
    qtbot.keyClick(w.spectrogram, keys, Qt.KeyboardModifier.ControlModifier)
    assert panel.isVisible()
    w.commands.refresh()
    assert action.isChecked()
    qtbot.wait(50)
    # Shown the first time, a side dock takes at most a quarter of the window unless its minimum is more:
    # the Measurement dock's natural 604 px left the spectrogram 68 px wide in 1200.
    assert panel.width() <= max(panel.minimumSizeHint().width(), w.width() // 4) + 8
    if dock == "measurement":
        assert w.spectrogram.width() >= w.width() // 4
    panel.close()  # the dock's own close button: the check mark follows
    qtbot.waitUntil(lambda: not action.isChecked(), timeout=2000)
    assert panel.isHidden()


def test_the_file_views_alternative_keys_come_from_the_registry(qtbot, window, sine):
    w = window
    _open_file(qtbot, w, sine)
    view = w.file_view
    target = view.plot.viewport()
    target.setFocus()
    t0, t1 = view.visible_time_range_s()
    qtbot.keyClick(target, Qt.Key.Key_Equal)  # "=" beside "+" (the same key without Shift)
    z0, z1 = view.visible_time_range_s()
    assert (z1 - z0) == pytest.approx((t1 - t0) / 1.5, rel=1e-6)
    f0, f1 = view.visible_freq_range_hz()
    qtbot.keyClick(target, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    g0, g1 = view.visible_freq_range_hz()
    assert (g1 - g0) == pytest.approx((f1 - f0) / 1.5, rel=1e-6)
    qtbot.keyClick(target, Qt.Key.Key_0)  # "0" beside Home
    assert view.visible_time_range_s() == pytest.approx((t0, t1))
    assert view.visible_freq_range_hz() == pytest.approx((f0, f1))
    shown = not w.annotation_dock.isHidden()
    qtbot.keyClick(target, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # not a view key: the window's
    assert w.annotation_dock.isHidden() == shown
    w.commands.refresh()
    assert w.commands.actions["file.annotations_dock"].isChecked() == (not shown)


def test_ctrl_q_quits(qtbot, window):
    w = window
    w.activateWindow()
    qtbot.keyClick(w.spectrogram, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=2000)
    assert w.quit_action.shortcut().toString() == "Ctrl+Q"


def _right_click(widget: QWidget) -> None:
    pos = QPoint(widget.width() // 2, widget.height() // 2)
    QApplication.sendEvent(widget, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos)))


def test_context_menus_on_both_views_come_from_the_registry(qtbot, window, sine):
    w = window
    _right_click(w.spectrogram.viewport())
    menu = w.commands.context_menu
    assert menu is not None and menu.isVisible()
    expected = [c.title_for(LIVE) for c in COMMANDS if c.context and c.acts_on(LIVE)]
    assert [a.text() for a in menu.actions()] == expected
    menu.close()
    _open_file(qtbot, w, sine)
    _right_click(w.file_view.plot.viewport())
    menu = w.commands.context_menu
    assert menu.isVisible()
    titles = [a.text() for a in menu.actions()]
    assert titles == [c.title_for(FILE) for c in COMMANDS if c.context and c.acts_on(FILE)]
    assert "Play" in titles and "Zoom to the selection" in titles and "Pause" not in titles
    menu.close()


def test_usable_at_800_by_500_with_the_settings_dock_scrolling(qtbot, window, sine):
    """Issue 12 #4: the window could not be narrower than ~1086 px; the dock was crushed, labels cut."""
    w = window
    _open_file(qtbot, w, sine)  # the File tab's widgets set the widest minimum
    assert w.minimumSizeHint().width() <= 800 and w.minimumSizeHint().height() <= 500
    w.resize(800, 500)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == (800, 500), timeout=2000)
    for i in range(w.tabs.count()):
        w.tabs.setCurrentIndex(i)
        QApplication.processEvents()
        assert w.dock.isVisible() and w.dock.width() >= DOCK_MIN_WIDTH_PX
        assert w.tabs.width() >= 400, w.tabs.width()
    scroll = w.controls_scroll
    assert scroll.widget() is w.controls
    assert scroll.verticalScrollBar().maximum() > 0  # the form is taller than the dock: it scrolls
    fields = [x for x in w.controls.findChildren(QWidget) if x.isVisibleTo(w.controls) and not isinstance(x, QLabel)
              and x.parent() is not None and x.parent().parent() is w.controls]
    labels = [x for x in w.controls.findChildren(QLabel) if x.isVisibleTo(w.controls)]
    assert len(labels) >= 17 and len(fields) >= 17
    for widget in labels + fields:  # nothing cut: every label and field has at least the room it asks for
        assert widget.width() >= widget.minimumSizeHint().width(), (widget, widget.width())
    last = w.controls.decay
    scroll.ensureWidgetVisible(last)
    QApplication.processEvents()
    assert not last.visibleRegion().isEmpty()  # the last field is reachable


def test_file_tab_status_bar_shows_the_file_settings_only(qtbot, window, sine, tmp_path):
    """Issue 12 #10: on the File tab the status bar showed the live settings beside the file's."""
    w = window
    assert w.watch_as_live(sine), w.banner.text.text()  # live at 48 kHz
    qtbot.waitUntil(lambda: "fps" in w.health_label.text(), timeout=3000)
    live_text = w.config_label.text()
    assert live_text.startswith("fs 48000 Hz")
    _open_file(qtbot, w, make_sine(tmp_path / "cd.wav", fs_hz=44100))
    assert w.config_label.text().startswith(w.file_view.cfg.describe())  # then the levels (issue 14)
    assert w.config_label.text().startswith("fs 44100 Hz") and "48000" not in w.config_label.text()
    assert not w.health_label.isVisible() and not w.source_label.isVisible()
    w.tabs.setCurrentIndex(0)
    assert w.config_label.text() == live_text and w.health_label.isVisible()


def test_reconnect_stops_file_playback_before_restarting_portaudio(qtbot, window, sine, pulse_server):
    """Issue 11: Reconnect terminated PortAudio while the File tab's playback stream was open."""
    w = window
    _open_file(qtbot, w, sine)
    player = w.file_view.player
    if not player.available:
        pytest.fail(f"the test sound server has no output: {player.unavailable_reason}")
    w.file_view.toggle_play()
    assert player.playing
    w.reconnect()
    assert not player.playing
    assert "File playback stopped" in w.statusBar().currentMessage()


def test_an_unexpected_error_is_logged_with_its_traceback_and_named(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("SPECSCOPE_LOG_DIR", str(tmp_path / "log"))
    for h in list(logs.log.handlers):
        if isinstance(h, logging.FileHandler):
            monkeypatch.setattr(logs.log, "handlers", [x for x in logs.log.handlers if x is not h])
    logs.configure()
    w = window
    old = w.settings

    real = w.live.set_display
    calls = []

    def broken(*args, **kwargs):  # a bug in a view cannot be produced on demand: inject one, once
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("boom in the view")
        return real(*args, **kwargs)

    monkeypatch.setattr(w.live, "set_display", broken)
    w.controls.colormap.setCurrentIndex(w.controls.colormap.findData("magma"))
    text = w.banner.text.text()
    assert text.startswith("internal error while applying the colormap settings: RuntimeError: boom in the view")
    assert str(tmp_path / "log" / "specscope.log") in text
    assert w.settings == old and len(calls) == 2  # the previous settings are shown again
    for h in logs.log.handlers:
        h.flush()
    log_text = (tmp_path / "log" / "specscope.log").read_text()
    assert "Traceback" in log_text and "boom in the view" in log_text
