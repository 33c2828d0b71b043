"""Playback for research: time expansion (1/32x ... 4x, the pitch drops with the speed) and band-limited playback.

Thread: a :class:`Render` is built on the caller's thread (the GUI thread,
through :class:`specscope.app.gui.playback.Player`) and then used only by the
playback **feeder** thread of :class:`specscope.app.output.playback.PlaybackRun`:
:meth:`Render.blocks` reads the file and yields what the PortAudio callback
will copy.  No Qt, no sounddevice call in the feeder.

Time expansion (the bat-detector convention)
--------------------------------------------
Speed ``v`` plays file sample n at time ``n / (fs v)``: every frequency is
multiplied by ``v`` (a 40 kHz call recorded at 384 kHz plays at 4 kHz at
``v = 1/10``) and the duration divided by it.  The stream runs at
``fs v`` when that is a standard rate the device takes; otherwise the samples are resampled here with
:func:`scipy.signal.resample_poly` by the exact ratio ``up/down =
rate / (fs v)`` to a rate the device takes (its default rate).

Band-limited playback of a box
------------------------------
A zero-phase band-pass (Butterworth of order :data:`BAND_ORDER` per pass,
run forward and backward by :func:`scipy.signal.sosfiltfilt`, so order
``2 BAND_ORDER`` in magnitude and no phase shift) of ``low_hz .. high_hz``;
a missing low edge makes it a low-pass, a missing high edge a high-pass.

Block-wise without seams
------------------------
The file is processed in blocks of :data:`BLOCK_FRAMES` (a multiple of
``down``), each read with :attr:`Render.margin` extra samples of context on
both sides (zeros outside the file); the filter and the resampler run over
block plus margins and the margins' output is dropped.  The margin covers the
band-pass's impulse response down to :data:`TAIL_DB` and the resampler's half
filter length, so consecutive blocks join to what one pass over the whole
file gives (to about -100 dB: see the tests).  The play position stays in the
file's own time: :attr:`Render.file_s_per_frame` converts output frames back.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction

import numpy as np
from scipy import signal

SPEEDS = (1 / 32, 1 / 20, 1 / 16, 1 / 10, 1 / 8, 1 / 4, 1 / 2, 1.0, 2.0, 4.0)
"""The speeds offered (time expansion below 1, compression above)."""
SPEED_LABELS = ("1/32×", "1/20×", "1/16×", "1/10×", "1/8×", "1/4×", "1/2×", "1×", "2×", "4×")
"""How the transport bar names them."""
MIN_SPEED, MAX_SPEED = 1 / 32, 4.0
BAND_ORDER = 4
"""Butterworth order of one pass of the band-pass (the zero-phase filter doubles it)."""
TAIL_DB = -120.0
"""The block margin covers the band-pass's impulse response until it has decayed this far."""
BLOCK_FRAMES = 16384
"""Input samples per processed block (rounded up to a multiple of the resampler's ``down``)."""
MAX_MARGIN_FRAMES = 1 << 21
"""Longest context per side (a very narrow band at a high rate rings for long): bounds memory."""
DEVICE_RATES_HZ = (48000, 44100, 96000, 32000, 22050, 16000, 192000)
"""Rates tried, in order, when ``fs v`` is not a standard rate or the device refuses it."""
STANDARD_RATES_HZ = frozenset((8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000))
"""Rates streamed as they are.  Others (38.4 kHz for 384 kHz at 1/10x) are resampled here: PortAudio's
check accepts them through ALSA's pulse plug, which then played them silent and too fast on the test sink."""


class RenderError(ValueError):
    """An impossible speed or band; one line for the user."""


def check_speed(speed: float) -> float:
    """`speed` as a float in ``[1/32, 4]`` (RenderError otherwise)."""
    try:
        v = float(speed)
    except (TypeError, ValueError):
        raise RenderError(f"playback speed must be a number, got {speed!r}") from None
    if not (MIN_SPEED - 1e-12 <= v <= MAX_SPEED + 1e-12):
        raise RenderError(f"playback speed must be between 1/32 and 4, got {v:g}")
    return v


def band_sos(fs_hz: float, low_hz: float | None, high_hz: float | None) -> np.ndarray | None:
    """Second-order sections of the band-pass (low-, high-pass with one edge); None when nothing is cut.

    Edges at or below 0 Hz or at or above Nyquist count as missing.
    """
    nyq = 0.5 * fs_hz
    lo = None if low_hz is None or low_hz <= 0 else float(low_hz)
    hi = None if high_hz is None or high_hz >= nyq * 0.999 else float(high_hz)
    if lo is not None and hi is not None:
        if not hi > lo:
            raise RenderError(f"band-limited playback needs low < high, got {lo:g} .. {hi:g} Hz")
        return signal.butter(BAND_ORDER, [lo, hi], btype="bandpass", fs=fs_hz, output="sos")
    if lo is not None:
        return signal.butter(BAND_ORDER, lo, btype="highpass", fs=fs_hz, output="sos")
    if hi is not None:
        return signal.butter(BAND_ORDER, hi, btype="lowpass", fs=fs_hz, output="sos")
    return None


