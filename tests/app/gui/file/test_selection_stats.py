"""The File tab's selection spectrum: mean (default), max or min over the frames, chosen in the combo box and
named on the panel's level axis; the panel draws the chosen statistic (checked against scipy in
tests/app/analysis/test_file_analysis.py)."""

import numpy as np
import pytest

from .conftest import TONES


def test_selection_spectrum_mean_max_min(qtbot, loaded):
    view = loaded
    panel = view.spectrum
    assert view.stat_combo.currentData() == "mean" and view.stat_combo.count() == 3
    view.set_selection(1.5, 2.5)  # the 1 kHz tone (-12 dBFS) is on for the first half only
    qtbot.waitUntil(lambda: view.selection_result is not None, timeout=10000)
    res = view.selection_result
    k = round(TONES[0][2] / view.cfg.delta_f_hz)
    levels = {}
    for stat in ("mean", "max", "min"):
        view.stat_combo.setCurrentIndex(view.stat_combo.findData(stat))
        view.stat_combo.activated.emit(view.stat_combo.currentIndex())
        assert view.selection_stat == stat
        assert panel.getAxis("bottom").labelText == f"Selection {stat}"
        assert f"{stat} of {res.n_frames} frames" in view.status_text
        db, peak = res.spectrum(stat)
        x, _ = panel.curve.getData()
        np.testing.assert_array_equal(x, panel.row_map.apply(db))
        levels[stat] = float(db[k])
        if stat != "min":
            assert peak.freq_hz == pytest.approx(1000.0, abs=0.05 * view.cfg.delta_f_hz)
            assert panel.peak_text().startswith(f"{peak.freq_hz:.1f} Hz, {peak.level_dbfs:.1f} dBFS")
    # Power domain: the tone's full level in the max, the noise in the min, the mean about half the power.
    assert levels["max"] > -12.0 - 1.5 and levels["min"] < -60.0
    assert levels["mean"] == pytest.approx(levels["max"] - 3.0, abs=0.3)
    view.clear_selection()
    assert panel.getAxis("bottom").labelText == "Level"
