"""Logging: a log file in the platform's usual place, and the line a user sees when a bug happens.

Thread: any (the :mod:`logging` module is thread-safe); :func:`configure` is
called once by the entry points (the command line and the window).

Bad input is not a bug: it gets one line for the user and is logged at INFO.
A bug (an exception nobody expected) is logged with its traceback by
:func:`log_bug`, and the user is told it was an internal error and where the
log is.

Where the log lives
-------------------
* Linux and other Unix: ``$XDG_STATE_HOME/specscope/specscope.log``
  (``~/.local/state/specscope/specscope.log`` by default);
* macOS: ``~/Library/Logs/specscope/specscope.log``;
* Windows: ``%LOCALAPPDATA%\\specscope\\Logs\\specscope.log``.
``SPECSCOPE_LOG_DIR`` overrides the folder (the tests use it).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

LOGGER_NAME = "specscope"
LOG_FILE_NAME = "specscope.log"
MAX_LOG_BYTES = 1 << 20
"""The log rotates at 1 MiB, keeping three old files."""

log = logging.getLogger(LOGGER_NAME)


def log_dir() -> Path:
    """The folder of the log file (see the module docstring)."""
    override = os.environ.get("SPECSCOPE_LOG_DIR")
    if override:
        return Path(override)
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Logs" / "specscope"
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "specscope" / "Logs"
    base = os.environ.get("XDG_STATE_HOME") or str(home / ".local" / "state")
    return Path(base) / "specscope"


def log_path() -> Path:
    """The log file's path."""
    return log_dir() / LOG_FILE_NAME


def configure(verbose: bool = False) -> Path | None:
    """Send specscope's log to the log file (DEBUG with `verbose`, else INFO) and, with `verbose`, to stderr.

    Returns the log file's path, or None if it cannot be written (then only
    stderr gets warnings).  Calling it again changes the level and, if
    :func:`log_path` has changed since (``SPECSCOPE_LOG_DIR``), moves the
    file handler to the new path.
    """
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False
    path: Path | None = log_path()
    files = [h for h in log.handlers if isinstance(h, logging.FileHandler)]
    for h in files:
        if Path(h.baseFilename) != path.absolute():
            log.removeHandler(h)
            h.close()
    if not any(isinstance(h, logging.FileHandler) for h in log.handlers):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_LOG_BYTES, backupCount=3,
                                                           encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
            log.addHandler(handler)
        except OSError:
            path = None
    stderr_handlers = [h for h in log.handlers if getattr(h, "_specscope_stderr", False)]
    for h in stderr_handlers:
        h.setStream(sys.stderr)  # the current stderr (tests and embedding programs replace it)
    if verbose and not stderr_handlers:
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(logging.Formatter("specscope %(levelname)s: %(message)s"))
        h._specscope_stderr = True  # type: ignore[attr-defined]
        log.addHandler(h)
    if not verbose:
        for h in stderr_handlers:
            log.removeHandler(h)
    return path


def log_bug(context: str, exc: BaseException | None = None) -> str:
    """Log an unexpected exception with its traceback; return the one line to show the user.

    Parameters
    ----------
    context : str
        What was being done, e.g. ``"exporting the spectrogram"``.
    exc : BaseException, optional
        The exception (default: the one being handled).

    Returns
    -------
    str
        ``"internal error while <context>: <exc> (details in <log path>)"``.
    """
    if exc is None:
        exc = sys.exc_info()[1]
    log.error("internal error while %s", context, exc_info=exc if exc is not None else True)
    text = " ".join(str(exc).split()) if exc is not None else ""
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return f"internal error while {context}: {what} (details in {log_path()})"


def one_line(exc: BaseException) -> str:
    """An exception as one line for a status bar, dialog or stderr: its message with whitespace collapsed.

    Falls back to the exception's type name when the message is empty.
    """
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
