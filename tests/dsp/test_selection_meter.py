"""SelectionMeter: a run of boxes measured with one buffer and batched peak fits gives measure_samples' numbers."""

import dataclasses
import math

import numpy as np

from specscope.dsp.config import StftConfig
from specscope.dsp.selection_measures import box_frames, measure_samples
from specscope.dsp.selection_meter import SelectionMeter

CFG = StftConfig(fs_hz=48000.0, n_fft=2048, hop=512)


def test_measure_many_equals_measure_samples_box_by_box():
    rng = np.random.default_rng(3)
    n = 20 * 48000
    t = np.arange(n) / CFG.fs_hz
    x = 1e-3 * rng.standard_normal(n)
    boxes = []
    for i, f_hz in enumerate(rng.uniform(1000, 15000, 12)):
        on = 0.5 + 1.5 * i
        x += 0.2 * np.sin(2 * np.pi * f_hz * t) * ((t >= on) & (t < on + 0.8))
        boxes.append((on - 0.1, on + 0.9, f_hz - 300, f_hz + 300))
    boxes.append((0.01, 0.02, None, None))  # one frame: fitted at once
    boxes.append((19.0, 19.5, 1.0, 50.0))  # near DC: fitted at once
    x = x.astype(np.float32)
    n_total = CFG.n_frames(n)
    items = []
    for b0, b1, lo, hi in boxes:
        first, m = box_frames(CFG, n_total, b0, b1)
        items.append((x[first * CFG.hop : (first + m - 1) * CFG.hop + CFG.n_fft], first, b0, b1, lo, hi))
    meter = SelectionMeter(CFG)
    many = meter.measure_many(items)
    for item, got in zip(items, many, strict=True):
        want = measure_samples(item[0], CFG, *item[1:])
        assert abs(got.peak_freq_hz - want.peak_freq_hz) <= 1e-9 * CFG.delta_f_hz
        same = dataclasses.astuple(dataclasses.replace(got, peak_freq_hz=want.peak_freq_hz))
        for a, b in zip(same, dataclasses.astuple(want), strict=True):
            assert a == b or (math.isnan(a) and math.isnan(b))
        (alone,) = meter.measure_many([item])
        assert abs(alone.peak_freq_hz - want.peak_freq_hz) <= 1e-9 * CFG.delta_f_hz
