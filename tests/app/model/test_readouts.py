"""Peak labels, note names, cursor readouts and colour tables, against hand-computed values."""

import numpy as np
import pytest

from specscope.app.gui.colormaps import COLORMAP_NAMES, lookup_table
from specscope.app.model.readouts import cursor_readout, nearest_bin, note_name, peak_label
from specscope.dsp.config import StftConfig


@pytest.mark.parametrize(
    ("f_hz", "expect"),
    [
        (440.0, "A4 +0 cents"),
        (261.6256, "C4 +0 cents"),
        (27.5, "A0 +0 cents"),
        # 1000 Hz: m = 69 + 12 log2(1000/440) = 83.2131 -> B5, +21 cents.
        (1000.0, "B5 +21 cents"),
        # D#6 = 1244.508 Hz; 3 cents sharp is 1244.508 * 2**(3/1200) = 1246.666 Hz.
        (1246.666, "D#6 +3 cents"),
        # 10 cents flat of A4: 440 * 2**(-10/1200) = 437.466 Hz.
        (437.466, "A4 -10 cents"),
        (0.0, ""),
    ],
)
def test_note_name(f_hz, expect):
    assert note_name(f_hz) == expect


def test_peak_label_format():
    assert peak_label(1234.5, -12.0, 52.666) == "1234.5 Hz, -12.0 dBFS, bin 52.67"


def test_cursor_readout_picks_the_bin_containing_the_frequency():
    cfg = StftConfig(48000.0, 2048, 512)  # Δf = 23.4375 Hz
    db = np.linspace(-100.0, 0.0, cfg.n_freqs, dtype=np.float32)
    # 1000 Hz / 23.4375 = 42.67 -> bin 43 (centre 1007.8125 Hz); 35.15625 Hz is the edge between bins 1 and 2.
    assert nearest_bin(1000.0, cfg) == 43
    assert nearest_bin(35.15625, cfg) == 2 and nearest_bin(35.15, cfg) == 1
    assert nearest_bin(-5.0, cfg) == 0 and nearest_bin(1e6, cfg) == cfg.n_freqs - 1
    text = cursor_readout(1000.0, cfg, db, time_s=1.5)
    assert text == f"t 1.500 s | 1000.0 Hz | bin 43 (1007.8 Hz) | {db[43]:.1f} dBFS"


def test_lookup_tables():
    for name in COLORMAP_NAMES:
        lut = lookup_table(name)
        assert lut.shape == (256, 4) and lut.dtype == np.uint8
        lum = lut[:, :3].astype(float) @ [0.2126, 0.7152, 0.0722]
        assert lum[-1] > lum[0] + 100, name  # floor dark, ceiling bright
    np.testing.assert_allclose(lookup_table("grey")[:, 0], np.arange(256), atol=1)  # pyqtgraph truncates


def test_readout_throttle():
    from specscope.app.model.readouts import ReadoutThrottle

    t = ReadoutThrottle(0.125)  # binary fractions: the comparisons below are exact
    assert t.due(5.0)  # the first is always due
    assert not t.due(5.0625) and not t.due(5.120)
    assert t.due(5.125)  # 0.125 s after the last refresh
    assert t.due(5.1875, force=True) and not t.due(5.25)  # a forced refresh counts: the next is due at 5.3125
    assert t.due(5.3125)
