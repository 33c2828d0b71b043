"""Annotations in the file view: Enter, boxes, edge drag, undo/redo, measurements, the table (sort, click, label)."""

import pytest
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtWidgets import QApplication

from specscope.app.gui.annotations.table import TABLE_COLUMNS, AnnotationDock

from .conftest import TONES


@pytest.fixture(autouse=True)
def private_autosave(tmp_path, monkeypatch):
    """Autosaves go to the test's folder, never to the user's data directory."""
    monkeypatch.setattr("specscope.app.gui.annotations.autosave.autosave_dir", lambda: tmp_path / "app-autosave")


@pytest.fixture
def annotated(qtbot, loaded):
    v = loaded
    for (t0, t1, f), label in zip(TONES, ("low", "Mid", "high"), strict=True):
        v.set_selection(t0, t1, 0.8 * f, 1.2 * f)
        v.annotate_selection(label)
    qtbot.waitUntil(lambda: len(v.measurements) == 3 and not v.measuring(), timeout=20000)
    return v


def test_enter_keeps_the_selection_as_a_numbered_box(qtbot, loaded):
    v = loaded
    v.set_selection(1.0, 2.0, 800.0, 1200.0)
    a = v.annotate_selection("tone")
    assert (a.index, a.label, a.begin_s, a.end_s, a.low_hz, a.high_hz) == (1, "tone", 1.0, 2.0, 800.0, 1200.0)
    rect = v.annotation_rects()[1]
    assert (rect.left(), rect.right(), rect.top(), rect.bottom()) == pytest.approx((1.0, 2.0, 800.0, 1200.0))
    v.set_selection(3.0, 3.5)  # a time range spans every frequency
    b = v.annotate_selection()
    lo, hi = v._u_limits()
    assert b.index == 2 and not b.has_band
    assert (v.annotation_rects()[2].top(), v.annotation_rects()[2].bottom()) == pytest.approx((lo, hi))
    assert v._boxes[2].label.toPlainText() == "2"


def test_measurements_in_the_table_come_from_the_background_job(qtbot, annotated):
    v = annotated
    for (t0, t1, f), i in zip(TONES, (1, 2, 3), strict=True):
        m = v.measurements[i]
        assert m["Peak Freq (Hz)"] == pytest.approx(f, abs=0.2 * v.cfg.delta_f_hz)
        assert m["Max Power (dB)"] == pytest.approx(-12.0, abs=0.7)  # 0.25 amplitude, scalloping < 0.7 dB
        assert m["Dur 90% (s)"] == pytest.approx(0.9 * (t1 - t0), abs=2 * v.cfg.hop_s)


def test_undo_redo_every_change(qtbot, annotated):
    v = annotated
    m = v.annotations
    v.select_annotation(2, zoom=False)
    assert v.delete_annotation()
    assert 2 not in m and 2 not in v.annotation_rects()
    v.annotations.set_label(1, "renamed")
    v.box_dragged(3, QRectF(4.2, 10000.0, 1.0, 4000.0))
    assert m.get(3).begin_s == pytest.approx(4.2) and m.get(3).high_hz == pytest.approx(14000.0)
    assert v.undo_annotation()  # the drag
    assert m.get(3).begin_s == pytest.approx(TONES[2][0]) and v.annotation_rects()[3].left() == pytest.approx(4.0)
    assert v.undo_annotation()  # the label
    assert m.get(1).label == "low"
    assert v.undo_annotation()  # the delete: number 2 comes back, box and all
    assert m.get(2).label == "Mid" and 2 in v.annotation_rects()
    assert v.redo_annotation() and 2 not in m
    assert v.redo_annotation() and m.get(1).label == "renamed"
    assert v.redo_annotation() and m.get(3).begin_s == pytest.approx(4.2)
    assert not v.redo_annotation()


