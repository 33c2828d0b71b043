"""Frequency scales and the bins-to-rows map, against hand-computed cases."""

import math

import numpy as np
import pytest

from specscope.dsp.freq_scales import (
    LinearScale,
    LogScale,
    MelScale,
    format_hz,
    make_row_map,
    make_scale,
)


def test_transforms_hand_computed():
    assert LogScale().transform(1000.0) == pytest.approx(3.0)
    assert LogScale().inverse(2.0) == pytest.approx(100.0)
    # HTK mel: 1000 Hz -> 2595 log10(1 + 1000/700) = 999.985...
    assert MelScale().transform(1000.0) == pytest.approx(2595 * math.log10(17 / 7))
    assert MelScale().transform(0.0) == 0.0
    f = np.array([0.0, 50.0, 700.0, 12345.0, 24000.0])
    for scale in (LinearScale(), MelScale()):
        np.testing.assert_allclose(scale.inverse(scale.transform(f)), f, atol=1e-9)
    np.testing.assert_allclose(LogScale().inverse(LogScale().transform(f[1:])), f[1:], rtol=1e-12)


def test_tick_labels_are_true_hz():
    major, minor = LogScale().ticks(20.0, 24000.0)
    assert [label for _, label in major] == ["20", "50", "100", "200", "500", "1k", "2k", "5k", "10k", "20k"]
    assert [f for f, _ in major] == [20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]
    assert 30.0 in minor and 9000.0 in minor and 1000.0 not in minor
    major, _ = LinearScale().ticks(0.0, 24000.0)
    assert major == [(0.0, "0"), (5000.0, "5k"), (10000.0, "10k"), (15000.0, "15k"), (20000.0, "20k")]
    major, _ = MelScale().ticks(0.0, 24000.0)
    freqs = [f for f, _ in major]
    assert freqs == sorted(freqs) and freqs[0] == 0.0 and 5 <= len(freqs) <= 9
    for f, label in major:
        assert label == format_hz(f)
    assert format_hz(2500.0) == "2.5k" and format_hz(440.0) == "440"


def test_linear_rows_are_bins_centred_on_their_frequency():
    # Δf = 10 Hz, bins 0..10 (0..100 Hz): 11 rows, edges -5 .. 105 Hz, row k centred at 10 k Hz.
    m = make_row_map(LinearScale(), 10.0, 11, 0.0, 100.0)
    assert m.bins_are_rows and m.n_rows == 11
    assert (m.u_lo, m.u_hi) == (-5.0, 105.0)
    np.testing.assert_allclose(m.row_centres_u, 10.0 * np.arange(11))
    # A sub-range 30..60 Hz keeps bins 3..6 and their half-bin edges.
    m = make_row_map(LinearScale(), 10.0, 11, 30.0, 60.0)
    assert list(m.first_bin) == [3, 4, 5, 6] and (m.u_lo, m.u_hi) == (25.0, 65.0)
    db = np.arange(11, dtype=np.float32)
    np.testing.assert_array_equal(m.apply(db), [3, 4, 5, 6])


def test_linear_decimation_takes_the_maximum():
    # 11 bins into at most 4 rows: 3 bins a row -> rows {0,1,2}, {3,4,5}, {6,7,8}, {9,10}.
    m = make_row_map(LinearScale(), 10.0, 11, 0.0, 100.0, max_rows=4)
    assert not m.bins_are_rows
    assert list(m.first_bin) == [0, 3, 6, 9] and list(m.last_bin) == [2, 5, 8, 10]
    db = np.full(11, -100.0, dtype=np.float32)
    db[10] = -3.0
    db[4] = -7.0
    np.testing.assert_array_equal(m.apply(db), [-100, -7, -100, -3])


def test_log_rows_hand_computed():
    # Δf = 100 Hz, bins 0..10 (0..1000 Hz); log 10..1000 Hz in two rows: edges 10, 100, 1000 Hz.
    # Row 0 [10, 100) overlaps bin 0 [-50, 50) and bin 1 [50, 150); row 1 [100, 1000) overlaps bins 1..10.
    m = make_row_map(LogScale(), 100.0, 11, 10.0, 1000.0, n_rows=2)
    assert (m.u_lo, m.u_hi) == pytest.approx((1.0, 3.0))
    assert list(m.first_bin) == [0, 1] and list(m.last_bin) == [1, 10]
    for k, expect in [(0, [0.0, -90.0]), (1, [0.0, 0.0]), (7, [-90.0, 0.0]), (10, [-90.0, 0.0])]:
        db = np.full(11, -90.0)
        db[k] = 0.0
        np.testing.assert_array_equal(m.apply(db), expect, err_msg=f"tone in bin {k}")


@pytest.mark.parametrize("name", ["log", "mel"])
def test_single_bin_tone_never_vanishes(name):
    # 48 kHz, N 4096: 2049 bins into 200 rows; every bin alone must reach some row, and only rows that cover it.
    delta_f = 48000.0 / 4096
    m = make_row_map(make_scale(name), delta_f, 2049, 0.0, 24000.0, n_rows=200)
    lo_hz = m.scale.inverse(m.u_lo)
    eye = np.full((2049, 2049), -120.0, dtype=np.float32)
    np.fill_diagonal(eye, 0.0)
    rows = m.apply(eye)  # column k: the image of a tone in bin k alone
    assert rows.shape == (200, 2049)
    first_k = math.floor(lo_hz / delta_f + 0.5)
    assert (rows[:, first_k:].max(axis=0) == 0.0).all()
    for k in (first_k, 85, 1000, 2048):
        lit = np.flatnonzero(rows[:, k] == 0.0)
        assert ((m.first_bin[lit] <= k) & (k <= m.last_bin[lit])).all()


def test_2d_apply_matches_1d():
    rng = np.random.default_rng(1)
    db = rng.normal(size=(513, 7)).astype(np.float32)
    m = make_row_map(MelScale(), 46.875, 513, 0.0, 24000.0, n_rows=64)
    rows = m.apply(db)
    for j in range(7):
        np.testing.assert_array_equal(rows[:, j], m.apply(db[:, j]))
    ref = np.array([db[a: b + 1, 0].max() for a, b in zip(m.first_bin, m.last_bin, strict=True)])
    np.testing.assert_array_equal(rows[:, 0], ref)


def test_bad_input():
    with pytest.raises(ValueError, match="scale must be one of"):
        make_scale("bark")
    with pytest.raises(ValueError, match="f_min < f_max"):
        make_row_map(LinearScale(), 10.0, 11, 80.0, 20.0)
    assert LogScale().clamp_range(0.0, 24000.0, 24000.0) == (20.0, 24000.0)
