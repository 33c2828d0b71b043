"""The file view (pytest-qt, offscreen): tones at the right time and Hz, exact rows when zoomed,
selection peak, cancel, bad files, export, playback; and screenshots under Xvfb.

Run as a script (``python test_file_view.py OUT_DIR WAV``) it is the screenshot subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[3]
UPDATE_ENV = "SPECSCOPE_UPDATE_SCREENSHOTS"
"""``make screenshots`` sets it to 1: the screenshots then replace docs/screenshots; by default a temporary folder."""
FS_HZ = 48000
TONES = ((1.0, 2.0, 1000.0), (3.0, 3.5, 5000.0), (4.0, 5.5, 12000.0))
"""(start s, end s, Hz) of the test recording's tones, each 0.25 amplitude (-12 dBFS)."""
DURATION_S = 6.0


def make_wav(path: Path, fs_hz: int = FS_HZ, duration_s: float = DURATION_S) -> str:
    rng = np.random.default_rng(5)
    n = int(duration_s * fs_hz)
    t = np.arange(n) / fs_hz
    x = 1e-4 * rng.standard_normal(n)
    for t0, t1, f in TONES:
        on = (t >= t0) & (t < t1)
        x[on] += 0.25 * np.sin(2 * np.pi * f * t[on])
    stereo = np.stack([x, x], axis=1).astype(np.float32)
    sf.write(str(path), stereo, fs_hz, subtype="FLOAT")
    return str(path)


def _wait_loaded(qtbot, view, path):
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.load(path)
    qtbot.wait(50)


def _wait_detail(qtbot, view):
    """Wait until the image shows full-resolution data for the visible range."""
    def full_resolution():
        view.refresh()
        tile = view.shown_tile
        return tile is not None and tile.fpc == 1 and tile.complete

    qtbot.waitUntil(full_resolution, timeout=10000)


def _brightest(view):
    """(time s, Hz) of the brightest pixel of the displayed image, through the image's rectangle."""
    img, rect = view.displayed_image()
    r, c = np.unravel_index(int(np.argmax(img)), img.shape)
    t = rect.left() + (c + 0.5) * rect.width() / img.shape[1]
    u = rect.top() + (r + 0.5) * rect.height() / img.shape[0]
    return t, float(view.scale.inverse(u)), float(img[r, c])


@pytest.fixture
def view(qtbot):
    from specscope.app.gui.file_view import FileView

    v = FileView()
    qtbot.addWidget(v)
    v.resize(1200, 600)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.shutdown()


@pytest.fixture
def wav(tmp_path):
    return make_wav(tmp_path / "tones.wav")


def test_tones_appear_at_their_time_and_frequency(qtbot, view, wav):
    _wait_loaded(qtbot, view, wav)
    cfg = view.cfg
    assert view.t_first_view_s is not None
    ov = view.overview_tile
    assert ov.complete
    for t0, t1, f in TONES:
        k = round(f / cfg.delta_f_hz)
        loud = np.nonzero(ov.db[k] > -30.0)[0]
        times = ov.column_times_s()[loud]
        assert times.min() == pytest.approx(t0, abs=ov.col_s + cfg.frame_s)
        assert times.max() == pytest.approx(t1, abs=ov.col_s + cfg.frame_s)
        # Zoom onto the tone: the brightest pixel is the tone's bin, inside its time span.
        view.set_time_range(t0 + 0.1, t1 - 0.1)
        view.set_freq_range(f - 300, f + 300)
        _wait_detail(qtbot, view)
        t_b, f_b, level = _brightest(view)
        assert t0 <= t_b <= t1
        assert f_b == pytest.approx(k * cfg.delta_f_hz, abs=1e-6)
        assert level > -12.0 - 1.5  # -12 dBFS less at most Hann's 1.42 dB scalloping


