"""The main window on real audio: the PulseAudio test source fed by pacat, offscreen Qt.

Every test records the null sink's monitor through the real pipeline; only
QSettings is pointed at a temporary file.
"""

import dataclasses
import re

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtGui import QImage

from specscope.app.gui.main_window import HEALTH_ALARM_STYLE, MainWindow
from specscope.app.gui.settings import WindowSettings, load_settings
from specscope.app.model.settings import AnalysisSettings, DisplaySettings, InputSettings

FS_HZ = 48000.0
TONE_HZ = 1000.0


def _settings(analysis: dict | None = None, display: dict | None = None) -> WindowSettings:
    """The pulse test source at 48 kHz; overlap 87.5 % (hop 256 at N 2048, 187.5 frames/s) unless changed."""
    return WindowSettings(analysis=AnalysisSettings(**{"overlap": 0.875, **(analysis or {})}),
                          display=DisplaySettings(**(display or {})), input=InputSettings("pulse", FS_HZ))


@pytest.fixture
def window(make_window, pulse_feed):
    return make_window(settings=_settings(), start=True)


def _wait_for_tone(qtbot, w: MainWindow, k: int, frames: int = 60, timeout_ms: int = 8000) -> None:
    """Wait until the newest `frames` frames in the history all peak in bin k."""

    def ready() -> bool:
        h = w.history
        if h is None or len(h) < frames:
            return False
        db, _ = h.ordered(h.next_seq - frames)
        return bool((db.argmax(axis=0) == k).all())

    qtbot.waitUntil(ready, timeout=timeout_ms)


def test_tone_appears_in_its_bin_row_and_peak_label(qtbot, window, pulse_feed):
    w = window
    assert w.pipeline is not None and w.pipeline.running
    assert "fs 48000 Hz, N 2048" in w.config_label.text()
    pulse_feed.tone(TONE_HZ, -6.0, 6.0)
    k = round(TONE_HZ / w.cfg.delta_f_hz)  # 1000 / 23.4375 = 42.67 -> 43
    _wait_for_tone(qtbot, w, k)
    qtbot.wait(100)
    rows, _ = w.spectrogram.displayed_rows()
    assert w.spectrogram.row_map.bins_are_rows and w.spectrogram.row_map.first_bin[0] == 0
    assert (rows[:, -40:].argmax(axis=0) == k).all()
    label = w.spectrum.peak_text()
    m = re.match(r"(-?[\d.]+) Hz, (-?[\d.]+) dBFS, bin ([\d.]+)\n(\S+ [+-]\d+ cents)", label)
    assert m, label
    f_hz, level, bin_f = float(m[1]), float(m[2]), float(m[3])
    assert abs(f_hz - TONE_HZ) <= 0.002 * w.cfg.delta_f_hz, label
    assert level == pytest.approx(-6.0, abs=0.5)  # the sink's 16-bit monitor path, Hann scalloping corrected
    assert bin_f == pytest.approx(TONE_HZ / w.cfg.delta_f_hz, abs=0.01)
    assert m[4] == "B5 +21 cents"


def test_digital_silence_has_no_peak_label(qtbot, window):
    # The idle null sink's monitor delivers zeros: the sub-bin fit lands on the -200 dBFS floor at
    # some low bin, which the panel used to label ("5.0 Hz, -200.0 dBFS, bin 0.23, E-2 -35 cents").
    w = window
    start = w.frames_received
    qtbot.waitUntil(lambda: w.frames_received - start > 3 * w.cfg.fs_hz / w.cfg.hop * 0.1, timeout=5000)
    assert w.spectrum.peak_text() == ""


def test_pause_stops_new_columns_and_scroll_back_reads_history(qtbot, window, pulse_feed):
    w = window
    pulse_feed.tone(TONE_HZ, -6.0, 6.0)
    _wait_for_tone(qtbot, w, 43, frames=150)
    w.set_paused(True)
    qtbot.wait(50)
    seq0, cols0 = w.history.next_seq, w.spectrogram.displayed_rows()[1].shape[0]
    received0 = w.frames_received
    range0 = w.spectrogram.visible_time_range_s()
    qtbot.wait(500)
    assert w.history.next_seq == seq0
    assert w.spectrogram.displayed_rows()[1].shape[0] == cols0
    assert w.spectrogram.visible_time_range_s() == range0
    assert w.frames_received > received0 + 40  # capture keeps counting (~94 frames in 0.5 s)
    # Scroll back: the readout half a second before the freeze is the history's frame at that time.
    vb = w.spectrogram.getViewBox()
    vb.setXRange(-1.0, -0.2, padding=0.0)
    t_abs = w.spectrogram.t_ref_s - 0.5
    seq = w.history.seq_at_time(t_abs)
    assert seq is not None
    text = w.spectrogram.readout_at(t_abs, TONE_HZ)
    assert f"bin 43 (1007.8 Hz) | {w.history.frame(seq)[43]:.1f} dBFS" in text
    w.set_paused(False)
    qtbot.waitUntil(lambda: w.history.next_seq > seq0 + 20, timeout=3000)
    assert vb.viewRange()[0] == [-w.settings.display.span_s, 0.0]


