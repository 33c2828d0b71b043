"""The numpy windows equal scipy.signal.get_window(..., fftbins=True)."""

import numpy as np
import pytest
import scipy.signal

from specscope.dsp.config import StftConfig
from specscope.dsp.windows import parse_window, periodic_window

CASES = [
    ("boxcar", "boxcar"),
    ("rect", "boxcar"),
    ("hann", "hann"),
    ("hamming", "hamming"),
    ("blackman", "blackman"),
    ("blackmanharris", "blackmanharris"),
    ("flattop", "flattop"),
    ("kaiser:8.6", ("kaiser", 8.6)),
    ("kaiser:0", ("kaiser", 0.0)),
]


@pytest.mark.parametrize("n", [16, 1024, 2050])
@pytest.mark.parametrize(("spec", "scipy_spec"), CASES)
def test_window_matches_scipy(spec, scipy_spec, n):
    ours = periodic_window(parse_window(spec), n)
    ref = scipy.signal.get_window(scipy_spec, n, fftbins=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("n", [16, 1024])
@pytest.mark.parametrize("sigma", [0.1, 0.4])
def test_gaussian_sigma_is_a_fraction_of_n(sigma, n):
    ours = periodic_window(parse_window(f"gaussian:{sigma}"), n)
    ref = scipy.signal.get_window(("gaussian", sigma * n), n, fftbins=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-12)


def test_windows_are_periodic_not_symmetric():
    # DFT-even: w[n] == w[N - n] for n = 1..N-1, and w[0] is the minimum of Hann.
    w = StftConfig(fs_hz=1000, n_fft=64, hop=16, window="hann").window_array
    np.testing.assert_allclose(w[1:], w[1:][::-1], atol=1e-15)
    assert w[0] == 0.0
    assert w[32] == pytest.approx(1.0)


def test_kaiser_main_lobe_width():
    # First null of the Kaiser transform at sqrt(1 + (beta/pi)^2) bins.
    spec = parse_window("kaiser:8.6")
    n = 256
    w = periodic_window(spec, n)
    mag = np.abs(np.fft.rfft(w, 64 * n))
    first_null_bins = np.argmax(np.diff(mag) > 0) / 64
    assert first_null_bins == pytest.approx(spec.main_lobe_half_width_bins, abs=0.05)
