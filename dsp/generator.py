"""Test signals: sine, band-limited square, white and pink noise, exponential
sweep and silence, rendered block by block with continuous phase.

Thread: :class:`SignalGenerator` is built in any thread (the noise loops and the
square's table are computed there, tens of milliseconds); :meth:`SignalGenerator.render`
is meant for the PortAudio output callback's thread, or for a worker that fills
a ring buffer the callback copies from.  One generator belongs to one thread.

Levels (the analyser's dBFS: a full-scale sine reads 0 dB)
-------------------------------------------------------
* sine and sweep: ``level_dbfs`` is the amplitude, ``A = 10^(level/20)``;
  -20 dBFS is amplitude 0.1 and reads -20 dB on a spectral peak.
* square: ``A`` is the amplitude of the ideal square (its flat parts at +-A);
  the fundamental is ``4/pi A`` (+2.10 dB).  The square is band-limited (odd
  harmonics below fs/2 only, so nothing aliases): its Gibbs ripple peaks near
  1.18 A.
* white and pink noise: RMS ``A / sqrt(2)``, the RMS of a sine at the same
  level (the AES17 convention), over the noise's whole band.
* ``limit_dbfs`` is a ceiling: if the waveform's peak would exceed it, the
  gain is lowered until it does not (nothing is clipped; see
  :attr:`SignalGenerator.gain`).  A final clip at the ceiling only guards
  against float rounding.

Noise: white and pink are precomputed loops of 2^20 samples (21.8 s at 48 kHz)
played cyclically.  Each loop is built in the frequency domain with exact
magnitudes and random phases (seeded): flat for white; ``1/sqrt(f)`` from 10 Hz
to fs/2 for pink, zero below 10 Hz.  So every 1/3-octave band from 20 Hz to 20 kHz
holds the same power, to the rounding of the band edges to 0.05 Hz bins (about
0.01 dB at 20 Hz), not just on average; the loop's amplitude distribution is
close to Gaussian.

Fades: a raised cosine of ``fade_s`` (at least one sample) at the start and,
after :meth:`SignalGenerator.stop`, at the end; each sweep repetition is also
faded in and out.

Cost in the callback: per block a handful of vectorised numpy passes over
buffers preallocated for ``max_frames`` (measured here for 1024 frames: sine
about 20 us, square 35 us, noise 5 us, sweep 45 us).  Pass ``out`` to avoid
allocating the result; the sweep still makes two index temporaries of the
block's size for its per-repetition fades.  No Python loop over samples, no
file access, no lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

Kind = Literal["sine", "square", "white", "pink", "sweep", "silence"]
KINDS: tuple[str, ...] = get_args(Kind)
NOISE_LOOP_FRAMES = 1 << 20
PINK_LOW_HZ = 10.0
"""Pink noise has no content below this (it would otherwise carry infrasonic power without bound)."""
SQUARE_POINTS_PER_HARMONIC = 16
"""The square's table holds at least 16 points per period of its highest harmonic (linear interpolation)."""
MAX_FRAMES = 8192


