"""The waveform strip of a 2-hour 48 kHz stereo file: time to its first and whole-file envelope, peak memory.

Thread: the main thread (it runs the Qt event loop offscreen; the pyramid and
the spectrogram overview run in the file view's background jobs, together).

The file is :mod:`bench_open_long_file`'s (16-bit PCM, about 1.4 GB in /tmp,
generated once): quiet noise, a 1 kHz tone, a 3 kHz tone every tenth minute
and a 5 ms click at 1:23:45.  Targets (issue 15): the whole file's strip
within 2 s of opening, the process under 400 MB, and the click in the strip.

Usage::

    .venv/bin/python benchmarks/bench_waveform.py [--path /tmp/specscope_2h_stereo.wav]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_open_long_file import CLICK_AT_S, DEFAULT_PATH, make_file


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=DEFAULT_PATH)
    args = parser.parse_args()
    if not os.path.exists(args.path):
        print(f"generating {args.path} (once) ...", flush=True)
        make_file(args.path)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtWidgets import QApplication

    from specscope.app.gui.file_view import FileView

    app = QApplication.instance() or QApplication(sys.argv)
    view = FileView()
    view.resize(1400, 700)
    view.show()
    app.processEvents()
    marks: dict[str, float] = {}
    view.waveform_ready.connect(lambda _: marks.setdefault("wave", time.perf_counter()))
    view.analysis_finished.connect(lambda _: marks.setdefault("overview", time.perf_counter()))
    gap = {"max": 0.0}
    t0 = last = time.perf_counter()
    view.load(args.path)
    while ("wave" not in marks or "overview" not in marks) and time.perf_counter() - t0 < 300:
        app.processEvents()
        now = time.perf_counter()
        gap["max"] = max(gap["max"], now - last)
        last = now
        time.sleep(0.002)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    info = view.analysis.info
    print(f"file: {args.path} ({os.path.getsize(args.path) / 1e9:.2f} GB, {info.duration_s / 3600:.2f} h, "
          f"{info.channels} ch, {info.fs_hz:g} Hz, {info.encoding})")
    print(f"strip first drawn:        {view.t_waveform_first_s:6.2f} s after opening")
    print(f"strip of the whole file:  {marks['wave'] - t0:6.2f} s   (target < 2 s)")
    print(f"spectrogram overview:     {marks['overview'] - t0:6.2f} s   (running at the same time)")
    print(f"peak RSS:                 {peak_rss_mb:6.0f} MB  (target < 400 MB)")
    print(f"longest GUI event-loop gap: {1e3 * gap['max']:.0f} ms")
    pyr = view.wave_pyramid
    levels_mb = sum(lo.nbytes + hi.nbytes for lo, hi in pyr.levels) / 1e6
    n_px = view.waveform.pixels()
    _, hi = pyr.envelope(0.0, info.duration_s, n_px)
    px = int(CLICK_AT_S / info.duration_s * n_px)
    loudest = int(hi.max(axis=1).argmax())
    print(f"pyramid: {len(pyr.levels)} levels, {levels_mb:.1f} MB; click at {CLICK_AT_S} s (pixel {px} of {n_px}): "
          f"loudest pixel {loudest}, max {hi[loudest].max():.3f} (median pixel max {np.median(hi.max(axis=1)):.3f})")
    view.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
