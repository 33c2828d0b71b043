"""The values of an annotation set: one :class:`Annotation`, the :class:`NoiseBox`, and their ordering.

Thread: any.  Plain frozen values, no Qt: they may be passed between threads.
The model that holds them with undo (:class:`~.annotations.AnnotationModel`)
and the vocabulary (selection numbers, 1-based channels, ``extra`` columns)
are described in :mod:`specscope.app.model.annotations`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

CORE_COLUMNS = {
    "Selection": "index",
    "Label": "label",
    "Annotation": "label",
    "Begin Time (s)": "begin_s",
    "End Time (s)": "end_s",
    "Low Freq (Hz)": "low_hz",
    "High Freq (Hz)": "high_hz",
    "Channel": "channel",
    "Notes": "notes",
}
"""Table column names -> :class:`Annotation` attributes (for sorting by a column's name)."""

class AnnotationError(ValueError):
    """An impossible annotation or edit; the message is one line for the user."""


@dataclass(frozen=True)
class Annotation:
    """One selection of a recording.

    Parameters
    ----------
    index : int
        Selection number, >= 1 (0 while an annotation is being built, before
        :meth:`AnnotationModel.add` gives it its number).
    label : str
        Free text, one line (tabs and line breaks become spaces).
    begin_s, end_s : float
        Time range in seconds in the file's own time.  Read from a file they
        may be inverted (``bounds_problem`` says so); the model refuses that.
    low_hz, high_hz : float or None
        Frequency range in Hz; None means unbounded (0 Hz, Nyquist); both None
        is a time-only selection.
    channel : int
        1-based channel, as selection tables count.
    notes : str
        Free text, one line.
    extra : tuple of (str, str)
        Other columns of the file the annotation came from, in file order.
    """

    index: int
    label: str
    begin_s: float
    end_s: float
    low_hz: float | None = None
    high_hz: float | None = None
    channel: int = 1
    notes: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=True)

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int) or self.index < 0:
            raise AnnotationError(f"selection number must be an integer >= 1, got {self.index!r}")
        if isinstance(self.channel, bool) or not isinstance(self.channel, int) or self.channel < 1:
            raise AnnotationError(f"channel must be an integer >= 1 (1 is the first channel), got {self.channel!r}")
        for name in ("begin_s", "end_s"):
            object.__setattr__(self, name, _finite(name, getattr(self, name)))
        for name in ("low_hz", "high_hz"):
            value = getattr(self, name)
            if value is not None:
                value = _finite(name, value)
                if value < 0:
                    raise AnnotationError(f"{_WORDS[name]} must be >= 0 Hz, got {value:g}")
                object.__setattr__(self, name, value)
        object.__setattr__(self, "label", _one_line_text(self.label, "label"))
        object.__setattr__(self, "notes", _one_line_text(self.notes, "notes"))
        extra = tuple((str(k), _one_line_text(v, str(k))) for k, v in dict(self.extra).items())
        object.__setattr__(self, "extra", extra)

    @property
    def duration_s(self) -> float:
        """``end_s - begin_s`` seconds (Raven's Delta Time)."""
        return self.end_s - self.begin_s

    @property
    def has_band(self) -> bool:
        """True for a time-and-frequency box (either frequency bound set)."""
        return self.low_hz is not None or self.high_hz is not None

    @property
    def extra_dict(self) -> dict[str, str]:
        """:attr:`extra` as a dict (a copy)."""
        return dict(self.extra)

    def bounds_problem(self) -> str | None:
        """Why the bounds are impossible (inverted time or frequency), or None.

        The text is ``"begin 12.0 s is after end 10.0 s"`` or
        ``"low frequency 5000.0 Hz is above high frequency 2000.0 Hz"`` (numbers as :func:`number_text`).
        """
        if self.begin_s < 0:
            return f"begin {number_text(self.begin_s)} s is before the start of the file"
        if self.end_s < self.begin_s:
            return f"begin {number_text(self.begin_s)} s is after end {number_text(self.end_s)} s"
        if self.low_hz is not None and self.high_hz is not None and self.high_hz < self.low_hz:
            return (f"low frequency {number_text(self.low_hz)} Hz is above high frequency "
                    f"{number_text(self.high_hz)} Hz")
        return None

    def replace(self, **changes: Any) -> Annotation:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class NoiseBox:
    """The noise reference for SNR: a time range and optional band, as an annotation's bounds."""

    begin_s: float
    end_s: float
    low_hz: float | None = None
    high_hz: float | None = None
    channel: int = 1

    def __post_init__(self) -> None:
        probe = Annotation(0, "", self.begin_s, self.end_s, self.low_hz, self.high_hz, self.channel)
        problem = probe.bounds_problem()
        if problem is not None:
            raise AnnotationError(f"noise box: {problem}")
        for name in ("begin_s", "end_s", "low_hz", "high_hz"):
            object.__setattr__(self, name, getattr(probe, name))


def order_by_column(
    items: Mapping[int, Annotation],
    column: str,
    descending: bool = False,
    measurements: Mapping[int, Mapping[str, Any]] | None = None,
) -> list[int]:
    """Selection numbers of `items` (``{index: Annotation}``) ordered by a column.

    See :meth:`~.annotations.AnnotationModel.sorted_indices` for the parameters and the order.
    """
    attr = CORE_COLUMNS.get(column, column)
    numeric_text = attr not in ("label", "notes")

    def key(i: int) -> tuple[int, float, str]:
        a = items[i]
        if attr in _ATTRS:
            value = getattr(a, attr)
        elif measurements is not None and column in measurements.get(i, {}):
            value = measurements[i][column]
        else:
            value = a.extra_dict.get(column)
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            return (2, 0.0, "")
        if isinstance(value, str) and numeric_text:
            value = _as_number(value) if _as_number(value) is not None else value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (0, float(value), "")
        return (1, 0.0, str(value).casefold())

    keys = {i: key(i) for i in items}
    present = sorted(i for i in keys if not _missing_key(keys[i]))
    missing = sorted(i for i in keys if _missing_key(keys[i]))
    present.sort(key=keys.__getitem__, reverse=descending)  # stable: ties keep number order
    return present + missing


_ATTRS = {"index", "label", "begin_s", "end_s", "low_hz", "high_hz", "channel", "notes"}
_WORDS = {"begin_s": "begin", "end_s": "end", "low_hz": "low frequency", "high_hz": "high frequency"}


def number_text(x: float) -> str:
    """A number for messages: at most 6 decimals, always with a decimal point (``12.0``, ``1.234568``)."""
    return repr(round(float(x), 6))


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool):
        raise AnnotationError(f"{_WORDS.get(name, name)} must be a number, got {value!r}")
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AnnotationError(f"{_WORDS.get(name, name)} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise AnnotationError(f"{_WORDS.get(name, name)} must be finite, got {value!r}")
    return x


def _one_line_text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise AnnotationError(f"{name} must be text, got {value!r}")
    return " ".join(value.replace("\t", " ").splitlines()) if ("\t" in value or "\n" in value or "\r" in value) \
        else value


def _missing_key(key: tuple[int, float, str]) -> bool:
    return key[0] == 2


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
