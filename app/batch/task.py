"""The per-file batch task: read a file once, write its outputs atomically, report what happened.

Thread: a Dask worker's task thread (one per worker process, so
``threads_per_worker=1``); everything it needs arrives in a picklable
:class:`FileJob` and everything it reports leaves in a :class:`FileResult`.

One pass over the file feeds every output: each chunk of frames is
transformed once by the engine of :mod:`specscope.dsp.stft`
(:func:`~specscope.dsp.stft.frame_segments` and
:class:`~specscope.dsp.stft.FrameKernel`, the chunks ``stft_db_blocks`` uses,
so the NPZ is bit-identical to ``specscope export``); its complex spectrum
goes to the dB image (NPZ, PNG), to a :class:`~specscope.dsp.peaks.PeakAccumulator`
(peaks, as ``specscope peaks``) and to an
:class:`~specscope.dsp.ltsa.LtsaAccumulator` (LTSA).  Memory beyond the NPZ's
image is one chunk of frames.

Each worker process is set up once, on its first task
(:func:`~specscope.app.process_setup.keep_freed_memory`): glibc's allocator is
told to keep freed memory (Dask's nanny starts workers
with ``MALLOC_TRIM_THRESHOLD_=65536``, which disables glibc's adaptive
thresholds, so every task's image and chunks came back as fresh pages: 31 000
page faults and about twice the CPU for a one-minute 48 kHz file).  The FFT runs on
the task's own thread (``workers=1``) and Dask's nanny sets the BLAS/OpenMP
thread counts to 1, so two workers never fight over one core.

A failure caused by the file (unreadable, too short, a channel it lacks, a
disk that refuses the output) fails this task with its one-line reason; a
bug is logged with its traceback and reported as an internal error.  No
exception leaves the task, so one file never stops the batch.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from specscope.app.model.settings import AnalysisSettings
from specscope.app.process_setup import keep_freed_memory

MAX_IMAGE_BYTES = 4 << 30
"""Largest spectrogram a task holds for NPZ/PNG (4 GiB, as ``specscope export``)."""
LEVEL_WEIGHTINGS = ("Z", "A", "C")


@dataclass(frozen=True)
class LtsaJob:
    """Where a file sits on the LTSA's grid: its start (seconds after the grid's origin) and the interval."""

    start_s: float
    interval_s: float
    percentiles: tuple[float, ...] = ()


@dataclass(frozen=True)
class FileJob:
    """One input's work.

    Attributes
    ----------
    path : str
        Absolute input path (as the workers see it).
    rel : str
        Its path under `outdir` (outputs replace its suffix).
    outdir : str
        The batch's output folder.
    what : tuple of str
        Per-file outputs among ``npz, png, peaks, levels``; ``ltsa`` is in `ltsa`.
    settings : AnalysisSettings
        The analysis (the export command's options).
    top : int
        Peaks to report.
    lut : numpy.ndarray or None
        256-entry colour table for the PNG.
    floor_db, ceiling_db : float
        PNG colour range, dBFS.
    ltsa : LtsaJob or None
        The LTSA part to compute, if any.
    """

    path: str
    rel: str
    outdir: str
    what: tuple[str, ...]
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    top: int = 5
    lut: np.ndarray | None = None
    floor_db: float = -120.0
    ceiling_db: float = 0.0
    ltsa: LtsaJob | None = None


@dataclass(frozen=True)
class FileResult:
    """What a task reports: ``status`` is ``done`` or ``failed`` (with `reason`); outputs relative to OUTDIR."""

    path: str
    status: str
    reason: str | None
    outputs: list[str]
    seconds: float
    duration_s: float | None = None
    fs_hz: float | None = None


def output_path(outdir: str | Path, rel: str, kind: str) -> Path:
    """Where output `kind` of input `rel` goes: ``OUTDIR/<rel without suffix>.npz|.png|.peaks.json|.levels.json``."""
    base = Path(outdir) / Path(rel).with_suffix("")
    suffix = {"npz": ".npz", "png": ".png", "peaks": ".peaks.json", "levels": ".levels.json"}[kind]
    return base.with_name(base.name + suffix)


def run_job(job: FileJob) -> FileResult:
    """Do one file's work; never raises (a failure is a ``failed`` result)."""
    from specscope.app.io.audio_file import AudioFileError
    from specscope.app.logs import log_bug, one_line

    keep_freed_memory()
    t0 = time.perf_counter()
    duration = None
    try:
        duration, outputs, fs_hz, warning = _analyse(job)
        return FileResult(job.path, "done", warning, outputs, time.perf_counter() - t0, duration, fs_hz)
    except (AudioFileError, ValueError, OSError) as err:
        return FileResult(job.path, "failed", _name_file(job.path, one_line(err)), [], time.perf_counter() - t0,
                          duration)
    except MemoryError:
        return FileResult(job.path, "failed", f"{job.path}: out of memory", [], time.perf_counter() - t0, duration)
    except Exception as err:
        return FileResult(job.path, "failed", log_bug(f"analysing {job.path}", err), [], time.perf_counter() - t0,
                          duration)


def _name_file(path: str, reason: str) -> str:
    return reason if path in reason else f"{path}: {reason}"


def _analyse(job: FileJob):
    from specscope.app.io.audio_file import open_audio
    from specscope.dsp.stft import FRAMES_PER_CHUNK_SAMPLES, FrameKernel, frame_segments, frame_view

    what = set(job.what)
    with open_audio(job.path) as reader:
        info = reader.info
        settings = job.settings
        cfg = settings.stft_config(info.fs_hz)
        settings.check_channel(info.channels)
        n = info.frames
        if n < cfg.n_fft:
            raise ValueError(f"{job.path}: {n} samples is shorter than one frame (--n-fft {cfg.n_fft})")
        n_frames = cfg.n_frames(n)
        want_db = bool(what & {"npz", "png"})
        if want_db and 4 * n_frames * cfg.n_freqs > MAX_IMAGE_BYTES:
            raise ValueError(f"{job.path}: the spectrogram would take {4 * n_frames * cfg.n_freqs / 2**30:.1f} GiB; "
                             "use a larger --hop or leave npz and png out of --what")
        db = np.empty((n_frames, cfg.n_freqs), dtype=np.float32).T if want_db else None
        peaks_acc = _peak_accumulator(cfg, n_frames) if "peaks" in what else None
        ltsa_acc, interval_of = _ltsa_accumulator(job.ltsa, cfg, info.duration_s)
        meters = _meters(info.fs_hz) if "levels" in what else None
        kernel = FrameKernel(cfg)
        frames_per_chunk = max(1, FRAMES_PER_CHUNK_SAMPLES // cfg.n_fft)
        scratch = np.empty((frames_per_chunk, cfg.n_fft), dtype=np.float32)
        blocks = reader.blocks(0, n, channel=settings.channel)
        if meters is not None:
            blocks = _metered(blocks, meters)
        for first, segment in frame_segments(blocks, cfg, n_frames, frames_per_chunk):
            frames = frame_view(segment, cfg.n_fft, cfg.hop)
            m = frames.shape[0]
            spectrum = kernel.spectrum(frames, 1, scratch)
            if db is not None:
                kernel.to_db(spectrum, db.T[first:first + m])
            if peaks_acc is not None:
                peaks_acc.add(spectrum)
            if ltsa_acc is not None:
                ltsa_acc.add(spectrum, interval_of(np.arange(first, first + m)))
    outputs = _write_outputs(job, cfg, db, peaks_acc, meters)
    if ltsa_acc is not None:
        from .ltsa_output import part_path, save_part

        path = part_path(job.outdir, job.rel)
        save_part(path, ltsa_acc.result())
        outputs.append(path.relative_to(job.outdir).as_posix())
    return info.duration_s, outputs, info.fs_hz, info.warning


def _peak_accumulator(cfg, n_frames):
    from specscope.dsp.peaks import PeakAccumulator

    return PeakAccumulator(cfg, n_frames)


def _ltsa_accumulator(ltsa: LtsaJob | None, cfg, duration_s: float):
    if ltsa is None:
        return None, None
    from specscope.dsp.ltsa import LtsaAccumulator

    start, step = ltsa.start_s, ltsa.interval_s

    def interval_of(frame: np.ndarray) -> np.ndarray:
        centre_s = start + (frame * cfg.hop + cfg.n_fft / 2.0) / cfg.fs_hz
        return np.floor(centre_s / step).astype(np.int64)

    def is_complete(i: int) -> bool:
        return i * step >= start - 1e-9 and (i + 1) * step <= start + duration_s + 1e-9

    acc = LtsaAccumulator(cfg.n_freqs, cfg.amplitude_scale**2, ltsa.percentiles, is_complete)
    return acc, interval_of


def _meters(fs_hz: float):
    from specscope.dsp.level_meter import LevelMeter

    return {w: LevelMeter(fs_hz, 1, w) for w in LEVEL_WEIGHTINGS}


def _metered(blocks, meters):
    for block in blocks:
        for meter in meters.values():
            meter.process(block)
        yield block


def _write_outputs(job: FileJob, cfg, db, peaks_acc, meters) -> list[str]:
    from specscope.app.io.export import write_spectrogram

    from .atomic import atomic_output, write_bytes_atomic

    out: list[str] = []
    outdir = Path(job.outdir)

    def target(kind: str) -> Path:
        p = output_path(outdir, job.rel, kind)
        p.parent.mkdir(parents=True, exist_ok=True)
        out.append(p.relative_to(outdir).as_posix())
        return p

    times_s = cfg.frame_times_s(db.shape[1]) if db is not None else None
    if "npz" in job.what:
        with atomic_output(target("npz")) as tmp:
            write_spectrogram(tmp, db, times_s, cfg)
    if "png" in job.what:
        from .png import render_spectrogram_png

        lut = job.lut if job.lut is not None else _grey_lut()
        write_bytes_atomic(target("png"), render_spectrogram_png(db, cfg.freqs_hz, times_s, lut, job.floor_db,
                                                                 job.ceiling_db))
    if "peaks" in job.what:
        peaks = peaks_acc.peaks(job.top)
        write_bytes_atomic(target("peaks"), json.dumps([p.as_json() for p in peaks]).encode())
    if "levels" in job.what:
        write_bytes_atomic(target("levels"), json.dumps(_levels_json(meters)).encode())
    return out


def _levels_json(meters) -> dict:
    z = meters["Z"].reading()
    doc = {f"leq_{w.lower()}_db": _finite(float(m.reading().leq_db[0])) for w, m in meters.items()}
    doc["peak_dbfs"] = _finite(float(z.peak_hold_dbfs[0]))
    doc["clipped"] = bool(z.clipped[0])
    return doc


def _finite(x: float) -> float | None:
    return round(x, 4) if math.isfinite(x) else None


def _grey_lut() -> np.ndarray:
    ramp = np.arange(256, dtype=np.uint8)
    return np.stack([ramp, ramp, ramp], axis=1)
