"""The annotation table dock: every annotation with its Raven measurements, sortable, label editable.

Thread: the Qt GUI thread.  :class:`AnnotationTableModel` is a Qt item model
over the file view's :class:`~specscope.app.model.annotations.AnnotationModel`
and its measurements (it observes the view's ``annotation_listeners``); the
order of the rows is :meth:`AnnotationModel.sorted_indices` of the sorted
column, so a sort by any column, measurements included, is the model's.
Clicking a row zooms the view to the annotation and makes it the selection
(P then plays it); editing the Label cell renames it (one undo step).
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from specscope.app.model.annotations import AnnotationError
from specscope.dsp.selection_measures import COLUMNS, MEASUREMENT_COLUMNS

TABLE_COLUMNS = ("Selection", "Label", *COLUMNS)
"""The table's columns: the number, the label, then Raven's bounds and measurements."""
DECIMALS = {"(s)": 4, "(Hz)": 1, "(dB)": 2}
_ROOT = QModelIndex()
FIT_COLUMNS_ROWS = 200
"""Up to this many rows the columns are fitted to their contents after each change."""


def cell_text(column: str, value) -> str:
    """How a cell shows a value (empty for None or NaN)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    for unit, digits in DECIMALS.items():
        if column.endswith(unit):
            return f"{float(value):.{digits}f}"
    return f"{value:g}"


class AnnotationTableModel(QAbstractTableModel):
    """Rows = annotations in the sorted order; columns = :data:`TABLE_COLUMNS`."""

    def __init__(self, view, parent=None) -> None:
        super().__init__(parent)
        self.view = view
        self.sort_column, self.descending = "Selection", False
        self.order: list[int] = []
        view.annotation_listeners.append(self.on_change)
        self._resort()

    # --- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(TABLE_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return TABLE_COLUMNS[section]
        return None

    def value(self, row: int, column: str):
        """The value of a cell (number, text or None)."""
        index = self.order[row]
        a = self.view.annotations.get(index)
        if column == "Selection":
            return a.index
        if column == "Label":
            return a.label
        m = self.view.measurements.get(index)
        bounds = {"Begin Time (s)": a.begin_s, "End Time (s)": a.end_s, "Low Freq (Hz)": a.low_hz,
                  "High Freq (Hz)": a.high_hz, "Delta Time (s)": a.duration_s}
        if column in bounds:
            value = bounds[column]  # a time-only box: the measured 0 Hz and Nyquist
            return m.get(column) if value is None and m is not None else value
        return None if m is None else m.get(column)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.order):
            return None
        column = TABLE_COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            value = self.value(index.row(), column)
            if value is None and column in MEASUREMENT_COLUMNS and column != "SNR (dB)" and role != \
                    Qt.ItemDataRole.EditRole:
                problem = self.view.measure_problems.get(self.order[index.row()])
                return "—" if problem else "…"
            return cell_text(column, value) if role == Qt.ItemDataRole.DisplayRole else value
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.view.measure_problems.get(self.order[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole and column != "Label":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and TABLE_COLUMNS[index.column()] == "Label":
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or TABLE_COLUMNS[index.column()] != "Label":
            return False
        try:
            self.view.annotations.set_label(self.order[index.row()], str(value))
        except AnnotationError as err:
            self.view.error.emit(str(err))
            return False
        return True

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column = TABLE_COLUMNS[column]
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        self._resort()
        self.layoutChanged.emit()

    # --- the view's changes ---------------------------------------------------------------
    def _resort(self) -> None:
        self.order = self.view.annotations.sorted_indices(self.sort_column, self.descending, self.view.measurements)

    def on_change(self, change) -> None:
        self.beginResetModel()
        self._resort()
        self.endResetModel()

    def row_of(self, index: int) -> int | None:
        return self.order.index(index) if index in self.order else None


class LabelDelegate(QStyledItemDelegate):
    """The Label cell's editor keeps Return (it commits the label, not "Annotate the selection")."""

    def createEditor(self, parent, option, index):
        from specscope.app.gui.file.annotation_box import EDITOR_KEYS

        editor = super().createEditor(parent, option, index)
        editor.installEventFilter(EDITOR_KEYS)
        return editor


class AnnotationDock(QDockWidget):
    """The "Annotations" dock: buttons, the table and a status line."""

    def __init__(self, view, parent=None) -> None:
        super().__init__("Annotations", parent)
        self.setObjectName("annotations_dock")
        self.view = view
        self.model = AnnotationTableModel(view, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(LabelDelegate(self.table))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.clicked.connect(self._on_clicked)
        self.table.resizeColumnsToContents()  # every header readable
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Make an annotation of the selection (Enter)")
        self.add_button.clicked.connect(lambda: view.annotate_selection())
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected annotation (Delete)")
        self.delete_button.clicked.connect(lambda: view.delete_annotation())
        self.noise_button = QPushButton("Noise box")
        self.noise_button.setToolTip("The selection becomes the noise reference of the SNR column")
        self.noise_button.clicked.connect(lambda: view.set_noise_from_selection())
        self.open_button = QPushButton("Open…")
        self.open_button.clicked.connect(lambda: view.ask_open_annotations())
        self.save_button = QPushButton("Save…")
        self.save_button.clicked.connect(lambda: view.ask_save_annotations())
        self.status = QLabel("")
        # Two short rows, so the dock also fits beside the Settings panel (about 240 px) in a small window.
        buttons = QGridLayout()
        for k, b in enumerate((self.add_button, self.delete_button, self.noise_button, self.open_button,
                               self.save_button)):
            buttons.addWidget(b, k // 3, k % 3)
        buttons.addWidget(self.status, 1, 2)
        buttons.setColumnStretch(3, 1)  # compact buttons in a wide dock
        self.status.setWordWrap(True)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(buttons)
        lay.addWidget(self.table, 1)
        self.setWidget(body)
        view.annotation_listeners.append(self._after_change)
        self._after_change(None)

    def _on_clicked(self, index) -> None:
        if index.isValid():
            self.view.select_annotation(self.model.order[index.row()], zoom=True)

    def _after_change(self, change) -> None:
        v = self.view
        n = len(v.annotations)
        parts = [f"{n} annotation{'s' if n != 1 else ''}"]
        if v.annotations.dirty:
            parts.append("unsaved")
        if v.annotations.noise is not None:
            parts.append("noise box set")
        self.status.setText(", ".join(parts))
        row = self.model.row_of(v.selected_annotation) if v.selected_annotation is not None else None
        if row is not None:
            self.table.selectRow(row)
        self.delete_button.setEnabled(v.selected_annotation is not None)
        if self.model.rowCount() <= FIT_COLUMNS_ROWS:
            self.table.resizeColumnsToContents()
