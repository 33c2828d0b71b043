"""A, C, Z weighting: the IEC 61672-1 table, the 1 kHz normalisation and the digital filter."""

import numpy as np
import pytest
import scipy.signal

from specscope.dsp.weighting import weighting_db, weighting_gain, weighting_sos

# IEC 61672-1:2013 Table 3: nominal frequency, A and C design goals (dB, rounded to 0.1),
# at the exact base-10 frequencies 1000 * 10**(n / 10), n = -20 .. 13.
TABLE_3 = [
    (10, -70.4, -14.3), (12.5, -63.4, -11.2), (16, -56.7, -8.5), (20, -50.5, -6.2),
    (25, -44.7, -4.4), (31.5, -39.4, -3.0), (40, -34.6, -2.0), (50, -30.2, -1.3),
    (63, -26.2, -0.8), (80, -22.5, -0.5), (100, -19.1, -0.3), (125, -16.1, -0.2),
    (160, -13.4, -0.1), (200, -10.9, 0.0), (250, -8.6, 0.0), (315, -6.6, 0.0),
    (400, -4.8, 0.0), (500, -3.2, 0.0), (630, -1.9, 0.0), (800, -0.8, 0.0),
    (1000, 0.0, 0.0), (1250, 0.6, 0.0), (1600, 1.0, -0.1), (2000, 1.2, -0.2),
    (2500, 1.3, -0.3), (3150, 1.2, -0.5), (4000, 1.0, -0.8), (5000, 0.5, -1.3),
    (6300, -0.1, -2.0), (8000, -1.1, -3.0), (10000, -2.5, -4.4), (12500, -4.3, -6.2),
    (16000, -6.6, -8.5), (20000, -9.3, -11.2),
]  # fmt: skip
EXACT_HZ = 1000.0 * 10.0 ** (np.arange(-20, 14) / 10.0)

# IEC 61672-1 class-1 limits on the deviation from the design goal (dB), nominal frequency: (+, -).
CLASS_1 = {
    31.5: 1.5, 63: 1.0, 125: 1.0, 250: 1.0, 500: 1.0, 1000: 0.7, 2000: 1.0, 4000: 1.0,
    5000: 1.5, 6300: (1.5, 2.0), 8000: (1.5, 2.5), 10000: (2.0, 3.0),
}  # fmt: skip


@pytest.mark.parametrize("name, column", [("A", 1), ("C", 2)])
def test_table_3_within_rounding(name, column):
    nominal = np.array([row[column] for row in TABLE_3])
    # The table is rounded to 0.1 dB, so the formula is within 0.05 dB of every entry.
    np.testing.assert_allclose(weighting_db(name, EXACT_HZ), nominal, rtol=0, atol=0.05)


def test_octave_values_at_exact_frequencies():
    a = [-39.4, -26.2, -16.1, -8.6, -3.2, 0.0, 1.2, 1.0, -1.1, -6.6]
    exact = 1000 * 10 ** (np.arange(-15, 13, 3) / 10)  # 31.62, 63.10, 125.9, ... 15849 Hz
    np.testing.assert_allclose(weighting_db("A", exact), a, rtol=0, atol=0.05)
    np.testing.assert_allclose(weighting_db("C", exact[[0, 8]]), [-3.0, -3.0], rtol=0, atol=0.05)
    # The table holds at the exact frequencies, not the nominal labels: at 31.5 Hz itself
    # A is -39.52 dB, 0.12 dB below the entry, as the curve falls 25 dB per octave there.
    assert weighting_db("A", 31.5) == pytest.approx(-39.525, abs=0.001)


def test_zero_db_at_1khz_exactly_and_dc():
    assert weighting_db("A", 1000.0) == pytest.approx(0.0, abs=1e-12)
    assert weighting_db("C", 1000.0) == pytest.approx(0.0, abs=1e-12)
    assert weighting_db("A", 0.0) == -np.inf
    assert weighting_gain("C", 0.0) == 0.0
    np.testing.assert_array_equal(weighting_db("Z", [0.0, 10.0, 2e4]), 0.0)


def test_gain_power_and_amplitude():
    f = np.array([100.0, 1000.0, 10000.0])
    db = weighting_db("A", f)
    np.testing.assert_allclose(weighting_gain("A", f), 10 ** (db / 10), rtol=1e-12)
    np.testing.assert_allclose(weighting_gain("A", f, "amplitude"), 10 ** (db / 20), rtol=1e-12)
    # -19.1 dB at 100 Hz is a power gain of 0.0123.
    assert weighting_gain("A", 100.0) == pytest.approx(10 ** (-19.1428 / 10), rel=1e-5)


def _digital_minus_analytic(name, fs_hz, f_hz):
    _, h = scipy.signal.sosfreqz(weighting_sos(name, fs_hz), worN=np.asarray(f_hz, float), fs=fs_hz)
    return 20 * np.log10(np.abs(h)) - weighting_db(name, f_hz)


@pytest.mark.parametrize("fs_hz", [44100.0, 48000.0])
@pytest.mark.parametrize("name", ["A", "C"])
def test_digital_filter_within_class_1(name, fs_hz):
    f = np.array(list(CLASS_1), dtype=float)
    dev = _digital_minus_analytic(name, fs_hz, f)
    for fk, d in zip(f, dev, strict=True):
        lim = CLASS_1[fk]
        plus, minus = lim if isinstance(lim, tuple) else (lim, lim)
        assert -minus <= d <= plus, (fk, d)
    assert _digital_minus_analytic(name, fs_hz, [1000.0])[0] == pytest.approx(0.0, abs=1e-9)


def test_digital_filter_deviation_as_documented():
    # The module docstring's table, 48 kHz, A weighting.
    dev = _digital_minus_analytic("A", 48000.0, [100.0, 4000.0, 8000.0, 10000.0, 12500.0])
    np.testing.assert_allclose(dev, [0.0, -0.04, -0.54, -1.22, -2.67], atol=0.01)


def test_z_filter_is_identity():
    x = np.random.default_rng(1).standard_normal(100)
    np.testing.assert_array_equal(scipy.signal.sosfilt(weighting_sos("Z", 48000), x), x)


def test_validation():
    with pytest.raises(ValueError, match="name must be one of A, C, Z"):
        weighting_db("B", 100.0)
    with pytest.raises(ValueError, match="f_hz must be finite"):
        weighting_db("A", [-1.0])
    with pytest.raises(ValueError, match="fs_hz must be above 2000"):
        weighting_sos("A", 1000.0)
    with pytest.raises(ValueError, match="fs_hz must be a number"):
        weighting_sos("A", "48k")
    with pytest.raises(ValueError, match="quantity must be"):
        weighting_gain("A", 1.0, "dB")
