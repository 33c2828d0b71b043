"""Live GUI benchmark: repaint rate, CPU, paint latency and lost frames.

Thread: the main thread (it runs the Qt event loop); the pipeline runs its own
worker thread, and a feeder thread writes a tone to PulseAudio through pacat.

Run it as ``.venv/bin/python benchmarks/bench_gui.py [--seconds 10]``: it starts a
private PulseAudio null sink and Xvfb (scripts/test-services.sh with its own
state folder and display :96) and stops them at the end, so test runs sharing
the usual services cannot disturb the measurement; ``--shared-services`` uses
the running ones instead.

Each contender runs in its own subprocess on the Xvfb display (QT_QPA_PLATFORM
xcb) with the same pipeline (48 kHz, n_fft 2048, hop 256: 187.5 frames/s) fed
by a 1 kHz tone, in a 1600 x 900 window showing 10 s:

* ``specscope``: the real main window (a ring of image tiles; per repaint only
  the tile with new columns is re-rendered);
* ``pipeline``: the same pipeline with no window at all, to separate the
  display's share of the CPU from the capture and STFT's;
* ``naive``: the peer, pyqtgraph's ``examples/scrollingPlots.py`` approach: one
  ImageItem whose whole (n_freqs x 1875) array is shifted with ``np.roll`` for
  every frame and set again with ``setImage`` on every repaint.

Reported: repaints per second of the spectrogram's viewport (paint events),
process CPU as % of one core (user + system time over wall time; also the
GUI thread's own share, the rest being the pipeline's worker, PortAudio and
Qt's X11 thread), the
latency from a frame's last sample to its column being painted (pipeline
median + GUI arrival-to-paint median), and lost audio (overflows, overwritten,
dropped).  Targets: >= 60 repaints/s, < 35 % of one core.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

FS_HZ = 48000.0
N_FFT = 2048
HOP = 256
SPAN_S = 10.0
WIDTH, HEIGHT = 1600, 900
TONE_HZ = 1000.0
SERVICES = Path(__file__).resolve().parents[1] / "scripts" / "test-services.sh"
PRIVATE_STATE = "/tmp/specscope-bench-gui-services"
PRIVATE_DISPLAY = ":96"


def _start_private_services() -> dict:
    """Start a PulseAudio server and Xvfb of our own (scripts/test-services.sh with its own state and display).

    Exports their variables into os.environ and returns the environment to stop them with.
    """
    env = dict(os.environ, SPECSCOPE_TEST_STATE=PRIVATE_STATE, SPECSCOPE_TEST_DISPLAY=PRIVATE_DISPLAY)
    for key in ("PULSE_RUNTIME_PATH", "PULSE_STATE_PATH", "XDG_RUNTIME_DIR", "PULSE_SERVER"):
        env.pop(key, None)
    res = subprocess.run([str(SERVICES), "start"], env=env, capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        raise SystemExit(f"bench_gui: could not start private services: {res.stderr.strip()}")
    for line in res.stdout.splitlines():
        if line.startswith("export "):
            for assignment in line[len("export "):].split():
                key, _, value = assignment.partition("=")
                os.environ[key] = value
                env[key] = value
    return env


def _feeder(stop: threading.Event) -> subprocess.Popen:
    """Start pacat playing a 1 kHz tone into the test sink until `stop` is set."""
    sink = os.environ.get("SPECSCOPE_TEST_SINK", "specscope_test")
    proc = subprocess.Popen(
        ["pacat", f"--device={sink}", "--format=float32le", f"--rate={int(FS_HZ)}", "--channels=1", "--raw",
         "--latency-msec=50"],
        stdin=subprocess.PIPE,
    )
    block = int(FS_HZ) // 10

    def run() -> None:
        n = 0
        while not stop.is_set():
            t = (n + np.arange(block)) / FS_HZ
            try:
                proc.stdin.write((0.5 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32).tobytes())
                proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                return
            n += block

    threading.Thread(target=run, daemon=True).start()
    return proc


def _paint_counter(widget, on_paint=None):
    from PyQt6.QtCore import QEvent, QObject

    class Counter(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.times: list[float] = []

        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint:
                self.times.append(time.perf_counter())
                if on_paint is not None:
                    on_paint()
            return False

    c = Counter()
    widget.viewport().installEventFilter(c)
    return c


class _Naive:
    """The peer: whole-array shift and setImage, as in pyqtgraph's scrollingPlots example."""

    def __init__(self, cfg) -> None:
        import pyqtgraph as pg
        from PyQt6.QtCore import QObject, pyqtSignal

        from specscope.app.gui.colormaps import lookup_table

        class Bridge(QObject):
            frames = pyqtSignal(object)

        self.cfg = cfg
        self.n_cols = round(SPAN_S / cfg.hop_s)
        self.data = np.full((cfg.n_freqs, self.n_cols), -120.0, dtype=np.float32)
        self.widget = pg.PlotWidget()
        self.widget.resize(WIDTH, HEIGHT)
        self.img = pg.ImageItem(axisOrder="row-major")
        self.img.setImage(self.data, levels=(-120.0, 0.0), lut=lookup_table("inferno"), autoLevels=False)
        self.img.setRect(0.0, cfg.freq_extent_hz[0], SPAN_S, cfg.freq_extent_hz[1] - cfg.freq_extent_hz[0])
        self.widget.addItem(self.img)
        self.bridge = Bridge()
        self.bridge.frames.connect(self.on_frames)
        self.latencies: list[float] = []
        self.pending = 0
        self._arrived = 0.0
        self._drawn_arrival: float | None = None

    def on_frames(self, frames) -> None:
        for f in frames:
            self.data = np.roll(self.data, -1, axis=1)
            self.data[:, -1] = f.db
        self.pending += len(frames)
        self._arrived = time.perf_counter()

    def tick(self) -> None:
        if self.pending:
            self.img.setImage(self.data, autoLevels=False)
            self.pending = 0
            self._drawn_arrival = self._arrived

    def painted(self) -> None:
        """Called on each paint event of the viewport: the newest column set by tick() is now on screen."""
        if self._drawn_arrival is not None:
            self.latencies.append(time.perf_counter() - self._drawn_arrival)
            self._drawn_arrival = None


