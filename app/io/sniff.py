"""Recognising audio by its first bytes: known magic numbers and real MPEG audio frames.

Thread: any (stateless functions over bytes and an open binary file).

libsndfile hands files starting like MPEG, and any file it does not
recognise, to mpg123, which prints to stderr while it fails on noise.  So a
file reaches libsndfile only when it starts with a magic number of
:data:`KNOWN_MAGIC` (the WAV family is checked by
:mod:`specscope.app.io.wav_header` first) or with two consecutive valid MPEG
audio frame headers, at byte 0 or after an ID3v2 tag
(:func:`mpeg_audio_follows`).
"""

from __future__ import annotations

from typing import BinaryIO

SNIFF_BYTES = 4096
"""Bytes read from the start of a file to recognise WAV and MPEG headers."""

ID3_SEARCH_BYTES = 65536
"""Bytes after an ID3v2 tag searched for the first MPEG audio frame."""

KNOWN_MAGIC = (
    b"RIFF", b"RIFX", b"RF64", b"riff",  # WAV family, Sony Wave64
    b"FORM",  # AIFF, AIFC, 8SVX
    b".snd", b"dns.",  # AU (big and little endian)
    b"fLaC", b"OggS", b"caff",
    b"fap ", b" paf", b"NIST", b"Creative Voice File", b"MATLAB 5.0", b"PVF1", b"Extended Instrument", b"2BIT",
    b"ALawSoundFile", b"\x64\xa3\x01\x00", b"\x00\x01\xa3\x64", b"\x64\xa3\x02\x00", b"\x00\x02\xa3\x64",
    b"\x64\xa3\x03\x00", b"\x00\x03\xa3\x64", b"\x64\xa3\x04\x00", b"\x00\x04\xa3\x64",  # IRCAM
    b"\xf0\x7e", b"SEKD",  # MIDI sample dump, Samplitude
)
"""Starts of the files handed to libsndfile (besides MPEG audio, sniffed frame by frame).

Others (headerless formats such as HTK, MAT4 and MPC2000 included) are refused
without asking libsndfile, whose last resort is to let mpg123 scan the file,
printing to stderr.
"""

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


def has_known_magic(head: bytes) -> bool:
    """True when `head` starts with one of :data:`KNOWN_MAGIC`."""
    return head.startswith(KNOWN_MAGIC)


def looks_like_mpeg(head: bytes) -> bool:
    """True when `head` starts with an MPEG frame sync or an ID3v2 tag: worth :func:`mpeg_audio_follows`."""
    return mpeg_sync(head) or head[:3] == b"ID3"


def mpeg_sync(head: bytes) -> bool:
    """True when `head` starts with the 11-bit MPEG frame sync ``0xFFE``."""
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


def mpeg_frame(head: bytes, offset: int) -> tuple[int, int] | None:
    """(frame bytes, header signature) of a valid MPEG audio frame header at `offset`, else None.

    Frame bytes: layer I ``(12 * bitrate / fs + padding) * 4``; MPEG-2/2.5
    layer III ``72 * bitrate / fs + padding``; otherwise
    ``144 * bitrate / fs + padding`` (bitrate in bit/s, fs in Hz).  The
    signature packs version, layer and rate index, equal for the frames of
    one stream.
    """
    if offset + 4 > len(head) or not mpeg_sync(head[offset:]):
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


def mpeg_frames_at(buf: bytes, offset: int) -> bool:
    """Two consecutive MPEG frame headers with the same version, layer and rate at `offset`."""
    first = mpeg_frame(buf, offset)
    if first is None:
        return False
    second = mpeg_frame(buf, offset + first[0])
    return second is not None and second[1] == first[1]


def mpeg_audio_follows(fh: BinaryIO, head: bytes) -> bool:
    """True when MPEG audio frames start at byte 0, or after an ID3v2 tag within :data:`ID3_SEARCH_BYTES`.

    Parameters
    ----------
    fh : binary file
        The file, seekable; read only past an ID3v2 tag.
    head : bytes
        Its first :data:`SNIFF_BYTES` bytes (fewer for a short file).
    """
    if head[:3] != b"ID3":
        return mpeg_frames_at(head, 0)
    if len(head) < 10:
        return False
    tag_bytes = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))  # syncsafe size
    tag_bytes += 10 if head[5] & 0x10 else 0  # footer
    fh.seek(tag_bytes)
    buf = fh.read(ID3_SEARCH_BYTES + SNIFF_BYTES)
    offset = buf.find(b"\xff")
    while 0 <= offset < ID3_SEARCH_BYTES:
        if mpeg_frames_at(buf, offset):
            return True
        offset = buf.find(b"\xff", offset + 1)
    return False
