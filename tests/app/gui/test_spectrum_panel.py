"""Spectrum panel (peak hold, marker, readout), offscreen."""

from types import SimpleNamespace

import numpy as np
import pytest
from PyQt6.QtCore import QPointF

from specscope.app.gui.spectrum_panel import SpectrumPanel
from specscope.dsp.config import StftConfig
from specscope.dsp.freq_scales import make_scale


@pytest.fixture
def panel(qtbot):
    p = SpectrumPanel()
    qtbot.addWidget(p)
    return p


def test_peak_hold_decays_at_the_set_rate(panel):
    cfg = StftConfig(8000.0, 256, 64)  # 129 bins, Δf 31.25 Hz
    panel.set_view(cfg, make_scale("linear"), 0.0, 4000.0)
    panel.set_decay(10.0)
    loud = np.full(cfg.n_freqs, -100.0, dtype=np.float32)
    loud[32] = -10.0
    quiet = np.full(cfg.n_freqs, -100.0, dtype=np.float32)
    panel.show_frame(loud, None, 0.0)
    panel.show_frame(quiet, None, 0.5)  # -10 - 10 dB/s * 0.5 s = -15
    panel.show_frame(quiet, None, 1.0)  # -25
    hold_x, hold_y = panel.hold_curve.getData()
    assert hold_x[32] == pytest.approx(-25.0)
    assert hold_y[32] == pytest.approx(32 * cfg.delta_f_hz)
    panel.show_frame(quiet, None, 10.0)  # decayed below the live trace: the trace wins
    assert panel.hold_curve.getData()[0][32] == pytest.approx(-100.0)
    cur_x, _ = panel.curve.getData()
    np.testing.assert_array_equal(cur_x, quiet)


def test_peak_marker_label_and_readout(panel):
    cfg = StftConfig(48000.0, 2048, 512)
    panel.set_view(cfg, make_scale("log"), 20.0, 24000.0)
    panel.set_levels(-120.0, 0.0)
    db = np.full(cfg.n_freqs, -90.0, dtype=np.float32)
    db[53] = -12.0
    peak = SimpleNamespace(freq_hz=1234.5, level_dbfs=-12.04, bin=52.672)
    panel.show_frame(db, peak, 0.01)
    assert panel.peak_text().startswith("1234.5 Hz, -12.0 dBFS, bin 52.67\n")
    # 1234.5 Hz: m = 69 + 12 log2(1234.5 / 440) = 86.861 -> D#6 (87), -14 cents.
    assert panel.peak_text().endswith("D#6 -14 cents")
    xs, ys = panel.marker.getData()
    assert (xs[0], ys[0]) == (pytest.approx(-12.04), pytest.approx(np.log10(1234.5)))
    assert panel.readout_at(-50.0, np.log10(1234.5)) == "1234.5 Hz | bin 53 (1242.2 Hz) | -12.0 dBFS"
    panel.show_peak(None)
    assert panel.peak_text() == "" and len(panel.marker.getData()[0]) == 0


def test_level_axis_autoscales_independently_of_the_colour_range(panel):
    # Issue 12 #8: with the colour range -80 .. -20 dBFS a -12 dBFS tone left the panel.
    cfg = StftConfig(48000.0, 2048, 256)
    panel.set_view(cfg, make_scale("linear"), 0.0, 24000.0)
    db = np.full(cfg.n_freqs, -95.0, dtype=np.float32)
    db[53] = -12.0
    peak = SimpleNamespace(freq_hz=53 * cfg.delta_f_hz, level_dbfs=-12.0, bin=53.0)
    panel.show_frame(db, peak, 0.01)
    lo, hi = panel.getViewBox().viewRange()[0]
    assert lo <= -100.0 and hi == pytest.approx(0.0)  # narrower (-100) only after 2 s
    assert lo < panel.marker.getData()[0][0] < hi
    # A manual range holds whatever comes; the context menu's "autoscale" brings the data back in view.
    panel.set_levels(-80.0, -20.0)
    panel.show_frame(db, peak, 0.01)
    assert panel.getViewBox().viewRange()[0] == [pytest.approx(-80.0), pytest.approx(-20.0)]
    panel.set_autoscale(True)
    assert panel.getViewBox().viewRange()[0][1] >= -12.0


def test_readout_under_a_still_cursor_follows_a_new_fft_size(panel):
    # Issue 12 #6: after an FFT change the readout still named the old bins.
    cfg = StftConfig(48000.0, 2048, 512)
    panel.set_view(cfg, make_scale("linear"), 0.0, 24000.0)
    panel.show_frame(np.full(cfg.n_freqs, -70.0, np.float32), None, 0.0)
    readouts = []
    panel.readout.connect(readouts.append)
    vb = panel.getViewBox()
    panel.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(-50.0, 1000.0)))
    assert "bin 43 (1007.8 Hz)" in readouts[-1]
    big = StftConfig(48000.0, 8192, 2048)
    panel.set_view(big, make_scale("linear"), 0.0, 24000.0)
    # The same cursor (about 1008 Hz, the view's range moved by half a bin) now names an N 8192 bin of 5.86 Hz.
    assert "bin 172 (1007.8 Hz)" in readouts[-1]


def test_hover_readout_is_throttled_forced_by_a_change_and_cleared_on_leaving(panel, monkeypatch):
    # The hover logic the panel shares with the spectrogram (app/gui/hover.py): a still cursor's readout is
    # recomputed at most every 0.1 s as data arrive, at once when the view changes, and '' when it leaves.
    import specscope.app.gui.hover as hover

    now = [100.0]
    monkeypatch.setattr(hover.time, "monotonic", lambda: now[0])
    cfg = StftConfig(48000.0, 2048, 512)
    panel.set_view(cfg, make_scale("linear"), 0.0, 24000.0)
    readouts = []
    panel.readout.connect(readouts.append)
    vb = panel.getViewBox()
    panel.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(-50.0, 1000.0)))
    frame = np.full(cfg.n_freqs, -70.0, np.float32)
    panel.show_frame(frame, None, 0.0)  # the first refresh under the still cursor is due
    assert readouts[-1].endswith("| -70.0 dBFS")
    n = len(readouts)
    now[0] += 0.05
    panel.show_frame(frame - 10, None, 0.05)  # 50 ms later: not yet
    assert len(readouts) == n
    now[0] += 0.06
    panel.show_frame(frame - 20, None, 0.06)  # 110 ms after the last: due
    assert len(readouts) == n + 1 and readouts[-1].endswith("| -90.0 dBFS")
    panel.set_view(cfg, make_scale("linear"), 0.0, 12000.0)  # a view change forces it
    assert len(readouts) == n + 2
    panel.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(-50.0, 1e6)))  # outside the plot
    assert readouts[-1] == "" and panel._mouse_pos is None
