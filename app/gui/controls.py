"""The Settings dock's form: input, analysis and display settings.

Thread: the Qt GUI thread.

The form shows a :class:`~specscope.app.gui.settings.WindowSettings` (the
models of :mod:`specscope.app.model.settings`) and builds a new one from what
it shows; it emits ``changed(group)`` naming what changed, so the window
applies only that: ``source`` (device, sample rate, channel: the input is
reopened), ``stft`` (FFT size, window and its parameter, overlap or hop, zero
padding: applied to the running pipeline), ``view`` (scale, frequency range),
``levels``, ``colormap``, ``span`` and ``decay``.

The Hop field always shows the hop in effect: with an overlap choice it
follows the FFT size and the overlap as soon as either changes; with "hop
(samples)" it is the value typed, clamped to the FFT size.  The window
parameter field (Kaiser β, Gaussian σ as a fraction of N) is enabled only for
those two windows.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from specscope.app.model.settings import (
    COLORMAP_NAMES,
    DEFAULT_WINDOW_PARAMS,
    FFT_SIZES,
    OVERLAP_CHOICES,
    SAMPLE_RATES_HZ,
    SPAN_RANGE_S,
    WINDOW_FAMILIES,
    WINDOW_PARAM_RANGES,
    AnalysisSettings,
    DisplaySettings,
    InputSettings,
)
from specscope.dsp.config import ZERO_PAD_CHOICES
from specscope.dsp.freq_scales import SCALE_NAMES

from .settings import WindowSettings

HOP_CHOICE = "hop"
"""Overlap box entry meaning: use the Hop field's samples as given."""
PARAM_LABELS = {"kaiser": "Kaiser β", "gaussian": "Gauss σ (× N)"}
NO_PARAM_LABEL = "Parameter"
COMBO_MIN_CHARS = 8
"""Combo boxes ask for room for this many characters, not their longest entry (a long device name
must not make the dock wider than a small screen allows)."""
DOCK_MIN_WIDTH_PX = 240
"""The Settings dock's narrowest width: below what the form needs, the form scrolls instead of cutting labels."""


def settings_dock(controls: QWidget, parent: QWidget) -> QDockWidget:
    """The "Settings" dock: `controls` in a scroll area (both directions, as needed), never narrower than
    :data:`DOCK_MIN_WIDTH_PX`."""
    scroll = QScrollArea()
    scroll.setWidget(controls)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    dock = QDockWidget("Settings", parent)
    dock.setObjectName("settingsDock")
    dock.setWidget(scroll)
    dock.setMinimumWidth(DOCK_MIN_WIDTH_PX)
    return dock


def overlap_label(fraction: float) -> str:
    """``0.875`` -> ``"87.5 %"`` (the label only; the value stored is the fraction)."""
    return f"{100.0 * fraction:g} %"


def _combo(items: list[tuple[str, object]]) -> QComboBox:
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(COMBO_MIN_CHARS)
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    for text, data in items:
        box.addItem(text, data)
    return box


def _select(box: QComboBox, data: object, label: str | None = None) -> None:
    i = box.findData(data)
    if i < 0:
        box.addItem(label if label is not None else str(data), data)
        i = box.count() - 1
    box.setCurrentIndex(i)


