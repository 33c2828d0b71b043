"""Issue 12's File-tab defects, each a test that failed before: readouts, peak label, channels, clock."""

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, Qt

from .conftest import make_wav


def _hover(view, t_s, f_hz):
    scene = view.vb.mapViewToScene(QPointF(t_s, float(view.scale.transform(f_hz))))
    view.plot.scene().sigMouseMoved.emit(scene)
    return scene


def test_hover_readout_follows_a_view_change_under_a_still_pointer(qtbot, loaded):
    view = loaded
    _hover(view, 1.5, 1000.0)
    first = view.readout_label.text()
    assert first.startswith("t 1.500 s")
    # Z / Home / a key zoom move the data under the pointer: the readout names what is under it now.
    view.set_time_range(3.0, 3.6)
    qtbot.waitUntil(lambda: view.readout_label.text() != first, timeout=3000)
    p = view.vb.mapSceneToView(view._mouse_scene_pos)
    assert view.readout_label.text() == view.readout_at(p.x(), p.y())
    assert view.readout_label.text().startswith(f"t {p.x():.3f} s")
    # An FFT change: the readout's bin follows the new bin spacing.
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.set_config({"n_fft": 1024, "hop": 256})
    qtbot.waitUntil(lambda: "bin" in view.readout_label.text() and view.cfg.n_fft == 1024, timeout=3000)
    qtbot.wait(100)
    p = view.vb.mapSceneToView(view._mouse_scene_pos)
    assert view.readout_label.text() == view.readout_at(p.x(), p.y())


def test_peak_label_fits_in_the_spectrum_panel(qtbot, loaded):
    view = loaded
    view.resize(900, 500)  # a narrow window: the panel keeps its minimum width
    view.set_selection(4.2, 5.0)
    qtbot.waitUntil(lambda: view.selection_result is not None, timeout=10000)
    qtbot.wait(100)
    panel = view.spectrum
    label = panel.label
    assert panel.peak_text()
    scene_rect = label.mapRectToScene(label.boundingRect())
    vb_rect = panel.getViewBox().sceneBoundingRect()
    assert vb_rect.left() - 1 <= scene_rect.left() and scene_rect.right() <= vb_rect.right() + 1, (
        f"label {scene_rect} cut off by the panel {vb_rect}")


def test_channel_choice_lists_the_files_channels(qtbot, view, tmp_path):
    got = []
    view.channels_changed.connect(got.append)
    path = make_wav(tmp_path / "three.wav", duration_s=2.0, channels=3)
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.load(path)
    assert view.channel_choices() == [("mix", "mix of 3"), (0, "channel 0"), (1, "channel 1"), (2, "channel 2")]
    assert got[-1] == view.channel_choices()
    combo = view.channel_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["mix", 0, 1, 2]
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        combo.setCurrentIndex(3)
        combo.activated.emit(3)
    assert view.analysis.channel == 2 and view.settings()["channel"] == 2
    # A mono file afterwards: channel 2 does not exist there, the view falls back to the mix.
    mono = make_wav(tmp_path / "mono.wav", duration_s=2.0, channels=1)
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.load(mono)
    assert view.analysis.channel == "mix" and view.channel_combo.count() == 2


def test_clock_times_for_long_files(qtbot, view, tmp_path):
    import soundfile as sf

    fs = 1000
    path = tmp_path / "long.wav"
    sf.write(str(path), np.zeros(fs * 700, np.float32), fs)  # 11 min 40 s
    view.set_config({"n_fft": 256, "hop": 256})
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.load(str(path))
    assert view.time_axis.clock
    view.seek(661.25)
    assert view.transport.position_label.text() == "0:11:01.250 / 0:11:40.000"
    assert view.readout_at(3723.5, 1.0).startswith("t 1:02:03.500")


def test_wheel_zooms_time_about_the_pointer(qtbot, loaded):
    # README (File tab): the wheel zooms time about the pointer, paused or playing.
    from PyQt6.QtCore import QPoint
    from PyQt6.QtGui import QWheelEvent
    from PyQt6.QtWidgets import QApplication

    view = loaded
    x0, x1 = view.visible_time_range_s()
    scene = view.vb.mapViewToScene(QPointF(3.0, 5000.0))
    pos = QPointF(view.plot.mapFromScene(scene))
    vp = view.plot.viewport()
    ev = QWheelEvent(pos, QPointF(vp.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, ev)
    y0, y1 = view.visible_time_range_s()
    assert (y1 - y0) == pytest.approx((x1 - x0) / 1.25, rel=1e-3)
    assert (3.0 - y0) / (y1 - y0) == pytest.approx((3.0 - x0) / (x1 - x0), abs=0.01)
