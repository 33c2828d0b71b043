"""The ``bands`` subcommand (fractional-octave Leq of a file) and ``listen --bands`` (band levels each second).

Thread: the main thread; for ``listen --bands`` the :class:`BandReporter` runs
in the pipeline's worker thread and hands plain dicts to the main thread
through a queue.

``specscope bands FILE`` prints the equivalent level (Leq) of every
1/b-octave band over the file or a slice: the band powers
(:class:`~specscope.dsp.octave_bands.BandPowers`) of the mean power spectrum of
all frames, read in blocks (memory bounded by one block and one frame chunk,
whatever the file's length).  With the default frame of 16384 samples and hop
of N/4 (Hann, whose square adds up to a constant at that hop, so every sample
inside the slice counts equally), 1/3-octave bands are resolved from about
50 Hz at 48 kHz; narrower bands are reported with ``resolved: false``.
``--calibration-offset DB`` adds an offset (levels then in dB SPL) and
``--mic-response FILE`` corrects every bin by the microphone's deviation
before the bands are summed.  ``--json`` prints a list of objects with the
keys ``center_hz`` (exact mid-band), ``nominal_hz``, ``low_hz``, ``high_hz``,
``level_db`` and ``resolved``.

Bad input (a missing or unreadable file, an option out of range, a bad
response file) prints one line on standard error and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import queue
import sys
from collections.abc import Iterable

import numpy as np

from specscope.app.cli.options import OptionError, add_analysis_options, add_slice_options, analysis_settings
from specscope.app.model.measurement import LiveMeasurement, MeasurementSettings
from specscope.dsp.config import StftConfig

EXIT_BAD_INPUT = 2
BANDS_N_FFT = 16384
"""Default frame length of ``specscope bands``: resolves 1/3-octave bands from about 50 Hz at 48 kHz."""
CHUNK_FRAMES = 256
"""Frames transformed at once (bounds the scratch memory: 256 x N float32)."""
REPORT_EVERY_S = 1.0


def register(subparsers, parents: list | None = None) -> None:
    """Add ``bands`` to an argparse subparsers object (``func(args) -> exit status``)."""
    p = subparsers.add_parser("bands", parents=parents or [],
                              help="equivalent level (Leq) of every 1/1 .. 1/24-octave band of a file")
    p.add_argument("file")
    p.add_argument("--fraction", type=int, choices=(1, 3, 6, 12, 24), default=3,
                   help="1/FRACTION octave bands (default 3)")
    p.add_argument("--weighting", type=str.upper, choices=("A", "C", "Z"), default="Z",
                   help="frequency weighting (IEC 61672-1; default Z, none)")
    p.add_argument("--json", action="store_true", help="a JSON list of objects, one per band")
    add_calibration_options(p)
    add_analysis_options(p)
    add_slice_options(p)
    _set_default(p, "n_fft", BANDS_N_FFT, f"frame length in samples, even, 16..131072 (default {BANDS_N_FFT})")
    p.set_defaults(func=cmd_bands)


def add_calibration_options(p: argparse.ArgumentParser) -> None:
    """``--calibration-offset DB`` and ``--mic-response FILE``."""
    p.add_argument("--calibration-offset", type=float, default=None, metavar="DB",
                   help="dB SPL of a 0 dBFS sine (from a calibrator); levels are then in dB SPL")
    p.add_argument("--mic-response", default=None, metavar="FILE",
                   help="measurement-microphone response file (frequency Hz, dB), corrected in every bin")


def _set_default(p: argparse.ArgumentParser, dest: str, value: object, help_text: str) -> None:
    for action in p._actions:
        if action.dest == dest:
            action.default, action.help = value, help_text


def _bad(message: str) -> int:
    print(f"specscope: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _measurement_settings(args: argparse.Namespace, fraction: int) -> MeasurementSettings:
    offset = args.calibration_offset
    if offset is not None and not math.isfinite(offset):
        raise OptionError(f"--calibration-offset must be a finite number of dB, got {offset!r}")
    try:
        return MeasurementSettings(averaging="none", weighting=args.weighting, fraction=fraction, offset_db=offset)
    except ValueError as err:
        raise OptionError(str(err).replace("calibration offset", "--calibration-offset")) from None


def _response(args: argparse.Namespace):
    from specscope.dsp.calibration import load_mic_response

    if args.mic_response is None:
        return None
    try:
        return load_mic_response(args.mic_response)
    except OSError as err:
        raise OptionError(f"{args.mic_response}: cannot read: {err.strerror or err}") from None
    except ValueError as err:
        raise OptionError(str(err)) from None


def mean_power_spectrum(blocks: Iterable[np.ndarray], cfg: StftConfig, progress=None, total: int = 0):
    """Mean over all frames of the one-sided power spectrum ``mag**2``, from blocks of mono samples.

    Returns
    -------
    (numpy.ndarray, int)
        float64 (n_freqs,) mean power and the number of frames (0: shorter than one frame).
    """
    from specscope.dsp.stft import FrameKernel, frame_view

    kernel = FrameKernel(cfg)
    n_fft, hop = cfg.n_fft, cfg.hop
    total_power = np.zeros(cfg.n_freqs)
    scratch = np.empty((CHUNK_FRAMES, n_fft), np.float32)
    carry = np.empty(0, np.float32)
    n_frames = n_in = 0
    for block in blocks:
        n_in += block.shape[0]
        buf = np.concatenate([carry, np.asarray(block, np.float32)]) if carry.size else np.asarray(block, np.float32)
        m = 0 if buf.shape[0] < n_fft else 1 + (buf.shape[0] - n_fft) // hop
        frames = frame_view(buf, n_fft, hop)[:m] if m else buf[:0]
        for a in range(0, m, CHUNK_FRAMES):
            spec = kernel.spectrum(frames[a : a + CHUNK_FRAMES], scratch=scratch)
            total_power += np.einsum("ij,ij->j", spec.real, spec.real, dtype=np.float64)
            total_power += np.einsum("ij,ij->j", spec.imag, spec.imag, dtype=np.float64)
        n_frames += m
        carry = buf[m * hop :].copy()
        if progress is not None:
            progress(n_in, total)
    if n_frames == 0:
        return total_power, 0
    return total_power * kernel.power_scale.astype(np.float64) / n_frames, n_frames


def band_rows(snapshot) -> list[dict]:
    """The JSON objects of a :class:`~specscope.app.model.measurement.MeasurementSnapshot`'s bands."""
    b = snapshot.bands
    return [
        {
            "center_hz": float(b.centers_hz[j]),
            "nominal_hz": float(b.nominal_hz[j]),
            "low_hz": float(b.low_hz[j]),
            "high_hz": float(b.high_hz[j]),
            "level_db": round(float(snapshot.band_db[j]), 3),
            "resolved": bool(snapshot.resolved[j]),
        }
        for j in range(b.n_bands)
    ]


