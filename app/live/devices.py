"""Input device discovery: what PortAudio offers, and picking one by index or name.

Thread: the caller's (the main or GUI thread).  PortAudio's device list is a
snapshot taken when it initialises; :func:`rescan_devices` takes a new one
(for example before reconnecting after a device was unplugged), and may only
run while no stream is open.  :func:`route_native_stderr` (called before
PortAudio is first used) keeps PortAudio's and ALSA's stderr chatter out of the
user's terminal without touching file descriptor 2.
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path


class DeviceError(Exception):
    """A device cannot be found or cannot record as asked; the message is one line for the user."""


@dataclass(frozen=True)
class InputDevice:
    """One PortAudio device with at least one input channel.

    Attributes
    ----------
    index : int
        PortAudio device index (valid until the next :func:`rescan_devices`).
    name : str
        Device name as PortAudio reports it.
    hostapi : str
        Host API name (ALSA, PulseAudio, Core Audio, WASAPI...).
    max_input_channels : int
        Most input channels the device offers.
    default_fs_hz : float
        The device's default sample rate in Hz.
    is_default : bool
        True for the system's default input device.
    """

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    default_fs_hz: float
    is_default: bool

    def as_json(self) -> dict:
        """The fields as a JSON-ready dict."""
        return asdict(self)

    def label(self) -> str:
        """``'3 "USB Mic" (ALSA)'``: how messages name a device."""
        return f'{self.index} "{self.name}" ({self.hostapi})'


def _default_input_index(sd) -> int:
    default = sd.default.device[0]
    if default is None or default < 0:
        try:
            return int(sd.query_devices(kind="input")["index"])
        except sd.PortAudioError:
            return -1
    return int(default)


def list_input_devices() -> list[InputDevice]:
    """Every device with input channels, in PortAudio's order.

    Returns
    -------
    list of InputDevice
        Empty when there is no input device at all.
    """
    sd = portaudio()
    hostapis = sd.query_hostapis()
    default = _default_input_index(sd)
    out = []
    for dev in sd.query_devices():
        if dev["max_input_channels"] < 1:
            continue
        out.append(
            InputDevice(
                index=int(dev["index"]),
                name=str(dev["name"]),
                hostapi=str(hostapis[dev["hostapi"]]["name"]),
                max_input_channels=int(dev["max_input_channels"]),
                default_fs_hz=float(dev["default_samplerate"]),
                is_default=int(dev["index"]) == default,
            )
        )
    return out


def _available(devices: list[InputDevice]) -> str:
    return "; ".join(d.label() for d in devices) if devices else "none"


def resolve_input_device(spec: int | str | None) -> InputDevice:
    """Find an input device.

    Parameters
    ----------
    spec : int, str or None
        None: the default input device.  An int or a string of digits: a
        PortAudio device index.  Any other string: a device name, matched
        exactly first, then as a case-insensitive substring that must be
        unique.

    Raises
    ------
    DeviceError
        If there is no input device, or `spec` matches none (or several); the
        message lists the available devices.
    """
    devices = list_input_devices()
    if not devices:
        raise DeviceError("no input device found: PortAudio lists none (is a microphone or sound server available?)")
    if spec is None:
        for dev in devices:
            if dev.is_default:
                return dev
        return devices[0]
    if isinstance(spec, str) and spec.strip().isdigit():
        spec = int(spec.strip())
    if isinstance(spec, int) and not isinstance(spec, bool):
        for dev in devices:
            if dev.index == spec:
                return dev
        raise DeviceError(f"no input device with index {spec}; available: {_available(devices)}")
    if not isinstance(spec, str) or not spec.strip():
        raise DeviceError(f"device must be an index or a name, got {spec!r}; available: {_available(devices)}")
    exact = [d for d in devices if d.name == spec]
    if exact:
        return exact[0]
    matches = [d for d in devices if spec.lower() in d.name.lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DeviceError(f"device name {spec!r} is ambiguous: it matches {_available(matches)}")
    raise DeviceError(f"unknown input device {spec!r}; available: {_available(devices)}")


def portaudio():
    """The ``sounddevice`` module, PortAudio initialised, C stderr routed (:func:`route_native_stderr`).

    The first call imports sounddevice, whose import initialises PortAudio with file descriptor 2
    pointed at ``/dev/null`` for a moment (sounddevice's ``_initialize``): the entry points make it
    before they start other threads (the window lists the devices as it is built, the command line
    opens its source before the pipeline starts), so no thread's output is lost then.
    """
    route_native_stderr()
    import sounddevice as sd

    return sd


def rescan_devices() -> None:
    """Make PortAudio enumerate the devices again (only while no stream is open).

    PortAudio is terminated and initialised again directly, not with ``sounddevice._initialize``,
    which redirects file descriptor 2 while it runs: the window rescans while other threads (file
    analysis, playback) may print.  PortAudio's and ALSA's chatter goes to the native log instead.
    """
    sd = portaudio()
    sd._terminate()
    sd._check(sd._lib.Pa_Initialize(), "Error initializing PortAudio")
    sd._initialized += 1


NATIVE_LOG_NAME = "native.log"
"""File in the log folder (:func:`specscope.app.logs.log_dir`) that receives C libraries' stderr chatter."""

_native_stderr_path: Path | None = None
_native_stderr_lock = threading.Lock()


def route_native_stderr(path: str | os.PathLike | None = None) -> Path | None:
    """Send what C libraries print with ``fprintf(stderr, ...)`` to a log file, once per process.

    PortAudio prints diagnostic lines ("Expression '...' failed in 'src/hostapi/alsa/pa_linux_alsa.c'")
    from its own thread when a device is lost or refuses a setting, and ALSA and JACK print their
    probing notes; the failure itself reaches us as an exception or the stream's end, so for the user
    these are noise beside the one-line message.  This swaps the C library's ``stderr`` stream (a
    ``FILE *``, which those libraries read at each print) for a line-buffered stream appending to
    `path` (default: ``native.log`` in the log folder).  File descriptor 2, and so Python's
    ``sys.stderr``, tracebacks and ``faulthandler``, stay untouched: no other thread can lose output,
    unlike redirecting fd 2 around each PortAudio call.  The swap is one pointer store, safe while
    other threads run; the old stream is left open for a thread that may be printing to it.  The
    same approach as python-sounddevice's ``_ignore_stderr`` during ``Pa_Initialize``, kept for the
    whole process and to a file instead of ``/dev/null``.

    Returns
    -------
    Path or None
        The file now receiving the C libraries' stderr; None where the C library's ``stderr`` cannot be
        reached (not glibc or musl) or the file cannot be opened: then nothing changes.
    """
    global _native_stderr_path
    with _native_stderr_lock:
        if _native_stderr_path is not None:
            return _native_stderr_path
        if path is None:
            from specscope.app.logs import log_dir

            path = log_dir() / NATIVE_LOG_NAME
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            libc = ctypes.CDLL(None)
            libc.fopen.restype = ctypes.c_void_p
            libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
            libc.setvbuf.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t]
            stderr_ptr = ctypes.c_void_p.in_dll(libc, "stderr")
        except (OSError, ValueError, AttributeError, TypeError):  # no C stderr symbol here (macOS, Windows)
            return None
        stream = libc.fopen(os.fsencode(path), b"a")
        if not stream:
            return None
        libc.setvbuf(stream, None, 1, 0)  # _IOLBF: each line reaches the file when printed
        stderr_ptr.value = stream
        _native_stderr_path = path
        return path
