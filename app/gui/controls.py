"""The live view's control panel: source, analysis and display settings.

Thread: the Qt GUI thread.

The panel edits a :class:`~specscope.app.gui.settings.LiveSettings` and emits
``changed(group)`` naming what changed, so the window applies only that:
``source`` (device, sample rate, channel: the input is reopened), ``stft``
(FFT size, window, overlap or hop, zero padding: applied to the running
pipeline), ``view`` (scale, frequency range), ``levels``, ``colormap``,
``span`` and ``decay``.
"""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from specscope.dsp.config import ZERO_PAD_CHOICES
from specscope.dsp.freq_scales import SCALE_NAMES

from .colormaps import COLORMAP_NAMES
from .settings import FFT_SIZES, HOP_CHOICE, OVERLAP_DIVISORS, SAMPLE_RATES_HZ, LiveSettings, window_choices


def _combo(items: list[tuple[str, object]]) -> QComboBox:
    box = QComboBox()
    for text, data in items:
        box.addItem(text, data)
    return box


def _select(box: QComboBox, data: object) -> None:
    i = box.findData(data)
    if i < 0:
        box.addItem(str(data), data)
        i = box.count() - 1
    box.setCurrentIndex(i)


class Controls(QWidget):
    """Form of every live setting.

    Signals
    -------
    changed(str)
        The group that changed: source, stft, view, levels, colormap, span, decay.
    """

    changed = pyqtSignal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._updating = False
        self.device = QComboBox()
        self.fs = _combo([("device default", 0.0)] + [(f"{r:g} Hz", float(r)) for r in SAMPLE_RATES_HZ])
        self.channel = _combo([("mix", "mix")] + [(f"channel {i + 1}", str(i)) for i in range(8)])
        self.n_fft = _combo([(str(n), n) for n in FFT_SIZES])
        self.window = _combo([(w, w) for w in window_choices()])
        self.overlap = _combo([(k, k) for k in OVERLAP_DIVISORS] + [("hop (samples)", HOP_CHOICE)])
        self.hop = QSpinBox()
        self.hop.setRange(1, max(FFT_SIZES))
        self.hop.setSuffix(" samples")
        self.zero_pad = _combo([(f"{z}x", z) for z in ZERO_PAD_CHOICES])
        self.scale = _combo([(s, s) for s in SCALE_NAMES])
        self.f_min = self._spin(0.0, 1e6, 1.0, " Hz", 1)
        self.f_max = self._spin(0.0, 1e6, 100.0, " Hz", 1)
        self.f_max.setSpecialValueText("Nyquist")
        self.floor = self._spin(-200.0, 50.0, 5.0, " dBFS", 1)
        self.ceiling = self._spin(-200.0, 50.0, 5.0, " dBFS", 1)
        self.colormap = _combo([(c, c) for c in COLORMAP_NAMES])
        self.span = self._spin(1.0, 60.0, 1.0, " s", 1)
        self.decay = self._spin(0.0, 200.0, 5.0, " dB/s", 1)

        source = QGroupBox("Input")
        f = QFormLayout(source)
        f.addRow("Device", self.device)
        f.addRow("Sample rate", self.fs)
        f.addRow("Channel", self.channel)
        analysis = QGroupBox("Analysis")
        f = QFormLayout(analysis)
        f.addRow("FFT size N", self.n_fft)
        f.addRow("Window", self.window)
        f.addRow("Overlap", self.overlap)
        f.addRow("Hop", self.hop)
        f.addRow("Zero padding", self.zero_pad)
        display = QGroupBox("Display")
        f = QFormLayout(display)
        f.addRow("Scale", self.scale)
        f.addRow("Min frequency", self.f_min)
        f.addRow("Max frequency", self.f_max)
        f.addRow("dB floor", self.floor)
        f.addRow("dB ceiling", self.ceiling)
        f.addRow("Colour map", self.colormap)
        f.addRow("Time span", self.span)
        f.addRow("Peak-hold decay", self.decay)
        layout = QVBoxLayout(self)
        for box in (source, analysis, display):
            layout.addWidget(box)
        layout.addStretch(1)

        groups = {
            "source": (self.device, self.fs, self.channel),
            "stft": (self.n_fft, self.window, self.overlap, self.hop, self.zero_pad),
            "view": (self.scale, self.f_min, self.f_max),
            "levels": (self.floor, self.ceiling),
            "colormap": (self.colormap,),
            "span": (self.span,),
            "decay": (self.decay,),
        }
        for group, widgets in groups.items():
            for w in widgets:
                signal = w.currentIndexChanged if isinstance(w, QComboBox) else w.editingFinished
                signal.connect(lambda *_, g=group: self._emit(g))
        self.overlap.currentIndexChanged.connect(self._sync_hop_enabled)

    @staticmethod
    def _spin(lo: float, hi: float, step: float, suffix: str, decimals: int) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setSuffix(suffix)
        box.setDecimals(decimals)
        box.setKeyboardTracking(False)
        return box

    def _emit(self, group: str) -> None:
        if not self._updating:
            self.changed.emit(group)

    def _sync_hop_enabled(self) -> None:
        self.hop.setEnabled(self.overlap.currentData() == HOP_CHOICE)

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """Fill the device list with ``(label, value)`` pairs; value ``''`` is the system default."""
        self._updating = True
        current = self.device.currentData()
        self.device.clear()
        self.device.addItem("system default", "")
        for label, value in devices:
            self.device.addItem(label, value)
        if current is not None:
            _select(self.device, current)
        self._updating = False

    def set_channel_count(self, n_channels: int) -> None:
        """Offer ``mix`` and channels 1..n_channels (the open input's), keeping the selection if it still exists."""
        self._updating = True
        try:
            current = self.channel.currentData()
            self.channel.clear()
            self.channel.addItem("mix", "mix")
            for i in range(max(1, int(n_channels))):
                self.channel.addItem(f"channel {i + 1}", str(i))
            i = self.channel.findData(current)
            self.channel.setCurrentIndex(max(0, i))
        finally:
            self._updating = False

    def set_settings(self, s: LiveSettings) -> None:
        """Show `s` without emitting ``changed``."""
        self._updating = True
        try:
            _select(self.device, s.device)
            _select(self.fs, float(s.fs_hz))
            _select(self.channel, s.channel)
            _select(self.n_fft, int(s.n_fft))
            _select(self.window, s.window)
            _select(self.overlap, s.overlap)
            self.hop.setValue(int(s.effective_hop()))
            _select(self.zero_pad, int(s.zero_pad))
            _select(self.scale, s.scale)
            self.f_min.setValue(s.f_min_hz)
            self.f_max.setValue(s.f_max_hz)
            self.floor.setValue(s.floor_db)
            self.ceiling.setValue(s.ceiling_db)
            _select(self.colormap, s.colormap)
            self.span.setValue(s.span_s)
            self.decay.setValue(s.decay_db_per_s)
            self._sync_hop_enabled()
        finally:
            self._updating = False

    def settings(self) -> LiveSettings:
        """The settings the form shows."""
        return LiveSettings(
            device=str(self.device.currentData() or ""),
            fs_hz=float(self.fs.currentData()),
            channel=str(self.channel.currentData()),
            n_fft=int(self.n_fft.currentData()),
            overlap=str(self.overlap.currentData()),
            hop=int(self.hop.value()),
            window=str(self.window.currentData()),
            zero_pad=int(self.zero_pad.currentData()),
            scale=str(self.scale.currentData()),
            f_min_hz=float(self.f_min.value()),
            f_max_hz=float(self.f_max.value()),
            floor_db=float(self.floor.value()),
            ceiling_db=float(self.ceiling.value()),
            colormap=str(self.colormap.currentData()),
            span_s=float(self.span.value()),
            decay_db_per_s=float(self.decay.value()),
        )
