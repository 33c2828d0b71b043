"""Benchmark: `specscope export` work against librosa.stft and scipy's ShortTimeFFT.

Thread: main (a script).  Run: ``.venv/bin/python benchmarks/bench_export.py``
(``make bench`` installs librosa first).

The same work for each: read a 10-minute 48 kHz mono WAV, compute the
magnitude spectrogram (n_fft 2048, hop 512, periodic Hann, no centring) and
convert it to dB.  Each contender runs in its own process so that peak memory
(ru_maxrss, minus the process's size after its imports) is its own; each runs
REPEATS times and the best time counts, because this machine's two cores are
shared and noisy.  Printed: seconds, ratio to specscope, real-time factor
(audio seconds per second of work), peak memory against the output's size.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

FS_HZ = 48000
DURATION_S = 600.0
N_FFT, HOP = 2048, 512
REPEATS = 3
WAV = Path("/tmp/specscope-bench-10min.wav")


def make_file() -> None:
    import soundfile as sf

    if WAV.exists():
        return
    rng = np.random.default_rng(0)
    with sf.SoundFile(WAV, "w", FS_HZ, 1, "PCM_16") as fh:
        for i in range(int(DURATION_S)):
            t = i + np.arange(FS_HZ) / FS_HZ
            fh.write(0.3 * np.sin(2 * np.pi * (440 + 10 * i) * t) + 0.01 * rng.standard_normal(FS_HZ))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_specscope() -> np.ndarray:
    from specscope.app.io.audio_file import open_audio
    from specscope.dsp.config import StftConfig
    from specscope.dsp.stft import stft_db_blocks

    with open_audio(str(WAV)) as reader:
        cfg = StftConfig(fs_hz=reader.info.fs_hz, n_fft=N_FFT, hop=HOP, window="hann")
        n = reader.info.frames
        return stft_db_blocks(reader.blocks(0, n), n, cfg)


def run_librosa() -> np.ndarray:
    import librosa
    import soundfile as sf

    x, _ = sf.read(WAV, dtype="float32")
    mag = np.abs(librosa.stft(x, n_fft=N_FFT, hop_length=HOP, window="hann", center=False))
    return librosa.amplitude_to_db(mag, ref=1.0, amin=1e-10, top_db=None)


def run_scipy() -> np.ndarray:
    import soundfile as sf
    from scipy.signal import ShortTimeFFT, get_window

    x, _ = sf.read(WAV, dtype="float32")
    sft = ShortTimeFFT(get_window("hann", N_FFT), hop=HOP, fs=FS_HZ, scale_to="magnitude", fft_mode="onesided2X")
    # Causal frames only, as specscope computes them: slices that lie wholly inside the signal.
    p0 = sft.lower_border_end[1]
    p1 = sft.upper_border_begin(len(x))[1]
    mag = np.abs(sft.stft(x, p0=p0, p1=p1))
    return 20 * np.log10(np.maximum(mag, 1e-10))


CONTENDERS = {"specscope": run_specscope, "librosa.stft": run_librosa, "scipy ShortTimeFFT": run_scipy}


def one(name: str) -> None:
    """Run one contender REPEATS times in this process and print a JSON line."""
    fn = CONTENDERS[name]
    # Import the contender's modules before measuring the baseline.
    if name == "librosa.stft":
        import librosa  # noqa: F401
    elif name == "scipy ShortTimeFFT":
        import scipy.signal  # noqa: F401
    else:
        import specscope.app.io.audio_file
        import specscope.dsp.stft  # noqa: F401
    import soundfile  # noqa: F401

    base_mb = rss_mb()
    best_s = float("inf")
    shape = None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        out = fn()
        best_s = min(best_s, time.perf_counter() - t0)
        shape = out.shape
        del out
    print(json.dumps({"name": name, "best_s": best_s, "peak_mb": rss_mb() - base_mb, "shape": shape}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", choices=list(CONTENDERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return 0
    make_file()
    results = {}
    for name in CONTENDERS:
        proc = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True, check=True)
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    ours = results["specscope"]
    out_mb = 4 * (N_FFT // 2 + 1) * (1 + (int(FS_HZ * DURATION_S) - N_FFT) // HOP) / 2**20
    print(f"10 min 48 kHz mono, n_fft {N_FFT}, hop {HOP}, Hann; best of {REPEATS}; output {out_mb:.1f} MB float32")
    print(f"{'contender':<20} {'time_s':>8} {'x slower than specscope':>24} {'real-time factor':>17} {'peak_MB':>8}")
    for name, r in results.items():
        ratio = r["best_s"] / ours["best_s"]
        print(f"{name:<20} {r['best_s']:8.3f} {ratio:24.2f} {DURATION_S / r['best_s']:17.0f} {r['peak_mb']:8.1f}")
    print(f"specscope peak memory - output size = {ours['peak_mb'] - out_mb:.1f} MB (target < 100 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
