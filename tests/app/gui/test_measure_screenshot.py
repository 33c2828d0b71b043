"""Screenshot of the band view on the Xvfb display with pink noise playing into the null sink.

The app runs in a subprocess (QT_QPA_PLATFORM=xcb on $SPECSCOPE_TEST_DISPLAY) recording the PulseAudio test
source while pacat plays pink noise (numpy FFT-shaped, 1/f power: equal power in every fractional-octave
band).  It saves the window and the measurement dock as PNGs (copied to /tmp/specscope-measure-*.png for
a look) and reports the 1/3-octave levels it drew: pink noise must read flat over the resolved bands.

Run as a script (``python test_measure_screenshot.py OUT_DIR``) it is the subprocess.
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

FS_HZ = 48000
SHOTS = ("measure_window.png", "measure_bands.png")


def pink_noise(seconds: float, rms: float, seed: int = 3) -> np.ndarray:
    """Gaussian noise shaped by 1/sqrt(f) in the FFT domain (power 1/f), DC removed, at `rms`."""
    n = int(seconds * FS_HZ)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / FS_HZ)
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0.0
    x = np.fft.irfft(spectrum, n)
    return (x * (rms / np.std(x))).astype(np.float32)


def _shoot(out_dir: Path) -> dict:
    from PyQt6.QtCore import QSettings, QTimer

    from specscope.app.gui.launch import application
    from specscope.app.gui.main_window import MainWindow
    from specscope.app.model.measurement import MeasurementSettings

    app = application()
    store = QSettings(str(out_dir / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(store=store, autostart=False)
    s = win.settings
    win.set_settings(s.replace(input=s.input.replace(device="pulse", fs_hz=float(FS_HZ)),
                               analysis=s.analysis.replace(n_fft=8192),
                               display=s.display.replace(scale="log", f_min_hz=20.0)))
    win.resize(1700, 950)
    win.show()
    dock = win.measurement
    dock.show()
    result: dict = {"started": win.start()}
    dock.set_settings(MeasurementSettings(averaging="exponential", tau_s=1.0, fraction=3, weighting="Z"))

    def shoot() -> None:
        dock.refresh()
        win.grab().save(str(out_dir / SHOTS[0]))
        dock.grab().save(str(out_dir / SHOTS[1]))
        snap = dock.band_view.snapshot
        result["labels"] = list(snap.bands.labels)
        result["levels_db"] = dock.band_view.bar_levels().tolist()
        result["resolved"] = snap.resolved.tolist()
        result["unit"] = snap.unit
        result["axis"] = dock.band_view.getAxis("left").labelText
        result["banner"] = win.banner.text.text() if win.banner.isVisible() else ""
        win.close()
        app.quit()

    QTimer.singleShot(7000, shoot)
    app.exec()
    return result


@pytest.mark.timeout(90)
def test_band_view_screenshot_with_pink_noise(pulse_feed, tmp_path):
    if not os.environ.get("SPECSCOPE_TEST_DISPLAY"):
        pytest.skip("needs the Xvfb display of scripts/test-services.sh")
    pulse_feed.play(pink_noise(20.0, rms=0.1))
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=os.environ["SPECSCOPE_TEST_DISPLAY"])
    out = subprocess.run([sys.executable, __file__, str(tmp_path)], env=env, capture_output=True, text=True,
                         timeout=80)
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["started"] and res["banner"] == "", res
    for name in SHOTS:
        assert (tmp_path / name).stat().st_size > 20_000
        shutil.copyfile(tmp_path / name, Path("/tmp") / f"specscope-{name}")
    assert res["unit"] == "dBFS" and res["axis"] == "Level (dBFS)"
    # Pink noise: the same power in every band; over the resolved bands from 200 Hz to 16 kHz flat within 2 dB.
    levels = np.array(res["levels_db"])
    lo, hi = res["labels"].index("200"), res["labels"].index("16k")
    band = levels[lo : hi + 1]
    assert all(res["resolved"][lo : hi + 1])
    assert band.max() - band.min() < 4.0 and np.all(np.abs(band - np.median(band)) < 2.0), band


if __name__ == "__main__":
    print(json.dumps(_shoot(Path(sys.argv[1]))))
