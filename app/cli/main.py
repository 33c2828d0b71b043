"""The ``specscope`` command: the GUI, and file analysis on the command line.

Thread: the main thread.

``specscope`` alone opens the window on the default input device;
``specscope FILE`` opens a file in it.  Subcommands work without a screen:
``info``, ``export``, ``peaks`` (files) and ``devices``, ``listen`` (live
input).  Every analysing subcommand takes the same options
(:mod:`specscope.app.cli.options`).  Bad input prints one line to standard
error and exits with status 2; a bug prints one line naming the log file
(which holds the traceback) and exits with status 1 (see
:mod:`specscope.app.cli.errors`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from specscope.app.cli.errors import (
    EXIT_BAD_INPUT,
    EXIT_BUG,
    EXIT_INTERRUPTED,
    CliError,
    bad_input_types,
)
from specscope.app.cli.options import (
    add_analysis_options,
    add_slice_options,
    analysis_settings,
    check_channel,
    positive_int,
    stft_config,
)
from specscope.app.logs import configure, log, log_bug, one_line
from specscope.app.process_setup import keep_freed_memory

__all__ = ["EXIT_BAD_INPUT", "MAX_OUTPUT_BYTES", "CliError", "build_parser", "main"]

MAX_OUTPUT_BYTES = 4 << 30
"""Largest spectrogram `export` will hold in memory (4 GiB); beyond it, ask for a slice."""
WORK_MARGIN_BYTES = 64 << 20
"""Memory `export` needs besides the spectrogram (STFT chunks, write buffers)."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``PROG: error: MESSAGE (see PROG --help)``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log debugging detail, also to standard error")
    parser = Parser(
        prog="specscope",
        description="Real-time audio spectrogram. Without a command, opens the window "
        "(on the default input device, or on FILE if given).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail, also to standard error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_info = sub.add_parser("info", parents=[common],
                            help="sample rate, channels, frames, duration and encoding of an audio file")
    p_info.add_argument("file")
    p_info.add_argument("--json", action="store_true", help="one JSON object")
    p_info.set_defaults(func=cmd_info)

    p_export = sub.add_parser("export", parents=[common], help="spectrogram of a file (or a slice) to NPZ or CSV")
    p_export.add_argument("file")
    p_export.add_argument("-o", "--output", required=True, help="OUT.npz or OUT.csv")
    p_export.add_argument("-f", "--force", action="store_true", help="overwrite OUT if it exists")
    add_analysis_options(p_export)
    add_slice_options(p_export)
    p_export.set_defaults(func=cmd_export)

    p_peaks = sub.add_parser("peaks", parents=[common], help="strongest spectral peaks, at sub-bin frequency")
    p_peaks.add_argument("file")
    p_peaks.add_argument("--top", type=positive_int, default=5, help="how many peaks (default 5)")
    p_peaks.add_argument("--json", action="store_true", help="a JSON list, strongest first")
    add_analysis_options(p_peaks)
    add_slice_options(p_peaks)
    p_peaks.set_defaults(func=cmd_peaks)

    from specscope.app.cli import bands, listen, measure

    listen.register(sub, parents=[common])
    bands.register(sub, parents=[common])  # issue 13: fractional-octave Leq of a file
    measure.register(sub, parents=[common])  # issue 15: Raven measurements of a selection table
    from specscope.app.cli import batch as batch_cli  # issue 16: archives on Dask

    batch_cli.register(sub, parents=[common])
    from specscope.app.cli import generate as generate_cli  # issue 14
    from specscope.app.cli import levels as levels_cli

    levels_cli.register(sub, parents=[common])
    generate_cli.register(sub, parents=[common])
    return parser


def _open_slice(args: argparse.Namespace):
    """Open the file, check the settings against it and locate the slice: (reader, cfg, settings, first, n)."""
    from specscope.app.io.audio_file import open_audio

    settings = analysis_settings(args)
    reader = open_audio(args.file)
    try:
        info = reader.info
        cfg = stft_config(settings, info.fs_hz, args.file)
        check_channel(settings, info.channels, args.file)
        first, n = _frame_range(reader, args.start, args.duration)
        if n < cfg.n_fft:
            raise CliError(
                f"{args.file}: {n} samples is shorter than one frame (--n-fft {cfg.n_fft}); use a smaller --n-fft"
            )
    except BaseException:
        reader.close()
        raise
    return reader, cfg, settings, first, n


def _frame_range(reader, start_s: float, duration_s: float | None) -> tuple[int, int]:
    """The slice's (first_frame, n_frames); `start_s` >= 0 and `duration_s` > 0 are finite (argparse checked)."""
    info = reader.info
    if start_s >= info.duration_s:
        raise CliError(f"{info.path}: --start {start_s:g} s is outside the file (0 to {info.duration_s:g} s)")
    if duration_s is not None:
        duration_s = min(duration_s, info.duration_s)  # the slice ends at the file's end anyway
    try:
        return reader.frame_range(start_s, duration_s)
    except ValueError as err:  # the reader's words: start or duration outside the file
        raise CliError(one_line(err)) from None


