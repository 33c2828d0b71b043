"""Reading audio files robustly: probe the header, read slices as float32 mono blocks.

Thread: any.  :func:`probe` and :func:`read_mono` are stateless; an
:class:`AudioReader` holds one open file and must be used by one thread at a
time (each background job opens its own reader).

Decoding is libsndfile's (through ``soundfile``): WAV (PCM 8 to 32 bits,
float 32 and 64 bits, µ-law, A-law, ADPCM, WAVE_FORMAT_EXTENSIBLE, big-endian
RIFX, RF64), FLAC, OGG/Vorbis, Opus, MP3 and the other formats of
``soundfile.available_formats()``.  For RIFF/RIFX/RF64 files the chunk walker of
:mod:`specscope.app.io.wav_header` first checks the header, because libsndfile
accepts impossible headers and silently shortens a file cut inside its data;
the walker reports the size the header declared, so a truncated file is read
as far as it goes and flagged (:attr:`AudioInfo.truncated`,
:attr:`AudioInfo.warning`).  When libsndfile refuses a WAV layout the walker
understands (``fmt `` after ``data``, an odd-sized chunk without its pad byte)
and the encoding is fixed-width (PCM, float, µ-law, A-law), the data region
alone is decoded as headerless RAW with the format the header states.

Sample values are normalised so that full scale is 1.0: a b-bit integer sample
``x`` reads as ``x / 2**(b-1)`` (int16 / 32768, 24-bit / 2**23, int32 / 2**31),
unsigned 8-bit as ``(x - 128) / 128``, float samples as they are (values
beyond +-1 are kept).  A sample with fewer valid bits than its container (12
bits in 16) is scaled by its container, so its full scale is also 1.0.

Bounded work: nothing is allocated from a size the header declares; reads go
in blocks of at most ``block_frames`` frames, and only the requested slice is
read.  Every failure caused by the file is an :class:`AudioFileError` whose
text is one line naming the file and the problem.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import soundfile as sf

from specscope.app.io.wav_header import (
    WAVE_FORMAT_ALAW,
    WAVE_FORMAT_IEEE_FLOAT,
    WAVE_FORMAT_MULAW,
    WAVE_FORMAT_PCM,
    WavHeader,
    WavHeaderError,
    is_wave,
    read_wav_header,
)
from specscope.dsp.channels import mix_to_mono

DEFAULT_BLOCK_FRAMES = 65536
"""Frames per block yielded by :meth:`AudioReader.blocks` (1.4 s at 48 kHz)."""

MAX_SCRATCH_SAMPLES = 1 << 20
"""Most interleaved samples decoded per read (4 MiB of float32), however many channels a file has."""

SNIFF_BYTES = 4096
"""Bytes read from the start of a file to recognise WAV and MPEG headers."""

ID3_SEARCH_BYTES = 65536
"""Bytes after an ID3v2 tag searched for the first MPEG audio frame."""

SUBTYPE_NAMES = {
    "PCM_S8": "PCM 8-bit",
    "PCM_U8": "PCM 8-bit unsigned",
    "PCM_16": "PCM 16-bit",
    "PCM_24": "PCM 24-bit",
    "PCM_32": "PCM 32-bit",
    "FLOAT": "float 32-bit",
    "DOUBLE": "float 64-bit",
    "ULAW": "µ-law",
    "ALAW": "A-law",
    "VORBIS": "Vorbis",
    "OPUS": "Opus",
}
"""libsndfile subtypes -> the words of :attr:`AudioInfo.encoding`."""

MPEG_SUBTYPES = {"MPEG_LAYER_I": "MP1", "MPEG_LAYER_II": "MP2", "MPEG_LAYER_III": "MP3"}

RAW_SUBTYPES = {
    (WAVE_FORMAT_PCM, 8): "PCM_U8",  # 8-bit WAV PCM is unsigned
    (WAVE_FORMAT_PCM, 16): "PCM_16",
    (WAVE_FORMAT_PCM, 24): "PCM_24",
    (WAVE_FORMAT_PCM, 32): "PCM_32",
    (WAVE_FORMAT_IEEE_FLOAT, 32): "FLOAT",
    (WAVE_FORMAT_IEEE_FLOAT, 64): "DOUBLE",
    (WAVE_FORMAT_MULAW, 8): "ULAW",
    (WAVE_FORMAT_ALAW, 8): "ALAW",
}
"""(format tag, container bits) -> libsndfile RAW subtype, for the fallback decoder."""

Channel = str | int


class AudioFileError(Exception):
    """A file that cannot be read as audio.

    ``str(err)`` is one line naming the file and the problem, e.g.
    ``"bad.wav: header cut short (12 of 44 bytes)"``.
    """


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds.

    Attributes
    ----------
    path : str
        The path as given.
    fs_hz : float
        Sample rate in Hz (samples per second per channel).
    channels : int
        Channels per frame.
    frames : int
        Frames present and decodable (for a truncated WAV, the whole frames
        that are in the file).
    duration_s : float
        ``frames / fs_hz`` seconds.
    encoding : str
        Human description, e.g. ``"WAV PCM 16-bit"``, ``"WAV float 32-bit"``,
        ``"WAV µ-law"``, ``"FLAC PCM 24-bit"``, ``"MP3"``.
    truncated : bool
        True when the file ends before the data the header declared.
    declared_frames : int or None
        Frames the header declared, when the header says (WAV family with a
        fixed-width encoding, or the decoder's count for other formats).
    """

    path: str
    fs_hz: float
    channels: int
    frames: int
    duration_s: float
    encoding: str
    truncated: bool
    declared_frames: int | None

    @property
    def warning(self) -> str | None:
        """One-line warning for a truncated file, e.g. ``"x.wav: truncated: 1000 of 48000 frames present"``."""
        if not self.truncated:
            return None
        return f"{self.path}: truncated: {self.frames} of {self.declared_frames} frames present"

    def as_json(self) -> dict:
        """The fields the command line prints: fs_hz, channels, frames, duration_s, encoding, truncated."""
        return {
            "fs_hz": self.fs_hz,
            "channels": self.channels,
            "frames": self.frames,
            "duration_s": self.duration_s,
            "encoding": self.encoding,
            "truncated": self.truncated,
        }


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Read only the header of the audio file at `path`.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    AudioInfo

    Raises
    ------
    AudioFileError
        Missing file, a directory, not audio, header cut short or impossible,
        no audio data, an encoding libsndfile cannot decode.
    """
    info, handle, data_file = _open(path)
    AudioReader(info, handle, data_file).close()
    return info


def open_audio(path: str | os.PathLike[str]) -> AudioReader:
    """Open the audio file at `path` for reading; use as a context manager.

    Raises
    ------
    AudioFileError
        As :func:`probe`.
    """
    info, handle, data_file = _open(path)
    return AudioReader(info, handle, data_file)


def read_mono(
    path: str | os.PathLike[str], start_s: float = 0.0, duration_s: float | None = None, channel: Channel = "mix"
) -> tuple[np.ndarray, AudioInfo]:
    """Read ``duration_s`` seconds from ``start_s`` of one channel (or the mix) into memory.

    Parameters
    ----------
    path : str or path-like
        The file.
    start_s : float
        Start of the slice in seconds from the start of the file.
    duration_s : float or None
        Length in seconds; None reads to the end.  A slice reaching past the
        end is cut at the end.
    channel : 'mix' or int
        ``'mix'`` (mean of the channels) or a 0-based channel index.

    Returns
    -------
    samples : ndarray of float32, shape (n,)
        Full scale 1.0.
    info : AudioInfo
    """
    with open_audio(path) as reader:
        first, n = reader.frame_range(start_s, duration_s)
        return reader.read(first, n, channel), reader.info


class AudioReader:
    """An open audio file, read in slices.

    Create with :func:`open_audio`.  Use from one thread at a time; close it
    (or use ``with``) when done.

    Attributes
    ----------
    info : AudioInfo
        What the file holds.
    """

    def __init__(self, info: AudioInfo, handle: sf.SoundFile, data_file: _DataWindow | None = None) -> None:
        self.info = info
        self._sf = handle
        self._data_file = data_file

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
            try:
                if self._sf.tell() != position:
                    self._sf.seek(position)
                got = self._sf.read(n, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as err:
                raise AudioFileError(
                    f"{self.info.path}: cannot decode past frame {position}: {_one_line(err)}"
                ) from None
            if len(got) == 0:
                return
            position += len(got)
            yield got
            if len(got) < n:
                return

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

    # --- internals -------------------------------------------------------------
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
            if self._sf.tell() != position:
                self._sf.seek(position)
            if scratch is None:
                return len(self._sf.read(n, dtype="float32", out=dest))
            got = self._sf.read(n, dtype="float32", always_2d=True, out=scratch[:n])
        except (sf.LibsndfileError, RuntimeError) as err:
            raise AudioFileError(f"{self.info.path}: cannot decode past frame {position}: {_one_line(err)}") from None
        m = len(got)
        if column is None:
            mix_to_mono(got, out=dest[:m])
        else:
            dest[:m] = got[:, column]
        return m


# --- opening ---------------------------------------------------------------------
def _open(path: str | os.PathLike[str]) -> tuple[AudioInfo, sf.SoundFile, _DataWindow | None]:
    """Check the file, walk a WAV header, open libsndfile; (info, open SoundFile, RAW data window or None)."""
    try:
        name = os.fspath(path)
    except TypeError:
        raise AudioFileError(f"{path!r}: not a file path") from None
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    size = _check_regular_file(name)
    try:
        with open(name, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
            header = read_wav_header(fh, size) if is_wave(head) else None
            # libsndfile hands files starting like MPEG to mpg123, which prints to stderr while it fails on noise.
            if header is None and (_mpeg_sync(head) or head[:3] == b"ID3") and not _mpeg_audio_follows(fh, head):
                raise AudioFileError(f"{name}: not a recognised audio file")
    except WavHeaderError as err:
        raise AudioFileError(f"{name}: {err}") from None
    except OSError as err:
        raise AudioFileError(f"{name}: cannot read: {err.strerror or err}") from None
    data_file = None
    try:
        handle = sf.SoundFile(name)
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        if header is not None and (header.format_tag, header.container_bits) in RAW_SUBTYPES:
            handle, data_file = _open_raw(name, header, err)
        elif header is not None:
            raise AudioFileError(f"{name}: unsupported encoding {header.encoding} ({_one_line(err)})") from None
        else:
            reason = _one_line(err)
            if "does not exist" in reason:  # libsndfile's words for any failure of its MPEG decoder
                raise AudioFileError(f"{name}: not a recognised audio file") from None
            raise AudioFileError(f"{name}: not a recognised audio file ({reason})") from None
    try:
        info = _info(name, handle, header)
    except AudioFileError:
        handle.close()
        if data_file is not None:
            data_file.close()
        raise
    return info, handle, data_file


class _DataWindow:
    """A read-only binary file object showing only bytes ``[offset, offset + length)`` of a file."""

    def __init__(self, name: str, offset: int, length: int) -> None:
        self._fh = open(name, "rb")  # owned by the AudioReader, closed by its close()
        self._offset = offset
        self._length = length
        self._pos = 0

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._length}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, n: int = -1) -> bytes:
        left = max(0, self._length - self._pos)
        n = left if n is None or n < 0 else min(n, left)
        self._fh.seek(self._offset + self._pos)
        data = self._fh.read(n)
        self._pos += len(data)
        return data

    def close(self) -> None:
        self._fh.close()


def _open_raw(name: str, header: WavHeader, refusal: Exception) -> tuple[sf.SoundFile, _DataWindow]:
    """Decode the data region alone as RAW samples in the format the WAV header states.

    `refusal` is libsndfile's error on the whole file, reported if this fails too.
    """
    length = header.present_bytes - header.present_bytes % header.block_align
    window = _DataWindow(name, header.data_offset, length)
    try:
        handle = sf.SoundFile(
            window,
            samplerate=header.fs_hz,
            channels=header.channels,
            format="RAW",
            subtype=RAW_SUBTYPES[header.format_tag, header.container_bits],
            endian="BIG" if header.container == "RIFX" else "LITTLE",
        )
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        window.close()
        raise AudioFileError(f"{name}: cannot decode this {header.encoding} file: {_one_line(refusal)}") from None
    return handle, window


def _check_regular_file(name: str) -> int:
    """Size in bytes of the regular file `name`; AudioFileError for anything else."""
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise AudioFileError(f"{name}: no such file") from None
    except PermissionError:
        raise AudioFileError(f"{name}: permission denied") from None
    except OSError as err:
        raise AudioFileError(f"{name}: cannot open: {err.strerror or err}") from None
    if stat.S_ISDIR(st.st_mode):
        raise AudioFileError(f"{name}: is a directory, not an audio file")
    if not stat.S_ISREG(st.st_mode):
        raise AudioFileError(f"{name}: not a regular file")
    if st.st_size == 0:
        raise AudioFileError(f"{name}: empty file (0 bytes)")
    if not os.access(name, os.R_OK):
        raise AudioFileError(f"{name}: permission denied")
    return st.st_size


def _info(name: str, handle: sf.SoundFile, header: WavHeader | None) -> AudioInfo:
    fs_hz = float(handle.samplerate)
    channels = int(handle.channels)
    frames = max(0, int(handle.frames))
    if channels < 1 or fs_hz <= 0:
        raise AudioFileError(f"{name}: impossible header: {channels} channels at {fs_hz:g} Hz")
    if header is not None:
        encoding = header.encoding
        truncated = header.truncated
        declared = header.declared_frames
        if header.present_frames is not None:
            frames = min(frames, header.present_frames)
    else:
        encoding = _encoding(handle)
        truncated = False
        declared = frames if frames > 0 else None
    if frames == 0:
        raise AudioFileError(f"{name}: no audio data (0 frames)")
    return AudioInfo(
        path=name,
        fs_hz=fs_hz,
        channels=channels,
        frames=frames,
        duration_s=frames / fs_hz,
        encoding=encoding,
        truncated=truncated,
        declared_frames=declared,
    )


def _encoding(handle: sf.SoundFile) -> str:
    """``"FLAC PCM 24-bit"``, ``"OGG Vorbis"``, ``"MP3"`` ... from libsndfile's format and subtype."""
    if handle.subtype in MPEG_SUBTYPES:
        return MPEG_SUBTYPES[handle.subtype]
    kind = SUBTYPE_NAMES.get(handle.subtype, handle.subtype_info or handle.subtype)
    return f"{handle.format} {kind}"


