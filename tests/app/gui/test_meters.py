"""The level-meter and generator docks on real audio: a tone into the null sink read back by the meters through a
real pipeline, the generator playing into the sink and stopping, and a missing output device disabling it.

SPECSCOPE_METER_SHOT and SPECSCOPE_GENERATOR_SHOT, if set, name PNG files the first two tests save
(run under Xvfb with QT_QPA_PLATFORM=xcb to look at the docks)."""

from __future__ import annotations

import os

import pytest
from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import QLabel, QMainWindow

from specscope.app.gui.meters import GeneratorDock, attach_meters
from specscope.app.live.capture import CaptureSource
from specscope.app.live.pipeline import Pipeline
from specscope.dsp.config import StftConfig

FS = 48000.0


class Host(QMainWindow):
    """The smallest window attach_meters needs: a QMainWindow with a ``pipeline`` attribute (a real one)."""

    def __init__(self) -> None:
        super().__init__()
        self.pipeline = None
        placeholder = QLabel("(the live tab)")
        placeholder.setMinimumWidth(520)
        self.setCentralWidget(placeholder)

    def open_input(self) -> None:
        source = CaptureSource(device="pulse", fs_hz=FS, channels=1, latency="low")
        self.pipeline = Pipeline(source, StftConfig(fs_hz=FS, n_fft=2048, hop=512))
        self.pipeline.start()

    def close_input(self) -> None:
        if self.pipeline is not None:
            self.pipeline.stop()
            self.pipeline = None


@pytest.fixture
def host(qtbot, pulse_server):
    w = Host()
    qtbot.addWidget(w)
    w.resize(900, 600)
    yield w
    w.close_input()
    w.close()


def wait_level(qtbot, dock, target_db, timeout_ms=10000):
    def near() -> bool:
        snap = dock.tap.latest if dock.tap is not None else None
        return snap is not None and abs(snap.mix.slow_db - target_db) < 0.5 and abs(snap.mix.fast_db - target_db) < 0.5

    qtbot.waitUntil(near, timeout=timeout_ms)


def test_the_meter_dock_reads_a_test_tone_from_the_live_input(qtbot, host, pulse_feed):
    levels, _generator = attach_meters(host, generator_device="pulse")
    host.show()
    host.open_input()
    pulse_feed.tone(1000.0, -20.0, 8.0)
    wait_level(qtbot, levels, -20.0)
    snap = levels.tap.latest
    assert snap.mix.peak_dbfs == pytest.approx(-20.0, abs=0.5)
    assert snap.mix.true_peak_dbtp == pytest.approx(-20.0, abs=0.5)
    qtbot.waitUntil(lambda: levels.number_labels[1][4].text() not in ("–", ""), timeout=2000)
    assert float(levels.number_labels[1][4].text()) == pytest.approx(-20.0, abs=0.5)
    # Reset clears the hold; the next snapshot starts again from the tone.
    levels.reset()
    qtbot.waitUntil(lambda: levels.tap.latest.elapsed_s < 1.0, timeout=3000)
    # The mono input's momentary loudness: -20 dBFS at 1 kHz on one channel is -23.0 LUFS.
    qtbot.waitUntil(lambda: abs(levels.tap.latest.momentary_lufs + 23.0) < 0.5, timeout=5000)
    shot = os.environ.get("SPECSCOPE_METER_SHOT")
    if shot:
        levels.show()  # attach_meters leaves the dock hidden until the View menu opens it
        levels.refresh()
        qtbot.wait(300)
        host.grab().save(shot)


def test_the_generator_dock_plays_into_the_sink_and_the_meters_read_it(qtbot, host):
    levels, generator = attach_meters(host, generator_device="pulse")
    host.show()
    host.open_input()
    assert generator.button.isEnabled()
    generator.kind.setCurrentText("sine")
    generator.frequency.setValue(1000.0)
    generator.level.setValue(-12.0)
    assert generator.start()
    assert generator.button.text() == "Stop" and generator.stream.active
    wait_level(qtbot, levels, -12.0)
    shot = os.environ.get("SPECSCOPE_GENERATOR_SHOT")
    if shot:
        generator.raise_()
        qtbot.wait(300)
        host.grab().save(shot)
    stream = generator.stream
    generator.stop()
    assert generator.stream is None and stream.finished.is_set() and generator.button.text() == "Start"
    qtbot.waitUntil(lambda: levels.tap.latest.mix.fast_db < -40.0, timeout=5000)


