"""Annotations on the file view: the model of the open file, its boxes on the spectrogram, the editing commands.

Thread: the Qt GUI thread (:class:`AnnotationLayerMixin` of
:class:`~specscope.app.gui.file.view.FileView`).  The annotations are a
Qt-free :class:`~specscope.app.model.annotations.AnnotationModel` this layer
observes and edits.  Its parts:

* :mod:`.annotation_box`: one annotation drawn on the spectrogram (a box with
  ``number label``; click, edge drag, double click to edit the label);
* :mod:`.annotation_measures`: the Raven measurements, by a background job;
* :mod:`.waveform_annotations`: each annotation's time span on the waveform rows.

Enter makes an annotation of the selection (a time range spans every
frequency); it stays drawn.  Every change goes through the model (one undo
step each) and comes back here as a :class:`~specscope.app.model.annotations.Change`,
which redraws what changed and tells the listeners (the table dock, autosave).
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, QTimer
from PyQt6.QtWidgets import QLineEdit

from specscope.app.model.annotations import Annotation, AnnotationError, AnnotationModel, Change, NoiseBox

from .annotation_box import EDITOR_KEYS, AnnotationBox
from .annotation_measures import AnnotationMeasureMixin
from .waveform_annotations import WaveformAnnotationsMixin


class AnnotationLayerMixin(AnnotationMeasureMixin, WaveformAnnotationsMixin):
    """The annotation model of the open file, its boxes, editing commands and measurement job."""

    def _build_annotations(self) -> None:
        self.annotations = AnnotationModel()
        self._unsubscribe = self.annotations.subscribe(self._on_annotations_changed)
        self.selected_annotation: int | None = None
        self._boxes: dict[int, AnnotationBox] = {}
        self._noise_box: AnnotationBox | None = None
        self._label_editor: QLineEdit | None = None
        self.annotation_listeners: list = []
        """Callables ``f(change)`` (the table dock, autosave), called after every model change."""
        self._build_annotation_measures()
        self._build_waveform_annotations()

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
