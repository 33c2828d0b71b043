"""``specscope measure FILE --selections TABLE``: Raven measurements of every selection of a table.

Thread: the main thread.

Reads a Raven selection table, CSV or Audacity label file
(:mod:`specscope.app.io.annotation_files`), measures each row's box from the
STFT of just the samples under it, read from the file in one pass in time
order (:func:`specscope.app.analysis.box_reading.read_boxes`;
:class:`specscope.dsp.selection_meter.SelectionMeter`), and writes the same rows with the
measurement columns filled: a Raven table by default (CSV when ``-o`` ends in
``.csv``), or with ``--json`` a list of objects keyed by the column names.

A row that cannot be measured (inverted bounds, outside the file, above
Nyquist, a channel the file lacks) is reported on standard error by its
selection number (``selection 3: begin 12 s is past the end of the file (10 s)``)
and written unmeasured; the others are measured; the exit status is then 3.
Bad arguments or files: one line, status 2.  A bug: one line naming the log,
status 1.

Channels: with ``--channel`` every row uses it; without, each row uses its
own ``Channel`` column (1-based, as Raven counts).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_BUG = 1
EXIT_BAD_INPUT = 2
EXIT_BAD_ROWS = 3

BATCH_BOXES = 64
"""Boxes whose samples are held at once and whose peak fits run together."""

DECIMALS = {"(s)": 6, "(Hz)": 3, "(dB)": 3}
"""Decimals written per unit: microseconds, millihertz, thousandths of a dB."""


def register(sub: argparse._SubParsersAction, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """Add the ``measure`` subcommand to the ``specscope`` parser's subparsers."""
    from specscope.app.cli.options import add_analysis_options

    p = sub.add_parser("measure", parents=list(parents),
                       help="Raven measurements (peak, energy quantiles, power, SNR) of every row of a selection table")
    p.add_argument("file", help="the audio file")
    p.add_argument("--selections", required=True, metavar="TABLE",
                   help="Raven selection table (.txt), CSV or Audacity label file")
    p.add_argument("-o", "--output", metavar="OUT", help="write here (.txt Raven table, .csv) instead of stdout")
    p.add_argument("--json", action="store_true", help="a JSON list of objects keyed by the column names")
    p.add_argument("--noise", type=int, metavar="N",
                   help="selection N of the table is the noise reference for SNR (dB)")
    add_analysis_options(p)
    p.set_defaults(func=cmd_measure, channel=None)


