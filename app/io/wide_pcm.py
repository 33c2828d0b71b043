"""Integer PCM wider than libsndfile reads: 40, 48, 56 and 64-bit containers in WAV, RIFX and RF64.

Thread: any; a :class:`WidePcmFile` holds one open file and is used by one
thread at a time (by its :class:`~specscope.app.io.reader.AudioReader`).

libsndfile decodes integer PCM up to 32 bits.  Wider containers (5 to 8
bytes, with any number of valid bits, e.g. 36 in 40 or 53 in 64, as
``scipy.io.wavfile`` reads them) are decoded here from the data region the
WAVE header walker found.  Each sample is placed in the top bytes of a 64-bit
integer and scaled by 2**-63, so its full scale is 1.0 whatever its container,
as for the narrower widths: ``x / 2**(8 * container_bytes - 1)``.

The class offers the part of ``soundfile.SoundFile`` the reader uses:
``samplerate``, ``channels``, ``frames``, ``seek``, ``tell``, ``read`` (float32,
optionally into ``out``), ``seekable``, ``close`` and ``closed``.
"""

from __future__ import annotations

import os

import numpy as np

from specscope.app.io.wav_header import WAVE_FORMAT_PCM, WavHeader

WIDE_CONTAINER_BITS = (40, 48, 56, 64)
"""Integer PCM containers decoded here rather than by libsndfile."""


def is_wide_pcm(header: WavHeader) -> bool:
    """True for integer PCM in a 5- to 8-byte container."""
    return header.format_tag == WAVE_FORMAT_PCM and header.container_bits in WIDE_CONTAINER_BITS


class WidePcmFile:
    """The data region of a WAVE file of wide integer PCM, read as float32 frames.

    Parameters
    ----------
    name : str
        The file.
    header : WavHeader
        Its walked header (``is_wide_pcm(header)`` must hold).
    """

    format = "WAV"

    def __init__(self, name: str, header: WavHeader) -> None:
        self.samplerate = header.fs_hz
        self.channels = header.channels
        self.subtype = f"PCM_{header.container_bits}"
        self.frames = header.present_bytes // header.block_align
        self._bytes = header.container_bits // 8
        self._align = header.block_align
        self._offset = header.data_offset
        self._big_endian = header.container == "RIFX"
        self._pos = 0
        self._fh = open(name, "rb")  # closed by close()

    @property
    def closed(self) -> bool:
        return self._fh.closed

    def close(self) -> None:
        self._fh.close()

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, frames: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self.frames}[whence]
        self._pos = min(max(0, base + frames), self.frames)
        return self._pos

    def read(self, frames: int = -1, dtype: str = "float32", always_2d: bool = False,
             out: np.ndarray | None = None) -> np.ndarray:
        """Up to `frames` frames from the current position as float32, shape (n, channels) or (n,) for mono.

        With `out`, the samples are written into it and ``out[:n]`` is returned.
        """
        if dtype != "float32":
            raise ValueError("WidePcmFile reads float32 only")
        left = self.frames - self._pos
        n = left if frames < 0 else min(frames, left)
        if out is not None:
            n = min(n, out.shape[0])
        self._fh.seek(self._offset + self._pos * self._align)
        raw = self._fh.read(n * self._align)
        n = len(raw) // self._align
        self._pos += n
        codes = np.frombuffer(raw, dtype=np.uint8, count=n * self._align).reshape(n * self.channels, self._bytes)
        wide = np.zeros((codes.shape[0], 8), dtype=np.uint8)
        wide[:, 8 - self._bytes :] = codes[:, ::-1] if self._big_endian else codes
        values = (wide.view("<i8")[:, 0] * 2.0**-63).astype(np.float32).reshape(n, self.channels)
        if not always_2d and self.channels == 1:
            values = values[:, 0]
        if out is None:
            return values
        out[:n] = values
        return out[:n]