def test_cursor_readouts_in_both_panels(qtbot, window, pulse_feed):
    w = window
    pulse_feed.tone(TONE_HZ, -6.0, 6.0)
    _wait_for_tone(qtbot, w, 43, frames=40)
    qtbot.wait(100)
    w.set_paused(True)
    qtbot.wait(50)
    view = w.spectrogram
    readouts = []
    view.readout.connect(readouts.append)
    vb = view.getViewBox()
    scene_pt = vb.mapViewToScene(QPointF(-0.1, 1003.0))
    view.scene().sigMouseMoved.emit(scene_pt)  # what a real mouse move over the viewport emits
    p = vb.mapSceneToView(scene_pt)
    seq = w.history.seq_at_time(p.x() + view.t_ref_s)
    k_expected = 43  # 1003 Hz lies in bin 43's extent [996.1, 1019.5) Hz
    assert readouts and f"bin {k_expected} (1007.8 Hz)" in readouts[-1]
    assert readouts[-1].endswith(f"{w.history.frame(seq)[k_expected]:.1f} dBFS")
    assert w.readout.text() == readouts[-1]
    # Spectrum panel: same frequency, the level of the frame it shows.
    sp = w.spectrum
    sp_readouts = []
    sp.readout.connect(sp_readouts.append)
    spt = sp.getViewBox().mapViewToScene(QPointF(-50.0, 1003.0))
    sp.scene().sigMouseMoved.emit(spt)
    f_hz = sp.scale.inverse(sp.getViewBox().mapSceneToView(spt).y())
    assert sp_readouts and sp_readouts[-1].startswith(f"t {sp.last_time_s:.3f} s | {f_hz:.1f} Hz")
    assert -0.2 < sp.last_time_s < 0.2  # the newest frame, on the spectrogram's time axis
    assert sp_readouts[-1].endswith(f"bin 43 (1007.8 Hz) | {sp.last_db[43]:.1f} dBFS")


def test_changing_n_updates_axis_status_and_rows(qtbot, window, pulse_feed):
    w = window
    pulse_feed.tone(TONE_HZ, -6.0, 8.0)
    _wait_for_tone(qtbot, w, 43, frames=20)
    w.cycle_fft_size()  # 2048 -> 4096, device stays open
    assert w.cfg.n_fft == 4096 and w.cfg.hop == 512
    assert "N 4096" in w.config_label.text() and "Δf 11.72 Hz" in w.config_label.text()
    assert w.controls.n_fft.currentData() == 4096
    assert w.spectrogram.row_map.n_rows == 2049
    _wait_for_tone(qtbot, w, 85, frames=20)  # 1000 / 11.71875 = 85.3
    qtbot.wait(50)
    item = w.spectrogram.image_items()[-1]
    for k in (0, 85, 2048):
        assert item.mapToParent(QPointF(0.5, k + 0.5)).y() == pytest.approx(k * FS_HZ / 4096, abs=1e-6)
    assert w.spectrum.cfg.n_fft == 4096
    assert load_settings(w.store).analysis.n_fft == 4096  # persisted


