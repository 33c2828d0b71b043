"""The ``specscope`` command: the GUI, and file analysis on the command line.

Thread: the main thread.

``specscope`` alone opens the window on the default input device;
``specscope FILE`` opens a file in it.  Subcommands work without a screen:
``info``, ``export``, ``peaks`` (files) and ``devices``, ``listen`` (live
input).  Bad input prints one line to standard error and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from specscope.dsp.config import StftConfig

EXIT_BAD_INPUT = 2
MAX_OUTPUT_BYTES = 4 << 30
"""Largest spectrogram `export` will hold in memory (4 GiB); beyond it, ask for a slice."""


class CliError(Exception):
    """A one-line message for the user; the command exits with status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="specscope",
        description="Real-time audio spectrogram. Without a command, opens the window "
        "(on the default input device, or on FILE if given).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_info = sub.add_parser("info", help="sample rate, channels, frames, duration and encoding of an audio file")
    p_info.add_argument("file")
    p_info.add_argument("--json", action="store_true", help="one JSON object")
    p_info.set_defaults(func=cmd_info)

    p_export = sub.add_parser("export", help="spectrogram of a file (or a slice) to NPZ or CSV")
    p_export.add_argument("file")
    p_export.add_argument("-o", "--output", required=True, help="OUT.npz or OUT.csv")
    _add_stft_options(p_export)
    p_export.set_defaults(func=cmd_export)

    p_peaks = sub.add_parser("peaks", help="strongest spectral peaks, at sub-bin frequency")
    p_peaks.add_argument("file")
    p_peaks.add_argument("--top", type=int, default=5, help="how many peaks (default 5)")
    p_peaks.add_argument("--json", action="store_true", help="a JSON list, strongest first")
    _add_stft_options(p_peaks)
    p_peaks.set_defaults(func=cmd_peaks)

    try:
        from specscope.app.cli import listen as listen_cli
    except ImportError:
        listen_cli = None  # type: ignore[assignment]
    if listen_cli is not None:
        listen_cli.register(sub)
    from specscope.app.cli import generate as generate_cli
    from specscope.app.cli import levels as levels_cli

    levels_cli.register(sub)
    generate_cli.register(sub)
    return parser


def _add_stft_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("analysis")
    g.add_argument("--n-fft", type=int, default=2048, help="frame length in samples, even, 16..131072 (default 2048)")
    g.add_argument("--hop", type=int, default=None, help="frame advance in samples (default n_fft/4)")
    g.add_argument("--window", default="hann", help="hann, hamming, blackman, blackmanharris, flattop, rect, "
                   "kaiser:BETA, gaussian:SIGMA (default hann)")
    g.add_argument("--zero-pad", type=int, default=1, help="FFT length factor 1, 2, 4 or 8 (default 1)")
    g.add_argument("--channel", default="mix", help="'mix' (mean of channels, default) or a 0-based channel index")
    g.add_argument("--start", type=float, default=0.0, help="start of the slice in seconds (default 0)")
    g.add_argument("--duration", type=float, default=None, help="length of the slice in seconds (default: to the end)")


def _channel(text: str) -> str | int:
    if text == "mix":
        return "mix"
    try:
        return int(text)
    except ValueError:
        raise CliError(f"--channel must be 'mix' or a channel index, got {text!r}") from None


