"""A real tone through the PulseAudio null sink (16-bit) into the window, read by the band view."""

import pytest

from specscope.app.gui.settings import WindowSettings
from specscope.app.model.measurement import MeasurementSettings

FS_HZ = 48000.0


@pytest.fixture
def window(make_window, pulse_feed):
    s = WindowSettings()
    w = make_window((1400, 800), settings=s.replace(input=s.input.replace(device="pulse", fs_hz=FS_HZ)))
    w.measurement.show()
    assert w.start(), w.banner.text.text()
    return w


@pytest.mark.parametrize(("f_hz", "label", "level_db"), [(1000.0, "1k", -20.0), (10**3.6, "4k", -30.0)])
def test_live_tone_reads_its_band_and_level(qtbot, window, pulse_feed, f_hz, label, level_db):
    dock = window.measurement
    dock.set_settings(MeasurementSettings(averaging="exponential", tau_s=0.125, fraction=3))
    pulse_feed.tone(f_hz, level_db, 5.0)

    def settled():
        snap = dock.band_view.snapshot
        assert snap is not None and snap.bands is not None
        levels = dock.band_view.bar_levels()
        j = snap.bands.labels.index(label)
        assert int(levels.argmax()) == j and snap.resolved[j]
        assert levels[j] == pytest.approx(level_db, abs=0.5)

    qtbot.waitUntil(settled, timeout=8000)
    qtbot.wait(500)  # and stays there
    settled()
    assert dock.fs_hz == FS_HZ and dock.device  # the input's identity for its calibration
    peak = dock.band_view.snapshot.peak  # of the averaged spectrum, the one the peak line shows
    assert peak.freq_hz == pytest.approx(f_hz, abs=0.05 * window.cfg.delta_f_hz)
    assert peak.level_dbfs == pytest.approx(level_db, abs=0.5)
    assert dock.peak_label.text() == f"Peak (averaged): {peak.freq_hz:.1f} Hz, {peak.level_dbfs:.1f} dBFS"
