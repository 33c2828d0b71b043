"""Writing annotations: Raven selection tables, CSV, Audacity labels, and JSON-ready records.

Thread: any (functions of their arguments).  Files are written to a temporary
file beside the target, then renamed over it (:func:`write_text_atomic`), so
a failed write never leaves half a file.  Numbers are written as the shortest
text that reads back as the same float; the formats are described in
:mod:`.annotation_files`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence

from specscope.app.model.annotations import Annotation
from specscope.dsp.selection_measures import MEASUREMENT_COLUMNS

from .annotation_formats import (
    DEFAULT_VIEW,
    NOTES_COLUMN,
    NUMERIC_COLUMNS,
    RAVEN_COLUMNS,
    AnnotationFileError,
    Format,
    format_for_path,
)


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
            elif c in NUMERIC_COLUMNS:
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
