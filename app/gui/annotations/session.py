"""The annotations of the open file as a document: open, save, sidecar offer, unsaved-changes prompt, recovery.

Thread: the Qt GUI thread (:class:`AnnotationSessionMixin` of
:class:`~specscope.app.gui.file.view.FileView`; :class:`Prompts` shows the dialogs).

* Opening another audio file (or closing the window) with unsaved
  annotations asks: Save, Discard or Cancel (:meth:`Prompts.unsaved`).
* When a file opens, an autosave left by a crash is offered first
  (:meth:`Prompts.recover`), else an annotation file beside it with the same
  stem (``rec.Table.1.selections.txt``, ``rec.txt``, ``rec.csv``;
  :func:`specscope.app.io.annotation_files.find_sidecar`, :meth:`Prompts.sidecar`).
* Save writes a Raven selection table (``.txt``, with the measurement
  columns), Audacity labels (``.txt`` chosen as such) or CSV; Open reads any
  of them.  A file that cannot be read or written is one line on ``error``.

The prompts are an object the view holds (:attr:`AnnotationSessionMixin.prompts`),
so tests answer them without a modal dialog.
"""

from __future__ import annotations

import os

from PyQt6.QtWidgets import QFileDialog, QMessageBox

from specscope.app.io.annotation_files import (
    AnnotationFileError,
    find_sidecar,
    merge_views,
    read_annotations,
    write_table,
)
from specscope.app.model.annotations import AnnotationError, AnnotationModel, Change

from .autosave import Autosaver, read_autosave

SAVE_FILTERS = ("Raven selection table (*.txt)", "Audacity labels (*.txt)", "CSV table (*.csv)")
OPEN_FILTER = "Annotation files (*.txt *.csv);;All files (*)"


