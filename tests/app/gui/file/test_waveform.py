"""The waveform strip: min/max envelopes against numpy, sample level, dBFS axis, one row per channel."""

import numpy as np
import pytest
import soundfile as sf

from specscope.app.analysis.waveform_pyramid import BIN_FRAMES, WavePyramid, pyramid_blocks, reduce_to_pixels
from specscope.app.gui.file.waveform import DB_RANGE, to_display

FS = 48000


@pytest.fixture
def clicks(tmp_path):
    """20 s of quiet 16-bit stereo noise with single-sample clicks at known frames."""
    rng = np.random.default_rng(7)
    x = (0.01 * rng.standard_normal((20 * FS, 2))).astype(np.float32)
    x[123_457, 0] = 0.9
    x[654_321, 1] = -0.8
    path = tmp_path / "clicks.wav"
    sf.write(str(path), x, FS, subtype="PCM_16")
    data, _ = sf.read(str(path), dtype="float32")  # what the file holds (16-bit quantised)
    return str(path), data


def _reference(x, f0, f1, n_px):
    """Per-pixel min/max straight from the samples: pixel p covers frames [f0 + p s, f0 + (p+1) s)."""
    edges = f0 + (f1 - f0) * np.arange(n_px + 1) / n_px
    lo = np.empty((n_px, x.shape[1]))
    hi = np.empty_like(lo)
    for p in range(n_px):
        a, b = int(np.floor(edges[p])), max(int(np.floor(edges[p])) + 1, int(np.ceil(edges[p + 1])))
        lo[p], hi[p] = x[a:b].min(axis=0), x[a:b].max(axis=0)
    return lo, hi


def _pyramid(path, data):
    p = WavePyramid(data.shape[0], data.shape[1], FS)
    pyramid_blocks(path, lambda: False, p.apply)
    assert p.complete
    return p


def test_envelope_never_loses_a_click_and_bounds_the_samples(clicks):
    path, x = clicks
    p = _pyramid(path, x)
    for t0, t1, n_px in ((0.0, 20.0, 997), (1.1, 17.3, 640), (2.0, 2.9, 113)):
        lo, hi = p.envelope(t0, t1, n_px)
        ref_lo, ref_hi = _reference(x, t0 * FS, t1 * FS, n_px)
        # Every sample shows in its pixel or the next (a bin straddling two pixels is drawn in the second) ...
        assert np.all(np.minimum(lo, np.roll(lo, -1, axis=0))[:-1] <= ref_lo[:-1] + 1e-7)
        assert np.all(np.maximum(hi, np.roll(hi, -1, axis=0))[:-1] >= ref_hi[:-1] - 1e-7)
        whole = x[int(t0 * FS): int(t1 * FS)]
        assert hi.max(axis=0) == pytest.approx(whole.max(axis=0), abs=1e-7)
        assert lo.min(axis=0) == pytest.approx(whole.min(axis=0), abs=1e-7)
    lo, hi = p.envelope(0.0, 20.0, 997)
    px0 = int(123_457 / (20 * FS) * 997)
    assert hi[px0, 0] == pytest.approx(x[123_457, 0], abs=1e-7)  # the click is in its own pixel
    assert hi[:, 0].argmax() == px0
    px1 = int(654_321 / (20 * FS) * 997)
    assert lo[px1, 1] == pytest.approx(x[654_321, 1], abs=1e-7)


def test_envelope_equals_numpy_when_pixels_are_whole_bins(clicks):
    path, x = clicks
    p = _pyramid(path, x)
    n_px = 400
    spp = 8 * BIN_FRAMES  # exactly one level-1 bin per pixel
    lo, hi = p.envelope(0.0, n_px * spp / FS, n_px)
    ref = x[: n_px * spp].reshape(n_px, spp, 2)
    np.testing.assert_array_equal(lo, ref.min(axis=1))
    np.testing.assert_array_equal(hi, ref.max(axis=1))


def test_zoomed_in_below_a_bin_asks_for_samples(clicks):
    path, x = clicks
    p = _pyramid(path, x)
    assert p.envelope(1.0, 1.0 + 100 * 100 / FS, 100) is None  # 100 frames per pixel < 256
    lo, hi = reduce_to_pixels(x[1000:2000], x[1000:2000], 1, 1000, 1000, 2000, 10)
    np.testing.assert_array_equal(lo, x[1000:2000].reshape(10, 100, 2).min(axis=1))
    np.testing.assert_array_equal(hi, x[1000:2000].reshape(10, 100, 2).max(axis=1))


def test_dbfs_mapping():
    y = to_display(np.array([1.0, -0.1, 0.01, 1e-4, 0.0], dtype=np.float32), True)
    np.testing.assert_allclose(y, [1.0, -(1 - 20 / DB_RANGE), 1 - 40 / DB_RANGE, 0.0, 0.0], atol=1e-6)
    np.testing.assert_array_equal(to_display(np.array([0.5, -0.25]), False), [0.5, -0.25])


def test_strip_in_the_view_draws_both_channels_and_samples_when_zoomed_in(qtbot, view, clicks):
    path, x = clicks
    view.set_config({"n_fft": 256, "hop": 64})  # the view may then show 4 hops = 256 samples
    with qtbot.waitSignal(view.waveform_ready, timeout=20000):
        view.load(path)
    assert len(view.waveform.rows) == 2
    xs, ys = view.waveform_curve(0)
    assert np.nanmax(ys) == pytest.approx(0.9, abs=1e-4)  # the click shows at full zoom-out
    xs, ys = view.waveform_curve(1)
    assert np.nanmin(ys) == pytest.approx(-0.8, abs=1e-4)
    assert view.t_waveform_done_s is not None and view.t_waveform_done_s < 10
    # Zoom to about 3 px per sample: the samples themselves, joined by lines.
    t0 = 123_400 / FS
    view.vb.setXRange(t0, t0 + 300 / FS, padding=0)
    qtbot.waitUntil(lambda: view.wave_samples is not None and view.waveform_curve(0)[0] is not None
                    and len(view.waveform_curve(0)[0]) < 1000, timeout=10000)
    xs, ys = view.waveform_curve(0)
    frames = np.round(xs * FS).astype(int)
    np.testing.assert_allclose(ys, x[frames, 0], atol=1e-6)
    assert ys.max() == pytest.approx(0.9, abs=1e-4)
    # Selection and play line are on both rows.
    view.set_selection(2.0, 3.0)
    assert all(r.isVisible() and r.getRegion() == (2.0, 3.0) for r in view.waveform.regions)
    view.clear_selection()
    assert not any(r.isVisible() for r in view.waveform.regions)
