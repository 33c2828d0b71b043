"""The scrolling spectrogram's placement, scales, readouts and ring, on real STFT frames (offscreen Qt)."""

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, Qt

from specscope.app.gui.spectrogram_view import TILE_COLS, SpectrogramView
from specscope.app.live.history import FrameHistory, history_capacity
from specscope.dsp.config import StftConfig
from specscope.dsp.freq_scales import make_scale
from specscope.dsp.stft import stft_db


def _tone_frames(cfg: StftConfig, f_hz: float, seconds: float, amp: float = 0.5):
    t = np.arange(int(seconds * cfg.fs_hz)) / cfg.fs_hz
    x = (amp * np.sin(2 * np.pi * f_hz * t)).astype(np.float32)
    db = stft_db(x, cfg)
    return db, cfg.frame_times_s(db.shape[1])


def _feed(view: SpectrogramView, history: FrameHistory, db: np.ndarray, times: np.ndarray, block: int = 7):
    for i in range(0, db.shape[1], block):
        rows, tt = db[:, i: i + block].T, times[i: i + block]
        seq0 = history.next_seq
        history.append(rows, tt)
        view.append(rows, tt, seq0)
    view.refresh()


def _make_view(qtbot, cfg, scale="linear", f_min=0.0, f_max=np.inf):
    view = SpectrogramView()
    qtbot.addWidget(view)
    view.resize(800, 500)
    history = FrameHistory(cfg, history_capacity(cfg, seconds=5.0))
    view.set_view(history, make_scale(scale), f_min, f_max)
    return view, history


