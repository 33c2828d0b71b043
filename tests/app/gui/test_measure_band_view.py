"""The band view, offscreen: bars at the right bands for tones fed as frames, greyed bands, hover, peak markers."""

from types import SimpleNamespace

import numpy as np
import pytest
from PyQt6.QtCore import QPointF

from specscope.app.gui.measure import BandView
from specscope.app.gui.measure.band_view import RESOLVED_RGB, UNRESOLVED_RGB
from specscope.app.model.measurement import LiveMeasurement, MeasurementSettings
from specscope.dsp.config import StftConfig

FS_HZ = 48000.0
CFG = StftConfig(fs_hz=FS_HZ, n_fft=4096, hop=1024)


def frames_of(x: np.ndarray, cfg: StftConfig = CFG) -> list:
    """Frames of `x` as the pipeline publishes them (dBFS from numpy's rfft, independent of dsp/stft.py)."""
    n = 1 + (x.size - cfg.n_fft) // cfg.hop
    out = []
    for i in range(n):
        seg = x[i * cfg.hop : i * cfg.hop + cfg.n_fft]
        mag = np.abs(np.fft.rfft(seg * cfg.window_array)) * cfg.amplitude_scale
        db = (20 * np.log10(np.maximum(mag, 1e-10))).astype(np.float32)
        out.append(SimpleNamespace(db=db, cfg=cfg, t_s=(i * cfg.hop + cfg.n_fft / 2) / cfg.fs_hz))
    return out


def tones(*pairs, seconds=0.5):
    t = np.arange(int(seconds * FS_HZ)) / FS_HZ
    return sum(10 ** (db / 20) * np.sin(2 * np.pi * f * t) for f, db in pairs)


@pytest.fixture
def view(qtbot):
    v = BandView()
    v.resize(600, 300)
    qtbot.addWidget(v)
    return v


def test_bars_stand_at_the_tones_bands_with_their_levels(view):
    m = LiveMeasurement(MeasurementSettings(averaging="exponential", fraction=3))
    m.push(frames_of(tones((1000.0, -20.0), (10**3.6, -40.0))))  # 1 kHz and the 3981 Hz (4 kHz) band
    view.show_snapshot(m.snapshot())
    levels = view.bar_levels()
    labels = m.snapshot().bands.labels
    assert levels.shape == (len(labels),)
    j1, j4 = labels.index("1k"), labels.index("4k")
    assert levels[j1] == pytest.approx(-20.0, abs=0.1)
    assert levels[j4] == pytest.approx(-40.0, abs=0.1)
    others = np.delete(levels, [j1 - 1, j1, j1 + 1, j4 - 1, j4, j4 + 1])
    assert others.max() < -60.0
    assert view.getAxis("left").labelText == "Level (dBFS)"
    ticks = view.band_axis._tickLevels[0]  # 31 bands in about 550 px: every third band, the octaves
    assert (j1, "1k") in ticks and len(ticks) == 10  # 31.5 Hz .. 16 kHz
    assert [t[1] for t in ticks][:3] == ["31.5", "63", "125"]


def test_under_resolved_bands_are_grey_and_say_so_on_hover(view, qtbot):
    m = LiveMeasurement(MeasurementSettings(fraction=3))
    m.push(frames_of(tones((1000.0, -20.0))))
    snap = m.snapshot()
    view.show_snapshot(snap)
    colours = view.bar_colours()
    assert [c == UNRESOLVED_RGB for c in colours] == [not r for r in snap.resolved]
    assert RESOLVED_RGB in colours and UNRESOLVED_RGB in colours  # N 4096: 1/3 octaves resolved from 200 Hz
    j = snap.bands.labels.index("1k")
    texts = []
    view.readout.connect(texts.append)
    vb = view.getViewBox()
    view.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(j + 0.1, -50.0)))
    assert texts[-1].startswith("1k Hz band: 891.3 .. 1122.0 Hz, centre 1000.0 Hz, -20.0 dBFS")
    low = 0
    view.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(low, -50.0)))
    assert texts[-1].startswith("20 Hz band: 17.8 .. 22.4 Hz") and "under-resolved" in texts[-1]
    view.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(j + 0.5, -50.0)))  # between bars
    assert texts[-1] == ""


def test_peak_hold_markers_stay_above_a_falling_level(view):
    m = LiveMeasurement(MeasurementSettings(averaging="none", fraction=1, band_hold_decay_db_per_s=0.0))
    m.push(frames_of(tones((1000.0, -10.0), seconds=0.2)))
    m.push(frames_of(tones((1000.0, -30.0), seconds=0.2)))
    view.show_snapshot(m.snapshot())
    j = m.snapshot().bands.labels.index("1k")
    assert view.bar_levels()[j] == pytest.approx(-30.0, abs=0.1)
    assert view.hold_levels()[j] == pytest.approx(-10.0, abs=0.1)


def test_fine_bands_thin_their_labels_and_calibrated_levels_move_the_axis(view):
    m = LiveMeasurement(MeasurementSettings(fraction=24, weighting="A", offset_db=120.0))
    m.push(frames_of(tones((1000.0, -20.0))))
    snap = m.snapshot()
    view.show_snapshot(snap)
    assert view.getAxis("left").labelText == "Level (dB(A) SPL)"
    assert (view.floor_db, view.ceiling_db) == (20.0, 120.0)
    ticks = view.band_axis._tickLevels[0]
    assert len(ticks) < snap.bands.n_bands // 10 and any(label == "1k" for _, label in ticks) is False
    assert min(abs(np.log(snap.bands.centers_hz[j] / 1000)) for j, _ in ticks) < 0.015  # 1 kHz's neighbour
