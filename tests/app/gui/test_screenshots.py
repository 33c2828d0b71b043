"""Screenshots of the live view (linear and log scales) on the Xvfb display, fed a real tone.

The app runs in a subprocess (QT_QPA_PLATFORM=xcb on $SPECSCOPE_TEST_DISPLAY)
recording the PulseAudio test source while pacat plays 1 kHz (-6 dBFS) and
5 kHz (-26 dBFS) into the null sink.  It saves two PNGs and reports, from the
pixels it saved, the height of the brightest row of the spectrogram: that must
be 1 kHz within two pixel rows.  The screenshots stay in pytest's temporary folder, so
``make test`` leaves the checkout unchanged; with ``SPECSCOPE_UPDATE_SCREENSHOTS=1`` (``make
screenshots``) those that pass replace ``docs/screenshots/live_linear.png`` and ``live_log.png``
(the README's).

Run as a script (``python test_screenshots.py OUT_DIR``) it is the subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
SHOTS = REPO / "docs" / "screenshots"
SHOT_NAMES = ("live_linear.png", "live_log.png")
TONES = ((1000.0, 0.5), (5000.0, 0.05))
FS_HZ = 48000


def _shoot(out_dir: Path) -> dict:
    """In the subprocess: open the window, let the tone scroll in, save both scales, measure the tone's height."""
    from PyQt6.QtCore import QPoint, QSettings, QTimer

    from specscope.app.gui.launch import application
    from specscope.app.gui.main_window import MainWindow

    app = application()
    ini = out_dir / "screenshot-settings.ini"
    store = QSettings(str(ini), QSettings.Format.IniFormat)
    store.clear()
    win = MainWindow(store=store, autostart=False)
    s = win.settings
    win.set_settings(s.replace(input=s.input.replace(device="pulse", fs_hz=float(FS_HZ))))
    win.resize(1600, 900)
    win.show()
    result: dict = {"started": win.start()}

    def tone_height(shot, view) -> tuple[float, float]:
        """(Hz at the brightest pixel row 40 px left of the newest column, Hz per pixel row there), read from
        `shot`, the window's grab (the saved screenshot): the view is painted there at its offset in the
        window, as on screen."""
        img = shot.toImage()
        dpr = img.devicePixelRatio()
        vb = view.getViewBox()
        r = view.mapFromScene(vb.sceneBoundingRect()).boundingRect()
        origin = view.mapTo(win, QPoint(0, 0))
        x = int((origin.x() + r.right() - 40) * dpr)
        ys = np.arange(int((origin.y() + r.top()) * dpr) + 2, int((origin.y() + r.bottom()) * dpr) - 2)
        lum = [sum(img.pixelColor(x, int(y)).getRgb()[:3]) for y in ys]
        y = int(ys[int(np.argmax(lum))] / dpr) - origin.y()

        def hz(yw: int) -> float:
            return float(view.scale.inverse(vb.mapSceneToView(view.mapToScene(QPoint(r.center().x(), yw))).y()))

        return hz(y), abs(hz(y + 1) - hz(y))

    def linear() -> None:
        shot = win.grab()
        shot.save(str(out_dir / "live_linear.png"))
        result["linear_tone_hz"], result["linear_px_hz"] = tone_height(shot, win.spectrogram)
        result["status"] = win.config_label.text()
        result["banner"] = win.banner.text.text() if win.banner.isVisible() else ""
        result["peak_label"] = win.spectrum.peak_text()
        s = win.settings
        win.controls.set_settings(s.replace(display=s.display.replace(scale="log")))
        win.apply_controls("view")
        QTimer.singleShot(1500, log)

    def log() -> None:
        shot = win.grab()
        shot.save(str(out_dir / "live_log.png"))
        result["log_tone_hz"], result["log_px_hz"] = tone_height(shot, win.spectrogram)
        win.close()
        app.quit()

    QTimer.singleShot(5000, linear)
    app.exec()
    ini.unlink(missing_ok=True)
    return result


@pytest.mark.timeout(90)
def test_live_screenshots(pulse_feed, tmp_path):
    if not os.environ.get("SPECSCOPE_TEST_DISPLAY"):
        pytest.skip("needs the Xvfb display of scripts/test-services.sh")
    x = sum(pulse_feed.sine(f, 20 * np.log10(a), 20.0) for f, a in TONES)
    pulse_feed.play(x.astype(np.float32))
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=os.environ["SPECSCOPE_TEST_DISPLAY"])
    out = subprocess.run([sys.executable, __file__, str(tmp_path)], env=env, capture_output=True, text=True,
                         timeout=80)
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["started"], res
    assert res["banner"] == "", f"the input was disturbed while shooting (shared test sink?): {res['banner']}"
    for name in SHOT_NAMES:
        assert (tmp_path / name).stat().st_size > 20_000
    # The brightest row in the saved pixels is the 1 kHz tone, to within two pixel rows.
    assert abs(res["linear_tone_hz"] - 1000.0) <= 2 * res["linear_px_hz"] + 24.0, res
    assert abs(res["log_tone_hz"] - 1000.0) <= 2 * res["log_px_hz"] + 24.0, res
    assert "fs 48000 Hz, N 2048" in res["status"]
    # Only screenshots that passed, and only when asked, replace the ones the README shows.
    if os.environ.get("SPECSCOPE_UPDATE_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name in SHOT_NAMES:
        shutil.copyfile(tmp_path / name, SHOTS / name)


if __name__ == "__main__":
    print(json.dumps(_shoot(Path(sys.argv[1]))))
