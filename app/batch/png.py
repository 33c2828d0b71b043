"""Spectrogram pictures without a display: numpy, the project's colour tables and a small PNG writer.

Thread: any (a batch task in a worker process).

Why not Qt: batch tasks run in Dask worker threads, where creating a
QGuiApplication (needed for QPainter text) is unsupported off the main thread,
and matplotlib is not a dependency.  So the picture is drawn in numpy: the
spectrogram max-pooled to at most ``MAX_WIDTH_PX`` x ``MAX_HEIGHT_PX`` (a
narrow tone never vanishes), coloured with a 256-entry table from
:func:`specscope.app.gui.colormaps.lookup_table` (computed once by the driver
and passed in, so workers import no Qt), with a frequency axis, a time axis
and a colour bar labelled in a built-in 5 x 7 pixel font, and written as an
8-bit RGB PNG (zlib, filter 0).
"""

from __future__ import annotations

import math
import struct
import zlib

import numpy as np

MAX_WIDTH_PX = 1200
MAX_HEIGHT_PX = 400
LEFT_PX, BOTTOM_PX, TOP_PX, RIGHT_PX = 56, 28, 10, 70
BAR_WIDTH_PX = 14
BACKGROUND = (255, 255, 255)
INK = (0, 0, 0)

_GLYPHS = {
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    ".": "00000 00000 00000 00000 00000 01100 01100", "-": "00000 00000 00000 11111 00000 00000 00000",
    ":": "00000 01100 01100 00000 01100 01100 00000", " ": "00000 00000 00000 00000 00000 00000 00000",
    "k": "10000 10000 10010 10100 11000 10100 10010", "H": "10001 10001 10001 11111 10001 10001 10001",
    "z": "00000 00000 11111 00010 00100 01000 11111", "s": "00000 00000 01111 10000 01110 00001 11110",
    "d": "00001 00001 01101 10011 10001 10001 01111", "B": "11110 10001 10001 11110 10001 10001 11110",
    "h": "10000 10000 10110 11001 10001 10001 10001", "m": "00000 00000 11010 10101 10101 10001 10001",
    "T": "11111 00100 00100 00100 00100 00100 00100", "F": "11111 10000 10000 11110 10000 10000 10000",
    "S": "01111 10000 10000 01110 00001 00001 11110",
}
_FONT = {c: np.array([[b == "1" for b in row] for row in rows.split()], dtype=bool) for c, rows in _GLYPHS.items()}