def test_rows_are_centred_on_bin_frequencies_when_zoomed(qtbot, view, wav):
    _wait_loaded(qtbot, view, wav)
    for settings in ({}, {"n_fft": 1024, "hop": 128, "zero_pad": 4, "window": "blackman"}):
        if settings:
            with qtbot.waitSignal(view.analysis_finished, timeout=20000):
                view.set_config(settings)
        cfg = view.cfg
        for f_lo, f_hi in ((900.0, 1150.0), (4990.0, 5012.0), (0.0, 200.0)):
            view.set_time_range(1.2, 1.6)
            view.set_freq_range(f_lo, f_hi)
            _wait_detail(qtbot, view)
            img, rect = view.displayed_image()
            rm = view.row_map
            assert rm.bins_are_rows
            k0 = int(rm.first_bin[0])
            centres = rect.top() + (np.arange(img.shape[0]) + 0.5) * rect.height() / img.shape[0]
            expected = (k0 + np.arange(img.shape[0])) * FS_HZ / (cfg.n_fft * cfg.zero_pad)
            np.testing.assert_allclose(centres, expected, rtol=0, atol=1e-6 * cfg.delta_f_hz)
            # Columns: one per frame, centred at (i*hop + n_fft/2)/fs.
            tile = view.shown_tile
            assert tile.fpc == 1 and view.shown_group == 1
            col_w = rect.width() / img.shape[1]
            assert col_w == pytest.approx(cfg.hop_s)
            i = round((rect.left() + 0.5 * col_w) * FS_HZ / cfg.hop - cfg.n_fft / 2 / cfg.hop)
            assert rect.left() + 0.5 * col_w == pytest.approx((i * cfg.hop + cfg.n_fft / 2) / FS_HZ, abs=1e-9)


