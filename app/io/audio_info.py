"""What an audio file holds (:class:`AudioInfo`) and the error for one that cannot be read.

Thread: any (immutable values and stateless functions; :func:`describe`
opens extra decoder handles of its own).

:func:`describe` turns an open libsndfile handle (and, for the WAV family,
the walked header of :mod:`specscope.app.io.wav_header`) into an
:class:`AudioInfo`: sample rate, channels, the frames present, the encoding
in words, and whether the file was cut short.  A WAV file is truncated when it
ends before the data its header declared; a FLAC or OGG file
(:data:`END_CHECKED_FORMATS`) when its last frame does not decode, in which
case the frames that do decode are found by bisection.  Impossible headers
(no channels, a sample rate of 0 or above
:data:`~specscope.dsp.config.FS_HZ_MAX`) and files without a single frame
are refused with an :class:`AudioFileError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import soundfile as sf

from specscope.app.io.wav_header import BLOCK_FORMATS, WavHeader
from specscope.dsp.config import FS_HZ_MAX

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
"""libsndfile's MPEG subtypes -> :attr:`AudioInfo.encoding` (the format alone names them)."""

END_CHECKED_FORMATS = ("FLAC", "OGG")
"""Formats whose last frame is decoded at open, to find a file cut short."""


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
        if self.declared_frames is None:
            return f"{self.path}: truncated: {self.frames} frames present, the rest of the declared data is missing"
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


def describe(name: str, handle: sf.SoundFile, header: WavHeader | None) -> AudioInfo:
    """The :class:`AudioInfo` of the file `name` open as `handle`; `header` is its walked WAV header or None.

    Raises
    ------
    AudioFileError
        Impossible header, a file cut inside its first block, no frames.
    """
    fs_hz = float(handle.samplerate)
    channels = int(handle.channels)
    frames = max(0, int(handle.frames))
    if channels < 1 or fs_hz <= 0:
        raise AudioFileError(f"{name}: impossible header: {channels} channels at {fs_hz:g} Hz")
    if fs_hz > FS_HZ_MAX:
        raise AudioFileError(f"{name}: impossible header: sample rate {fs_hz:g} Hz (at most {FS_HZ_MAX:g} Hz)")
    if header is not None:
        encoding = header.encoding
        truncated = header.truncated
        declared = header.declared_frames
        if header.present_frames is not None:
            frames = min(frames, header.present_frames)
        if truncated and frames == 0 and header.format_tag in BLOCK_FORMATS:
            raise AudioFileError(
                f"{name}: truncated inside its first {encoding} block ({header.present_bytes} of "
                f"{header.block_align} bytes): no audio data"
            )
    else:
        encoding = encoding_of(handle)
        declared = frames if frames > 0 else None
        decodable = decodable_frames(name, frames) if handle.format in END_CHECKED_FORMATS else frames
        truncated = decodable < frames
        frames = decodable
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


def _decodes_at(name: str, position: int) -> bool:
    """Whether frame `position` decodes, in a handle of its own (a failed seek can leave one unusable)."""
    try:
        with sf.SoundFile(name) as handle:
            handle.seek(position)
            return len(handle.read(1, dtype="float32")) == 1
    except (sf.LibsndfileError, RuntimeError):
        return False


def decodable_frames(name: str, frames: int) -> int:
    """Frames from the start that decode: `frames` when the last one does, else found by bisection.

    A file cut short keeps its header's frame count; its tail fails to decode.
    About log2(frames) single-frame decodes, only for such a file.
    """
    if frames == 0 or _decodes_at(name, frames - 1):
        return frames
    good, bad = -1, frames - 1  # frame `good` decodes (-1: none known), frame `bad` does not
    while bad - good > 1:
        mid = (good + bad) // 2
        if _decodes_at(name, mid):
            good = mid
        else:
            bad = mid
    return good + 1


def encoding_of(handle: sf.SoundFile) -> str:
    """``"FLAC PCM 24-bit"``, ``"OGG Vorbis"``, ``"MP3"`` ... from libsndfile's format and subtype."""
    if handle.subtype in MPEG_SUBTYPES:
        return MPEG_SUBTYPES[handle.subtype]
    kind = SUBTYPE_NAMES.get(handle.subtype, handle.subtype_info or handle.subtype)
    return f"{handle.format} {kind}"


def one_line(err: BaseException) -> str:
    """libsndfile's (or any) error text on one line, without its final full stop."""
    text = getattr(err, "error_string", None) or str(err)
    return " ".join(text.split()).rstrip(".")
