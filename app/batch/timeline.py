"""When each recording of a deployment starts: parsed from file names or read from a CSV, and the LTSA grid.

Thread: the main thread (the batch driver).

Recorder names carry the start as ``YYYYMMDD_HHMMSS`` (AudioMoth, Song Meter
``PREFIX_20240501_063000.wav``; ``T`` or ``-`` also accepted between date and
time) or ``YYYY-MM-DD_HH-MM-SS``.  Times are taken as written, without a time
zone.  A CSV with columns ``file,start`` (the file's name or path, an ISO time)
overrides the names.  When not every file has a start, the files are laid
end to end in name order and the LTSA's times are seconds from the first.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_PATTERNS = (
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})[_T-](\d{2})(\d{2})(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})[_T ](\d{2})[-:](\d{2})[-:](\d{2})(?!\d)"),
)
MAX_INTERVALS = 10_000_000
"""Most LTSA columns a run may produce (a too-small interval over a long deployment is bad input)."""


class TimelineError(ValueError):
    """A start-time CSV that cannot be read, or a grid too large; one line."""


def start_from_name(name: str) -> datetime | None:
    """The start time in a recorder's file name, or None."""
    for pattern in _PATTERNS:
        for m in pattern.finditer(Path(name).name):
            try:
                return datetime(*(int(g) for g in m.groups()))
            except ValueError:
                continue
    return None


def read_start_csv(path: str) -> dict[str, datetime]:
    """Starts by file name (and by full path) from a CSV with columns ``file`` and ``start`` (ISO 8601)."""
    starts: dict[str, datetime] = {}
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"file", "start"} <= set(reader.fieldnames):
                raise TimelineError(f"{path}: needs the columns file,start")
            for line, row in enumerate(reader, start=2):
                try:
                    t = datetime.fromisoformat(row["start"].strip())
                except (ValueError, AttributeError):
                    raise TimelineError(f"{path}:{line}: start {row['start']!r} is not an ISO time") from None
                starts[row["file"].strip()] = t.replace(tzinfo=None)
    except OSError as err:
        raise TimelineError(f"{path}: cannot read: {err.strerror or err}") from None
    return starts


@dataclass(frozen=True)
class Timeline:
    """Files on the LTSA grid.

    Attributes
    ----------
    order : list of str
        Input paths in time order.
    start_s : dict
        Path -> start in seconds after `origin` (the first interval's start).
    origin : datetime or None
        Wall-clock time of the grid's start (a multiple of the interval since
        midnight); None when the files are untimed (times in seconds).
    interval_s : float
    n_intervals : int
    """

    order: list[str]
    start_s: dict[str, float]
    origin: datetime | None
    interval_s: float
    n_intervals: int


def plan(paths: list[str], durations_s: dict[str, float], interval_s: float,
         csv_starts: dict[str, datetime] | None = None) -> Timeline:
    """Order the files and place them on a grid of `interval_s` columns.

    Raises
    ------
    TimelineError
        If the grid would have more than :data:`MAX_INTERVALS` columns.
    """
    csv_starts = csv_starts or {}
    starts = {p: csv_starts.get(p, csv_starts.get(Path(p).name)) or start_from_name(p) for p in paths}
    if paths and all(t is not None for t in starts.values()):
        order = sorted(paths, key=lambda p: (starts[p], p))
        first = starts[order[0]]
        midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
        since = (first - midnight).total_seconds()
        origin_offset = math.floor(since / interval_s) * interval_s
        start_s = {p: (starts[p] - midnight).total_seconds() - origin_offset for p in paths}
        from datetime import timedelta

        origin = midnight + timedelta(seconds=origin_offset)
    else:
        order = sorted(paths, key=lambda p: (Path(p).name, p))
        start_s, t = {}, 0.0
        for p in order:
            start_s[p] = t
            t += durations_s[p]
        origin = None
    end_s = max((start_s[p] + durations_s[p] for p in paths), default=0.0)
    n = max(1, math.ceil(end_s / interval_s - 1e-9))
    if n > MAX_INTERVALS:
        raise TimelineError(f"--ltsa-interval {interval_s:g} s gives {n} columns over {end_s / 86400:.1f} days "
                            f"(at most {MAX_INTERVALS}); use a longer interval")
    return Timeline(order, start_s, origin, interval_s, n)


def parse_duration_s(text: str) -> float:
    """``60``, ``60s``, ``10min``, ``1h``, ``0.5h`` -> seconds.

    Raises
    ------
    ValueError
        For anything else or a non-positive value.
    """
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(s|sec|min|m|h)?\s*", text)
    if not m:
        raise ValueError(f"--ltsa-interval must be a duration like 60s, 10min or 1h, got {text!r}")
    value = float(m.group(1)) * {"s": 1, "sec": 1, None: 1, "min": 60, "m": 60, "h": 3600}[m.group(2)]
    if value <= 0:
        raise ValueError(f"--ltsa-interval must be > 0, got {text!r}")
    return value
