"""Annotations on the file view's spectrogram: boxes with their number and label, edge dragging, measurements.

Thread: the Qt GUI thread (:class:`AnnotationBox` and :class:`AnnotationLayerMixin`
of :class:`~specscope.app.gui.file.view.FileView`).  The annotations are a
Qt-free :class:`~specscope.app.model.annotations.AnnotationModel` this layer
observes and edits; the Raven measurements of each box
(:mod:`specscope.dsp.selection_measures`) are computed by a background job,
one read-only result per annotation, dropped if the annotation changed since.

* Enter makes an annotation of the selection (a time range spans every
  frequency); it stays drawn as a box with ``number label`` at its top left.
* A click in a box selects it (highlighted, and its row in the table); a
  drag that starts on an edge (within :data:`EDGE_PX` pixels) moves that edge,
  and the new bounds are one undo step; a drag elsewhere pans as usual.
* A double click in a box edits its label in place.
* The measurements of a box use the channel the view analyses (what the
  spectrogram shows).  A box of more than :data:`MAX_MEASURE_CELLS` cells
  (frames x bins of the whole spectrum) is not measured (its row says so).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer
from PyQt6.QtGui import QPainterPath
from PyQt6.QtWidgets import QLineEdit

from specscope.app.model.annotations import Annotation, AnnotationError, AnnotationModel, Change, NoiseBox

from .jobs import JobBoard

EDGE_PX = 5
"""A drag starting this close to a box's edge moves the edge."""
MAX_MEASURE_CELLS = 8 << 20
"""Largest box measured (frames x bins; about 64 MB of complex spectra)."""
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


