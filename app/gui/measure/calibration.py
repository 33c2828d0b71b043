"""Calibration persistence (QSettings, per input device and sample rate) and the "Calibrate…" dialog.

Thread: the Qt GUI thread.

Keys, under ``measurement/``: ``settings/*`` the :class:`MeasurementSettings`
values (without the offset), ``calibration/<device>@<rate>/offset_db`` and
``.../reference_db_spl`` for each calibrated device, ``mic_response/<device>``
the path of its response file.  ``<device>`` is the device's name with
characters QSettings treats as separators replaced, ``<rate>`` the sample
rate in whole Hz.

The dialog: the user sets the calibrator's level (94 or 114 dB SPL, or any
value) and presses Measure; it averages the live input for
:data:`MEASURE_S` seconds (an infinite average, the mic response applied),
reads the 1/3-octave band at 1 kHz and checks that a tone near 1 kHz
dominates; Accept stores ``offset = reference - measured``.
"""

from __future__ import annotations

import re

from PyQt6.QtCore import QSettings, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from specscope.app.model.measurement import LiveMeasurement, MeasurementSettings
from specscope.app.model.settings import SettingsError
from specscope.dsp.calibration import MicResponse, offset_from_measurement

GROUP = "measurement"
MEASURE_S = 3.0
"""Seconds of input averaged by Measure."""
CALIBRATOR_HZ = 1000.0
TONE_TOLERANCE = 0.05
"""The averaged spectrum's peak must lie within 5 % of 1 kHz."""
MIN_TONE_DBFS = -90.0
"""A calibrator quieter than this (dBFS) is taken for no signal."""
REFERENCES_DB_SPL = (94.0, 114.0)


def device_key(device: str, fs_hz: float) -> str:
    """``'<device>@<rate>'`` with ``/``, ``\\`` and other odd characters replaced by ``_``."""
    name = re.sub(r"[^\w .:()@+-]", "_", device or "default").strip() or "default"
    return f"{name}@{round(fs_hz)}"


class CalibrationStore:
    """Measurement settings and per-device calibrations in a QSettings."""

    def __init__(self, store: QSettings) -> None:
        self.store = store

    def load_settings(self) -> MeasurementSettings:
        """The saved settings (defaults where missing or invalid)."""
        self.store.beginGroup(f"{GROUP}/settings")
        values = {k: self.store.value(k) for k in self.store.childKeys()}
        self.store.endGroup()
        try:
            return MeasurementSettings.from_values(values).replace(offset_db=None)
        except SettingsError:
            return MeasurementSettings()

    def save_settings(self, settings: MeasurementSettings) -> None:
        values = settings.replace(offset_db=None).as_values()
        self.store.beginGroup(f"{GROUP}/settings")
        for k, v in values.items():
            self.store.setValue(k, v)
        self.store.endGroup()

    def offset_db(self, device: str, fs_hz: float) -> float | None:
        """The stored offset of this device and rate (None: uncalibrated)."""
        value = self.store.value(f"{GROUP}/calibration/{device_key(device, fs_hz)}/offset_db")
        try:
            return None if value is None else float(value)
        except (TypeError, ValueError):
            return None

    def reference_db_spl(self, device: str, fs_hz: float) -> float | None:
        value = self.store.value(f"{GROUP}/calibration/{device_key(device, fs_hz)}/reference_db_spl")
        try:
            return None if value is None else float(value)
        except (TypeError, ValueError):
            return None

    def set_offset(self, device: str, fs_hz: float, offset_db: float, reference_db_spl: float) -> None:
        key = f"{GROUP}/calibration/{device_key(device, fs_hz)}"
        self.store.setValue(f"{key}/offset_db", float(offset_db))
        self.store.setValue(f"{key}/reference_db_spl", float(reference_db_spl))
        self.store.sync()

    def clear(self, device: str, fs_hz: float) -> None:
        self.store.remove(f"{GROUP}/calibration/{device_key(device, fs_hz)}")
        self.store.sync()

    def mic_response_path(self, device: str) -> str:
        return str(self.store.value(f"{GROUP}/mic_response/{device_key(device, 0).rsplit('@', 1)[0]}") or "")

    def set_mic_response_path(self, device: str, path: str) -> None:
        key = f"{GROUP}/mic_response/{device_key(device, 0).rsplit('@', 1)[0]}"
        if path:
            self.store.setValue(key, path)
        else:
            self.store.remove(key)
        self.store.sync()