def test_export_png_npz_csv_match_display(qtbot, window, pulse_feed, tmp_path):
    w = window
    pulse_feed.tone(TONE_HZ, -6.0, 6.0)
    _wait_for_tone(qtbot, w, 43, frames=150)
    w.set_paused(True)
    qtbot.wait(50)
    w.spectrogram.getViewBox().setXRange(-0.5, 0.0, padding=0.0)
    png = w.export_to(str(tmp_path / "view.png"))
    img = QImage(str(png))
    assert not img.isNull() and img.width() >= w.spectrogram.width()
    npz = w.export_to(str(tmp_path / "view.npz"))
    with np.load(npz) as z:
        assert set(z.files) == {"db", "freqs_hz", "times_s", "fs_hz", "n_fft", "hop", "window", "zero_pad"}
        db, times = z["db"], z["times_s"]
        assert db.dtype == np.float32 and db.shape == (w.cfg.n_freqs, times.shape[0])
        np.testing.assert_array_equal(z["freqs_hz"], w.cfg.freqs_hz)
        assert (float(z["fs_hz"]), int(z["n_fft"]), int(z["hop"]), str(z["window"]), int(z["zero_pad"])) == (
            48000.0, 2048, 256, "hann", 1)
    lo, hi = w.spectrogram.visible_time_range_s()
    assert 80 <= times.shape[0] <= 100  # 0.5 s at 187.5 frames/s
    assert lo <= times[0] and times[-1] <= hi
    rows, shown_times = w.spectrogram.displayed_rows()
    idx = np.searchsorted(shown_times, times - 0.5 * w.cfg.hop_s)  # nearest column
    np.testing.assert_allclose(shown_times[idx], times, atol=1e-9)
    np.testing.assert_array_equal(db, rows[:, idx])  # linear scale: one image row per bin
    csv = w.export_to(str(tmp_path / "view.csv"))
    header = csv.read_text().splitlines()[0].split(",")
    assert header[0] == "time_s" and float(header[44]) == pytest.approx(43 * w.cfg.delta_f_hz, rel=1e-5)
    table = np.loadtxt(csv, delimiter=",", skiprows=1)
    np.testing.assert_allclose(table[:, 0], times, rtol=1e-5)
    np.testing.assert_allclose(table[:, 1:], db.T, atol=0.01, rtol=1e-5)
    with pytest.raises(ValueError, match=r"\.npz or \.csv"):
        w.export_to(str(tmp_path / "view.txt"))


@pytest.mark.parametrize("scale", ["log", "mel"])
def test_tone_visible_on_log_and_mel(qtbot, make_window, pulse_feed, scale):
    w = make_window(settings=_settings(analysis={"window": "boxcar"}, display={"scale": scale}), start=True)
    f_hz = 700 * FS_HZ / 2048  # exactly bin 700 (16406.25 Hz): with a rectangular window one bin only
    pulse_feed.tone(f_hz, -6.0, 5.0)
    _wait_for_tone(qtbot, w, 700, frames=30)
    qtbot.wait(100)
    rows, _ = w.spectrogram.displayed_rows()
    rm = w.spectrogram.row_map
    hit = np.flatnonzero((rm.first_bin <= 700) & (700 <= rm.last_bin))
    assert (rows[hit][:, -20:].max(axis=0) > -12).all()
    assert np.isin(rows[:, -20:].argmax(axis=0), hit).all()  # the brightest row of every column


def test_refused_device_keeps_previous_settings(qtbot, window):
    w = window
    s = w.settings
    w.controls.set_settings(s.replace(input=s.input.replace(device="no such device 4711")))
    w.apply_controls("source")
    assert w.banner.isVisible() and "refused" in w.banner.text.text() and "4711" in w.banner.text.text()
    assert w.settings.input.device == "pulse" and w.controls.settings().input.device == "pulse"
    assert w.pipeline is not None and w.pipeline.running
    # The channel list is the open input's: mix plus its channels.
    n = w.pipeline.source.channels
    assert [w.controls.channel.itemData(i) for i in range(w.controls.channel.count())] == ["mix", *range(n)]


def test_lost_device_keeps_history_and_reconnects(qtbot, window, pulse_feed, sink_loss, pulse_server):
    w = window
    pulse_feed.tone(TONE_HZ, -6.0, 4.0)
    _wait_for_tone(qtbot, w, 43, frames=40)
    sink_loss()
    qtbot.waitUntil(lambda: w.banner.isVisible() and w.banner.reconnect.isVisible(), timeout=5000)
    assert "Input lost" in w.banner.text.text()
    assert w.pipeline is None
    n_kept = len(w.history)
    last_t = w.spectrogram.last_time_s
    assert n_kept > 40 and w.spectrogram.displayed_rows()[1].shape[0] >= 40
    pulse_server.ensure_sink()
    w.banner.reconnect.click()
    assert w.pipeline is not None and w.pipeline.running and not w.banner.isVisible()
    pulse_feed.tone(TONE_HZ, -6.0, 4.0)
    qtbot.waitUntil(lambda: len(w.history) > n_kept + 20, timeout=8000)
    _, times = w.history.ordered_times()
    assert (np.diff(times) > 0).all() and times[-1] > last_t  # new frames continue after the kept history


