"""Benchmark: the live level meters' cost, meters plus loudness, at 48 kHz stereo (issue target: < 3 % of one core).

Thread: main (a script).  Run: ``.venv/bin/python benchmarks/bench_levels_live.py``.

What runs is what the live pipeline's DSP worker runs for the Levels dock:
:class:`~specscope.app.gui.meters.level_dock.MeterTap`, i.e. a
:class:`~specscope.app.model.levels.LevelsModel` (sample and true peak, Fast, Slow and Leq RMS with
A weighting, momentary, short-term and integrated loudness with LRA, per channel and the mix) fed
every raw block, and a new immutable snapshot after each.  60 s of stereo pink noise at -20 dBFS,
in blocks of 256, 480 and 1024 frames (PortAudio's sizes at low and default latency); CPU time
(``time.process_time``) per second of audio, as % of one core; best of 3.  The dock's painting,
10 times a second in the GUI thread, is not included (``bench_gui.py`` measures drawing).

Measured 2026-12-03 (2 shared cores, load 0.3): 2.23 %, 2.62 % and 2.26 % of one core for 256-,
480- and 1024-frame blocks (PulseAudio delivers 1024 here).  Before this session's changes the same
script read 14.0 %, 9.2 % and 4.0 %: per call, two ``lfilter`` calls for Fast and Slow (now one
product with cached weights), the true peak's per-stretch bounds on every short block (now one
product for all channels), the gated loudness recomputed from 10 000-bin histograms at every
snapshot (now only when a 100 ms step completes), and no gathering of short blocks.
"""

from __future__ import annotations

import time

import numpy as np

from specscope.app.gui.meters.level_dock import MeterTap
from specscope.dsp.generator import GeneratorSettings, generate

FS_HZ = 48000.0
SECONDS = 60


def percent_of_core(x: np.ndarray, block: int) -> float:
    best = float("inf")
    for _ in range(3):
        tap = MeterTap(FS_HZ, 2, "A")
        t0 = time.process_time()
        for a in range(0, x.shape[0], block):
            tap(a, x[a : a + block])
        best = min(best, time.process_time() - t0)
        assert tap.error is None, tap.error
    return 100.0 * best / SECONDS


def main() -> None:
    pink = generate(GeneratorSettings(kind="pink", level_dbfs=-20.0, fs_hz=FS_HZ), 2 * SECONDS)
    x = np.ascontiguousarray(pink.reshape(2, -1).T)
    for block in (256, 480, 1024):
        cost = percent_of_core(x, block)
        print(f"{block:5d}-frame blocks: meters + loudness {cost:.2f} % of one core (target < 3 %)")


if __name__ == "__main__":
    main()
