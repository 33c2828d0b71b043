"""The Settings form (offscreen): it edits the settings model; the Hop field always shows the hop in effect."""

import pytest

from specscope.app.gui.controls import HOP_CHOICE, Controls
from specscope.app.gui.settings import WindowSettings
from specscope.app.model.settings import AnalysisSettings, SettingsError


@pytest.fixture
def controls(qtbot):
    c = Controls()
    qtbot.addWidget(c)
    return c


def _choose(box, data) -> None:
    box.setCurrentIndex(box.findData(data))  # as a user's pick in the combo box does


def test_hop_follows_an_fft_size_picked_in_the_combo_box(controls):
    """Issue 12 #2: after an FFT-size change from the combo box the Hop field kept the old hop."""
    c = controls
    c.set_settings(WindowSettings(analysis=AnalysisSettings(n_fft=1024, overlap=0.875)))
    assert c.hop.value() == 128 and not c.hop.isEnabled()
    groups = []
    c.changed.connect(groups.append)
    _choose(c.n_fft, 8192)
    assert groups == ["stft"]
    assert c.hop.value() == 1024  # 8192 / 8, what the status bar says
    assert c.analysis().effective_hop == 1024 and c.analysis().hop is None
    _choose(c.overlap, 0.5)
    assert c.hop.value() == 4096


def test_explicit_hop_is_kept_and_clamped_to_the_fft_size(controls):
    c = controls
    c.set_settings(WindowSettings(analysis=AnalysisSettings(n_fft=4096, hop=3000)))
    assert c.overlap.currentData() == HOP_CHOICE and c.hop.isEnabled() and c.hop.value() == 3000
    _choose(c.n_fft, 2048)
    assert c.hop.value() == 2048 and c.analysis().hop == 2048


def test_window_parameter_only_for_kaiser_and_gaussian(controls):
    c = controls
    assert c.window.currentData() == "hann" and not c.window_param.isEnabled()
    _choose(c.window, "kaiser")
    assert c.window_param.isEnabled() and c.window_param.value() == pytest.approx(8.6)
    c.window_param.setValue(12.0)
    assert c.analysis().window_spec == "kaiser:12"
    _choose(c.window, "gaussian")
    assert c.window_param.value() == pytest.approx(0.4) and c.analysis().window_spec == "gaussian:0.4"
    label = c._analysis_form.labelForField(c.window_param).text()
    assert "σ" in label
    _choose(c.window, "blackman")
    assert not c.window_param.isEnabled() and c.analysis().window_param is None


def test_overlap_choices_are_numbers_and_the_form_round_trips(controls):
    c = controls
    assert [c.overlap.itemData(i) for i in range(c.overlap.count())] == [0.5, 0.75, 0.875, 0.9375, HOP_CHOICE]
    assert c.overlap.itemText(2) == "87.5 %"
    s = WindowSettings(analysis=AnalysisSettings(n_fft=512, overlap=0.9375, window="kaiser", window_param=3.0,
                                                 zero_pad=2))
    c.set_settings(s)
    assert c.settings() == s
    c.floor.setValue(10.0)  # above the ceiling (0 dBFS)
    with pytest.raises(SettingsError, match="dB floor"):
        c.settings()
