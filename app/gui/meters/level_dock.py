"""The level-meter dock: bars per channel and the mix, numbers, loudness, weighting, reset.

Threads: :class:`MeterTap` is called by the live pipeline's DSP worker with
every raw block (the pipeline's ``on_block``); it feeds a Qt-free
:class:`~specscope.app.model.levels.LevelsModel` there and leaves the newest
immutable :class:`~specscope.app.model.levels.LevelsSnapshot` in one slot
(newest wins, as python-sounddevice's ``rec_gui`` example does).  Blocks
shorter than 20 ms are gathered first (``GATHER_S``): the meters' cost is
mostly per call, and a device that delivers 256-frame blocks would otherwise
cost three times as much as one that delivers 1024 (see
``benchmarks/bench_levels_live.py``); the display refreshes every 100 ms.  The GUI
thread's timer (10 Hz) reads that slot and paints.  Requests from the GUI
(reset, another weighting or calibration) are flags the worker picks up
before its next block; nothing is shared under a lock.

The dock follows the window's pipeline: the timer looks at
``window.pipeline`` and, when it changes (a device reopened, a file watched
as live), moves the tap to the new one.  With :attr:`LevelMeterDock.calibration_for`
(the Measurement dock's per-device store, keyed by the input's name and rate)
the timer also picks up the input's calibration, so a calibrated input's RMS
and Leq read dB SPL, labelled so on the scale and in the numbers' headers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from specscope.app.logs import log_bug
from specscope.app.model.level_display import LevelDisplay
from specscope.app.model.levels import LevelsModel, LevelsSnapshot
from specscope.app.model.readouts import is_silent

from .bars import LevelBar, LevelScale

REFRESH_MS = 100
GATHER_S = 0.02
"""The tap meters at least this much audio per call (shorter blocks wait for the next)."""


class MeterTap:
    """The pipeline's ``on_block``: meters in the worker thread, the newest snapshot for the GUI."""

    def __init__(self, fs_hz: float, n_channels: int, weighting: str = "Z",
                 calibration_offset_db: float | None = None) -> None:
        self.fs_hz, self.n_channels = float(fs_hz), int(n_channels)
        self._want = (weighting, calibration_offset_db)
        self._model = LevelsModel(self.fs_hz, self.n_channels, weighting, calibration_offset_db)
        self._gather_frames = max(1, round(GATHER_S * self.fs_hz))
        self._waiting: list = []
        self._waiting_frames = 0
        self._reset = False
        self.latest: LevelsSnapshot | None = None
        """The newest snapshot (written by the worker, read by the GUI; one reference, replaced whole)."""
        self.error: str | None = None

    # --- GUI thread ---------------------------------------------------------------
    def request_reset(self) -> None:
        self._reset = True

    def request(self, weighting: str, calibration_offset_db: float | None) -> None:
        """Use another weighting or calibration from the next block on (the meters start again)."""
        self._want = (weighting, calibration_offset_db)

    # --- worker thread --------------------------------------------------------------
    def __call__(self, start: int, block) -> None:
        self._waiting.append(block)
        self._waiting_frames += len(block)
        if self._waiting_frames < self._gather_frames:
            return
        block = self._waiting[0] if len(self._waiting) == 1 else np.concatenate(self._waiting)
        self._waiting, self._waiting_frames = [], 0
        try:
            model = self._model
            if (model.weighting, model.offset_db) != self._want:
                model = self._model = LevelsModel(self.fs_hz, self.n_channels, *self._want)
            if self._reset:
                self._reset = False
                model.reset()
            model.process(block)
            self.latest = model.snapshot()
        except Exception as err:  # a bug: never take the DSP worker down with the meters
            if self.error is None:
                self.error = log_bug("metering the live input", err)


def _num(value: float, spec: str = ".1f") -> str:
    return "–" if not math.isfinite(value) or is_silent(value) else format(value, spec)


