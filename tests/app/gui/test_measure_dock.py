"""The measurement dock offscreen: averaging modes from the controls, calibrated labels, the Calibrate… dialog,
calibration round trip through QSettings, bad microphone files, the main window hooks."""

import numpy as np
import pytest
from PyQt6.QtCore import QSettings
from PyQt6.QtGui import QKeySequence

from specscope.app.gui.measure import CalibrationStore, MeasurementDock
from specscope.app.gui.measure.calibration import MEASURE_S
from specscope.app.model.measurement import MeasurementSettings
from specscope.dsp.config import StftConfig

from .test_measure_band_view import CFG, FS_HZ, frames_of, tones


@pytest.fixture
def dock(qtbot, store):
    d = MeasurementDock(store)
    qtbot.addWidget(d)
    d.set_input("test mic", FS_HZ)
    return d


def band_level(dock, label="1k"):
    dock.refresh()
    snap = dock.band_view.snapshot
    return float(dock.band_view.bar_levels()[snap.bands.labels.index(label)])


def choose(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def test_averaging_modes_from_the_controls(dock):
    c = dock.controls
    loud, quiet = frames_of(tones((1000.0, -10.0), seconds=0.3)), frames_of(tones((1000.0, -30.0), seconds=0.3))
    choose(c.mode, "peak_hold")
    assert c.decay.isVisible() == c.decay_label.isVisible() and not c.tau.isVisibleTo(c)
    dock.on_frames(loud)
    dock.on_frames(quiet)
    assert band_level(dock) == pytest.approx(-10.0, abs=0.1)  # held
    choose(c.mode, "min_hold")
    dock.on_frames(loud + quiet)
    assert band_level(dock) == pytest.approx(-30.0, abs=0.1)
    choose(c.mode, "linear")
    c.linear_n.setValue(4)
    dock.on_frames(loud[:4] + quiet[:2])  # mean power of 2 loud, 2 quiet frames
    assert band_level(dock) == pytest.approx(10 * np.log10((2 * 0.1 + 2 * 0.001) / 4), abs=0.1)
    choose(c.mode, "infinite")
    dock.on_frames(loud[:3] + quiet[:3])
    assert band_level(dock) == pytest.approx(10 * np.log10((0.1 + 0.001) / 2), abs=0.1)
    choose(c.mode, "exponential")
    c.tau_preset.setCurrentIndex(1)  # Slow
    assert dock.measurement.settings.tau_s == 1.0 and c.tau.value() == 1.0
    c.tau.setValue(0.125)
    assert c.tau_preset.currentText().startswith("Fast")
    dock.on_frames(quiet[:1] + loud[:6])  # 6 hops = 0.128 s: about one time constant
    expected = 0.001 + (0.1 - 0.001) * (1 - np.exp(-6 * CFG.hop_s / 0.125))
    assert band_level(dock) == pytest.approx(10 * np.log10(expected), abs=0.1)


def test_reset_button_and_shortcut(dock, qtbot):
    dock.on_frames(frames_of(tones((1000.0, -20.0), seconds=0.2)))
    assert dock.measurement.snapshot() is not None
    assert dock.reset_action.shortcut() == QKeySequence("R")
    dock.controls.reset_button.click()
    assert dock.measurement.snapshot() is None
    dock.on_frames(frames_of(tones((1000.0, -20.0), seconds=0.2)))
    dock.reset_action.trigger()
    assert dock.measurement.n_frames == 0


def test_calibrate_dialog_stores_the_offset_per_device_and_rate(dock, store, qtbot):
    dialog = dock.calibrate()
    dialog.preset.setCurrentIndex(1)
    assert dialog.reference.value() == 114.0
    dialog.reference.setValue(94.0)  # a user-set level
    dialog.measure_button.click()
    assert dialog.measuring
    frames = frames_of(tones((1000.0, -30.0), seconds=MEASURE_S + 0.2))
    for a in range(0, len(frames), 10):
        dock.on_frames(frames[a : a + 10])
    assert not dialog.measuring and dialog.measured_dbfs == pytest.approx(-30.0, abs=0.05)
    assert dialog.offset_db == pytest.approx(124.0, abs=0.05)
    dialog.accept()
    assert dock.dialog is None
    s = dock.measurement.settings
    assert s.calibrated and s.offset_db == pytest.approx(124.0, abs=0.05)
    assert "dB SPL: offset 124.0" in dock.controls.calibration_label.text()
    # A -40 dBFS tone now reads 84.0 dB SPL, and every label says dB SPL.
    dock.on_frames(frames_of(tones((1000.0, -40.0), seconds=0.3)))
    assert band_level(dock) == pytest.approx(84.0, abs=0.1)
    assert dock.band_view.getAxis("left").labelText == "Level (dB SPL)"
    assert dock.peak_label.text().endswith(" dB SPL") and "84.0" in dock.peak_label.text()
    # Round trip through the ini file: another store on the same file finds it for this device and rate only.
    again = CalibrationStore(QSettings(store.fileName(), QSettings.Format.IniFormat))
    assert again.offset_db("test mic", FS_HZ) == pytest.approx(124.0, abs=0.05)
    assert again.reference_db_spl("test mic", FS_HZ) == 94.0
    assert again.offset_db("test mic", 44100.0) is None and again.offset_db("other", FS_HZ) is None
    dock.set_input("other", FS_HZ)
    assert dock.measurement.settings.offset_db is None and "uncalibrated" in dock.controls.calibration_label.text()
    dock.set_input("test mic", FS_HZ)
    assert dock.measurement.settings.offset_db == pytest.approx(124.0, abs=0.05)
    dock.clear_calibration()
    assert CalibrationStore(QSettings(store.fileName(), QSettings.Format.IniFormat)).offset_db("test mic",
                                                                                                FS_HZ) is None
    dock.on_frames(frames_of(tones((1000.0, -40.0), seconds=0.3)))
    assert band_level(dock) == pytest.approx(-40.0, abs=0.1)
    assert dock.band_view.getAxis("left").labelText == "Level (dBFS)"


def test_calibration_refuses_a_signal_that_is_not_a_1_khz_tone(dock):
    dialog = dock.calibrate()
    dialog.measure_button.click()
    dock.on_frames(frames_of(tones((250.0, -20.0), seconds=MEASURE_S + 0.2)))
    assert dialog.offset_db is None and "strongest tone is at 250 Hz" in dialog.result.text()
    dialog.reject()
    assert not dock.measurement.settings.calibrated


def test_weighting_is_named_in_every_label(dock, qtbot):
    choose(dock.controls.weighting, "A")
    dock.on_frames(frames_of(tones((1000.0, -20.0), seconds=0.2)))
    dock.refresh()
    assert dock.measurement.settings.unit == "dBFS(A)"
    assert dock.band_view.getAxis("left").labelText == "Level (dBFS(A))"
    assert "dBFS(A)" in dock.peak_label.text()


def test_mic_response_file_and_bad_files(dock, tmp_path, store):
    good = tmp_path / "umik.txt"
    good.write_text('"Sens Factor =-1.2dB, SERNO: 7000000"\n20 0\n5000 0\n10000 3.0\n20000 3.0\n')
    assert dock.load_mic_response(str(good))
    assert dock.controls.mic_label.text() == "umik.txt"
    dock.on_frames(frames_of(tones((10000.0, -20.0), seconds=0.2)))
    assert band_level(dock, "10k") == pytest.approx(-23.0, abs=0.1)
    assert CalibrationStore(store).mic_response_path("test mic") == str(good)
    bad = tmp_path / "bad.txt"
    bad.write_text("* a header\n20 0\n1000 0\n2000 three\n")
    assert not dock.load_mic_response(str(bad))
    assert dock.error_dialog.text() == "bad.txt line 4: expected 'frequency dB', got '2000 three'"
    assert dock.controls.mic_label.text() == "umik.txt"  # the good one stays
    assert not dock.load_mic_response(str(tmp_path / "missing.txt"))
    assert "missing.txt" in dock.error_dialog.text() and "\n" not in dock.error_dialog.text()
    dock.controls.mic_clear.click()
    assert dock.response is None and CalibrationStore(store).mic_response_path("test mic") == ""


def test_settings_persist(qtbot, store):
    d = MeasurementDock(store)
    qtbot.addWidget(d)
    choose(d.controls.fraction, 12)
    choose(d.controls.weighting, "C")
    d2 = MeasurementDock(QSettings(store.fileName(), QSettings.Format.IniFormat))
    qtbot.addWidget(d2)
    s = d2.controls.settings()
    assert (s.fraction, s.weighting, s.offset_db) == (12, "C", None)


def test_panel_gets_the_averaged_spectrum_and_its_peak(dock):
    frames = frames_of(tones((2345.6, -12.0), seconds=0.3))
    dock.on_frames(frames)
    raw = frames[-1].db
    assert dock.panel_spectrum(raw, "exact")[0] is raw  # averaging off, Z: the frame itself and its exact peak
    dock.set_settings(MeasurementSettings(averaging="exponential", weighting="A"))
    dock.on_frames(frames)
    db, peak = dock.panel_spectrum(raw, "exact")
    assert db is not raw and db.shape == raw.shape and not db.flags.writeable
    assert peak.freq_hz == pytest.approx(2345.6, abs=1.0)
    assert peak.level_dbfs == pytest.approx(-12.0 + 1.3, abs=0.3)  # A at 2.3 kHz is about +1.3 dB


def test_main_window_hooks(qtbot, make_window):
    w = make_window(show=False)
    d = w.measurement
    assert isinstance(d, MeasurementDock) and d.isHidden()
    assert d.reset_action in w.actions()
    assert not any(a.shortcut() == QKeySequence("R") for a in w.actions() if a is not d.reset_action)
    d.set_settings(MeasurementSettings(weighting="C"))
    assert w.live.spectrum.getAxis("bottom").labelUnits == "dBFS(C)"
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=4096, hop=1024)
    w.session.frames.emit(frames_of(tones((1000.0, -20.0), seconds=0.2), cfg))
    assert d.measurement.n_frames > 0 and d.fs_hz == FS_HZ
    w.close()
