"""A small, bounded walker over the chunks of RIFF, RIFX and RF64 WAVE files.

Thread: any; it only reads from a file object the caller owns.

libsndfile decodes WAV files well but reports damaged ones poorly: a file cut
short inside its data is silently shortened, and the size the header declared
is lost.  This walker reads only the chunk headers and the ``fmt `` (and RF64
``ds64``) bodies, so it answers at once on a file of any size, and it checks
what libsndfile lets through:

* the header is complete (the 12-byte RIFF header, a ``fmt `` chunk and the
  8-byte header of the ``data`` chunk are all inside the file);
* the format is possible: at least one channel, a sample rate above 0 Hz and
  at most :data:`~specscope.dsp.config.FS_HZ_MAX`,
  ``block_align == channels * ceil(bits / 8)`` for PCM, float, µ-law and A-law;
* how many frames the header declared and how many are in the file, also for
  the block codecs (MS and IMA ADPCM, GSM 6.10), from their samples per block
  and the ``fact`` chunk.

Nothing is ever allocated from a size read in the header: chunk bodies other
than ``fmt `` and ``ds64`` are skipped with a seek, and those two are read only
up to :data:`MAX_FMT_BYTES`.  The walk stops after :data:`MAX_CHUNKS` chunks.

Chunk layout rules followed (Microsoft RIFF, EBU Tech 3306 for RF64): every
chunk is an ASCII id, a 32-bit size (little-endian in RIFF and RF64,
big-endian in RIFX) and the body, followed by one pad byte when the size is
odd.  In RF64 the ``data`` size field holds 0xFFFFFFFF and the true size is the
64-bit ``dataSize`` of the ``ds64`` chunk that follows ``WAVE``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from specscope.dsp.config import FS_HZ_MAX

RIFF_HEADER_BYTES = 12
"""``RIFF`` + size + ``WAVE``."""

CHUNK_HEADER_BYTES = 8
"""Chunk id + 32-bit size."""

MIN_FMT_BYTES = 16
"""The body of a plain WAVEFORMAT (PCM) ``fmt `` chunk."""

MAX_FMT_BYTES = 4096
"""Largest ``fmt `` or ``ds64`` body read; the longest real one (extensible) is 40 bytes."""

MAX_CHUNKS = 4096
"""Chunks walked before giving up on finding ``fmt `` and ``data``."""

SIZE_UNKNOWN_32 = 0xFFFFFFFF
"""A 32-bit size field meaning 'see ds64' (RF64) or 'unknown, streamed' (RIFF)."""

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_ADPCM = 0x0002
WAVE_FORMAT_IEEE_FLOAT = 0x0003
WAVE_FORMAT_ALAW = 0x0006
WAVE_FORMAT_MULAW = 0x0007
WAVE_FORMAT_IMA_ADPCM = 0x0011
WAVE_FORMAT_GSM610 = 0x0031
WAVE_FORMAT_MPEGLAYER3 = 0x0055
WAVE_FORMAT_EXTENSIBLE = 0xFFFE

FORMAT_NAMES = {
    WAVE_FORMAT_PCM: "PCM",
    WAVE_FORMAT_ADPCM: "MS ADPCM",
    WAVE_FORMAT_IEEE_FLOAT: "float",
    WAVE_FORMAT_ALAW: "A-law",
    WAVE_FORMAT_MULAW: "µ-law",
    WAVE_FORMAT_IMA_ADPCM: "IMA ADPCM",
    WAVE_FORMAT_GSM610: "GSM 6.10",
    WAVE_FORMAT_MPEGLAYER3: "MPEG layer III",
}
"""Human names of the format tags; others are shown as ``format 0x....``."""

FIXED_WIDTH_FORMATS = (WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_ALAW, WAVE_FORMAT_MULAW)
"""Formats whose block alignment must equal channels x container bytes."""

BLOCK_FORMATS = (WAVE_FORMAT_ADPCM, WAVE_FORMAT_IMA_ADPCM, WAVE_FORMAT_GSM610)
"""Block codecs: ``block_align`` bytes hold ``wSamplesPerBlock`` frames (the fmt extension's first field)."""

CONTAINERS = {b"RIFF": ("<", "WAV"), b"RIFX": (">", "RIFX"), b"RF64": ("<", "RF64")}
"""Magic -> (struct byte order, container name)."""


class WavHeaderError(Exception):
    """A WAVE header that is cut short or impossible; the message does not name the file."""


@dataclass(frozen=True)
class WavHeader:
    """What the chunk headers of a WAVE file say.

    Attributes
    ----------
    container : str
        ``'WAV'`` (little-endian RIFF), ``'RIFX'`` (big-endian) or ``'RF64'``.
    format_tag : int
        ``wFormatTag``; for WAVE_FORMAT_EXTENSIBLE, the tag in the first two
        bytes of the SubFormat GUID (1 = PCM, 3 = float, ...).
    extensible : bool
        Whether the ``fmt `` chunk is WAVE_FORMAT_EXTENSIBLE.
    channels : int
        ``nChannels``.
    fs_hz : int
        ``nSamplesPerSec``, samples per second per channel.
    block_align : int
        ``nBlockAlign``, bytes per frame (all channels).
    container_bits : int
        Bits of the container of one sample: ``wBitsPerSample`` rounded up to whole bytes.
    valid_bits : int
        Bits that carry signal: ``wValidBitsPerSample`` when extensible and
        non-zero, else ``container_bits``.
    data_offset : int
        Byte offset of the first audio byte.
    declared_bytes : int or None
        Size of the audio data the header declares; None when unknown
        (a streamed RIFF file with size 0xFFFFFFFF).
    present_bytes : int
        Audio bytes actually in the file: ``min(declared, file_size - data_offset)``.
    samples_per_block : int or None
        Frames per ``block_align`` bytes of a block codec (ADPCM, GSM 6.10), else None.
    fact_frames : int or None
        The ``fact`` chunk's frame count, when one comes before the data.
    """

    container: str
    format_tag: int
    extensible: bool
    channels: int
    fs_hz: int
    block_align: int
    container_bits: int
    valid_bits: int
    data_offset: int
    declared_bytes: int | None
    present_bytes: int
    samples_per_block: int | None = None
    fact_frames: int | None = None

    @property
    def fixed_width(self) -> bool:
        """True for PCM, float, µ-law and A-law, where a frame is exactly ``block_align`` bytes."""
        return self.format_tag in FIXED_WIDTH_FORMATS

    @property
    def declared_frames(self) -> int | None:
        """Frames the header declares, else None.

        Fixed-width formats: ``declared_bytes // block_align``.  Block codecs:
        the ``fact`` count, else ``ceil(declared_bytes / block_align)`` blocks
        of ``samples_per_block``.  Others (or an unknown size): None.
        """
        if self.declared_bytes is None:
            return None
        if self.fixed_width:
            return self.declared_bytes // self.block_align
        if self.samples_per_block:
            blocks = -(-self.declared_bytes // self.block_align) * self.samples_per_block
            return blocks if self.fact_frames is None else min(self.fact_frames, blocks)
        return None

    @property
    def present_frames(self) -> int | None:
        """Whole frames present in the file (for a block codec, of the whole blocks present), else None."""
        if self.fixed_width:
            return self.present_bytes // self.block_align
        if self.samples_per_block:
            frames = (self.present_bytes // self.block_align) * self.samples_per_block
            declared = self.declared_frames
            return frames if declared is None else min(frames, declared)
        return None

    @property
    def truncated(self) -> bool:
        """True when the file ends before the declared end of the data."""
        return self.declared_bytes is not None and self.present_bytes < self.declared_bytes

    @property
    def encoding(self) -> str:
        """Human description, e.g. ``'WAV PCM 16-bit'``, ``'RF64 PCM 20-bit (24-bit container)'``."""
        name = FORMAT_NAMES.get(self.format_tag, f"format 0x{self.format_tag:04X}")
        if self.format_tag == WAVE_FORMAT_PCM:
            if self.container_bits == 8:
                text = f"PCM {self.valid_bits}-bit unsigned"
            else:
                text = f"PCM {self.valid_bits}-bit"
            if self.valid_bits != self.container_bits:
                text += f" ({self.container_bits}-bit container)"
        elif self.format_tag == WAVE_FORMAT_IEEE_FLOAT:
            text = f"float {self.container_bits}-bit"
        else:
            text = name
        if self.extensible:
            text += " extensible"
        return f"{self.container} {text}"


def is_wave(head: bytes) -> bool:
    """True when the first 12 bytes look like a RIFF, RIFX or RF64 WAVE file (or a cut-short one)."""
    return head[:4] in CONTAINERS and (len(head) < RIFF_HEADER_BYTES or head[8:12] == b"WAVE")


def read_wav_header(fh: BinaryIO, file_size: int) -> WavHeader:
    """Walk the chunks of the WAVE file open in `fh` (binary, seekable) and check its header.

    Parameters
    ----------
    fh : binary file object
        Positioned anywhere; read from byte 0.
    file_size : int
        Size of the file in bytes.

    Returns
    -------
    WavHeader

    Raises
    ------
    WavHeaderError
        Header cut short, impossible format values, no ``fmt `` or ``data`` chunk,
        or an empty ``data`` chunk; one line, without the file's name.
    """
    walker = _Walker(fh, file_size)
    return walker.walk()


class _Walker:
    """One walk over one file; holds the parse state so helpers stay short."""

    def __init__(self, fh: BinaryIO, file_size: int) -> None:
        self.fh = fh
        self.file_size = file_size
        self.order = "<"
        self.container = "WAV"
        self.fmt: dict | None = None
        self.ds64_data_bytes: int | None = None
        self.data: tuple[int, int] | None = None  # (offset, size field)
        self.fact_frames: int | None = None

    # --- reading ---------------------------------------------------------------
    def _need_bytes(self, offset: int) -> int:
        """Least file size for a complete header, given that `offset` bytes are walked."""
        need = offset
        if self.fmt is None:
            need += CHUNK_HEADER_BYTES + MIN_FMT_BYTES
        if self.data is None:
            need += CHUNK_HEADER_BYTES
        return need

    def _cut_short(self, need: int) -> WavHeaderError:
        return WavHeaderError(f"header cut short ({self.file_size} of {need} bytes)")

    def _read_at(self, offset: int, n: int, need: int) -> bytes:
        self.fh.seek(offset)
        raw = self.fh.read(n)
        if len(raw) < n:
            raise self._cut_short(need)
        return raw

    # --- walk ------------------------------------------------------------------
    def walk(self) -> WavHeader:
        head = self._read_at(0, RIFF_HEADER_BYTES, self._need_bytes(RIFF_HEADER_BYTES))
        if head[:4] not in CONTAINERS or head[8:12] != b"WAVE":
            raise WavHeaderError("not a RIFF/RIFX/RF64 WAVE file")
        self.order, self.container = CONTAINERS[head[:4]]
        offset = RIFF_HEADER_BYTES
        odd_before = False  # the previous chunk had an odd size, so `offset` skipped a pad byte
        for _ in range(MAX_CHUNKS):
            if self.fmt is not None and self.data is not None:
                break
            if offset + CHUNK_HEADER_BYTES > self.file_size:
                if self.data is not None:
                    raise WavHeaderError("no fmt chunk before the end of the file")
                raise self._cut_short(self._need_bytes(offset))
            raw = self._read_at(offset, CHUNK_HEADER_BYTES, self._need_bytes(offset))
            if not _is_chunk_id(raw[:4]) and odd_before:
                # Some writers omit the pad byte after an odd-sized chunk: accept the id one byte earlier.
                unpadded = self._read_at(offset - 1, CHUNK_HEADER_BYTES, self._need_bytes(offset))
                if _is_chunk_id(unpadded[:4]):
                    offset, raw = offset - 1, unpadded
            chunk_id = raw[:4]
            if not _is_chunk_id(chunk_id):
                raise WavHeaderError(f"damaged chunk list: bytes {chunk_id!r} at offset {offset} are not a chunk id")
            (size,) = struct.unpack(self.order + "I", raw[4:])
            body = offset + CHUNK_HEADER_BYTES
            if chunk_id == b"fmt ":
                self._parse_fmt(body, size)
            elif chunk_id == b"ds64" and self.container == "RF64":
                self._parse_ds64(body, size)
            elif chunk_id == b"fact" and self.data is None and size >= 4 and body + 4 <= self.file_size:
                (self.fact_frames,) = struct.unpack(self.order + "I", self._read_at(body, 4, body + 4))
            elif chunk_id == b"data" and self.data is None:
                self.data = (body, size)
                if size == SIZE_UNKNOWN_32 and self.container != "RF64":
                    if self.fmt is None:
                        raise WavHeaderError("no fmt chunk before a data chunk of unknown size")
                    break
                if self.container == "RF64" and size == SIZE_UNKNOWN_32:
                    size = self.ds64_data_bytes if self.ds64_data_bytes is not None else self.file_size
            offset = body + size + (size & 1)
            odd_before = bool(size & 1)
        else:
            raise WavHeaderError(f"no fmt and data chunks within the first {MAX_CHUNKS} chunks")
        return self._header()

    def _parse_fmt(self, body: int, size: int) -> None:
        if size < MIN_FMT_BYTES:
            raise WavHeaderError(f"fmt chunk of {size} bytes is shorter than the {MIN_FMT_BYTES} a format needs")
        n = min(size, MAX_FMT_BYTES)
        need = body + n + (CHUNK_HEADER_BYTES if self.data is None else 0)
        raw = self._read_at(body, n, need)
        tag, channels, fs_hz, _, block_align, bits = struct.unpack(self.order + "HHIIHH", raw[:16])
        extensible = tag == WAVE_FORMAT_EXTENSIBLE
        valid_bits = bits
        container_bits = 8 * ((bits + 7) // 8)  # 12-bit samples sit in 16-bit containers
        if extensible:
            if n < 40:
                raise WavHeaderError(f"WAVE_FORMAT_EXTENSIBLE fmt chunk of {size} bytes, 40 needed")
            cb_size, valid = struct.unpack(self.order + "HH", raw[16:20])
            if cb_size < 22:
                raise WavHeaderError(f"WAVE_FORMAT_EXTENSIBLE with cbSize {cb_size}, 22 needed")
            (tag,) = struct.unpack(self.order + "H", raw[24:26])
            if valid:
                valid_bits = valid
        samples_per_block = None
        if tag in BLOCK_FORMATS and n >= 20:
            (samples_per_block,) = struct.unpack(self.order + "H", raw[18:20])
        self.fmt = {
            "format_tag": tag,
            "extensible": extensible,
            "channels": channels,
            "fs_hz": fs_hz,
            "block_align": block_align,
            "container_bits": container_bits,
            "valid_bits": valid_bits,
            "samples_per_block": samples_per_block or None,
        }

    def _parse_ds64(self, body: int, size: int) -> None:
        if size < 24:
            raise WavHeaderError(f"ds64 chunk of {size} bytes, at least 24 needed")
        raw = self._read_at(body, 24, body + 24 + CHUNK_HEADER_BYTES)
        _, data_bytes, _ = struct.unpack("<QQQ", raw)
        self.ds64_data_bytes = data_bytes

    def _header(self) -> WavHeader:
        fmt = self.fmt
        assert fmt is not None and self.data is not None
        _check_format(fmt)
        data_offset, size_field = self.data
        if self.container == "RF64" and size_field == SIZE_UNKNOWN_32:
            if self.ds64_data_bytes is None:
                raise WavHeaderError("RF64 file without a ds64 chunk before its data")
            declared: int | None = self.ds64_data_bytes
        elif size_field == SIZE_UNKNOWN_32:
            declared = None
        else:
            declared = size_field
        available = max(0, self.file_size - data_offset)
        present = available if declared is None else min(declared, available)
        if declared == 0 or present == 0:
            raise WavHeaderError("no audio data (the data chunk is empty)")
        return WavHeader(
            container=self.container,
            data_offset=data_offset,
            declared_bytes=declared,
            present_bytes=present,
            fact_frames=self.fact_frames,
            **fmt,
        )


def _check_format(fmt: dict) -> None:
    """Reject format values no decoder can honour."""
    if fmt["channels"] == 0:
        raise WavHeaderError("impossible header: 0 channels")
    if fmt["fs_hz"] == 0:
        raise WavHeaderError("impossible header: sample rate 0 Hz")
    if fmt["fs_hz"] > FS_HZ_MAX:
        raise WavHeaderError(f"impossible header: sample rate {fmt['fs_hz']} Hz (at most {FS_HZ_MAX:.0f} Hz)")
    if fmt["block_align"] == 0:
        raise WavHeaderError("impossible header: block alignment 0 bytes")
    if fmt["format_tag"] in FIXED_WIDTH_FORMATS:
        bits = fmt["container_bits"]
        if bits == 0:
            raise WavHeaderError("impossible header: 0 bits per sample")
        if bits > 64:
            raise WavHeaderError(f"impossible header: {bits}-bit samples (at most 64)")
        if fmt["valid_bits"] > bits:
            raise WavHeaderError(f"impossible header: {fmt['valid_bits']} valid bits in a {bits}-bit container")
        sample_bytes = bits // 8
        if fmt["block_align"] != fmt["channels"] * sample_bytes:
            raise WavHeaderError(
                f"impossible header: block alignment {fmt['block_align']} bytes does not match "
                f"{fmt['channels']} channels x {sample_bytes} bytes"
            )


def _is_chunk_id(chunk_id: bytes) -> bool:
    """Chunk ids are four printable ASCII characters."""
    return all(0x20 <= c <= 0x7E for c in chunk_id)
