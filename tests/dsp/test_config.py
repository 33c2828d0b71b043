"""StftConfig: the frequency axis, frame times and validation, by hand-computed cases."""

import numpy as np
import pytest

from specscope.dsp.config import StftConfig


def test_frequency_axis_hand_computed():
    cfg = StftConfig(fs_hz=8000, n_fft=16, hop=4)
    # Δf = 8000 / 16 = 500 Hz, bins 0..8 from 0 to 4000 Hz.
    assert cfg.n_freqs == 9
    assert cfg.delta_f_hz == 500.0
    np.testing.assert_array_equal(cfg.freqs_hz, [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000])
    assert cfg.freq_extent_hz == (-250.0, 4250.0)


def test_frequency_axis_with_zero_padding():
    cfg = StftConfig(fs_hz=8000, n_fft=16, hop=4, zero_pad=2)
    # 32-point FFT: Δf = 250 Hz, 17 bins.
    assert cfg.n_fft_padded == 32
    assert cfg.n_freqs == 17
    np.testing.assert_array_equal(cfg.freqs_hz, 250.0 * np.arange(17))
    assert cfg.freq_extent_hz == (-125.0, 4125.0)


def test_the_100_hz_example_axis():
    cfg = StftConfig(fs_hz=44100, n_fft=1024, hop=256)
    assert cfg.delta_f_hz == pytest.approx(43.06640625)
    # 0-based: bin 2 is 86.13 Hz; reading it as the 3rd value times Δf (129 Hz) is the classic mistake.
    assert cfg.freqs_hz[2] == pytest.approx(86.1328125)
    assert cfg.hz_to_bin(100.0) == pytest.approx(2.3219954648526078)


def test_frame_convention():
    cfg = StftConfig(fs_hz=1000, n_fft=100, hop=30)
    assert cfg.n_frames(99) == 0
    assert cfg.n_frames(100) == 1
    assert cfg.n_frames(129) == 1
    assert cfg.n_frames(130) == 2
    # times: (i*hop + n_fft/2) / fs, plus the slice offset.
    np.testing.assert_allclose(cfg.frame_times_s(3), [0.05, 0.08, 0.11])
    np.testing.assert_allclose(cfg.frame_times_s(2, first_frame=1, offset_s=7000.0), [7000.08, 7000.11])
    assert cfg.hop_s == pytest.approx(0.03)
    assert cfg.overlap == pytest.approx(0.7)


def test_amplitude_scale_doubles_all_but_dc_and_nyquist():
    cfg = StftConfig(fs_hz=1000, n_fft=16, hop=4, window="boxcar")
    assert cfg.window_sum == 16.0
    expected = np.full(9, 2 / 16)
    expected[[0, -1]] = 1 / 16
    np.testing.assert_allclose(cfg.amplitude_scale, expected)


def test_config_is_frozen_and_canonical():
    cfg = StftConfig(fs_hz=48000, n_fft=2048, hop=512, window="RECT")
    assert cfg.window == "boxcar"
    with pytest.raises(AttributeError):
        cfg.n_fft = 1024  # type: ignore[misc]
    assert cfg.replace(n_fft=1024).n_fft == 1024
    assert cfg == StftConfig(fs_hz=48000.0, n_fft=2048, hop=512, window="boxcar")
    assert not cfg.freqs_hz.flags.writeable


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fs_hz": 0}, "fs_hz"),
        ({"fs_hz": float("nan")}, "fs_hz"),
        ({"fs_hz": "48k"}, "fs_hz"),
        ({"n_fft": 8}, r"n_fft .*16\.\.131072"),
        ({"n_fft": 1025}, "n_fft must be an even"),
        ({"n_fft": 262144}, "n_fft"),
        ({"n_fft": 1024.5}, "n_fft must be an integer"),
        ({"hop": 0}, r"hop .*1\.\.n_fft"),
        ({"hop": 4096}, "hop"),
        ({"hop": 256.5}, "hop must be an integer"),
        ({"zero_pad": 3}, "zero_pad must be one of 1, 2, 4, 8"),
        ({"window": "triangle"}, "window 'triangle' is unknown"),
        ({"window": "kaiser"}, "needs a parameter"),
        ({"window": "kaiser:x"}, "not a number"),
        ({"window": "kaiser:80"}, "beta"),
        ({"window": "gaussian:2"}, "sigma"),
        ({"window": "hann:3"}, "takes no parameter"),
    ],
)
def test_invalid_values_name_the_parameter(kwargs, match):
    args = {"fs_hz": 48000, "n_fft": 2048, "hop": 512} | kwargs
    with pytest.raises(ValueError, match=match):
        StftConfig(**args)
