"""Annotations of a recording: labelled time ranges or time-and-frequency boxes, with undo.

Thread: the GUI thread (or the command line's main thread).  Plain Python, no
Qt: an :class:`AnnotationModel` belongs to one thread; the values it hands out
(:class:`Annotation`, :class:`NoiseBox`, :class:`Change`) are frozen and may
be passed to any thread.

Vocabulary
----------
* An :class:`Annotation` is one selection: ``begin_s .. end_s`` seconds in the
  file's own time, optionally ``low_hz .. high_hz`` (None for a time-only
  selection: the measurements then use 0 Hz and Nyquist), a ``label``, a
  1-based ``channel`` (as Raven counts; 1 is the first channel) and free
  ``notes``.  ``extra`` keeps the columns of a selection table that specscope
  does not interpret (``View``, measurement columns, user columns), as
  ``(column, text)`` pairs in their file order, so a table read and written
  again keeps them.
* ``index`` is the Raven ``Selection`` number, 1-based, and *stable*: it is
  given once, never reused for another annotation while the model lives (a
  deleted annotation's number comes back only when the deletion is undone),
  and never renumbered when others are deleted or sorted.
* Every change is a command on an undo stack (add, delete, edit bounds, edit
  label or notes, load, set or clear the noise box); :meth:`AnnotationModel.undo`
  and :meth:`AnnotationModel.redo` walk it.  ``dirty`` is True when the
  annotations differ from what was last saved (:meth:`AnnotationModel.mark_saved`),
  so undoing back to the saved state clears it.
* Observers are plain callables ``callback(change)`` registered with
  :meth:`AnnotationModel.subscribe`; they are called after each change, undo
  and redo, with a :class:`Change` naming what happened and which indices.
* The noise box (:class:`NoiseBox`) is the reference for SNR: at most one per
  model, set and cleared through the undo stack like any other change.

The values (:class:`Annotation`, :class:`NoiseBox`) and their ordering by a
table column live in :mod:`.annotation_values`; this module is the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .annotation_values import CORE_COLUMNS, Annotation, AnnotationError, NoiseBox, number_text, order_by_column

__all__ = ["CORE_COLUMNS", "Annotation", "AnnotationError", "AnnotationModel", "Change", "ChangeKind", "NoiseBox",
           "number_text"]

ChangeKind = Literal["add", "delete", "update", "load", "noise"]


@dataclass(frozen=True)
class Change:
    """What changed: ``kind`` and the selection numbers concerned (all of them for ``load``).

    ``kind`` is ``"add"`` (the indices now exist), ``"delete"`` (they no
    longer exist), ``"update"`` (they exist with new values), ``"load"`` (the
    whole set was replaced) or ``"noise"`` (the noise box changed; no indices).
    ``undo`` is True when the change comes from undo or redo.
    """

    kind: ChangeKind
    indices: tuple[int, ...] = ()
    undo: bool = False


@dataclass(frozen=True)
class _Command:
    """One undoable step: the annotations before and after (None = absent), and the noise box."""

    text: str
    before: tuple[tuple[int, Annotation | None], ...]
    after: tuple[tuple[int, Annotation | None], ...]
    replace_all: bool = False
    noise_before: NoiseBox | None = None
    noise_after: NoiseBox | None = None
    touches_noise: bool = False


class AnnotationModel:
    """The annotations of one recording, with stable selection numbers and an undo stack.

    Parameters
    ----------
    annotations : iterable of Annotation, optional
        The starting set (not undoable, not dirty), e.g. from an autosave.
        Selection numbers must be unique and >= 1.
    """

    def __init__(self, annotations: Iterable[Annotation] = ()) -> None:
        self._items: dict[int, Annotation] = {}
        self._noise: NoiseBox | None = None
        # Each command gets a serial number; the state is named by the top command's (0: the start).
        self._undo: list[tuple[int, _Command]] = []
        self._redo: list[tuple[int, _Command]] = []
        self._serial = 0
        self._saved_id: int | None = 0
        self._observers: list[Callable[[Change], None]] = []
        self._next_index = 1
        for a in self._checked_set(annotations):
            self._items[a.index] = a
        self._next_index = max(self._items, default=0) + 1

    # --- reading ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Annotation]:
        return iter(self.annotations)

    def __contains__(self, index: object) -> bool:
        return index in self._items

    @property
    def annotations(self) -> tuple[Annotation, ...]:
        """All annotations in selection-number order."""
        return tuple(self._items[i] for i in sorted(self._items))

    @property
    def indices(self) -> tuple[int, ...]:
        """Selection numbers in increasing order."""
        return tuple(sorted(self._items))

    def get(self, index: int) -> Annotation:
        """The annotation with selection number `index` (AnnotationError if there is none)."""
        try:
            return self._items[index]
        except KeyError:
            raise AnnotationError(f"there is no selection {index}") from None

    @property
    def noise(self) -> NoiseBox | None:
        """The noise reference for SNR, or None."""
        return self._noise

    @property
    def next_index(self) -> int:
        """The selection number the next :meth:`add` gives."""
        return self._next_index

    # --- observers -------------------------------------------------------------
    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``callback(change)`` after every change; returns a function that unsubscribes."""
        self._observers.append(callback)

        def unsubscribe() -> None:
            if callback in self._observers:
                self._observers.remove(callback)

        return unsubscribe

    def _notify(self, change: Change) -> None:
        for callback in list(self._observers):
            callback(change)

    # --- changes ---------------------------------------------------------------
    def add(
        self,
        begin_s: float,
        end_s: float,
        low_hz: float | None = None,
        high_hz: float | None = None,
        label: str = "",
        channel: int = 1,
        notes: str = "",
    ) -> Annotation:
        """Add a selection with the next selection number; returns it.

        Raises
        ------
        AnnotationError
            Inverted or non-finite bounds, a bad label or channel.
        """
        a = Annotation(self._next_index, label, begin_s, end_s, low_hz, high_hz, channel, notes)
        return self.add_annotation(a)

    def add_annotation(self, annotation: Annotation) -> Annotation:
        """Add a built annotation; an index of 0 (or one in use) gets the next number.  Returns what was added."""
        if annotation.index == 0 or annotation.index in self._items:
            annotation = annotation.replace(index=self._next_index)
        self._check(annotation)
        i = annotation.index
        self._do(_Command(f"add selection {i}", ((i, None),), ((i, annotation),)), Change("add", (i,)))
        return annotation

    def delete(self, indices: int | Iterable[int]) -> None:
        """Delete one selection or several (one undo step)."""
        wanted = sorted({indices} if isinstance(indices, int) else set(indices))
        if not wanted:
            return
        for i in wanted:
            self.get(i)
        before = tuple((i, self._items[i]) for i in wanted)
        after = tuple((i, None) for i in wanted)
        text = f"delete selection {wanted[0]}" if len(wanted) == 1 else f"delete {len(wanted)} selections"
        self._do(_Command(text, before, after), Change("delete", tuple(wanted)))

    def update(self, index: int, /, **changes: Any) -> Annotation:
        """Change fields of selection `index` (``begin_s``, ``end_s``, ``low_hz``, ``high_hz``, ``label``,
        ``channel``, ``notes``, ``extra``); one undo step.  Returns the new value.

        A change that leaves the annotation as it was is not recorded.
        """
        if "index" in changes:
            raise AnnotationError("a selection's number cannot be changed")
        old = self.get(index)
        new = old.replace(**changes)
        self._check(new)
        if new == old:
            return old
        keys = set(changes)
        if keys <= {"label"}:
            text = f"edit label of selection {index}"
        elif keys <= {"begin_s", "end_s", "low_hz", "high_hz"}:
            text = f"edit bounds of selection {index}"
        else:
            text = f"edit selection {index}"
        self._do(_Command(text, ((index, old),), ((index, new),)), Change("update", (index,)))
        return new

    def set_bounds(
        self, index: int, begin_s: float, end_s: float, low_hz: float | None = None, high_hz: float | None = None
    ) -> Annotation:
        """Move the edges of selection `index` (e.g. after dragging); one undo step."""
        return self.update(index, begin_s=begin_s, end_s=end_s, low_hz=low_hz, high_hz=high_hz)

    def set_label(self, index: int, label: str) -> Annotation:
        """Rename selection `index`; one undo step."""
        return self.update(index, label=label)

    def load(self, annotations: Iterable[Annotation], text: str = "load selections") -> None:
        """Replace every annotation by `annotations` (their numbers kept); one undo step.

        Raises
        ------
        AnnotationError
            Duplicate numbers or impossible bounds (naming the selection).
        """
        new = self._checked_set(annotations)
        before = tuple((i, self._items[i]) for i in sorted(self._items))
        after = tuple((a.index, a) for a in new)
        indices = tuple(sorted({i for i, _ in before} | {i for i, _ in after}))
        self._do(_Command(text, before, after, replace_all=True), Change("load", indices))

    def clear(self) -> None:
        """Delete everything (one undo step)."""
        if self._items:
            self.load((), text="clear selections")

    def set_noise(self, noise: NoiseBox | None) -> None:
        """Set (or with None, clear) the noise reference for SNR; one undo step."""
        if noise == self._noise:
            return
        text = "clear noise box" if noise is None else "set noise box"
        cmd = _Command(text, (), (), noise_before=self._noise, noise_after=noise, touches_noise=True)
        self._do(cmd, Change("noise"))

    # --- undo ------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_text(self) -> str | None:
        """What :meth:`undo` would undo (``"add selection 3"``), or None."""
        return self._undo[-1][1].text if self._undo else None

    @property
    def redo_text(self) -> str | None:
        """What :meth:`redo` would redo, or None."""
        return self._redo[-1][1].text if self._redo else None

    def undo(self) -> bool:
        """Undo the last change; False when there is nothing to undo."""
        if not self._undo:
            return False
        serial, cmd = self._undo.pop()
        self._redo.append((serial, cmd))
        self._apply(cmd.before, cmd.after, cmd.replace_all, cmd.noise_before, cmd.touches_noise)
        self._notify(self._change_of(cmd, forward=False))
        return True

    def redo(self) -> bool:
        """Redo the last undone change; False when there is nothing to redo."""
        if not self._redo:
            return False
        serial, cmd = self._redo.pop()
        self._undo.append((serial, cmd))
        self._apply(cmd.after, cmd.before, cmd.replace_all, cmd.noise_after, cmd.touches_noise)
        self._notify(self._change_of(cmd, forward=True))
        return True

    # --- saved state -----------------------------------------------------------
    @property
    def dirty(self) -> bool:
        """True when the annotations (or the noise box) differ from the last saved state."""
        return self._saved_id != self._state_id()

    def mark_saved(self) -> None:
        """The current state is what is on disk (call after writing a file or loading one)."""
        self._saved_id = self._state_id()

    def _state_id(self) -> int:
        return self._undo[-1][0] if self._undo else 0

    # --- sorting ---------------------------------------------------------------
    def sorted_indices(
        self,
        column: str,
        descending: bool = False,
        measurements: Mapping[int, Mapping[str, Any]] | None = None,
    ) -> list[int]:
        """Selection numbers ordered by a column.

        Parameters
        ----------
        column : str
            A table column name (``"Selection"``, ``"Begin Time (s)"``,
            ``"Label"`` ...), an attribute name (``"begin_s"``), a measurement
            column found in `measurements`, or an :attr:`Annotation.extra` column.
        descending : bool
            Largest first.
        measurements : mapping, optional
            ``{index: {column: value}}``, e.g. the computed Raven measurements.

        Returns
        -------
        list of int
            Missing values (None, NaN, empty text) go last either way; ties keep
            selection-number order.  Text sorts case-insensitively; numbers in
            extra columns sort as numbers when they all parse.
        """
        return order_by_column(self._items, column, descending, measurements)

    # --- internals -------------------------------------------------------------
    def _check(self, a: Annotation) -> None:
        if a.index < 1:
            raise AnnotationError(f"selection number must be >= 1, got {a.index}")
        problem = a.bounds_problem()
        if problem is not None:
            raise AnnotationError(f"selection {a.index}: {problem}")

    def _checked_set(self, annotations: Iterable[Annotation]) -> list[Annotation]:
        seen: dict[int, Annotation] = {}
        for a in annotations:
            if not isinstance(a, Annotation):
                raise AnnotationError(f"not an annotation: {a!r}")
            self._check(a)
            if a.index in seen:
                raise AnnotationError(f"selection {a.index} appears twice")
            seen[a.index] = a
        return [seen[i] for i in sorted(seen)]

    def _do(self, cmd: _Command, change: Change) -> None:
        self._apply(cmd.after, cmd.before, cmd.replace_all, cmd.noise_after, cmd.touches_noise)
        self._serial += 1
        self._undo.append((self._serial, cmd))
        if self._saved_id is not None and any(serial == self._saved_id for serial, _ in self._redo):
            self._saved_id = None  # the saved state can no longer be reached
        self._redo.clear()
        self._notify(change)

    def _apply(
        self,
        target: tuple[tuple[int, Annotation | None], ...],
        other: tuple[tuple[int, Annotation | None], ...],
        replace_all: bool,
        noise: NoiseBox | None,
        touches_noise: bool,
    ) -> None:
        if replace_all:
            self._items = {i: a for i, a in target if a is not None}
        else:
            for i, a in target:
                if a is None:
                    self._items.pop(i, None)
                else:
                    self._items[i] = a
        if touches_noise:
            self._noise = noise
        used = [i for i, _ in target] + [i for i, _ in other] + list(self._items)
        self._next_index = max(self._next_index, max(used, default=0) + 1)

    def _change_of(self, cmd: _Command, forward: bool) -> Change:
        if cmd.touches_noise:
            return Change("noise", (), undo=True)
        if cmd.replace_all:
            indices = tuple(sorted({i for i, _ in cmd.before} | {i for i, _ in cmd.after}))
            return Change("load", indices, undo=True)
        src, dst = (cmd.before, cmd.after) if forward else (cmd.after, cmd.before)
        indices = tuple(i for i, _ in dst)
        was = dict(src)
        now = dict(dst)
        if all(now[i] is None for i in indices):
            return Change("delete", indices, undo=True)
        if all(was.get(i) is None for i in indices):
            return Change("add", indices, undo=True)
        return Change("update", indices, undo=True)
