"""The settings model: defaults, validation in the user's words, derived hop, window parameters, round trips."""

import pytest

from specscope.app.model.settings import AnalysisSettings, DisplaySettings, InputSettings, SettingsError, parse_channel


def test_defaults_give_the_documented_stft():
    cfg = AnalysisSettings().stft_config(48000.0)
    # hop = N (1 - 0.75) = 512 samples; Δf = 48000 / 2048 = 23.4375 Hz (hand-computed).
    assert (cfg.n_fft, cfg.hop, cfg.window, cfg.zero_pad) == (2048, 512, "hann", 1)
    assert cfg.delta_f_hz == 23.4375


@pytest.mark.parametrize(("n_fft", "overlap", "hop"), [(2048, 0.875, 256), (256, 0.5, 128), (1024, 0.9375, 64),
                                                      (1000, 0.75, 250), (16, 0.0, 16)])
def test_hop_from_overlap(n_fft, overlap, hop):
    assert AnalysisSettings(n_fft=n_fft, overlap=overlap).effective_hop == hop


def test_explicit_hop_wins_and_follows_fft_changes():
    s = AnalysisSettings(hop=300)
    assert s.effective_hop == 300
    assert s.replace(n_fft=256).effective_hop == 256  # clamped to the new frame length
    d = AnalysisSettings(overlap=0.875)
    assert d.replace(n_fft=4096).effective_hop == 512  # the overlap is kept: 4096 / 8


def test_window_family_and_parameter():
    s = AnalysisSettings(window="kaiser:12")
    assert (s.window, s.window_param, s.window_spec) == ("kaiser", 12.0, "kaiser:12")
    assert AnalysisSettings(window="gaussian").window_spec == "gaussian:0.4"
    assert AnalysisSettings(window="kaiser", window_param=5.5).stft_config(8000.0).window == "kaiser:5.5"
    assert s.replace(window="hann").window_param is None
    assert s.replace(window_param=3.0).window_spec == "kaiser:3"


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"n_fft": 2047}, "FFT size must be an even"),
    ({"n_fft": 8}, "FFT size must be an even"),
    ({"n_fft": 2048.5}, "FFT size must be an integer"),
    ({"hop": 0}, "hop must be 1..2048"),
    ({"hop": 4096}, "hop must be 1..2048"),
    ({"overlap": 1.0}, "overlap must be a fraction"),
    ({"overlap": float("nan")}, "overlap must be a finite"),
    ({"window": "triangle"}, "unknown"),
    ({"window": "kaiser", "window_param": 80}, "beta must be in 0..50"),
    ({"window": "hann", "window_param": 2}, "takes no parameter"),
    ({"zero_pad": 3}, "zero padding must be one of 1, 2, 4, 8"),
    ({"channel": "left"}, "channel must be 'mix'"),
    ({"channel": -1}, "channel must be 'mix'"),
])
def test_bad_analysis_settings_name_the_setting(kwargs, words):
    with pytest.raises(SettingsError, match=words):
        AnalysisSettings(**kwargs)


def test_channel_forms():
    assert parse_channel("mix") == "mix"
    assert parse_channel(" 2 ") == 2
    assert parse_channel(0) == 0
    assert AnalysisSettings(channel="1").channel == 1
    with pytest.raises(SettingsError, match="channel 2 does not exist: the input has 2 channel"):
        AnalysisSettings(channel=2).check_channel(2)
    AnalysisSettings(channel=1).check_channel(2)


def test_round_trip_as_values():
    a = AnalysisSettings(n_fft=4096, hop=333, window="gaussian:0.25", zero_pad=4, channel=1)
    assert AnalysisSettings.from_values(a.as_values()) == a
    assert AnalysisSettings.from_values({**a.as_values(), "unknown": 1}) == a
    d = DisplaySettings(scale="log", f_min_hz=20, f_max_hz=20000, floor_db=-90, ceiling_db=-10, colormap="viridis")
    assert DisplaySettings.from_values(d.as_values()) == d
    i = InputSettings(device="3", fs_hz=44100)
    assert InputSettings.from_values(i.as_values()) == i
    assert i.device_selector == 3
    assert InputSettings(device="pulse").device_selector == "pulse"
    assert InputSettings().device_selector is None


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"scale": "bark"}, "scale must be one of"),
    ({"floor_db": -20, "ceiling_db": -30}, "dB floor -20 must be below the ceiling -30"),
    ({"span_s": 0.5}, "time span must be 1..60 s"),
    ({"f_min_hz": 500, "f_max_hz": 100}, "min frequency 500 Hz must be below"),
    ({"colormap": "jet"}, "colour map must be one of"),
    ({"decay_db_per_s": -1}, "peak-hold decay"),
])
def test_bad_display_settings(kwargs, words):
    with pytest.raises(SettingsError, match=words):
        DisplaySettings(**kwargs)
