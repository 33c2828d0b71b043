"""The measurement controls: averaging mode and its parameters, weighting, bands, reset, calibration.

Thread: the Qt GUI thread.

The widget edits a :class:`~specscope.app.model.measurement.MeasurementSettings`
(:meth:`MeasurementControls.settings` / :meth:`set_settings`) and emits
:attr:`changed` with the new settings; only the parameters of the chosen
averaging mode are shown.  The calibration line says whether levels are in
dB SPL (and with which offset) or dBFS; its buttons are wired by the dock.
"""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from specscope.app.model.measurement import BAND_FRACTIONS, MODE_LABELS, TAU_PRESETS_S, MeasurementSettings
from specscope.dsp.averaging import MODES

BAND_LABELS = {0: "Off", 1: "1/1 octave", 3: "1/3 octave", 6: "1/6 octave", 12: "1/12 octave", 24: "1/24 octave"}
WEIGHTING_LABELS = {"Z": "Z (none)", "A": "A", "C": "C"}
CUSTOM_TAU = "custom"


def _spin(lo: float, hi: float, decimals: int, suffix: str, step: float) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSuffix(suffix)
    s.setSingleStep(step)
    s.setKeyboardTracking(False)
    return s


class MeasurementControls(QWidget):
    """Averaging, weighting and band controls; emits :attr:`changed` (MeasurementSettings)."""

    changed = pyqtSignal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._offset_db: float | None = None
        self._updating = False
        form = QFormLayout(self)
        form.setContentsMargins(4, 4, 4, 4)
        self.mode = QComboBox()
        for m in MODES:
            self.mode.addItem(MODE_LABELS[m], m)
        self.mode.setToolTip("Averages are taken on power, never on dB")
        form.addRow("Averaging", self.mode)
        self.tau_preset = QComboBox()
        for name, tau in TAU_PRESETS_S.items():
            self.tau_preset.addItem(f"{name} ({tau:g} s)", tau)
        self.tau_preset.addItem("Custom", CUSTOM_TAU)
        self.tau = _spin(0.001, 1000.0, 3, " s", 0.125)
        self.tau.setToolTip("Exponential time constant τ: the average follows a step to 1 − 1/e in τ")
        tau_row = QHBoxLayout()
        tau_row.addWidget(self.tau_preset)
        tau_row.addWidget(self.tau)
        self.tau_label = QLabel("Time constant")
        form.addRow(self.tau_label, tau_row)
        self.linear_by = QComboBox()
        self.linear_by.addItem("frames", "frames")
        self.linear_by.addItem("seconds", "seconds")
        self.linear_n = QSpinBox()
        self.linear_n.setRange(1, 100_000)
        self.linear_n.setKeyboardTracking(False)
        self.linear_s = _spin(0.001, 3600.0, 3, " s", 0.5)
        lin_row = QHBoxLayout()
        lin_row.addWidget(self.linear_n)
        lin_row.addWidget(self.linear_s)
        lin_row.addWidget(self.linear_by)
        self.linear_label = QLabel("Average of the last")
        form.addRow(self.linear_label, lin_row)
        self.decay = _spin(0.0, 1000.0, 1, " dB/s", 1.0)
        self.decay.setToolTip("Peak hold: how fast the held spectrum falls (0 holds until Reset)")
        self.decay_label = QLabel("Hold decay")
        form.addRow(self.decay_label, self.decay)
        self.weighting = QComboBox()
        for w, label in WEIGHTING_LABELS.items():
            self.weighting.addItem(label, w)
        self.weighting.setToolTip("IEC 61672-1 frequency weighting of the spectrum, bands and levels")
        form.addRow("Weighting", self.weighting)
        self.fraction = QComboBox()
        for b in BAND_FRACTIONS:
            self.fraction.addItem(BAND_LABELS[b], b)
        form.addRow("Bands", self.fraction)
        self.band_decay = _spin(0.0, 1000.0, 1, " dB/s", 1.0)
        self.band_decay.setToolTip("How fast the bands' peak markers fall (0 holds until Reset)")
        form.addRow("Band peak fall", self.band_decay)
        self.reset_button = QPushButton("Reset (R)")
        self.reset_button.setToolTip("Restart the averages, holds and peak markers (shortcut R)")
        form.addRow(self.reset_button)
        self.calibration_label = QLabel()
        self.calibration_label.setWordWrap(True)
        form.addRow("Calibration", self.calibration_label)
        self.calibrate_button = QPushButton("Calibrate…")
        self.calibrate_button.setToolTip("Measure a 94 / 114 dB SPL calibrator at 1 kHz: levels become dB SPL")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Forget this input's calibration: levels in dBFS again")
        cal_row = QHBoxLayout()
        cal_row.addWidget(self.calibrate_button)
        cal_row.addWidget(self.clear_button)
        form.addRow(cal_row)
        self.mic_label = QLabel("flat (none loaded)")
        self.mic_label.setWordWrap(True)
        form.addRow("Mic response", self.mic_label)
        self.mic_button = QPushButton("Load…")
        self.mic_button.setToolTip("A two-column response file (frequency Hz, dB) as microphone vendors ship them")
        self.mic_clear = QPushButton("Remove")
        mic_row = QHBoxLayout()
        mic_row.addWidget(self.mic_button)
        mic_row.addWidget(self.mic_clear)
        form.addRow(mic_row)
        self.set_settings(MeasurementSettings())
        for combo in (self.mode, self.linear_by, self.weighting, self.fraction):
            combo.currentIndexChanged.connect(self._emit)
        self.tau_preset.currentIndexChanged.connect(self._on_tau_preset)
        for spin in (self.tau, self.linear_n, self.linear_s, self.decay, self.band_decay):
            spin.valueChanged.connect(self._emit)

    # --- model <-> widgets ---------------------------------------------------
    def settings(self) -> MeasurementSettings:
        """The settings the widgets show (the calibration offset as last set)."""
        return MeasurementSettings(
            averaging=self.mode.currentData(), tau_s=self.tau.value(), linear_by=self.linear_by.currentData(),
            linear_n_frames=self.linear_n.value(), linear_s=self.linear_s.value(),
            decay_db_per_s=self.decay.value(), weighting=self.weighting.currentData(),
            fraction=self.fraction.currentData(), band_hold_decay_db_per_s=self.band_decay.value(),
            offset_db=self._offset_db,
        )

    def set_settings(self, s: MeasurementSettings) -> None:
        """Show `s` (emits nothing)."""
        self._updating = True
        try:
            self.mode.setCurrentIndex(self.mode.findData(s.averaging))
            self.tau.setValue(s.tau_s)
            self._sync_tau_preset()
            self.linear_by.setCurrentIndex(self.linear_by.findData(s.linear_by))
            self.linear_n.setValue(s.linear_n_frames)
            self.linear_s.setValue(s.linear_s)
            self.decay.setValue(s.decay_db_per_s)
            self.weighting.setCurrentIndex(self.weighting.findData(s.weighting))
            self.fraction.setCurrentIndex(self.fraction.findData(s.fraction))
            self.band_decay.setValue(s.band_hold_decay_db_per_s)
            self._offset_db = s.offset_db
        finally:
            self._updating = False
        self._show_mode_rows()

    def set_calibration_text(self, text: str, calibrated: bool) -> None:
        """The indicator: green when levels are dB SPL."""
        self.calibration_label.setText(text)
        self.calibration_label.setStyleSheet("QLabel { color: #7fdc7f; font-weight: bold; }" if calibrated else "")
        self.clear_button.setEnabled(calibrated)

    def _show_mode_rows(self) -> None:
        mode = self.mode.currentData()
        for widgets, visible in (((self.tau_label, self.tau_preset, self.tau), mode == "exponential"),
                                 ((self.linear_label, self.linear_n, self.linear_s, self.linear_by),
                                  mode == "linear"),
                                 ((self.decay_label, self.decay), mode == "peak_hold")):
            for w in widgets:
                w.setVisible(visible)
        if mode == "linear":
            by_frames = self.linear_by.currentData() == "frames"
            self.linear_n.setVisible(by_frames)
            self.linear_s.setVisible(not by_frames)

    def _sync_tau_preset(self) -> None:
        index = next((i for i in range(self.tau_preset.count() - 1)
                      if abs(self.tau_preset.itemData(i) - self.tau.value()) < 1e-9), self.tau_preset.count() - 1)
        self.tau_preset.blockSignals(True)
        self.tau_preset.setCurrentIndex(index)
        self.tau_preset.blockSignals(False)

    def _on_tau_preset(self, index: int) -> None:
        tau = self.tau_preset.itemData(index)
        if tau != CUSTOM_TAU:
            self.tau.setValue(tau)  # emits through valueChanged

    def _emit(self, *_args) -> None:
        if self._updating:
            return
        self._show_mode_rows()
        self._sync_tau_preset()
        self.changed.emit(self.settings())