def test_a_missing_output_device_disables_the_generator_with_the_reason(qtbot, pulse_server):
    dock = GeneratorDock(device="no-such-output-device")
    qtbot.addWidget(dock)
    assert not dock.button.isEnabled()
    assert not dock.kind.isEnabled() and not dock.level.isEnabled()
    assert "unknown output device 'no-such-output-device'" in dock.button.toolTip()
    assert dock.button.toolTip().startswith("Generator unavailable")
    assert not dock.start()
    dock.device.setCurrentText("pulse")  # a device that exists brings it back
    assert dock.button.isEnabled() and dock.kind.isEnabled()


def test_attach_meters_on_the_main_window_adds_both_docks(qtbot, make_window, pulse_server):
    w = make_window(show=False)
    names = {d.objectName() for d in w.findChildren(type(w.meters[0]).__mro__[1])}
    assert {"levels_dock", "generator_dock"} <= names
    # The meters read calibrations from the window's store, where the Measurement dock writes them.
    w.measurement.calibrations.set_offset("some input", 44100.0, 101.25, 94.0)
    assert w.meters[0].calibration_for("some input", 44100.0) == 101.25
    assert w.meters[0].calibration_for("some input", 48000.0) is None
    w.close()


def test_a_calibrated_input_reads_db_spl_on_the_meters_from_the_measurement_docks_store(qtbot, host, pulse_feed,
                                                                                          tmp_path):
    # The offset is stored where the Measurement dock keeps it (per input name and rate); a -20 dBFS tone
    # then reads -20 + offset dB SPL on the RMS meters, while peaks stay dBFS; clearing it goes back to dBFS.
    from specscope.app.gui.measure.calibration import CalibrationStore

    host.store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    levels, _generator = attach_meters(host, generator_device="pulse")
    host.show()
    host.open_input()
    calibrations = CalibrationStore(host.store)
    calibrations.set_offset(host.pipeline.source.name, FS, 113.7, 94.0)
    pulse_feed.tone(1000.0, -20.0, 10.0)
    qtbot.waitUntil(lambda: levels.tap is not None and levels.tap.latest is not None
                    and levels.tap.latest.unit == "dB SPL", timeout=5000)
    wait_level(qtbot, levels, -20.0 + 113.7)
    snap = levels.tap.latest
    assert snap.mix.leq_db == pytest.approx(93.7, abs=0.5)
    assert snap.mix.peak_dbfs == pytest.approx(-20.0, abs=0.5)  # peaks are never calibrated
    assert levels.scale.unit == "dB SPL"
    assert levels.scale.tick_labels()[:3] == ["114", "108", "102"]  # 0, -6, -12 dBFS + 113.7, rounded
    assert [lab.text() for lab in levels.number_labels[0][4:]] == ["Fast\ndB SPL", "Slow\ndB SPL", "Leq\ndB SPL"]

    def fast_label_db() -> float:
        text = levels.number_labels[1][4].text()
        return float(text) if text not in ("–", "") else float("nan")

    qtbot.waitUntil(lambda: abs(fast_label_db() - 93.7) < 0.5, timeout=3000)  # painted on the 10 Hz timer
    assert "Fast/Slow/Leq dB SPL" in levels.status.text()
    shot = os.environ.get("SPECSCOPE_METER_SPL_SHOT")
    if shot:
        levels.show()
        qtbot.wait(300)
        host.grab().save(shot)
    calibrations.clear(host.pipeline.source.name, FS)
    qtbot.waitUntil(lambda: levels.tap.latest.unit == "dBFS", timeout=5000)
    wait_level(qtbot, levels, -20.0)
    assert levels.scale.unit == "dBFS" and levels.scale.tick_labels()[0] == "0"
    assert levels.number_labels[0][4].text() == "Fast"
