"""The deployment's LTSA: each file's part saved by its task, combined in time order into ltsa.npz and ltsa.png.

Thread: :func:`save_part` runs in a batch task; :func:`write_ltsa` in the
main thread (the batch driver), after every task has finished.

A file's part lives in ``OUTDIR/.ltsa/<rel without suffix>.npz`` (its
intervals' counts, power sums, percentiles and the histograms of the
intervals it shares with a neighbour), so a resumed run combines the parts of
skipped files without reading their audio again.  The driver loads one part
at a time: its memory is the LTSA itself plus the shared intervals' histograms.

``ltsa.npz``: ``db`` (float32, n_freqs x n_intervals, mean power in dBFS,
NaN in gaps), ``freqs_hz``, ``times`` (each interval's start: ISO 8601
strings when the files are timed, else seconds from the first file's start),
``interval_s``, ``n_frames`` (frames per interval, 0 in gaps), and with
percentiles ``percentiles`` and ``percentile_db`` (n_percentiles x n_freqs x
n_intervals).  To lead back to the recordings: ``sources`` (the absolute
paths of the files that contributed, in time order), ``column_source``
(int64 per column: the index into ``sources`` of the file that gave that
column most of its frames, -1 in gaps) and ``column_offset_s`` (float64 per
column: where the column's interval starts in that file, seconds; 0 where the
file starts inside the interval; NaN in gaps).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np

from specscope.dsp.ltsa import LtsaPart, combine_parts

from .atomic import atomic_output, write_bytes_atomic
from .timeline import Timeline

LTSA_NAME, LTSA_PNG_NAME, PARTS_DIR = "ltsa.npz", "ltsa.png", ".ltsa"


def part_path(outdir: str | Path, rel: str) -> Path:
    """Where the LTSA part of input `rel` is kept."""
    return Path(outdir) / PARTS_DIR / Path(rel).with_suffix(".npz")


def save_part(path: Path, part: LtsaPart) -> None:
    """Write `part` atomically (compressed: the histograms are mostly zeros)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    hists = {f"hist_{i}": h for i, h in part.partial.items()}
    extra = {} if part.percentile_db is None else {"percentile_db": part.percentile_db}
    with atomic_output(path) as tmp:
        np.savez_compressed(tmp, index=part.index, count=part.count, power_sum=part.power_sum, **extra, **hists)


def load_part(path: Path) -> LtsaPart:
    """Read a part written by :func:`save_part`."""
    with np.load(path) as z:
        partial = {int(k[5:]): z[k] for k in z.files if k.startswith("hist_")}
        pct = z["percentile_db"] if "percentile_db" in z.files else None
        return LtsaPart(z["index"], z["count"], z["power_sum"], pct, partial)


def write_ltsa(outdir: Path, timeline: Timeline, parts: dict[str, Path], freqs_hz: np.ndarray,
               percentiles: tuple[float, ...], lut: np.ndarray, floor_db: float, ceiling_db: float) -> list[Path]:
    """Combine the parts (path -> part file) in time order; write ltsa.npz and ltsa.png; return their paths."""

    sources = [p for p in timeline.order if p in parts]
    column_source = np.full(timeline.n_intervals, -1, dtype=np.int64)
    best_count = np.zeros(timeline.n_intervals, dtype=np.int64)

    def in_order() -> Iterator[LtsaPart]:
        for k, p in enumerate(sources):
            part = load_part(parts[p])
            more = part.count > best_count[part.index]  # the earlier file keeps a tie
            column_source[part.index[more]] = k
            best_count[part.index[more]] = part.count[more]
            yield part

    db, pct, count = combine_parts(in_order(), timeline.n_intervals, freqs_hz.shape[0], percentiles)
    file_start_s = np.array([timeline.start_s[p] for p in sources] + [np.nan])[column_source]
    column_offset_s = np.maximum(np.arange(timeline.n_intervals) * timeline.interval_s - file_start_s, 0.0)
    column_offset_s[column_source < 0] = np.nan
    starts_s = np.arange(timeline.n_intervals) * timeline.interval_s
    if timeline.origin is not None:
        times = np.array([(timeline.origin + timedelta(seconds=float(s))).isoformat() for s in starts_s])
        label = f"from {timeline.origin.isoformat()}"
    else:
        times, label = starts_s, "from the first file's start"
    extra = {} if pct is None else {"percentiles": np.array(percentiles), "percentile_db": pct}
    npz_path, png_path = outdir / LTSA_NAME, outdir / LTSA_PNG_NAME
    with atomic_output(npz_path) as tmp:
        np.savez(tmp, db=db, freqs_hz=freqs_hz, times=times, interval_s=timeline.interval_s, n_frames=count,
                 sources=np.array(sources, dtype=str), column_source=column_source,
                 column_offset_s=column_offset_s, **extra)
    from .png import render_spectrogram_png

    span_s = timeline.n_intervals * timeline.interval_s
    unit = "h" if span_s >= 3 * 3600 else "s"
    centres_s = starts_s + timeline.interval_s / 2
    write_bytes_atomic(png_path, render_spectrogram_png(db, freqs_hz, centres_s, lut, floor_db, ceiling_db,
                                                        time_unit=unit, time_label=label))
    return [npz_path, png_path]