def cmd_info(args: argparse.Namespace) -> int:
    from specscope.app.io.audio_file import probe

    info = probe(args.file)
    if args.json:
        print(json.dumps(info.as_json()))
    else:
        print(f"file:        {info.path}")
        print(f"sample rate: {info.fs_hz:g} Hz")
        print(f"channels:    {info.channels}")
        print(f"frames:      {info.frames}")
        print(f"duration:    {info.duration_s:.6g} s")
        print(f"encoding:    {info.encoding}")
    if info.truncated:
        print(info.warning, file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from specscope.app.cli.memory import available_memory_bytes, format_bytes
    from specscope.app.cli.progress import ProgressBar
    from specscope.app.io.export import ExportPathError, check_export_path, write_spectrogram
    from specscope.dsp.stft import stft_db_blocks

    try:
        out_path = check_export_path(args.output, inputs=[args.file], overwrite=args.force)
    except ExportPathError as err:
        raise CliError(one_line(err)) from None
    reader, cfg, settings, first, n = _open_slice(args)
    with reader:
        if reader.info.truncated:
            print(reader.info.warning, file=sys.stderr)
        n_frames = cfg.n_frames(n)
        n_bytes = 4 * n_frames * cfg.n_freqs
        advice = "export a slice (--start/--duration) or use a larger --hop"
        if n_bytes > MAX_OUTPUT_BYTES:
            raise CliError(f"{args.file}: the spectrogram would take {format_bytes(n_bytes)} "
                           f"(more than {format_bytes(MAX_OUTPUT_BYTES)}); {advice}")
        available = available_memory_bytes()
        if available is not None and n_bytes + WORK_MARGIN_BYTES > available:
            raise CliError(f"{args.file}: the spectrogram would take {format_bytes(n_bytes)} and only "
                           f"{format_bytes(available)} of memory is available; {advice}")
        log.debug("export %s: %d frames x %d bins (%d bytes), %s", args.file, n_frames, cfg.n_freqs, n_bytes,
                  cfg.describe())
        bar = ProgressBar("analysing")
        try:
            db = stft_db_blocks(reader.blocks(first, n, channel=settings.channel), n, cfg, progress=bar)
        except MemoryError:
            raise CliError(f"{args.file}: not enough memory for the {format_bytes(n_bytes)} spectrogram; "
                           f"{advice}") from None
        finally:
            bar.close()
        if reader.nonfinite_warning:
            print(reader.nonfinite_warning, file=sys.stderr)
    times_s = cfg.frame_times_s(db.shape[1], offset_s=first / cfg.fs_hz)
    try:
        write_spectrogram(out_path, db, times_s, cfg, inputs=[args.file])
    except ExportPathError as err:
        raise CliError(one_line(err)) from None
    except OSError as err:
        raise CliError(f"{out_path}: cannot write: {err.strerror or one_line(err)}") from None
    return 0


def cmd_peaks(args: argparse.Namespace) -> int:
    from specscope.app.cli.progress import ProgressBar
    from specscope.dsp.block_peaks import accumulate_peaks

    reader, cfg, settings, first, n = _open_slice(args)
    with reader:
        if reader.info.truncated:
            print(reader.info.warning, file=sys.stderr)
        bar = ProgressBar("analysing")
        try:
            result = accumulate_peaks(reader.blocks(first, n, channel=settings.channel), cfg, cfg.n_frames(n),
                                      progress=bar)
        finally:
            bar.close()
        if reader.nonfinite_warning:
            print(reader.nonfinite_warning, file=sys.stderr)
    peaks = result.peaks(args.top)
    if args.json:
        print(json.dumps([p.as_json() for p in peaks]))
    else:
        print(f"{'freq_hz':>12} {'level_dbfs':>10} {'bin':>10}")
        for p in peaks:
            print(f"{p.freq_hz:12.3f} {p.level_dbfs:10.2f} {p.bin:10.3f}")
    return 0


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``specscope`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lead = 0
    while lead < len(argv) and argv[lead] in ("-v", "--verbose"):
        lead += 1
    parser = build_parser()
    rest = argv[lead:]
    commands = _subcommands(parser)
    if not rest or (not rest[0].startswith("-") and rest[0] not in commands):
        configure(verbose=lead > 0)
        return _launch_gui(rest, commands)
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, or a one-line usage error
        return done.code if isinstance(done.code, int) else EXIT_BAD_INPUT
    configure(verbose=bool(getattr(args, "verbose", False)))
    if getattr(args, "func", None) is None:
        print("specscope: error: a command is required (see specscope --help)", file=sys.stderr)
        return EXIT_BAD_INPUT
    keep_freed_memory()  # the commands stream in blocks: see specscope.app.process_setup
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Run a parsed subcommand: its status, or 2 for bad input, 1 for a bug, 130 for Ctrl-C."""
    try:
        return int(args.func(args))
    except bad_input_types() as err:
        message = one_line(err)
        log.info("bad input (specscope %s): %s", args.command, message)
        print(f"specscope: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("specscope: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader of our output went away (`specscope peaks F | head -1`): not a bug
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not fail again
        return EXIT_BUG
    except Exception as err:  # a bug: the traceback goes to the log, one line to the user
        print(f"specscope: {log_bug(f'running specscope {args.command}', err)}", file=sys.stderr)
        return EXIT_BUG


def _launch_gui(argv: list[str], commands: list[str]) -> int:
    if len(argv) > 1:
        print(f"specscope: the window takes at most one FILE, got {len(argv)} arguments; "
              "see specscope --help", file=sys.stderr)
        return EXIT_BAD_INPUT
    if argv and not os.path.exists(argv[0]):
        print(f"specscope: no such command or file: {argv[0]!r} (commands: {', '.join(commands)})",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    from specscope.app.gui.launch import launch

    return launch(argv[0] if argv else None)


if __name__ == "__main__":
    sys.exit(main())
