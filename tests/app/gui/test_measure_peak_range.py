"""The averaged peak in the window: searched only in the frequency range the spectrum panel displays."""

import pytest
from PyQt6.QtCore import QSettings

from specscope.app.gui.live_tab import LiveTab
from specscope.app.gui.measure import MeasurementDock
from specscope.app.live.frames import LiveFrame
from specscope.app.model.measurement import MeasurementSettings

from ..model.test_spectrum_peak import pink
from .test_measure_band_view import CFG, frames_of, tones


def test_the_averaged_peak_is_in_the_displayed_range_and_not_at_dc(qtbot, tmp_path):
    tab = LiveTab()
    qtbot.addWidget(tab)
    dock = MeasurementDock(QSettings(str(tmp_path / "m.ini"), QSettings.Format.IniFormat), window=tab)
    qtbot.addWidget(dock)
    tab.panel_filter = dock.panel_spectrum
    tab.set_cfg(CFG)
    tab.set_display(tab.display.replace(f_min_hz=100.0, f_max_hz=20000.0))
    lo_hz, hi_hz = tab.spectrum.shown_range_hz()
    assert lo_hz == pytest.approx(100.0, abs=CFG.delta_f_hz) and hi_hz == pytest.approx(20000.0, abs=CFG.delta_f_hz)
    dock.set_settings(MeasurementSettings(averaging="exponential", tau_s=1.0))
    # Pink noise (its low end far above everything else), a strong tone above the range, a weaker one in it.
    x = tones((21000.0, -10.0), (8000.37, -30.0), seconds=2.0)
    x = x + pink(x.size, rms=10 ** (-10 / 20))
    frames = [LiveFrame(db=f.db, t_s=f.t_s, index=i, cfg=CFG) for i, f in enumerate(frames_of(x))]
    tab.add_frames(frames)
    dock.on_frames(frames)
    tab._ticks = -1
    tab.tick(0.0)
    dock.refresh()
    text = tab.spectrum.peak_text()
    assert text.startswith("8000.") and "dBFS" in text, text
    assert dock.peak_label.text().startswith("Peak (averaged): 8000.")
    # The whole range displayed: the 21 kHz tone; never DC or pink noise's rising low end.
    tab.set_display(tab.display.replace(f_min_hz=0.0, f_max_hz=0.0))
    dock.on_frames(frames[-1:])
    dock.refresh()
    assert dock.peak_label.text().startswith("Peak (averaged): 2100"), dock.peak_label.text()
