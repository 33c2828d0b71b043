"""Screenshots under Xvfb: the window with the waveform, labelled annotations and their table, large and small.

Run as a script (``python test_annotations_screenshots.py OUT_DIR WAV``) it is the screenshot subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SHOTS_ENV = "SPECSCOPE_SCREENSHOTS"
SIZES = ((1600, 900), (800, 500))
LABELS = ("whistle 1 kHz", "call B", "high tone")


def _shoot(out_dir: Path, wav_path: str) -> dict:
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QApplication

    from specscope.app.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    store = QSettings(str(out_dir / "shots.ini"), QSettings.Format.IniFormat)
    w = MainWindow(store=store, autostart=False)
    w.resize(*SIZES[0])
    w.show()

    def spin(cond, timeout_s=30.0):
        end = time.monotonic() + timeout_s
        while not cond() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        for _ in range(30):
            app.processEvents()
            time.sleep(0.01)

    result: dict = {"ok": w.open_file(wav_path)}
    v = w.file_view
    spin(lambda: not v.background_jobs() and v.wave_pyramid is not None and v.wave_pyramid.complete)
    boxes = ((1.0, 2.0, 700.0, 1400.0), (3.0, 3.5, 4200.0, 5800.0), (4.0, 5.5, 10500.0, 13500.0))
    for (t0, t1, lo, hi), label in zip(boxes, LABELS, strict=True):
        v.set_selection(t0, t1, lo, hi)
        v.annotate_selection(label)
    v.select_annotation(2, zoom=False)
    spin(lambda: len(v.measurements) == 3 and not v.measuring())
    result["peaks"] = [v.measurements[i]["Peak Freq (Hz)"] for i in (1, 2, 3)]
    for width, height in SIZES:
        w.resize(width, height)
        spin(lambda: False, 0.5)
        if height < 640:
            w.annotation_dock.raise_()  # a low window has the table as a tab beside Settings: click it
        v.show_all()
        v._sync_wave_geometry()
        spin(lambda: False, 0.5)
        name = f"annotations_{width}x{height}.png"
        w.grab().save(str(out_dir / name))
        table = w.annotation_dock.table
        result[name] = {"size": [w.width(), w.height()], "rows": w.annotation_dock.model.rowCount(),
                        "table_h": table.viewport().height(), "wave_h": v.waveform.height(),
                        "spec_h": v.plot.height(), "controls": _clipped_controls(v)}
    # A 10-hour file's readout is the widest the transport row gets: still no clipping at 800 x 500.
    v.transport.fit_position_text("0:00:00.000 / 10:00:00.000")
    spin(lambda: False, 0.5)
    result["long_readout"] = {"size": [w.width(), w.height()], "controls": _clipped_controls(v)}
    v.annotations.mark_saved()  # nothing to ask about on close
    w.close()
    app.quit()
    return result


def _clipped_controls(v) -> list[str]:
    """The transport and file-row controls narrower than their minimum or reaching past the view's right edge."""
    from PyQt6.QtWidgets import QAbstractButton, QComboBox, QSlider

    bad = []
    right = v.mapToGlobal(v.rect().topRight()).x()
    for w in v.findChildren((QAbstractButton, QComboBox, QSlider)):
        if not w.isVisible() or w.window() is not v.window() or not v.isAncestorOf(w):
            continue
        if w.height() > 40:  # the rows of controls, not buttons inside the plots
            continue
        edge = w.mapToGlobal(w.rect().topRight()).x()
        if w.width() < w.minimumSizeHint().width() or edge > right:
            bad.append(f"{type(w).__name__} {getattr(w, 'text', lambda: '')() or w.toolTip()[:30]!r}")
    return bad


@pytest.mark.skipif(not os.environ.get("SPECSCOPE_TEST_DISPLAY"), reason="needs the Xvfb test display")
def test_screenshots_with_waveform_annotations_and_table(tmp_path):
    from .conftest import make_wav

    wav_path = make_wav(tmp_path / "tones.wav")
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=os.environ["SPECSCOPE_TEST_DISPLAY"],
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.run([sys.executable, __file__, str(shots), wav_path], env=env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ok"]
    assert result["peaks"] == pytest.approx([1000.0, 5000.0, 12000.0], abs=1.0)
    for width, height in SIZES:
        shot = result[f"annotations_{width}x{height}.png"]
        assert shot["rows"] == 3 and shot["table_h"] > 40  # the table shows rows, even at 800 x 500
        assert shot["wave_h"] >= 28 and shot["spec_h"] > 120
        assert shot["size"] == [width, height]  # the window did not have to grow for its minimum sizes
        assert shot["controls"] == []  # every control of the File tab whole and inside it, even at 800 x 500
        assert (shots / f"annotations_{width}x{height}.png").stat().st_size > 10000
    assert result["long_readout"] == {"size": list(SIZES[-1]), "controls": []}


if __name__ == "__main__":
    print(json.dumps(_shoot(Path(sys.argv[1]), sys.argv[2])))
