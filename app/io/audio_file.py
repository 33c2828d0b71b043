"""Opening audio files robustly: the public entry (:func:`open_audio`, :func:`probe`, :func:`read_mono`).

Thread: any.  :func:`probe` and :func:`read_mono` are stateless;
:func:`open_audio` returns an :class:`~specscope.app.io.reader.AudioReader`,
which one thread at a time uses (each background job opens its own reader).

The path through the package: this module checks the path (a regular,
readable, non-empty file), recognises the content by its first bytes
(:mod:`specscope.app.io.sniff`; RIFF/RIFX/RF64 headers are walked by
:mod:`specscope.app.io.wav_header`), opens the decoder and describes the file
(:mod:`specscope.app.io.audio_info`); :mod:`specscope.app.io.reader` reads it.

Decoding is libsndfile's (through ``soundfile``): WAV (PCM 8 to 32 bits;
40 to 64 bits by :mod:`specscope.app.io.wide_pcm`; float 32 and 64 bits,
µ-law, A-law, ADPCM, GSM 6.10, WAVE_FORMAT_EXTENSIBLE, big-endian RIFX, RF64), FLAC,
OGG/Vorbis, Opus, MP3 and the other formats of
``soundfile.available_formats()``.  For RIFF/RIFX/RF64 files the chunk walker
first checks the header, because libsndfile accepts impossible headers and
silently shortens a file cut inside its data; the walker reports the size the
header declared, so a truncated file is read as far as it goes and flagged
(:attr:`AudioInfo.truncated`, :attr:`AudioInfo.warning`).  When libsndfile
refuses a WAV layout the walker understands (``fmt `` after ``data``, an
odd-sized chunk without its pad byte) and the encoding is fixed-width (PCM,
float, µ-law, A-law), the data region alone is decoded as headerless RAW with
the format the header states (:class:`DataWindow`).

A FLAC or OGG file whose end does not decode (cut short) is read as far as it
decodes and flagged truncated, as a WAV file is.  libsndfile's guess of
headerless RAW µ-law from a ``.au``/``.snd`` extension (or of RAW GSM from
``.gsm``) is refused: a file is audio by its content, not its name.  A sample
rate above :data:`~specscope.dsp.config.FS_HZ_MAX` is refused at open.

Bounded work: nothing is allocated from a size the header declares.  Every
failure caused by the file is an :class:`AudioFileError` whose text is one
line naming the file and the problem.
"""

from __future__ import annotations

import os
import stat

import numpy as np
import soundfile as sf

from specscope.app.io.audio_info import AudioFileError, AudioInfo, describe, one_line
from specscope.app.io.reader import AudioReader, Channel
from specscope.app.io.sniff import SNIFF_BYTES, has_known_magic, looks_like_mpeg, mpeg_audio_follows
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
from specscope.app.io.wide_pcm import WidePcmFile, is_wide_pcm

__all__ = ["AudioFileError", "AudioInfo", "AudioReader", "open_audio", "probe", "read_mono"]

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


# --- opening ---------------------------------------------------------------------
def _open(path: str | os.PathLike[str]) -> tuple[AudioInfo, sf.SoundFile, DataWindow | None]:
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
            # libsndfile hands files starting like MPEG, and any file it does not recognise, to mpg123, which
            # prints to stderr while it fails on noise: only a known magic number or real MPEG frames get there.
            is_mpeg = header is None and looks_like_mpeg(head)
            if is_mpeg and not mpeg_audio_follows(fh, head):
                raise AudioFileError(f"{name}: not a recognised audio file")
            if header is None and not is_mpeg and not has_known_magic(head):
                raise AudioFileError(f"{name}: not a recognised audio file")
    except WavHeaderError as err:
        raise AudioFileError(f"{name}: {err}") from None
    except OSError as err:
        raise AudioFileError(f"{name}: cannot read: {err.strerror or err}") from None
    data_file = None
    try:
        handle = WidePcmFile(name, header) if header is not None and is_wide_pcm(header) else sf.SoundFile(name)
    except OSError as err:
        raise AudioFileError(f"{name}: cannot read: {err.strerror or err}") from None
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        if header is not None and (header.format_tag, header.container_bits) in RAW_SUBTYPES:
            handle, data_file = _open_raw(name, header, err)
        elif header is not None:
            raise AudioFileError(f"{name}: unsupported encoding {header.encoding} ({one_line(err)})") from None
        else:
            reason = one_line(err)
            if "does not exist" in reason:  # libsndfile's words for any failure of its MPEG decoder
                raise AudioFileError(f"{name}: not a recognised audio file") from None
            raise AudioFileError(f"{name}: not a recognised audio file ({reason})") from None
    try:
        if handle.format == "RAW" and data_file is None:
            # libsndfile's guess from the extension alone (.au, .snd: µ-law; .gsm, .vox): not evidence of audio.
            raise AudioFileError(f"{name}: not a recognised audio file")
        info = describe(name, handle, header)
    except AudioFileError:
        handle.close()
        if data_file is not None:
            data_file.close()
        raise
    return info, handle, data_file


class DataWindow:
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


def _open_raw(name: str, header: WavHeader, refusal: Exception) -> tuple[sf.SoundFile, DataWindow]:
    """Decode the data region alone as RAW samples in the format the WAV header states.

    `refusal` is libsndfile's error on the whole file, reported if this fails too.
    """
    length = header.present_bytes - header.present_bytes % header.block_align
    window = DataWindow(name, header.data_offset, length)
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
        raise AudioFileError(f"{name}: cannot decode this {header.encoding} file: {one_line(refusal)}") from None
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
