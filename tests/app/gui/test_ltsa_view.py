"""The LTSA tab (pytest-qt, offscreen): an ltsa.npz opened by File -> Open, a click on a column opens its
recording in the File tab at the column's offset; a bad LTSA gets the one-line dialog.

Thread: pytest's main thread (the Qt GUI thread).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PyQt6.QtCore import QPointF, Qt

from specscope.app.io.ltsa_file import LtsaFileError, is_ltsa_npz, load_ltsa

FS_HZ = 8000
INTERVAL_S = 10.0
ORIGIN = datetime(2024, 5, 1, 6, 30, 0)
# Known placement: rec_a 06:30:00-06:30:30 (columns 0-2), gap 3-4, rec_b 06:30:50-06:31:10 (columns 5-6).
COLUMN_SOURCE = [0, 0, 0, -1, -1, 1, 1]
COLUMN_OFFSET_S = [0.0, 10.0, 20.0, np.nan, np.nan, 0.0, 10.0]


def _recording(path: Path, seconds: float, freq_hz: float) -> str:
    t = np.arange(int(seconds * FS_HZ)) / FS_HZ
    sf.write(str(path), (0.5 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32), FS_HZ, subtype="FLOAT")
    return str(path)


def write_ltsa(folder: Path) -> tuple[Path, list[str]]:
    """An ltsa.npz as ``specscope batch`` writes it, over two generated recordings."""
    sources = [_recording(folder / "rec_a.wav", 30.0, 500.0), _recording(folder / "rec_b.wav", 20.0, 1500.0)]
    freqs = np.arange(129) * FS_HZ / 256
    n = len(COLUMN_SOURCE)
    db = np.full((freqs.size, n), -90.0, dtype=np.float32)
    db[16, :3] = -6.0  # rec_a's 500 Hz
    db[48, 5:] = -6.0  # rec_b's 1500 Hz
    db[:, 3:5] = np.nan
    times = np.array([(ORIGIN + timedelta(seconds=INTERVAL_S * i)).isoformat() for i in range(n)])
    path = folder / "ltsa.npz"
    np.savez(path, db=db, freqs_hz=freqs, times=times, interval_s=INTERVAL_S,
             n_frames=np.array([300, 300, 300, 0, 0, 300, 300]), sources=np.array(sources),
             column_source=np.array(COLUMN_SOURCE), column_offset_s=np.array(COLUMN_OFFSET_S))
    return path, sources




def _click_column(qtbot, view, column: int, freq_hz: float = 1000.0) -> None:
    """A real left click at the middle of `column`'s interval."""
    x = view.x0 + (column + 0.5) * INTERVAL_S
    scene = view.vb.mapViewToScene(QPointF(x, freq_hz))
    pos = view.plot.mapFromScene(scene)
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_loader_reads_the_placement(tmp_path):
    path, sources = write_ltsa(tmp_path)
    assert is_ltsa_npz(path)
    ltsa = load_ltsa(path)
    assert ltsa.origin == ORIGIN and ltsa.interval_s == INTERVAL_S
    assert ltsa.start_s.tolist() == [10.0 * i for i in range(7)]
    assert [ltsa.source_at(c) for c in range(7)] == [
        (sources[0], 0.0), (sources[0], 10.0), (sources[0], 20.0), None, None, (sources[1], 0.0), (sources[1], 10.0)]
    assert ltsa.column_at(25.0) == 2 and ltsa.column_at(70.0) is None and ltsa.column_at(-0.1) is None


def test_bad_ltsa_files_get_one_line(tmp_path):
    export_like = tmp_path / "export.npz"
    np.savez(export_like, db=np.zeros((3, 4), np.float32), freqs_hz=np.arange(3.0), times_s=np.arange(4.0))
    assert not is_ltsa_npz(export_like)  # an export goes to the audio path, not here
    with pytest.raises(LtsaFileError, match=r"export\.npz: not a specscope LTSA \(no times, interval_s\)"):
        load_ltsa(export_like)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, db=np.zeros((3, 4), np.float32), freqs_hz=np.arange(5.0), times=np.arange(4.0), interval_s=1.0)
    with pytest.raises(LtsaFileError, match=r"db \(3, 4\) does not match freqs_hz \(5,\)"):
        load_ltsa(wrong)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LtsaFileError, match="cannot read it as an NPZ"):
        load_ltsa(junk)