def cmd_measure(args: argparse.Namespace) -> int:
    """Run ``specscope measure``; returns the exit status (and prints its own errors)."""
    from specscope.app.cli.options import OptionError
    from specscope.app.io.annotation_files import AnnotationFileError
    from specscope.app.io.audio_file import AudioFileError
    from specscope.app.logs import log_bug
    from specscope.app.model.settings import SettingsError

    try:
        return _run(args)
    except (OptionError, SettingsError, AnnotationFileError, AudioFileError, _BadInput) as err:
        print(f"specscope: {' '.join(str(err).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        raise
    except Exception as err:
        print(f"specscope: {log_bug('measuring selections', err)}", file=sys.stderr)
        return EXIT_BUG


class _BadInput(Exception):
    """An argument the user must change."""


def _run(args: argparse.Namespace) -> int:
    from specscope.app.analysis.box_reading import read_boxes
    from specscope.app.cli.options import analysis_settings
    from specscope.app.io.annotation_files import (
        format_for_path,
        format_table,
        read_annotations,
        table_records,
        write_text_atomic,
    )
    from specscope.app.io.audio_file import open_audio
    from specscope.dsp.selection_measures import MEASUREMENT_COLUMNS
    from specscope.dsp.selection_meter import SelectionMeter

    per_row_channel = args.channel is None
    if per_row_channel:
        args.channel = "mix"
    settings = analysis_settings(args)
    table = read_annotations(args.selections)
    rows = table.annotations
    if args.output is not None and not args.json and format_for_path(args.output) == "csv":
        out_format = "csv"
    else:
        out_format = "raven"
    with open_audio(args.file) as reader:
        info = reader.info
        cfg = settings.stft_config(info.fs_hz)
        if not per_row_channel:
            settings.check_channel(info.channels)
        n_frames_total = cfg.n_frames(info.frames)
        if n_frames_total < 1:
            raise _BadInput(f"{args.file}: {info.frames} samples is shorter than one frame (--n-fft {cfg.n_fft}); "
                            "use a smaller --n-fft")
        noise = None
        if args.noise is not None:
            ref = next((a for a in rows if a.index == args.noise), None)
            if ref is None:
                raise _BadInput(f"--noise {args.noise}: {args.selections} has no selection {args.noise}")
            problem = _problem(ref, info, cfg, per_row_channel)
            if problem is not None:
                raise _BadInput(f"--noise {args.noise}: selection {args.noise}: {problem}")
            noise = _noise(reader, cfg, n_frames_total, ref, _channel_of(ref, settings, per_row_channel))
        measured: list[dict[str, float | None]] = [{} for _ in rows]
        good = []
        for a in rows:
            problem = _problem(a, info, cfg, per_row_channel)
            if problem is not None:
                print(f"selection {a.index}: {problem}", file=sys.stderr)
            else:
                good.append(a)
        bad = len(rows) - len(good)
        position = {id(a): i for i, a in enumerate(rows)}
        meter = SelectionMeter(cfg)
        boxes = read_boxes(reader, cfg, n_frames_total, good, lambda a: _channel_of(a, settings, per_row_channel))
        for batch in _batches(boxes, BATCH_BOXES):
            results = meter.measure_many([(x, first, a.begin_s, a.end_s, a.low_hz, a.high_hz)
                                          for _, a, first, x in batch], noise)
            for (_, a, _, _), m in zip(batch, results, strict=True):
                columns = m.as_columns()
                measured[position[id(a)]] = {c: _rounded(c, columns[c]) for c in MEASUREMENT_COLUMNS}
    if args.json:
        text = json.dumps(table_records(rows, measured, table.columns, table.label_column), indent=1) + "\n"
    else:
        text = format_table(rows, out_format, measurements=measured, columns=table.columns,
                            label_column=table.label_column, nyquist_hz=None)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(args.output, text)
    return EXIT_BAD_ROWS if bad else EXIT_OK


def _problem(a, info, cfg, per_row_channel: bool) -> str | None:
    """Why row `a` cannot be measured in this file, or None."""
    problem = a.bounds_problem()
    if problem is not None:
        return problem
    from specscope.app.model.annotations import number_text as num

    duration_s = info.duration_s
    tolerance_s = 1.0 / info.fs_hz
    if a.begin_s >= duration_s:
        return f"begin {num(a.begin_s)} s is past the end of the file ({num(duration_s)} s)"
    if a.end_s > duration_s + tolerance_s:
        return f"end {num(a.end_s)} s is past the end of the file ({num(duration_s)} s)"
    nyquist = info.fs_hz / 2.0
    for word, value in (("low", a.low_hz), ("high", a.high_hz)):
        if value is not None and value > nyquist * (1 + 1e-9):
            return f"{word} frequency {num(value)} Hz is above Nyquist ({num(nyquist)} Hz)"
    if per_row_channel and a.channel > info.channels:
        return f"channel {a.channel} does not exist (the file has {info.channels})"
    return None


def _channel_of(a, settings, per_row_channel: bool):
    if not per_row_channel:
        return settings.channel
    return a.channel - 1


def _noise(reader, cfg, n_frames_total: int, ref, channel):
    from specscope.app.analysis.box_reading import read_boxes
    from specscope.dsp.selection_measures import noise_power, slice_spectra

    ((_, _, _, samples),) = read_boxes(reader, cfg, n_frames_total, [ref], lambda _: channel)
    return noise_power(slice_spectra(samples, cfg), cfg)


def _batches(items, n: int):
    """Lists of up to `n` consecutive items."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def _rounded(column: str, value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    for unit, digits in DECIMALS.items():
        if column.endswith(unit):
            return round(float(value), digits)
    return float(value)
