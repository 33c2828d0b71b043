"""The spectrogram's image tiles: a few dozen columns of row-major float32 each, drawn from opaque
device-size pixmaps, max-pooled to the screen's pixels, and the strip item that paints them all.

Thread: the Qt GUI thread.  Used by :mod:`specscope.app.gui.spectrogram_view`, which owns the ring of
tiles, places them and scrolls the strip.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QImage, QPixmap
from PyQt6.QtWidgets import QGraphicsItem

from specscope.dsp.pooling import even_starts, max_pool

TILE_COLS = 64
"""Columns (frames) per tile."""
EMPTY_DB = -400.0
"""Value of columns not yet written (below any floor: drawn in the floor colour)."""

def pool_max(data: np.ndarray, n_out: int, axis: int) -> np.ndarray:
    """Maximum over `n_out` equal runs of `data` along `axis` (:func:`specscope.dsp.pooling.max_pool`):
    a peak one bin or one frame wide lights its cell however far the image is shrunk."""
    return max_pool(data, even_starts(data.shape[axis], n_out), axis=axis)


class TileImage(pg.ImageItem):
    """One tile's ImageItem, drawn from an opaque pixmap of its on-screen size.

    Not an item of the scene: it holds the data, levels, colour table and placement (``setRect``),
    and :class:`_Strip` calls :meth:`draw` for it.

    Scrolling translates the strip by whole device pixels, so a tile's on-screen size only changes when
    the view is resized or zoomed.  The tile keeps an RGB32 pixmap of exactly that size and draws it
    unscaled at a whole-pixel position: a plain copy per repaint.  (Qt's DeviceCoordinateCache does
    the same with a transparent pixmap, which must be alpha-blended on every repaint: about 5 % of a
    core more for a full window.)  Only a tile whose data, levels or colours changed is re-made.

    Where the screen has fewer pixels than the tile has rows (bins) or columns (frames), each pixel
    shows the maximum of the values it covers, so a one-bin tone or a one-frame click never falls
    between pixels; where it has more, values are repeated (nearest neighbour).  Colours: pyqtgraph's
    rule for fixed levels and a 256-entry table, ``index = clip((db - floor) * 256 / (ceiling - floor), 0, 255)``.
    """

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self.last_seq = -1
        self._pixmap: QPixmap | None = None
        self._pixmap_key: tuple[int, int, bool, bool] | None = None

    def device_image(self, width: int, height: int, flip_x: bool = False, flip_y: bool = False) -> QImage:
        """The tile as an RGB32 image of `width` x `height` device pixels (see the class notes).

        `flip_y` puts row 0 at the bottom, as in a view whose y axis points up.
        """
        lo, hi = (float(v) for v in self.levels)
        lut = np.asarray(self.lut, dtype=np.uint32)
        table = np.uint32(0xFF000000) | (lut[:, 0] << 16) | (lut[:, 1] << 8) | lut[:, 2]
        scale = np.float32(lut.shape[0] / (hi - lo) if hi > lo else 0.0)
        # Colour indices first: they rise with the level, so pooling them pools the levels, in a quarter
        # of the memory.
        index = np.clip((np.asarray(self.image, dtype=np.float32) - np.float32(lo)) * scale, 0,
                        lut.shape[0] - 1).astype(np.uint8)
        if height < index.shape[0]:
            index = pool_max(index, height, axis=0)
        if width < index.shape[1]:
            index = pool_max(index, width, axis=1)
        if flip_y:
            index = index[::-1]
        if flip_x:
            index = index[:, ::-1]
        argb = np.ascontiguousarray(table[index])
        rows, cols = argb.shape
        image = QImage(argb.data, cols, rows, 4 * cols, QImage.Format.Format_RGB32).copy()
        if (cols, rows) != (width, height):
            image = image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                                 Qt.TransformationMode.FastTransformation)
        return image

    def draw(self, painter, target: QRectF, flip_x: bool, flip_y: bool, dpr: float) -> None:
        """Copy the tile's pixmap to `target` (logical pixels of an untransformed painter), made anew
        when its device size, its orientation, or its data, levels or colours changed.

        The pixmap spans the device pixels between the *rounded edges* of `target`, not a rounded width
        from a rounded left edge: rounding is monotonic, so a tile whose right edge lies right of its
        neighbour's left edge (the overlap column) reaches at least that pixel, and no column of the
        screen is left unpainted.  (Rounding the width on its own lost a pixel wherever the two roundings
        went opposite ways: a black seam every few tiles when the overlap is under half a pixel, at N 256
        or 512 or zoomed in at 2048.)
        """
        x0, x1 = round(target.left() * dpr), round(target.right() * dpr)
        y0, y1 = round(target.top() * dpr), round(target.bottom() * dpr)
        width, height = x1 - x0, y1 - y0
        if width < 1 or height < 1:
            return
        key = (width, height, flip_x, flip_y)
        if self._pixmap is None or self._pixmap_key != key or self._renderRequired:
            # setImage/updateImage, setLevels and setLookupTable all set _renderRequired.
            self._pixmap = QPixmap.fromImage(self.device_image(*key))
            self._pixmap.setDevicePixelRatio(dpr)
            self._pixmap_key = key
            self._renderRequired = False
        painter.drawPixmap(QPointF(x0 / dpr, y0 / dpr), self._pixmap)


class Strip(QGraphicsItem):
    """The scrolling group of tiles, painted in one call.

    The tiles (pyqtgraph ImageItems holding the data, levels, colour table and placement) are not
    items of the scene themselves: with ~30 tiles in the scene, Qt called Python for each tile's
    paint and bounding rect on every repaint (about 8 % of a core at 62 repaints/s).  The strip asks
    each visible tile for its pixmap and copies it at the tile's place, whole device pixels.
    A plain QGraphicsItem, not a pyqtgraph GraphicsObject, so moving it (every repaint) calls no
    Python ``itemChange``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.tiles: list[Tile] = []
        self._bounds = QRectF()

    def update_bounds(self) -> None:
        """Recompute the union of the tiles' rectangles (call after placing or removing tiles)."""
        bounds = QRectF()
        for tile in self.tiles:
            bounds = bounds.united(tile.rect)
        self.prepareGeometryChange()
        self._bounds = bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def paint(self, painter, *args) -> None:
        world = painter.worldTransform()
        if world.m12() != 0.0 or world.m21() != 0.0:  # a rotated view (never in this window): plain scaling
            for tile in self.tiles:
                painter.drawImage(tile.rect, tile.item.device_image(TILE_COLS + 1, tile.data.shape[0]))
            return
        clip = painter.clipBoundingRect() if painter.hasClipping() else QRectF()
        dpr = painter.device().devicePixelRatioF()
        flip_x, flip_y = world.m11() < 0.0, world.m22() < 0.0  # y up: row 0 (lowest frequency) at the bottom
        # Targets are in the widget's logical pixels.  (The world transform, not deviceTransform: the latter
        # adds the widget's offset inside its window, which resetTransform keeps, so it would count twice.)
        painter.save()
        painter.resetTransform()
        for tile in self.tiles:
            if clip.isEmpty() or clip.intersects(tile.rect):
                tile.item.draw(painter, world.mapRect(tile.rect), flip_x, flip_y, dpr)
        painter.restore()


class Tile:
    __slots__ = ("data", "dirty", "item", "n", "rect", "seq0", "t0_s")

    def __init__(self, item: TileImage, n_rows: int) -> None:
        self.item = item
        # One extra column repeats the next tile's first column: cached tiles are placed on whole device
        # pixels, and the overlap hides the 1-pixel seam that rounding can leave between neighbours.
        self.data = np.full((n_rows, TILE_COLS + 1), EMPTY_DB, dtype=np.float32)
        self.n = 0
        self.seq0 = 0
        self.t0_s = 0.0
        self.dirty = False
        self.rect = QRectF()
        """The tile's rectangle in the strip's coordinates (s, scale coordinate u)."""
