"""Calibrated input: the spectrum panel and the spectrogram beside it read dB SPL (labels, ticks, readouts),
from the one LevelDisplay of the measurement dock; offscreen Qt with the real live tab."""

import math

import numpy as np
import pytest
from PyQt6.QtCore import QSettings

from specscope.app.gui.live_tab import LiveTab
from specscope.app.gui.measure import MeasurementDock
from specscope.app.live.frames import LiveFrame
from specscope.app.model.measurement import MeasurementSettings

from .test_measure_band_view import CFG, FS_HZ, frames_of, tones

TONE_HZ = 85 * CFG.delta_f_hz  # 996.09375 Hz, a bin centre: the bin reads the tone's level exactly
OFFSET_DB = 124.0  # a 1 kHz tone at -30 dBFS calibrated as 94 dB SPL


def a_weighting_db(f_hz: float) -> float:
    """IEC 61672-1 A weighting (its analytic formula, independent of dsp/weighting.py)."""
    f2 = f_hz * f_hz
    ra = 12194.0**2 * f2 * f2 / ((f2 + 20.6**2) * math.sqrt((f2 + 107.7**2) * (f2 + 737.9**2)) * (f2 + 12194.0**2))
    return 20 * math.log10(ra) + 2.0


@pytest.fixture
def tab(qtbot, tmp_path):
    store = QSettings(str(tmp_path / "measure.ini"), QSettings.Format.IniFormat)
    t = LiveTab()
    t.resize(1000, 500)
    qtbot.addWidget(t)
    dock = MeasurementDock(store, window=t)
    qtbot.addWidget(dock)
    t.panel_filter = dock.panel_spectrum
    t.dock = dock
    t.set_cfg(CFG)
    dock.calibrations.set_offset("test mic", FS_HZ, OFFSET_DB, 94.0)
    return t


def feed(tab, dbfs):
    frames = [LiveFrame(db=f.db, t_s=f.t_s, index=i, cfg=CFG) for i, f in enumerate(frames_of(tones((TONE_HZ, dbfs))))]
    tab.add_frames(frames)
    tab.dock.on_frames(frames)
    tab._ticks = -1  # the next tick redraws the spectrum panel
    tab.tick(0.0)
    return frames


def test_calibrated_input_reads_db_spl_in_the_panel_and_the_spectrogram(tab):
    panel, spec, dock = tab.spectrum, tab.spectrogram, tab.dock
    assert panel.getAxis("bottom").labelUnits == "dBFS" and spec.colorbar.getAxis("left").labelText == "Level (dBFS)"
    dock.set_input("test mic", FS_HZ)
    assert panel.getAxis("bottom").labelUnits == "dB SPL"
    assert spec.colorbar.getAxis("left").labelText == "Level (dB SPL)"
    frames = feed(tab, -40.0)
    # -40 dBFS + 124 dB = 84.0 dB SPL, in the panel's readout and the spectrogram's (the images stay dBFS).
    assert panel.readout_at(0.0, TONE_HZ).endswith("| 84.0 dB SPL")
    t_s = frames[-1].t_s
    assert spec.readout_at(t_s, TONE_HZ).endswith("| 84.0 dB SPL")
    assert float(spec.history.frame(spec.history.seq_at_time(t_s))[85]) == pytest.approx(-40.0, abs=0.01)
    # The colour bar shows the colour range shifted by the offset: -120 .. 0 dBFS is 4 .. 124 dB SPL.
    lo_db, hi_db = spec.colorbar.values
    assert (lo_db, hi_db) == (pytest.approx(spec.floor_db + OFFSET_DB), pytest.approx(spec.ceiling_db + OFFSET_DB))
    # The panel's ticks sit at round dB SPL values, its data and range at dBFS.
    lo, hi = panel.floor_db, panel.ceiling_db
    major = panel.level_axis.tickValues(lo, hi, 400)[0][1]
    assert major and all((v + OFFSET_DB) % 10 == pytest.approx(0.0, abs=1e-9) for v in major)
    assert panel.level_axis.tickStrings(major[:1], 1.0, 10.0) == [f"{major[0] + OFFSET_DB:g}"]


def test_weighting_is_named_with_spl_and_the_raw_spectrogram_stays_unweighted(tab):
    panel, spec, dock = tab.spectrum, tab.spectrogram, tab.dock
    dock.set_input("test mic", FS_HZ)
    dock.set_settings(MeasurementSettings(weighting="A"))
    assert dock.measurement.settings.offset_db == OFFSET_DB
    assert panel.getAxis("bottom").labelUnits == "dB(A) SPL"
    assert spec.colorbar.getAxis("left").labelText == "Level (dB SPL)"  # the spectrogram draws the unweighted frames
    frames = feed(tab, -40.0)
    level = float(panel.readout_at(0.0, TONE_HZ).rsplit("|", 1)[1].split()[0])
    assert level == pytest.approx(84.0 + a_weighting_db(TONE_HZ), abs=0.05)
    assert spec.readout_at(frames[-1].t_s, TONE_HZ).endswith("| 84.0 dB SPL")
    text = panel.peak_text()
    assert "dB(A) SPL" in text and "dBFS" not in text
    peak_db = float(text.split(",")[1].split()[0])
    assert peak_db == pytest.approx(84.0 + a_weighting_db(TONE_HZ), abs=0.1)
    dock.refresh()
    assert dock.band_view.getAxis("left").labelText == "Level (dB(A) SPL)" and "dB(A) SPL" in dock.peak_label.text()


def test_clearing_the_calibration_returns_every_view_to_dbfs(tab):
    panel, spec, dock = tab.spectrum, tab.spectrogram, tab.dock
    dock.set_input("test mic", FS_HZ)
    frames = feed(tab, -40.0)
    dock.clear_calibration()
    assert panel.getAxis("bottom").labelUnits == "dBFS" and spec.colorbar.getAxis("left").labelText == "Level (dBFS)"
    assert panel.readout_at(0.0, TONE_HZ).endswith("| -40.0 dBFS")
    assert spec.readout_at(frames[-1].t_s, TONE_HZ).endswith("| -40.0 dBFS")
    assert spec.colorbar.values == (pytest.approx(spec.floor_db), pytest.approx(spec.ceiling_db))
    assert np.isfinite(panel.floor_db)