def impulse_tail_frames(sos: np.ndarray, tail_db: float = TAIL_DB) -> int:
    """Samples after which the filter's impulse response stays below `tail_db` of its peak."""
    n = 4096
    while True:
        x = np.zeros(n)
        x[0] = 1.0
        h = np.abs(signal.sosfilt(sos, x))
        above = np.nonzero(h > h.max() * 10 ** (tail_db / 20))[0]
        last = int(above[-1]) if above.size else 0
        if last < n - n // 8 or n >= MAX_MARGIN_FRAMES:
            return min(last + 1, MAX_MARGIN_FRAMES)
        n *= 4


def device_takes(rate_hz: float, device: int | None) -> bool:
    """Whether PortAudio accepts a mono float32 stream at `rate_hz` on `device` (False if it cannot say)."""
    try:
        import sounddevice as sd

        sd.check_output_settings(device=device, channels=1, dtype="float32", samplerate=rate_hz)
    except Exception:  # refused rate, no device, no PortAudio: resample to a common rate instead
        return False
    return True


class Render:
    """What a playback run plays: the file's samples, band-limited and at a speed.

    Parameters
    ----------
    fs_hz : float
        The file's sample rate.
    speed : float
        1/32 .. 4 (:data:`SPEEDS`); 1 plays in real time.
    band_hz : (float or None, float or None) or None
        ``(low_hz, high_hz)`` of a band-limited playback; None plays everything.
    out_rate_hz : float, optional
        The stream's rate; default ``fs speed`` when `device` takes it, else the
        first of :data:`DEVICE_RATES_HZ` it takes (48 kHz if it cannot say).
    device : int or None
        PortAudio output device, for the rate check.

    Attributes
    ----------
    out_rate_hz : float
        Rate of the output stream.
    up, down : int
        Resampling ratio ``out_rate / (fs speed)`` (1, 1: none).
    margin : int
        Context samples read on each side of a block.
    file_s_per_frame : float
        File seconds per output frame, ``speed / out_rate_hz``.
    """

    def __init__(self, fs_hz: float, speed: float = 1.0, band_hz: tuple[float | None, float | None] | None = None,
                 out_rate_hz: float | None = None, device: int | None = None) -> None:
        self.fs_hz = float(fs_hz)
        self.speed = check_speed(speed)
        nominal = self.fs_hz * self.speed
        if out_rate_hz is None:
            if round(nominal) in STANDARD_RATES_HZ and abs(nominal - round(nominal)) < 1e-6 \
                    and device_takes(round(nominal), device):
                out_rate_hz = round(nominal)
            else:
                out_rate_hz = next((r for r in DEVICE_RATES_HZ if device_takes(r, device)), 48000)
        self.out_rate_hz = float(out_rate_hz)
        ratio = (Fraction(self.out_rate_hz).limit_denominator(1000)
                 / (Fraction(self.fs_hz).limit_denominator(1000) * Fraction(self.speed).limit_denominator(1000)))
        self.up, self.down = ratio.numerator, ratio.denominator
        self.band_hz = band_hz
        self.sos = None if band_hz is None else band_sos(self.fs_hz, *band_hz)
        filt_margin = impulse_tail_frames(self.sos) if self.sos is not None else 0
        resample_margin = 0 if self.up == self.down == 1 else 10 * max(self.up, self.down) // self.up + 64
        self.block = self._multiple(BLOCK_FRAMES)
        self.margin = self._multiple(max(filt_margin, resample_margin)) if (filt_margin or resample_margin) else 0
        self.file_s_per_frame = self.speed / self.out_rate_hz

    def _multiple(self, n: int) -> int:
        return int(math.ceil(n / self.down) * self.down)

    @property
    def identity(self) -> bool:
        """True when the samples are played as they are (speed fits the stream, no band)."""
        return self.sos is None and self.up == self.down == 1

    def out_frames(self, n_in: int) -> int:
        """Output frames for `n_in` input samples."""
        return n_in * self.up // self.down

    def process(self, padded: np.ndarray) -> np.ndarray:
        """Filter and resample one block with its margins, and drop the margins' output.

        `padded` is ``margin + L + margin`` samples (L a multiple of ``down``
        except for the file's last block); returns ``out_frames(L)`` float32 samples.
        """
        m = self.margin
        n_in = padded.shape[0] - 2 * m
        y = padded.astype(np.float64)
        if self.sos is not None:
            y = signal.sosfiltfilt(self.sos, y, padtype=None)
        if not self.up == self.down == 1:
            y = signal.resample_poly(y, self.up, self.down)
            a = self.out_frames(m)
            y = y[a: a + self.out_frames(n_in)]
        else:
            y = y[m: m + n_in]
        return np.asarray(y, dtype=np.float32)

    def blocks(self, reader, first_sample: int, n_samples: int, channel) -> Iterator[np.ndarray]:
        """The output for file samples ``first_sample .. first_sample + n_samples``, block by block (feeder)."""
        if self.identity:
            yield from reader.blocks(first_sample, n_samples, channel=channel, block_frames=self.block)
            return
        total = int(reader.info.frames)
        end = min(total, first_sample + n_samples)
        pos = first_sample
        m = self.margin
        while pos < end:
            n = min(self.block, end - pos)
            lo, hi = pos - m, pos + n + m
            padded = np.zeros(hi - lo, dtype=np.float32)
            r0, r1 = max(0, lo), min(total, hi)
            if r1 > r0:
                got = reader.read(r0, r1 - r0, channel=channel)
                padded[r0 - lo: r0 - lo + got.shape[0]] = got
            out = self.process(padded)
            out.flags.writeable = False
            yield out
            pos += n