class LevelMeterDock(QDockWidget):
    """Level meters for the live input of `window` (anything with a ``pipeline`` attribute)."""

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__("Levels", parent)
        self.setObjectName("levels_dock")
        self.window_ = window
        self.tap: MeterTap | None = None
        self._pipe = None
        self.calibration_offset_db: float | None = None
        self.calibration_for: Callable[[str, float], float | None] | None = None
        """``(input name, rate in Hz) -> offset dB or None``: the stored calibration of an input."""
        self.scale: LevelScale | None = None
        body = QWidget()
        outer = QVBoxLayout(body)
        self.bars_row = QHBoxLayout()
        self.bars_row.setSpacing(4)
        outer.addLayout(self.bars_row, 1)
        self.bars: list[LevelBar] = []
        self.numbers = QGridLayout()
        outer.addLayout(self.numbers)
        self.number_labels: list[list[QLabel]] = []
        self.loudness = QLabel("M –  S –  I – LUFS   LRA – LU")
        self.loudness.setObjectName("loudness")
        outer.addWidget(self.loudness)
        row = QHBoxLayout()
        self.weighting = QComboBox()
        self.weighting.addItems(["Z", "A", "C"])
        self.weighting.setToolTip("Frequency weighting of the RMS levels and Leq (peaks are unweighted)")
        self.weighting.currentTextChanged.connect(self._apply_request)
        row.addWidget(QLabel("Weighting"))
        row.addWidget(self.weighting)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Clear peak hold, clip lamps, Leq and the integrated loudness")
        self.reset_button.clicked.connect(self.reset)
        row.addStretch(1)
        row.addWidget(self.reset_button)
        outer.addLayout(row)
        self.status = QLabel("No live input")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        self.setWidget(body)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    # --- following the pipeline ------------------------------------------------------
    def _follow(self) -> None:
        pipe = getattr(self.window_, "pipeline", None)
        if pipe is self._pipe:
            return
        if self._pipe is not None and getattr(self._pipe, "on_block", None) is self.tap:
            self._pipe.on_block = None
        self._pipe, self.tap = pipe, None
        if pipe is None:
            return
        source = pipe.source
        self.calibration_offset_db = self._stored_offset(pipe)
        self.tap = MeterTap(float(source.fs_hz), int(source.channels), self.weighting.currentText(),
                            self.calibration_offset_db)
        self._build_bars(int(source.channels))
        pipe.on_block = self.tap

    def _stored_offset(self, pipe) -> float | None:
        """The calibration stored for `pipe`'s input (as the Measurement dock names it), or the current one."""
        if self.calibration_for is None or pipe is None:
            return self.calibration_offset_db
        source = pipe.source
        return self.calibration_for(str(getattr(source, "name", "") or ""), float(source.fs_hz))

    def _build_bars(self, n_channels: int) -> None:
        while self.bars_row.count():
            item = self.bars_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for labels in self.number_labels:
            for lab in labels:
                lab.deleteLater()
        names = [str(c + 1) for c in range(n_channels)] + (["Mix"] if n_channels > 1 else [])
        self.bars = [LevelBar(name) for name in names]
        self.bars_row.addStretch(1)
        self.scale = LevelScale()
        self.scale.set_unit(self.calibration_offset_db)
        self.bars_row.addWidget(self.scale)
        for bar in self.bars:
            self.bars_row.addWidget(bar)
        self.bars_row.addStretch(1)
        heads = ["", "Peak", "Hold", "TP", "Fast", "Slow", "Leq"]
        self.number_labels = [[QLabel(h) for h in heads]]
        for name in names:
            self.number_labels.append([QLabel(name)] + [QLabel("–") for _ in heads[1:]])
        for r, labels in enumerate(self.number_labels):
            for c, lab in enumerate(labels):
                lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.numbers.addWidget(lab, r, c)
        self._label_units()

    # --- GUI actions ---------------------------------------------------------------
    def reset(self) -> None:
        if self.tap is not None:
            self.tap.request_reset()

    def set_calibration(self, offset_db: float | None) -> None:
        """Show RMS and Leq in dB SPL (dBFS + offset), or dBFS with None."""
        self.calibration_offset_db = offset_db
        if self.scale is not None:
            self.scale.set_unit(offset_db)
        self._label_units()
        self._apply_request()

    def _label_units(self) -> None:
        """Fast, Slow and Leq headers name their unit when it is dB SPL (the peaks stay dBFS)."""
        if not self.number_labels:
            return
        display = LevelDisplay(self.calibration_offset_db)
        for c, name in ((4, "Fast"), (5, "Slow"), (6, "Leq")):
            self.number_labels[0][c].setText(f"{name}\n{display.unit}" if display.calibrated else name)

    def _apply_request(self, *_args) -> None:
        if self.tap is not None:
            self.tap.request(self.weighting.currentText(), self.calibration_offset_db)

    def refresh(self) -> None:
        """Follow the pipeline and paint the newest snapshot (timer, GUI thread)."""
        self._follow()
        if self._pipe is not None and self.calibration_for is not None:
            offset = self._stored_offset(self._pipe)
            if offset != self.calibration_offset_db:  # calibrated or cleared in the Measurement dock
                self.set_calibration(offset)
        tap = self.tap
        snap = tap.latest if tap is not None else None
        if tap is None:
            self.status.setText("No live input")
            return
        if tap.error:
            self.status.setText(tap.error)
        if snap is None:
            return
        self.show_snapshot(snap)

    def show_snapshot(self, snap: LevelsSnapshot) -> None:
        rows = list(snap.channels) + ([snap.mix] if len(snap.channels) > 1 else [])
        offset = (self.calibration_offset_db or 0.0) if snap.unit != "dBFS" else 0.0
        for bar, ch in zip(self.bars, rows, strict=False):
            bar.set_levels(ch.fast_db, ch.peak_hold_dbfs, ch.clipped, offset)
        for labels, ch in zip(self.number_labels[1:], rows, strict=False):
            values = (ch.peak_dbfs, ch.peak_hold_dbfs, ch.true_peak_hold_dbtp, ch.fast_db, ch.slow_db, ch.leq_db)
            for lab, v in zip(labels[1:], values, strict=True):
                lab.setText(_num(v))
        unit = f"{snap.weighting}-weighted, {snap.unit}" if snap.weighting != "Z" else snap.unit
        self.number_labels[0][4].setToolTip(f"Fast RMS ({unit})")
        self.loudness.setText(
            f"M {_num(snap.momentary_lufs)}  S {_num(snap.short_term_lufs)}  I {_num(snap.integrated_lufs)} LUFS"
            f"   LRA {_num(snap.loudness_range_lu)} LU"
        )
        self.status.setText(f"Peak/Hold dBFS, TP dBTP (hold), Fast/Slow/Leq {unit}; "
                            f"{snap.elapsed_s:.0f} s since reset")
