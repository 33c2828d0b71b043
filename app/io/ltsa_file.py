"""Reading a batch's ``ltsa.npz`` (see :mod:`specscope.app.batch.ltsa_output`) for display, Qt-free.

Thread: any (the GUI thread calls it when a file is opened).

:func:`is_ltsa_npz` tells an LTSA from another NPZ (an ``export``) by its
keys without loading the arrays; :func:`load_ltsa` reads and checks one and
returns an :class:`LtsaFile`, or raises :class:`LtsaFileError` with one
line naming the file and what is wrong.  A column leads back to its
recording with :meth:`LtsaFile.source_at`.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from datetime import datetime

import numpy as np

REQUIRED_KEYS = ("db", "freqs_hz", "times", "interval_s")
SOURCE_KEYS = ("sources", "column_source", "column_offset_s")
"""Written since the LTSA leads back to its recordings; an older ltsa.npz opens without clicks to sources."""


class LtsaFileError(ValueError):
    """An NPZ that is not a readable LTSA; one line."""


@dataclass(frozen=True, eq=False)
class LtsaFile:
    """A long-term spectral average.

    Attributes
    ----------
    path : str
    db : numpy.ndarray
        float32 (n_freqs, n_columns), mean power in dBFS, NaN in gaps.
    freqs_hz : numpy.ndarray
        (n_freqs,), increasing.
    start_s : numpy.ndarray
        float64 (n_columns,): each column's start, seconds after `origin`
        (or after the first file's start when `origin` is None).
    origin : datetime or None
        Wall-clock time of column 0's start when the LTSA has ISO times.
    interval_s : float
        Width of a column.
    sources : tuple of str
        Recordings, in time order (empty for an LTSA written without them).
    column_source : numpy.ndarray
        int64 (n_columns,): index into `sources`, -1 in gaps.
    column_offset_s : numpy.ndarray
        float64 (n_columns,): where the column starts in its source, seconds.
    """

    path: str
    db: np.ndarray
    freqs_hz: np.ndarray
    start_s: np.ndarray
    origin: datetime | None
    interval_s: float
    sources: tuple[str, ...]
    column_source: np.ndarray
    column_offset_s: np.ndarray

    @property
    def n_columns(self) -> int:
        return int(self.db.shape[1])

    def column_at(self, t_s: float) -> int | None:
        """The column whose interval holds `t_s` (seconds after `origin`), or None outside the LTSA."""
        i = int(np.floor((t_s - self.start_s[0]) / self.interval_s)) if self.n_columns else -1
        return i if 0 <= i < self.n_columns else None

    def source_at(self, column: int) -> tuple[str, float] | None:
        """``(recording path, offset in it in seconds)`` of `column`; None for a gap or without sources."""
        if not 0 <= column < self.n_columns:
            return None
        k = int(self.column_source[column])
        if k < 0 or k >= len(self.sources):
            return None
        return self.sources[k], float(self.column_offset_s[column])


def is_ltsa_npz(path: str | os.PathLike[str]) -> bool:
    """True when `path` is an NPZ holding the LTSA's keys (only the archive's directory is read)."""
    if not str(path).lower().endswith(".npz"):
        return False
    try:
        with zipfile.ZipFile(path) as z:
            names = {n[:-4] for n in z.namelist() if n.endswith(".npy")}
    except (OSError, zipfile.BadZipFile):
        return False
    return set(REQUIRED_KEYS) <= names


def load_ltsa(path: str | os.PathLike[str]) -> LtsaFile:
    """Read and check an ``ltsa.npz``.

    Raises
    ------
    LtsaFileError
        For a missing or unreadable file, a foreign NPZ, or arrays whose shapes disagree.
    """
    name = str(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in REQUIRED_KEYS if k not in z.files]
            if missing:
                raise LtsaFileError(f"{name}: not a specscope LTSA (no {', '.join(missing)})")
            arrays = {k: z[k] for k in (*REQUIRED_KEYS, *SOURCE_KEYS) if k in z.files}
    except LtsaFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise LtsaFileError(f"{name}: cannot read it as an NPZ ({' '.join(str(err).split()) or type(err).__name__})"
                            ) from None
    db, freqs = arrays["db"], arrays["freqs_hz"]
    if db.ndim != 2 or freqs.ndim != 1 or db.shape[0] != freqs.shape[0] or db.shape[1] == 0:
        raise LtsaFileError(f"{name}: db {db.shape} does not match freqs_hz {freqs.shape}")
    if not np.issubdtype(db.dtype, np.floating) or not np.all(np.diff(freqs) > 0):
        raise LtsaFileError(f"{name}: db must be real numbers and freqs_hz increasing")
    interval = float(arrays["interval_s"])
    if not interval > 0 or not np.isfinite(interval):
        raise LtsaFileError(f"{name}: interval_s must be a positive number, got {interval}")
    start_s, origin = _times(name, arrays["times"], db.shape[1])
    n = db.shape[1]
    if all(k in arrays for k in SOURCE_KEYS):
        sources = tuple(str(s) for s in arrays["sources"].tolist())
        col_src = arrays["column_source"].astype(np.int64)
        col_off = arrays["column_offset_s"].astype(np.float64)
        if col_src.shape != (n,) or col_off.shape != (n,) or (col_src >= len(sources)).any():
            raise LtsaFileError(f"{name}: column_source/column_offset_s do not match the {n} columns and "
                                f"{len(sources)} sources")
    else:
        sources, col_src, col_off = (), np.full(n, -1, dtype=np.int64), np.full(n, np.nan)
    return LtsaFile(name, db.astype(np.float32, copy=False), freqs.astype(np.float64), start_s, origin, interval,
                    sources, col_src, col_off)


def _times(name: str, times: np.ndarray, n: int) -> tuple[np.ndarray, datetime | None]:
    if times.shape != (n,):
        raise LtsaFileError(f"{name}: times has shape {times.shape}, expected ({n},)")
    if times.dtype.kind in "US":
        try:
            stamps = [datetime.fromisoformat(str(t)) for t in times.tolist()]
        except ValueError as err:
            raise LtsaFileError(f"{name}: times are not ISO 8601 ({err})") from None
        origin = stamps[0]
        return np.array([(t - origin).total_seconds() for t in stamps]), origin
    if times.dtype.kind in "iuf":
        return times.astype(np.float64), None
    raise LtsaFileError(f"{name}: times must be ISO 8601 strings or seconds")