@pytest.mark.parametrize(
    ("fs_hz", "n_fft", "zero_pad"),
    [(48000.0, 2048, 1), (44100.0, 1024, 2), (8000.0, 256, 8), (96000.0, 4096, 1), (22050.0, 512, 4)],
)
def test_bin_row_centre_is_at_k_fs_over_n_zero_pad(qtbot, fs_hz, n_fft, zero_pad):
    cfg = StftConfig(fs_hz, n_fft, n_fft // 4, "hann", zero_pad)
    view, history = _make_view(qtbot, cfg)
    db, times = _tone_frames(cfg, 1000.0, 0.5)
    _feed(view, history, db, times)
    item = view.image_items()[0]
    assert item.image.shape[0] == cfg.n_freqs  # one row per bin
    for k in (0, 1, 7, cfg.n_freqs // 3, cfg.n_freqs - 1):
        # Centre of pixel row k (item coordinates y = k + 1/2) mapped through the ImageItem's own transform.
        p = item.mapToParent(QPointF(0.5, k + 0.5))
        assert p.y() == pytest.approx(k * fs_hz / (n_fft * zero_pad), abs=1e-9 * fs_hz)
    # Column j of the first tile is centred at frame j's time.
    for j in (0, 5):
        assert item.mapToParent(QPointF(j + 0.5, 0.0)).x() == pytest.approx(times[j], abs=1e-9)


def test_tone_lands_in_row_of_its_bin(qtbot):
    cfg = StftConfig(48000.0, 2048, 256)
    view, history = _make_view(qtbot, cfg)
    db, times = _tone_frames(cfg, 1000.0, 1.0)
    _feed(view, history, db, times)
    rows, shown_times = view.displayed_rows()
    np.testing.assert_allclose(shown_times, times, atol=1e-9)
    assert (rows.argmax(axis=0) == round(1000.0 / cfg.delta_f_hz)).all()


@pytest.mark.parametrize("scale", ["log", "mel"])
def test_single_bin_tone_visible_on_log_and_mel(qtbot, scale):
    # A tone exactly on bin 700 (16406.25 Hz) with a rectangular window: energy in one bin only.
    cfg = StftConfig(48000.0, 2048, 512, "boxcar")
    k = 700
    view, history = _make_view(qtbot, cfg, scale=scale)
    db, times = _tone_frames(cfg, k * cfg.delta_f_hz, 0.3)
    assert (db[k] > -7).all() and (np.delete(db, k, axis=0) < -100).all()
    _feed(view, history, db, times)
    rows, _ = view.displayed_rows()
    rm = view.row_map
    hit = np.flatnonzero((rm.first_bin <= k) & (k <= rm.last_bin))
    assert hit.size >= 1
    np.testing.assert_allclose(rows[hit].max(axis=0), db[k], atol=1e-6)
    # The lit row sits at the tone's height on the scale's axis.
    u = rm.row_centres_u[hit[0]]
    f_row_lo, f_row_hi = rm.scale.inverse(u - 0.5 * (rm.u_hi - rm.u_lo) / rm.n_rows), rm.scale.inverse(
        u + 0.5 * (rm.u_hi - rm.u_lo) / rm.n_rows)
    assert f_row_lo - cfg.delta_f_hz / 2 <= k * cfg.delta_f_hz <= f_row_hi + cfg.delta_f_hz / 2


def test_cursor_readout(qtbot):
    cfg = StftConfig(48000.0, 2048, 256)
    view, history = _make_view(qtbot, cfg)
    db, times = _tone_frames(cfg, 1000.0, 0.5)
    _feed(view, history, db, times)
    i = 20
    text = view.readout_at(times[i] + 0.3 * cfg.hop_s, 1003.0)
    # 1003 Hz / 23.4375 Hz = 42.8 -> bin 43, centred at 1007.8125 Hz.
    # Time as on the axis: relative to the newest frame's right edge.
    # The view offset is on whole device pixels, at most one pixel short of the newest frame's edge.
    px_s = view.span_s / (view.getViewBox().width() * view.devicePixelRatioF())
    assert times[-1] + 0.5 * cfg.hop_s - px_s <= view.t_ref_s <= times[-1] + 0.5 * cfg.hop_s
    assert text == f"t {times[i] - view.t_ref_s:.3f} s | 1003.0 Hz | bin 43 (1007.8 Hz) | {db[43, i]:.1f} dBFS"
    log_view, log_history = _make_view(qtbot, cfg, scale="log")
    _feed(log_view, log_history, db, times)
    text = log_view.readout_at(times[i], np.log10(100.0))
    assert f"100.0 Hz | bin 4 (93.8 Hz) | {db[4, i]:.1f} dBFS" in text


def test_ring_reuses_tiles_and_keeps_time_order(qtbot):
    cfg = StftConfig(8000.0, 256, 128)
    view = SpectrogramView()
    qtbot.addWidget(view)
    history = FrameHistory(cfg, 3 * TILE_COLS)
    view.set_view(history, make_scale("linear"))
    db, times = _tone_frames(cfg, 1000.0, 8 * TILE_COLS * cfg.hop_s)
    _feed(view, history, db, times, block=13)
    assert len(view.tiles) <= view._max_tiles
    items_before = {id(i) for i in view.image_items()}
    _feed(view, history, db[:, :40], times[-1] + (1 + np.arange(40)) * cfg.hop_s, block=13)
    assert {id(i) for i in view.image_items()} == items_before  # no new ImageItems: tiles were recycled
    _, shown = view.displayed_rows()
    assert (np.diff(shown) > 0).all()
    lo, hi = view.visible_time_range_s()
    px_s = view.span_s / (view.getViewBox().width() * view.devicePixelRatioF())
    assert times[-1] + 40.5 * cfg.hop_s - px_s <= hi <= times[-1] + 40.5 * cfg.hop_s
    assert hi - lo == pytest.approx(view.span_s)


def test_levels_and_colormap_reach_every_tile(qtbot):
    cfg = StftConfig(8000.0, 256, 64)
    view, history = _make_view(qtbot, cfg)
    db, times = _tone_frames(cfg, 500.0, 3 * TILE_COLS * cfg.hop_s)
    _feed(view, history, db, times)
    view.set_levels(-90.0, -10.0)
    view.set_colormap("grey")
    for item in view.image_items():
        assert tuple(item.levels) == (-90.0, -10.0)
        assert item.lut.shape == (256, 4) and item.lut[255, 0] >= 254
    with pytest.raises(ValueError, match="floor must be below"):
        view.set_levels(0.0, -10.0)
    with pytest.raises(ValueError, match="time span"):
        view.set_span(120.0)


def test_keys_scroll_a_paused_view(qtbot):
    cfg = StftConfig(8000.0, 256, 64)  # 125 frames/s
    view, history = _make_view(qtbot, cfg)
    view.set_span(2.0)
    db, times = _tone_frames(cfg, 1000.0, 6.0)
    _feed(view, history, db, times)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.getViewBox().viewRange()[0] == [-2.0, 0.0]  # live: keys do not scroll
    view.set_paused(True)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.getViewBox().viewRange()[0] == pytest.approx([-2.4, -0.4])
    qtbot.keyClick(view, Qt.Key.Key_Home)  # the oldest frame the history keeps (5 s here)
    first_kept = history.ordered_times()[1][0]
    assert first_kept == pytest.approx(times[-1] - (history.capacity - 1) * cfg.hop_s)
    lo, hi = view.visible_time_range_s()
    assert (lo, hi) == pytest.approx((first_kept - 0.5 * cfg.hop_s, first_kept - 0.5 * cfg.hop_s + 2.0))
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.getViewBox().viewRange()[0] == pytest.approx([-2.0, 0.0])


def test_a_one_bin_tone_lights_its_pixel_row_when_the_image_is_shrunk(qtbot):
    """The window's tiles have more rows (bins) than the screen has pixels: each pixel shows the
    maximum of its bins, so a tone one bin wide is drawn in the colour of its level, in the right row."""
    cfg = StftConfig(48000.0, 2048, 512, "boxcar")
    k = 700  # 16406.25 Hz, exactly on a bin: with a rectangular window all energy is in bin 700
    view, history = _make_view(qtbot, cfg)
    db, times = _tone_frames(cfg, k * cfg.delta_f_hz, 0.8)  # 70 frames: the first tile is full
    _feed(view, history, db, times)
    item = view.image_items()[0]
    n_rows = item.image.shape[0]
    for height in (100, 300, 517, 1024):  # fewer device rows than the 1025 bins (100: runs of 10-11 bins)
        img = item.device_image(40, height, flip_y=True)
        assert (img.width(), img.height()) == (40, height)
        lum = np.array([[sum(img.pixelColor(x, y).getRgb()[:3]) for x in (0, 20, 39)] for y in range(height)])
        # Device row j (top = 0 after the flip) covers bins floor(i n / h) .. floor((i + 1) n / h) - 1, i = h - 1 - j.
        i = next(i for i in range(height) if (i * n_rows) // height <= k < ((i + 1) * n_rows) // height)
        assert np.argmax(lum[:, 1]) == height - 1 - i
        assert (lum[height - 1 - i] == lum.max()).all()  # in every column
        # Its colour is the table's entry for the tone's level (-6 dB), as pyqtgraph would index it.
        level = float(db[k, 0])
        entry = int(np.clip((level - view.floor_db) * 256 / (view.ceiling_db - view.floor_db), 0, 255))
        assert img.pixelColor(20, height - 1 - i).getRgb()[:3] == tuple(int(c) for c in view._lut[entry, :3])


def test_a_one_frame_click_survives_shrinking_in_time(qtbot):
    cfg = StftConfig(48000.0, 1024, 256)
    view, history = _make_view(qtbot, cfg)
    db = np.full((cfg.n_freqs, 40), -110.0, dtype=np.float32)
    db[:, 17] = -3.0  # one loud frame
    _feed(view, history, db, cfg.frame_times_s(40))
    item = view.image_items()[0]
    for width, pixel in ((10, 2), (4, 1)):  # 65 columns (64 + the overlap column) into 10 or 4 pixels
        img = item.device_image(width, 50)
        bright = [sum(img.pixelColor(x, 25).getRgb()[:3]) for x in range(width)]
        # Column 17 falls in the pixel j with floor(j 65 / w) <= 17 < floor((j + 1) 65 / w).
        assert int(np.argmax(bright)) == pixel and sorted(bright)[-2] < bright[pixel]


def _grab_row_luma(view: SpectrogramView) -> np.ndarray:
    """Luma of every device-pixel column of the view's plot area, along its middle row (from a grab)."""
    from PyQt6.QtGui import QImage

    img = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    argb = np.frombuffer(ptr, np.uint32).reshape(img.height(), img.bytesPerLine() // 4)
    dpr = img.devicePixelRatio()
    r = view.mapFromScene(view.getViewBox().sceneBoundingRect()).boundingRect()
    row = argb[int(r.center().y() * dpr), int(r.left() * dpr) + 2: int(r.right() * dpr) - 2]
    return ((row >> 16) & 255).astype(float) + ((row >> 8) & 255) + (row & 255)


@pytest.mark.parametrize("n_fft", [256, 512, 2048])
def test_constant_level_is_seamless_at_every_size_span_and_zoom(qtbot, n_fft):
    # Issue 12 #3: black columns every few tiles at N 256 and 512, and at N 2048 zoomed in while paused.
    cfg = StftConfig(48000.0, n_fft, n_fft // 8)  # the window's default overlap, 87.5 %
    view = SpectrogramView()
    qtbot.addWidget(view)
    view.resize(1100, 400)
    view.show()
    history = FrameHistory(cfg, history_capacity(cfg, seconds=62.0))
    view.set_view(history, make_scale("linear"))
    view.set_levels(-120.0, 0.0)
    n = int(61.0 / cfg.hop_s)
    times = cfg.frame_times_s(n)
    db = np.full((n, cfg.n_freqs), -60.0, np.float32)
    for i in range(0, n, 500):
        seq0 = history.next_seq
        history.append(db[i: i + 500], times[i: i + 500])
        view.append(db[i: i + 500], times[i: i + 500], seq0)
    worst = []
    for span_s in (1.0, 3.7, 10.0, 30.0, 60.0):
        view.set_span(span_s)
        view.refresh()
        luma = _grab_row_luma(view)
        worst.append((luma.min() / np.median(luma), f"span {span_s}"))
    view.set_paused(True)
    for width_s in np.geomspace(0.05, 20.0, 23):  # zoomed while paused: tiles of 1 to 2000 pixels
        view.setXRange(-width_s - 0.3, -0.3, padding=0.0)
        view.refresh()
        luma = _grab_row_luma(view)
        worst.append((luma.min() / np.median(luma), f"zoom {width_s:.3f} s"))
    # Every column is the constant level's colour (-60 dBFS: mid-scale), none darker.
    assert min(worst)[0] > 0.95, min(worst)


def _paused_view_with_history(qtbot, seconds=25.0):
    cfg = StftConfig(48000.0, 2048, 256)
    view, history = _make_view(qtbot, cfg)
    history = FrameHistory(cfg, history_capacity(cfg, seconds=30.0))
    view.set_view(history, make_scale("linear"))
    view.show()
    n = int(seconds / cfg.hop_s)
    times = cfg.frame_times_s(n)
    db = np.full((n, cfg.n_freqs), -90.0, np.float32)
    db[:, 100] = np.linspace(-80.0, -10.0, n)  # a level that tells the frames apart
    _feed(view, history, db.T, times, block=64)
    view.set_paused(True)
    return cfg, view, history, db, times


def test_readout_follows_the_view_under_a_still_cursor(qtbot):
    # Issue 12 #6: after Home (or zoom, or an FFT change) the readout kept describing the old view.
    cfg, view, history, db, times = _paused_view_with_history(qtbot)
    readouts = []
    view.readout.connect(readouts.append)
    vb = view.getViewBox()
    scene_pt = vb.mapViewToScene(QPointF(-1.0, 100 * cfg.delta_f_hz))
    view.scene().sigMouseMoved.emit(scene_pt)  # what a real mouse move over the viewport emits
    level_before = float(readouts[-1].rsplit("|", 1)[1].split()[0])
    assert level_before == pytest.approx(db[history.seq_at_time(times[-1] + cfg.hop_s / 2 - 1.0), 100], abs=0.06)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home)  # the oldest frames come under the cursor
    x0, _ = vb.viewRange()[0]
    t_abs = x0 + 9.0 + view.t_ref_s  # the cursor's x (view -1 s) is now 9 s right of the left edge at a 10 s span
    seq = history.seq_at_time(float(np.clip(t_abs, times[0], times[-1])))
    assert float(readouts[-1].rsplit("|", 1)[1].split()[0]) == pytest.approx(db[seq, 100], abs=0.06)
    assert float(readouts[-1].rsplit("|", 1)[1].split()[0]) != pytest.approx(level_before, abs=1.0)


def test_paused_wheel_scrolls_and_ctrl_wheel_zooms(qtbot):
    # Issue 12 #12: the README says the wheel scrolls a paused view; it zoomed.
    from PyQt6.QtCore import QPoint
    from PyQt6.QtGui import QWheelEvent

    _, view, _, _, _ = _paused_view_with_history(qtbot)
    vb = view.getViewBox()

    def wheel(steps, modifiers=Qt.KeyboardModifier.NoModifier):
        centre = view.mapFromScene(vb.sceneBoundingRect().center())
        ev = QWheelEvent(QPointF(centre), QPointF(view.mapToGlobal(centre)), QPoint(0, 0), QPoint(0, 120 * steps),
                         Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
        view.wheelEvent(ev)

    x0, x1 = vb.viewRange()[0]
    wheel(3)  # three steps up: back in time by 3 tenths of the view, same width
    y0, y1 = vb.viewRange()[0]
    assert (y0, y1) == (pytest.approx(x0 - 0.3 * (x1 - x0)), pytest.approx(x1 - 0.3 * (x1 - x0)))
    wheel(-50)  # far forward: stops at the newest frame
    assert vb.viewRange()[0][1] == pytest.approx(0.0)
    wheel(1, Qt.KeyboardModifier.ControlModifier)  # Ctrl+wheel zooms in: narrower
    z0, z1 = vb.viewRange()[0]
    assert z1 - z0 < 0.95 * (x1 - x0)
    view.set_paused(False)
    wheel(3)  # running: the wheel does nothing, the view follows the newest frame
    view.refresh()
    assert vb.viewRange()[0] == [pytest.approx(-view.span_s), pytest.approx(0.0)]


def test_paused_view_sends_the_frame_under_the_cursor(qtbot):
    # Issue 12 #11: the spectrum at the cursor in the paused live view.
    _, view, history, db, times = _paused_view_with_history(qtbot)
    got = []
    view.frame_at_cursor.connect(lambda frame, t: got.append((frame, t)))
    vb = view.getViewBox()
    view.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(-2.0, 1000.0)))
    seq = history.seq_at_time(-2.0 + view.t_ref_s)
    frame, t = got[-1]
    np.testing.assert_array_equal(frame, db[seq])
    assert t == pytest.approx(times[seq] - view.t_ref_s)
    view.scene().sigMouseMoved.emit(QPointF(-100.0, -100.0))  # left the image: the frame at the right edge
    edge = history.seq_at_time(view.visible_time_range_s()[1])
    assert edge >= history.next_seq - 2
    np.testing.assert_array_equal(got[-1][0], db[edge])