def test_zoomed_out_view_keeps_one_frame_events(qtbot, view, tmp_path):
    fs = 8000
    x = np.zeros(fs * 120, dtype=np.float32)
    x[fs * 77 + 123] = 0.9  # one sample in two minutes
    path = tmp_path / "click.wav"
    sf.write(str(path), x, fs, subtype="FLOAT")
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.set_config({"n_fft": 256, "hop": 64})
        view.load(str(path))
    view.refresh()
    img, rect = view.displayed_image()
    assert img.shape[1] <= view.vb.sceneBoundingRect().width() + 1  # at most one column per pixel
    t_b, _, level = _brightest(view)
    assert abs(t_b - (77 + 123 / fs)) <= rect.width() / img.shape[1]
    assert level > -45.0  # 0.9 * 2 / sum(hann) = 0.014: -37 dBFS at the frame centre
    # Zoomed in past the overview's resolution, the range is recomputed frame by frame.
    cfg = view.cfg
    assert view.overview_tile.fpc > 1
    t_click = 77 + 123 / fs
    view.set_time_range(t_click - 0.2, t_click + 0.2)
    _wait_detail(qtbot, view)
    assert view.shown_tile is view.detail_tile and view.detail_tile.fpc == 1
    t_b, _, level = _brightest(view)
    i = (fs * 77 + 123 - cfg.n_fft // 2) / cfg.hop  # fractional frame whose centre is the click
    assert t_b == pytest.approx((round(i) * cfg.hop + cfg.n_fft / 2) / fs, abs=1e-9)
    assert level > -45.0


def test_selection_spectrum_peak_within_0_2_percent_of_a_bin(qtbot, view, tmp_path):
    fs = 48000
    f0 = 2345.678
    x = (0.25 * np.sin(2 * np.pi * f0 * np.arange(3 * fs) / fs)).astype(np.float32)
    x[2 * fs :] += (0.25 * np.sin(2 * np.pi * 7000.0 * np.arange(fs) / fs)).astype(np.float32)
    path = tmp_path / "tone.wav"
    sf.write(str(path), x, fs, subtype="FLOAT")
    _wait_loaded(qtbot, view, str(path))
    with qtbot.waitSignal(view.selection_changed, timeout=10000) as blocker:
        view.set_selection(0.5, 1.5)
    res = view.selection_result
    assert abs(res.peak.freq_hz - f0) < 0.002 * view.cfg.delta_f_hz
    assert res.peak.level_dbfs == pytest.approx(20 * np.log10(0.25), abs=0.05)
    assert "peak 2345.7 Hz" in blocker.args[0] and "(1.000 s" in blocker.args[0]
    assert view.spectrum.peak_text().startswith("2345.7 Hz")
    # The panel's frequency axis follows the spectrogram's, pixel for pixel.
    view.set_freq_range(2000.0, 3000.0)
    qtbot.wait(20)
    panel_vb = view.spectrum.getViewBox()
    assert panel_vb.viewRange()[1] == pytest.approx(view.vb.viewRange()[1], abs=1e-6)
    assert panel_vb.sceneBoundingRect().top() == view.vb.sceneBoundingRect().top()
    assert panel_vb.sceneBoundingRect().height() == pytest.approx(view.vb.sceneBoundingRect().height(), abs=1)
    # A frequency band picks the peak inside it.
    with qtbot.waitSignal(view.selection_changed, timeout=10000):
        view.set_selection(2.2, 2.8, 5000.0, 9000.0)
    assert abs(view.selection_result.peak.freq_hz - 7000.0) < 0.002 * view.cfg.delta_f_hz
    assert "5000.0 – 9000.0 Hz" in view.status_text


def test_cancel_stops_background_work_promptly(qtbot, view, tmp_path):
    fs = 8000
    x = (0.1 * np.random.default_rng(1).standard_normal(fs * 60 * 20)).astype(np.float32)
    path = tmp_path / "long.wav"
    sf.write(str(path), x, fs, subtype="PCM_16")
    view.set_config({"n_fft": 256, "hop": 16})
    with qtbot.waitSignal(view.progress, timeout=20000):
        view.load(str(path))
    jobs = view.background_jobs()
    assert jobs
    finished = []
    view.analysis_finished.connect(finished.append)
    view.cancel()
    assert all(job.join(2.0) for job in jobs), "background work still running 2 s after cancel"
    qtbot.wait(100)
    assert not finished and not view.overview_tile.complete
    assert not view.cancel_button.isVisible()


def test_bad_file_emits_error_and_keeps_previous_view(qtbot, view, wav, tmp_path):
    _wait_loaded(qtbot, view, wav)
    before = view.displayed_image()[0].copy()
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
    short = tmp_path / "short.wav"
    sf.write(str(short), np.zeros(100, np.float32), FS_HZ)  # shorter than one 2048-sample frame
    for path in (str(bad), str(tmp_path / "missing.wav"), str(short)):
        with qtbot.waitSignal(view.error, timeout=5000) as blocker:
            view.load(path)
        msg = blocker.args[0]
        assert "\n" not in msg and path.split("/")[-1] in msg
        assert view.path == wav
        np.testing.assert_array_equal(view.displayed_image()[0], before)
    with qtbot.waitSignal(view.error, timeout=5000) as blocker:
        view.set_config({"n_fft": 1000001})
    assert "FFT size" in blocker.args[0] and view.cfg.n_fft == 2048


def test_channel_setting_analyses_one_channel_or_the_mix(qtbot, view, tmp_path):
    fs = 16000
    t = np.arange(2 * fs) / fs
    left, right = 0.5 * np.sin(2 * np.pi * 1000 * t), 0.5 * np.sin(2 * np.pi * 3000 * t)
    path = tmp_path / "lr.wav"
    sf.write(str(path), np.stack([left, right], axis=1).astype(np.float32), fs, subtype="FLOAT")
    _wait_loaded(qtbot, view, str(path))

    def level(f_hz):
        cfg = view.cfg
        return float(np.median(view.overview_tile.db[round(f_hz / cfg.delta_f_hz)]))

    # mix = (L + R) / 2: each tone at half amplitude, 0.25 -> -12 dBFS (Hann scalloping within 1.5 dB)
    assert -13.5 < level(1000) < -11.9 and -13.5 < level(3000) < -11.9
    for channel, (on, off) in ((1, (3000, 1000)), (0, (1000, 3000))):
        with qtbot.waitSignal(view.analysis_finished, timeout=20000):
            view.set_config({"channel": channel})
        assert -7.5 < level(on) < -5.9 and level(off) < -100
    with qtbot.waitSignal(view.error, timeout=5000) as blocker:
        view.set_config({"channel": 2})
    assert "channel 2" in blocker.args[0] and view.settings()["channel"] == 0


def test_dropping_a_file_opens_it(qtbot, view, wav):
    from PyQt6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PyQt6.QtGui import QDragEnterEvent, QDropEvent

    # Qt delivers drops only during a real drag; the handlers are called as Qt would call them.
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(wav)])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(10, 10), *args)
    enter.setAccepted(False)
    view.dragEnterEvent(enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.dropEvent(QDropEvent(QPointF(10, 10), *args))
    assert view.path == wav
    text = QMimeData()
    text.setText("not a file")
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, text, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.setAccepted(False)
    view.dragEnterEvent(enter)
    assert not enter.isAccepted()


def test_truncated_file_opens_with_a_warning(qtbot, view, wav, tmp_path):
    data = Path(wav).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2 + 3])  # half the samples and a partial frame
    _wait_loaded(qtbot, view, str(cut))
    assert view.analysis.info.truncated
    assert "truncated" in view.status_text.lower() or "cut" in view.status_text.lower()
    assert view.analysis.info.duration_s == pytest.approx(DURATION_S / 2, abs=0.01)
    assert view.overview_tile.complete


