"""The window's settings in QSettings: values under analysis/, display/, input/, per-section defaults.

No window: a QSettings INI file in a temporary folder.
"""

import pytest
from PyQt6.QtCore import QSettings

from specscope.app.gui.settings import WindowSettings, clear_settings, load_settings, save_settings
from specscope.app.model.settings import AnalysisSettings, DisplaySettings, InputSettings


def _store(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


def test_round_trip_stores_values_not_labels(tmp_path):
    s = WindowSettings(
        analysis=AnalysisSettings(n_fft=8192, hop=1000, window="kaiser", window_param=5.5, zero_pad=4, channel=1),
        display=DisplaySettings(scale="log", f_min_hz=30.0, f_max_hz=12000.0, floor_db=-100.0, ceiling_db=-10.0,
                                colormap="contrast", span_s=30.0, decay_db_per_s=5.0),
        input=InputSettings(device="pulse", fs_hz=44100.0))
    store = _store(tmp_path)
    save_settings(store, s)
    store.sync()
    text = (tmp_path / "s.ini").read_text()
    assert "[analysis]" in text and "[display]" in text and "[input]" in text
    assert "overlap=0.75" in text and "%" not in text  # a number, not "75 %"
    assert "window_param=5.5" in text and "hop=1000" in text
    again = load_settings(_store(tmp_path))
    assert again == s
    cfg = again.analysis.stft_config(44100.0)
    assert (cfg.n_fft, cfg.hop, cfg.window, cfg.zero_pad) == (8192, 1000, "kaiser:5.5", 4)


def test_none_fields_are_not_stored_and_a_later_none_clears_them(tmp_path):
    store = _store(tmp_path)
    save_settings(store, WindowSettings(analysis=AnalysisSettings(hop=100)))
    save_settings(store, WindowSettings(analysis=AnalysisSettings(overlap=0.875)))
    store.sync()
    a = load_settings(_store(tmp_path)).analysis
    assert a.hop is None and a.effective_hop == 256  # 2048 * (1 - 0.875)


@pytest.mark.parametrize(("section", "key", "bad"), [
    ("analysis", "n_fft", "abc"), ("analysis", "overlap", "1.5"), ("display", "floor_db", "10"),
    ("display", "colormap", "rainbow"), ("input", "fs_hz", "-5")])
def test_an_invalid_value_resets_only_its_section(tmp_path, section, key, bad):
    s = WindowSettings(analysis=AnalysisSettings(n_fft=4096), display=DisplaySettings(colormap="magma"),
                       input=InputSettings(device="pulse"))
    store = _store(tmp_path)
    save_settings(store, s)
    store.setValue(f"{section}/{key}", bad)
    got = load_settings(store)
    for name in ("analysis", "display", "input"):
        expected = type(getattr(s, name))() if name == section else getattr(s, name)
        assert getattr(got, name) == expected, name


def test_old_keys_are_ignored_and_clear_restores_defaults(tmp_path):
    store = _store(tmp_path)
    store.setValue("live/n_fft", 8192)
    store.setValue("live/overlap", "87.5 %")
    assert load_settings(store) == WindowSettings()
    save_settings(store, WindowSettings(display=DisplaySettings(span_s=20.0)))
    clear_settings(store)
    assert load_settings(store) == WindowSettings()
    assert WindowSettings().analysis.overlap == 0.75  # the live view's default is the model's
