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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from specscope.app.model.annotations import Annotation, AnnotationError
from specscope.dsp.selection_measures import MEASUREMENT_COLUMNS

Format = Literal["raven", "audacity", "csv"]

RAVEN_COLUMNS = ("Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)")
"""The first columns of a Raven selection table, in Raven's order."""
LABEL_COLUMNS = ("Annotation", "Label", "label", "annotation")
"""Columns read as the label, the first present wins; new tables use ``Annotation``."""
NOTES_COLUMN = "Notes"
DEFAULT_VIEW = "Spectrogram 1"
MAX_FILE_BYTES = 64 << 20
"""Largest annotation file read (64 MiB, some 500 000 rows)."""
_CORE = ("Selection", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)")


class AnnotationFileError(ValueError):
    """A file that cannot be read or written as annotations; one line naming the file (and line)."""


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


def format_for_path(path: str | os.PathLike[str]) -> Format:
    """The format a name asks for when writing: ``.csv`` is CSV, anything else a Raven table."""
    return "csv" if os.fspath(path).lower().endswith(".csv") else "raven"


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
    known = set(_CORE) | {label_col, NOTES_COLUMN}
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


# --- writing -------------------------------------------------------------------
def write_table(
    path: str | os.PathLike[str],
    annotations: Iterable[Annotation],
    format: Format | None = None,
    *,
    measurements: Sequence[Mapping[str, float | None]] | Mapping[int, Mapping[str, float | None]] | None = None,
    columns: Sequence[str] | None = None,
    label_column: str = "Annotation",
    nyquist_hz: float | None = None,
) -> None:
    """Write annotations as a Raven table, CSV or Audacity labels (format from the name unless given).

    Parameters
    ----------
    path : str or path-like
        The file; replaced atomically.
    annotations : iterable of Annotation
        The rows, in order (numbers may repeat, one row per Raven view).
    format : {'raven', 'csv', 'audacity'}, optional
        Default :func:`format_for_path`.
    measurements : sequence or mapping, optional
        Computed columns (``{column: value}``) per row (a sequence parallel to
        `annotations`) or per selection number (a mapping); they replace the
        same columns of :attr:`Annotation.extra`.  None and NaN are written empty.
    columns : sequence of str, optional
        Column order (e.g. :attr:`AnnotationTable.columns`); the Raven columns,
        the label, notes, extra and measurement columns missing from it follow.
    label_column : str
        The label's column (Raven and CSV).
    nyquist_hz : float, optional
        Written as High Freq for rows without one (and 0 as Low Freq), as Raven
        does for a time-only selection; else those cells stay empty.
    """
    fmt = format or format_for_path(path)
    if fmt not in ("raven", "csv", "audacity"):
        raise AnnotationFileError(f"{os.fspath(path)}: unknown format {fmt!r}")
    text = format_table(annotations, fmt, measurements=measurements, columns=columns, label_column=label_column,
                        nyquist_hz=nyquist_hz)
    write_text_atomic(path, text)


def format_table(
    annotations: Iterable[Annotation],
    format: Format = "raven",
    *,
    measurements: Sequence[Mapping[str, float | None]] | Mapping[int, Mapping[str, float | None]] | None = None,
    columns: Sequence[str] | None = None,
    label_column: str = "Annotation",
    nyquist_hz: float | None = None,
) -> str:
    """The text :func:`write_table` writes (same parameters), e.g. for standard output."""
    rows = list(annotations)
    if format == "audacity":
        return _audacity_text(rows)
    if format not in ("raven", "csv"):
        raise ValueError(f"unknown format {format!r}")
    per_row = _per_row(rows, measurements)
    header = _header(rows, per_row, columns, label_column)
    table = [header] + [_row_values(a, m, header, label_column, nyquist_hz)
                        for a, m in zip(rows, per_row, strict=True)]
    if format == "csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(table)
        return buf.getvalue()
    return "".join("\t".join(r) + "\n" for r in table)


