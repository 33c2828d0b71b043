"""The waveform's min/max pyramid: per-pixel envelopes of any range of a file without reading it again.

Threads
-------
* :func:`pyramid_blocks` and :func:`read_range` run in a background job: they
  read the file and hand over read-only :class:`WaveBlock` values;
* :class:`WavePyramid` lives on the GUI thread, which assembles the blocks
  into its own arrays (the job never writes an array the GUI reads) and asks
  it for envelopes.  No Qt here.

The pyramid
-----------
Level 0 holds, per channel, the minimum and maximum of every
:data:`BIN_FRAMES` frames; level L those of ``BIN_FRAMES * FACTOR**L``
frames.  An envelope of ``n_px`` pixels over frames ``f0 .. f1`` takes the
coarsest level whose bins are not wider than a pixel and reduces, for pixel
p, the bins from ``floor((f0 + p s) / B)`` to the next pixel's first bin
(``s = (f1 - f0) / n_px`` frames per pixel, ``B`` the level's bin width),
so every bin falls in some pixel: a one-sample click is never lost.  Below
:data:`BIN_FRAMES` frames per pixel the envelope comes from the samples
themselves (:func:`read_range`, :func:`envelope_of_samples`).

Memory: ``8 channels * 2 * 4 / BIN_FRAMES * 8/7`` bytes per frame at most:
about 25 MB for two hours of 48 kHz stereo.  16-bit PCM is read as int16
(exact, half the bytes of float32).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BIN_FRAMES = 256
"""Frames per level-0 bin."""
FACTOR = 8
"""Bins of level L merged into one of level L + 1."""
READ_FRAMES = BIN_FRAMES * 4096
"""Frames per read of the pyramid job (4 MB of 16-bit stereo)."""
MAX_READ_SAMPLES = 1 << 22
"""Most samples (frames x channels) held by one read."""
MAX_CHANNELS = 8
"""Rows of the strip (a file with more channels shows the first eight)."""
EMIT_EVERY_S = 0.15
"""The job hands over what it has computed at least this often."""


@dataclass(frozen=True)
class WaveBlock:
    """Level-0 bins ``first_bin ..`` of every shown channel: ``mins``, ``maxs`` (n, channels) float32, read-only."""

    first_bin: int
    mins: np.ndarray
    maxs: np.ndarray


def _freeze(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.flags.writeable = False


def bin_min_max(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of every :data:`BIN_FRAMES` frames of `x` (n, channels), the last bin possibly short (float32)."""
    n, ch = x.shape
    scale = 1.0 / 32768.0 if x.dtype == np.int16 else 1.0
    t = np.ascontiguousarray(x.T)  # (channels, n): contiguous reductions are ~20x faster than strided ones
    full = n // BIN_FRAMES
    mins = np.empty((full + (n % BIN_FRAMES > 0), ch), dtype=np.float32)
    maxs = np.empty_like(mins)
    if full:
        v = t[:, : full * BIN_FRAMES].reshape(ch, full, BIN_FRAMES)
        mins[:full] = v.min(axis=2).T * scale
        maxs[:full] = v.max(axis=2).T * scale
    if n % BIN_FRAMES:
        tail = t[:, full * BIN_FRAMES:]
        mins[full] = tail.min(axis=1) * scale
        maxs[full] = tail.max(axis=1) * scale
    return mins, maxs


