"""The main window's file handling (pytest-qt, offscreen): the File tab, error dialog, settings forwarded
to the file view, recent files, drops and watching a file as live input.

No audio device is opened: the window starts without input (``autostart=False``); only QSettings is
pointed at a temporary file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from specscope.app.gui.main_window import MainWindow

FS_HZ = 48000
TONE_HZ = 1000.0


def make_sine(path: Path, duration_s: float = 1.0) -> str:
    """`duration_s` of a 1 kHz sine at half full scale (-6 dBFS), 48 kHz mono float WAV."""
    t = np.arange(int(duration_s * FS_HZ)) / FS_HZ
    sf.write(str(path), (0.5 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32), FS_HZ, subtype="FLOAT")
    return str(path)


@pytest.fixture
def sine(tmp_path):
    return make_sine(tmp_path / "sine.wav")


def _open_and_wait(qtbot, w: MainWindow, path: str) -> None:
    view = w.ensure_file_view()
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        assert w.open_file(path)


def test_good_file_opens_in_the_file_tab_with_the_tone_in_its_bin(qtbot, window, sine):
    w = window
    assert w.tabs.count() == 1
    _open_and_wait(qtbot, w, sine)
    assert w.tabs.currentWidget() is w.file_view and w.tabs.tabText(w.tabs.currentIndex()) == "File"
    assert w.file_view.path == sine
    cfg = w.file_view.cfg
    k = round(TONE_HZ / cfg.delta_f_hz)  # 1000 / (48000 / 2048) = 42.67 -> 43
    peak_rows = w.file_view.overview_tile.db.argmax(axis=0)
    assert (peak_rows == k).all()


def test_bad_file_shows_a_one_line_dialog_and_keeps_the_previous_file(qtbot, window, sine, tmp_path):
    w = window
    _open_and_wait(qtbot, w, sine)
    before = w.file_view.displayed_image()[0].copy()
    bad = tmp_path / "notes.wav"
    bad.write_text("this is a text file, not a recording\n")
    assert w.error_dialog is None
    assert not w.open_file(str(bad))
    dialog = w.error_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    text = dialog.text()
    assert "\n" not in text and "notes.wav" in text
    assert w.file_view.path == sine
    np.testing.assert_array_equal(w.file_view.displayed_image()[0], before)


def test_analysis_and_display_settings_reach_the_file_view(qtbot, window, sine):
    w = window
    _open_and_wait(qtbot, w, sine)
    view = w.file_view
    # created with the window's settings, the model's defaults: N 2048, overlap 75 % -> hop 2048 / 4 = 512
    assert view.settings() == {"n_fft": 2048, "hop": 512, "window": "hann", "zero_pad": 1, "channel": "mix"}
    s = w.settings
    w.controls.set_settings(s.replace(analysis=s.analysis.replace(n_fft=4096)))
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        w.apply_controls("stft")
    assert view.cfg.n_fft == 4096 and view.cfg.hop == 1024  # 4096 / 4
    k = round(TONE_HZ / view.cfg.delta_f_hz)  # 1000 / (48000 / 4096) = 85.33 -> 85
    assert k == 85 and (view.overview_tile.db.argmax(axis=0) == k).all()
    s = w.settings
    w.controls.set_settings(s.replace(display=s.display.replace(floor_db=-90.0, ceiling_db=-10.0, colormap="magma",
                                                                scale="log")))
    for group in ("levels", "colormap", "view"):
        w.apply_controls(group)
    assert (view.floor_db, view.ceiling_db, view.colormap_name, view.scale.name) == (-90.0, -10.0, "magma", "log")
    w.cycle_fft_size()  # F: 4096 -> 8192, forwarded like the panel's change
    assert view.settings()["n_fft"] == 8192


def test_new_file_view_starts_with_the_window_settings(qtbot, make_window, sine):
    w = make_window(show=False)
    s = w.settings
    w.controls.set_settings(s.replace(analysis=s.analysis.replace(n_fft=1024, overlap=0.5, window="blackman"),
                                      display=s.display.replace(colormap="magma")))
    w.apply_controls("stft")
    w.apply_controls("colormap")
    _open_and_wait(qtbot, w, sine)
    cfg = w.file_view.cfg
    assert (cfg.n_fft, cfg.hop, w.file_view.settings()["window"]) == (1024, 512, "blackman")
    assert w.file_view.colormap_name == "magma"
    w.close()


def test_recent_files_newest_first_persisted_and_missing_dropped(qtbot, window, make_window, tmp_path):
    w = window
    assert w.recent_files() == []
    paths = [make_sine(tmp_path / f"s{i}.wav", duration_s=0.2) for i in range(10)]
    for p in paths:
        assert w.open_file(p)
    assert w.recent_files() == paths[::-1][:8]  # the last 8, newest first
    assert w.open_file(paths[5])  # reopening moves it to the front without a duplicate
    assert w.recent_files()[:2] == [paths[5], paths[9]] and len(w.recent_files()) == 8
    Path(paths[9]).unlink()
    w.fill_recent_menu()
    shown = [a.data() for a in w.recent_menu.actions()]
    assert shown == [paths[5], paths[8], paths[7], paths[6], paths[4], paths[3], paths[2]]
    again = make_window(show=False)  # the same QSettings store: the list survives
    assert again.recent_files() == shown
    again.close()
    with qtbot.waitSignal(w.file_view.loaded, timeout=20000):
        w.recent_menu.actions()[3].trigger()
    assert w.file_view.path == paths[6] and w.recent_files()[0] == paths[6]


def test_dropping_an_audio_file_on_the_window_opens_it(qtbot, window, sine):
    from PyQt6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PyQt6.QtGui import QDragEnterEvent, QDropEvent

    w = window
    assert w.acceptDrops()
    # Qt delivers drops only during a real drag; the handlers are called as Qt would call them.
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(sine)])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(10, 10), *args)
    enter.setAccepted(False)
    w.dragEnterEvent(enter)
    assert enter.isAccepted()
    w.dropEvent(QDropEvent(QPointF(10, 10), *args))
    assert w.file_view.path == sine and w.tabs.currentWidget() is w.file_view
    assert w.recent_files() == [sine]
    text = QMimeData()
    text.setText("not a file")
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, text, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.setAccepted(False)
    w.dragEnterEvent(enter)
    assert not enter.isAccepted()


def test_watch_as_live_plays_the_file_through_the_live_pipeline(qtbot, window, sine):
    w = window
    _open_and_wait(qtbot, w, sine)
    assert w.watch_as_live(sine), w.banner.text.text()
    assert w.tabs.currentIndex() == 0 and w.source_label.text() == "Input: sine.wav (looping)"
    assert w.cfg.fs_hz == FS_HZ
    qtbot.waitUntil(lambda: w.history is not None and len(w.history) >= 20, timeout=10000)
    h = w.history
    db, _ = h.ordered(h.next_seq - 20)
    k = round(TONE_HZ / w.cfg.delta_f_hz)  # 43 at N 2048
    assert (db.argmax(axis=0) == k).all()
    missing = str(Path(sine).with_name("missing.wav"))
    assert not w.watch_as_live(missing)
    assert w.pipeline is None and "missing.wav" in w.banner.text.text()
