"""Benchmark: what ``specscope levels`` computes (integrated loudness, LRA, true peak, sample peak, RMS,
Leq(A), per channel) on a 10-minute 48 kHz stereo file, against pyloudnorm's integrated loudness.

Thread: main (a script).  Run: ``.venv/bin/python benchmarks/bench_levels_cli.py`` (needs pyloudnorm,
the ``test`` extra).  The file is bench_loudness.py's (pink noise at levels from -40 to -10 dBFS in
10 s segments, a tone in every third one, the right channel 3 dB lower), in a temporary float32 WAV.

* ours: :func:`specscope.app.cli.levels.measure_file` (the command without printing), reading included;
* pyloudnorm: ``soundfile.read`` of the whole file, then ``Meter(fs).integrated_loudness``;
* each in a fresh subprocess, alternately (so both meet the same moods of the host), best of
  ``RUNS`` (5; 3 before 2026-12-03's last runs); wall time, CPU time of the process (all threads:
  ``levels`` runs the A-weighting and the true peak on two helper threads beside loudness), peak
  RSS (``ru_maxrss``) above the interpreter's after its imports;
* ours runs as the ``specscope`` command does: ``specscope.app.cli`` imported first (one BLAS
  thread, see app/process_setup.py) and :func:`~specscope.app.process_setup.keep_freed_memory`
  called before the clock starts; the minor page faults of both are printed.

History, same machine (2 shared cores), best of 3:

* 2026-12-02: 1.0 s wall, 1.7 s CPU against pyloudnorm's 2.3-2.9 s: 2.34x and 2.95x.  What was
  left was scipy's ``sosfilt`` (K-weighting 2 sections, A-weighting 3), latency-bound at about
  1.7 ns per sample, channel and section in float32, and 240 000 page faults (0.45 s of system time:
  each block's temporaries came back from the kernel as fresh pages).
* 2026-12-03: both filters as matrix products (dsp/block_sos.py, 1.8x faster than ``sosfilt`` in
  float32 and ten times more accurate), one BLAS thread (a BLAS thread per core competed with the
  command's own three threads: 2.4 s of CPU instead of 1.2 s), glibc told to keep freed memory
  (3 500 page faults), the true peak on its own thread, sums of squares in float32 rows (``vecdot``)
  added in float64, and the sample peak taken from the true-peak meter's pass.  Seven runs at
  load 0.5-0.9: ours 0.67-0.85 s wall, 1.02-1.18 s CPU, +19-22 MB; pyloudnorm 2.13-4.03 s,
  +880 MB: **3.07x to 5.84x** in wall time (2.0-3.9x in CPU time) in six; in the seventh the
  host took the second core for the whole run (ours 1.04 s wall for 1.16 s CPU): 2.76x.  Then
  alternating the sides, best of 5 (same code): 0.75 s against 2.97 s (3.97x) and 0.77 s against
  3.17 s (4.10x); CPU 2.67x and 2.79x.
  Numbers unchanged (-22.638 LUFS, LRA 20.31 LU, -9.19 dBTP, Leq(A) -25.42 dBFS).  Wall times
  on this machine swing by up to 40 % between runs of the same code (a core is sometimes taken
  by the host), so compare the ratio within one run.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

RUNS = 5


def run_ours(path: str) -> dict:
    import specscope.app.cli  # first, as the ``specscope`` command: one BLAS thread (app/process_setup.py)

    # isort: split
    import scipy.signal  # noqa: F401  imported before the clock starts, as pyloudnorm is

    import specscope.app.model.levels  # noqa: F401
    from specscope.app.cli.levels import measure_file
    from specscope.app.process_setup import keep_freed_memory

    keep_freed_memory()  # what the command's main() does before running it
    before = resource.getrusage(resource.RUSAGE_SELF)
    t0, c0 = time.perf_counter(), time.process_time()
    r = measure_file(path)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = resource.getrusage(resource.RUSAGE_SELF)
    rss = after.ru_maxrss - before.ru_maxrss
    return {"time_s": elapsed, "cpu_s": cpu, "peak_rss_mb": rss / 1024, "faults": after.ru_minflt - before.ru_minflt,
            "integrated_lufs": r.integrated_lufs,
            "lra_lu": r.loudness_range_lu, "true_peak_dbtp": r.true_peak_dbtp, "leq_a_db": r.leq_a_db}


def run_pyloudnorm(path: str) -> dict:
    import pyloudnorm
    import soundfile as sf

    before = resource.getrusage(resource.RUSAGE_SELF)
    t0, c0 = time.perf_counter(), time.process_time()
    data, fs = sf.read(path, dtype="float32")
    value = pyloudnorm.Meter(fs).integrated_loudness(data)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = resource.getrusage(resource.RUSAGE_SELF)
    rss = after.ru_maxrss - before.ru_maxrss
    return {"time_s": elapsed, "cpu_s": cpu, "peak_rss_mb": rss / 1024, "faults": after.ru_minflt - before.ru_minflt,
            "integrated_lufs": value}


def subprocess_run(which: str, path: str) -> dict:
    out = subprocess.run([sys.executable, __file__, which, path], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    from bench_loudness import make_file

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.wav")
        make_file(path)
        runs = [(subprocess_run("ours", path), subprocess_run("pyloudnorm", path)) for _ in range(RUNS)]
        ours = min((r[0] for r in runs), key=lambda r: r["time_s"])
        ref = min((r[1] for r in runs), key=lambda r: r["time_s"])
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"specscope levels: {ours['time_s']:.2f} s wall, {ours['cpu_s']:.2f} s CPU, "
          f"peak RSS +{ours['peak_rss_mb']:.1f} MB, {ours['faults']} page faults; "
          f"integrated {ours['integrated_lufs']:.3f} LUFS, "
          f"LRA {ours['lra_lu']:.2f} LU, TP {ours['true_peak_dbtp']:.2f} dBTP, Leq(A) {ours['leq_a_db']:.2f} dBFS")
    print(f"pyloudnorm:       {ref['time_s']:.2f} s wall, {ref['cpu_s']:.2f} s CPU, "
          f"peak RSS +{ref['peak_rss_mb']:.1f} MB, {ref['faults']} page faults; "
          f"integrated {ref['integrated_lufs']:.3f} LUFS")
    print(f"ratio pyloudnorm / ours: {ref['time_s'] / ours['time_s']:.2f}x wall, "
          f"{ref['cpu_s'] / ours['cpu_s']:.2f}x CPU")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps({"ours": run_ours, "pyloudnorm": run_pyloudnorm}[sys.argv[1]](sys.argv[2])))
    else:
        main()
