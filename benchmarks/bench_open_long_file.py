"""Open a 2-hour 48 kHz stereo WAV in the file view: time to first view, time to full overview, peak memory.

Thread: the main thread (it runs the Qt event loop offscreen; the analysis
runs in the file view's background jobs).

The file (16-bit PCM, about 1.4 GB) is generated once in /tmp (never in the
repository) and reused: quiet noise, a 1 kHz tone throughout, a 3 kHz tone
every tenth minute and one 5 ms click at 1:23:45.  Targets (issue 5): first
view < 2 s, full overview < 30 s, process peak RSS < 400 MB, and the window
responsive throughout, measured here as the longest gap between ticks of a
10 ms GUI timer and the time a repaint of the whole widget takes.

Usage::

    .venv/bin/python benchmarks/bench_open_long_file.py [--path /tmp/specscope_2h_stereo.wav] [--hop 512]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np

DEFAULT_PATH = "/tmp/specscope_2h_stereo.wav"
FS_HZ = 48000
DURATION_S = 2 * 3600
CLICK_AT_S = 1 * 3600 + 23 * 60 + 45


def make_file(path: str) -> None:
    """Write the 2-hour test file in 60 s pieces (bounded memory)."""
    import soundfile as sf

    rng = np.random.default_rng(7)
    piece = 60 * FS_HZ
    tmp = path + ".part"
    with sf.SoundFile(tmp, "w", samplerate=FS_HZ, channels=2, subtype="PCM_16", format="WAV") as f:
        for start in range(0, DURATION_S * FS_HZ, piece):
            n = np.arange(start, start + piece)
            t = n / FS_HZ
            x = 0.003 * rng.standard_normal((piece, 2)).astype(np.float32)
            x[:, 0] += 0.2 * np.sin(2 * np.pi * 1000.0 * t).astype(np.float32)
            if (start // piece) % 10 == 0:
                x[:, 1] += 0.2 * np.sin(2 * np.pi * 3000.0 * t).astype(np.float32)
            click = CLICK_AT_S * FS_HZ
            if start <= click < start + piece:
                i = click - start
                x[i : i + FS_HZ // 200, :] += 0.8
            f.write(x)
    os.replace(tmp, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=DEFAULT_PATH)
    parser.add_argument("--hop", type=int, default=512, help="hop in samples (n_fft 2048)")
    args = parser.parse_args()
    if not os.path.exists(args.path):
        print(f"generating {args.path} (once) ...", flush=True)
        t0 = time.perf_counter()
        make_file(args.path)
        print(f"  written in {time.perf_counter() - t0:.1f} s", flush=True)
    size_gb = os.path.getsize(args.path) / 1e9

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from specscope.app.gui.file_view import FileView

    app = QApplication.instance() or QApplication(sys.argv)
    view = FileView()
    view.resize(1400, 700)
    view.show()
    view.set_config({"n_fft": 2048, "hop": args.hop})
    app.processEvents()
    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    marks: dict[str, float] = {}
    gaps = {"max_s": 0.0, "last": time.perf_counter(), "paint_max_s": 0.0}

    gaps["after_first_s"] = 0.0

    def tick() -> None:
        now = time.perf_counter()
        gaps["max_s"] = max(gaps["max_s"], now - gaps["last"])
        if "first" in marks:
            gaps["after_first_s"] = max(gaps["after_first_s"], now - gaps["last"])
        gaps["last"] = now

    def repaint() -> None:
        t = time.perf_counter()
        view.repaint()
        gaps["paint_max_s"] = max(gaps["paint_max_s"], time.perf_counter() - t)

    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    painter = QTimer(interval=200)
    painter.timeout.connect(repaint)
    view.loaded.connect(lambda _: marks.setdefault("first", time.perf_counter()))
    view.analysis_finished.connect(lambda _: marks.setdefault("full", time.perf_counter()))
    view.error.connect(lambda msg: (print("error:", msg), marks.setdefault("full", time.perf_counter())))

    t_start = time.perf_counter()
    gaps["last"] = t_start
    timer.start()
    painter.start()
    view.load(args.path)
    while "full" not in marks and time.perf_counter() - t_start < 300:
        app.processEvents()
        time.sleep(0.002)
    timer.stop()
    painter.stop()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cfg = view.cfg
    ov = view.overview_tile

    print(f"file: {args.path} ({size_gb:.2f} GB, {view.analysis.info.duration_s / 3600:.2f} h, "
          f"{view.analysis.info.channels} ch, {view.analysis.info.fs_hz:g} Hz)")
    print(f"settings: {cfg.describe()}; {view.analysis.n_frames} frames -> {ov.n_cols} overview columns "
          f"of {ov.fpc} frames")
    print(f"time to first view:    {marks.get('first', float('nan')) - t_start:6.2f} s   (target < 2 s)")
    print(f"time to full overview: {marks.get('full', float('nan')) - t_start:6.2f} s   (target < 30 s)")
    print(f"peak RSS:              {peak_rss_mb:6.0f} MB  (target < 400 MB; {rss_before_mb:.0f} MB before loading)")
    print(f"GUI responsiveness:    longest gap between 10 ms timer ticks {1e3 * gaps['max_s']:.0f} ms "
          f"({1e3 * gaps['after_first_s']:.0f} ms after the first view), "
          f"longest full repaint {1e3 * gaps['paint_max_s']:.0f} ms")
    # The click at 1:23:45 must be in the overview (max pooling keeps a 5 ms event).
    c = ov.column_at(CLICK_AT_S)
    hi_band = ov.db[cfg.n_freqs // 2 :, :]
    print(f"click at {CLICK_AT_S} s visible in overview column {c}: {hi_band[:, c].max():.1f} dBFS at 12-24 kHz, "
          f"median column {np.median(hi_band.max(axis=0)):.1f} dBFS")
    view.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