def pyramid_blocks(path: str, cancelled: Callable[[], bool], on_block: Callable[[WaveBlock], None],
                   progress: Callable[[int, int], None] | None = None) -> None:
    """Read the whole file once and hand over its level-0 bins, in order, every :data:`EMIT_EVERY_S` (job thread)."""
    from specscope.app.io.audio_file import open_audio

    with open_audio(path) as reader:
        info = reader.info
        ch = min(info.channels, MAX_CHANNELS)
        dtype = np.int16 if "PCM 16" in info.encoding else np.float32
        step = max(BIN_FRAMES, min(READ_FRAMES, MAX_READ_SAMPLES // info.channels) // BIN_FRAMES * BIN_FRAMES)
        buf = np.empty((step, info.channels), dtype=dtype)
        pos, first_bin, last_emit = 0, 0, time.monotonic()
        pending: list[tuple[np.ndarray, np.ndarray]] = []

        def emit() -> None:
            nonlocal first_bin
            if pending:
                mins = np.concatenate([p[0] for p in pending])
                maxs = np.concatenate([p[1] for p in pending])
                _freeze(mins, maxs)
                on_block(WaveBlock(first_bin, mins, maxs))
                first_bin += mins.shape[0]
                pending.clear()

        while pos < info.frames:
            if cancelled():
                return
            got = reader.read_frames_into(pos, buf)
            if got == 0:
                break
            x = buf[:got, :ch]
            if dtype is np.float32:
                x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
            pending.append(bin_min_max(x))
            pos += got
            now = time.monotonic()
            if now - last_emit >= EMIT_EVERY_S:
                emit()
                last_emit = now
                if progress is not None:
                    progress(pos, info.frames)
        emit()
        if progress is not None:
            progress(pos, info.frames)


def read_range(path: str, first_frame: int, n_frames: int) -> np.ndarray:
    """Frames ``first_frame .. + n_frames`` of the shown channels as (n, channels) float32, read-only (job thread)."""
    from specscope.app.io.audio_file import open_audio

    with open_audio(path) as reader:
        out = np.zeros((max(0, n_frames), reader.info.channels), dtype=np.float32)
        got = reader.read_frames_into(first_frame, out)
        x = np.ascontiguousarray(np.nan_to_num(out[:got, :MAX_CHANNELS]))
    x.flags.writeable = False
    return x


def _pixel_starts(f0: float, spp: float, n_px: int, bin_frames: int, first_frame: int, n_bins: int) -> np.ndarray:
    """First bin (index into the array) of each pixel."""
    edges = f0 + spp * np.arange(n_px)
    return np.clip(np.floor((edges - first_frame) / bin_frames), 0, max(0, n_bins - 1)).astype(np.int64)


def reduce_to_pixels(mins: np.ndarray, maxs: np.ndarray, bin_frames: int, first_frame: int, f0: float, f1: float,
                     n_px: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel (n_px, channels) min and max of bins of `bin_frames` frames starting at frame `first_frame`.

    Pixels outside the bins read NaN.
    """
    n_bins = mins.shape[0]
    spp = (f1 - f0) / n_px
    out_min = np.full((n_px, mins.shape[1]), np.nan, dtype=np.float32)
    out_max = np.full_like(out_min, np.nan)
    if n_bins == 0:
        return out_min, out_max
    edges = f0 + spp * np.arange(n_px + 1)
    inside = (edges[1:] > first_frame) & (edges[:-1] < first_frame + n_bins * bin_frames)
    idx = np.nonzero(inside)[0]
    if idx.size == 0:
        return out_min, out_max
    starts = _pixel_starts(f0, spp, n_px, bin_frames, first_frame, n_bins)[idx]
    end = min(n_bins, math.ceil((edges[idx[-1] + 1] - first_frame) / bin_frames))
    end = max(end, int(starts[-1]) + 1)
    s0 = int(starts[0])
    rel = starts - s0
    out_min[idx] = np.minimum.reduceat(mins[s0:end], rel, axis=0)
    out_max[idx] = np.maximum.reduceat(maxs[s0:end], rel, axis=0)
    return out_min, out_max


def envelope_of_samples(x: np.ndarray, first_frame: int, f0: float, f1: float,
                        n_px: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`reduce_to_pixels` of raw samples (bins of one frame)."""
    return reduce_to_pixels(x, x, 1, first_frame, f0, f1, n_px)


class WavePyramid:
    """The assembled pyramid of one file (GUI thread).

    Parameters
    ----------
    frames, channels : int
        The file's frames and channels (at most :data:`MAX_CHANNELS` are kept).
    fs_hz : float
        Its sample rate.
    """

    def __init__(self, frames: int, channels: int, fs_hz: float) -> None:
        self.frames, self.fs_hz = int(frames), float(fs_hz)
        self.channels = min(int(channels), MAX_CHANNELS)
        n = max(1, math.ceil(self.frames / BIN_FRAMES))
        self.levels: list[tuple[np.ndarray, np.ndarray]] = []
        while True:
            self.levels.append((np.zeros((n, self.channels), np.float32), np.zeros((n, self.channels), np.float32)))
            if n <= 1:
                break
            n = math.ceil(n / FACTOR)
        self.bins_done = 0
        """Level-0 bins filled (from the start of the file)."""

    @property
    def complete(self) -> bool:
        return self.bins_done >= self.levels[0][0].shape[0]

    @property
    def frames_done(self) -> int:
        return min(self.frames, self.bins_done * BIN_FRAMES)

    def bin_frames(self, level: int) -> int:
        return BIN_FRAMES * FACTOR**level

    def apply(self, block: WaveBlock) -> None:
        """Put a job's bins in place and update the coarser levels over them."""
        a, n = block.first_bin, block.mins.shape[0]
        lo, hi = self.levels[0]
        lo[a: a + n] = block.mins
        hi[a: a + n] = block.maxs
        self.bins_done = max(self.bins_done, a + n)
        done = self.bins_done
        for level in range(1, len(self.levels)):
            a, done_prev = a // FACTOR, done
            done = math.ceil(done_prev / FACTOR)
            plo, phi = self.levels[level - 1]
            lo, hi = self.levels[level]
            starts = np.arange(a, done) * FACTOR
            if starts.size == 0:
                break
            lo[a:done] = np.minimum.reduceat(plo[: done_prev], starts, axis=0)
            hi[a:done] = np.maximum.reduceat(phi[: done_prev], starts, axis=0)

    def envelope(self, t0_s: float, t1_s: float, n_px: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Per-pixel (n_px, channels) min and max over ``t0_s .. t1_s``; None when a pixel is narrower than a bin
        (then use the samples).  Pixels not yet computed read NaN."""
        f0, f1 = t0_s * self.fs_hz, t1_s * self.fs_hz
        spp = (f1 - f0) / max(1, n_px)
        if spp < BIN_FRAMES:
            return None
        level = min(len(self.levels) - 1, math.floor(math.log(spp / BIN_FRAMES, FACTOR) + 1e-9))
        lo, hi = self.levels[level]
        width = self.bin_frames(level)
        # While the job runs, only the whole bins of a coarser level are final.
        n_done = lo.shape[0] if self.complete else self.bins_done // FACTOR**level
        return reduce_to_pixels(lo[:n_done], hi[:n_done], width, 0, f0, f1, n_px)
