"""A vertical level bar: the level, a peak-hold marker and a latching clip lamp.

Thread: the Qt GUI thread (a plain widget that paints what it was last given).
"""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QPainter, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from specscope.app.model.level_display import LevelDisplay

FLOOR_DB = -60.0
"""Bottom of the scale, dBFS (a level below it shows an empty bar)."""
CEILING_DB = 0.0
WARN_DB = -18.0
"""Above this the bar is amber (EBU R68 alignment level), above -6 dB red."""
HOT_DB = -6.0
CLIP_H = 10
TICKS_DB = (0, -6, -12, -18, -24, -36, -48, -60)


class LevelBar(QWidget):
    """One channel's bar.  :meth:`set_levels` gives it dB values; it repaints itself.

    The bar's scale is dB from FLOOR_DB to CEILING_DB (shifted by the calibration
    offset when the levels are dB SPL, so the bar still spans the digital range).
    """

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.level_db = FLOOR_DB
        self.hold_db = FLOOR_DB
        self.clipped = False
        self.offset_db = 0.0
        self.setMinimumSize(22, 120)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setToolTip(f"{label}: bar = Fast RMS, line = peak hold, lamp = clip (latched until Reset)")

    def sizeHint(self) -> QSize:
        return QSize(26, 220)

    def set_levels(self, level_db: float, hold_db: float, clipped: bool, offset_db: float = 0.0) -> None:
        """Level (RMS, maybe dB SPL), peak hold (dBFS), clip latch; `offset_db` maps dB SPL back to the scale."""
        self.level_db, self.hold_db, self.clipped, self.offset_db = level_db, hold_db, clipped, offset_db
        self.update()

    def _y(self, db: float, top: float, height: float) -> float:
        frac = (min(max(db, FLOOR_DB), CEILING_DB) - FLOOR_DB) / (CEILING_DB - FLOOR_DB)
        return top + height * (1.0 - frac)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        w, h = self.width(), self.height()
        top, bottom = CLIP_H + 10, h - 14
        height = bottom - top
        p.fillRect(0, 0, w, h, QColor(24, 24, 28))
        p.fillRect(QRectF(2, 1, w - 4, CLIP_H), QColor(230, 30, 30) if self.clipped else QColor(70, 20, 20))
        level = self.level_db - self.offset_db
        for lo, hi, colour in ((FLOOR_DB, WARN_DB, QColor(40, 200, 80)), (WARN_DB, HOT_DB, QColor(230, 190, 40)),
                               (HOT_DB, CEILING_DB, QColor(235, 60, 40))):
            if level <= lo:
                continue
            y_hi = self._y(min(level, hi), top, height)
            y_lo = self._y(lo, top, height)
            p.fillRect(QRectF(4, y_hi, w - 8, y_lo - y_hi), colour)
        p.setPen(QPen(QColor(90, 90, 100)))
        for db in TICKS_DB:
            ty = self._y(db, top, height)
            p.drawLine(0, int(ty), 3, int(ty))
            p.drawLine(w - 4, int(ty), w, int(ty))
        if self.hold_db > FLOOR_DB:
            hy = self._y(self.hold_db, top, height)
            p.setPen(QPen(QColor(255, 255, 255), 2))
            p.drawLine(3, int(hy), w - 3, int(hy))
        p.setPen(QPen(QColor(200, 200, 210)))
        p.drawText(QRectF(0, bottom, w, 14), Qt.AlignmentFlag.AlignCenter, self.label)
        p.end()


class LevelScale(QWidget):
    """The dB labels beside the bars (same mapping as :class:`LevelBar`), and their unit below them.

    Calibrated (:meth:`set_unit` with an offset), each tick reads its dB SPL: the dBFS tick plus the offset.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.offset_db = 0.0
        self.unit = "dBFS"
        self.setMinimumSize(40, 120)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def set_unit(self, offset_db: float | None) -> None:
        """dB SPL = dBFS + `offset_db` on the labels; None: dBFS."""
        display = LevelDisplay(offset_db)  # the unit and offset every view of levels uses
        self.offset_db, self.unit = display.shift_db, display.unit
        self.update()

    def tick_labels(self) -> list[str]:
        """The labels at TICKS_DB (top to bottom), in :attr:`unit`."""
        return [f"{db + self.offset_db:.0f}" for db in TICKS_DB]

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        h = self.height()
        top, bottom = CLIP_H + 10, h - 14
        p.setPen(QPen(QColor(120, 120, 130)))
        font = p.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        p.setFont(font)
        for db, text in zip(TICKS_DB, self.tick_labels(), strict=True):
            frac = (db - FLOOR_DB) / (CEILING_DB - FLOOR_DB)
            y = top + (bottom - top) * (1.0 - frac)
            p.drawText(QRectF(0, y - 7, self.width() - 2, 14),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        p.drawText(QRectF(0, 0, self.width() - 2, CLIP_H + 2), Qt.AlignmentFlag.AlignRight, "clip")
        p.save()  # the unit along the left edge, as an axis label, clear of the tick labels
        p.translate(0, (top + bottom) / 2)
        p.rotate(-90)
        p.drawText(QRectF(-(bottom - top) / 2, 0, bottom - top, 12), Qt.AlignmentFlag.AlignCenter, self.unit)
        p.restore()
        p.end()
