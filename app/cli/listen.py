"""The ``devices`` and ``listen`` subcommands: live input without a window.

Thread: the main thread prints; the pipeline's worker thread (see
:mod:`specscope.app.live.pipeline`) hands frames over through a queue.

``specscope listen`` prints one line per second of audio: that moment's
frame's interpolated peak (Hz, dBFS) and RMS (dBFS), the cumulative frame, overflow
and dropped-frame counters and the median latency of that second's frames.
With ``--json`` each line is a JSON object with the keys ``t_s``, ``peak_hz``,
``peak_dbfs``, ``rms_dbfs``, ``frames``, ``overflows``, ``dropped`` and
``latency_ms``; the run ends with an object holding ``"summary": true`` and
the totals.  A lost device ends the run within two seconds with a message on
standard error, the summary and exit status 1; Ctrl-C ends it with the
summary and status 0.

The analysis options are the shared ones (:mod:`specscope.app.cli.options`);
the channel is checked against the device's or file's channels.  Bad input
(an unknown device, an impossible option) raises and is reported by
:func:`specscope.app.cli.main.run`: one line, status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import queue
import sys

from specscope.app.cli.errors import CliError
from specscope.app.cli.options import add_analysis_options, analysis_settings, check_channel, stft_config
from specscope.app.logs import one_line
from specscope.app.model.readouts import is_silent

EXIT_SOURCE_FAILED = 1
REPORT_EVERY_S = 1.0


def register(subparsers, parents: list | None = None) -> None:
    """Add ``devices`` and ``listen`` to an argparse subparsers object (``func(args) -> exit status``)."""
    parents = parents or []
    p_dev = subparsers.add_parser("devices", parents=parents,
                                  help="list audio input devices (the default one marked with *)")
    p_dev.add_argument("--json", action="store_true", help="a JSON list of objects")
    p_dev.set_defaults(func=cmd_devices)

    p = subparsers.add_parser(
        "listen", parents=parents,
        help="run the live pipeline headless: peak, level and health once a second (a terminal tuner)",
    )
    p.add_argument("--device", default=None, help="input device index or name (default: the default input)")
    p.add_argument("--samplerate", type=float, default=None, help="sample rate in Hz (default: the device's)")
    p.add_argument("--channels", type=int, default=None, help="channels to record (default: enough for --channel)")
    p.add_argument("--latency", default="low", help="PortAudio input latency: low, high or seconds (default low)")
    p.add_argument("--blocksize", type=int, default=None,
                   help="samples per callback (default: about 20 ms of audio; 0: whatever PortAudio delivers, "
                        "the lowest latency and the most CPU)")
    p.add_argument(
        "--seconds", type=float, default=None, help="stop after this many seconds of audio (default: at Ctrl-C)",
    )
    p.add_argument("--file", default=None, help="play an audio file at real-time pace instead of a device")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    add_analysis_options(p)
    from specscope.app.cli.bands import add_listen_band_options  # issue 13: --bands, --weighting, calibration

    add_listen_band_options(p)
    p.add_argument("--levels", action="store_true",
                   help="add momentary and short-term loudness (LUFS) and true peak (dBTP) to each line")
    p.set_defaults(func=cmd_listen)


def cmd_devices(args: argparse.Namespace) -> int:
    """Print the input devices; exit status 0 (an empty list is not an error here)."""
    from specscope.app.live.devices import DeviceError, list_input_devices

    try:
        devices = list_input_devices()
    except (DeviceError, OSError) as err:
        raise CliError(f"cannot list devices: {one_line(err)}") from None
    if args.json:
        print(json.dumps([d.as_json() for d in devices]))
        return 0
    if not devices:
        print("no input devices found")
        return 0
    print(f"  {'index':>5}  {'name':<32} {'host API':<12} {'in ch':>5} {'default Hz':>10}")
    for d in devices:
        mark = "*" if d.is_default else " "
        print(f"{mark} {d.index:>5}  {d.name:<32} {d.hostapi:<12} {d.max_input_channels:>5} {d.default_fs_hz:>10g}")
    return 0


def _open_source(args: argparse.Namespace, channel: str | int):
    """The file or device to listen to (not started yet).

    Raises
    ------
    CliError, DeviceError
        For a file that cannot be played or a device that cannot be used.
    """
    from specscope.app.live.capture import CaptureSource
    from specscope.app.live.file_source import FileSource, FileSourceError

    if args.file is not None:
        if args.device is not None or args.samplerate is not None or args.channels is not None:
            raise CliError("--file plays a file: it takes no --device, --samplerate or --channels")
        try:
            return FileSource(args.file, realtime=True)
        except FileSourceError as err:
            raise CliError(one_line(err)) from None
    channels = args.channels
    if channels is None and isinstance(channel, int):
        channels = channel + 1
    return CaptureSource(device=args.device, fs_hz=args.samplerate, channels=channels, latency=args.latency,
                         blocksize=args.blocksize)


class _Reporter:
    """Turns frames into one report per second of audio (worker thread) for the main thread to print."""

    def __init__(self, pipeline_stats, out: queue.SimpleQueue, extra=None) -> None:
        self._extra = extra  # () -> dict of more fields (listen --levels), worker thread
        self._stats = pipeline_stats
        self._out = out
        self._next_s: float | None = None
        self._latencies: list[float] = []
        self._peak = None
        self.t_s = 0.0

    def __call__(self, frames) -> None:
        for f in frames:
            if self._next_s is None:
                self._next_s = f.t_s + REPORT_EVERY_S
            if f.latency_ms is not None:
                self._latencies.append(f.latency_ms)
            if f.peak is not None:
                self._peak = f.peak  # the worker estimates about 10 per second: the newest is < 0.1 s old
            self.t_s = f.t_s
            if f.t_s >= self._next_s:
                self._next_s += REPORT_EVERY_S * max(1, math.floor((f.t_s - self._next_s) / REPORT_EVERY_S) + 1)
                self._emit(f)

    def _emit(self, f) -> None:
        st = self._stats()
        peak = self._peak
        if peak is not None and is_silent(peak.level_dbfs):
            peak = None  # digital silence has no peak
        lat = float(sorted(self._latencies)[len(self._latencies) // 2]) if self._latencies else None
        self._latencies = []
        self._out.put(
            ({} if self._extra is None else self._extra()) | {
                "t_s": round(f.t_s, 6),
                "peak_hz": None if peak is None else peak.freq_hz,
                "peak_dbfs": None if peak is None else peak.level_dbfs,
                "rms_dbfs": f.rms_dbfs,
                "frames": st.frames,
                "overflows": st.overflows,
                "dropped": st.dropped,
                "latency_ms": lat,
            }
        )


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _print_line(rep: dict, as_json: bool) -> None:
    if "bands" in rep:  # issue 13: a BandReporter's line
        from specscope.app.cli.bands import format_band_report

        print(format_band_report(rep, as_json), flush=True)
        return
    if as_json:
        print(json.dumps(rep), flush=True)
        return
    print(
        f"t {rep['t_s']:8.2f} s  peak {_fmt(rep['peak_hz'], '10.3f')} Hz {_fmt(rep['peak_dbfs'], '7.2f')} dBFS  "
        f"rms {_fmt(rep['rms_dbfs'], '7.2f')} dBFS  frames {rep['frames']}  overflows {rep['overflows']}  "
        f"dropped {rep['dropped']}  latency {_fmt(rep['latency_ms'], '.1f')} ms"
        + (_levels_text(rep) if "momentary_lufs" in rep else ""),
        flush=True,
    )


def _summary(pipe, source, t_s: float, error: str | None) -> dict:
    st = pipe.stats()
    return {
        "summary": True,
        "source": source.name,
        "fs_hz": pipe.fs_hz,
        "t_s": round(t_s, 6),
        "frames": st.frames,
        "samples_in": st.samples_in,
        "overflows": st.overflows,
        "overwritten": st.overwritten,
        "dropped": st.dropped,
        "latency_ms_median": st.latency_ms_median,
        "latency_ms_p95": st.latency_ms_p95,
        "dsp_ms_per_frame": st.dsp_ms_per_frame,
        "error": error,
    }


def _print_summary(summary: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary), flush=True)
        return
    print(
        f"summary: {summary['t_s']:.2f} s of {summary['source']} at {summary['fs_hz']:g} Hz, "
        f"{summary['frames']} frames, {summary['overflows']} overflows, {summary['overwritten']} samples overwritten, "
        f"{summary['dropped']} frames dropped, latency median {_fmt(summary['latency_ms_median'], '.1f')} ms, "
        f"p95 {_fmt(summary['latency_ms_p95'], '.1f')} ms"
        + (f", error: {summary['error']}" if summary["error"] else ""),
        flush=True,
    )


def cmd_listen(args: argparse.Namespace) -> int:
    """Run the live pipeline headless; see the module docstring for the output."""
    from specscope.app.live.pipeline import Pipeline

    if args.seconds is not None and not (math.isfinite(args.seconds) and args.seconds > 0):
        raise CliError(f"--seconds must be a positive number, got {args.seconds!r}")
    settings = analysis_settings(args)
    channel = settings.channel
    source = _open_source(args, channel)
    check_channel(settings, source.channels, source.name)
    cfg = stft_config(settings, source.fs_hz, source.name)

    reports: queue.SimpleQueue = queue.SimpleQueue()
    errors: queue.SimpleQueue = queue.SimpleQueue()
    ended: queue.SimpleQueue = queue.SimpleQueue()
    holder: dict = {}
    levels = _listen_levels(source) if args.levels else None  # issue 14: loudness and true peak each second
    reporter = _Reporter(lambda: holder["pipe"].stats(), reports, extra=levels and levels.fields)
    if args.bands is not None:  # issue 13: band levels each second instead of the peak line
        from specscope.app.cli.bands import BandReporter

        try:
            reporter = BandReporter(args, reports)
        except ValueError as err:
            raise CliError(one_line(err)) from None
    pipe = Pipeline(source, cfg, channel=channel, on_frames=reporter, on_error=errors.put, on_end=lambda: ended.put(1),
                    on_block=levels)
    holder["pipe"] = pipe
    pipe.start()  # a DeviceError here is bad input: one line, status 2
    error = None
    n_lines = 0
    try:
        while True:
            try:
                rep = reports.get(timeout=0.05)
            except queue.Empty:
                rep = None
            if rep is not None:
                _print_line(rep, args.json)
                n_lines += 1
                if args.seconds is not None and rep["t_s"] >= args.seconds:
                    break
                continue
            if not errors.empty():
                error = errors.get()
                break
            if not ended.empty() or (not pipe.running and pipe.error is None):
                break
    except KeyboardInterrupt:
        pass
    finally:
        pipe.stop()
    while not reports.empty() and error is not None:
        _print_line(reports.get(), args.json)
    if error is not None:
        print(f"specscope: {error}", file=sys.stderr, flush=True)
    _print_summary(_summary(pipe, source, reporter.t_s, error), args.json)
    return EXIT_SOURCE_FAILED if error is not None else 0


def _listen_levels(source):
    from specscope.app.cli.levels import ListenLevels

    return ListenLevels(source.fs_hz, source.channels)


def _levels_text(rep: dict) -> str:
    from specscope.app.cli.levels import ListenLevels

    return ListenLevels.text(rep)


def main(argv: list[str] | None = None) -> int:
    """``python -m specscope.app.cli.listen ARGS``: the same as ``specscope ARGS`` (``devices`` or ``listen``)."""
    from specscope.app.cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