def table_records(
    annotations: Iterable[Annotation],
    measurements: Sequence[Mapping[str, float | None]] | None = None,
    columns: Sequence[str] | None = None,
    label_column: str = "Annotation",
) -> list[dict[str, object]]:
    """Rows as ``{column: value}`` objects (for JSON): numbers as numbers, None/NaN as None, text as text."""
    rows = list(annotations)
    per_row = _per_row(rows, measurements)
    header = _header(rows, per_row, columns, label_column)
    out = []
    for a, m in zip(rows, per_row, strict=True):
        texts = _row_values(a, m, header, label_column, None)
        record: dict[str, object] = {}
        for c, text in zip(header, texts, strict=True):
            if c in m:
                v = m[c]
                record[c] = None if v is None or (isinstance(v, float) and math.isnan(v)) else v
            elif c in ("Selection", "Channel"):
                record[c] = int(text)
            elif c in _CORE:
                record[c] = None if text == "" else float(text)
            else:
                record[c] = text
        out.append(record)
    return out


def _per_row(rows: list[Annotation], measurements) -> list[Mapping[str, float | None]]:
    if measurements is None:
        return [{} for _ in rows]
    if isinstance(measurements, Mapping):
        return [measurements.get(a.index, {}) for a in rows]
    per_row = list(measurements)
    if len(per_row) != len(rows):
        raise ValueError(f"{len(per_row)} rows of measurements for {len(rows)} annotations")
    return per_row


def _header(rows, per_row, columns, label_column) -> list[str]:
    header = list(columns) if columns is not None else []
    wanted = [*RAVEN_COLUMNS, label_column]
    if any(a.notes for a in rows):
        wanted.append(NOTES_COLUMN)
    for a in rows:
        wanted += [c for c, _ in a.extra]
    for m in per_row:
        wanted += [c for c in MEASUREMENT_COLUMNS if c in m] + [c for c in m if c not in MEASUREMENT_COLUMNS]
    for c in wanted:
        if c not in header:
            header.append(c)
    return header


def _row_values(a: Annotation, m: Mapping[str, float | None], header: list[str], label_column: str,
                nyquist_hz: float | None) -> list[str]:
    extra = a.extra_dict
    low, high = a.low_hz, a.high_hz
    if nyquist_hz is not None and low is None and high is None:
        low, high = 0.0, float(nyquist_hz)
    core = {
        "Selection": str(a.index),
        "View": extra.get("View", DEFAULT_VIEW),
        "Channel": str(a.channel),
        "Begin Time (s)": _text(a.begin_s),
        "End Time (s)": _text(a.end_s),
        "Low Freq (Hz)": _text(low),
        "High Freq (Hz)": _text(high),
        label_column: a.label,
        NOTES_COLUMN: a.notes,
    }
    out = []
    for c in header:
        if c in m:
            out.append(_text(m[c]))
        elif c in core:
            out.append(core[c])
        else:
            out.append(extra.get(c, ""))
    return out


def _audacity_text(rows: list[Annotation]) -> str:
    lines = []
    for a in rows:
        lines.append(f"{_fixed(a.begin_s)}\t{_fixed(a.end_s)}\t{a.label}")
        if a.has_band:
            low = -1.0 if a.low_hz is None else a.low_hz
            high = -1.0 if a.high_hz is None else a.high_hz
            lines.append(f"\\\t{_fixed(low)}\t{_fixed(high)}")
    return "".join(line + "\n" for line in lines)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to a temporary file beside `path`, then rename it over `path`.

    A new file gets the usual permissions (0666 less the umask, applied by
    ``os.open``); a replaced file keeps its own.
    """
    name = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(name))
    tmp = None
    try:
        for attempt in range(100):
            candidate = os.path.join(folder, f".{os.path.basename(name)}.{os.getpid()}.{attempt}.tmp")
            try:
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                continue
            tmp = candidate
            break
        else:
            raise FileExistsError(f"no free temporary name in {folder}")
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, os.stat(name).st_mode & 0o7777)
        os.replace(tmp, name)
        tmp = None
    except OSError as err:
        raise AnnotationFileError(f"{name}: cannot write: {err.strerror or err}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


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


def _text(value: float | None) -> str:
    """The shortest text that reads back as the same float; empty for None and NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    x = float(value)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x)) if isinstance(value, int) and not isinstance(value, bool) else repr(x)
    text = repr(x)
    return _fixed(x) if "e" in text else text


def _fixed(x: float) -> str:
    """Fixed-point text with at least 6 decimals (Audacity's style), more when needed to read back exactly."""
    for digits in range(6, 18):
        text = f"{x:.{digits}f}"
        if float(text) == x:
            return text
    return f"{x:.17f}"


def _view(a: Annotation) -> str:
    return a.extra_dict.get("View", DEFAULT_VIEW)


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)