def test_export_npz_and_csv_in_the_cli_format(qtbot, view, wav, tmp_path):
    from specscope.dsp.stft import stft_db

    _wait_loaded(qtbot, view, wav)
    view.set_selection(1.5, 1.6)
    qtbot.waitUntil(lambda: view.selection_result is not None, timeout=10000)
    out = tmp_path / "sel.npz"
    with qtbot.waitSignal(view.exported, timeout=10000):
        view.export_data(str(out))
    data = np.load(out)
    cfg = view.cfg
    first, n = view.analysis.frame_span(1.5, 1.6)
    x = sf.read(wav, dtype="float32")[0].mean(axis=1)
    np.testing.assert_allclose(data["db"], stft_db(x, cfg)[:, first : first + n], atol=2e-3)
    assert data["db"].dtype == np.float32 and data["db"].shape == (cfg.n_freqs, n)
    np.testing.assert_array_equal(data["freqs_hz"], cfg.freqs_hz)
    np.testing.assert_allclose(data["times_s"], (np.arange(first, first + n) * cfg.hop + cfg.n_fft / 2) / FS_HZ)
    assert (int(data["n_fft"]), int(data["hop"]), str(data["window"]), int(data["zero_pad"])) == (2048, 512, "hann", 1)
    assert data["times_s"].min() >= 1.5 and data["times_s"].max() <= 1.6
    csv = tmp_path / "sel.csv"
    with qtbot.waitSignal(view.exported, timeout=10000):
        view.export_data(str(csv))
    header = csv.read_text().splitlines()[0].split(",")
    assert header[0] == "time_s" and float(header[2]) == pytest.approx(cfg.delta_f_hz, rel=1e-5)
    png = tmp_path / "view.png"
    view.export_png(str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Issue 12 #5: with a selection, "Export PNG" writes the view as shown: the view and the selection stay.
    view.set_selection(1.2, 1.4, 900.0, 1100.0)
    qtbot.waitUntil(lambda: view.selection_result is not None, timeout=10000)
    before_view = (view.visible_time_range_s(), view.visible_freq_range_hz())
    before_rect = view.sel_rect.rect()
    sel_png = tmp_path / "selection.png"
    with qtbot.waitSignal(view.exported, timeout=15000):
        view.export_png(str(sel_png))
    qtbot.wait(200)
    assert (view.visible_time_range_s(), view.visible_freq_range_hz()) == before_view
    assert view.selection == (1.2, 1.4, 900.0, 1100.0) and view.sel_rect.rect() == before_rect
    assert sel_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cursor_readout_names_time_bin_and_level(qtbot, view, wav):
    _wait_loaded(qtbot, view, wav)
    cfg = view.cfg
    view.set_time_range(1.2, 1.8)
    view.set_freq_range(800, 1200)
    _wait_detail(qtbot, view)
    text = view.readout_at(1.5, 1000.0)
    k = round(1000.0 / cfg.delta_f_hz)
    assert text.startswith("t 1.500 s | 1000.0 Hz")
    assert f"bin {k} ({k * cfg.delta_f_hz:.1f} Hz)" in text
    level = float(text.split("|")[-1].split()[0])
    assert -12.0 - 1.5 < level < -12.0 + 0.1


def test_playback_moves_the_cursor_and_pauses(qtbot, view, wav):
    if not view.player.available:
        pytest.skip(f"no output device: {view.player.unavailable_reason}")
    _wait_loaded(qtbot, view, wav)
    assert view.play_button.isEnabled()
    positions = []
    view.player.position_changed.connect(positions.append)
    view.seek(2.0)
    assert view.playhead.value() == pytest.approx(2.0)
    np.testing.assert_array_equal(view.spectrum.last_db, view.spectrum_at(2.0))  # panel: spectrum at the line
    view.toggle_play()
    qtbot.waitUntil(lambda: positions and max(positions) > 2.2, timeout=5000)
    assert view.player.playing and view.play_button.text() == "Pause"
    view.toggle_play()
    assert not view.player.playing
    assert 2.2 < view.player.position_s < 4.0
    view.set_selection(5.0, 5.2)
    view.play_selection()
    qtbot.waitUntil(lambda: not view.player.playing, timeout=5000)
    assert view.player.position_s == pytest.approx(5.2, abs=0.05)


def test_playback_disabled_with_reason_without_output_device(qtbot, monkeypatch, wav):
    # No output device cannot be produced for real on the test machine: fake the probe's answer.
    import specscope.app.gui.playback as playback
    from specscope.app.gui.file_view import FileView

    monkeypatch.setattr(playback, "default_output_device", lambda: (False, "no audio output device (test)"))
    v = FileView()
    qtbot.addWidget(v)
    with qtbot.waitSignal(v.analysis_finished, timeout=20000):
        v.load(wav)
    assert not v.play_button.isEnabled()
    assert "no audio output device" in v.play_button.toolTip()
    v.toggle_play()
    assert not v.player.playing
    v.shutdown()


def test_keys_zoom_pan_and_beat_the_window_space_shortcut(qtbot, wav):
    from PyQt6.QtCore import Qt
    from PyQt6.QtGui import QAction, QKeySequence
    from PyQt6.QtWidgets import QMainWindow

    from specscope.app.gui.file_view import FileView

    win = QMainWindow()
    qtbot.addWidget(win)
    window_space = []
    action = QAction("Pause", win)
    action.setShortcut(QKeySequence(Qt.Key.Key_Space))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda: window_space.append(True))
    win.addAction(action)
    view = FileView()
    win.setCentralWidget(view)
    win.resize(1200, 600)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.load(wav)
    target = view.plot.viewport()
    target.setFocus()
    x0, x1 = view.visible_time_range_s()
    qtbot.keyClick(target, Qt.Key.Key_Plus)
    y0, y1 = view.visible_time_range_s()
    assert (y1 - y0) == pytest.approx((x1 - x0) / 1.5, rel=1e-6)
    qtbot.keyClick(target, Qt.Key.Key_Right)
    z0, _ = view.visible_time_range_s()
    assert z0 - y0 == pytest.approx(0.2 * (y1 - y0), rel=1e-6)
    qtbot.keyClick(target, Qt.Key.Key_Home)
    assert view.visible_time_range_s() == pytest.approx((x0, x1))
    if view.player.available:
        qtbot.keyClick(target, Qt.Key.Key_Space)
        assert view.player.playing and not window_space
        qtbot.keyClick(target, Qt.Key.Key_Space)
        assert not view.player.playing and not window_space
    view.shutdown()


