"""The batch driver: plan the inputs, run their tasks on Dask, keep the manifest, combine the LTSA.

Thread: the main thread.  Dask's client runs its own event-loop thread; the
tasks run in the worker processes of a :class:`distributed.LocalCluster`
started here (``processes=True``, one thread per worker) or of an existing
cluster at ``scheduler`` (whose workers must see the inputs and OUTDIR by the
same paths).

Order of work: discover the inputs; skip those the manifest shows done and
unchanged; probe the others' headers (duration for the progress, sample rate
for the LTSA; a file whose header is bad fails here with its reason); submit
one task per file; as each finishes, append its manifest line and report it.
Dask reschedules the task of a worker that dies on another worker.  On
Ctrl-C the pending tasks are cancelled, the cluster is stopped, unfinished
inputs are recorded as failed ("interrupted"), leftover temporary files are
removed, and the manifest is rewritten.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from specscope.app.model.settings import AnalysisSettings

from .atomic import sweep_parts
from .discover import Input, discover
from .ltsa_output import LTSA_NAME, LTSA_PNG_NAME, part_path, write_ltsa
from .manifest import DONE, FAILED, SKIPPED, Entry, ManifestWriter, is_current, read_manifest
from .progress import BatchProgress
from .task import FileJob, FileResult, LtsaJob, output_path, run_job
from .timeline import plan, read_start_csv

EXIT_OK, EXIT_SOME_FAILED, EXIT_INTERRUPTED = 0, 3, 130
MAX_LTSA_BYTES = 2 << 30
"""Largest LTSA the driver combines (2 GiB of sums and result); beyond it, a longer interval is asked for."""
INTERRUPTED = "interrupted before it finished (a rerun does it)"


@dataclass(frozen=True)
class BatchOptions:
    """Everything ``specscope batch`` was asked (see :mod:`specscope.app.cli.batch`)."""

    inputs: list[str]
    outdir: str
    what: tuple[str, ...] = ("npz",)
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    top: int = 5
    workers: int | None = None
    scheduler: str | None = None
    recursive: bool = False
    pattern: str | None = None
    colormap: str = "inferno"
    floor_db: float = -120.0
    ceiling_db: float = 0.0
    ltsa_interval_s: float = 60.0
    ltsa_percentiles: tuple[float, ...] = ()
    ltsa_starts_csv: str | None = None


@dataclass
class BatchReport:
    """The outcome: entries by path (in input order) and the exit status."""

    entries: list[Entry]
    status: int
    outputs: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    """Wall-clock seconds: ``cluster_start`` (connect or start workers), ``tasks`` (first submit to last result)."""

    @property
    def failed(self) -> list[Entry]:
        return [e for e in self.entries if e.status == FAILED]


def _signature(opts: BatchOptions, ltsa: LtsaJob | None) -> list[str]:
    """What an entry was made with: the kinds asked for, plus the settings (so changed settings redo the file)."""
    kinds = [k for k in opts.what if k != "ltsa"]
    tag = json.dumps(opts.settings.as_values(), sort_keys=True)
    sig = [*kinds, f"settings={tag}"]
    if "png" in kinds:
        sig.append(f"png={opts.colormap},{opts.floor_db:g},{opts.ceiling_db:g}")
    if "peaks" in kinds:
        sig.append(f"top={opts.top}")
    if ltsa is not None:
        sig.append(f"ltsa={ltsa.start_s!r},{ltsa.interval_s!r},{list(ltsa.percentiles)}")
    return sig


def _lookup_table(name: str) -> np.ndarray:
    from specscope.app.gui.colormaps import lookup_table

    return lookup_table(name)


def run_batch(opts: BatchOptions, progress_stream=None) -> BatchReport:
    """Run the batch; return the report (the caller prints and exits with ``report.status``).

    Raises
    ------
    ValueError
        For bad arguments (no inputs, unusable OUTDIR, a bad start-time CSV).
    """
    inputs = discover(opts.inputs, opts.recursive, opts.pattern)
    if not inputs:
        raise ValueError("no audio files among the inputs")
    outdir = Path(opts.outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"{outdir}: cannot create the output folder: {err.strerror or err}") from None
    outdir = outdir.resolve()
    in_paths = {i.path for i in inputs}
    if str(outdir) in in_paths:
        raise ValueError(f"{outdir}: OUTDIR is an input file")
    csv_starts = read_start_csv(opts.ltsa_starts_csv) if opts.ltsa_starts_csv else None
    sweep_parts(outdir)
    previous = read_manifest(outdir)
    writer = ManifestWriter(outdir, previous)
    order = [i.path for i in inputs]
    lut = _lookup_table(opts.colormap) if ("png" in opts.what or "ltsa" in opts.what) else None
    status = EXIT_OK
    timings: dict[str, float] = {}
    try:
        jobs, durations, stats, skipped, (fs_hz, timeline) = _plan_jobs(opts, inputs, outdir, previous, writer,
                                                                         csv_starts, lut)
        total_s = sum(durations.get(j.path, 0.0) for j in jobs)
        bar = BatchProgress(len(jobs), total_s, progress_stream)
        if skipped:
            bar.note(f"{skipped} input(s) already done and unchanged: skipped")
        if jobs:
            interrupted = _run_on_dask(opts, jobs, stats, durations, writer, bar, timings)
            if interrupted:
                status = EXIT_INTERRUPTED
        bar.close()
        outputs = []
        if timeline is not None and status != EXIT_INTERRUPTED:
            outputs = _combine_ltsa(opts, outdir, inputs, writer, timeline, fs_hz, lut)
        elif "ltsa" in opts.what and status != EXIT_INTERRUPTED:  # no input left for it
            _remove_ltsa(outdir)
    finally:
        with _sigint_ignored():  # let the manifest be written
            sweep_parts(outdir)
            writer.finish(order)
    entries = [writer.entries[p] for p in order]
    if status == EXIT_OK and any(e.status == FAILED for e in entries):
        status = EXIT_SOME_FAILED
    return BatchReport(entries, status, [str(o) for o in outputs], timings)


def _plan_jobs(opts, inputs: list[Input], outdir: Path, previous, writer, csv_starts, lut):
    """Probe, place on the LTSA timeline and build the jobs of the inputs that need work."""
    from specscope.app.io.audio_file import AudioFileError, probe
    from specscope.app.logs import one_line

    stats: dict[str, tuple[int, float]] = {}
    durations: dict[str, float] = {}
    rates: dict[str, float] = {}
    todo: list[Input] = []
    for inp in inputs:
        try:
            st = os.stat(inp.path)
        except OSError as err:  # removed since it was found
            stats[inp.path] = (0, 0.0)
            _record(writer, Entry(inp.path, inp.rel, 0, 0.0, FAILED, None, f"{inp.path}: {err.strerror or err}"),
                    outdir, opts.what)
            continue
        stats[inp.path] = (st.st_size, st.st_mtime)
        prev = previous.get(inp.path)
        if (prev is not None and prev.status in (DONE, SKIPPED) and prev.duration_s is not None
                and prev.fs_hz is not None and prev.size == st.st_size and abs(prev.mtime - st.st_mtime) < 1e-6):
            durations[inp.path], rates[inp.path] = prev.duration_s, prev.fs_hz  # unchanged: no need to probe
            todo.append(inp)
            continue
        try:
            info = probe(inp.path)
        except (AudioFileError, ValueError, OSError) as err:
            reason = one_line(err)
            _record(writer, Entry(inp.path, inp.rel, st.st_size, st.st_mtime, FAILED, None,
                                  reason if inp.path in reason else f"{inp.path}: {reason}", what=[]),
                    outdir, opts.what)
            continue
        durations[inp.path] = info.duration_s
        rates[inp.path] = info.fs_hz
        todo.append(inp)
    ltsa_jobs: dict[str, LtsaJob] = {}
    fs_hz, timeline = None, None
    if "ltsa" in opts.what and todo:
        fs_hz = rates[todo[0].path]
        for inp in [i for i in todo if rates[i.path] != fs_hz]:
            size, mtime = stats[inp.path]
            _record(writer, Entry(inp.path, inp.rel, size, mtime, FAILED, durations[inp.path],
                                  f"{inp.path}: sample rate {rates[inp.path]:g} Hz differs from the deployment's "
                                  f"{fs_hz:g} Hz (an LTSA needs one rate)"), outdir, opts.what)
        todo = [i for i in todo if rates[i.path] == fs_hz]
        timeline = plan([i.path for i in todo], durations, opts.ltsa_interval_s, csv_starts)
        n_freqs = opts.settings.stft_config(fs_hz).n_freqs
        if 12 * n_freqs * timeline.n_intervals > MAX_LTSA_BYTES:  # float64 sums and the float32 result
            raise ValueError(f"the LTSA would have {timeline.n_intervals} columns of {n_freqs} bins "
                             f"({12 * n_freqs * timeline.n_intervals / 2**30:.1f} GiB); use a longer "
                             "--ltsa-interval or a smaller --n-fft")
        ltsa_jobs = {p: LtsaJob(timeline.start_s[p], opts.ltsa_interval_s, opts.ltsa_percentiles) for p in
                     timeline.order}
    jobs, skipped = [], 0
    for inp in todo:
        size, mtime = stats[inp.path]
        ltsa = ltsa_jobs.get(inp.path)
        sig = _signature(opts, ltsa)
        prev = previous.get(inp.path)
        if is_current(prev, size, mtime, sig, outdir):
            writer.add(prev.replace(status=SKIPPED, seconds=0.0))
            skipped += 1
            continue
        jobs.append(FileJob(inp.path, inp.rel, str(outdir), tuple(k for k in opts.what if k != "ltsa"),
                            opts.settings, opts.top, lut, opts.floor_db, opts.ceiling_db, ltsa))
    return jobs, durations, stats, skipped, (fs_hz, timeline)


def _start_cluster(opts: BatchOptions):
    from distributed import Client, LocalCluster

    if opts.scheduler:
        try:
            client = Client(opts.scheduler, timeout="10s")
        except (OSError, TimeoutError) as err:
            raise ValueError(f"--scheduler {opts.scheduler}: cannot connect: {err}") from None
        return client, None
    n = opts.workers or os.cpu_count() or 1
    # Worker processes started while SIGINT is ignored keep ignoring it: a Ctrl-C at the terminal (sent to
    # the whole process group) reaches only this process, which stops the cluster in order.
    with _sigint_ignored():
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.CRITICAL)
    return Client(cluster), cluster


def _run_on_dask(opts, jobs: list[FileJob], stats, durations, writer: ManifestWriter, bar: BatchProgress,
                 timings: dict[str, float]) -> bool:
    """Submit the jobs and record them as they finish; return True when interrupted by Ctrl-C."""
    from distributed import as_completed

    t0 = time.perf_counter()
    client, cluster = _start_cluster(opts)
    timings["cluster_start"] = time.perf_counter() - t0
    by_key: dict[str, FileJob] = {}
    pending: set[str] = set()
    interrupted = False
    try:
        if cluster is not None:
            link = _dashboard(client)
            bar.note(f"local Dask cluster: {len(cluster.workers)} workers" + (f", dashboard {link}" if link else ""))
        else:
            bar.note(f"Dask scheduler {opts.scheduler}: {len(client.scheduler_info().get('workers', {}))} workers")
        t0 = time.perf_counter()
        run = uuid.uuid4().hex[:8]
        futures = []
        for i, job in enumerate(jobs):
            key = f"specscope-batch-{run}-{i}"
            by_key[key] = job
            pending.add(key)
            futures.append(client.submit(run_job, job, key=key, pure=False))
        for fut in as_completed(futures):
            job = by_key[fut.key]
            try:
                result: FileResult = fut.result()
            except Exception as err:  # KilledWorker after repeated worker deaths, a lost scheduler
                result = FileResult(job.path, FAILED, f"{job.path}: the task failed on the cluster: "
                                    f"{type(err).__name__}: {' '.join(str(err).split())[:200]}", [], 0.0)
            pending.discard(fut.key)
            entry = _entry(job, result, stats, durations, opts)
            _record(writer, entry, Path(job.outdir), opts.what)
            bar.finished(entry)
        timings["tasks"] = time.perf_counter() - t0
    except KeyboardInterrupt:
        interrupted = True
        _set_sigint(signal.SIG_IGN)
        bar.note(f"interrupted: cancelling {len(pending)} unfinished task(s)")
        for key in pending:
            job = by_key[key]
            size, mtime = stats[job.path]
            _record(writer, Entry(job.path, job.rel, size, mtime, FAILED, durations.get(job.path),
                                  f"{job.path}: {INTERRUPTED}"), Path(job.outdir), opts.what)
    finally:
        try:
            if interrupted:
                client.cancel([f for f in futures if f.key in pending], force=True)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
            if interrupted:
                _set_sigint(signal.default_int_handler)
    return interrupted


def _record(writer: ManifestWriter, entry: Entry, outdir: Path, what: tuple[str, ...]) -> None:
    """Add `entry` to the manifest, first removing the outputs that would now be stale.

    A failed input loses the outputs of its previous run and whatever its
    task wrote before failing (its NPZ, PNG, peaks, levels and LTSA part), so
    no output of older content outlives a failure; an input done again after
    it changed loses the old outputs it no longer makes.
    """
    prev = writer.entries.get(entry.path)
    stale: set[str] = set()
    if entry.status == FAILED:
        stale.update(prev.outputs if prev is not None else ())
        stale.update(output_path(outdir, entry.rel, k).relative_to(outdir).as_posix() for k in what if k != "ltsa")
        if "ltsa" in what:
            stale.add(part_path(outdir, entry.rel).relative_to(outdir).as_posix())
    elif entry.status == DONE and prev is not None and (prev.size, prev.mtime) != (entry.size, entry.mtime):
        stale.update(set(prev.outputs) - set(entry.outputs))
    for rel in stale:
        target = (outdir / rel).resolve()
        if target.is_relative_to(outdir):  # a hand-edited manifest names nothing outside OUTDIR
            with contextlib.suppress(OSError):
                target.unlink()
    writer.add(entry)


def _set_sigint(handler):
    """Install a SIGINT handler (only the main thread may; elsewhere nothing happens); return the old one."""
    if threading.current_thread() is threading.main_thread():
        return signal.signal(signal.SIGINT, handler)
    return None


@contextlib.contextmanager
def _sigint_ignored():
    old = _set_sigint(signal.SIG_IGN)
    try:
        yield
    finally:
        if old is not None:
            _set_sigint(old)


def _dashboard(client) -> str | None:
    try:
        import bokeh  # noqa: F401  (the dashboard needs it)
    except ImportError:
        return None
    return client.dashboard_link


def _entry(job: FileJob, result: FileResult, stats, durations, opts) -> Entry:
    size, mtime = stats[job.path]
    what = _signature(opts, job.ltsa) if result.status == DONE else []
    duration = result.duration_s if result.duration_s is not None else durations.get(job.path)
    return Entry(job.path, job.rel, size, mtime, result.status, duration, result.reason, result.outputs,
                 round(result.seconds, 4), what, result.fs_hz)


def _combine_ltsa(opts, outdir: Path, inputs, writer, timeline, fs_hz, lut) -> list[Path]:
    parts: dict[str, Path] = {}
    for inp in inputs:
        e = writer.entries.get(inp.path)
        p = part_path(outdir, inp.rel)
        if e is not None and e.status in (DONE, SKIPPED) and p.is_file():
            parts[inp.path] = p
    if not parts:
        _remove_ltsa(outdir)
        return []
    freqs_hz = opts.settings.stft_config(fs_hz).freqs_hz
    return write_ltsa(outdir, timeline, parts, freqs_hz, opts.ltsa_percentiles, lut, opts.floor_db, opts.ceiling_db)


def _remove_ltsa(outdir: Path) -> None:
    """Every input of the LTSA failed: remove an older LTSA, which shows recordings no longer there."""
    for name in (LTSA_NAME, LTSA_PNG_NAME):
        with contextlib.suppress(OSError):
            (outdir / name).unlink()