class Prompts:
    """The questions the annotations ask, as dialogs (replace for tests)."""

    def __init__(self, parent) -> None:
        self.parent = parent

    def unsaved(self, n: int, audio_name: str) -> str:
        """``"save"``, ``"discard"`` or ``"cancel"`` for `n` unsaved annotations of `audio_name`."""
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved annotations",
                          f"{n} annotation{'s' if n != 1 else ''} of {audio_name} {'are' if n != 1 else 'is'} "
                          "not saved.", parent=self.parent)
        box.setInformativeText("Save them before going on?")
        box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        self.parent.unsaved_box = box  # for tests that press its buttons
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(answer), "cancel")

    def recover(self, n: int, audio_name: str) -> bool:
        return QMessageBox.question(self.parent, "Recover annotations",
                                    f"{n} unsaved annotation{'s' if n != 1 else ''} of {audio_name} were kept "
                                    "from the last session. Recover them?") == QMessageBox.StandardButton.Yes

    def sidecar(self, path: str) -> bool:
        return QMessageBox.question(self.parent, "Annotations found",
                                    f"Load the annotations in {os.path.basename(path)}?") \
            == QMessageBox.StandardButton.Yes

    def save_path(self, suggestion: str) -> tuple[str, str] | None:
        """(path, format) or None."""
        path, chosen = QFileDialog.getSaveFileName(self.parent, "Save annotations", suggestion,
                                                   ";;".join(SAVE_FILTERS))
        if not path:
            return None
        fmt = "audacity" if chosen.startswith("Audacity") else ("csv" if path.lower().endswith(".csv")
                                                               or chosen.startswith("CSV") else "raven")
        if "." not in os.path.basename(path):
            path += ".csv" if fmt == "csv" else ".txt"
        return path, fmt

    def open_path(self, folder: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open annotations", folder, OPEN_FILTER)
        return path or None


class AnnotationSessionMixin:
    """Open, save, prompt and autosave (uses the annotation layer mixin of the file view)."""

    def _build_annotation_session(self, autosave_folder=None) -> None:
        self.prompts = Prompts(self)
        self.unsaved_box: QMessageBox | None = None
        self.annotation_path: str | None = None
        """The annotation file last opened or saved."""
        self.autosaver = Autosaver(self, autosave_folder)
        self.annotation_listeners.append(self.autosaver.changed)

    # --- the unsaved-changes prompt ------------------------------------------------------
    def confirm_annotations(self) -> bool:
        """Before the annotations go (another file, closing): True to go on, False to stay."""
        model = self.annotations
        if not model.dirty or self.path is None or (len(model) == 0 and model.noise is None):
            return True
        answer = self.prompts.unsaved(len(model), os.path.basename(self.path))
        if answer == "save":
            return self.ask_save_annotations()
        if answer == "discard":
            self.autosaver.discard()
            model.mark_saved()
            return True
        return False

    def load(self, path: str) -> None:
        """Open `path` (asking first about unsaved annotations of another file)."""
        new = self.path is None or os.path.realpath(os.fspath(path)) != os.path.realpath(self.path)
        if new and not self.confirm_annotations():
            return
        old = self.path
        super().load(path)
        if self.path is not None and self.path != old:
            self._annotations_for_new_file()

    def _annotations_for_new_file(self) -> None:
        self.annotation_path = None
        model = AnnotationModel()
        self.autosaver.watch(None, None)
        self.measurements.clear()
        self.measure_problems.clear()
        self.set_annotation_model(model)
        name = os.path.basename(self.path)
        recovered = read_autosave(self.path, self.autosaver.folder)
        if recovered is not None and self.prompts.recover(len(recovered[0]), name):
            rows, noise = recovered
            model.load(rows, text="recover annotations")
            if noise is not None:
                model.set_noise(noise)
        else:
            sidecar = find_sidecar(self.path)
            if sidecar is not None and self.prompts.sidecar(str(sidecar)):
                self.open_annotations(str(sidecar))
        self.autosaver.watch(self.path, model)
        if recovered is not None and model.dirty:
            self.autosaver.write_now()
        elif recovered is not None:
            self.autosaver.discard()

    # --- files -------------------------------------------------------------------------
    def open_annotations(self, path: str) -> bool:
        """Replace the annotations by those of `path` (one undo step); False with a one-line error."""
        try:
            table = read_annotations(path)
            rows = merge_views(table.annotations)
            self.annotations.load(rows, text=f"open {os.path.basename(path)}")
        except (AnnotationFileError, AnnotationError, OSError) as err:
            self.error.emit(" ".join(str(err).split()))
            return False
        self.annotations.mark_saved()
        self.annotation_path = path
        self.autosaver.changed()
        return True

    def save_annotations(self, path: str, fmt: str | None = None) -> bool:
        """Write the annotations (and their measurements) to `path`; False with a one-line error."""
        nyq = float(self.cfg.freqs_hz[-1]) if self.cfg is not None else None
        try:
            write_table(path, self.annotations.annotations, fmt, measurements=self.measurements, nyquist_hz=nyq)
        except (AnnotationFileError, OSError, ValueError) as err:
            self.error.emit(f"saving annotations: {' '.join(str(err).split())}")
            return False
        self.annotations.mark_saved()
        self.annotation_path = path
        self.autosaver.discard()
        for listener in list(self.annotation_listeners):
            listener(Change("update", ()))  # the dirty mark changed
        return True

    def ask_save_annotations(self) -> bool:
        """The Save dialog; True when saved."""
        if self.path is None:
            return False
        stem = os.path.splitext(self.path)[0]
        choice = self.prompts.save_path(self.annotation_path or f"{stem}.Table.1.selections.txt")
        return choice is not None and self.save_annotations(*choice)

    def ask_open_annotations(self) -> bool:
        if self.path is None:  # replacing the annotations is one undo step: no need to ask
            return False
        path = self.prompts.open_path(os.path.dirname(self.path))
        return path is not None and self.open_annotations(path)
