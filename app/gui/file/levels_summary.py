"""The File tab's levels: a background job per opened file, its status text and the "Levels" summary dialog.

Thread: the Qt GUI thread.  The measurement
(:func:`specscope.app.analysis.levels.measure_file`) runs as the file view's
``levels`` job on its own thread (:class:`~specscope.app.gui.file.jobs.JobBoard`),
polling its cancel flag between blocks; its result, an immutable
:class:`~specscope.app.model.levels.FileLevels`, arrives here by the board's
queued ``result`` signal.  A new file cancels the job of the previous one (the
view's ``_start`` cancels every job; :meth:`FileLevelsJob.start` follows the
finished overview, so the two do not share the two cores);
new analysis settings for the same file keep a finished result, since levels
do not depend on them.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

KIND = "levels"
"""The job kind on the view's :class:`~specscope.app.gui.file.jobs.JobBoard`."""

ROWS = (
    ("integrated_lufs", "Integrated loudness", "LUFS"),
    ("loudness_range_lu", "Loudness range", "LU"),
    ("true_peak_dbtp", "True peak", "dBTP"),
    ("sample_peak_dbfs", "Sample peak", "dBFS"),
    ("rms_dbfs", "RMS", "dBFS"),
    ("leq_a_db", "Leq(A)", "dBFS"),
)
"""(FileLevels attribute / channel key, row title, unit); loudness and LRA have no per-channel value."""


def fmt_db(value: float | None, unit: str) -> str:
    """``-18.00 LUFS``; ``-`` for silence (-inf or None)."""
    return "-" if value is None or not math.isfinite(value) else f"{value:.2f} {unit}"


class FileLevelsJob(QObject):
    """The levels of the file open in a view: started per file, cancelled by the next one.

    Parameters
    ----------
    view : FileView
        Provides ``jobs`` (its JobBoard) and receives :meth:`on_result`, :meth:`on_progress`
        and :meth:`on_failed` from its job handlers.

    Signals
    -------
    changed()
        The state changed (started, progressed, finished, failed).
    """

    changed = pyqtSignal()

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.path: str | None = None
        self.result = None
        """The :class:`~specscope.app.model.levels.FileLevels` of :attr:`path`, once computed."""
        self.fraction = 0.0
        self.failure: str | None = None

    def start(self, path: str) -> None:
        """Measure `path` in the background unless its result is already here (the view's jobs were cancelled)."""
        if path == self.path and self.result is not None:
            return
        from specscope.app.analysis.levels import measure_file

        self.path, self.result, self.fraction, self.failure = path, None, 0.0, None

        def run(cancelled, ch) -> None:
            ch.result(measure_file(path, cancelled=cancelled, progress=ch.progress))

        self.view.jobs.start(KIND, run)
        self.changed.emit()

    @property
    def running(self) -> bool:
        return self.view.jobs.running(KIND)

    def on_result(self, value) -> None:
        self.result, self.fraction = value, 1.0
        self.changed.emit()

    def on_progress(self, done: int, total: int) -> None:
        self.fraction = done / max(1, total)
        self.changed.emit()

    def on_failed(self, message: str) -> None:
        self.failure = message
        self.changed.emit()

    def status_text(self) -> str:
        """For the File tab's status line: ``integrated -18.00 LUFS, TP -18.00 dBTP`` (``''`` before a file)."""
        r = self.result
        if r is not None:
            return f"integrated {fmt_db(r.integrated_lufs, 'LUFS')}, TP {fmt_db(r.true_peak_dbtp, 'dBTP')}"
        if self.failure is not None:
            return "levels: failed"
        if self.path is not None and self.running:
            return f"levels {100 * self.fraction:.0f} %"
        return ""


class LevelsDialog(QDialog):
    """The "Levels" summary of the open file: every measure, overall and per channel (non-modal).

    Follows its :class:`FileLevelsJob`: shows progress while measuring and the table when done.
    """

    def __init__(self, job: FileLevelsJob, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.setWindowTitle("Levels")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.table = QTableWidget(len(ROWS), 1, self)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setVerticalHeaderLabels([title for _, title, _ in ROWS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.note = QLabel("Loudness per ITU-R BS.1770-4 / EBU R128 over all channels; true peak 4x "
                           "oversampled; RMS reads a sine's amplitude level.")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        lay.addWidget(buttons)
        job.changed.connect(self.update_from_job)
        self.update_from_job()
        self.resize(560, 310)

    def cell(self, row: int, column: int) -> str:
        """The text at (`row`, `column`) (for tests)."""
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def update_from_job(self) -> None:
        job, r = self.job, self.job.result
        name = job.path.rsplit("/", 1)[-1] if job.path else "no file"
        if r is None:
            state = job.failure or (f"measuring… {100 * job.fraction:.0f} %" if job.running else "not measured")
            self.heading.setText(f"{name}: {state}")
            self.table.setColumnCount(1)
            self.table.setHorizontalHeaderLabels(["all"])
            for i in range(len(ROWS)):
                self.table.setItem(i, 0, QTableWidgetItem("…"))
            return
        n_ch = len(r.channels)
        self.heading.setText(f"{name}: {r.n_samples / r.fs_hz:.3f} s at {r.fs_hz:g} Hz, {n_ch} channel(s)")
        self.table.setColumnCount(1 + n_ch)
        self.table.setHorizontalHeaderLabels(["all", *(f"channel {c}" for c in range(n_ch))])
        for i, (key, _, unit) in enumerate(ROWS):
            unit = r.unit if key == "leq_a_db" else unit
            self.table.setItem(i, 0, _item(fmt_db(getattr(r, key), unit)))
            for c, ch in enumerate(r.channels):
                self.table.setItem(i, 1 + c, _item(fmt_db(ch[key], unit) if key in ch else ""))


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def show_levels(parent: QWidget, job: FileLevelsJob) -> LevelsDialog:
    """Show (reusing) the Levels dialog of `job`; start measuring if nothing is measured or measuring."""
    if job.path is not None and job.result is None and not job.running:
        job.start(job.path)
    dialog = getattr(parent, "levels_dialog", None)
    if dialog is None or dialog.job is not job:
        dialog = parent.levels_dialog = LevelsDialog(job, parent)
    dialog.show()
    dialog.raise_()
    return dialog