# --- MPEG sniffing ---------------------------------------------------------------
MPEG_BITRATES_KBPS = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),  # MPEG-1 layer I
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),  # MPEG-1 layer II
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 layer III
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),  # MPEG-2/2.5 layer I
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2/2.5 layers II, III
}
"""kbit/s by (version class, layer bits) and bitrate index (ISO 11172-3, 13818-3)."""

MPEG_RATES_HZ = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
"""Sample rates by version bits (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5) and rate index."""


def _mpeg_sync(head: bytes) -> bool:
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


def _mpeg_frame(head: bytes, offset: int) -> tuple[int, int] | None:
    """(frame bytes, header signature) of a valid MPEG audio frame header at `offset`, else None."""
    if offset + 4 > len(head) or not _mpeg_sync(head[offset:]):
        return None
    b1, b2 = head[offset + 1], head[offset + 2]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    rate_index, bitrate_index, padding = (b2 >> 2) & 3, b2 >> 4, (b2 >> 1) & 1
    if version == 1 or layer == 0 or rate_index == 3 or bitrate_index in (0, 15):
        return None
    table = (3 if version == 3 else 2, layer if version == 3 or layer == 3 else 2)
    bitrate = MPEG_BITRATES_KBPS[table][bitrate_index] * 1000
    fs_hz = MPEG_RATES_HZ[version][rate_index]
    if layer == 3:  # layer I: 4-byte slots
        size = (12 * bitrate // fs_hz + padding) * 4
    elif layer == 1 and version != 3:  # MPEG-2/2.5 layer III: 576 samples per frame
        size = 72 * bitrate // fs_hz + padding
    else:
        size = 144 * bitrate // fs_hz + padding
    return size, (version << 4) | (layer << 2) | rate_index


def _mpeg_frames_at(buf: bytes, offset: int) -> bool:
    """Two consecutive MPEG frame headers with the same version, layer and rate at `offset`."""
    first = _mpeg_frame(buf, offset)
    if first is None:
        return False
    second = _mpeg_frame(buf, offset + first[0])
    return second is not None and second[1] == first[1]


def _mpeg_audio_follows(fh: BinaryIO, head: bytes) -> bool:
    """True when MPEG audio frames start at byte 0, or after an ID3v2 tag within :data:`ID3_SEARCH_BYTES`."""
    if head[:3] != b"ID3":
        return _mpeg_frames_at(head, 0)
    if len(head) < 10:
        return False
    tag_bytes = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))  # syncsafe size
    tag_bytes += 10 if head[5] & 0x10 else 0  # footer
    fh.seek(tag_bytes)
    buf = fh.read(ID3_SEARCH_BYTES + SNIFF_BYTES)
    offset = buf.find(b"\xff")
    while 0 <= offset < ID3_SEARCH_BYTES:
        if _mpeg_frames_at(buf, offset):
            return True
        offset = buf.find(b"\xff", offset + 1)
    return False


# --- small helpers ---------------------------------------------------------------
def _one_line(err: BaseException) -> str:
    text = getattr(err, "error_string", None) or str(err)
    return " ".join(text.split()).rstrip(".")


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
