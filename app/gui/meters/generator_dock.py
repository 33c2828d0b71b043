"""The signal-generator dock: kind, frequency, level, sweep, output device and rate, level limit, start/stop.

Thread: the Qt GUI thread; the sound itself comes from a
:class:`~specscope.app.output.generator_stream.GeneratorStream` (PortAudio's
callback thread renders it).  Start opens the stream and fades in; Stop
fades out (a few ms) and closes the device.  When the chosen output device
does not exist (or there is none), every control but the device field is
disabled and the Start button's tooltip says why.
"""

from __future__ import annotations

from PyQt6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from specscope.app.live.devices import DeviceError
from specscope.app.logs import log_bug, one_line
from specscope.app.output.generator_stream import GeneratorStream, list_output_devices, resolve_output_device
from specscope.dsp.generator import KINDS, GeneratorSettings

RATES_HZ = (44100.0, 48000.0, 88200.0, 96000.0)
DEFAULT_DEVICE = "(default output)"


def _spin(lo: float, hi: float, value: float, suffix: str, decimals: int = 1, step: float = 1.0) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setValue(value)
    s.setSuffix(suffix)
    return s


class GeneratorDock(QDockWidget):
    """Test signals to an output device."""

    def __init__(self, parent: QWidget | None = None, device: str | None = None) -> None:
        super().__init__("Signal generator", parent)
        self.setObjectName("generator_dock")
        self.stream: GeneratorStream | None = None
        d = GeneratorSettings()
        body = QWidget()
        form = QFormLayout(body)
        self.kind = QComboBox()
        self.kind.addItems(list(KINDS))
        self.frequency = _spin(1.0, 96000.0, d.frequency_hz, " Hz", 1, 10.0)
        self.level = _spin(-120.0, 0.0, d.level_dbfs, " dBFS")
        self.level.setToolTip("A sine's amplitude; a noise's RMS equals a sine's at this level")
        self.start_hz = _spin(1.0, 96000.0, d.start_hz, " Hz", 1, 10.0)
        self.end_hz = _spin(1.0, 96000.0, d.end_hz, " Hz", 1, 100.0)
        self.sweep_s = _spin(0.1, 3600.0, d.duration_s, " s", 1, 1.0)
        self.limit = _spin(-60.0, 0.0, d.limit_dbfs, " dBFS")
        self.limit.setToolTip("Ceiling: the gain is lowered so that no sample exceeds it")
        self.device = QComboBox()
        self.device.setEditable(True)
        self.device.addItem(DEFAULT_DEVICE)
        for dev in list_output_devices():
            self.device.addItem(dev.name)
        self.rate = QComboBox()
        for r in RATES_HZ:
            self.rate.addItem(f"{r:g} Hz", r)
        self.rate.setCurrentIndex(RATES_HZ.index(48000.0))
        self.button = QPushButton("Start")
        self.button.clicked.connect(self.toggle)
        self.state = QLabel("Stopped")
        for label, w in (("Signal", self.kind), ("Frequency", self.frequency), ("Level", self.level),
                         ("Sweep start", self.start_hz), ("Sweep end", self.end_hz), ("Sweep length", self.sweep_s),
                         ("Limit", self.limit), ("Output", self.device), ("Rate", self.rate)):
            form.addRow(label, w)
        form.addRow(self.button)
        form.addRow(self.state)
        self.setWidget(body)
        self.kind.currentTextChanged.connect(self._enable_fields)
        self.device.currentTextChanged.connect(self.check_device)
        if device is not None:
            self.device.setCurrentText(device)
        self.check_device()

    @property
    def device_spec(self) -> str | None:
        text = self.device.currentText().strip()
        return None if text in ("", DEFAULT_DEVICE) else text

    def check_device(self, *_args) -> bool:
        """Enable the generator if the output device exists; otherwise disable it with the reason as tooltip."""
        try:
            dev = resolve_output_device(self.device_spec)
        except DeviceError as err:
            self.reason = one_line(err)
            ok = False
        else:
            self.reason = ""
            ok = True
            self.device.setToolTip(dev.label())
        for w in (self.kind, self.frequency, self.level, self.start_hz, self.end_hz, self.sweep_s, self.limit,
                  self.rate):
            w.setEnabled(ok)
        self.button.setEnabled(ok or self.stream is not None)
        tip = "Start or stop the test signal (fades in and out)" if ok else f"Generator unavailable: {self.reason}"
        self.button.setToolTip(tip)
        self.setToolTip("" if ok else tip)
        if not ok and self.stream is None:
            self.state.setText(tip)
        elif self.stream is None:
            self.state.setText("Stopped")
        self._enable_fields()
        return ok

    def _enable_fields(self, *_args) -> None:
        if not self.kind.isEnabled():
            return
        kind = self.kind.currentText()
        for w in (self.frequency,):
            w.setEnabled(kind in ("sine", "square"))
        for w in (self.start_hz, self.end_hz, self.sweep_s):
            w.setEnabled(kind == "sweep")
        self.level.setEnabled(kind != "silence")

    def settings(self) -> GeneratorSettings:
        """What the fields describe (ValueError with one line if they do not fit the rate)."""
        return GeneratorSettings(kind=self.kind.currentText(), fs_hz=float(self.rate.currentData()),
                                 frequency_hz=self.frequency.value(), level_dbfs=self.level.value(),
                                 start_hz=self.start_hz.value(), end_hz=self.end_hz.value(),
                                 duration_s=self.sweep_s.value(), limit_dbfs=self.limit.value())

    def toggle(self) -> None:
        if self.stream is None:
            self.start()
        else:
            self.stop()

    def start(self) -> bool:
        """Open the output and play; a refusal is shown in a dialog (one line)."""
        if self.stream is not None or not self.check_device():
            return False
        try:
            stream = GeneratorStream(self.settings(), device=self.device_spec)
            stream.start()
        except (ValueError, DeviceError) as err:
            self._refused(one_line(err))
            return False
        except Exception as err:  # PortAudio's own errors are refusals too; anything else is a bug
            import sounddevice as sd

            self._refused(one_line(err) if isinstance(err, sd.PortAudioError) else log_bug("starting the generator",
                                                                                          err))
            return False
        self.stream = stream
        self.button.setText("Stop")
        self.state.setText(f"Playing {stream.settings.kind} on {stream.device.name} at {stream.settings.fs_hz:g} Hz")
        return True

    def stop(self) -> None:
        """Fade out and close the output."""
        stream, self.stream = self.stream, None
        if stream is not None:
            try:
                stream.stop()
            except Exception as err:  # a device that vanished while playing: it is stopped either way
                self.state.setText(f"Stopping: {one_line(err)}")
        self.button.setText("Start")
        self.check_device()

    def _refused(self, message: str) -> None:
        self.state.setText(message)
        if self.isVisible():
            QMessageBox.warning(self, "Signal generator", message)

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)