def test_click_on_a_column_opens_its_recording_at_its_offset(qtbot, window, tmp_path):
    w = window
    path, sources = write_ltsa(tmp_path)
    assert w.open_file(str(path))
    view = w.file_tab.ltsa_view
    assert w.tabs.currentWidget() is view and w.tabs.tabText(w.tabs.currentIndex()) == "LTSA"
    assert view.x0 == ORIGIN.replace(tzinfo=UTC).timestamp()  # dates read as written
    assert type(view.plot.getPlotItem().getAxis("bottom")).__name__ == "DateAxisItem"
    # Column placement on the image: column i spans x0 + 10 i .. x0 + 10 (i + 1).
    rect = view.image.mapRectToView(view.image.boundingRect())
    assert rect.left() == pytest.approx(view.x0) and rect.width() == pytest.approx(70.0)
    assert rect.top() == pytest.approx(-FS_HZ / 256 / 2)  # row 0 centred on 0 Hz
    opened: list[tuple[str, float]] = []
    view.open_source.connect(lambda p, t: opened.append((p, t)))
    for column in range(7):
        w.tabs.setCurrentWidget(view)  # each click on the LTSA as shown
        _click_column(qtbot, view, column)
        if COLUMN_SOURCE[column] < 0:
            assert view.readout.text() == f"column {column}: no recording (a gap)"
            assert w.tabs.currentWidget() is view
    expected = [(sources[k], off) for k, off in zip(COLUMN_SOURCE, COLUMN_OFFSET_S, strict=True) if k >= 0]
    assert opened == expected  # gaps (3, 4) open nothing
    # The last click (column 6) left rec_b open in the File tab, showing 10 .. 20 s, the play position at 10 s.
    fv = w.file_view
    assert w.tabs.currentWidget() is fv and fv.path == sources[1]
    t0, t1 = fv.visible_time_range_s()
    end_s = fv.overview_tile.time_extent_s[1]  # rec_b's last frame: go_to stops there
    assert 19.5 < end_s <= 20.0
    assert (t0, t1) == pytest.approx((10.0, end_s), abs=1e-6)
    assert fv.player.position_s == pytest.approx(10.0, abs=1e-3)
    # Back to the LTSA, column 1 -> rec_a at 10 s.
    w.tabs.setCurrentWidget(view)
    _click_column(qtbot, view, 1)
    assert fv.path == sources[0] and fv.visible_time_range_s() == pytest.approx((10.0, 20.0), abs=1e-6)
    out = os.environ.get("SPECSCOPE_LTSA_SCREENSHOT")
    if out:
        w.tabs.setCurrentWidget(view)
        qtbot.wait(200)
        w.grab().save(out)


def test_bad_ltsa_opened_gets_the_dialog(qtbot, window, tmp_path):
    w = window
    bad = tmp_path / "ltsa.npz"
    np.savez(bad, db=np.zeros((3, 4), np.float32), freqs_hz=np.arange(3.0), times=np.array(["soon"] * 4),
             interval_s=60.0)
    assert not w.open_file(str(bad))
    text = w.error_dialog.text()
    assert "ltsa.npz: times are not ISO 8601" in text and "\n" not in text
    assert w.file_tab.ltsa_view is None


def test_the_ltsa_tab_takes_only_the_windows_commands_and_no_annotation_table(qtbot, window, tmp_path):
    """On the LTSA tab Space does not pause the live view nor Ctrl+E export it (the tab in view acts),
    and the File tab's annotation table is not shown there; back on the File tab it is."""
    w = window
    path, sources = write_ltsa(tmp_path)
    assert w.open_file(str(path))
    assert w.current_tab() == "ltsa"
    a = w.commands.actions
    w.commands.refresh()
    assert not a["view.play_pause"].isEnabled() and not a["view.export"].isEnabled()
    assert a["file.open"].isEnabled() and a["app.quit"].isEnabled() and a["measure.dock"].isEnabled()
    w.activateWindow()
    qtbot.keyClick(w.file_tab.ltsa_view, Qt.Key.Key_Space)
    assert not w.live.paused
    assert "ltsa.npz" in w.config_label.text()
    with qtbot.waitSignal(w.file_view.analysis_finished, timeout=20000):
        assert w.file_tab.open_source(sources[0], 10.0)
    assert w.current_tab() == "file" and not w.annotation_dock.isHidden()
    w.tabs.setCurrentWidget(w.file_tab.ltsa_view)
    assert w.annotation_dock.isHidden()
    w.tabs.setCurrentWidget(w.live)
    assert w.annotation_dock.isHidden()
    w.tabs.setCurrentWidget(w.file_view)
    assert not w.annotation_dock.isHidden()
    w.commands.trigger("file.annotations_dock")  # Ctrl+T hides it: it stays hidden across tabs
    w.tabs.setCurrentWidget(w.live)
    w.tabs.setCurrentWidget(w.file_view)
    assert w.annotation_dock.isHidden()