def cmd_bands(args: argparse.Namespace) -> int:
    """Print the Leq of every band; see the module docstring."""
    from specscope.app.cli.progress import ProgressBar
    from specscope.app.io.audio_file import AudioFileError, open_audio

    try:
        analysis = analysis_settings(args)
        settings = _measurement_settings(args, args.fraction)
        response = _response(args)
        reader = open_audio(args.file)
    except (OptionError, AudioFileError) as err:
        return _bad(str(err))
    with reader:
        try:
            cfg = analysis.stft_config(reader.info.fs_hz)
            analysis.check_channel(reader.info.channels)
            first, n = reader.frame_range(args.start, args.duration)
        except (ValueError, AudioFileError) as err:
            return _bad(str(err) if args.file in str(err) else f"{args.file}: {err}")
        if reader.info.fs_hz / 2 <= 25.0:
            return _bad(f"{args.file}: sample rate {reader.info.fs_hz:g} Hz holds no audio band")
        if n < cfg.n_fft:
            return _bad(f"{args.file}: {n} samples is shorter than one frame (--n-fft {cfg.n_fft}); "
                        "use a smaller --n-fft")
        if reader.info.truncated:
            print(reader.info.warning, file=sys.stderr)
        bar = ProgressBar("analysing")
        try:
            power, _ = mean_power_spectrum(reader.blocks(first, n, channel=analysis.channel), cfg, bar, n)
        except AudioFileError as err:
            return _bad(str(err))
        finally:
            bar.close()
    measurement = LiveMeasurement(settings, response)
    measurement.push_power(power, cfg)
    snap = measurement.snapshot()
    rows = band_rows(snap)
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"# {args.file}: Leq per 1/{args.fraction}-octave band, {snap.unit}, {cfg.describe()}")
    print(f"{'nominal_hz':>10} {'center_hz':>12} {'low_hz':>12} {'high_hz':>12} {'level_db':>9}  resolved")
    for r in rows:
        print(f"{r['nominal_hz']:10g} {r['center_hz']:12.3f} {r['low_hz']:12.3f} {r['high_hz']:12.3f} "
              f"{r['level_db']:9.2f}  {'yes' if r['resolved'] else 'no'}")
    return 0


