"""The live input's lifecycle: open the source and the pipeline, stop them, rescan the devices.

Thread: the Qt GUI thread.  The pipeline's worker thread only emits this
object's signals (``frames``, ``lost``); Qt queues them into the GUI thread.

What the input is: a file played as live input (:attr:`LiveSession.source_path`,
looping in real time), else the chosen device, else (no device at all) the
bundled demo recording.  Opening raises :class:`SessionRefused` with one
line for what the user can fix (a device that will not open, a setting the
source refuses, a file that cannot be read); anything else is a bug and
propagates.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSignal

from specscope.app.live.devices import DeviceError
from specscope.app.logs import log, one_line
from specscope.dsp.config import StftConfig

from .settings import WindowSettings

DEMO_NOTICE = "No input device: playing the demo recording (looped)"
DEFAULT_FS_HZ = 48000.0
"""Rate assumed for the STFT before a source says its own."""


def demo_path() -> Path:
    """Path of the bundled demo recording."""
    return Path(str(importlib.resources.files("specscope.resources") / "demo.wav"))


def _refusal_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [DeviceError, ValueError, OSError]
    try:
        import sounddevice as sd

        types.append(sd.PortAudioError)
    except (ImportError, OSError):  # no PortAudio library: there is no device to refuse anything
        pass
    return tuple(types)


class SessionRefused(Exception):
    """The input could not be opened for a reason the user can act on (the message is one line)."""


class LiveSession(QObject):
    """Owns the live source and pipeline.

    Signals
    -------
    frames(list)
        A batch of :class:`~specscope.app.live.pipeline.LiveFrame` (GUI thread).
    lost(str)
        The running input failed (one line); the session has stopped.
    """

    frames = pyqtSignal(object)
    lost = pyqtSignal(str)
    _error = pyqtSignal(str, int)  # message, the generation of the pipeline that failed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pipeline = None
        self.source_path: str | None = None
        self.source_notice = ""
        self._generation = 0
        self._error.connect(self._on_error)

    @property
    def running(self) -> bool:
        return self.pipeline is not None and bool(self.pipeline.running)

    @property
    def channels(self) -> int:
        """Channels of the open source (1 when closed)."""
        return int(getattr(getattr(self.pipeline, "source", None), "channels", 1) or 1)

    def _make_source(self, settings: WindowSettings):
        from specscope.app.live.file_source import FileSource

        if self.source_path is not None:
            self.source_notice = f"Input: {Path(self.source_path).name} (looping)"
            return FileSource(self.source_path, realtime=True, loop=True)
        from specscope.app.live.capture import CaptureSource
        from specscope.app.live.devices import list_input_devices

        inp = settings.input
        if not inp.device and not list_input_devices():
            self.source_notice = DEMO_NOTICE
            return FileSource(str(demo_path()), realtime=True, loop=True)
        self.source_notice = ""
        return CaptureSource(device=inp.device_selector, fs_hz=inp.fs_hz or None, channels=None, latency="low")

    def open(self, settings: WindowSettings) -> StftConfig:
        """Stop what runs, open the input and start a pipeline with `settings`; returns the STFT in effect.

        Raises
        ------
        SessionRefused
            The device, file or a setting was refused (one line); nothing runs then.
        """
        from specscope.app.live.pipeline import Pipeline

        self.stop()
        refusals = _refusal_types()
        try:
            source = self._make_source(settings)
            fs_hz = float(getattr(source, "fs_hz", None) or settings.input.fs_hz or DEFAULT_FS_HZ)
            cfg = settings.analysis.stft_config(fs_hz)
            self._generation += 1
            gen = self._generation
            pipe = Pipeline(source, cfg, channel=settings.analysis.channel, on_frames=self.frames.emit,
                            on_error=lambda message: self._error.emit(message, gen))
            pipe.start()
        except refusals as err:
            log.info("input refused: %s", err)
            raise SessionRefused(one_line(err)) from err
        self.pipeline = pipe
        fs_now = getattr(pipe, "fs_hz", None)
        if fs_now and float(fs_now) != cfg.fs_hz:
            cfg = cfg.replace(fs_hz=float(fs_now))
            pipe.set_config(cfg)
        return cfg

    def set_config(self, cfg: StftConfig) -> None:
        """Change the running pipeline's STFT (no reopen); a no-op when stopped."""
        if self.pipeline is not None:
            self.pipeline.set_config(cfg)

    def stop(self) -> str:
        """Stop the pipeline; returns ``''`` or one line if stopping a lost device failed (it is stopped anyway)."""
        pipe, self.pipeline = self.pipeline, None
        if pipe is None:
            return ""
        try:
            pipe.stop()
        except _refusal_types() as err:  # stopping a device that is gone may fail; it is gone either way
            log.info("stopping the input: %s", err)
            return f"Stopping the input: {one_line(err)}"
        return ""

    def rescan(self, before: Callable[[], None] | None = None) -> str:
        """Make PortAudio enumerate the devices again (PortAudio is restarted: only with no stream open).

        `before` runs first; the window passes one that stops the File tab's
        playback, whose output stream a restart would pull away.  Returns
        ``''`` or one line saying why the rescan failed (opening reports the
        real problem).
        """
        self.stop()
        if before is not None:
            before()
        from specscope.app.live.devices import rescan_devices

        try:
            rescan_devices()
        except _refusal_types() as err:
            log.info("device rescan failed: %s", err)
            return f"Device rescan failed: {one_line(err)}"
        return ""

    def stats(self):
        """The pipeline's statistics, or None when stopped."""
        return self.pipeline.stats() if self.pipeline is not None else None

    def _on_error(self, message: str, generation: int) -> None:
        if generation != self._generation or self.pipeline is None:
            return  # a pipeline stopped since: its failure is old news
        self.stop()
        self.lost.emit(message)
