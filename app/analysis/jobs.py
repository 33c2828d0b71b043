"""Background-job plumbing for the file analysis: a daemon thread with a cancel flag and an identity.

Thread: a :class:`BackgroundJob` is created, started, cancelled and joined by
the GUI thread; its target runs on the job's own daemon thread.  Nothing here
touches Qt: the GUI forwards a job's callbacks as queued signals
(:mod:`specscope.app.gui.file.jobs`).

Each job carries its own :attr:`BackgroundJob.job_id`, so results and
failures say which job they come from.  A target polls ``cancelled()``
between chunks and may raise :class:`AnalysisCancelled`, which ends the job
quietly; any other exception becomes a one-line message
(:func:`one_line_error`) handed to ``on_error`` unless the job was cancelled.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

_job_ids = itertools.count(1)


class AnalysisCancelled(Exception):
    """Raised inside a job when it was cancelled; the job ends quietly."""



class BackgroundJob:
    """One piece of work on a daemon thread, with a cancel flag it polls.

    Parameters
    ----------
    target : callable
        ``target(cancelled)`` where ``cancelled()`` returns True once
        :meth:`cancel` was called; it should poll it between chunks and may
        raise :class:`AnalysisCancelled`.
    on_error : callable, optional
        Called as ``on_error(message)`` (in the job thread) with a one-line
        message if `target` raises anything but :class:`AnalysisCancelled`.
    name : str
        Thread name, for debugging.
    """

    def __init__(
        self,
        target: Callable[[Callable[[], bool]], None],
        on_error: Callable[[str], None] | None = None,
        name: str = "specscope-file-job",
    ) -> None:
        self.job_id = next(_job_ids)
        """This job's identity: results and failures carry it, so the GUI knows which job they are from."""
        self._target = target
        self._on_error = on_error
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> BackgroundJob:
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop at its next check (returns at once)."""
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the thread; True if it has ended."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._target(self._cancel.is_set)
        except AnalysisCancelled:
            pass
        except Exception as err:  # reported as one line; the GUI keeps running
            if self._on_error is not None and not self._cancel.is_set():
                self._on_error(one_line_error(err))


def one_line_error(err: BaseException) -> str:
    """``str(err)`` on one line, or the exception's type name if it has no text."""
    text = " ".join(str(err).split())
    return text or type(err).__name__
