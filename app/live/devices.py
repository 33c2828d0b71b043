"""Input device discovery: what PortAudio offers, and picking one by index or name.

Thread: the caller's (the main or GUI thread).  PortAudio's device list is a
snapshot taken when it initialises; :func:`rescan_devices` takes a new one
(for example before reconnecting after a device was unplugged), and may only
run while no stream is open.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass


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
    import sounddevice as sd

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


def rescan_devices() -> None:
    """Make PortAudio enumerate the devices again (only while no stream is open)."""
    import sounddevice as sd

    sd._terminate()
    sd._initialize()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 for a moment.

    PortAudio's ALSA host API prints diagnostic lines ("Expression ... failed")
    straight to the C stderr when it refuses a setting; the refusal itself
    reaches us as an exception with a message, so those lines are noise.
    """
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
