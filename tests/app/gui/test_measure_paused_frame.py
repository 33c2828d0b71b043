"""Paused, the spectrum panel shows the history frame under the cursor weighted as its axis says (dBFS(A)
shows A-weighted levels, not the raw frame); offscreen Qt with the real live tab and measurement dock."""

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, QSettings

from specscope.app.gui.live_tab import LiveTab
from specscope.app.gui.measure import MeasurementDock
from specscope.app.live.frames import LiveFrame
from specscope.app.model.measurement import MeasurementSettings

from .test_measure_band_view import CFG, frames_of, tones
from .test_measure_calibrated_views import a_weighting_db

K_TONE = 21  # a bin centre near 250 Hz, where A weighting is about -8.6 dB


@pytest.fixture
def tab(qtbot, tmp_path):
    t = LiveTab()
    t.resize(1000, 500)
    qtbot.addWidget(t)
    dock = MeasurementDock(QSettings(str(tmp_path / "m.ini"), QSettings.Format.IniFormat), window=t)
    qtbot.addWidget(dock)
    t.panel_filter, t.panel_frame_filter, t.dock = dock.panel_spectrum, dock.panel_frame, dock
    t.set_cfg(CFG)
    return t


@pytest.mark.parametrize("weighting", ["A", "Z"])
def test_the_paused_panel_weights_the_frame_under_the_cursor(tab, weighting):
    f_hz = K_TONE * CFG.delta_f_hz
    tab.dock.set_settings(MeasurementSettings(weighting=weighting))
    frames = [LiveFrame(db=f.db, t_s=f.t_s, index=i, cfg=CFG) for i, f in enumerate(frames_of(tones((f_hz, -20.0))))]
    tab.add_frames(frames)
    tab.dock.on_frames(frames)
    tab.set_paused(True)
    view = tab.spectrogram
    got = []
    view.frame_at_cursor.connect(lambda db, t_s: got.append(db))
    vb = view.getViewBox()
    _, x1 = view.visible_time_range_s()
    view.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(x1 - 0.1, f_hz)))  # 0.1 s before the newest frame
    shown, raw = tab.spectrum.last_db, got[-1]
    expected = a_weighting_db(f_hz) if weighting == "A" else 0.0
    assert raw[K_TONE] == pytest.approx(-20.0, abs=0.01)  # a bin centre: the frame reads the tone's level
    assert shown[K_TONE] == pytest.approx(-20.0 + expected, abs=0.05)
    if weighting == "A":
        assert expected < -8.0 and tab.spectrum.getAxis("bottom").labelUnits == "dBFS(A)"
        assert np.all(shown[1:] < raw[1:] + 1.3 + 1e-3)  # A never adds more than +1.3 dB (at 2.5 kHz)
