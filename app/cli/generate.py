"""The ``generate`` subcommand: a test signal to a file or to an output device.

Thread: the main thread (the PortAudio callback renders when playing; see
:mod:`specscope.app.output.generator_stream`).

``specscope generate KIND [--level DB] [--frequency HZ] [--start-hz HZ --end-hz HZ]
[--sweep-duration S] [--seconds S] [--samplerate R] [--limit DB] [-o OUT] [--device D]``

KIND is sine, square, white, pink, sweep or silence.  Levels are the
analyser's dBFS (see :mod:`specscope.dsp.generator`): a sine's amplitude; a
noise's RMS equals that of a sine at the same level (so ``pink --level -20``
has RMS 0.0707, which ``specscope levels`` reads as ``rms_dbfs`` -20.0).
The signal fades in and out over ``--fade`` seconds (5 ms).

With ``-o OUT`` (.wav, .flac, .aiff) the file is written in blocks (memory
does not depend on ``--seconds``) to a temporary file beside OUT that is
renamed over OUT only when complete; ``--subtype float`` (32-bit float, the
default for WAV/AIFF) or ``pcm24`` (the default for FLAC).  Without ``-o`` it
plays for ``--seconds`` on ``--device`` (default: the default output).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

from specscope.dsp.generator import KINDS, GeneratorSettings, SignalGenerator

MAX_SECONDS = 24 * 3600.0
WRITE_BLOCK_FRAMES = 8192
FORMATS = {".wav": "WAV", ".flac": "FLAC", ".aiff": "AIFF", ".aif": "AIFF"}
SUBTYPES = {"float": "FLOAT", "pcm24": "PCM_24"}
_OPTION_WORDS = {"level_dbfs": "--level", "limit_dbfs": "--limit", "frequency_hz": "--frequency",
                 "start_hz": "--start-hz", "end_hz": "--end-hz", "duration_s": "--sweep-duration",
                 "fs_hz": "--samplerate", "fade_s": "--fade", "kind": "KIND"}


def register(subparsers, parents: list | None = None) -> None:
    """Add ``generate`` to an argparse subparsers object (``func(args) -> exit status``)."""
    d = GeneratorSettings()
    p = subparsers.add_parser(
        "generate", parents=parents or [], help="a test signal (sine, square, white, pink, sweep, silence) "
                              "to a file or an output device")
    p.add_argument("kind", metavar="KIND", help=", ".join(KINDS))
    p.add_argument("--level", type=float, default=d.level_dbfs,
                   help=f"dBFS, <= 0: a sine's amplitude, a noise's RMS as a sine's (default {d.level_dbfs:g})")
    p.add_argument("--frequency", type=float, default=d.frequency_hz, help="sine/square Hz (default 1000)")
    p.add_argument("--start-hz", type=float, default=d.start_hz, help="sweep start Hz (default 20)")
    p.add_argument("--end-hz", type=float, default=d.end_hz, help="sweep end Hz (default 20000)")
    p.add_argument("--sweep-duration", type=float, default=None,
                   help="seconds per sweep, repeating (default: --seconds, one sweep)")
    p.add_argument("--seconds", type=float, default=10.0, help="length in seconds (default 10)")
    p.add_argument("--samplerate", type=float, default=None,
                   help="Hz (default 48000 for a file, the device's rate when playing)")
    p.add_argument("--limit", type=float, default=d.limit_dbfs,
                   help="ceiling in dBFS, <= 0: the gain is lowered so no sample exceeds it (default 0)")
    p.add_argument("--fade", type=float, default=d.fade_s, help=f"fade in/out seconds (default {d.fade_s:g})")
    p.add_argument("--seed", type=int, default=d.seed, help="noise seed (default 0)")
    p.add_argument("-o", "--output", default=None, help="write OUT.wav / .flac / .aiff instead of playing")
    p.add_argument("--subtype", choices=sorted(SUBTYPES), default=None,
                   help="file sample format: float (default for WAV/AIFF) or pcm24 (default for FLAC)")
    p.add_argument("--device", default=None, help="output device index or name when playing (default: the default)")
    p.set_defaults(func=cmd_generate)


def _bad(message: str) -> int:
    print(f"specscope: {message}", file=sys.stderr)
    return 2


def settings_from_args(args: argparse.Namespace, fs_hz: float) -> GeneratorSettings:
    """The :class:`GeneratorSettings` the options describe; ValueError names the option."""
    if args.kind not in KINDS:
        raise ValueError(f"KIND must be one of {', '.join(KINDS)}, got {args.kind!r}")
    sweep_s = args.sweep_duration if args.sweep_duration is not None else args.seconds
    try:
        return GeneratorSettings(kind=args.kind, fs_hz=fs_hz, frequency_hz=args.frequency, level_dbfs=args.level,
                                 start_hz=args.start_hz, end_hz=args.end_hz, duration_s=sweep_s,
                                 limit_dbfs=args.limit, fade_s=args.fade, seed=args.seed)
    except ValueError as err:
        text = str(err)
        for name, option in _OPTION_WORDS.items():
            text = text.replace(name, option)
        raise ValueError(text) from None


def write_signal(path: Path, settings: GeneratorSettings, seconds: float, subtype: str) -> int:
    """Write `seconds` of the signal, faded out at the end, atomically (temp file + rename); frames written.

    The samples equal :func:`specscope.dsp.generator.generate` (before the file's quantisation).
    """
    import numpy as np
    import soundfile as sf

    n = round(seconds * settings.fs_hz)
    gen = SignalGenerator(settings, max_frames=WRITE_BLOCK_FRAMES)
    body = max(0, n - (gen.n_fade + 1))
    buf = np.empty(WRITE_BLOCK_FRAMES, np.float32)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        with sf.SoundFile(tmp, "w", samplerate=round(settings.fs_hz), channels=1, subtype=subtype,
                          format=FORMATS[path.suffix.lower()]) as f:
            done = 0
            while done < n:
                if done == body:
                    gen.stop()
                m = min(WRITE_BLOCK_FRAMES, (body if done < body else n) - done)
                f.write(gen.render(m, buf[:m]))
                done += m
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def cmd_generate(args: argparse.Namespace) -> int:
    """Write or play the signal; see the module docstring."""
    from specscope.app.live.devices import DeviceError

    if not (math.isfinite(args.seconds) and 0 < args.seconds <= MAX_SECONDS):
        return _bad(f"--seconds must be in (0, {MAX_SECONDS:g}] s, got {args.seconds!r}")
    if args.samplerate is not None and not (math.isfinite(args.samplerate) and 1000 <= args.samplerate <= 768000):
        return _bad(f"--samplerate must be 1000 .. 768000 Hz, got {args.samplerate!r}")
    if args.output is not None and args.device is not None:
        return _bad("-o writes a file and --device plays on a device: give one of them")
    try:
        if args.output is not None:
            return _write(args)
        return _play(args)
    except (ValueError, DeviceError) as err:
        return _bad(" ".join(str(err).split()))


def _write(args: argparse.Namespace) -> int:
    path = Path(args.output)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: the output must end in {', '.join(FORMATS)}")
    if not path.parent.is_dir():
        raise ValueError(f"{path}: folder {str(path.parent)!r} does not exist")
    subtype = SUBTYPES[args.subtype or ("pcm24" if suffix == ".flac" else "float")]
    if suffix == ".flac" and subtype == "FLOAT":
        raise ValueError("FLAC holds integer samples only: use --subtype pcm24")
    settings = settings_from_args(args, args.samplerate or 48000.0)
    try:
        write_signal(path, settings, args.seconds, subtype)
    except OSError as err:
        raise ValueError(f"{path}: cannot write: {err.strerror or err}") from None
    return 0


def _play(args: argparse.Namespace) -> int:
    from specscope.app.output.generator_stream import GeneratorStream, resolve_output_device

    device = resolve_output_device(args.device)
    settings = settings_from_args(args, args.samplerate or device.default_fs_hz)
    n = round(args.seconds * settings.fs_hz)
    stream = GeneratorStream(settings, device=device.index, n_frames=n)
    stream.start()
    try:
        stream.wait(args.seconds + 5.0)
    except KeyboardInterrupt:
        print("specscope: interrupted", file=sys.stderr)
    finally:
        stream.stop()
    if stream.n_underflows:
        print(f"specscope: {stream.n_underflows} output underflow(s)", file=sys.stderr)
    return 0
