"""Spectrum panel (peak hold, marker, readout), offscreen."""

from types import SimpleNamespace

import numpy as np
import pytest

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

