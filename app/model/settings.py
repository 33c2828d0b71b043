"""The one settings model: what to analyse (:class:`AnalysisSettings`), how to
show it (:class:`DisplaySettings`) and where the live input comes from
(:class:`InputSettings`).

Thread: any (frozen, validated values; no Qt).

Every view and command reads these: the live view, the file view, the
command line (``specscope export|peaks|listen`` through
:mod:`specscope.app.cli.options`) and the persisted window state
(:mod:`specscope.app.gui.settings` stores :meth:`as_values`, never labels).
The defaults live here and nowhere else; :meth:`AnalysisSettings.stft_config`
is the one way from settings to a :class:`~specscope.dsp.config.StftConfig`.

Conventions
-----------
* ``hop`` in samples wins when given; otherwise ``hop = round(n_fft * (1 - overlap))``
  (at least 1), so overlap 0.75 at N 2048 is hop 512.
* ``window`` is a family name (``hann``, ``kaiser``, ``gaussian`` ...) and
  ``window_param`` its parameter: Kaiser's beta, or the Gaussian's sigma as a
  fraction of N; :attr:`AnalysisSettings.window_spec` gives the text form
  (``kaiser:8.6``) that :func:`specscope.dsp.windows.parse_window` reads.
* ``channel`` is ``"mix"`` (the sum of the channels scaled by 1/channels) or a
  0-based channel index (an ``int``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from specscope.dsp.config import N_FFT_MAX, N_FFT_MIN, ZERO_PAD_CHOICES, StftConfig
from specscope.dsp.freq_scales import SCALE_NAMES
from specscope.dsp.windows import COSINE_SUM_COEFFS, PARAMETRIC, parse_window

FFT_SIZES = tuple(2**k for k in range(8, 17))
"""FFT sizes the window offers, 256 .. 65536 (the command line takes any even size in 16 .. 131072)."""
OVERLAP_CHOICES = (0.5, 0.75, 0.875, 0.9375)
"""Overlaps the window offers as fractions (hop = n_fft / 2, / 4, / 8, / 16)."""
SAMPLE_RATES_HZ = (8000, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 192000)
"""Input rates the window offers besides the device's default."""
WINDOW_FAMILIES = (*COSINE_SUM_COEFFS, *PARAMETRIC)
"""Window families, in the order offered."""
DEFAULT_WINDOW_PARAMS = {"kaiser": 8.6, "gaussian": 0.4}
"""Parameter a parametric window gets when none is given: Kaiser beta 8.6, Gaussian sigma 0.4 of N."""
WINDOW_PARAM_RANGES = {"kaiser": (0.0, 50.0), "gaussian": (0.01, 1.0)}
"""Allowed parameter ranges (as :func:`specscope.dsp.windows.parse_window` checks them)."""
COLORMAP_NAMES = ("viridis", "inferno", "magma", "cividis", "grey", "contrast")
"""Colour maps (their tables are in :mod:`specscope.app.gui.colormaps`)."""
SPAN_RANGE_S = (1.0, 60.0)
"""Time span of the live view, seconds."""


class SettingsError(ValueError):
    """A setting out of range; the message names the setting in the user's words."""