def _config(args: argparse.Namespace, fs_hz: float) -> StftConfig:
    hop = args.hop if args.hop is not None else max(1, args.n_fft // 4)
    try:
        return StftConfig(fs_hz=fs_hz, n_fft=args.n_fft, hop=hop, window=args.window, zero_pad=args.zero_pad)
    except ValueError as err:
        raise CliError(str(err).replace("n_fft", "--n-fft").replace("zero_pad", "--zero-pad")) from None


def _open_slice(args: argparse.Namespace):
    """Open the file, build the config and locate the slice; (reader, cfg, first_frame, n_frames)."""
    from specscope.app.io.audio_file import open_audio

    reader = open_audio(args.file)
    try:
        cfg = _config(args, reader.info.fs_hz)
        channel = _channel(args.channel)
        first, n = reader.frame_range(args.start, args.duration)
        if n < cfg.n_fft:
            raise CliError(
                f"{args.file}: {n} samples is shorter than one frame (--n-fft {cfg.n_fft}); use a smaller --n-fft"
            )
        # Validate the channel before any long work starts.
        next(iter(reader.blocks(first, 1, channel=channel)), None)
    except BaseException:
        reader.close()
        raise
    return reader, cfg, channel, first, n


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
    from specscope.app.cli.progress import ProgressBar
    from specscope.app.io.export import check_export_path, write_spectrogram
    from specscope.dsp.stft import stft_db_blocks

    try:
        out_path = check_export_path(args.output)
    except ValueError as err:
        raise CliError(str(err)) from None
    reader, cfg, channel, first, n = _open_slice(args)
    with reader:
        if reader.info.truncated:
            print(reader.info.warning, file=sys.stderr)
        n_frames = cfg.n_frames(n)
        n_bytes = 4 * n_frames * cfg.n_freqs
        if n_bytes > MAX_OUTPUT_BYTES:
            raise CliError(
                f"{args.file}: the spectrogram would take {n_bytes / 2**30:.1f} GiB; "
                "export a slice (--start/--duration) or use a larger --hop"
            )
        bar = ProgressBar("analysing")
        try:
            db = stft_db_blocks(reader.blocks(first, n, channel=channel), n, cfg, progress=bar)
        finally:
            bar.close()
    times_s = cfg.frame_times_s(db.shape[1], offset_s=first / cfg.fs_hz)
    try:
        write_spectrogram(out_path, db, times_s, cfg)
    except OSError as err:
        raise CliError(f"{out_path}: cannot write: {err.strerror or err}") from None
    return 0


def cmd_peaks(args: argparse.Namespace) -> int:
    from specscope.app.cli.progress import ProgressBar
    from specscope.dsp.peaks import PeakAccumulator
    from specscope.dsp.stft import StreamingStft

    if args.top < 1:
        raise CliError(f"--top must be at least 1, got {args.top}")
    reader, cfg, channel, first, n = _open_slice(args)
    with reader:
        if reader.info.truncated:
            print(reader.info.warning, file=sys.stderr)
        n_frames = cfg.n_frames(n)
        acc = PeakAccumulator(cfg, n_frames)
        stream = StreamingStft(cfg, keep_spectrum=True)
        bar = ProgressBar("analysing")
        try:
            for block in reader.blocks(first, n, channel=channel):
                _, spectra = stream.push(block)
                if spectra is not None and spectra.shape[0]:
                    acc.add(spectra)
                    bar(stream.n_frames_out, n_frames)
        finally:
            bar.close()
    peaks = acc.peaks(args.top)
    if args.json:
        print(json.dumps([p.as_json() for p in peaks]))
    else:
        print(f"{'freq_hz':>12} {'level_dbfs':>10} {'bin':>10}")
        for p in peaks:
            print(f"{p.freq_hz:12.3f} {p.level_dbfs:10.2f} {p.bin:10.3f}")
    return 0


def _is_subcommand(parser: argparse.ArgumentParser, word: str) -> bool:
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        if isinstance(action, argparse._SubParsersAction) and word in action.choices:
            return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``specscope`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or (not argv[0].startswith("-") and not _is_subcommand(parser, argv[0])):
        return _launch_gui(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as err:
        print(f"specscope: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("specscope: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # one line for expected failures; see _is_user_error
        if _is_user_error(err):
            print(f"specscope: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
        raise


def _is_user_error(err: Exception) -> bool:
    """Errors caused by the input (a bad file, device or value), not by a bug."""
    from specscope.app.io.audio_file import AudioFileError

    user_errors: tuple[type[Exception], ...] = (AudioFileError, ValueError)
    try:
        from specscope.app.live.devices import DeviceError

        user_errors += (DeviceError,)
    except ImportError:
        pass
    return isinstance(err, user_errors)


def _launch_gui(argv: list[str]) -> int:
    if len(argv) > 1:
        print("specscope: the window takes at most one FILE; see specscope --help", file=sys.stderr)
        return EXIT_BAD_INPUT
    from specscope.app.gui.launch import launch

    return launch(argv[0] if argv else None)


if __name__ == "__main__":
    sys.exit(main())
