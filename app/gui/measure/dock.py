"""The measurement dock: controls, band view, averaged peak and calibration, fed with the live frames.

Thread: the Qt GUI thread.  Frames arrive by the window's queued frames signal
(:meth:`MeasurementDock.on_frames`, about 50 µs of numpy per frame: power,
weighting, band sums and averages, see ``benchmarks/bench_measure_live.py``);
the views are redrawn on a 10 Hz timer when something new arrived.

The spectrum panel beside the spectrogram shows what :meth:`panel_spectrum`
returns: the frame itself when averaging is off and nothing is weighted (its
peak then keeps the exact sub-bin estimator), otherwise the averaged,
weighted spectrum and its peak, as dBFS data.  Every view shows levels in the
unit one :class:`~specscope.app.model.level_display.LevelDisplay` decides
(:meth:`MeasurementDock.level_display`): the panel's axis, peak label and
readout, the spectrogram's colour bar and readout (raw frames: unweighted),
the band view and the peak line all read dB SPL once the input is calibrated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt6.QtCore import QSettings, Qt, QTimer
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMessageBox, QVBoxLayout, QWidget

from specscope.app.logs import log, one_line
from specscope.app.model.level_display import LevelDisplay
from specscope.app.model.measurement import LiveMeasurement, MeasurementSettings, SpectrumPeak
from specscope.dsp.calibration import MicResponse, load_mic_response

from ..commands import command
from .band_view import BandView
from .calibration import CalibrateDialog, CalibrationStore
from .controls import MeasurementControls

REFRESH_MS = 100
RESET_SHORTCUT = command("measure.reset").shortcut


class MeasurementDock(QDockWidget):
    """The "Measurement" dock (see the module docstring).

    Parameters
    ----------
    store : QSettings
        Where the settings, calibrations and response paths persist.
    window : QMainWindow, optional
        The main window: its pipeline names the input, its spectrogram's pause stops the measurement,
        and the reset shortcut is added to it.
    """

    def __init__(self, store: QSettings, window=None) -> None:
        super().__init__("Measurement", window)
        self.setObjectName("measurementDock")
        self.window_ = window
        self.calibrations = CalibrationStore(store)
        self.controls = MeasurementControls()
        self.band_view = BandView()
        self.band_view.setMinimumSize(320, 220)
        self.peak_label = QLabel("Peak: –")
        self.peak_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout = QLabel(" ")
        self.readout.setWordWrap(True)
        self.band_view.readout.connect(lambda text: self.readout.setText(text or " "))
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.controls, 0)
        lay.addWidget(self.band_view, 1)
        lay.addWidget(self.peak_label)
        lay.addWidget(self.readout)
        self.setWidget(body)

        self.device = ""
        self.fs_hz = 0.0
        self.response: MicResponse | None = None
        self.response_path = ""
        self.dialog: CalibrateDialog | None = None
        self.error_dialog: QMessageBox | None = None
        settings = self.calibrations.load_settings()
        self.controls.set_settings(settings)
        self.measurement = LiveMeasurement(settings)
        self._dirty = False
        self._panel_cache: tuple | None = None
        self.controls.changed.connect(self.set_settings)
        self.controls.reset_button.clicked.connect(self.reset)
        self.controls.calibrate_button.clicked.connect(self.calibrate)
        self.controls.clear_button.clicked.connect(self.clear_calibration)
        self.controls.mic_button.clicked.connect(lambda: self.load_mic_response())
        self.controls.mic_clear.clicked.connect(lambda: self.set_mic_response(None, ""))
        self.reset_action = QAction("Reset averages (R)", self)
        self.reset_action.setShortcut(QKeySequence(RESET_SHORTCUT))
        self.reset_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.reset_action.setToolTip("Restart the spectrum averages, holds and band peak markers")
        self.reset_action.triggered.connect(self.reset)
        (window if window is not None else self).addAction(self.reset_action)
        self._show_calibration()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)

    # --- input identity and settings ------------------------------------------
    def _part(self, name: str):
        """The window's `name` (spectrum, spectrogram, pipeline), or its live tab's / live session's."""
        w = self.window_
        for owner in (w, getattr(w, "live", None), getattr(w, "session", None)):
            part = getattr(owner, name, None) if owner is not None else None
            if part is not None:
                return part
        return None

    def _input_name(self) -> str:
        source = getattr(self._part("pipeline"), "source", None)
        if source is not None and getattr(source, "name", None):
            return str(source.name)
        return self.device

    def set_input(self, device: str, fs_hz: float) -> None:
        """The input now measured: loads its calibration and response file, resets the averages."""
        self.device, self.fs_hz = device, float(fs_hz)
        offset = self.calibrations.offset_db(device, fs_hz)
        path = self.calibrations.mic_response_path(device)
        response = None
        if path:
            try:
                response = load_mic_response(path)
            except (OSError, ValueError) as err:
                log.info("mic response %s not loaded: %s", path, err)
                path = ""
        self.response, self.response_path = response, path
        self._apply(self.controls.settings().replace(offset_db=offset))

    def set_settings(self, settings: MeasurementSettings) -> None:
        """New settings from the controls (the calibration offset stays this input's)."""
        self._apply(settings.replace(offset_db=self.measurement.settings.offset_db))
        self.calibrations.save_settings(settings)

    def _apply(self, settings: MeasurementSettings) -> None:
        self.controls.set_settings(settings)
        self.measurement.set_settings(settings, self.response)
        self._panel_cache = None
        self._dirty = True
        self._show_calibration()
        for name, weighted in (("spectrum", True), ("spectrogram", False)):
            view = self._part(name)
            if view is not None and hasattr(view, "set_level_display"):
                view.set_level_display(self.level_display(weighted))

    def level_display(self, weighted: bool = True) -> LevelDisplay:
        """How levels are shown now: of the weighted spectrum (True) or of the raw frames (the spectrogram)."""
        return LevelDisplay.of(self.measurement.settings, weighted)

    def _show_calibration(self) -> None:
        s = self.measurement.settings
        where = f"{self.device or 'default input'} at {self.fs_hz:g} Hz" if self.fs_hz else "this input"
        if s.calibrated:
            ref = self.calibrations.reference_db_spl(self.device, self.fs_hz)
            ref_text = f", calibrator {ref:g} dB SPL" if ref is not None else ""
            text = f"dB SPL: offset {s.offset_db:.2f} dB ({where}{ref_text})"
        else:
            text = f"uncalibrated: levels in dBFS ({where})"
        self.controls.set_calibration_text(text, s.calibrated)
        self.controls.mic_label.setText(Path(self.response_path).name if self.response is not None
                                        else "flat (none loaded)")
        self.controls.mic_clear.setEnabled(self.response is not None)

    def reset(self) -> None:
        """Restart the averages, holds and peak markers."""
        self.measurement.reset()
        self._panel_cache = None
        self._dirty = True

    # --- frames ----------------------------------------------------------------
    def on_frames(self, frames: list) -> None:
        """Frames from the pipeline (queued to the GUI thread); skipped while the window is paused."""
        if not frames:
            return
        spectrogram = self._part("spectrogram")
        if spectrogram is not None and getattr(spectrogram, "paused", False):
            return
        fs_hz = frames[-1].cfg.fs_hz
        name = self._input_name()
        if name != self.device or fs_hz != self.fs_hz:
            self.set_input(name, fs_hz)
        self.measurement.push(frames)
        if self.dialog is not None:
            self.dialog.feed(frames)
        self._dirty = True

    def refresh(self) -> None:
        """Redraw the band view and the peak line if new frames arrived (the 10 Hz timer)."""
        if not self._dirty:
            return
        self._dirty = False
        snap = self._snapshot()
        self.band_view.show_snapshot(snap)
        if snap is None or snap.peak is None:
            self.peak_label.setText("Peak: –")
        else:
            self.peak_label.setText(f"Peak (averaged): {snap.peak.freq_hz:.1f} Hz, "
                                    f"{snap.peak.level_dbfs:.1f} {snap.unit}")

    def panel_spectrum(self, db: np.ndarray, peak):
        """What the spectrum panel shows for the latest frame `db` (dBFS) and its `peak`.

        Returns
        -------
        (numpy.ndarray, peak)
            The frame itself when averaging is off and nothing is weighted or corrected; otherwise the
            averaged, weighted spectrum in dBFS (float32, read-only) and its peak (:class:`SpectrumPeak`).
        """
        s = self.measurement.settings
        if s.averaging == "none" and s.weighting == "Z" and self.response is None:
            return db, peak
        snap = self._snapshot()
        if snap is None or snap.spectrum_db.shape != db.shape:
            return db, peak
        if self._panel_cache is None or self._panel_cache[0] is not snap:
            avg = snap.spectrum_db - np.float32(snap.offset_db) if snap.offset_db else snap.spectrum_db
            avg.flags.writeable = False
            p = snap.peak
            if p is not None and snap.offset_db:
                p = SpectrumPeak(p.freq_hz, p.level_dbfs - snap.offset_db, p.bin)
            self._panel_cache = (snap, avg, p)
        return self._panel_cache[1], self._panel_cache[2]

    def panel_frame(self, db: np.ndarray) -> np.ndarray:
        """A frame of the paused history (dBFS) as the spectrum panel shows it: weighted and corrected like
        the averaged spectrum (an axis that says dBFS(A) shows A-weighted levels), not averaged."""
        s, cfg = self.measurement.settings, self.measurement.cfg
        if (s.weighting == "Z" and self.response is None) or cfg is None or db.shape != (cfg.n_freqs,):
            return db
        return self.measurement.weighted_frame_db(db, cfg)

    def _snapshot(self):
        """The measurement's snapshot, its peak searched in the frequency range the spectrum panel displays."""
        panel = self._part("spectrum")
        shown = panel.shown_range_hz() if panel is not None and hasattr(panel, "shown_range_hz") else None
        if shown is not None:
            self.measurement.set_peak_range(*shown)
        return self.measurement.snapshot()

    # --- calibration ---------------------------------------------------------------
    def calibrate(self) -> CalibrateDialog:
        """Open the "Calibrate…" dialog (non-modal: frames keep arriving while it measures)."""
        self.dialog = CalibrateDialog(self.device, self.fs_hz, self.response, parent=self)
        self.dialog.accepted.connect(self._on_calibrated)
        self.dialog.finished.connect(self._on_dialog_closed)
        self.dialog.show()
        return self.dialog

    def _on_calibrated(self) -> None:
        d = self.dialog
        if d is None or d.offset_db is None:
            return
        self.calibrations.set_offset(self.device, self.fs_hz, d.offset_db, d.reference.value())
        self._apply(self.measurement.settings.replace(offset_db=d.offset_db))

    def _on_dialog_closed(self, _result: int) -> None:
        self.dialog = None

    def clear_calibration(self) -> None:
        """Forget this input's offset: levels in dBFS."""
        self.calibrations.clear(self.device, self.fs_hz)
        self._apply(self.measurement.settings.replace(offset_db=None))

    def load_mic_response(self, path: str | None = None) -> bool:
        """Load a response file (asks for one when `path` is None); a bad file gets a one-line dialog."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Microphone response file", "",
                                                  "Response files (*.txt *.frd *.cal *.csv);;All files (*)")
            if not path:
                return False
        try:
            response = load_mic_response(path)
        except (OSError, ValueError) as err:
            text = one_line(err) if isinstance(err, OSError) else str(err)
            self.error_dialog = QMessageBox(QMessageBox.Icon.Warning, "Microphone response", text,
                                            QMessageBox.StandardButton.Ok, self)
            self.error_dialog.open()
            return False
        self.set_mic_response(response, str(path))
        return True

    def set_mic_response(self, response: MicResponse | None, path: str) -> None:
        """Use `response` (None: a flat microphone) for this input, and remember its file."""
        self.response, self.response_path = response, path if response is not None else ""
        self.calibrations.set_mic_response_path(self.device, self.response_path)
        self._apply(self.measurement.settings)
