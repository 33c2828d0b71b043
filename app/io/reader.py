"""Reading an audio file as float32 mono blocks: an open file, its slices and its blocks.

Thread: any, one at a time per reader.  An :class:`AudioReader` holds one open
file and must be used by one thread at a time (each background job opens its
own reader, through :func:`specscope.app.io.audio_file.open_audio`).

Sample values are normalised so that full scale is 1.0: a b-bit integer sample
``x`` reads as ``x / 2**(b-1)`` (int16 / 32768, 24-bit / 2**23, int32 / 2**31),
unsigned 8-bit as ``(x - 128) / 128``, float samples as they are (values
beyond +-1 are kept).  A sample with fewer valid bits than its container (12
bits in 16) is scaled by its container, so its full scale is also 1.0.

Files libsndfile decodes forward only (GSM 6.10) are read forward: a seek
backwards reopens the file, a seek forwards decodes and drops.

Non-finite samples (NaN, +-Inf, and magnitudes beyond
:data:`MAX_SAMPLE_MAGNITUDE`) in float files are read as silence (0.0) and
counted: :attr:`AudioReader.n_nonfinite` and
:attr:`AudioReader.nonfinite_warning`, so callers can say so.

Bounded work: reads go in blocks of at most ``block_frames`` frames (and at
most :data:`MAX_SCRATCH_SAMPLES` interleaved samples per decode), and only the
requested slice is read.  A decoder failure inside the file is an
:class:`~specscope.app.io.audio_info.AudioFileError` naming the file and frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from specscope.app.io.audio_info import AudioFileError, AudioInfo, one_line
from specscope.dsp.channels import mix_to_mono

if TYPE_CHECKING:
    from specscope.app.io.audio_file import DataWindow

DEFAULT_BLOCK_FRAMES = 65536
"""Frames per block yielded by :meth:`AudioReader.blocks` (1.4 s at 48 kHz)."""

MAX_SCRATCH_SAMPLES = 1 << 20
"""Most interleaved samples decoded per read (4 MiB of float32), however many channels a file has."""

MAX_SAMPLE_MAGNITUDE = 2.0**32
"""Float samples beyond +-2**32 times full scale (+193 dBFS) are read as silence, like NaN and Inf.

