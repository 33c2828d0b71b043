"""The live tab's behaviour around pause: capture goes on, resume shows it; offscreen Qt, real input.

(Window-level tests of the live view; the window's other tests are in test_main_window.py.)
"""

import numpy as np
import pytest

from specscope.app.gui.settings import WindowSettings
from specscope.app.live.frames import LiveFrame

FS_HZ = 48000.0


@pytest.fixture
def window(make_window, pulse_server):
    s = WindowSettings()
    return make_window(settings=s.replace(input=s.input.replace(device="pulse", fs_hz=FS_HZ)), start=True)


def test_resume_shows_what_was_captured_while_paused(qtbot, window):
    w = window
    qtbot.waitUntil(lambda: w.history is not None and len(w.history) > 100, timeout=8000)
    w.set_paused(True)
    before = w.history.next_seq
    qtbot.wait(2000)
    assert w.history.next_seq == before  # the view (and its history) stay frozen while paused
    assert w.live.frames_while_paused > 0.9 * 2.0 / w.cfg.hop_s
    w.set_paused(False)
    qtbot.wait(300)
    _, times = w.history.ordered_times()
    # No gap: consecutive frames one hop apart across the pause (issue 12 #7: a 2 s black gap before).
    assert np.max(np.diff(times)) == pytest.approx(w.cfg.hop_s, rel=1e-6)
    assert times[-1] - times[0] > 2.0


def test_a_long_pause_keeps_the_earlier_history_on_screen(qtbot, window):
    # Issue 12 #7: after a 40 s pause at a 30 s span the whole earlier history was gone (frames dropped,
    # the view followed the newest frame 40 s on).  Frames are made here to save 40 s of waiting.
    w = window
    w.stop()
    cfg = w.cfg
    s = w.settings
    w.set_settings(s.replace(display=s.display.replace(span_s=30.0)))
    t0 = w.history.time_s(w.history.next_seq - 1) if len(w.history) else 0.0
    hop_s = cfg.hop_s

    def frames(first, n):
        return [LiveFrame(db=np.full(cfg.n_freqs, -50.0, np.float32), t_s=t0 + hop_s * (first + i), index=first + i,
                          cfg=cfg) for i in range(n)]

    w.live.add_frames(frames(1, round(10.0 / hop_s)))
    w.set_paused(True)
    n_paused = round(40.0 / hop_s)
    for k in range(0, n_paused, 500):
        w.live.add_frames(frames(1 + round(10.0 / hop_s) + k, min(500, n_paused - k)))
    w.set_paused(False)
    w.spectrogram.refresh()
    _, times = w.history.ordered_times()
    assert np.max(np.diff(times)) == pytest.approx(hop_s, rel=1e-6)
    # The 10 s before the pause are still in the history (50 s < its 60 s), right before the paused 40 s.
    assert times[-1] - t0 == pytest.approx(50.0, abs=2 * hop_s)
    assert np.sum(times > t0) == round(10.0 / hop_s) + n_paused
    db, shown = w.spectrogram.visible_data()
    # The 30 s in view are all frames (none missing), the newest 30 s of the 50 s played.
    assert shown.size == pytest.approx(30.0 / hop_s, abs=2)
    assert np.all(db[:, :] == -50.0)


def test_spectrum_panel_keeps_a_tone_above_the_colour_range_in_view(qtbot, window):
    w = window
    w.stop()
    s = w.settings
    w.set_settings(s.replace(display=s.display.replace(floor_db=-80.0, ceiling_db=-20.0)))
    cfg = w.cfg
    db = np.full(cfg.n_freqs, -95.0, np.float32)
    db[43] = -12.0
    w.live.add_frames([LiveFrame(db=db, t_s=100.0, index=0, cfg=cfg)])
    for _ in range(3):
        w._on_tick()
    lo, hi = w.spectrum.getViewBox().viewRange()[0]
    assert lo < -12.0 < hi and hi <= 0.0
    assert (w.spectrogram.floor_db, w.spectrogram.ceiling_db) == (-80.0, -20.0)  # the colours keep theirs


def test_paused_spectrum_panel_shows_the_frame_under_the_cursor(qtbot, window):
    from PyQt6.QtCore import QPointF

    w = window
    qtbot.waitUntil(lambda: w.history is not None and len(w.history) > 3 / w.cfg.hop_s, timeout=10000)
    w.set_paused(True)
    view = w.spectrogram
    view.scene().sigMouseMoved.emit(view.getViewBox().mapViewToScene(QPointF(-1.5, 1000.0)))
    seq = w.history.seq_at_time(-1.5 + view.t_ref_s)
    np.testing.assert_array_equal(w.spectrum.last_db, w.history.frame(seq))
    assert w.spectrum.last_time_s == pytest.approx(w.history.time_s(seq) - view.t_ref_s)
    # The readout over the panel names that frame's time, not the newest frame's.
    assert w.spectrum.readout_at(-50.0, 1000.0).startswith(f"t {w.spectrum.last_time_s:.3f} s")
