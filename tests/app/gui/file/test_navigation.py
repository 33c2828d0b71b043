"""Undo of zoom (Backspace), a typed range (Go to) and the time parser behind it."""

import pytest
from PyQt6.QtCore import Qt

from specscope.app.gui.file.clock import format_time, parse_clock
from specscope.app.gui.file.history import ViewHistory


def test_parse_clock_reads_seconds_and_clock_forms():
    assert parse_clock("12.5") == 12.5
    assert parse_clock(" 12.5 s ") == 12.5
    assert parse_clock("2:03.5") == 123.5
    assert parse_clock("1:02:03.25") == 3723.25
    assert parse_clock(format_time(3723.25, True)) == pytest.approx(3723.25)
    for bad in ("", "abc", "1:75", "1:60:00", "-3"):
        with pytest.raises(ValueError, match=r"time|below 60"):
            parse_clock(bad)


def test_history_coalesces_quick_changes_and_pops_in_order():
    now = [0.0]
    h = ViewHistory(clock=lambda: now[0])
    h.push((0, 1, 0, 1))
    now[0] = 0.1
    h.push((0, 2, 0, 1))  # within 0.6 s: the same step (a wheel gesture)
    now[0] = 5.0
    h.push((3, 4, 0, 1))
    assert len(h) == 2
    assert h.pop() == (3, 4, 0, 1) and h.pop() == (0, 1, 0, 1) and h.pop() is None


def test_backspace_undoes_zoom_and_pan_steps(qtbot, loaded):
    view = loaded
    target = view.plot.viewport()
    target.setFocus()
    home = view.visible_time_range_s()
    qtbot.keyClick(target, Qt.Key.Key_Plus)
    zoomed = view.visible_time_range_s()
    qtbot.wait(700)  # a separate step
    qtbot.keyClick(target, Qt.Key.Key_Right)
    assert view.visible_time_range_s() != zoomed
    qtbot.keyClick(target, Qt.Key.Key_Backspace)
    assert view.visible_time_range_s() == pytest.approx(zoomed)
    qtbot.keyClick(target, Qt.Key.Key_Backspace)
    assert view.visible_time_range_s() == pytest.approx(home)
    assert not view.undo_view()  # nothing left


def test_go_to_shows_the_typed_range(qtbot, loaded, monkeypatch):
    from specscope.app.gui.file import navigation

    view = loaded
    seen = []

    def fake_exec(dialog):
        seen.append(dialog.start_edit.text())
        dialog.start_edit.setText("0:00:02.5")
        dialog.end_edit.setText("3.25")
        dialog._check()
        return dialog.result()

    monkeypatch.setattr(navigation.GoToDialog, "exec", fake_exec)  # a modal dialog cannot be typed into here
    view.ask_go_to()
    assert seen and view.visible_time_range_s() == pytest.approx((2.5, 3.25))
    assert view.undo_view()
    dialog = navigation.GoToDialog(view, 0.0, 1.0, False)
    dialog.start_edit.setText("2")
    dialog.end_edit.setText("1")
    dialog._check()
    assert dialog.range_s is None and "after the start" in dialog.message.text()
