"""The window transform W(nu) and the whitening of the fit's bins (specscope.dsp.peak_model).

Every signal here is built from known frequencies, amplitudes and phases; the
estimates are compared with those true values (and the window transform with
its defining sum), never with the estimator's own output.
"""

import numpy as np
import pytest

from specscope.dsp.config import StftConfig
from specscope.dsp.peak_model import window_model

from .peak_signals import FS_HZ, OTHER_WINDOWS, TARGET_WINDOWS


@pytest.mark.parametrize("window", TARGET_WINDOWS + OTHER_WINDOWS)
@pytest.mark.parametrize("zero_pad", [1, 4])
def test_window_transform_equals_its_defining_sum(window, zero_pad):
    n = 256
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=n, hop=n, window=window, zero_pad=zero_pad)
    m = n * zero_pad
    rng = np.random.default_rng(5)
    nu = np.concatenate(
        [[0.0, 1.0, zero_pad, -zero_pad, 3 * zero_pad + 1e-11, m / 2, -m / 2, m - 0.3, 2.5 * m], rng.uniform(-m, m, 50)]
    )
    w = cfg.window_array
    direct = np.exp(-2j * np.pi * np.outer(nu, np.arange(n)) / m) @ w
    ours = window_model(cfg)(nu)
    # Closed form for cosine sums, interpolated table for Kaiser and Gaussian.
    tol = 1e-9 if cfg.window_spec.cosine_coeffs is not None else 1e-4
    np.testing.assert_allclose(ours, direct, rtol=0, atol=tol * w.sum())
