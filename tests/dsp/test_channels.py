"""mix_to_mono equals the float64 mean of the channels."""

import numpy as np
import pytest

from specscope.dsp.channels import mix_to_mono


@pytest.mark.parametrize("n_channels", [1, 2, 3, 8])
def test_mix_is_the_mean_of_channels(n_channels):
    frames = np.random.default_rng(n_channels).uniform(-1, 1, (1000, n_channels)).astype(np.float32)
    out = mix_to_mono(frames)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, frames.astype(np.float64).mean(axis=1), atol=1e-6)


def test_mix_writes_into_out():
    frames = np.array([[1.0, 3.0], [-1.0, 0.0]], dtype=np.float32)
    out = np.zeros(2, np.float32)
    assert mix_to_mono(frames, out=out) is out
    np.testing.assert_array_equal(out, [2.0, -0.5])
