"""The ``levels`` subcommand, and the loudness columns of ``listen --levels``.

Thread: the main thread (``levels``); :class:`ListenLevels` runs in the live
pipeline's DSP worker thread, where ``listen`` builds its per-second lines.

``specscope levels FILE [--start S] [--duration S] [--json] [--calibration-offset DB]``
streams the file (or slice) in blocks through
:class:`~specscope.app.model.levels.LevelsSummary` and prints the integrated
loudness (LUFS), loudness range (LU), true peak (dBTP), sample peak (dBFS),
RMS (dBFS: a sine's RMS reads its amplitude level) and the A-weighted Leq
(dBFS, or dB SPL with ``--calibration-offset``, named by the ``unit`` key),
overall and per channel.  Memory does not grow with the file's length.
Silence prints ``null`` (JSON) or ``-`` for values that have none.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from specscope.app.analysis.levels import measure_file
from specscope.app.model.readouts import is_silent


def register(subparsers, parents: list | None = None) -> None:
    """Add ``levels`` to an argparse subparsers object (``func(args) -> exit status``)."""
    from specscope.app.cli.options import add_slice_options

    p = subparsers.add_parser(
        "levels", parents=parents or [], help="loudness (LUFS, LRA), true peak, sample peak, RMS and Leq(A) of a file")
    p.add_argument("file")
    add_slice_options(p)
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--calibration-offset", type=float, default=None, metavar="DB",
                   help="dB SPL = dBFS + DB for leq_a_db (from a calibrator: its dB SPL minus the dBFS it reads)")
    p.set_defaults(func=cmd_levels)


def _bad(message: str) -> int:
    print(f"specscope: {message}", file=sys.stderr)
    return 2


def _fmt(value: float | None, spec: str = "8.2f") -> str:
    return "-" if value is None else format(value, spec)


def cmd_levels(args: argparse.Namespace) -> int:
    """Print the file's levels; see the module docstring."""
    from specscope.app.io.audio_file import AudioFileError
    from specscope.app.logs import log_bug

    offset = args.calibration_offset
    if offset is not None and not math.isfinite(offset):
        return _bad(f"--calibration-offset must be a finite number of dB, got {offset!r}")
    try:
        result = measure_file(args.file, args.start, args.duration, offset)
    except (AudioFileError, ValueError) as err:
        return _bad(" ".join(str(err).split()))
    except MemoryError as err:
        print(f"specscope: {log_bug('measuring levels', err)}", file=sys.stderr)
        return 1
    out = result.as_json()
    if args.json:
        print(json.dumps(out))
        return 0
    unit = out["unit"]
    print(f"{args.file}: {out['duration_s']:.3f} s at {out['fs_hz']:g} Hz, {len(out['channels'])} channel(s)")
    print(f"integrated loudness {_fmt(out['integrated_lufs'])} LUFS")
    print(f"loudness range      {_fmt(out['loudness_range_lu'])} LU")
    print(f"true peak           {_fmt(out['true_peak_dbtp'])} dBTP")
    print(f"sample peak         {_fmt(out['sample_peak_dbfs'])} dBFS")
    print(f"RMS                 {_fmt(out['rms_dbfs'])} dBFS")
    print(f"Leq(A)              {_fmt(out['leq_a_db'])} {unit}")
    if len(out["channels"]) > 1:
        print(f"{'channel':>7} {'peak dBFS':>10} {'TP dBTP':>9} {'RMS dBFS':>9} {'LeqA ' + unit:>12}")
        for i, ch in enumerate(out["channels"]):
            print(f"{i:>7} {_fmt(ch['sample_peak_dbfs'], '10.2f')} {_fmt(ch['true_peak_dbtp'], '9.2f')} "
                  f"{_fmt(ch['rms_dbfs'], '9.2f')} {_fmt(ch['leq_a_db'], '12.2f')}")
    return 0


class ListenLevels:
    """Momentary / short-term loudness and true peak for ``listen --levels`` (DSP worker thread).

    Fed every raw block the pipeline reads (all channels); :meth:`fields` gives
    the values for the line of this second: ``momentary_lufs``,
    ``short_term_lufs`` and ``true_peak_dbtp`` (the largest since the last line;
    None for digital silence).
    """

    def __init__(self, fs_hz: float, n_channels: int) -> None:
        from specscope.dsp.loudness import LoudnessMeter
        from specscope.dsp.true_peak import TruePeakMeter

        weights = None if n_channels in (1, 2, 3, 5, 6) else (1.0,) * n_channels
        self._loudness = LoudnessMeter(fs_hz, n_channels, weights)
        self._true_peak = TruePeakMeter(fs_hz, n_channels)

    def __call__(self, start: int, block) -> None:
        self._loudness.process(block)
        self._true_peak.process(block)

    def fields(self) -> dict:
        def num(v: float) -> float | None:
            return round(v, 2) if math.isfinite(v) and not is_silent(v) else None

        tp = self._true_peak.max_dbtp
        self._true_peak.reset_peak()
        return {"momentary_lufs": num(self._loudness.momentary_lufs),
                "short_term_lufs": num(self._loudness.short_term_lufs),
                "true_peak_dbtp": num(tp)}

    @staticmethod
    def text(rep: dict) -> str:
        """The columns appended to a text line."""
        return (f"  M {_fmt(rep.get('momentary_lufs'), '6.1f')} LUFS  S {_fmt(rep.get('short_term_lufs'), '6.1f')} "
                f"LUFS  TP {_fmt(rep.get('true_peak_dbtp'), '6.1f')} dBTP")