def test_dragging_an_edge_with_the_mouse_moves_only_that_edge(qtbot, annotated):
    v = annotated
    box = v._boxes[1]
    r = box.rect
    scene_edge = v.vb.mapViewToScene(QPointF(r.right(), 0.5 * (r.top() + r.bottom())))
    target = v.vb.mapViewToScene(QPointF(r.right() + 0.5, 0.5 * (r.top() + r.bottom())))
    vp = v.plot.viewport()
    start, end = v.plot.mapFromScene(scene_edge), v.plot.mapFromScene(target)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 11):
        qtbot.mouseMove(vp, start + (end - start) * (k / 10))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=end)
    a = v.annotations.get(1)
    assert a.end_s == pytest.approx(2.5, abs=3 * (v.visible_time_range_s()[1] - v.visible_time_range_s()[0])
                                    / v.vb.width())
    assert a.begin_s == 1.0 and a.low_hz == pytest.approx(800.0) and a.high_hz == pytest.approx(1200.0)
    assert v.annotations.undo_text == "edit bounds of selection 1"


def test_table_sorts_by_any_column_and_a_click_zooms_and_selects(qtbot, annotated):
    v = annotated
    dock = AnnotationDock(v)
    qtbot.addWidget(dock)
    model = dock.model
    col = TABLE_COLUMNS.index("Peak Freq (Hz)")
    dock.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    assert model.order == [3, 2, 1]
    assert [model.data(model.index(r, 0)) for r in range(3)] == ["3", "2", "1"]
    dock.table.sortByColumn(TABLE_COLUMNS.index("Label"), Qt.SortOrder.AscendingOrder)
    assert model.order == [3, 1, 2]  # high, low, Mid: case-insensitive
    assert model.data(model.index(0, col)) == f"{v.measurements[3]['Peak Freq (Hz)']:.1f}"
    # Click row "low": the view zooms to it and the selection is its box (P plays it).
    row = model.row_of(2)
    rect = dock.table.visualRect(model.index(row, 0))
    qtbot.mouseClick(dock.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    t0, t1, f0, f1 = TONES[1][0], TONES[1][1], 0.8 * TONES[1][2], 1.2 * TONES[1][2]
    assert v.selected_annotation == 2 and v.selection == (t0, t1, f0, f1)
    x0, x1 = v.visible_time_range_s()
    assert x0 < t0 < t1 < x1 and (x1 - x0) == pytest.approx(1.2 * (t1 - t0), rel=0.01)
    assert v._boxes[2].selected and not v._boxes[1].selected
    # The label is edited in the table (one undo step).
    assert model.setData(model.index(model.row_of(2), TABLE_COLUMNS.index("Label")), "middle")
    assert v.annotations.get(2).label == "middle" and v._boxes[2].label.toPlainText() == "2 middle"
    assert v.annotations.undo_text == "edit label of selection 2"


def test_noise_box_gives_the_snr_column(qtbot, annotated):
    v = annotated
    v.set_selection(0.1, 0.9, 4000.0, 6000.0)
    assert v.set_noise_from_selection()
    qtbot.waitUntil(lambda: not v.measuring() and v.measurements[2].get("SNR (dB)") is not None, timeout=20000)
    # 0.25-amplitude tone against 1e-4 white noise: far above 40 dB.
    assert v.measurements[2]["SNR (dB)"] > 40
    assert v.undo_annotation() and v.annotations.noise is None


def test_in_place_label_editor(qtbot, annotated):
    v = annotated
    v.edit_label_in_place(1)
    editor = v._label_editor
    assert editor.isVisible() and editor.text() == "low"
    editor.setText("first call")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert v.annotations.get(1).label == "first call" and not editor.isVisible()


def test_text_editors_keep_return_from_the_window_shortcut(qtbot, annotated):
    """Return is also "Annotate the selection": the label editors must get it first."""
    from PyQt6.QtGui import QKeyEvent
    from PyQt6.QtWidgets import QStyleOptionViewItem

    v = annotated
    dock = AnnotationDock(v)
    qtbot.addWidget(dock)
    index = dock.model.index(0, TABLE_COLUMNS.index("Label"))
    table_editor = dock.table.itemDelegate().createEditor(dock.table.viewport(), QStyleOptionViewItem(), index)
    v.edit_label_in_place(1)
    for editor in (v._label_editor, table_editor):
        ev = QKeyEvent(QKeyEvent.Type.ShortcutOverride, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
        ev.ignore()
        QApplication.sendEvent(editor, ev)
        assert ev.isAccepted()
    n = len(v.annotations)
    qtbot.keyClick(v._label_editor, Qt.Key.Key_Escape)
    assert not v._label_editor.isVisible() and len(v.annotations) == n