class Controls(QWidget):
    """Form of every setting of the window.

    Signals
    -------
    changed(str)
        The group that changed: source, stft, view, levels, colormap, span, decay.
    """

    changed = pyqtSignal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._updating = False
        self.device = _combo([])
        self.fs = _combo([("device default", 0.0)] + [(f"{r:g} Hz", float(r)) for r in SAMPLE_RATES_HZ])
        self.channel = _combo([("mix", "mix")] + [(f"channel {i + 1}", i) for i in range(8)])
        self.n_fft = _combo([(str(n), n) for n in FFT_SIZES])
        self.window = _combo([(w, w) for w in WINDOW_FAMILIES])
        self.window_param = self._spin(0.0, 50.0, 0.1, "", 3)
        self.overlap = _combo([(overlap_label(o), o) for o in OVERLAP_CHOICES] + [("hop (samples)", HOP_CHOICE)])
        self.hop = QSpinBox()
        self.hop.setRange(1, max(FFT_SIZES))
        self.hop.setSuffix(" samples")
        self.hop.setKeyboardTracking(False)
        self.zero_pad = _combo([(f"{z}x", z) for z in ZERO_PAD_CHOICES])
        self.scale = _combo([(s, s) for s in SCALE_NAMES])
        self.f_min = self._spin(0.0, 1e6, 1.0, " Hz", 1)
        self.f_max = self._spin(0.0, 1e6, 100.0, " Hz", 1)
        self.f_max.setSpecialValueText("Nyquist")
        self.floor = self._spin(-200.0, 50.0, 5.0, " dBFS", 1)
        self.ceiling = self._spin(-200.0, 50.0, 5.0, " dBFS", 1)
        self.colormap = _combo([(c, c) for c in COLORMAP_NAMES])
        self.span = self._spin(*SPAN_RANGE_S, 1.0, " s", 1)
        self.decay = self._spin(0.0, 200.0, 5.0, " dB/s", 1)

        source = QGroupBox("Input")
        f = QFormLayout(source)
        f.addRow("Device", self.device)
        f.addRow("Sample rate", self.fs)
        f.addRow("Channel", self.channel)
        analysis = QGroupBox("Analysis")
        self._analysis_form = f = QFormLayout(analysis)
        f.addRow("FFT size N", self.n_fft)
        f.addRow("Window", self.window)
        f.addRow(NO_PARAM_LABEL, self.window_param)
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
        layout.setContentsMargins(4, 4, 4, 4)
        for box in (source, analysis, display):
            box.layout().setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            box.layout().setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            layout.addWidget(box)
        layout.addStretch(1)

        # Keep the derived fields right before anyone reads the form.
        self.n_fft.currentIndexChanged.connect(self._sync_hop)
        self.overlap.currentIndexChanged.connect(self._sync_hop)
        self.window.currentIndexChanged.connect(self._sync_window_param)
        groups = {
            "source": (self.device, self.fs, self.channel),
            "stft": (self.n_fft, self.window, self.window_param, self.overlap, self.hop, self.zero_pad),
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
        self._shown = WindowSettings()
        self.set_settings(self._shown)

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

    # --- derived fields -------------------------------------------------------
    def _sync_hop(self) -> None:
        """Show the hop in effect for the FFT size and overlap on screen (issue: it went stale)."""
        n = int(self.n_fft.currentData())
        choice = self.overlap.currentData()
        self.hop.setEnabled(choice == HOP_CHOICE)
        was = self._updating
        self._updating = True
        try:
            if choice == HOP_CHOICE:
                self.hop.setValue(min(int(self.hop.value()), n))
            else:
                self.hop.setValue(AnalysisSettings(n_fft=n, overlap=float(choice)).effective_hop)
        finally:
            self._updating = was

    def _sync_window_param(self) -> None:
        """Enable the parameter field for Kaiser and Gaussian only, with that window's range and label."""
        family = str(self.window.currentData())
        label = self._analysis_form.labelForField(self.window_param)
        was = self._updating
        self._updating = True
        try:
            if family in WINDOW_PARAM_RANGES:
                lo, hi = WINDOW_PARAM_RANGES[family]
                shown = self._shown.analysis
                value = shown.window_param if shown.window == family else DEFAULT_WINDOW_PARAMS[family]
                self.window_param.setRange(lo, hi)
                self.window_param.setSingleStep(0.1 if family == "kaiser" else 0.01)
                self.window_param.setSpecialValueText("")
                self.window_param.setValue(float(value))
                self.window_param.setEnabled(True)
                label.setText(PARAM_LABELS[family])
            else:
                self.window_param.setRange(0.0, 0.0)
                self.window_param.setSpecialValueText("—")
                self.window_param.setEnabled(False)
                label.setText(NO_PARAM_LABEL)
        finally:
            self._updating = was

    # --- lists that depend on the input -----------------------------------------
    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """Fill the device list with ``(label, value)`` pairs; value ``''`` is the system default."""
        self._updating = True
        try:
            current = self.device.currentData()
            self.device.clear()
            self.device.addItem("system default", "")
            for label, value in devices:
                self.device.addItem(label, value)
                self.device.setItemData(self.device.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
            _select(self.device, current if current is not None else self._shown.input.device)
        finally:
            self._updating = False

    def set_channel_count(self, n_channels: int) -> None:
        """Offer ``mix`` and channels 1..n_channels (the open input's), keeping the selection if it still exists."""
        self._updating = True
        try:
            current = self.channel.currentData()
            self.channel.clear()
            self.channel.addItem("mix", "mix")
            for i in range(max(1, int(n_channels))):
                self.channel.addItem(f"channel {i + 1}", i)
            self.channel.setCurrentIndex(max(0, self.channel.findData(current)))
        finally:
            self._updating = False

    # --- the model ----------------------------------------------------------------
    def set_settings(self, s: WindowSettings) -> None:
        """Show `s` without emitting ``changed``."""
        self._updating = True
        try:
            self._shown = s
            a, d, i = s.analysis, s.display, s.input
            _select(self.device, i.device)
            _select(self.fs, float(i.fs_hz), f"{i.fs_hz:g} Hz")
            ch = a.channel
            _select(self.channel, ch, "mix" if ch == "mix" else f"channel {int(ch) + 1}")
            _select(self.n_fft, int(a.n_fft))
            _select(self.window, a.window)
            if a.hop is not None:
                _select(self.overlap, HOP_CHOICE)
            else:
                _select(self.overlap, a.overlap, overlap_label(a.overlap))
            self.hop.setValue(int(a.effective_hop))
            _select(self.zero_pad, int(a.zero_pad))
            _select(self.scale, d.scale)
            self.f_min.setValue(d.f_min_hz)
            self.f_max.setValue(d.f_max_hz)
            self.floor.setValue(d.floor_db)
            self.ceiling.setValue(d.ceiling_db)
            _select(self.colormap, d.colormap)
            self.span.setValue(d.span_s)
            self.decay.setValue(d.decay_db_per_s)
            self._sync_window_param()
            self._sync_hop()
        finally:
            self._updating = False

    def analysis(self) -> AnalysisSettings:
        """The analysis settings the form shows.

        Raises
        ------
        SettingsError
            If they are invalid (the message names the field).
        """
        family = str(self.window.currentData())
        choice = self.overlap.currentData()
        n = int(self.n_fft.currentData())
        return AnalysisSettings(
            n_fft=n,
            overlap=self._shown.analysis.overlap if choice == HOP_CHOICE else float(choice),
            hop=min(int(self.hop.value()), n) if choice == HOP_CHOICE else None,
            window=family,
            window_param=float(self.window_param.value()) if family in WINDOW_PARAM_RANGES else None,
            zero_pad=int(self.zero_pad.currentData()),
            channel=self.channel.currentData(),
        )

    def display(self) -> DisplaySettings:
        """The display settings the form shows (raises :class:`SettingsError` if invalid)."""
        return DisplaySettings(
            scale=str(self.scale.currentData()),
            f_min_hz=float(self.f_min.value()),
            f_max_hz=float(self.f_max.value()),
            floor_db=float(self.floor.value()),
            ceiling_db=float(self.ceiling.value()),
            colormap=str(self.colormap.currentData()),
            span_s=float(self.span.value()),
            decay_db_per_s=float(self.decay.value()),
        )

    def input(self) -> InputSettings:
        """The input settings the form shows."""
        return InputSettings(device=str(self.device.currentData() or ""), fs_hz=float(self.fs.currentData()))

    def settings(self) -> WindowSettings:
        """Everything the form shows (raises :class:`SettingsError` if a part is invalid)."""
        return WindowSettings(analysis=self.analysis(), display=self.display(), input=self.input())
