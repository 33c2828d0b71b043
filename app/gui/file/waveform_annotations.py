"""Each annotation's time span on the waveform rows, as Audacity and Raven draw them.

Thread: the Qt GUI thread (:class:`WaveformAnnotationsMixin` of
:class:`~specscope.app.gui.file.view.FileView`, through the annotation layer).

On every row of the waveform strip an annotation is a shaded band from its
begin to its end time with ``number label`` at its top left; the selected one
is drawn in the selection colour and more opaque, the noise reference dashed
grey.  A label that does not fit in its band on screen shows its number
alone, or nothing (as Audacity cuts labels); on rows too low for text beside
the waveform only the first row carries labels.  The bands live in the rows' data coordinates (seconds), and the rows
share the spectrogram's time axis, so zooming and panning move them with
everything else.  They follow the annotation model: every change (add, edit,
delete, undo, redo, a new file, a new selection) re-syncs them, keeping the
items of unchanged annotations.
"""

from __future__ import annotations

import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QFontMetrics

from .annotation_box import BOX_PEN, NOISE_PEN, SELECTED_PEN

FILL_ALPHA = 40
"""Opacity of an annotation's band (0-255); the selected one's is :data:`SELECTED_FILL_ALPHA`."""
SELECTED_FILL_ALPHA = 80
ROW_TOP = 1.05
"""The rows' top in their y units (-1.05 .. 1.05): where the labels hang."""


class SpanItem:
    """One annotation's band and label on one row."""

    def __init__(self, row: pg.PlotItem) -> None:
        self.region = pg.LinearRegionItem(movable=False)
        self.region.setZValue(5)
        for line in self.region.lines:
            line.setHoverPen(line.pen)
        self.label = pg.TextItem("", anchor=(0, 0))
        self.label.setZValue(6)
        row.addItem(self.region)
        row.addItem(self.label)
        self.row = row
        self._drawn: tuple | None = None

    def set(self, begin_s: float, end_s: float, text: str, color, alpha: int, dashed: bool = False) -> None:
        drawn = (begin_s, end_s, text, color, alpha, dashed)
        if drawn == self._drawn:
            return  # a sync after every change: most annotations did not change
        self._drawn = drawn
        self.region.setRegion((begin_s, end_s))
        self.region.setBrush(pg.mkBrush(*color, alpha))
        pen = pg.mkPen((*color, 200), width=1, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        for line in self.region.lines:
            line.setPen(pen)
            line.setHoverPen(pen)
        self.text = text
        self.label.setText(text, color=color)
        self.label.setPos(begin_s, ROW_TOP)

    def fit_label(self, s_per_px: float, row_px: float, first_row: bool) -> None:
        """The whole label if it fits in the band on screen, else the number alone, else none (as Audacity
        cuts its labels); on a row too low for text and waveform, only the first row's."""
        metrics = QFontMetrics(self.label.textItem.font())
        begin_s, end_s = self.region.getRegion()
        band_px = (end_s - begin_s) / s_per_px if s_per_px > 0 else 0.0
        shown = ""
        if first_row or row_px >= 2.5 * metrics.height():
            for candidate in (self.text, self.text.split(" ", 1)[0]):
                if metrics.horizontalAdvance(candidate) + 6 <= band_px:
                    shown = candidate
                    break
        if self.label.toPlainText() != shown:
            self.label.setPlainText(shown)
        self.label.setVisible(bool(shown))

    def remove(self) -> None:
        self.row.removeItem(self.region)
        self.row.removeItem(self.label)


class WaveformAnnotationsMixin:
    """Keeps the waveform rows' bands in step with the annotation model (a mixin of the annotation layer)."""

    def _build_waveform_annotations(self) -> None:
        self._wave_spans: dict[int | str, list[SpanItem]] = {}
        """Per annotation index (and ``'noise'``): one :class:`SpanItem` per row."""
        self.annotation_listeners.append(lambda change: self.sync_waveform_annotations())
        self._wave_label_timer = QTimer(self, singleShot=True, interval=30)
        self._wave_label_timer.timeout.connect(self.fit_waveform_labels)

    def _build_waveform(self) -> None:
        super()._build_waveform()
        # Zoom, pan and resizing change how much of each label fits: refit them once the view settles.
        self.vb.sigRangeChanged.connect(lambda *_: self._wave_label_timer.start())
        self.vb.sigResized.connect(lambda *_: self._wave_label_timer.start())

    def _start_waveform(self, analysis, new_file: bool) -> None:
        rows_before = list(self.waveform.rows)
        super()._start_waveform(analysis, new_file)
        if self.waveform.rows != rows_before:  # new rows: the old items went with the old rows
            self._wave_spans = {}
        self.sync_waveform_annotations()

    def sync_waveform_annotations(self) -> None:
        """Draw every annotation (and the noise reference) on every row, as the model holds them now."""
        spans = getattr(self, "_wave_spans", None)
        if spans is None or getattr(self, "waveform", None) is None:
            return
        rows = self.waveform.rows
        want: dict[int | str, tuple] = {}
        for a in self.annotations:
            selected = a.index == self.selected_annotation
            want[a.index] = (a.begin_s, a.end_s, f"{a.index} {a.label}".strip(),
                             SELECTED_PEN if selected else BOX_PEN,
                             SELECTED_FILL_ALPHA if selected else FILL_ALPHA, False)
        noise = self.annotations.noise
        if noise is not None:
            want["noise"] = (noise.begin_s, noise.end_s, "noise", NOISE_PEN, FILL_ALPHA // 2, True)
        for key in [k for k in spans if k not in want]:
            for item in spans.pop(key):
                item.remove()
        for key, args in want.items():
            items = spans.get(key)
            if items is None or len(items) != len(rows):
                for item in items or ():
                    item.remove()
                items = spans[key] = [SpanItem(row) for row in rows]
            for item in items:
                item.set(*args)
        self.fit_waveform_labels()

    def fit_waveform_labels(self) -> None:
        """Whole labels where they fit in their bands on screen, numbers where only those fit."""
        rows = self.waveform.rows
        for items in self._wave_spans.values():
            for r, item in enumerate(items):
                vb = rows[r].vb
                s_per_px = vb.viewPixelSize()[0] if vb.width() > 0 else 0.0
                item.fit_label(s_per_px, vb.height(), r == 0)

    def waveform_annotation_spans(self) -> dict[int | str, list[tuple[float, float, str]]]:
        """Per annotation, per row: (begin s, end s, label text) as drawn now (tests); the label on screen
        may be cut to the number (:meth:`SpanItem.fit_label`)."""
        return {key: [(*item.region.getRegion(), item.text) for item in items]
                for key, items in self._wave_spans.items()}