@dataclass(frozen=True)
class AnalysisSettings:
    """What is analysed: frame length, hop, window, zero padding and channel.

    Parameters
    ----------
    n_fft : int
        Frame length in samples: even, 16 .. 131072.
    overlap : float
        Fraction of a frame shared with the next, 0 <= overlap < 1; used when
        `hop` is None.
    hop : int or None
        Frame advance in samples, 1 .. n_fft; None derives it from `overlap`.
    window : str
        Window family (``hann``, ``hamming``, ``blackman``, ``blackmanharris``,
        ``flattop``, ``boxcar``, ``kaiser``, ``gaussian``), or a full spec
        such as ``kaiser:8.6``, which is split into family and parameter.
    window_param : float or None
        Kaiser's beta (0 .. 50) or the Gaussian's sigma as a fraction of N
        (0.01 .. 1); None for the cosine-sum windows, and for a parametric one
        its default (8.6, 0.4).
    zero_pad : int
        FFT length factor, one of 1, 2, 4, 8.
    channel : str or int
        ``"mix"`` or a 0-based channel index.

    Raises
    ------
    SettingsError
        If a value is out of range; the message names it.
    """

    n_fft: int = 2048
    overlap: float = 0.75
    hop: int | None = None
    window: str = "hann"
    window_param: float | None = None
    zero_pad: int = 1
    channel: str | int = "mix"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n = _int("FFT size", self.n_fft)
        if not (N_FFT_MIN <= n <= N_FFT_MAX and n % 2 == 0):
            raise SettingsError(f"FFT size must be an even number of samples in {N_FFT_MIN}..{N_FFT_MAX}, got {n}")
        set_(self, "n_fft", n)
        ov = _float("overlap", self.overlap)
        if not 0.0 <= ov < 1.0:
            raise SettingsError(f"overlap must be a fraction in 0..1 (1 excluded), got {ov:g}")
        set_(self, "overlap", ov)
        if self.hop is not None:
            hop = _int("hop", self.hop)
            if not 1 <= hop <= n:
                raise SettingsError(f"hop must be 1..{n} samples (the FFT size), got {hop}")
            set_(self, "hop", hop)
        family, sep, text = str(self.window).strip().lower().partition(":")
        param = self.window_param
        if sep:
            if param is not None:
                raise SettingsError(f"window {self.window!r} carries a parameter and window_param is also given")
            param = text
        spec = family if param is None else f"{family}:{_float('window parameter', param)!r}"
        if family in PARAMETRIC and param is None:
            spec = f"{family}:{DEFAULT_WINDOW_PARAMS[family]!r}"
        try:
            parsed = parse_window(spec)
        except ValueError as err:
            raise SettingsError(str(err)) from None
        set_(self, "window", parsed.name)
        set_(self, "window_param", parsed.param)
        zp = _int("zero padding", self.zero_pad)
        if zp not in ZERO_PAD_CHOICES:
            raise SettingsError(f"zero padding must be one of {', '.join(map(str, ZERO_PAD_CHOICES))}, got {zp}")
        set_(self, "zero_pad", zp)
        set_(self, "channel", parse_channel(self.channel))

    # --- derived ----------------------------------------------------------
    @property
    def effective_hop(self) -> int:
        """Hop in samples: `hop` when given, else ``max(1, round(n_fft * (1 - overlap)))``."""
        if self.hop is not None:
            return self.hop
        return max(1, round(self.n_fft * (1.0 - self.overlap)))

    @property
    def window_spec(self) -> str:
        """The window as :func:`specscope.dsp.windows.parse_window` reads it, e.g. ``kaiser:8.6``."""
        return parse_window(self.window if self.window_param is None else f"{self.window}:{self.window_param!r}").spec

    def stft_config(self, fs_hz: float) -> StftConfig:
        """The STFT at sample rate `fs_hz`: the one way from settings to a :class:`StftConfig`.

        Raises
        ------
        ValueError
            If `fs_hz` is out of range (the message names ``fs_hz``).
        """
        return StftConfig(fs_hz=fs_hz, n_fft=self.n_fft, hop=self.effective_hop, window=self.window_spec,
                          zero_pad=self.zero_pad)

    def check_channel(self, n_channels: int) -> None:
        """Raise :class:`SettingsError` if `channel` does not exist in a source of `n_channels`."""
        if self.channel != "mix" and self.channel >= n_channels:
            raise SettingsError(f"channel {self.channel} does not exist: the input has {n_channels} channel(s) "
                                f"(0..{n_channels - 1})")

    # --- copies and persistence --------------------------------------------
    def replace(self, **changes: Any) -> AnalysisSettings:
        """A validated copy with some fields changed.

        Changing `n_fft` keeps the overlap: when `hop` was derived from the
        overlap it follows the new size; an explicit `hop` larger than the new
        size is clamped to it.  Changing `window` to another family drops a
        parameter that does not belong to it.
        """
        if "window" in changes and "window_param" not in changes and ":" not in str(changes["window"]):
            family = str(changes["window"]).strip().lower()
            if family != self.window:
                changes["window_param"] = None
        if "n_fft" in changes and "hop" not in changes and self.hop is not None:
            changes["hop"] = min(self.hop, int(changes["n_fft"]))
        return dataclasses.replace(self, **changes)

    def as_values(self) -> dict[str, Any]:
        """Plain values (numbers and strings) for QSettings or JSON."""
        return dataclasses.asdict(self)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> AnalysisSettings:
        """Settings from :meth:`as_values` output; unknown keys are ignored, missing ones take the default.

        Raises
        ------
        SettingsError
            If a value is invalid.
        """
        return cls(**_known(cls, values))