class AnnotationLayerMixin:
    """The annotation model of the open file, its boxes, editing commands and measurement job."""

    def _build_annotations(self) -> None:
        self.annotations = AnnotationModel()
        self._unsubscribe = self.annotations.subscribe(self._on_annotations_changed)
        self.measurements: dict[int, dict[str, float | None]] = {}
        """Raven measurement columns of each annotation (by selection number), as computed."""
        self.measure_problems: dict[int, str] = {}
        self.selected_annotation: int | None = None
        self._boxes: dict[int, AnnotationBox] = {}
        self._noise_box: AnnotationBox | None = None
        self._label_editor: QLineEdit | None = None
        self.annotation_listeners: list = []
        """Callables ``f(change)`` (the table dock, autosave), called after every model change."""
        self._measure_pending: set[int] = set()
        self.annot_jobs = JobBoard(self)
        self.annot_jobs.result.connect(self._on_measure_result)
        self.annot_jobs.block.connect(self._on_measure_block)
        self.annot_jobs.failed.connect(self._on_measure_failed)

    def set_annotation_model(self, model: AnnotationModel) -> None:
        """Show and edit `model` from now on (a new file, a recovered autosave)."""
        self._unsubscribe()
        self.annotations = model
        self._unsubscribe = model.subscribe(self._on_annotations_changed)
        self.selected_annotation = None
        self._on_annotations_changed(Change("load", model.indices))

    # --- geometry -------------------------------------------------------------------
    def annotation_is_time_only(self, index: int) -> bool:
        return index in self.annotations and not self.annotations.get(index).has_band

    def _rect_of(self, begin_s, end_s, low_hz, high_hz) -> QRectF:
        u_lo, u_hi = self._u_limits() if self.cfg is not None else (0.0, 1.0)
        u0 = u_lo if low_hz is None else float(self.scale.transform(max(0.0, low_hz)))
        u1 = u_hi if high_hz is None else float(self.scale.transform(high_hz))
        return QRectF(begin_s, u0, end_s - begin_s, u1 - u0)

    def redraw_annotations(self) -> None:
        """Rebuild every box (after a scale or file change)."""
        for box in list(self._boxes.values()):
            self.plot.removeItem(box)
        self._boxes.clear()
        if self._noise_box is not None:
            self.plot.removeItem(self._noise_box)
            self._noise_box = None
        if self.cfg is None:
            return
        for a in self.annotations:
            self._place_box(a)
        n = self.annotations.noise
        if n is not None:
            probe = Annotation(0, "", n.begin_s, n.end_s, n.low_hz, n.high_hz)
            self._noise_box = AnnotationBox(self, probe, self._rect_of(n.begin_s, n.end_s, n.low_hz, n.high_hz), True)
            self.plot.addItem(self._noise_box)

    def _place_box(self, a: Annotation) -> None:
        rect = self._rect_of(a.begin_s, a.end_s, a.low_hz, a.high_hz)
        box = self._boxes.get(a.index)
        if box is None:
            box = self._boxes[a.index] = AnnotationBox(self, a, rect)
            self.plot.addItem(box)
        else:
            box.set_annotation(a, rect)
        box.set_selected(a.index == self.selected_annotation)

    def annotation_rects(self) -> dict[int, QRectF]:
        """The boxes drawn now, in (s, u) (tests)."""
        return {i: QRectF(b.rect) for i, b in self._boxes.items()}

    # --- the model's changes ------------------------------------------------------------
    def _on_annotations_changed(self, change: Change) -> None:
        if change.kind in ("load", "noise"):
            self.redraw_annotations()
        else:
            for i in change.indices:
                if i in self.annotations:
                    self._place_box(self.annotations.get(i))
                else:
                    box = self._boxes.pop(i, None)
                    if box is not None:
                        self.plot.removeItem(box)
                    self.measurements.pop(i, None)
                    if self.selected_annotation == i:
                        self.selected_annotation = None
        if change.kind in ("load", "noise"):
            self.measurements = {i: m for i, m in self.measurements.items() if i in self.annotations}
            self.start_measuring(self.annotations.indices)
        elif change.kind in ("add", "update"):
            self.start_measuring(change.indices)
        for listener in list(self.annotation_listeners):
            listener(change)

    # --- commands ---------------------------------------------------------------------
    def annotate_selection(self, label: str = "") -> Annotation | None:
        """Make an annotation of the selection (Enter); None without a selection."""
        if self.selection is None:
            return None
        t0, t1, f_lo, f_hi = self.selection
        channel = self.analysis_settings.channel
        try:
            a = self.annotations.add(t0, t1, f_lo, f_hi, label=label,
                                     channel=channel + 1 if isinstance(channel, int) else 1)
        except AnnotationError as err:
            self.error.emit(str(err))
            return None
        self.select_annotation(a.index, zoom=False)
        return a

    def delete_annotation(self, index: int | None = None) -> bool:
        """Delete the selected annotation (Delete); False when there is none."""
        index = self.selected_annotation if index is None else index
        if index is None or index not in self.annotations:
            return False
        self.annotations.delete(index)
        return True

    def undo_annotation(self) -> bool:
        return self.annotations.undo()

    def redo_annotation(self) -> bool:
        return self.annotations.redo()

    def set_noise_from_selection(self) -> bool:
        """The selection becomes the noise reference for SNR (one undo step)."""
        if self.selection is None:
            return False
        t0, t1, f_lo, f_hi = self.selection
        self.annotations.set_noise(NoiseBox(t0, t1, f_lo, f_hi))
        return True

    def clear_noise(self) -> None:
        self.annotations.set_noise(None)

    def select_annotation(self, index: int | None, zoom: bool = True) -> None:
        """Highlight annotation `index`, make it the selection (P plays it); with `zoom`, show it."""
        old, self.selected_annotation = self.selected_annotation, index
        for i in (old, index):
            if i in self._boxes:
                self._boxes[i].set_selected(i == index)
        if index is None or index not in self.annotations:
            return
        a = self.annotations.get(index)
        self.set_selection(a.begin_s, a.end_s, a.low_hz, a.high_hz)
        if zoom:
            margin = 0.1 * max(a.duration_s, 4 * self.cfg.hop_s if self.cfg else 0.01)
            self.remember_view(coalesce=False)
            self.vb.setXRange(max(0.0, a.begin_s - margin), a.end_s + margin, padding=0)
            if a.has_band:
                r = self._rect_of(a.begin_s, a.end_s, a.low_hz, a.high_hz)
                pad = 0.1 * r.height()
                self.vb.setYRange(r.top() - pad, r.bottom() + pad, padding=0)
        for listener in list(self.annotation_listeners):
            listener(Change("update", ()))

    def play_band(self) -> None:
        """Play the selection band-limited to its frequencies (a time-only one plays everything)."""
        if self.selection is None or self.path is None or not self.player.available:
            return
        t0, t1, lo, hi = self.selection
        self.player.play(t0, t1, None if lo is None and hi is None else (lo, hi))

    def box_dragged(self, index: int, rect: QRectF) -> None:
        """An edge was dragged: the new bounds, one undo step (a time-only box stays time-only)."""
        if index not in self.annotations:
            return
        a = self.annotations.get(index)
        nyq = float(self.cfg.freqs_hz[-1]) if self.cfg is not None else None
        t0, t1 = max(0.0, rect.left()), rect.right()
        if a.has_band:
            lo = max(0.0, float(self.scale.inverse(rect.top())))
            hi = float(self.scale.inverse(rect.bottom()))
            hi = min(hi, nyq) if nyq is not None else hi
        else:
            lo = hi = None
        try:
            self.annotations.set_bounds(index, t0, t1, lo, hi)
        except AnnotationError as err:
            self.error.emit(str(err))
            self._place_box(a)
        if self.selected_annotation == index:
            self.select_annotation(index, zoom=False)

    def edit_label_in_place(self, index: int) -> None:
        """A line editor over the box's label: Enter keeps the text, Esc cancels."""
        if index not in self._boxes:
            return
        a = self.annotations.get(index)
        box = self._boxes[index]
        top_left = self.plot.mapFromScene(self.vb.mapViewToScene(QPointF(box.rect.left(), box.rect.bottom())))
        editor = self._label_editor
        if editor is None:
            editor = self._label_editor = QLineEdit(self.plot)
            editor.setPlaceholderText("label")
            editor.setMinimumWidth(140)
            editor.installEventFilter(EDITOR_KEYS)
            editor.returnPressed.connect(self._commit_label_edit)
            editor.editingFinished.connect(editor.hide)
        editor.setProperty("annotation", index)
        editor.setText(a.label)
        editor.move(max(0, int(top_left.x())), max(0, int(top_left.y())))
        editor.show()
        editor.raise_()
        editor.setFocus()
        editor.selectAll()

    def _commit_label_edit(self) -> None:
        editor = self._label_editor
        index = editor.property("annotation")
        if index in self.annotations:
            try:
                self.annotations.set_label(index, editor.text())
            except AnnotationError as err:
                self.error.emit(str(err))
        editor.hide()
        QTimer.singleShot(0, self.setFocus)

    # --- measurements ------------------------------------------------------------------
    def start_measuring(self, indices) -> None:
        """Measure these annotations in the background (the ones already waiting stay queued)."""
        a = self.analysis
        if a is None:
            return
        pending = self._measure_pending | set(indices)
        self._measure_pending = {i for i in pending if i in self.annotations}
        todo = [self.annotations.get(i) for i in sorted(self._measure_pending)]
        noise = self.annotations.noise
        cfg, channel, n_frames, path = a.cfg, a.channel, a.n_frames, a.path

        def run(cancelled, ch) -> None:
            from specscope.app.io.audio_file import open_audio
            from specscope.dsp.selection_measures import (
                MEASUREMENT_COLUMNS,
                measure_samples,
                noise_power,
                slice_spectra,
            )

            with open_audio(path) as reader:
                def box(b):
                    first, n = _box_frames(cfg, n_frames, b.begin_s, b.end_s)
                    if n * cfg.n_freqs > MAX_MEASURE_CELLS:
                        raise _TooBig(f"{n} frames: too long to measure (at most "
                                      f"{MAX_MEASURE_CELLS // cfg.n_freqs} at this FFT size)")
                    return first, reader.read(first * cfg.hop, (n - 1) * cfg.hop + cfg.n_fft, channel)

                noise_p = None
                if noise is not None:
                    try:
                        noise_p = noise_power(slice_spectra(box(noise)[1], cfg), cfg)
                    except _TooBig:
                        noise_p = None
                for ann in todo:
                    if cancelled():
                        return
                    try:
                        first, samples = box(ann)
                        m = measure_samples(samples, cfg, first, ann.begin_s, ann.end_s, ann.low_hz, ann.high_hz,
                                            noise_p).as_columns()
                        ch.block((ann, {c: _finite_or_none(m[c]) for c in MEASUREMENT_COLUMNS}, None))
                    except _TooBig as err:
                        ch.block((ann, None, str(err)))
            ch.result(None)

        self.annot_jobs.start("measure", run)

    def _on_measure_block(self, kind: str, job_id: int, value) -> None:
        if not self.annot_jobs.is_current(kind, job_id):
            return
        ann, columns, problem = value
        self._measure_pending.discard(ann.index)
        if ann.index not in self.annotations or self.annotations.get(ann.index) != ann:
            return  # changed since: its new value is being measured
        if columns is None:
            self.measurements.pop(ann.index, None)
            self.measure_problems[ann.index] = problem
        else:
            self.measurements[ann.index] = columns
            self.measure_problems.pop(ann.index, None)
        for listener in list(self.annotation_listeners):
            listener(Change("update", (ann.index,)))

    def _on_measure_result(self, kind: str, job_id: int, value) -> None:
        if self.annot_jobs.is_current(kind, job_id):
            self.annot_jobs.forget(kind, job_id)
            self._measure_pending = set()

    def _on_measure_failed(self, kind: str, job_id: int, message: str) -> None:
        if self.annot_jobs.is_current(kind, job_id):
            self.annot_jobs.forget(kind, job_id)
            self._measure_pending = set()
            self.error.emit(f"measuring the annotations: {message}")

    def measuring(self) -> bool:
        return self.annot_jobs.running("measure")

    def set_display(self, *args, **kwargs) -> None:
        super().set_display(*args, **kwargs)
        self.redraw_annotations()  # the frequency scale may have changed

    def shutdown(self, timeout_s: float = 2.0) -> None:
        jobs = self.annot_jobs.jobs() + self.wave_jobs.jobs()
        self.annot_jobs.cancel_all()
        self.wave_jobs.cancel_all()
        autosaver = getattr(self, "autosaver", None)
        if autosaver is not None:
            autosaver.write_now()
        super().shutdown(timeout_s)
        for job in jobs:
            job.join(timeout_s)


class _TooBig(Exception):
    pass


def _box_frames(cfg, n_frames: int, begin_s: float, end_s: float) -> tuple[int, int]:
    from specscope.dsp.selection_measures import box_frames

    return box_frames(cfg, n_frames, begin_s, end_s)


def _finite_or_none(value) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None