def _pixel(view, t_s, f_hz):
    from PyQt6.QtCore import QPointF

    scene_pos = view.vb.mapViewToScene(QPointF(t_s, float(view.scale.transform(f_hz))))
    return QPointF(view.plot.mapFromScene(scene_pos))


def _mouse(view, kind, t_s, f_hz, button, buttons, mods, pos=None):
    from PyQt6.QtCore import QPointF
    from PyQt6.QtGui import QMouseEvent
    from PyQt6.QtWidgets import QApplication

    pos = _pixel(view, t_s, f_hz) if pos is None else QPointF(pos)
    vp = view.plot.viewport()
    ev = QMouseEvent(kind, pos, QPointF(vp.mapToGlobal(pos.toPoint())), button, buttons, mods)
    QApplication.sendEvent(vp, ev)


def test_mouse_shift_drag_selects_click_seeks_wheel_zooms(qtbot, view, wav):
    from PyQt6.QtCore import QEvent, Qt

    _wait_loaded(qtbot, view, wav)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    shift = Qt.KeyboardModifier.ShiftModifier
    ctrl_shift = shift | Qt.KeyboardModifier.ControlModifier

    def drag(a, b, mods):
        # Pixel positions fixed before the drag starts (a pan moves the view under the mouse).
        pa, pb = _pixel(view, *a), _pixel(view, *b)
        _mouse(view, QEvent.Type.MouseButtonPress, 0, 0, left, left, mods, pa)
        for j in range(1, 6):
            _mouse(view, QEvent.Type.MouseMove, 0, 0, none, left, mods, pa + (pb - pa) * (j / 5))
        _mouse(view, QEvent.Type.MouseButtonRelease, 0, 0, left, none, mods, pb)

    with qtbot.waitSignal(view.selection_changed, timeout=10000):
        drag((3.1, 2000.0), (3.4, 2000.0), shift)
    t0, t1, f_lo, f_hi = view.selection
    px_s = (lambda r: (r[1] - r[0]) / view.vb.width())(view.visible_time_range_s())
    assert t0 == pytest.approx(3.1, abs=2 * px_s) and t1 == pytest.approx(3.4, abs=2 * px_s)
    assert f_lo is None and f_hi is None
    assert abs(view.selection_result.peak.freq_hz - 5000.0) < 0.01
    with qtbot.waitSignal(view.selection_changed, timeout=10000):
        drag((4.2, 11000.0), (5.0, 13000.0), ctrl_shift)
    _, _, f_lo, f_hi = view.selection
    assert f_lo == pytest.approx(11000.0, rel=0.02) and f_hi == pytest.approx(13000.0, rel=0.02)
    assert abs(view.selection_result.peak.freq_hz - 12000.0) < 0.01
    # A click moves the play position.
    _mouse(view, QEvent.Type.MouseButtonPress, 2.5, 3000.0, left, left, Qt.KeyboardModifier.NoModifier)
    _mouse(view, QEvent.Type.MouseButtonRelease, 2.5, 3000.0, left, none, Qt.KeyboardModifier.NoModifier)
    assert view.player.position_s == pytest.approx(2.5, abs=2 * px_s)
    assert view.playhead.value() == pytest.approx(view.player.position_s)
    # A plain drag pans (pyqtgraph starts the pan after the first move past its drag threshold).
    x0, x1 = view.visible_time_range_s()
    view.zoom_time(0.5)
    y0, y1 = view.visible_time_range_s()
    assert (y1 - y0) == pytest.approx(0.5 * (x1 - x0))
    drag((3.0, 5000.0), (2.5, 5000.0), Qt.KeyboardModifier.NoModifier)
    z0, z1 = view.visible_time_range_s()
    assert z0 - y0 == pytest.approx(0.5, abs=2 * px_s) and (z1 - z0) == pytest.approx(y1 - y0)