def test_settings_persist_and_reset(make_window, store):
    w = make_window(show=False)
    s = w.settings
    w.controls.set_settings(s.replace(display=s.display.replace(colormap="magma", floor_db=-90.0, scale="mel")))
    w.apply_controls("levels")
    w.close()
    again = make_window(show=False)
    d = again.settings.display
    assert (d.colormap, d.floor_db, d.scale) == ("magma", -90.0, "mel")
    assert again.controls.settings().display.colormap == "magma"
    assert store.value("display/floor_db") in (-90.0, "-90.0")  # a value, not a label
    again.reset_to_defaults()
    assert again.settings == WindowSettings() and load_settings(store) == WindowSettings()
    again.close()


def test_shortcuts_space_pauses_f_cycles_fft_size(qtbot, window):
    w = window
    w.activateWindow()
    qtbot.keyClick(w.spectrogram, Qt.Key.Key_Space)
    assert w.spectrogram.paused and w.pause_action.isChecked()
    qtbot.keyClick(w.spectrogram, Qt.Key.Key_Space)
    assert not w.spectrogram.paused
    qtbot.keyClick(w.spectrogram, Qt.Key.Key_F)
    assert w.cfg.n_fft == 4096 and "N 4096" in w.config_label.text()
    assert w.export_action.shortcut().toString() == "Ctrl+E" and w.open_action.shortcut().toString() == "Ctrl+O"


def test_health_indicator_turns_visible_when_audio_is_lost(qtbot, window, monkeypatch):
    w = window
    qtbot.waitUntil(lambda: "fps" in w.health_label.text() and "DSP" in w.health_label.text(), timeout=3000)
    assert w.health_label.styleSheet() != HEALTH_ALARM_STYLE
    # Overflows cannot be provoked on demand from a healthy null sink: report three through stats().
    real_stats = w.pipeline.stats
    monkeypatch.setattr(w.pipeline, "stats", lambda: dataclasses.replace(real_stats(), overflows=3))
    qtbot.waitUntil(lambda: w.health_label.styleSheet() == HEALTH_ALARM_STYLE, timeout=2000)
    assert "overflows 3" in w.health_label.text()
    qtbot.wait(700)
    assert w.health_label.styleSheet() == HEALTH_ALARM_STYLE  # stays visible, not a flash


def test_display_settings_apply_live_and_bad_range_is_refused(qtbot, window, pulse_feed):
    w = window
    pulse_feed.tone(TONE_HZ, -6.0, 4.0)
    _wait_for_tone(qtbot, w, 43, frames=40)
    items = [id(i) for i in w.spectrogram.image_items()]
    s = w.settings
    w.controls.set_settings(s.replace(display=s.display.replace(floor_db=-80.0, ceiling_db=-20.0)))
    w.apply_controls("levels")
    assert [id(i) for i in w.spectrogram.image_items()][: len(items)] == items  # no rebuild for levels
    assert all(tuple(i.levels) == (-80.0, -20.0) for i in w.spectrogram.image_items())
    # The spectrum panel keeps its own, autoscaled level axis (issue 12 #8): the -6 dBFS tone stays inside it.
    lo, hi = w.spectrum.getViewBox().viewRange()[0]
    assert lo < -6.0 < hi
    w.controls.f_min.setValue(5000.0)  # an empty range, as typed into the form
    w.controls.f_max.setValue(2000.0)
    w.apply_controls("view")
    assert "refused" in w.banner.text.text() and "must be below max 2000 Hz" in w.banner.text.text()
    assert (w.settings.display.f_min_hz, w.settings.display.f_max_hz) == (0.0, 0.0)
    shown = w.controls.settings().display
    assert (shown.f_min_hz, shown.f_max_hz) == (0.0, 0.0)
    s = w.settings
    w.controls.set_settings(s.replace(display=s.display.replace(f_min_hz=500.0, f_max_hz=2000.0)))
    w.apply_controls("view")
    rm = w.spectrogram.row_map
    assert (rm.first_bin[0], rm.last_bin[-1]) == (21, 85)  # 500 / 23.4375 = 21.3, 2000 / 23.4375 = 85.3
    df = w.cfg.delta_f_hz
    assert w.spectrogram.getViewBox().viewRange()[1] == pytest.approx([20.5 * df, 85.5 * df])
