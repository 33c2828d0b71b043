"""Annotation files people exchange: Raven selection tables, Audacity label files, CSV.

Thread: any (functions of their arguments; files are read whole and written atomically).

Formats (as their publishers describe them)
-------------------------------------------
* **Raven selection table** (Raven Pro, Cornell): tab-separated text, one
  header line, one row per selection and view.  The first columns are
  ``Selection  View  Channel  Begin Time (s)  End Time (s)  Low Freq (Hz)
  High Freq (Hz)``; measurement and user columns follow (``Annotation`` is the
  usual user column for a label).  Raven lists a selection once per view
  (``Waveform 1``, ``Spectrogram 1``) with the same number; every row is read
  and written back (:func:`merge_views` keeps one per selection for a model).
* **Audacity labels** (Audacity manual, "Importing and Exporting Labels"): one
  label a line, ``start<TAB>end<TAB>text`` in seconds (start = end for a point
  label); with spectral selection, the next line is ``\\<TAB>low<TAB>high``
  in Hz, ``-1`` for an undefined bound.
* **CSV**: the Raven columns, comma-separated with the ``csv`` module's quoting.

Columns specscope does not interpret (measurements, user columns, and
``View`` when it is not the default ``Spectrogram 1``) travel in
:attr:`Annotation.extra` with their text unchanged, so a table read and
written keeps every row and every value.  Numbers specscope writes are the
shortest text that reads back as the same float.

This module reads, detects and finds files; writing is in
:mod:`.annotation_writer`, the formats' names and columns in
:mod:`.annotation_formats` (all re-exported here).

Errors: every problem with a file is an :class:`AnnotationFileError`, one line
naming the file and, for its content, the line (``sel.txt: line 4: Begin Time
(s) 'abc' is not a number``).  Writes go to a temporary file beside the target,
then replace it (``os.replace``), so a failed write never leaves half a file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from specscope.app.model.annotations import Annotation, AnnotationError

from .annotation_formats import (
    DEFAULT_VIEW,
    LABEL_COLUMNS,
    MAX_FILE_BYTES,
    NOTES_COLUMN,
    NUMERIC_COLUMNS,
    RAVEN_COLUMNS,
    AnnotationFileError,
    Format,
    format_for_path,
)
from .annotation_writer import format_table, table_records, write_table, write_text_atomic

__all__ = ["DEFAULT_VIEW", "LABEL_COLUMNS", "MAX_FILE_BYTES", "NOTES_COLUMN", "RAVEN_COLUMNS", "AnnotationFileError",
           "AnnotationTable", "Format", "detect_format", "find_sidecar", "format_for_path", "format_table",
           "merge_views", "read_annotations", "sidecar_paths", "table_records", "write_table", "write_text_atomic"]

@dataclass(frozen=True)
class AnnotationTable:
    """What an annotation file holds.

    Attributes
    ----------
    path : str
        The file.
    format : {'raven', 'audacity', 'csv'}
    columns : tuple of str
        The header as read (for Audacity files, the Raven columns specscope writes).
    annotations : tuple of Annotation
        One per row, in file order; bounds may be inverted (see
        :meth:`Annotation.bounds_problem`); numbers may repeat (Raven views).
    lines : tuple of int
        The 1-based line of each row.
    label_column : str
        The column the labels came from (``Annotation`` when there was none).
    """

    path: str
    format: Format
    columns: tuple[str, ...]
    annotations: tuple[Annotation, ...]
    lines: tuple[int, ...]
    label_column: str = "Annotation"


# --- finding and detecting ---------------------------------------------------------
def sidecar_paths(audio_path: str | os.PathLike[str]) -> tuple[Path, ...]:
    """Annotation files to look for beside ``rec.wav``, in order of preference.

    ``rec.Table.1.selections.txt`` (Raven's default name), the other
    ``rec.Table.N.selections.txt`` and ``rec.selections.txt``, ``rec.txt``
    (Audacity labels or a Raven table), ``rec.csv``.
    """
    p = Path(audio_path)
    stem, folder = p.stem, p.parent
    names = [folder / f"{stem}.Table.1.selections.txt"]
    with contextlib.suppress(OSError):
        names += sorted(q for q in folder.glob(f"{_glob_escape(stem)}.Table.*.selections.txt") if q not in names)
    names += [folder / f"{stem}.selections.txt", folder / f"{stem}.txt", folder / f"{stem}.csv"]
    return tuple(names)


def find_sidecar(audio_path: str | os.PathLike[str]) -> Path | None:
    """The first of :func:`sidecar_paths` that is a file, or None."""
    for candidate in sidecar_paths(audio_path):
        if candidate.is_file():
            return candidate
    return None


def detect_format(path: str | os.PathLike[str], text: str | None = None) -> Format:
    """Which format a file is in, from its first non-empty line.

    A tab-separated header with ``Begin Time (s)`` is Raven, a comma-separated
    one CSV, a line starting with a number Audacity.
    """
    name = os.fspath(path)
    if text is None:
        text = _read_text(name)
    for line in text.splitlines():
        if line.strip():
            break
    else:
        raise AnnotationFileError(f"{name}: empty file: no header and no labels")
    if "Begin Time (s)" in line.split("\t"):
        return "raven"
    if "Begin Time (s)" in next(csv.reader([line]), []):
        return "csv"
    if _number(line.split("\t")[0]) is not None:
        return "audacity"
    shown = line if len(line) <= 60 else line[:57] + "..."
    raise AnnotationFileError(
        f"{name}: line 1: not a Raven selection table, Audacity label file or CSV (it starts {shown!r})"
    )


# --- reading -------------------------------------------------------------------
def read_annotations(path: str | os.PathLike[str], format: Format | None = None) -> AnnotationTable:
    """Read an annotation file (format detected unless given).

    Raises
    ------
    AnnotationFileError
        Missing, unreadable, too large, not one of the formats, or a bad line.
    """
    name = os.fspath(path)
    text = _read_text(name)
    fmt = format or detect_format(name, text)
    if fmt == "audacity":
        return _read_audacity(name, text)
    if fmt in ("raven", "csv"):
        return _read_columns(name, text, fmt)
    raise AnnotationFileError(f"{name}: unknown format {fmt!r}")


def merge_views(annotations: Iterable[Annotation]) -> list[Annotation]:
    """One annotation per selection number: a ``Spectrogram`` view's row if there is one, else the first."""
    chosen: dict[int, Annotation] = {}
    for a in annotations:
        old = chosen.get(a.index)
        if old is None or (not _view(old).startswith("Spectrogram") and _view(a).startswith("Spectrogram")):
            chosen[a.index] = a
    return [chosen[i] for i in sorted(chosen)]


def _read_columns(name: str, text: str, fmt: Format) -> AnnotationTable:
    rows = list(csv.reader(io.StringIO(text))) if fmt == "csv" else [line.split("\t") for line in text.splitlines()]
    header_at = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if header_at is None:
        raise AnnotationFileError(f"{name}: empty file: no header")
    header = tuple(c.strip() for c in rows[header_at])
    for required in ("Begin Time (s)", "End Time (s)"):
        if required not in header:
            raise AnnotationFileError(f"{name}: line {header_at + 1}: the header has no {required!r} column")
    if len(set(header)) != len(header):
        dup = next(c for c in header if header.count(c) > 1)
        raise AnnotationFileError(f"{name}: line {header_at + 1}: column {dup!r} appears twice")
    label_col = next((c for c in LABEL_COLUMNS if c in header), "Annotation")
    known = set(NUMERIC_COLUMNS) | {label_col, NOTES_COLUMN}
    out, where = [], []
    for row_i in range(header_at + 1, len(rows)):
        fields = rows[row_i]
        line_no = row_i + 1
        if not any(c.strip() for c in fields):
            continue
        if len(fields) > len(header):
            raise AnnotationFileError(f"{name}: line {line_no}: {len(fields)} fields, the header has {len(header)}")
        values = dict(zip(header, [*fields, *[""] * (len(header) - len(fields))], strict=True))
        try:
            a = Annotation(
                index=_int_field(values, "Selection", len(out) + 1),
                label=values.get(label_col, ""),
                begin_s=_float_field(values, "Begin Time (s)"),
                end_s=_float_field(values, "End Time (s)"),
                low_hz=_float_field(values, "Low Freq (Hz)", optional=True),
                high_hz=_float_field(values, "High Freq (Hz)", optional=True),
                channel=_int_field(values, "Channel", 1),
                notes=values.get(NOTES_COLUMN, ""),
                extra=tuple((c, v) for c, v in values.items()
                            if c not in known and not (c == "View" and v == DEFAULT_VIEW)),
            )
        except (ValueError, AnnotationError) as err:
            raise AnnotationFileError(f"{name}: line {line_no}: {err}") from None
        out.append(a)
        where.append(line_no)
    return AnnotationTable(name, fmt, header, tuple(out), tuple(where), label_col)


def _read_audacity(name: str, text: str) -> AnnotationTable:
    out: list[Annotation] = []
    where: list[int] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if fields[0].strip() == "\\":
            if not out or where[-1] != _last_label_line(text, line_no):
                raise AnnotationFileError(f"{name}: line {line_no}: a frequency line must follow a label line")
            if len(fields) < 3:
                raise AnnotationFileError(f"{name}: line {line_no}: a frequency line needs '\\', low and high")
            low, high = (_audacity_hz(name, line_no, f) for f in fields[1:3])
            try:
                out[-1] = out[-1].replace(low_hz=low, high_hz=high)
            except AnnotationError as err:
                raise AnnotationFileError(f"{name}: line {line_no}: {err}") from None
            continue
        start = _number(fields[0])
        if start is None:
            raise AnnotationFileError(f"{name}: line {line_no}: start {fields[0]!r} is not a number")
        end = _number(fields[1]) if len(fields) > 1 else start
        if end is None:  # Audacity 1.2: start<TAB>text, a point label
            end, label = start, "\t".join(fields[1:])
        else:
            label = "\t".join(fields[2:])
        try:
            out.append(Annotation(len(out) + 1, label, start, end))
        except AnnotationError as err:
            raise AnnotationFileError(f"{name}: line {line_no}: {err}") from None
        where.append(line_no)
    if not out:
        raise AnnotationFileError(f"{name}: no labels")
    return AnnotationTable(name, "audacity", (*RAVEN_COLUMNS, "Annotation"), tuple(out), tuple(where))


def _last_label_line(text: str, line_no: int) -> int:
    """The line number of the last non-empty line before `line_no` (the label a frequency line belongs to)."""
    lines = text.splitlines()
    for i in range(line_no - 2, -1, -1):
        if lines[i].strip():
            return i + 1
    return 0


def _audacity_hz(name: str, line_no: int, text: str) -> float | None:
    value = _number(text)
    if value is None:
        raise AnnotationFileError(f"{name}: line {line_no}: frequency {text!r} is not a number")
    return None if value < 0 else value  # Audacity writes -1 for an undefined bound


# --- small helpers ---------------------------------------------------------------
def _read_text(name: str) -> str:
    try:
        size = os.stat(name).st_size
        if os.path.isdir(name):
            raise AnnotationFileError(f"{name}: is a directory, not an annotation file")
        if size > MAX_FILE_BYTES:
            raise AnnotationFileError(f"{name}: {size / 2**20:.0f} MiB is too large for an annotation file "
                                      f"(at most {MAX_FILE_BYTES >> 20} MiB)")
        with open(name, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise AnnotationFileError(f"{name}: no such file") from None
    except PermissionError:
        raise AnnotationFileError(f"{name}: permission denied") from None
    except OSError as err:
        raise AnnotationFileError(f"{name}: cannot read: {err.strerror or err}") from None
    if b"\0" in data[:4096]:
        raise AnnotationFileError(f"{name}: a binary file, not an annotation file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older Raven and Audacity files on Windows


def _number(text: str) -> float | None:
    try:
        x = float(text.strip())
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _float_field(values: Mapping[str, str], column: str, optional: bool = False) -> float | None:
    text = values.get(column, "").strip()
    if text == "" and optional:
        return None
    x = _number(text)
    if x is None:
        raise ValueError(f"{column} {text!r} is not a number")
    return x


def _int_field(values: Mapping[str, str], column: str, default: int) -> int:
    text = values.get(column, "").strip()
    if text == "":
        return default
    x = _number(text)
    if x is None or not x.is_integer() or x < 1:
        raise ValueError(f"{column} {text!r} is not a whole number >= 1")
    return int(x)


def _view(a: Annotation) -> str:
    return a.extra_dict.get("View", DEFAULT_VIEW)


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)