class CalibrateDialog(QDialog):
    """Measure a calibrator tone and derive the offset (see the module docstring).

    The owner feeds live frames with :meth:`feed`; the dialog only listens while measuring.

    Signals
    -------
    measured(float)
        The 1 kHz level in dBFS when a measurement succeeds.
    """

    measured = pyqtSignal(float)

    def __init__(self, device: str, fs_hz: float, response: MicResponse | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Calibrate input")
        self.response = response
        self.measured_dbfs: float | None = None
        self.offset_db: float | None = None
        self._measurement: LiveMeasurement | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"Input: {device or 'default'} at {fs_hz:g} Hz\n"
                             "Put the sound calibrator on the microphone (1 kHz), then press Measure."))
        form = QFormLayout()
        self.preset = QComboBox()
        self.preset.addItems([f"{r:g} dB SPL" for r in REFERENCES_DB_SPL] + ["other"])
        self.reference = QDoubleSpinBox()
        self.reference.setRange(40.0, 160.0)
        self.reference.setDecimals(1)
        self.reference.setSuffix(" dB SPL")
        self.reference.setValue(REFERENCES_DB_SPL[0])
        self.preset.currentIndexChanged.connect(self._on_preset)
        form.addRow("Calibrator level", self.preset)
        form.addRow("", self.reference)
        form.addRow("Frequency", QLabel(f"{CALIBRATOR_HZ:g} Hz (1/3-octave band)"))
        lay.addLayout(form)
        self.measure_button = QPushButton("Measure")
        self.measure_button.clicked.connect(self.start_measuring)
        lay.addWidget(self.measure_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        lay.addWidget(self.progress)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        lay.addWidget(self.result)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Accept")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

    def _on_preset(self, index: int) -> None:
        if index < len(REFERENCES_DB_SPL):
            self.reference.setValue(REFERENCES_DB_SPL[index])

    @property
    def measuring(self) -> bool:
        return self._measurement is not None

    def start_measuring(self) -> None:
        """Start averaging the frames fed from now on."""
        settings = MeasurementSettings(averaging="infinite", weighting="Z", fraction=3)
        self._measurement = LiveMeasurement(settings, self.response)
        self.measured_dbfs = self.offset_db = None
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.measure_button.setEnabled(False)
        self.progress.setValue(0)
        self.result.setText("Measuring…")

    def feed(self, frames: list) -> None:
        """Live frames (GUI thread); ignored unless measuring."""
        m = self._measurement
        if m is None or not frames:
            return
        m.push(frames)
        done_s = m.n_frames * m.cfg.hop_s
        self.progress.setValue(min(100, round(100 * done_s / MEASURE_S)))
        if done_s >= MEASURE_S:
            self._finish(m)

    def _finish(self, m: LiveMeasurement) -> None:
        self._measurement = None
        self.measure_button.setEnabled(True)
        snap = m.snapshot()
        j = snap.band_index(CALIBRATOR_HZ)
        peak = snap.peak
        if j is None or peak is None or abs(peak.freq_hz / CALIBRATOR_HZ - 1) > TONE_TOLERANCE:
            where = "no signal" if peak is None else f"the strongest tone is at {peak.freq_hz:.0f} Hz"
            self.result.setText(f"No 1 kHz calibrator tone found ({where}); check the calibrator and try again.")
            return
        level = float(snap.band_db[j])
        if level < MIN_TONE_DBFS:
            self.result.setText(f"The 1 kHz tone is too quiet ({level:.1f} dBFS); raise the input gain.")
            return
        self.measured_dbfs = level
        self.offset_db = offset_from_measurement(level, self.reference.value())
        self.result.setText(f"1 kHz band: {level:.2f} dBFS → offset {self.offset_db:.2f} dB "
                            f"({self.reference.value():g} dB SPL). Accept to store it for this input.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self.measured.emit(level)