Squaring them (every power spectrum does) overflows float32; no recording holds them.
"""

FLOAT_SUBTYPES = ("FLOAT", "DOUBLE")
"""libsndfile subtypes whose samples can be NaN or Inf."""

PCM16_PIECE_SAMPLES = 1 << 16
"""16-bit PCM is decoded as int16 this many interleaved samples at a time (128 KiB), then scaled to float32."""

SKIP_FRAMES = 65536
"""Frames decoded per step when a forward-only file skips ahead."""

Channel = str | int


class AudioReader:
    """An open audio file, read in slices.

    Create with :func:`~specscope.app.io.audio_file.open_audio`.  Use from one
    thread at a time; close it (or use ``with``) when done.

    Attributes
    ----------
    info : AudioInfo
        What the file holds.
    """

    def __init__(self, info: AudioInfo, handle: sf.SoundFile, data_file: DataWindow | None = None) -> None:
        self.info = info
        self._sf = handle
        self._data_file = data_file
        self._pos = 0  # the decoder's position: tell() is itself a seek, which forward-only codecs refuse
        self._forward_only = not handle.seekable()
        self._check_finite = getattr(handle, "subtype", None) in FLOAT_SUBTYPES
        self._pcm16 = getattr(handle, "subtype", None) == "PCM_16"
        """Decoded as int16 and scaled here: x / 32768 exactly as libsndfile's float decode, 3x faster."""
        self._raw16: np.ndarray | None = None
        self.n_nonfinite = 0
        """Non-finite samples (NaN, +-Inf; each channel's sample counts) read so far, each read as 0.0."""

    def __enter__(self) -> AudioReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the file; further reads raise :class:`AudioFileError`.  Closing twice is harmless."""
        self._sf.close()
        if self._data_file is not None:
            self._data_file.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._sf.closed

    @property
    def warning(self) -> str | None:
        """The truncation warning of :attr:`AudioInfo.warning`, or None."""
        return self.info.warning

    @property
    def nonfinite_warning(self) -> str | None:
        """``"x.wav: 12 non-finite samples (NaN, Inf or beyond 2**32) read as silence"`` once some were read."""
        if not self.n_nonfinite:
            return None
        return f"{self.info.path}: {self.n_nonfinite} non-finite samples (NaN, Inf or beyond 2**32) read as silence"

    def frame_range(self, start_s: float = 0.0, duration_s: float | None = None) -> tuple[int, int]:
        """Frames of the time slice ``[start_s, start_s + duration_s)``.

        Parameters
        ----------
        start_s : float
            Start in seconds, ``0 <= start_s < info.duration_s``; the first
            frame is ``round(start_s * fs_hz)``.
        duration_s : float or None
            Length in seconds, > 0; ``round(duration_s * fs_hz)`` frames, at
            least one, cut at the end of the file.  None: to the end.

        Returns
        -------
        first_frame, n_frames : int

        Raises
        ------
        ValueError
            Start outside the file, duration not positive or shorter than one
            sample; the message names the file.
        """
        info = self.info
        start = _finite(start_s, "start")
        first = round(start * info.fs_hz)
        if start < 0 or first >= info.frames:
            raise ValueError(
                f"{info.path}: start {start:g} s is outside the file (0 to {info.duration_s:g} s, "
                f"{info.frames} frames)"
            )
        if duration_s is None:
            return first, info.frames - first
        duration = _finite(duration_s, "duration")
        if duration <= 0:
            raise ValueError(f"{info.path}: duration must be > 0 s, got {duration:g} s")
        n = round(duration * info.fs_hz)
        if n < 1:
            raise ValueError(
                f"{info.path}: duration {duration:g} s is shorter than one sample (1/{info.fs_hz:g} s)"
            )
        return first, min(n, info.frames - first)

    def blocks(
        self,
        first_frame: int = 0,
        n_frames: int | None = None,
        channel: Channel = "mix",
        block_frames: int = DEFAULT_BLOCK_FRAMES,
    ) -> Iterator[np.ndarray]:
        """Yield frames ``[first_frame, first_frame + n_frames)`` as float32 mono blocks.

        Seeks to `first_frame` and reads only the slice, `block_frames` frames
        at a time, so memory is bounded by ``block_frames * channels`` samples.
        The arguments are checked at once, before the first block.

        Parameters
        ----------
        first_frame : int
            First frame, >= 0.  At or beyond the end of the file, nothing is yielded.
        n_frames : int or None
            Frames to read, >= 0; None: to the end.  Cut at the end of the file.
        channel : 'mix' or int
            ``'mix'``: mean of the channels, ``sum(x_c) / channels``; or a
            0-based channel index.
        block_frames : int
            Most frames per yielded block, >= 1.

        Yields
        ------
        ndarray of float32, shape (m,)
            A new array for every block (safe to keep); together exactly the
            requested frames, in order.

        Raises
        ------
        ValueError
            Negative `first_frame` or `n_frames`, `block_frames` < 1, or a
            channel that does not exist (the message names the valid range).
        AudioFileError
            The decoder fails inside the file (e.g. a cut-short FLAC), or the
            reader is closed.
        """
        first = _index(first_frame, "first_frame")
        count = self.info.frames - min(first, self.info.frames) if n_frames is None else _index(n_frames, "n_frames")
        block = _index(block_frames, "block_frames")
        if block < 1:
            raise ValueError(f"block_frames must be >= 1, got {block}")
        column = self._channel_index(channel)
        if self._sf.closed:
            raise AudioFileError(f"{self.info.path}: reader is closed")
        count = max(0, min(count, self.info.frames - first))
        return self._blocks(first, count, column, block)

    def read(self, first_frame: int = 0, n_frames: int | None = None, channel: Channel = "mix") -> np.ndarray:
        """Frames ``[first_frame, first_frame + n_frames)`` as one float32 mono array.

        See :meth:`blocks` for the parameters; the result has
        ``min(n_frames, info.frames - first_frame)`` samples, allocated once
        (at most the frames present in the file, whatever the header claims).
        """
        parts = list(self.blocks(first_frame, n_frames, channel, block_frames=max(1, self.info.frames)))
        if not parts:
            return np.zeros(0, dtype=np.float32)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def read_frames_into(self, first_frame: int, out: np.ndarray) -> int:
        """Decode frames from `first_frame` with every channel into `out` ((n, channels), float32 or int16).

        int16 is exact for 16-bit PCM (and half the memory traffic of float32).  Used by the waveform
        pyramid.  Returns the frames decoded (fewer than ``len(out)`` at the end of the file).
        """
        first = _index(first_frame, "first_frame")
        if self._sf.closed:
            raise AudioFileError(f"{self.info.path}: reader is closed")
        n = max(0, min(out.shape[0], self.info.frames - first))
        if n == 0:
            return 0
        try:
            self._seek(first)
            got = len(self._sf.read(n, dtype=out.dtype.name, always_2d=True, out=out[:n]))
        except (sf.LibsndfileError, RuntimeError) as err:
            raise AudioFileError(f"{self.info.path}: cannot decode past frame {first}: {one_line(err)}") from None
        self._pos = first + got
        if out.dtype.kind == "f":
            self._silence_nonfinite(out[:got])
        return got

    def frame_blocks(
        self, first_frame: int = 0, n_frames: int | None = None, block_frames: int = DEFAULT_BLOCK_FRAMES
    ) -> Iterator[np.ndarray]:
        """Like :meth:`blocks`, but every channel: float32 blocks of shape (m, channels), new arrays."""
        first = _index(first_frame, "first_frame")
        count = self.info.frames - min(first, self.info.frames) if n_frames is None else _index(n_frames, "n_frames")
        block = max(1, min(_index(block_frames, "block_frames"), MAX_SCRATCH_SAMPLES // self.info.channels))
        if self._sf.closed:
            raise AudioFileError(f"{self.info.path}: reader is closed")
        return self._frame_blocks(first, max(0, min(count, self.info.frames - first)), block)

    def _frame_blocks(self, position: int, count: int, block: int) -> Iterator[np.ndarray]:
        end = position + count
        while position < end:
            n = min(block, end - position)
            out = np.empty((n, self.info.channels), dtype=np.float32)
            got = self.read_frames_into(position, out)
            if got == 0:
                return
            position += got
            yield out[:got]
            if got < n:
                return

    # --- internals -------------------------------------------------------------
    def _seek(self, position: int) -> None:
        """Move the decoder to frame `position`; forward-only codecs reopen (backwards) and decode ahead."""
        if not self._forward_only:
            self._sf.seek(position)
            self._pos = position
            return
        if position < self._pos or self._pos < 0:
            self._sf.close()
            self._sf = sf.SoundFile(self.info.path)
            self._pos = 0
        while self._pos < position:
            got = len(self._sf.read(min(SKIP_FRAMES, position - self._pos), dtype="float32"))
            if got == 0:
                break
            self._pos += got

    def _silence_nonfinite(self, samples: np.ndarray) -> None:
        """Count the NaN, Inf and beyond-2**32 samples of `samples` and set them to 0.0 in place."""
        finite = np.abs(samples) <= MAX_SAMPLE_MAGNITUDE  # False for NaN too
        if not finite.all():
            bad = ~finite
            self.n_nonfinite += int(np.count_nonzero(bad))
            samples[bad] = 0.0

    def _channel_index(self, channel: Channel) -> int | None:
        """None for the mix, else the checked 0-based index."""
        n = self.info.channels
        if isinstance(channel, str):
            if channel == "mix":
                return None
        elif isinstance(channel, int | np.integer) and not isinstance(channel, bool) and 0 <= channel < n:
            return int(channel)
        valid = "0" if n == 1 else f"0 to {n - 1}"
        raise ValueError(f"{self.info.path}: channel {channel!r} does not exist; use 'mix' or {valid}")

    def _blocks(self, first: int, count: int, column: int | None, block: int) -> Iterator[np.ndarray]:
        channels = self.info.channels
        step = max(1, min(block, MAX_SCRATCH_SAMPLES // channels))  # frames per decoder read
        scratch = None if channels == 1 else np.empty((min(step, count), channels), dtype=np.float32)
        position = first
        end = first + count
        while position < end:
            want = min(block, end - position)
            out = np.empty(want, dtype=np.float32)
            filled = 0
            while filled < want:
                n = min(step, want - filled)
                got = self._read_into(position + filled, n, out[filled : filled + n], scratch, column)
                filled += got
                if got < n:
                    break
            if filled == 0:
                return
            position += filled
            yield out if filled == want else out[:filled].copy()
            if filled < want:
                return

    def _read_into(
        self, position: int, n: int, dest: np.ndarray, scratch: np.ndarray | None, column: int | None
    ) -> int:
        """Decode up to `n` frames from `position` into `dest` (mono); the frames decoded."""
        if self._sf.closed:
            raise AudioFileError(f"{self.info.path}: reader is closed")
        try:
            if self._pos != position:
                self._seek(position)
            if self._pcm16:
                got = self._read_pcm16(n, dest if scratch is None else scratch[:n])
            elif scratch is None:
                got = self._sf.read(n, dtype="float32", out=dest)
            else:
                got = self._sf.read(n, dtype="float32", always_2d=True, out=scratch[:n])
        except (sf.LibsndfileError, RuntimeError) as err:
            self._pos = -1  # unknown: the next read seeks
            raise AudioFileError(f"{self.info.path}: cannot decode past frame {position}: {one_line(err)}") from None
        m = len(got)
        self._pos = position + m
        if self._check_finite:
            self._silence_nonfinite(got)
        if scratch is None:
            return m
        if column is None:
            mix_to_mono(got, out=dest[:m])
        else:
            dest[:m] = got[:, column]
        return m

    def _read_pcm16(self, n: int, out: np.ndarray) -> np.ndarray:
        """Decode up to `n` frames of a 16-bit PCM file as int16 into float32 `out`, scaled by 2**-15 (exact).

        In pieces of :data:`PCM16_PIECE_SAMPLES` through one int16 buffer, so the extra memory stays small.
        """
        channels = self.info.channels
        if self._raw16 is None:
            self._raw16 = np.empty((max(1, PCM16_PIECE_SAMPLES // channels), channels), dtype=np.int16)
        piece = self._raw16.shape[0]
        filled = 0
        while filled < n:
            want = min(piece, n - filled)
            raw = self._sf.read(want, dtype="int16", always_2d=True, out=self._raw16[:want])
            m = raw.shape[0]
            np.multiply(raw if out.ndim == 2 else raw[:, 0], np.float32(1.0 / 32768.0), out=out[filled : filled + m])
            filled += m
            if m < want:  # the end of the file
                break
        return out[:filled]


def _finite(value: float, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number of seconds, got {value!r}")
    return x


def _index(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must be >= 0, got {value}")
    return int(value)