@dataclass(frozen=True)
class DisplaySettings:
    """How the analysis is shown.

    Parameters
    ----------
    scale : str
        Frequency axis: ``linear``, ``log`` or ``mel``.
    f_min_hz, f_max_hz : float
        Frequency range shown; ``f_max_hz`` 0 means Nyquist.
    floor_db, ceiling_db : float
        Colour range of the spectrogram in dBFS (floor < ceiling).
    colormap : str
        One of :data:`COLORMAP_NAMES`.
    span_s : float
        Time span of the live view, 1 .. 60 s.
    decay_db_per_s : float
        Fall rate of the peak-hold trace, dB per second (>= 0).
    """

    scale: str = "linear"
    f_min_hz: float = 0.0
    f_max_hz: float = 0.0
    floor_db: float = -120.0
    ceiling_db: float = 0.0
    colormap: str = "inferno"
    span_s: float = 10.0
    decay_db_per_s: float = 20.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.scale not in SCALE_NAMES:
            raise SettingsError(f"scale must be one of {', '.join(SCALE_NAMES)}, got {self.scale!r}")
        for name in ("f_min_hz", "f_max_hz", "floor_db", "ceiling_db", "span_s", "decay_db_per_s"):
            set_(self, name, _float(name, getattr(self, name)))
        if self.f_min_hz < 0 or self.f_max_hz < 0:
            raise SettingsError("the frequency range must not be negative")
        if self.f_max_hz and not self.f_min_hz < self.f_max_hz:
            raise SettingsError(f"min frequency {self.f_min_hz:g} Hz must be below max {self.f_max_hz:g} Hz")
        if not self.floor_db < self.ceiling_db:
            raise SettingsError(f"dB floor {self.floor_db:g} must be below the ceiling {self.ceiling_db:g}")
        if self.colormap not in COLORMAP_NAMES:
            raise SettingsError(f"colour map must be one of {', '.join(COLORMAP_NAMES)}, got {self.colormap!r}")
        lo, hi = SPAN_RANGE_S
        if not lo <= self.span_s <= hi:
            raise SettingsError(f"time span must be {lo:g}..{hi:g} s, got {self.span_s:g}")
        if self.decay_db_per_s < 0:
            raise SettingsError(f"peak-hold decay must be >= 0 dB/s, got {self.decay_db_per_s:g}")

    def replace(self, **changes: Any) -> DisplaySettings:
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def as_values(self) -> dict[str, Any]:
        """Plain values for QSettings or JSON."""
        return dataclasses.asdict(self)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> DisplaySettings:
        """Settings from :meth:`as_values` output (unknown keys ignored, missing ones default)."""
        return cls(**_known(cls, values))


@dataclass(frozen=True)
class InputSettings:
    """Where the live input comes from.

    Parameters
    ----------
    device : str
        Device name as PortAudio lists it, a device index as text, or ``""``
        for the system default.
    fs_hz : float
        Sample rate in Hz; 0 means the device's default rate.
    """

    device: str = ""
    fs_hz: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "device", str(self.device))
        fs = _float("sample rate", self.fs_hz)
        if fs < 0:
            raise SettingsError(f"sample rate must be positive (0 = the device's default), got {fs:g}")
        object.__setattr__(self, "fs_hz", fs)

    @property
    def device_selector(self) -> str | int | None:
        """What :mod:`specscope.app.live.devices` takes: None (default), an index, or a name."""
        if not self.device:
            return None
        return int(self.device) if self.device.isdigit() else self.device

    def replace(self, **changes: Any) -> InputSettings:
        return dataclasses.replace(self, **changes)

    def as_values(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> InputSettings:
        return cls(**_known(cls, values))


def parse_channel(value: object) -> str | int:
    """``"mix"`` or a 0-based channel index from ``"mix"``, an int or a digit string.

    Raises
    ------
    SettingsError
        For anything else.
    """
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "mix":
            return "mix"
        if text.isdigit():
            return int(text)
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return int(value)
    raise SettingsError(f"channel must be 'mix' or a 0-based channel index, got {value!r}")


def _known(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in values.items() if k in names}


def _int(name: str, value: object) -> int:
    if isinstance(value, bool):
        raise SettingsError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, int):
        return int(value)
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be an integer, got {value!r}") from None
    if not f.is_integer():
        raise SettingsError(f"{name} must be an integer, got {value!r}")
    return int(f)


def _float(name: str, value: object) -> float:
    if isinstance(value, bool):
        raise SettingsError(f"{name} must be a number, got {value!r}")
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(f):
        raise SettingsError(f"{name} must be a finite number, got {value!r}")
    return f
