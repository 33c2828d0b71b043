"""Benchmark: loudness, LRA and true peak of a 10-minute 48 kHz stereo file, streamed
from disk in blocks, against pyloudnorm's integrated loudness of the whole array.

Thread: main (a script).  Run: ``.venv/bin/python benchmarks/bench_loudness.py``
(needs the ``test`` extra for pyloudnorm).

Signal: pink noise (specscope's generator) in 10 s segments at levels from -40 to
-10 dBFS in a fixed random order, plus a 1 kHz tone in every third segment, on
both channels (the right 3 dB lower), written to a temporary float32 WAV.

* ours: ``soundfile.blocks`` of 65536 frames into one :class:`LoudnessMeter` and one
  :class:`TruePeakMeter` (integrated, LRA and true peak), reading included;
* pyloudnorm: ``soundfile.read`` of the whole file, then ``Meter(fs).integrated_loudness``;
  timed with and without the read.
* memory: each side runs in a fresh subprocess; peak RSS (``ru_maxrss``) above that
  of the same interpreter after its imports.
* live cost: LoudnessMeter + TruePeakMeter fed 20 ms blocks (960 frames), CPU time
  (``time.process_time``) per second of audio, as % of one core.

Measured here (2 shared cores, file in the page cache), first 2026-12-01: ours 1.56 s,
pyloudnorm 1.65 s (1.06x; the true peak's 72 multiply-adds per sample and channel took about
0.9 s of ours, the K-weighting IIR about 0.4 s); live 0.62 % of one core.  2026-12-03, after
the true-peak skip bounds and the block-matrix K-weighting (dsp/block_sos.py), one thread, the
process not set up as the command is: ours 1.61 s, pyloudnorm 2.62 s (1.63x), peak RSS +32 MB
vs +880 MB, integrated -22.638 vs -22.679 LUFS (pyloudnorm's default K-weighting is an RBJ
approximation); live 1.86 % of one core (loudness 0.44 %, true peak 0.93 %); 1.12 % once short blocks are
interpolated whole in one product (dsp/true_peak.py, SHORT_BLOCK_FRAMES).  The command's
own figure, with its threads, its BLAS and allocator set-up and every level it reports, is
``bench_levels_cli.py``'s.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

FS_HZ = 48000
MINUTES = 10
BLOCK_FRAMES = 65536
LIVE_BLOCK_FRAMES = 960


def make_file(path: str) -> None:
    import soundfile as sf

    from specscope.dsp.generator import GeneratorSettings, generate

    seg_s = 10.0
    pink = generate(GeneratorSettings(kind="pink", level_dbfs=0.0, fs_hz=FS_HZ, limit_dbfs=0.0), seg_s)
    tone = generate(GeneratorSettings(kind="sine", level_dbfs=-20.0, fs_hz=FS_HZ), seg_s)
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", FS_HZ, 2, subtype="FLOAT") as f:
        for i in range(int(MINUTES * 60 / seg_s)):
            seg = pink * np.float32(10 ** (rng.uniform(-40, -10) / 20)) + (tone if i % 3 == 0 else 0)
            f.write(np.stack([seg, seg * np.float32(10 ** (-3 / 20))], axis=1))


def run_ours(path: str) -> dict:
    import soundfile as sf

    from specscope.dsp.loudness import LoudnessMeter
    from specscope.dsp.true_peak import TruePeakMeter

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    loud, peak = LoudnessMeter(FS_HZ, 2), TruePeakMeter(FS_HZ, 2)
    for block in sf.blocks(path, blocksize=BLOCK_FRAMES, dtype="float32"):
        loud.process(block)
        peak.process(block)
    peak.flush()
    elapsed = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    return {
        "time_s": elapsed,
        "integrated_lufs": loud.integrated_lufs,
        "lra_lu": loud.loudness_range_lu,
        "true_peak_dbtp": peak.max_dbtp,
        "peak_rss_mb": rss / 1024,
    }


def run_pyloudnorm(path: str) -> dict:
    import pyloudnorm
    import soundfile as sf

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    data, fs = sf.read(path, dtype="float32")
    t1 = time.perf_counter()
    value = pyloudnorm.Meter(fs).integrated_loudness(data)
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    return {"time_s": t2 - t0, "compute_s": t2 - t1, "integrated_lufs": value, "peak_rss_mb": rss / 1024}


def live_cpu_percent() -> float:
    from specscope.dsp.loudness import LoudnessMeter
    from specscope.dsp.true_peak import TruePeakMeter

    seconds = 60
    x = (0.1 * np.random.default_rng(1).standard_normal((seconds * FS_HZ, 2))).astype(np.float32)
    loud, peak = LoudnessMeter(FS_HZ, 2), TruePeakMeter(FS_HZ, 2)
    t0 = time.process_time()
    for a in range(0, x.shape[0], LIVE_BLOCK_FRAMES):
        block = x[a : a + LIVE_BLOCK_FRAMES]
        loud.process(block)
        peak.process(block)
        _ = loud.momentary_lufs, loud.short_term_lufs
    return 100.0 * (time.process_time() - t0) / seconds


def subprocess_run(which: str, path: str) -> dict:
    out = subprocess.run([sys.executable, __file__, which, path], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.wav")
        make_file(path)
        print(f"{MINUTES} min, {FS_HZ} Hz stereo float32 WAV, {os.path.getsize(path) / 2**20:.0f} MiB")
        ours = min((subprocess_run("ours", path) for _ in range(3)), key=lambda r: r["time_s"])
        ref = min((subprocess_run("pyloudnorm", path) for _ in range(3)), key=lambda r: r["time_s"])
    print(
        f"ours (read in {BLOCK_FRAMES}-frame blocks + integrated + LRA + true peak): {ours['time_s']:.2f} s, "
        f"peak RSS +{ours['peak_rss_mb']:.1f} MB"
    )
    print(
        f"  integrated {ours['integrated_lufs']:.3f} LUFS, LRA {ours['lra_lu']:.2f} LU, "
        f"true peak {ours['true_peak_dbtp']:.2f} dBTP"
    )
    print(
        f"pyloudnorm (read whole + integrated): {ref['time_s']:.2f} s ({ref['compute_s']:.2f} s without the read), "
        f"peak RSS +{ref['peak_rss_mb']:.1f} MB"
    )
    print(f"  integrated {ref['integrated_lufs']:.3f} LUFS")
    print(
        f"time ratio pyloudnorm / ours: {ref['time_s'] / ours['time_s']:.2f}x (with reads), "
        f"{ref['compute_s'] / ours['time_s']:.2f}x (pyloudnorm without its read)"
    )
    print(f"integrated difference: {ours['integrated_lufs'] - ref['integrated_lufs']:+.3f} LU")
    print(
        f"live: LoudnessMeter + TruePeakMeter, {LIVE_BLOCK_FRAMES}-frame blocks: {live_cpu_percent():.2f} % of one core"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps({"ours": run_ours, "pyloudnorm": run_pyloudnorm}[sys.argv[1]](sys.argv[2])))
    else:
        main()
