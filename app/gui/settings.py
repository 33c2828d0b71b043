"""The live view's user settings, with defaults and QSettings persistence.

Thread: the Qt GUI thread.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PyQt6.QtCore import QSettings

from specscope.dsp.config import ZERO_PAD_CHOICES, StftConfig
from specscope.dsp.freq_scales import SCALE_NAMES
from specscope.dsp.windows import WINDOW_NAMES, parse_window

from .colormaps import COLORMAP_NAMES, DEFAULT_COLORMAP

FFT_SIZES = tuple(2**k for k in range(8, 17))
"""FFT sizes offered, 256 .. 65536."""
OVERLAP_DIVISORS = {"50 %": 2, "75 %": 4, "87.5 %": 8, "93.75 %": 16}
"""Overlap choice -> hop = n_fft / divisor."""
HOP_CHOICE = "hop"
"""Overlap choice meaning: use `hop` samples as given."""
SAMPLE_RATES_HZ = (8000, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 192000)
ORGANIZATION = "specscope"
APPLICATION = "specscope"


@dataclass
class LiveSettings:
    """Everything the user can set in the live view.

    ``device`` is a device name or index as text (``''`` = system default);
    ``fs_hz`` 0 = the device's default rate; ``channel`` is ``'mix'`` or a
    0-based index as text; ``f_max_hz`` 0 = Nyquist.
    """

    device: str = ""
    fs_hz: float = 0.0
    channel: str = "mix"
    n_fft: int = 2048
    overlap: str = "87.5 %"
    hop: int = 256
    window: str = "hann"
    zero_pad: int = 1
    scale: str = "linear"
    f_min_hz: float = 0.0
    f_max_hz: float = 0.0
    floor_db: float = -120.0
    ceiling_db: float = 0.0
    colormap: str = DEFAULT_COLORMAP
    span_s: float = 10.0
    decay_db_per_s: float = 20.0

    def effective_hop(self) -> int:
        """Hop in samples: ``n_fft / divisor`` for an overlap choice, else `hop`."""
        if self.overlap in OVERLAP_DIVISORS:
            return max(1, self.n_fft // OVERLAP_DIVISORS[self.overlap])
        return int(self.hop)

    def stft_config(self, fs_hz: float) -> StftConfig:
        """The STFT settings at sample rate `fs_hz` (validated; raises ValueError naming the bad field)."""
        return StftConfig(fs_hz, self.n_fft, self.effective_hop(), self.window, self.zero_pad)

    def validated(self) -> LiveSettings:
        """Return self if every choice is one the GUI offers, else raise ValueError naming the field."""
        if self.n_fft not in FFT_SIZES:
            raise ValueError(f"n_fft must be one of {FFT_SIZES}, got {self.n_fft}")
        if self.overlap not in OVERLAP_DIVISORS and self.overlap != HOP_CHOICE:
            raise ValueError(f"overlap must be one of {', '.join(OVERLAP_DIVISORS)} or hop, got {self.overlap!r}")
        if self.zero_pad not in ZERO_PAD_CHOICES:
            raise ValueError(f"zero_pad must be one of {ZERO_PAD_CHOICES}, got {self.zero_pad}")
        parse_window(self.window)
        if self.scale not in SCALE_NAMES:
            raise ValueError(f"scale must be one of {SCALE_NAMES}, got {self.scale!r}")
        if self.colormap not in COLORMAP_NAMES:
            raise ValueError(f"colour map must be one of {COLORMAP_NAMES}, got {self.colormap!r}")
        if not self.floor_db < self.ceiling_db:
            raise ValueError(f"dB floor {self.floor_db:g} must be below the ceiling {self.ceiling_db:g}")
        if not 1.0 <= self.span_s <= 60.0:
            raise ValueError(f"time span must be 1..60 s, got {self.span_s:g}")
        return self


def window_choices() -> tuple[str, ...]:
    """Window specs offered in the GUI (all of :mod:`specscope.dsp.windows`)."""
    return WINDOW_NAMES


def qsettings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def load_settings(store: QSettings) -> LiveSettings:
    """Read settings saved by :func:`save_settings`; anything missing or invalid falls back to the default."""
    defaults = LiveSettings()
    values = {}
    for f in dataclasses.fields(LiveSettings):
        raw = store.value(f"live/{f.name}", None)
        if raw is None:
            continue
        try:
            values[f.name] = type(getattr(defaults, f.name))(raw)
        except (TypeError, ValueError):
            continue
    try:
        return LiveSettings(**values).validated()
    except (TypeError, ValueError):
        return defaults


def save_settings(store: QSettings, settings: LiveSettings) -> None:
    for f in dataclasses.fields(LiveSettings):
        store.setValue(f"live/{f.name}", getattr(settings, f.name))