def test_log_scale_keeps_tones_visible(qtbot, view, wav):
    _wait_loaded(qtbot, view, wav)
    view.set_display(scale="log", floor_db=-100.0, ceiling_db=-10.0, colormap_name="viridis")
    view.refresh()
    img, rect = view.displayed_image()
    assert not view.row_map.bins_are_rows
    for t0, t1, f in TONES:
        col = slice(int((t0 + 0.2 - rect.left()) / rect.width() * img.shape[1]),
                    int((t1 - 0.2 - rect.left()) / rect.width() * img.shape[1]))
        r = int(np.argmax(img[:, col].max(axis=1)))
        u = rect.top() + (r + 0.5) * rect.height() / img.shape[0]
        row_h = rect.height() / img.shape[0]
        f_lo, f_hi = (float(view.scale.inverse(u + d * row_h / 2)) for d in (-1, 1))
        assert f_lo - view.cfg.delta_f_hz <= f <= f_hi + view.cfg.delta_f_hz
    assert view.image.levels is not None and tuple(view.image.levels) == (-100.0, -10.0)


def test_long_recordings_get_a_clock_axis(qtbot):
    from specscope.app.gui.file_view import format_clock

    assert format_clock(3723.0, True) == "1:02:03"
    assert format_clock(3723.5, True) == "1:02:03.5"
    assert format_clock(59.0, False) == "59"
    assert format_clock(3600.25, True, 2) == "1:00:00.25"
    assert format_clock(59.96, True, 1) == "0:01:00.0"
    from specscope.app.gui.file_view import ClockTimeAxis

    axis = ClockTimeAxis()
    axis.set_clock(True)
    assert axis.tickSpacing(0.0, 7200.0, 1000)[0] == (900.0, 0.0)  # 7200 s / (1000/110 px) = 792 s -> 15 min
    assert axis.tickSpacing(0.0, 30.0, 1000)[0] == (5.0, 0.0)
    assert axis.tickStrings([3000.0, 3900.0], 1.0, 900.0) == ["0:50:00", "1:05:00"]
    assert axis.tickStrings([3600.1], 1.0, 0.1) == ["1:00:00.1"]


