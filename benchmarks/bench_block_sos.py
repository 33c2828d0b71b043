"""Benchmark: the block-matrix IIR filter (dsp/block_sos.py) against scipy's ``sosfilt`` on the same blocks.

Thread: main (a script).  Run: ``.venv/bin/python benchmarks/bench_block_sos.py``.

A- and K-weighting at 48 kHz on 60 blocks of 2 x 131072 samples (stereo, the block ``specscope
levels`` reads) of pink noise at -20 dBFS; ms per block, best of 5 passes; ``sosfilt`` in float32
(coefficients, signal and state), as the levels code ran before, and in float64.  The process is
set up as the ``specscope`` command (one BLAS thread, freed memory kept: app/process_setup.py).

Measured 2026-12-03 (2 shared cores, load 0.5-0.7, three runs): A 1.07-1.16 ms against
1.90-2.08 ms for float32 ``sosfilt`` (1.64-1.87x), K 0.97-1.06 ms against 1.74-1.82 ms
(1.67-1.84x); float64 ``sosfilt`` costs about the same as float32.
"""

from __future__ import annotations

import time

import specscope.app.cli  # noqa: F401  first, as the ``specscope`` command: one BLAS thread

# isort: split
import numpy as np
import scipy.signal

from specscope.app.process_setup import keep_freed_memory
from specscope.dsp.block_sos import BlockSosFilter
from specscope.dsp.generator import GeneratorSettings, generate
from specscope.dsp.loudness import k_weighting_sos
from specscope.dsp.weighting import weighting_sos

FS_HZ = 48000.0
BLOCK = 131072
N_BLOCKS = 60


def best_ms(fn, blocks) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for x in blocks:
            fn(x)
        best = min(best, time.perf_counter() - t0)
    return best / len(blocks) * 1e3


def main() -> None:
    keep_freed_memory()
    pink = generate(GeneratorSettings(kind="pink", level_dbfs=-20.0, fs_hz=FS_HZ), 2 * BLOCK * N_BLOCKS / FS_HZ)
    blocks = [np.ascontiguousarray(b) for b in pink[: 2 * BLOCK * N_BLOCKS].reshape(N_BLOCKS, 2, BLOCK)]
    for name, sos in (("A", weighting_sos("A", FS_HZ)), ("K", k_weighting_sos(FS_HZ))):
        sos32 = sos.astype(np.float32)
        zi32 = np.zeros((sos.shape[0], 2, 2), np.float32)
        zi64 = np.zeros((sos.shape[0], 2, 2))
        ours = best_ms(BlockSosFilter(sos, 2).filter, blocks)
        f32 = best_ms(lambda x, s=sos32, z=zi32: scipy.signal.sosfilt(s, x, axis=-1, zi=z), blocks)
        f64 = best_ms(lambda x, s=sos, z=zi64: scipy.signal.sosfilt(s, x, axis=-1, zi=z), blocks)
        print(f"{name}: block {ours:.3f} ms, sosfilt float32 {f32:.3f} ms ({f32 / ours:.2f}x), "
              f"float64 {f64:.3f} ms ({f64 / ours:.2f}x)")


if __name__ == "__main__":
    main()
