"""The Qt face of playback: play / pause / seek / loop / volume / device, and a play position signal.

Thread: the Qt GUI thread.  The engine (feeder thread, ring, PortAudio
callback) is :class:`specscope.app.output.playback.PlaybackRun`; this module
only starts and stops runs and polls their frame counter on a timer to move
the cursor.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from specscope.app.output.playback import OutputDevice, PlaybackRun, default_output_device, output_devices
from specscope.app.output.research_playback import Render, check_speed

__all__ = ["OutputDevice", "Player", "default_output_device", "output_devices"]

POSITION_INTERVAL_MS = 30
"""How often the play position is reported (about 33 times a second)."""


class Player(QObject):
    """Play / pause / seek of one file, reporting the play position.

    Signals
    -------
    position_changed(float)
        Play position in seconds, while playing and after a seek.
    state_changed(bool)
        True when playback starts, False when it pauses or ends.
    failed(str)
        One-line message when the output stream cannot be opened or the file not read.
    """

    position_changed = pyqtSignal(float)
    state_changed = pyqtSignal(bool)
    failed = pyqtSignal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.available, info = default_output_device()
        self.unavailable_reason = "" if self.available else info
        self.device_name = info if self.available else ""
        self.device: int | None = None
        """PortAudio output device index, None for the default."""
        self.loop = False
        self.speed = 1.0
        """Time expansion, 1/32 .. 4 (the pitch drops with the speed; see ``research_playback``)."""
        self.band_hz: tuple[float | None, float | None] | None = None
        """Band of the run playing band-limited, None for a plain one."""
        self._volume = 1.0
        self._path: str | None = None
        self._channel: str | int = "mix"
        self._fs_hz = 48000.0
        self.duration_s = 0.0
        self._position_s = 0.0
        self._end_s: float | None = None
        self._run: PlaybackRun | None = None
        self._timer = QTimer(self, interval=POSITION_INTERVAL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def playing(self) -> bool:
        return self._run is not None

    def is_active(self) -> bool:
        """True while an output stream is open (do not terminate PortAudio then)."""
        return self._run is not None

    @property
    def position_s(self) -> float:
        return self._run.position_s if self._run is not None else self._position_s

    @property
    def volume(self) -> float:
        return self._volume

    def set_volume(self, volume: float) -> None:
        """Gain 0 .. 1; applies at once to what is playing."""
        self._volume = min(1.0, max(0.0, float(volume)))
        if self._run is not None:
            self._run.volume = self._volume

    def set_loop(self, loop: bool) -> None:
        """Loop the range being played (the selection, or the file); restarts a run that is playing."""
        self.loop = bool(loop)
        if self._run is not None:
            self.play(self.position_s, self._end_s, self.band_hz)

    def set_speed(self, speed: float) -> None:
        """Play at `speed` (1/32 .. 4) from now on; a run that is playing restarts at its position."""
        self.speed = check_speed(speed)
        if self._run is not None:
            self.play(self.position_s, self._end_s, self.band_hz)

    def set_device(self, device: int | None) -> None:
        """Play on another output device from now on (a run that is playing moves to it)."""
        self.device = device
        if self._run is not None:
            self.play(self.position_s, self._end_s, self.band_hz)

    def set_source(self, path: str, channel: str | int, fs_hz: float, duration_s: float) -> None:
        """Play this file from now on (stops what is playing; position back to 0)."""
        self.stop()
        self._path, self._channel, self._fs_hz, self.duration_s = path, channel, float(fs_hz), float(duration_s)
        self._position_s = 0.0
        self._end_s = None

    def play(self, start_s: float | None = None, end_s: float | None = None,
             band_hz: tuple[float | None, float | None] | None = None) -> None:
        """Play from `start_s` (default: the current position) to `end_s` (default: the end of the file);
        with `band_hz` ``(low, high)`` only that band (zero-phase band-pass)."""
        if not self.available or self._path is None:
            return
        start = self.position_s if start_s is None else float(start_s)
        end = self.duration_s if end_s is None else min(float(end_s), self.duration_s)
        if start >= end - 1.0 / self._fs_hz:
            start = 0.0 if end_s is None else start
        self._stop_run()
        self._end_s = end if end_s is not None else None
        try:
            # A loop plays the whole range again, so it starts at the range's start.
            loop_start = max(0.0, start)
            render = None
            if self.speed != 1.0 or band_hz is not None:
                render = Render(self._fs_hz, self.speed, band_hz, device=self.device)
            self._run = PlaybackRun(self._path, self._channel, self._fs_hz, loop_start, end, loop=self.loop,
                                    volume=self._volume, device=self.device, render=render)
            self.band_hz = band_hz
        except Exception as err:  # PortAudio refuses the rate or device: say why, stay paused
            self._run = None
            self.failed.emit(f"playback: {' '.join(str(err).split()) or type(err).__name__}")
            return
        self._timer.start()
        self.state_changed.emit(True)
        self.position_changed.emit(self.position_s)

    def pause(self) -> None:
        if self._run is None:
            return
        self._position_s = self._run.position_s
        self._stop_run()
        self.state_changed.emit(False)
        self.position_changed.emit(self._position_s)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play(None, self._end_s)

    def seek(self, t_s: float) -> None:
        """Move the position to `t_s`; playing continues from there to the end of the file."""
        t_s = min(max(0.0, float(t_s)), self.duration_s)
        if self._run is not None:
            self.play(t_s, None)
        else:
            self._position_s = t_s
            self._end_s = None
            self.position_changed.emit(t_s)

    def stop(self) -> None:
        """Stop playing (the position stays)."""
        if self._run is not None:
            self.pause()

    def _stop_run(self) -> None:
        self._timer.stop()
        if self._run is not None:
            run, self._run = self._run, None
            run.close()

    def _poll(self) -> None:
        run = self._run
        if run is None:
            return
        self.position_changed.emit(run.position_s)
        if run.error is not None:
            msg = run.error
            self.pause()
            self.failed.emit(f"playback: {msg}")
        elif run.done:
            self._position_s = run.position_s if self._end_s is not None else run.end_position_s
            self._stop_run()
            self.state_changed.emit(False)
            self.position_changed.emit(self._position_s)