# --- screenshots under Xvfb --------------------------------------------------------------
def _shoot(out_dir: Path, wav_path: str) -> dict:
    from PyQt6.QtWidgets import QApplication

    from specscope.app.gui.file_view import FileView

    app = QApplication.instance() or QApplication(sys.argv)
    view = FileView()
    view.resize(1400, 650)
    view.show()
    result: dict = {}
    view.error.connect(lambda m: result.setdefault("error", m))
    done = []
    view.analysis_finished.connect(done.append)
    view.load(wav_path)

    def spin(cond, timeout_s=20.0):
        import time

        end = time.monotonic() + timeout_s
        while not cond() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        for _ in range(20):
            app.processEvents()
            time.sleep(0.01)

    spin(lambda: bool(done))
    view.set_selection(3.05, 3.45, 4000.0, 6000.0)
    spin(lambda: view.selection_result is not None)
    view.grab().save(str(out_dir / "file_overview.png"))
    result["overview_status"] = view.status_text
    view.clear_selection()
    view.set_time_range(0.9, 1.3)
    view.set_freq_range(700.0, 1300.0)
    spin(lambda: view.refresh() or (view.shown_tile is not None and view.shown_tile.fpc == 1))
    view.seek(1.1)
    view.refresh()
    spin(lambda: False, 0.3)
    view.grab().save(str(out_dir / "file_zoomed.png"))
    t_b, f_b, _ = _brightest(view)
    result["zoomed_brightest"] = [t_b, f_b]
    view.shutdown()
    app.quit()
    return result


@pytest.mark.skipif(not os.environ.get("SPECSCOPE_TEST_DISPLAY"), reason="needs the Xvfb test display")
def test_screenshots_zoomed_out_and_in(tmp_path):
    wav_path = make_wav(tmp_path / "tones.wav")
    shots = REPO / "docs" / "screenshots" if os.environ.get(UPDATE_ENV) == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=os.environ["SPECSCOPE_TEST_DISPLAY"])
    proc = subprocess.run([sys.executable, __file__, str(shots), wav_path], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in result
    assert (shots / "file_overview.png").stat().st_size > 10000
    assert (shots / "file_zoomed.png").stat().st_size > 10000
    t_b, f_b = result["zoomed_brightest"]
    assert 1.0 <= t_b <= 1.3 and f_b == pytest.approx(43 * FS_HZ / 2048, abs=1e-6)
    assert "peak 5000.0 Hz" in result["overview_status"]


if __name__ == "__main__":
    print(json.dumps(_shoot(Path(sys.argv[1]), sys.argv[2])))
