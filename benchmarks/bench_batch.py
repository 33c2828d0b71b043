"""Benchmark: ``specscope batch`` throughput on Dask with 1 and 2 workers, against a librosa loop; Dask's
overhead per file; the LTSA against scikit-maad's averaged spectrogram.

Thread: main (a script; the batch's tasks run in Dask worker processes).
Run: ``.venv/bin/python benchmarks/bench_batch.py [--files 200] [--seconds 60]``
(needs the ``bench`` extra: librosa, scikit-maad).

* Storage: ``--where shm`` (default where /dev/shm exists) keeps the
  archive and the outputs in RAM, so the figures are the CPU work; ``--where
  disk`` uses the temporary folder, where writing 4.6 GB of NPZ per run is
  what limits this machine (measured: 1.15x from 1 to 2 workers there).
* Archive: FILES recordings of SECONDS at 48 kHz, 16-bit (two tones and noise,
  a different pair per file), named ``rec_YYYYMMDD_HHMMSS.wav`` one minute
  apart, generated into a temporary folder.
* Throughput: ``--what npz,peaks`` with the default analysis (N 2048, hop 512,
  Hann), on a local cluster of 1 and then 2 worker processes (started here
  and given to the batch as its scheduler, so their CPU time can be read);
  audio hours per wall-clock minute from the first submit to the last result,
  and the scaling efficiency 2-worker rate / (2 x 1-worker rate).  The
  workers' CPU seconds per file are printed too: when other work shares the
  two cores the wall clock measures that share, while CPU per file says what
  two free cores would give (2 x CPU(1 worker) / CPU(2 workers)).
* Reference: the same work in one process with a plain Python loop: read with
  soundfile, ``librosa.stft`` (center=False, the same frames), dBFS, NPZ,
  top-5 peaks of the mean power spectrum by ``scipy.signal.find_peaks`` with a
  parabolic refinement (wall and CPU time); on the first LIBROSA_FILES files (``--librosa-files``,
  40 by default: its rate per file is steady and the whole archive would take
  most of ten minutes here).
* Overhead: TINY files of 0.1 s at 8 kHz (N 256, ``--what peaks``), 1
  worker: (wall time - the tasks' own time) / files, i.e. what Dask, the probe
  and the manifest add per file.
* LTSA: ``--what ltsa --ltsa-interval 60s`` on the first LTSA_FILES files
  against ``maad.sound.spectrogram`` (same window and frames, its own scaling)
  averaged per file with ``maad.sound.avg_power_spectro``; maad's PSD scaling
  differs from dBFS by the constant ``10 log10(2 ENBW)`` (4.77 dB for Hann),
  removed before comparing bins 2..Nyquist-1 (maad detrends each frame, which
  changes DC and bin 1).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from specscope.app.batch.driver import BatchOptions, run_batch
from specscope.app.model.settings import AnalysisSettings

FS_HZ = 48000
TINY = 200
LTSA_FILES = 20


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def make_archive(folder: Path, n: int, seconds: float) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * FS_HZ)) / FS_HZ
    paths = []
    for i in range(n):
        hh, mm = divmod(i, 60)
        p = folder / f"rec_20240501_{6 + hh:02d}{mm:02d}00.wav"
        f1, f2 = 300.0 + 7.3 * i, 5000.0 + 11.1 * i
        x = 0.3 * np.sin(2 * np.pi * f1 * t) + 0.05 * np.sin(2 * np.pi * f2 * t) + 0.01 * rng.standard_normal(t.size)
        sf.write(p, x, FS_HZ, subtype="PCM_16")
        paths.append(p)
    return paths


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def run(inputs, out, workers, what, settings=None, **kw):
    """Run the batch on a local cluster of `workers` processes; return the report, the wall time and the workers'
    CPU seconds (user + system of their processes, over the run: a figure the other users of the cores do not
    inflate the way they stretch the wall clock)."""
    import logging

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        cpu0 = sum(client.run(_cpu_s).values())
        opts = BatchOptions(inputs=[str(i) for i in inputs], outdir=str(out), what=what, workers=workers,
                            settings=settings or AnalysisSettings(), scheduler=cluster.scheduler_address, **kw)
        t0 = time.perf_counter()
        report = run_batch(opts, progress_stream=open(os.devnull, "w"))
        wall = time.perf_counter() - t0
        cpu = sum(client.run(_cpu_s).values()) - cpu0
    assert report.status == 0, [e.reason for e in report.failed]
    report.timings_s["worker_cpu"] = cpu
    return report, wall


def librosa_loop(paths, out: Path, peaks_too: bool = True) -> float:
    import librosa
    import scipy.signal

    out.mkdir(parents=True, exist_ok=True)
    n_fft, hop = 2048, 512
    window = scipy.signal.get_window("hann", n_fft)
    scale = np.full(n_fft // 2 + 1, 2.0 / window.sum())
    scale[[0, -1]] /= 2
    t0, c0 = time.perf_counter(), time.process_time()
    for p in paths:
        y, sr = sf.read(p, dtype="float32")
        mag = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, window="hann", center=False)) * scale[:, None]
        db = 20 * np.log10(np.maximum(mag, 1e-10))
        if not peaks_too:
            np.savez(out / (p.stem + ".npz"), db=db.astype(np.float32))
            continue
        power = (mag**2).mean(axis=1)
        pdb = 10 * np.log10(np.maximum(power, 1e-20))
        idx, _ = scipy.signal.find_peaks(pdb)
        top = idx[np.argsort(pdb[idx])[::-1][:5]]
        peaks = []
        for k in top:
            a, b, c = pdb[k - 1], pdb[k], pdb[k + 1]
            d = 0.5 * (a - c) / (a - 2 * b + c)
            peaks.append(((k + d) * sr / n_fft, b - 0.25 * (a - c) * d))
        np.savez(out / (p.stem + ".npz"), db=db.astype(np.float32), peaks=np.array(peaks))
    librosa_loop.cpu_s = time.process_time() - c0
    return time.perf_counter() - t0


def maad_ltsa(paths) -> tuple[np.ndarray, float]:
    import maad.sound

    t0 = time.perf_counter()
    cols = []
    for p in paths:
        x, fs = sf.read(p, dtype="float64")
        sxx, _tn, _fn, _ext = maad.sound.spectrogram(x, fs, window="hann", nperseg=2048, noverlap=1536, mode="psd")
        cols.append(maad.sound.avg_power_spectro(sxx))
    return 10 * np.log10(np.maximum(np.array(cols).T, 1e-20)), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--where", choices=("shm", "disk"), default="shm" if Path("/dev/shm").is_dir() else "disk",
                    help="put the archive and the outputs in /dev/shm (RAM: measures the CPU work) or in the "
                    "temporary folder (disk: 200 NPZ files are 4.6 GB, and this machine's disk then sets the pace)")
    ap.add_argument("--librosa-files", type=int, default=40,
                    help="files the librosa loop runs on (its rate per file is steady; default 40)")
    args = ap.parse_args()
    base = "/dev/shm" if args.where == "shm" else None
    with tempfile.TemporaryDirectory(prefix="bench-batch-", dir=base) as tmp:
        tmp = Path(tmp)
        print(f"archive and outputs in {tmp} ({args.where})")
        t0 = time.perf_counter()
        paths = make_archive(tmp / "in", args.files, args.seconds)
        hours = args.files * args.seconds / 3600
        print(f"archive: {args.files} files x {args.seconds:g} s at 48 kHz = {hours:.2f} audio hours "
              f"(generated in {time.perf_counter() - t0:.0f} s); {os.cpu_count()} cores; {load()}")
        rates, task_s, cpu_ms = {}, {}, {}
        for workers in (1, 2):
            print(f"batch npz,peaks, {workers} worker(s); {load()}")
            report, wall = run([tmp / "in"], tmp / f"out{workers}", workers, ("npz", "peaks"))
            tasks = report.timings_s["tasks"]
            rates[workers] = hours / (tasks / 60)
            task_s[workers] = sum(e.seconds for e in report.entries) / len(report.entries)
            cpu_ms[workers] = 1000 * report.timings_s["worker_cpu"] / len(report.entries)
            print(f"  {rates[workers]:.2f} audio h per minute (tasks {tasks:.1f} s; connect "
                  f"{report.timings_s['cluster_start']:.1f} s; whole command {wall:.1f} s; "
                  f"{1000 * task_s[workers]:.0f} ms per task on its worker; workers' CPU "
                  f"{cpu_ms[workers]:.0f} ms per file)")
            shutil.rmtree(tmp / f"out{workers}")
        print(f"scaling 1 -> 2 workers: {rates[2] / rates[1]:.2f}x (efficiency {rates[2] / rates[1] / 2:.0%}); "
              f"CPU per file {cpu_ms[1]:.0f} -> {cpu_ms[2]:.0f} ms, so {2 * cpu_ms[1] / cpu_ms[2]:.2f}x with two "
              f"free cores; {load()}")
        lib_paths = paths[: args.librosa_files]
        print(f"librosa loop, one process, {len(lib_paths)} files; {load()}")
        lib_s = librosa_loop(lib_paths, tmp / "lib")
        shutil.rmtree(tmp / "lib")
        lib_rate = len(lib_paths) * args.seconds / 3600 / (lib_s / 60)
        lib_cpu_ms = 1000 * librosa_loop.cpu_s / len(lib_paths)
        print(f"  {lib_rate:.2f} audio h per minute ({lib_s:.1f} s; CPU {lib_cpu_ms:.0f} ms per file); batch with "
              f"2 workers is {rates[2] / lib_rate:.2f}x, with 1 worker {rates[1] / lib_rate:.2f}x; per file of CPU "
              f"the batch is {lib_cpu_ms / cpu_ms[1]:.2f}x as fast (so {2 * lib_cpu_ms / cpu_ms[2]:.2f}x with two "
              "free cores)")
        print(f"npz only: batch with 2 workers against the librosa loop without peaks; {load()}")
        report, _wall = run([tmp / "in"], tmp / "outnpz", 2, ("npz",))
        npz_rate = hours / (report.timings_s["tasks"] / 60)
        shutil.rmtree(tmp / "outnpz")
        lib_npz_rate = len(lib_paths) * args.seconds / 3600 / (librosa_loop(lib_paths, tmp / "lib2", False) / 60)
        print(f"  batch {npz_rate:.2f} audio h per minute, librosa loop {lib_npz_rate:.2f}: "
              f"{npz_rate / lib_npz_rate:.2f}x")
        # Dask overhead per file.
        tiny = tmp / "tiny"
        tiny.mkdir()
        x = (0.1 * np.sin(np.arange(800) * 0.3)).astype(np.float32)
        for i in range(TINY):
            sf.write(tiny / f"t{i:03d}.wav", x, 8000, subtype="PCM_16")
        print(f"overhead: {TINY} files of 0.1 s, --what peaks, 1 worker; {load()}")
        report, wall = run([tiny], tmp / "outtiny", 1, ("peaks",), AnalysisSettings(n_fft=256))
        own = sum(e.seconds for e in report.entries)
        tasks = report.timings_s["tasks"]
        dask_ms = 1000 * (tasks - own) / TINY
        command_ms = 1000 * (wall - report.timings_s['cluster_start'] - own) / TINY
        print(f"  per file: {dask_ms:.1f} ms Dask (submit to result, beyond the task's own "
              f"{1000 * own / TINY:.1f} ms); {command_ms:.1f} ms with the probe and the manifest")
        print(f"summary: scaling 1 -> 2 workers {rates[2] / rates[1]:.2f}x (target >= 1.7x); "
              f"{rates[2] / lib_rate:.2f}x the librosa loop with 2 workers (target >= 3x); overhead per file "
              f"{dask_ms:.1f} ms Dask, {command_ms:.1f} ms the whole command (target < 20 ms); by CPU "
              f"{2 * cpu_ms[1] / cpu_ms[2]:.2f}x and {2 * lib_cpu_ms / cpu_ms[2]:.2f}x")
        per_file_s = cpu_ms[2] / 1000
        knee = per_file_s / (command_ms / 1000)
        print(f"projection: W workers finish about min(W / {per_file_s:.3f} s, 1 / {command_ms:.1f} ms) one-minute "
              f"files per second: linear up to about {knee:.0f} workers ({knee * args.seconds / 3600:.1f} audio "
              "hours per second of wall clock), then the driver's per-file overhead is the ceiling")
        # LTSA against scikit-maad.
        sub = paths[:LTSA_FILES]
        print(f"LTSA of {len(sub)} files, 60 s interval, 2 workers; {load()}")
        report, wall = run(sub, tmp / "ltsa", 2, ("ltsa",), ltsa_interval_s=60.0)
        with np.load(tmp / "ltsa" / "ltsa.npz") as z:
            ours = z["db"]
        print(f"  specscope: {wall:.1f} s whole command ({report.timings_s['tasks']:.1f} s tasks)")
        try:
            theirs, maad_s = maad_ltsa(sub)
        except ImportError:
            print("  scikit-maad is not installed (pip install scikit-maad): no comparison")
            return
        from specscope.dsp.config import StftConfig

        offset = 10 * np.log10(2 * StftConfig(fs_hz=FS_HZ).enbw_bins)
        n = min(ours.shape[0], theirs.shape[0])  # maad drops the Nyquist bin
        diff = ours[2:n - 1] - (theirs[2:n - 1] + offset)
        print(f"  scikit-maad loop: {maad_s:.1f} s; largest difference over bins 2..N/2-1: "
              f"{np.nanmax(np.abs(diff)):.4f} dB (after the {offset:.2f} dB scaling offset)")


if __name__ == "__main__":
    main()
