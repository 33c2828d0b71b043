"""The one place that decides the unit and offset of shown levels: hand-computed values."""

import numpy as np
import pytest

from specscope.app.model.level_display import DBFS, LevelDisplay, level_unit
from specscope.app.model.measurement import MeasurementSettings
from specscope.app.model.readouts import cursor_readout, peak_label
from specscope.dsp.config import StftConfig


def test_units_name_calibration_and_weighting():
    assert [level_unit(w, False) for w in "ACZ"] == ["dBFS(A)", "dBFS(C)", "dBFS"]
    assert [level_unit(w, True) for w in "ACZ"] == ["dB(A) SPL", "dB(C) SPL", "dB SPL"]
    s = MeasurementSettings(weighting="A", offset_db=124.0)
    assert LevelDisplay.of(s).unit == "dB(A) SPL" == s.unit
    assert LevelDisplay.of(s, weighted=False).unit == "dB SPL"
    assert LevelDisplay.of(MeasurementSettings(weighting="C")).unit == "dBFS(C)"
    assert DBFS.unit == "dBFS" and not DBFS.calibrated and DBFS.shift_db == 0.0


def test_a_calibrated_level_is_the_dbfs_level_plus_the_offset():
    # A 1 kHz tone at -30 dBFS calibrated as 94 dB SPL: offset 124 dB, so -40 dBFS reads 84.0 dB SPL.
    lv = LevelDisplay(94.0 - -30.0)
    assert lv.shown_db(-40.0) == 84.0 and lv.to_dbfs(84.0) == -40.0
    assert lv.text(-40.0) == "84.0 dB SPL"
    assert peak_label(1000.0, -40.0, 42.67, lv) == "1000.0 Hz, 84.0 dB SPL, bin 42.67"
    cfg = StftConfig(48000.0, 2048, 512)
    db = np.full(cfg.n_freqs, -40.0, np.float32)
    assert cursor_readout(1000.0, cfg, db, levels=lv).endswith("| 84.0 dB SPL")
    assert cursor_readout(1000.0, cfg, db).endswith("| -40.0 dBFS")


def test_bad_values():
    with pytest.raises(ValueError, match="weighting"):
        LevelDisplay(None, "B")
    with pytest.raises(ValueError, match="offset"):
        LevelDisplay(float("nan"))
