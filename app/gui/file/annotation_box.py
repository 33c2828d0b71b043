"""One annotation drawn on the file view's spectrogram: a box with its number and label, edges draggable.

Thread: the Qt GUI thread.  An :class:`AnnotationBox` draws one annotation of
the layer (:class:`~specscope.app.gui.file.annotations_layer.AnnotationLayerMixin`)
in the view's (s, u) coordinates and hands the layer what the user did to it:

* a click selects it (highlighted, and its row in the table);
* a drag that starts on an edge (within :data:`EDGE_PX` pixels) moves that
  edge, and the new bounds are one undo step; a drag elsewhere pans as usual;
* a double click edits its label in place (:data:`EDITOR_KEYS` gives the line
  editor its Return and Escape before the window's shortcuts).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PyQt6.QtGui import QPainterPath
from PyQt6.QtWidgets import QLineEdit

from specscope.app.model.annotations import Annotation

EDGE_PX = 5
"""A drag starting this close to a box's edge moves the edge."""
BOX_PEN = (255, 210, 80)
SELECTED_PEN = (80, 230, 255)
NOISE_PEN = (200, 200, 200)


class EditorKeys(QObject):
    """Event filter giving a text editor its Return, Enter and Escape before the window's shortcuts
    (Return is also "Annotate the selection")."""

    KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() == QEvent.Type.ShortcutOverride and ev.key() in self.KEYS:
            ev.accept()
            return True
        if ev.type() == QEvent.Type.KeyPress and ev.key() == Qt.Key.Key_Escape and isinstance(obj, QLineEdit) \
                and obj.property("annotation") is not None:
            obj.hide()  # the in-place editor: Esc cancels
            return True
        return super().eventFilter(obj, ev)


EDITOR_KEYS = EditorKeys()
"""One filter for every annotation text editor."""


class AnnotationBox(pg.GraphicsObject):
    """One annotation in the view's (s, u) coordinates; edges draggable."""

    def __init__(self, layer, a: Annotation, rect: QRectF, noise: bool = False) -> None:
        super().__init__()
        self.layer, self.index, self.rect, self.noise = layer, a.index, QRectF(rect), noise
        self.selected = False
        self._drag_edges: tuple[bool, bool, bool, bool] | None = None
        self.label = pg.TextItem("", color=(255, 255, 255), fill=pg.mkBrush(0, 0, 0, 150), anchor=(0, 0))
        self.label.setParentItem(self)
        self.set_annotation(a, rect)
        self.setZValue(12)

    def set_annotation(self, a: Annotation, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self.rect = QRectF(rect)
        text = "noise" if self.noise else (f"{a.index} {a.label}".strip())
        self.label.setText(text)
        # Above a box's top edge; inside for a box reaching the top (a time range spans every frequency).
        self.label.setAnchor((0, 0) if not a.has_band or self.noise else (0, 1))
        self.label.setPos(self.rect.left(), self.rect.bottom())
        self.update()

    def set_selected(self, on: bool) -> None:
        self.selected = on
        self.update()

    def _tolerance(self) -> tuple[float, float]:
        px = self.pixelVectors()
        if px[0] is None:
            return 0.0, 0.0
        return EDGE_PX * abs(px[0].x()) or 1e-9, EDGE_PX * abs(px[1].y()) or 1e-9

    def boundingRect(self) -> QRectF:
        tx, ty = self._tolerance()
        return self.rect.adjusted(-tx, -ty, tx, ty)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.boundingRect())
        return path

    def paint(self, painter, *args) -> None:
        color = SELECTED_PEN if self.selected else (NOISE_PEN if self.noise else BOX_PEN)
        pen = pg.mkPen(color, width=3 if self.selected else 2, cosmetic=True)
        if self.noise:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(pg.mkBrush(*color, 30 if self.selected else 0))
        painter.drawRect(self.rect)

    def edges_at(self, p: QPointF) -> tuple[bool, bool, bool, bool]:
        """(left, right, bottom, top): the one edge nearest `p` (item coordinates) within reach, in pixels."""
        tx, ty = self._tolerance()
        r = self.rect
        inside_y = r.top() - ty <= p.y() <= r.bottom() + ty
        inside_x = r.left() - tx <= p.x() <= r.right() + tx
        full_height = self.layer.annotation_is_time_only(self.index)
        # Distances in units of the reach; a thin box picks the nearest edge, not all of them.
        d = [abs(p.x() - r.left()) / tx if inside_y else math.inf,
             abs(p.x() - r.right()) / tx if inside_y else math.inf,
             abs(p.y() - r.top()) / ty if inside_x and not full_height else math.inf,
             abs(p.y() - r.bottom()) / ty if inside_x and not full_height else math.inf]
        best = min(range(4), key=d.__getitem__)
        return tuple(i == best and d[i] <= 1.0 for i in range(4))

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.noise:
            ev.ignore()
            return
        if ev.isStart():
            edges = self.edges_at(ev.buttonDownPos())
            if not any(edges) or ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                ev.ignore()  # not on an edge: the view pans or selects
                return
            self._drag_edges = edges
        if self._drag_edges is None:
            ev.ignore()
            return
        ev.accept()
        p = ev.pos()
        left, right, bottom, top = self._drag_edges
        r = QRectF(self.rect)
        if left:
            r.setLeft(p.x())
        if right:
            r.setRight(p.x())
        if bottom:
            r.setTop(p.y())
        if top:
            r.setBottom(p.y())
        self.prepareGeometryChange()
        self.rect = r.normalized()
        self.label.setPos(self.rect.left(), self.rect.bottom())
        self.update()
        if ev.isFinish():
            self._drag_edges = None
            self.layer.box_dragged(self.index, self.rect)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton and not self.noise:
            self.layer.select_annotation(self.index, zoom=False)
            if ev.double():
                ev.accept()
                self.layer.edit_label_in_place(self.index)
                return
        ev.ignore()  # the view still seeks there

    def mouseDoubleClickEvent(self, ev) -> None:
        if not self.noise:
            self.layer.edit_label_in_place(self.index)
            ev.accept()
