"""The STFT configuration: one frozen, validated object, the only place that
knows how bins map to Hz and frames map to seconds.

Thread: any (immutable; the window array is computed once and cached).

Conventions (see README "What the numbers mean"):

* bin k of the one-sided spectrum is at ``freqs_hz[k] = k * fs_hz / n_fft_padded``
  with ``n_fft_padded = n_fft * zero_pad``, k = 0 .. n_fft_padded / 2;
* frame i covers samples ``[i * hop, i * hop + n_fft)`` (causal, no padding
  before the first sample) and is stamped at its centre,
  ``times_s[i] = (i * hop + n_fft / 2) / fs_hz``;
* amplitudes are dBFS: ``mag[k] = c_k |X[k]| / sum(window)`` with c_k = 2
  except at DC and Nyquist where c_k = 1, so a full-scale sine centred on a bin
  reads 0 dB with every window.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .windows import WindowSpec, parse_window, periodic_window

N_FFT_MIN = 16
N_FFT_MAX = 131072
ZERO_PAD_CHOICES = (1, 2, 4, 8)
FS_HZ_MAX = 1_536_000.0
AMIN = 1e-10
"""Amplitude floor applied before the logarithm: -200 dBFS."""


@dataclass(frozen=True)
class StftConfig:
    """Parameters of the short-time Fourier transform.

    Parameters
    ----------
    fs_hz : float
        Sample rate in Hz, > 0.
    n_fft : int
        Window (frame) length in samples: even, 16 <= n_fft <= 131072.
    hop : int
        Frame advance in samples, 1 <= hop <= n_fft.
    window : str
        Window name as :func:`scipy.signal.get_window` spells it (``hann``,
        ``kaiser:8.6``...); see :mod:`specscope.dsp.windows`.
    zero_pad : int
        FFT length factor: the FFT has ``n_fft * zero_pad`` points, one of
        1, 2, 4, 8.  It interpolates the spectrum; it does not add resolution.

    Raises
    ------
    ValueError
        If a parameter is out of range; the message names it.
    """

    fs_hz: float
    n_fft: int = 2048
    hop: int = 512
    window: str = "hann"
    zero_pad: int = 1
    _window_spec: WindowSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fs = self.fs_hz
        if isinstance(fs, bool) or not isinstance(fs, (int, float, np.integer, np.floating)):
            raise ValueError(f"fs_hz must be a number of Hz, got {fs!r}")
        if not (math.isfinite(fs) and 0 < fs <= FS_HZ_MAX):
            raise ValueError(f"fs_hz must be in (0, {FS_HZ_MAX:g}] Hz, got {fs!r}")
        object.__setattr__(self, "fs_hz", float(fs))
        n = _as_int("n_fft", self.n_fft)
        if not (N_FFT_MIN <= n <= N_FFT_MAX and n % 2 == 0):
            raise ValueError(f"n_fft must be an even number of samples in {N_FFT_MIN}..{N_FFT_MAX}, got {self.n_fft!r}")
        object.__setattr__(self, "n_fft", n)
        hop = _as_int("hop", self.hop)
        if not 1 <= hop <= n:
            raise ValueError(f"hop must be an integer number of samples in 1..n_fft ({n}), got {self.hop!r}")
        object.__setattr__(self, "hop", hop)
        zp = _as_int("zero_pad", self.zero_pad)
        if zp not in ZERO_PAD_CHOICES:
            raise ValueError(f"zero_pad must be one of {', '.join(map(str, ZERO_PAD_CHOICES))}, got {self.zero_pad!r}")
        object.__setattr__(self, "zero_pad", zp)
        spec = parse_window(self.window)
        object.__setattr__(self, "window", spec.spec)
        object.__setattr__(self, "_window_spec", spec)

    def replace(self, **changes: object) -> StftConfig:
        """Return a validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    # --- frequency ---------------------------------------------------------
    @property
    def window_spec(self) -> WindowSpec:
        """The parsed window."""
        return self._window_spec

    @property
    def n_fft_padded(self) -> int:
        """FFT length in points, ``n_fft * zero_pad``."""
        return self.n_fft * self.zero_pad

    @property
    def n_freqs(self) -> int:
        """Number of one-sided bins, ``n_fft_padded / 2 + 1``."""
        return self.n_fft_padded // 2 + 1

    @property
    def delta_f_hz(self) -> float:
        """Bin spacing in Hz, ``fs_hz / n_fft_padded``."""
        return self.fs_hz / self.n_fft_padded

    @cached_property
    def freqs_hz(self) -> np.ndarray:
        """Centre frequency of every bin in Hz: ``k * fs_hz / n_fft_padded``.

        This is the one definition of the frequency axis in specscope.
        """
        freqs = np.arange(self.n_freqs, dtype=np.float64) * (self.fs_hz / self.n_fft_padded)
        freqs.flags.writeable = False
        return freqs

    def bin_to_hz(self, k: float | np.ndarray) -> float | np.ndarray:
        """Frequency in Hz of a (fractional) bin index."""
        return k * self.delta_f_hz

    def hz_to_bin(self, f_hz: float | np.ndarray) -> float | np.ndarray:
        """Fractional bin index of a frequency in Hz."""
        return f_hz / self.delta_f_hz

    @property
    def freq_extent_hz(self) -> tuple[float, float]:
        """Lower and upper frequency edges of a spectrogram image, in Hz.

        Each image row is one bin, Δf high, centred on its frequency: the
        image spans ``-Δf/2 .. f_max + Δf/2``.
        """
        half = 0.5 * self.delta_f_hz
        return (-half, self.freqs_hz[-1] + half)

    # --- time --------------------------------------------------------------
    @property
    def hop_s(self) -> float:
        """Frame advance in seconds, ``hop / fs_hz``."""
        return self.hop / self.fs_hz

    @property
    def frame_s(self) -> float:
        """Frame length in seconds, ``n_fft / fs_hz``."""
        return self.n_fft / self.fs_hz

    @property
    def overlap(self) -> float:
        """Fraction of a frame shared with the next, ``1 - hop / n_fft``."""
        return 1.0 - self.hop / self.n_fft

    def n_frames(self, n_samples: int) -> int:
        """Frames in a signal of `n_samples`: ``1 + (n_samples - n_fft) // hop``, at least 0."""
        if n_samples < self.n_fft:
            return 0
        return 1 + (n_samples - self.n_fft) // self.hop

    def frame_times_s(self, n_frames: int, first_frame: int = 0, offset_s: float = 0.0) -> np.ndarray:
        """Centre time of frames, ``offset_s + (i * hop + n_fft / 2) / fs_hz``.

        Parameters
        ----------
        n_frames : int
            How many frames.
        first_frame : int
            Index i of the first.
        offset_s : float
            Time of sample 0 in seconds (the start of a slice within a file).
        """
        i = np.arange(first_frame, first_frame + n_frames, dtype=np.float64)
        return offset_s + (i * self.hop + self.n_fft / 2.0) / self.fs_hz

    def frame_at_s(self, t_s: float | np.ndarray) -> float | np.ndarray:
        """Fractional frame index whose centre is at `t_s`: the inverse of :meth:`frame_times_s`,
        ``(t_s * fs_hz - n_fft / 2) / hop``."""
        return (t_s * self.fs_hz - self.n_fft / 2.0) / self.hop

    # --- amplitude ---------------------------------------------------------
    @cached_property
    def window_array(self) -> np.ndarray:
        """The periodic window, float64, length ``n_fft`` (read-only)."""
        w = periodic_window(self._window_spec, self.n_fft)
        w.flags.writeable = False
        return w

    @cached_property
    def window_sum(self) -> float:
        """``sum(window)``, the coherent gain times n_fft."""
        return float(self.window_array.sum())

    @cached_property
    def amplitude_scale(self) -> np.ndarray:
        """Per-bin factor ``c_k / sum(window)`` from |X[k]| to amplitude (1 = full scale).

        c_k = 2 for every bin except DC and Nyquist, where it is 1.
        """
        scale = np.full(self.n_freqs, 2.0 / self.window_sum)
        scale[0] = 1.0 / self.window_sum
        scale[-1] = 1.0 / self.window_sum
        scale.flags.writeable = False
        return scale

    @property
    def enbw_bins(self) -> float:
        """Equivalent noise bandwidth of the window in bins of ``fs/n_fft``: ``N sum(w^2) / sum(w)^2``."""
        w = self.window_array
        return float(self.n_fft * np.dot(w, w) / self.window_sum**2)

    def describe(self) -> str:
        """One line for status bars and logs."""
        return (
            f"fs {self.fs_hz:g} Hz, N {self.n_fft}, zero pad {self.zero_pad}x, "
            f"Δf {self.delta_f_hz:.4g} Hz, hop {self.hop} ({1e3 * self.hop_s:.3g} ms), "
            f"{self.window}, overlap {100 * self.overlap:.4g} %"
        )


def _as_int(name: str, value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    raise ValueError(f"{name} must be an integer, got {value!r}")
