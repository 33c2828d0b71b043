"""Fixtures of the File-tab tests: a shown FileView and a six-second test recording."""

import numpy as np
import pytest
import soundfile as sf

FS_HZ = 48000
TONES = ((1.0, 2.0, 1000.0), (3.0, 3.5, 5000.0), (4.0, 5.5, 12000.0))
"""(start s, end s, Hz) of the test recording's tones, each 0.25 amplitude (-12 dBFS)."""


def make_wav(path, fs_hz=FS_HZ, duration_s=6.0, channels=2):
    rng = np.random.default_rng(5)
    n = int(duration_s * fs_hz)
    t = np.arange(n) / fs_hz
    x = 1e-4 * rng.standard_normal(n)
    for t0, t1, f in TONES:
        on = (t >= t0) & (t < t1)
        x[on] += 0.25 * np.sin(2 * np.pi * f * t[on])
    sf.write(str(path), np.stack([x] * channels, axis=1).astype(np.float32), fs_hz, subtype="FLOAT")
    return str(path)


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


@pytest.fixture
def loaded(qtbot, view, wav):
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.load(wav)
    qtbot.wait(50)
    return view


@pytest.fixture
def long_wav(tmp_path):
    """20 minutes of 8 kHz noise: at N 256, hop 16 its overview takes seconds."""
    fs = 8000
    x = (0.1 * np.random.default_rng(1).standard_normal(fs * 60 * 20)).astype(np.float32)
    path = tmp_path / "long.wav"
    sf.write(str(path), x, fs, subtype="PCM_16")
    return str(path)