@dataclass(frozen=True)
class GeneratorSettings:
    """What to generate.

    Parameters
    ----------
    kind : {"sine", "square", "white", "pink", "sweep", "silence"}
    fs_hz : float
        Sample rate in Hz, > 0.
    frequency_hz : float
        Sine and square frequency in Hz, 0 < f < fs/2.
    level_dbfs : float
        Level in dBFS as the module docstring defines it per kind, <= 0.
    start_hz, end_hz : float
        Sweep start and end frequencies in Hz, 0 < f < fs/2 (either order).
    duration_s : float
        Sweep duration in seconds (it repeats), > 0.
    limit_dbfs : float
        Ceiling in dBFS, <= 0: the output never exceeds ``10^(limit/20)``.
    fade_s : float
        Fade-in / fade-out time in seconds, 0 <= fade_s <= 1 (at least one sample).
    seed : int
        Noise seed: the same seed gives the same noise.
    """

    kind: Kind = "sine"
    fs_hz: float = 48000.0
    frequency_hz: float = 1000.0
    level_dbfs: float = -20.0
    start_hz: float = 20.0
    end_hz: float = 20000.0
    duration_s: float = 10.0
    limit_dbfs: float = 0.0
    fade_s: float = 0.005
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        for name in ("fs_hz", "frequency_hz", "level_dbfs", "start_hz", "end_hz", "duration_s", "limit_dbfs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.fs_hz <= 0:
            raise ValueError(f"fs_hz must be > 0 Hz, got {self.fs_hz!r}")
        nyquist = self.fs_hz / 2
        for name in ("frequency_hz", "start_hz", "end_hz"):
            if not 0 < getattr(self, name) < nyquist:
                raise ValueError(f"{name} must be in (0, {nyquist:g}) Hz, got {getattr(self, name)!r}")
        if self.level_dbfs > 0 or self.limit_dbfs > 0:
            raise ValueError(f"level_dbfs and limit_dbfs must be <= 0 dBFS, got {self.level_dbfs}, {self.limit_dbfs}")
        if self.duration_s <= 0:
            raise ValueError(f"duration_s must be > 0 s, got {self.duration_s!r}")
        if not (isinstance(self.fade_s, (int, float)) and 0 <= self.fade_s <= 1):
            raise ValueError(f"fade_s must be in [0, 1] s, got {self.fade_s!r}")
        object.__setattr__(self, "fade_s", float(self.fade_s))


class SignalGenerator:
    """Renders one :class:`GeneratorSettings` block by block.

    Parameters
    ----------
    settings : GeneratorSettings
    max_frames : int
        Largest block rendered in one pass; larger requests are split.  Sets the
        size of the scratch buffers (8 bytes per frame each).
    """

    def __init__(self, settings: GeneratorSettings, max_frames: int = MAX_FRAMES) -> None:
        self.settings = s = settings
        fs = s.fs_hz
        self.n_fade = max(1, round(s.fade_s * fs))
        self._fade = (0.5 - 0.5 * np.cos(np.pi * np.arange(self.n_fade + 1) / self.n_fade)).astype(np.float32)
        self._k = np.arange(max_frames, dtype=np.float64)
        self._t = np.empty(max_frames)
        self._g = np.empty(max_frames, np.float32)
        self._idx = np.empty(max_frames, np.int64)
        self._u = np.empty(max_frames)
        self._v = np.empty(max_frames)
        self._wave: np.ndarray | None = None
        unit_peak = 1.0
        amplitude = 10 ** (s.level_dbfs / 20)
        if s.kind in ("white", "pink"):
            self._wave = _noise_loop(s.kind, fs, s.seed)
            amplitude /= math.sqrt(2)
            unit_peak = float(np.max(np.abs(self._wave)))
        elif s.kind == "square":
            self._wave = _square_table(s.frequency_hz, fs)
            unit_peak = float(np.max(np.abs(self._wave)))
        elif s.kind == "sweep":
            self._n_sweep = max(2, round(s.duration_s * fs))
            self._rate = math.log(s.end_hz / s.start_hz) / s.duration_s  # ln(f2/f1) / T, 1/s
        self.ceiling = 10 ** (s.limit_dbfs / 20)
        self.gain = 0.0 if s.kind == "silence" else min(amplitude, self.ceiling / unit_peak)
        """Factor applied to the unit waveform (1 = full-scale sine, unit-RMS noise, unit square)."""
        self._phase = 0.0  # cycles, sine and square
        self._pos = 0  # samples: noise loop position, sweep position in its cycle
        self.n_rendered = 0
        self._stop_at: int | None = None

    @property
    def finished(self) -> bool:
        """True once a fade-out has ended: only zeros follow."""
        return self._stop_at is not None and self.n_rendered > self._stop_at + self.n_fade

    def stop(self) -> None:
        """Begin the fade-out at the next sample; after ``n_fade + 1`` samples only zeros follow."""
        if self._stop_at is None:
            self._stop_at = self.n_rendered

    def render(self, n_frames: int, out: np.ndarray | None = None) -> np.ndarray:
        """The next `n_frames` samples.

        Parameters
        ----------
        n_frames : int
            How many, >= 0.
        out : numpy.ndarray, optional
            float32 array of shape (n_frames,) to write into (no allocation then).

        Returns
        -------
        numpy.ndarray
            float32 of shape (n_frames,), continuing the previous call's waveform.
        """
        if out is None:
            out = np.empty(n_frames, np.float32)
        elif out.shape != (n_frames,) or out.dtype != np.float32:
            raise ValueError(f"out must be float32 of shape ({n_frames},), got {out.dtype} {out.shape}")
        step = self._k.shape[0]
        for a in range(0, n_frames, step):
            self._render(out[a : a + step])
        return out

    def _render(self, out: np.ndarray) -> None:
        n = out.shape[0]
        s, t = self.settings, self._t[:n]
        if self.finished or s.kind == "silence":
            out[:] = 0.0
        elif s.kind == "sine":
            self._phase_ramp(t)
            t *= 2 * np.pi
            np.sin(t, out=t)
            np.multiply(t, self.gain, out=out)
        elif s.kind == "square":
            self._phase_ramp(t)
            self._lookup(t, out)
        elif s.kind in ("white", "pink"):
            loop = self._wave
            first = min(n, loop.shape[0] - self._pos)
            np.multiply(loop[self._pos : self._pos + first], self.gain, out=out[:first])
            if first < n:
                np.multiply(loop[: n - first], self.gain, out=out[first:])
            self._pos = (self._pos + n) % loop.shape[0]
        else:
            self._sweep(out)
        self._apply_fades(out)
        np.clip(out, -self.ceiling, self.ceiling, out=out)
        self.n_rendered += n

    def _phase_ramp(self, t: np.ndarray) -> None:
        """``t[k] = phase + k f / fs`` in cycles; advance the phase past this block (kept in [0, 1))."""
        s, n = self.settings, t.shape[0]
        inc = s.frequency_hz / s.fs_hz
        np.multiply(self._k[:n], inc, out=t)
        t += self._phase
        self._phase = (self._phase + n * inc) % 1.0

    def _lookup(self, t: np.ndarray, out: np.ndarray) -> None:
        """Linear interpolation in the square's table at phases `t` (cycles; overwritten)."""
        n, size = t.shape[0], self._wave.shape[0] - 1
        t %= 1.0
        t *= size
        idx, lo, hi = self._idx[:n], self._u[:n], self._v[:n]
        idx[:] = t  # floor, as t >= 0
        t -= idx  # fraction in [0, 1)
        np.take(self._wave, idx, out=lo)
        idx += 1
        np.take(self._wave, idx, out=hi)
        hi -= lo
        hi *= t
        hi += lo
        np.multiply(hi, self.gain, out=out)

    def _sweep(self, out: np.ndarray) -> None:
        """``sin(2 pi f1 / r (e^(r t) - 1))`` with ``r = ln(f2/f1) / T``, t from each repetition's start."""
        s, n = self.settings, out.shape[0]
        idx = self._idx[:n]
        np.add(self._k[:n], self._pos, out=self._t[:n])
        idx[:] = self._t[:n]
        idx %= self._n_sweep
        t = self._t[:n]
        np.multiply(idx, self._rate / s.fs_hz, out=t)
        np.expm1(t, out=t)
        t *= 2 * np.pi * s.start_hz / self._rate
        np.sin(t, out=t)
        t *= self.gain
        # Each repetition fades in and out: gain fade[min(i, F)] * fade[min(N - 1 - i, F)].
        g = self._g[:n]
        g[:] = self._fade[np.minimum(idx, self.n_fade)]
        g *= self._fade[np.minimum(self._n_sweep - 1 - idx, self.n_fade)]
        np.multiply(t, g, out=out)
        self._pos = (self._pos + n) % self._n_sweep

    def _apply_fades(self, out: np.ndarray) -> None:
        n, start, f = out.shape[0], self.n_rendered, self.n_fade
        if start < f:  # fade-in: gain fade[i] for i < F
            m = min(n, f - start)
            out[:m] *= self._fade[start : start + m]
        if self._stop_at is not None:  # fade-out: gain fade[F - d] at d = i - stop_at samples after stop
            d0 = start - self._stop_at  # d of out[0]
            j0 = min(n, max(0, -d0))  # first sample with d >= 0
            j1 = min(n, max(j0, f + 1 - d0))  # first sample with d > F: zeros from there
            if j1 > j0:
                out[j0:j1] *= self._fade[f - d0 - j1 + 1 : f - d0 - j0 + 1][::-1]
            out[j1:] = 0.0


def _noise_loop(kind: str, fs_hz: float, seed: int) -> np.ndarray:
    """A periodic noise of NOISE_LOOP_FRAMES samples, unit RMS, float32 (see the module docstring)."""
    n = NOISE_LOOP_FRAMES
    rng = np.random.default_rng(seed)
    freqs = np.fft.rfftfreq(n, 1.0 / fs_hz)
    magnitude = np.ones(freqs.shape[0])
    if kind == "pink":
        magnitude = np.where(freqs >= PINK_LOW_HZ, 1.0 / np.sqrt(np.maximum(freqs, PINK_LOW_HZ)), 0.0)
    magnitude[0] = magnitude[-1] = 0.0  # no DC, no Nyquist
    spectrum = magnitude * np.exp(2j * np.pi * rng.random(freqs.shape[0]))
    x = np.fft.irfft(spectrum, n)
    x /= np.sqrt(np.mean(x * x))
    return x.astype(np.float32)


def _square_table(frequency_hz: float, fs_hz: float) -> np.ndarray:
    """One period of the band-limited unit square, ``sum_{k odd, k f < fs/2} 4/(pi k) sin(2 pi k phi)``.

    Returned with the first point repeated at the end (length size + 1) for interpolation.
    """
    n_harmonics = math.ceil(fs_hz / 2 / frequency_hz) - 1  # harmonics strictly below Nyquist
    size = max(8192, 1 << math.ceil(math.log2(2 * SQUARE_POINTS_PER_HARMONIC * max(n_harmonics, 1))))
    size = min(size, 1 << 22)
    spectrum = np.zeros(size // 2 + 1, complex)
    k = np.arange(1, min(n_harmonics, size // 2 - 1) + 1, 2)
    spectrum[k] = -1j * (4 / np.pi) / k * (size / 2)  # irfft of -j c N/2 at bin k is c sin(2 pi k j / N)
    table = np.fft.irfft(spectrum, size)
    return np.append(table, table[0])


def generate(settings: GeneratorSettings, seconds: float) -> np.ndarray:
    """A whole signal of `seconds`, faded in at the start and out to zero at the end.

    Returns
    -------
    numpy.ndarray
        float32 of shape (round(seconds * fs_hz),).
    """
    n = round(seconds * settings.fs_hz)
    gen = SignalGenerator(settings)
    out = np.empty(n, np.float32)
    body = max(0, n - (gen.n_fade + 1))
    gen.render(body, out[:body])
    gen.stop()
    gen.render(n - body, out[body:])
    return out
