"""Annotations on the waveform rows: a band per annotation at its times, in step with the model and the time axis."""

import pytest
from PyQt6.QtCore import QPointF

from specscope.app.gui.file.annotation_box import BOX_PEN, SELECTED_PEN
from specscope.app.gui.file.waveform_annotations import FILL_ALPHA, SELECTED_FILL_ALPHA
from specscope.app.model.annotations import NoiseBox

from .conftest import TONES


@pytest.fixture(autouse=True)
def private_autosave(tmp_path, monkeypatch):
    monkeypatch.setattr("specscope.app.gui.annotations.autosave.autosave_dir", lambda: tmp_path / "app-autosave")


def spans(v):
    return v.waveform_annotation_spans()


def brush_of(v, index, row=0):
    c = v._wave_spans[index][row].region.brush.color()
    return (c.red(), c.green(), c.blue()), c.alpha()


def test_each_annotation_is_a_band_on_every_row_at_its_times(qtbot, loaded):
    v = loaded
    assert len(v.waveform.rows) == 2  # the stereo test file
    for (t0, t1, f), label in zip(TONES, ("low", "mid", "high"), strict=True):
        v.set_selection(t0, t1, 0.8 * f, 1.2 * f)
        v.annotate_selection(label)
    drawn = spans(v)
    assert sorted(drawn) == [1, 2, 3]
    for index, ((t0, t1, _), label) in enumerate(zip(TONES, ("low", "mid", "high"), strict=True), start=1):
        assert drawn[index] == [pytest.approx((t0, t1, f"{index} {label}"))] * 2
    # The selected annotation (the last made) in the selection colour, the others in the box colour.
    assert brush_of(v, 3) == (SELECTED_PEN, SELECTED_FILL_ALPHA)
    assert brush_of(v, 1) == brush_of(v, 2) == (BOX_PEN, FILL_ALPHA)
    v.select_annotation(1, zoom=False)
    assert brush_of(v, 1, row=1) == (SELECTED_PEN, SELECTED_FILL_ALPHA)
    assert brush_of(v, 3) == (BOX_PEN, FILL_ALPHA)


def test_bands_follow_add_edit_delete_undo_redo(qtbot, loaded):
    v = loaded
    v.set_selection(1.0, 2.0)
    v.annotate_selection("a")
    v.set_selection(3.0, 3.5, 4000.0, 6000.0)
    v.annotate_selection("b")
    assert spans(v)[2][0] == pytest.approx((3.0, 3.5, "2 b"))
    v.annotations.set_bounds(2, 3.2, 4.1, 4000.0, 6000.0)
    assert spans(v)[2][1] == pytest.approx((3.2, 4.1, "2 b"))
    v.annotations.set_label(2, "call")
    assert spans(v)[2][0][2] == "2 call"
    v.delete_annotation(1)
    assert sorted(spans(v)) == [2]
    v.undo_annotation()  # the deletion
    assert spans(v)[1][0] == pytest.approx((1.0, 2.0, "1 a"))
    v.undo_annotation()  # the label
    v.undo_annotation()  # the bounds
    assert spans(v)[2][0] == pytest.approx((3.0, 3.5, "2 b"))
    v.undo_annotation()  # the second annotation
    assert sorted(spans(v)) == [1]
    v.redo_annotation()
    assert spans(v)[2][0] == pytest.approx((3.0, 3.5, "2 b"))
    v.annotations.set_noise(NoiseBox(5.0, 5.8, None, None))
    assert spans(v)["noise"] == [pytest.approx((5.0, 5.8, "noise"))] * 2
    v.annotations.undo()
    assert "noise" not in spans(v)


def test_bands_stay_under_the_spectrogram_boxes_when_zooming_and_panning(qtbot, loaded):
    v = loaded
    v.set_selection(3.0, 3.5, 4000.0, 6000.0)
    v.annotate_selection("b")
    for x0, x1 in ((0.0, 6.0), (2.5, 4.0), (3.2, 3.4)):
        v.vb.setXRange(x0, x1, padding=0)
        qtbot.wait(60)
        row = v.waveform.rows[0]
        for t_s in (3.0, 3.5):
            if not x0 <= t_s <= x1:
                continue
            # Screen x of the band's edge on the row and of the box's edge on the spectrogram: the same pixel.
            on_row = row.vb.mapViewToScene(QPointF(t_s, 0.0))
            row_x = v.waveform.mapToGlobal(v.waveform.mapFromScene(on_row)).x()
            on_spec = v.vb.mapViewToScene(QPointF(t_s, 0.5))
            spec_x = v.plot.mapToGlobal(v.plot.mapFromScene(on_spec)).x()
            assert abs(row_x - spec_x) <= 1
        assert v._wave_spans[1][0].region.getRegion() == pytest.approx((3.0, 3.5))
