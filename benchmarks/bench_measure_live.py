"""Benchmark: CPU of the live measurement path above the plain spectrogram path.

Thread: main (a script).  Run: ``.venv/bin/python benchmarks/bench_measure_live.py``.

48 kHz, N 4096, hop 1024 (46.9 frames/s).  The plain path is what the
pipeline's worker does per frame (:class:`~specscope.dsp.stft.StreamingStft`
with the complex spectrum kept, pushed 1024 samples at a time).  The
measurement path adds what :class:`~specscope.app.model.measurement.LiveMeasurement`
does with every published frame in the window: power from the frame's dBFS,
A weighting, the exponential (Fast) average of the spectrum, 1/3-octave band
powers, their average and peak hold; plus one snapshot (dB of spectrum and
bands, the averaged peak) per 10 Hz redraw.  Best of REPEATS runs of
SECONDS of audio; shares are of one core in real time.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np

from specscope.app.model.measurement import LiveMeasurement, MeasurementSettings
from specscope.dsp.config import StftConfig
from specscope.dsp.stft import StreamingStft

FS_HZ = 48000.0
CFG = StftConfig(fs_hz=FS_HZ, n_fft=4096, hop=1024)
SECONDS = 20.0
REPEATS = 5
SNAPSHOT_EVERY_S = 0.1


def plain(x: np.ndarray) -> list:
    stream = StreamingStft(CFG, keep_spectrum=True)
    out = []
    for a in range(0, x.size, CFG.hop):
        db, _ = stream.push(x[a : a + CFG.hop])
        out.extend(db)
    return out


def measured(frames: list) -> None:
    m = LiveMeasurement(MeasurementSettings(averaging="exponential", tau_s=0.125, weighting="A", fraction=3))
    every = max(1, round(SNAPSHOT_EVERY_S / CFG.hop_s))
    for i, db in enumerate(frames):
        m.push([SimpleNamespace(db=db, cfg=CFG)])
        if i % every == 0:
            m.snapshot()


def best_s(fn, *args) -> float:
    best = np.inf
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    x = (0.1 * np.random.default_rng(0).standard_normal(int(SECONDS * FS_HZ))).astype(np.float32)
    frames = plain(x)
    t_plain = best_s(plain, x)
    t_measure = best_s(measured, frames)
    n = len(frames)
    print(f"48 kHz, N {CFG.n_fft}, hop {CFG.hop}: {n} frames ({SECONDS:g} s of audio), best of {REPEATS}")
    print(f"  plain path (StreamingStft, spectrum kept)        {1e6 * t_plain / n:7.1f} us/frame "
          f"{100 * t_plain / SECONDS:6.2f} % of a core")
    print(f"  + measurement (A, 1/3 octave, Fast, snapshots)   {1e6 * t_measure / n:7.1f} us/frame "
          f"{100 * t_measure / SECONDS:6.2f} % of a core above the plain path")


if __name__ == "__main__":
    main()