# --- specscope listen --bands -----------------------------------------------------------------
def add_listen_band_options(p: argparse.ArgumentParser) -> None:
    """``--bands``, ``--weighting`` and the calibration options of ``specscope listen``."""
    p.add_argument("--bands", type=int, choices=(1, 3, 6, 12, 24), default=None, metavar="FRACTION",
                   help="print 1/FRACTION-octave band levels (Fast-averaged) each second instead of the peak")
    p.add_argument("--weighting", type=str.upper, choices=("A", "C", "Z"), default="Z",
                   help="frequency weighting of the band levels (default Z)")
    add_calibration_options(p)


class BandReporter:
    """``on_frames`` for ``listen --bands``: feeds a :class:`LiveMeasurement` (Fast exponential averaging)
    and puts one dict per second of audio into `out`: ``t_s``, ``unit``, ``bands`` (``nominal_hz``,
    ``level_db``, ``resolved`` each).  Worker thread.

    Raises
    ------
    OptionError
        From the constructor, for a bad option (before the pipeline starts).
    """

    def __init__(self, args: argparse.Namespace, out: queue.SimpleQueue) -> None:
        self._measurement = LiveMeasurement(_measurement_settings(args, args.bands).replace(averaging="exponential"),
                                            _response(args))
        self._out = out
        self._next_s: float | None = None
        self.t_s = 0.0

    def __call__(self, frames) -> None:
        self._measurement.push(frames)
        for f in frames:
            self.t_s = f.t_s
        if not frames:
            return
        if self._next_s is None:
            self._next_s = frames[0].t_s + REPORT_EVERY_S
        if self.t_s >= self._next_s:
            self._next_s += REPORT_EVERY_S * max(1, math.floor((self.t_s - self._next_s) / REPORT_EVERY_S) + 1)
            snap = self._measurement.snapshot()
            bands = [{"nominal_hz": r["nominal_hz"], "level_db": round(r["level_db"], 2), "resolved": r["resolved"]}
                     for r in band_rows(snap)]
            self._out.put({"t_s": round(self.t_s, 6), "unit": snap.unit, "bands": bands})


def format_band_report(rep: dict, as_json: bool) -> str:
    """One line: the JSON object, or ``t 3.00 s  dB(A)  20 -80.1  25 -78.3 ...`` (under-resolved in brackets)."""
    if as_json:
        return json.dumps(rep)
    cells = [f"{b['nominal_hz']:g} " + (f"{b['level_db']:.1f}" if b["resolved"] else f"({b['level_db']:.1f})")
             for b in rep["bands"]]
    return f"t {rep['t_s']:8.2f} s  {rep['unit']}  " + "  ".join(cells)

