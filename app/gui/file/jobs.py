"""Launching the file view's background jobs, each with its own identity.

Thread: the Qt GUI thread creates, cancels and forgets jobs; the jobs run on
their own threads (:class:`~specscope.app.analysis.file_analysis.BackgroundJob`)
and talk back only through the queued signals of :class:`JobBoard`, every
message tagged with the kind and the id of the job that sent it.

There is at most one current job per kind (``overview``, ``detail``,
``selection``, ``export``, ``levels``).  A message from a job that is no longer the
current one of its kind is stale and dropped, so a failing selection job can
only end itself: the overview job stays current, cancellable and waited for.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PyQt6.QtCore import QObject, pyqtSignal

from specscope.app.analysis.file_analysis import BackgroundJob


class JobChannel:
    """What a job's code calls to report (from the job thread); each call becomes a queued signal."""

    def __init__(self, board: JobBoard, kind: str, job_id: int) -> None:
        self._board, self.kind, self.job_id = board, kind, job_id

    def block(self, block) -> None:
        """Hand over read-only columns (:class:`~specscope.app.analysis.file_analysis.ColumnBlock`)."""
        self._board.block.emit(self.kind, self.job_id, block)

    def progress(self, done: int, total: int) -> None:
        self._board.progress.emit(self.kind, self.job_id, int(done), int(total))

    def result(self, value: object = None) -> None:
        """The job's product (None for the overview: it is complete); the job is then forgotten."""
        self._board.result.emit(self.kind, self.job_id, value)


class JobBoard(QObject):
    """The current job of each kind and the signals they report through.

    Signals
    -------
    block(str, int, object)
        kind, job id, a read-only column block.
    progress(str, int, int, int)
        kind, job id, done, total.
    result(str, int, object)
        kind, job id, the job's product.
    failed(str, int, str)
        kind, job id, one-line message.
    """

    block = pyqtSignal(str, int, object)
    progress = pyqtSignal(str, int, int, int)
    result = pyqtSignal(str, int, object)
    failed = pyqtSignal(str, int, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._jobs: dict[str, BackgroundJob] = {}

    def start(self, kind: str, work: Callable[[Callable[[], bool], JobChannel], None]) -> BackgroundJob:
        """Cancel the current job of `kind` and start ``work(cancelled, channel)`` as the new one."""
        self.cancel(kind)
        holder: list[JobChannel] = []
        job = BackgroundJob(lambda cancelled: work(cancelled, holder[0]),
                            on_error=lambda msg: self.failed.emit(kind, job.job_id, msg),
                            name=f"specscope-{kind}")
        holder.append(JobChannel(self, kind, job.job_id))
        self._jobs[kind] = job
        return job.start()

    def is_current(self, kind: str, job_id: int) -> bool:
        job = self._jobs.get(kind)
        return job is not None and job.job_id == job_id

    def running(self, kind: str) -> bool:
        return kind in self._jobs

    def forget(self, kind: str, job_id: int) -> None:
        """Drop the job of `kind` if it is `job_id` (it finished or failed)."""
        if self.is_current(kind, job_id):
            del self._jobs[kind]

    def cancel(self, kind: str) -> None:
        job = self._jobs.pop(kind, None)
        if job is not None:
            job.cancel()

    def cancel_all(self) -> None:
        for job in self._jobs.values():
            job.cancel()
        self._jobs.clear()

    def jobs(self) -> list[BackgroundJob]:
        return list(self._jobs.values())


class JobResultsMixin:
    """What the file view does with its jobs' messages (a mixin of
    :class:`~specscope.app.gui.file.view.FileView`; GUI thread)."""

    # --- jobs -------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop all background analysis now; what has been computed stays on screen."""
        self.jobs.cancel_all()
        self._detail_want = None
        self._set_busy(False)

    def background_jobs(self) -> list[BackgroundJob]:
        """The jobs started and not yet finished or forgotten (for tests and shutdown)."""
        return self.jobs.jobs()

    def shutdown(self, timeout_s: float = 2.0) -> None:
        """Cancel everything, stop playback and wait for the job threads (call on window close)."""
        jobs = self.jobs.jobs()
        self.cancel()
        self.player.stop()
        for job in jobs:
            job.join(timeout_s)

    def _on_block(self, kind: str, job_id: int, block) -> None:
        if not self.jobs.is_current(kind, job_id):
            return
        if kind == "detail":
            self._on_detail_block(block)
            return
        tile = self.overview_tile
        lo, hi = tile.apply(block)
        if self.t_first_view_s is None:
            self._overview_ready = True
            self.refresh()
            self.t_first_view_s = time.monotonic() - self._t_load_s
            self.loaded.emit(self.path or "")
            self._detail_timer.start()
            return
        if self._dirty_cols is not None:
            lo, hi = min(lo, self._dirty_cols[0]), max(hi, self._dirty_cols[1])
        self._dirty_cols = (lo, hi)
        if self.shown_tile is None or self.shown_tile is tile:
            self._refresh_timer.start()

    def _on_job_progress(self, kind: str, job_id: int, done: int, total: int) -> None:
        if not self.jobs.is_current(kind, job_id):
            return
        if kind == "selection":
            self._on_selection_progress(done)
        elif kind == "overview":
            self.progress_bar.setValue(int(1000 * done / max(1, total)))
            self.progress.emit(done, total)
        elif kind == "levels":
            self.file_levels.on_progress(done, total)

    def _on_result(self, kind: str, job_id: int, value) -> None:
        if not self.jobs.is_current(kind, job_id):
            return
        self.jobs.forget(kind, job_id)
        if kind == "overview":
            self._set_busy(False)
            self.refresh()
            # The file's levels after its overview, not beside it: on two cores they would share the reader
            # and the CPU, and the overview of a 2-hour file took 50 % longer.  A result for this file (new
            # settings, same file) is kept.
            if self.path:
                self.file_levels.start(self.path)
            self.analysis_finished.emit(self.path or "")
        elif kind == "selection":
            self._on_selection(value)
        elif kind == "export":
            self._on_exported(value)
        elif kind == "levels":
            self.file_levels.on_result(value)

    def _on_failed(self, kind: str, job_id: int, message: str) -> None:
        if not self.jobs.is_current(kind, job_id):
            return
        self.jobs.forget(kind, job_id)
        if kind == "overview":
            self._set_busy(False)
        elif kind == "selection":
            self._set_status("selection: failed")
        elif kind == "levels":
            self.file_levels.on_failed(message)
        self.error.emit(message)