def run_one(mode: str, seconds: float) -> dict:
    """Run one contender in this process and return its numbers."""
    from PyQt6.QtCore import QSettings, QTimer
    from PyQt6.QtWidgets import QApplication

    from specscope.app.gui.launch import application

    app: QApplication = application()
    tmp_ini = f"/tmp/specscope-bench-{os.getpid()}.ini"
    if mode == "specscope":
        from specscope.app.gui.main_window import MainWindow

        store = QSettings(tmp_ini, QSettings.Format.IniFormat)
        store.clear()
        win = MainWindow(store=store, autostart=False)
        s = win.settings
        win.set_settings(s.replace(input=s.input.replace(fs_hz=FS_HZ),
                                   analysis=s.analysis.replace(n_fft=N_FFT, hop=HOP),
                                   display=s.display.replace(span_s=SPAN_S)))
        win.resize(WIDTH, HEIGHT)
        win.show()
        if not win.start():
            return {"mode": mode, "error": win.banner.text.text()}
        counter = _paint_counter(win.spectrogram)
        stats = win.pipeline.stats
        latencies = win.spectrogram.paint_latencies_s
        stop_pipe = win.stop
        tick = None
    elif mode == "pipeline":
        from types import SimpleNamespace

        from specscope.app.live.capture import CaptureSource
        from specscope.app.live.pipeline import Pipeline
        from specscope.dsp.config import StftConfig

        pipe = Pipeline(CaptureSource(fs_hz=FS_HZ), StftConfig(FS_HZ, N_FFT, HOP), channel="mix",
                        on_frames=lambda frames: None, on_error=lambda msg: None)
        pipe.start()
        counter = SimpleNamespace(times=[])
        stats = pipe.stats
        latencies = []
        stop_pipe = pipe.stop
        tick = None
    else:
        from specscope.app.live.capture import CaptureSource
        from specscope.app.live.pipeline import Pipeline
        from specscope.dsp.config import StftConfig

        cfg = StftConfig(FS_HZ, N_FFT, HOP)
        naive = _Naive(cfg)
        naive.widget.show()
        pipe = Pipeline(CaptureSource(fs_hz=FS_HZ), cfg, channel="mix", on_frames=naive.bridge.frames.emit,
                        on_error=lambda msg: None)
        pipe.start()
        counter = _paint_counter(naive.widget, naive.painted)
        stats = pipe.stats
        latencies = naive.latencies
        stop_pipe = pipe.stop
        tick = QTimer()
        tick.timeout.connect(naive.tick)
        tick.start(16)

    warmup_s = 2.0
    result: dict = {"mode": mode}

    def measure_start() -> None:
        result["t0"] = time.perf_counter()
        result["cpu0"] = time.process_time()
        result["gui0"] = time.thread_time()
        result["paints0"] = len(counter.times)
        result["stats0"] = stats()
        result["lat0"] = len(latencies)

    def measure_end() -> None:
        wall = time.perf_counter() - result.pop("t0")
        cpu = time.process_time() - result.pop("cpu0")
        gui = time.thread_time() - result.pop("gui0")
        st0, st1 = result.pop("stats0"), stats()
        result.update(
            repaint_hz=(len(counter.times) - result.pop("paints0")) / wall,
            cpu_percent_of_one_core=100.0 * cpu / wall,
            gui_thread_cpu_percent=100.0 * gui / wall,
            frames_per_s=(st1.frames - st0.frames) / wall,
            pipeline_latency_ms_median=st1.latency_ms_median,
            pipeline_latency_ms_p95=st1.latency_ms_p95,
            gui_arrival_to_paint_ms_median=1e3 * float(np.median(latencies[result.pop("lat0"):] or [np.nan])),
            dsp_ms_per_frame=st1.dsp_ms_per_frame,
            overflows=st1.overflows - st0.overflows,
            overwritten=st1.overwritten - st0.overwritten,
            dropped=st1.dropped - st0.dropped,
        )
        result["frame_to_paint_ms_median"] = result["pipeline_latency_ms_median"] + result[
            "gui_arrival_to_paint_ms_median"]
        stop_pipe()
        app.quit()

    QTimer.singleShot(int(warmup_s * 1000), measure_start)
    QTimer.singleShot(int((warmup_s + seconds) * 1000), measure_end)
    app.exec()
    if tick is not None:
        tick.stop()
    if os.path.exists(tmp_ini):
        os.remove(tmp_ini)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per contender (default 10)")
    parser.add_argument("--only", choices=["specscope", "naive", "pipeline"],
                        help="run one contender in this process")
    parser.add_argument("--shared-services", action="store_true",
                        help="use the running test services (default: a private PulseAudio and Xvfb, started and "
                             "stopped here, so concurrent test runs cannot unload the sink mid-measurement)")
    args = parser.parse_args()
    if args.only:
        print(json.dumps(run_one(args.only, args.seconds)))
        return 0
    private = None
    if args.shared_services:
        display = os.environ.get("SPECSCOPE_TEST_DISPLAY")
        if not display or "PULSE_RUNTIME_PATH" not in os.environ:
            print('bench_gui: start the test services first: eval "$(scripts/test-services.sh start)"',
                  file=sys.stderr)
            return 2
    else:
        private = _start_private_services()
        display = os.environ["SPECSCOPE_TEST_DISPLAY"]
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=display)
    stop = threading.Event()
    feeder = _feeder(stop)
    results = []
    try:
        for mode in ("specscope", "naive", "pipeline"):
            out = subprocess.run([sys.executable, __file__, "--only", mode, "--seconds", str(args.seconds)],
                                 env=env, capture_output=True, text=True, timeout=args.seconds + 60)
            line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
            try:
                results.append(json.loads(line))
            except json.JSONDecodeError:
                results.append({"mode": mode, "error": (out.stderr or "no output").strip().splitlines()[-1]})
    finally:
        stop.set()
        feeder.terminate()
        feeder.wait(timeout=5)
        if private is not None:
            subprocess.run([str(SERVICES), "stop"], env=private, capture_output=True, timeout=30)
    print(f"48 kHz, n_fft {N_FFT}, hop {HOP} ({FS_HZ / HOP:.1f} frames/s), {WIDTH}x{HEIGHT} window showing "
          f"{SPAN_S:g} s, {args.seconds:g} s measured after 2 s warm-up, Xvfb + PulseAudio null sink")
    keys = ["repaint_hz", "cpu_percent_of_one_core", "gui_thread_cpu_percent", "frames_per_s",
            "frame_to_paint_ms_median",
            "pipeline_latency_ms_median", "gui_arrival_to_paint_ms_median", "dsp_ms_per_frame",
            "overflows", "overwritten", "dropped"]
    print(f"{'':32s}" + "".join(f"{r['mode']:>14s}" for r in results))
    for k in keys:
        row = "".join(f"{r.get(k, float('nan')):14.2f}" if isinstance(r.get(k, 0), float) else f"{r.get(k, '-'):>14}"
                      for r in results)
        print(f"{k:32s}{row}")
    for r in results:
        if "error" in r:
            print(f"{r['mode']}: error: {r['error']}")
        elif r.get("frames_per_s", 0.0) < 0.95 * FS_HZ / HOP:
            print(f"{r['mode']}: WARNING: only {r['frames_per_s']:.1f} frames/s arrived (input disturbed?): "
                  "its numbers are not comparable")
    if len(results) == 3 and all("cpu_percent_of_one_core" in r for r in results):
        s, n, p = results
        print(f"specscope / naive: CPU {s['cpu_percent_of_one_core'] / n['cpu_percent_of_one_core']:.2f}x, "
              f"repaint rate {s['repaint_hz'] / max(n['repaint_hz'], 1e-9):.2f}x")
        print(f"display's share (window minus pipeline alone): specscope "
              f"{s['cpu_percent_of_one_core'] - p['cpu_percent_of_one_core']:.1f} %, naive "
              f"{n['cpu_percent_of_one_core'] - p['cpu_percent_of_one_core']:.1f} % of one core")
    print("targets: repaint >= 60 /s, CPU < 35 % of one core, no lost frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