def render_spectrogram_png(db: np.ndarray, freqs_hz: np.ndarray, times_s: np.ndarray, lut: np.ndarray,
                           floor_db: float = -120.0, ceiling_db: float = 0.0, time_unit: str = "s",
                           time_label: str = "") -> bytes:
    """PNG bytes of a spectrogram with axes and a colour bar.

    Parameters
    ----------
    db : numpy.ndarray
        (n_freqs, n_frames) levels, dBFS; NaN (a gap) is drawn in the background colour.
    freqs_hz, times_s : numpy.ndarray
        Bin centre frequencies (Hz) and column times (seconds, any origin).
    lut : numpy.ndarray
        (256, 3 or 4) uint8 colour table, index 0 at `floor_db`.
    floor_db, ceiling_db : float
        Colour range, dBFS.
    time_unit : {"s", "h"}
        Labels of the time axis in seconds or hours.
    time_label : str
        Text drawn under the time axis at the left (e.g. the start date).
    """
    n_frames = db.shape[1]
    img = _pool(np.asarray(db, dtype=np.float32), MAX_HEIGHT_PX, MAX_WIDTH_PX)[::-1]  # low frequencies at the bottom
    h, w = img.shape
    frac = (img - floor_db) / (ceiling_db - floor_db)
    index = np.clip(np.nan_to_num(frac, nan=0.0) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    rgb = np.asarray(lut)[index, :3]
    rgb[np.isnan(img)] = BACKGROUND
    width = LEFT_PX + w + RIGHT_PX
    height = TOP_PX + h + BOTTOM_PX
    canvas = np.empty((height, width, 3), dtype=np.uint8)
    canvas[:] = BACKGROUND
    canvas[TOP_PX:TOP_PX + h, LEFT_PX:LEFT_PX + w] = rgb
    _frame(canvas, TOP_PX, LEFT_PX, h, w)
    # Frequency axis.
    f0, f1 = float(freqs_hz[0]), float(freqs_hz[-1])
    for f in _ticks(f0, f1):
        y = TOP_PX + h - 1 - round((f - f0) / max(f1 - f0, 1e-12) * (h - 1))
        canvas[y, LEFT_PX - 4:LEFT_PX] = INK
        _text(canvas, _hz_label(f), LEFT_PX - 6, y - 3, align="right")
    _text(canvas, "Hz", 2, TOP_PX, align="left")
    # Time axis.
    t0 = float(times_s[0]) if n_frames else 0.0
    t1 = float(times_s[-1]) if n_frames else 1.0
    scale = 3600.0 if time_unit == "h" else 1.0
    for t in _ticks(t0 / scale, t1 / scale):
        x = LEFT_PX + round((t * scale - t0) / max(t1 - t0, 1e-12) * (w - 1))
        canvas[TOP_PX + h:TOP_PX + h + 4, x] = INK
        _text(canvas, _num(t) + time_unit, x, TOP_PX + h + 6, align="centre")
    if time_label:
        _text(canvas, time_label, LEFT_PX, TOP_PX + h + 17, align="left")
    # Colour bar.
    bx = LEFT_PX + w + 10
    ramp = np.linspace(255, 0, h).astype(np.uint8)
    canvas[TOP_PX:TOP_PX + h, bx:bx + BAR_WIDTH_PX] = np.asarray(lut)[ramp, :3][:, None, :]
    _frame(canvas, TOP_PX, bx, h, BAR_WIDTH_PX)
    for level in _ticks(floor_db, ceiling_db):
        y = TOP_PX + round((ceiling_db - level) / (ceiling_db - floor_db) * (h - 1))
        canvas[y, bx + BAR_WIDTH_PX:bx + BAR_WIDTH_PX + 3] = INK
        _text(canvas, _num(level), bx + BAR_WIDTH_PX + 5, y - 3, align="left")
    _text(canvas, "dBFS", bx, TOP_PX + h + 6, align="left")
    return encode_png(canvas)


def encode_png(rgb: np.ndarray) -> bytes:
    """An (h, w, 3) uint8 image as PNG bytes (8-bit RGB, no interlace)."""
    h, w, _ = rgb.shape
    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8), np.ascontiguousarray(rgb, dtype=np.uint8).reshape(h, -1)],
                         axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 3)) + chunk(b"IEND", b"")


def _pool(a: np.ndarray, max_rows: int, max_cols: int) -> np.ndarray:
    """Max-pool (ignoring NaN unless a whole cell is NaN) to at most max_rows x max_cols."""
    for axis, limit in ((0, max_rows), (1, max_cols)):
        n = a.shape[axis]
        if n > limit:
            edges = np.linspace(0, n, limit + 1).astype(np.int64)
            filled = np.where(np.isnan(a), -np.inf, a)
            pooled = np.maximum.reduceat(filled, edges[:-1], axis=axis)
            pooled[np.isneginf(pooled)] = np.nan
            a = pooled
    return a


def _frame(canvas: np.ndarray, top: int, left: int, h: int, w: int) -> None:
    canvas[top - 1, left - 1:left + w + 1] = INK
    canvas[top + h, left - 1:left + w + 1] = INK
    canvas[top - 1:top + h + 1, left - 1] = INK
    canvas[top - 1:top + h + 1, left + w] = INK


def _ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k steps) within [lo, hi]."""
    span = hi - lo
    if not math.isfinite(span) or span <= 0:
        return [lo]
    raw = span / target
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _num(x: float) -> str:
    return f"{x:.4g}".replace("e+0", "e").replace("+", "")


def _hz_label(f: float) -> str:
    return _num(f / 1000.0) + "k" if abs(f) >= 1000 else _num(f)


def _text(canvas: np.ndarray, text: str, x: int, y: int, align: str = "left") -> None:
    """Draw `text` with the 5 x 7 font, its top at row `y`; x is the left, right end or centre."""
    glyphs = [_FONT.get(c, _FONT[" "]) for c in text]
    width = 6 * len(glyphs) - 1
    if align == "right":
        x -= width
    elif align == "centre":
        x -= width // 2
    for i, g in enumerate(glyphs):
        gx = x + 6 * i
        ys, xs = np.nonzero(g)
        ys, xs = ys + y, xs + gx
        ok = (ys >= 0) & (ys < canvas.shape[0]) & (xs >= 0) & (xs < canvas.shape[1])
        canvas[ys[ok], xs[ok]] = INK
