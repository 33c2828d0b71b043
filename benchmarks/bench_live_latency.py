"""Latency and CPU cost of the live path: ADC -> ring buffer -> DSP worker -> published frame.

Thread: the main thread runs the pipeline (its worker and PortAudio's callback run in their own threads).

For PortAudio's low and high latency settings, at 48 kHz, n_fft 2048, hop 256, this runs the real
pipeline on an input device for a while and reports:

* latency from the ADC time of each frame's last sample to the frame's publication (median, 95th
  percentile and minimum, ms), after a warm-up, both times on the host's monotonic clock (see
  ``capture.TimingAnchors``): it is never negative; the peer figure is Friture's quoted minimum
  response time of 21.3 ms for 1024 points at 48 kHz, and the target is a median under 30 ms at low
  latency;
* CPU time per second of audio: the pipeline (the DSP worker thread plus PortAudio's callback
  thread, the two threads specscope runs), the whole process (adding the sound server's client
  threads and the idle main thread) and the busiest threads; the target is a pipeline under 5 % of
  one core;
* the cost of one peak estimate (the worker fits the newest frame of a batch, 10 per second:
  included in the worker's CPU above);
* a loopback through the sound server (``--loopback``, on by default): a PortAudio output stream
  plays clicks into the default output (the test's null sink, whose monitor is the input), at known
  times (the output callback's, plus PortAudio's output DAC delay); for the first frame holding each
  click, the reported latency is compared with the loopback's (publication time minus playback time
  minus the samples from the click to the frame's last sample).

Usage, with the test services (a PulseAudio null sink; any real input works too)::

    eval "$(scripts/test-services.sh start)"
    .venv/bin/python benchmarks/bench_live_latency.py --seconds 10 [--device pulse] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import threading
import time

import numpy as np

from specscope.app.live.capture import CaptureSource
from specscope.app.live.pipeline import Pipeline
from specscope.dsp.config import StftConfig
from specscope.dsp.peaks import estimate_peak

FRITURE_MIN_RESPONSE_MS = 21.3
"""Friture's documented minimum response time, 1024 points at 48 kHz."""
TARGET_MEDIAN_MS = 30.0
TARGET_CPU_FRACTION = 0.05
WARMUP_S = 2.5
"""Discarded: an idle PulseAudio null sink delivers its first block after up to 2 s."""


def thread_cpu_s(native_id: int) -> float:
    """CPU time of one thread of this process, in seconds (Linux /proc; first field of schedstat, ns)."""
    with open(f"/proc/self/task/{native_id}/schedstat") as f:
        return int(f.read().split()[0]) * 1e-9


def all_threads_cpu_s() -> dict[str, float]:
    """CPU seconds of every thread of this process, keyed by ``name[tid]``."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                name = f.read().strip()
            out[f"{name}[{tid}]"] = thread_cpu_s(int(tid))
        except OSError:
            continue
    return out


def measure(device: str | None, latency: str, seconds: float, blocksize: int | None = None) -> dict:
    cfg = StftConfig(48000.0, n_fft=2048, hop=256)
    latencies: list[float] = []
    lock = threading.Lock()

    def on_frames(frames) -> None:
        with lock:
            latencies.extend(f.latency_ms for f in frames if f.latency_ms is not None)

    source = CaptureSource(device, 48000.0, 1, latency=latency, blocksize=blocksize)
    pipe = Pipeline(source, cfg, on_frames=on_frames)
    pipe.start()
    try:
        time.sleep(WARMUP_S)
        with lock:
            latencies.clear()
        st0 = pipe.stats()
        samples0, peaks0 = st0.samples_in, st0.peaks
        worker0 = thread_cpu_s(pipe._thread.native_id)
        threads0 = all_threads_cpu_s()
        proc0 = time.process_time()
        time.sleep(seconds)
        worker1 = thread_cpu_s(pipe._thread.native_id)
        threads1 = all_threads_cpu_s()
        proc1 = time.process_time()
        own = {f"{name}[{tid}]" for tid, name in ((threading.main_thread().native_id, "python"),
                                                  (pipe._thread.native_id, "python"))}
        stats = pipe.stats()
        stream_latency_s = source.actual_latency_s or 0.0
    finally:
        pipe.stop()
    audio_s = (stats.samples_in - samples0) / cfg.fs_hz
    with lock:
        lat = np.array(latencies)
    # PortAudio's callback thread inherits the process's name ("python"); the sound server's client
    # library runs its own threads (PulseAudio: "threaded-ml").  Idle helper threads add ~0.
    callback_s = sum(threads1[k] - threads0.get(k, 0.0) for k in threads1 if k.startswith("python[") and k not in own)
    return {
        "latency": latency,
        "blocksize": source.blocksize,
        "stream_latency_s": stream_latency_s,
        "audio_s": audio_s,
        "frames": lat.size,
        "latency_ms_median": float(np.median(lat)) if lat.size else None,
        "latency_ms_p95": float(np.percentile(lat, 95)) if lat.size else None,
        "latency_ms_min": float(np.min(lat)) if lat.size else None,
        "peaks_per_s": (stats.peaks - peaks0) / audio_s if audio_s else None,
        "worker_cpu_per_audio_s": (worker1 - worker0) / audio_s if audio_s else None,
        "callback_cpu_per_audio_s": callback_s / audio_s if audio_s else None,
        "pipeline_cpu_per_audio_s": (worker1 - worker0 + callback_s) / audio_s if audio_s else None,
        "process_cpu_per_audio_s": (proc1 - proc0) / audio_s if audio_s else None,
        "threads_cpu_per_audio_s": {
            k: (threads1[k] - threads0.get(k, 0.0)) / audio_s for k in threads1 if audio_s and threads1[k] > 0
        },
        "dsp_ms_per_frame": stats.dsp_ms_per_frame,
        "overflows": stats.overflows,
        "dropped": stats.dropped,
    }


def loopback(device: str | None, n_clicks: int = 10) -> dict:
    """Reported latency against a loopback through the output (see the module docstring); n_fft 256."""
    import sounddevice as sd

    fs = 48000.0
    cfg = StftConfig(fs, n_fft=256, hop=64)
    published, blocks, clicks = [], [], []
    want = threading.Event()

    def on_frames(frames) -> None:
        t = time.monotonic()
        published.extend((f.sample_start, f.latency_ms, t) for f in frames)

    def play(out, frames, time_info, status) -> None:
        now = time.monotonic()
        out.fill(0)
        if want.is_set():
            want.clear()
            out[:32, 0] = 0.5
            clicks.append(now + (time_info.outputBufferDacTime - time_info.currentTime))

    pipe = Pipeline(CaptureSource(device, fs, 1, latency="low"), cfg, on_frames=on_frames,
                    on_samples=lambda start, mono: blocks.append((start, mono.copy())))
    out = sd.OutputStream(device=device, samplerate=fs, channels=1, dtype="float32", latency="low", blocksize=256,
                          callback=play)
    pipe.start()
    try:
        out.start()
        time.sleep(WARMUP_S)
        for _ in range(n_clicks):
            want.set()
            time.sleep(0.4)
        time.sleep(0.3)
    finally:
        out.close()
        pipe.stop()
    pub = np.array(published, dtype=np.float64)
    y = np.concatenate([b for _, b in blocks])
    loud = np.flatnonzero(np.abs(y) > 0.2) + blocks[0][0]
    if loud.size == 0:
        return {"clicks": 0, "error": "no click came back (is the input the output's monitor?)"}
    onsets = [int(loud[0])] + [int(b) for a, b in itertools.pairwise(loud) if b - a > fs / 10]
    diffs, reported = [], []
    for played_s, click in zip(clicks, onsets, strict=False):
        i = int(np.flatnonzero(pub[:, 0] + cfg.n_fft - 1 >= click)[0])
        start, rep_ms, pub_s = pub[i]
        loop_ms = 1e3 * (pub_s - played_s) - 1e3 * (start + cfg.n_fft - 1 - click) / fs
        diffs.append(rep_ms - loop_ms)
        reported.append(rep_ms)
    d = np.array(diffs)
    return {"clicks": len(diffs), "reported_ms_median": float(np.median(reported)),
            "reported_minus_loopback_ms_median": float(np.median(d)),
            "reported_minus_loopback_ms_max_abs": float(np.max(np.abs(d))),
            "latency_ms_min_all_frames": float(np.nanmin(pub[:, 1]))}


def peak_cost_ms(n: int = 50) -> float:
    cfg = StftConfig(48000.0, n_fft=2048, hop=256)
    t = np.arange(cfg.n_fft) / cfg.fs_hz
    x = (0.25 * np.cos(2 * np.pi * 1234.5 * t) * cfg.window_array).astype(np.float32)
    spectrum = np.fft.rfft(x)
    estimate_peak(spectrum, cfg)
    t0 = time.perf_counter()
    for _ in range(n):
        estimate_peak(spectrum, cfg)
    return 1e3 * (time.perf_counter() - t0) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="input device index or name (default: the default input)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per setting (default 10)")
    parser.add_argument("--blocksize", type=int, default=None,
                        help="samples per PortAudio callback (default: specscope's, about 20 ms; 0: any)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--no-loopback", dest="loopback", action="store_false",
                        help="skip the loopback check (it plays clicks into the default output)")
    args = parser.parse_args()
    results = [measure(args.device, latency, args.seconds, args.blocksize) for latency in ("low", "high")]
    peak_ms = peak_cost_ms()
    loop = loopback(args.device) if args.loopback else None
    if args.json:
        print(json.dumps({"runs": results, "peak_estimate_ms": peak_ms, "loopback": loop, "cpus": os.cpu_count()}))
        return
    print(f"live path, 48 kHz, n_fft 2048, hop 256, {args.seconds:g} s per setting after {WARMUP_S:g} s warm-up")
    for r in results:
        med, p95 = r["latency_ms_median"], r["latency_ms_p95"]
        print(
            f"  latency {r['latency']:<4} blocksize {r['blocksize']} (stream {1e3 * r['stream_latency_s']:.1f} ms): "
            f"median {med:.1f} ms, "
            f"p95 {p95:.1f} ms, min {r['latency_ms_min']:.1f} ms, "
            f"{med / FRITURE_MIN_RESPONSE_MS:.2f} x Friture's {FRITURE_MIN_RESPONSE_MS} ms; "
            f"target median < {TARGET_MEDIAN_MS:g} ms: {'met' if med < TARGET_MEDIAN_MS else 'MISSED'}"
        )
        pipe_cpu = r["pipeline_cpu_per_audio_s"]
        print(
            f"      CPU per second of audio, % of one core: pipeline {100 * pipe_cpu:.2f} % (worker "
            f"{100 * r['worker_cpu_per_audio_s']:.2f} + PortAudio callback thread "
            f"{100 * r['callback_cpu_per_audio_s']:.2f}; target < {100 * TARGET_CPU_FRACTION:g} %: "
            f"{'met' if pipe_cpu < TARGET_CPU_FRACTION else 'MISSED'}), whole process "
            f"{100 * r['process_cpu_per_audio_s']:.2f} % (adds the sound server's client threads)"
        )
        print(f"      {r['dsp_ms_per_frame']:.3f} ms DSP per frame ({r['peaks_per_s']:.1f} peak estimates/s); "
              f"overflows {r['overflows']}, dropped {r['dropped']}")
        busy = sorted(r["threads_cpu_per_audio_s"].items(), key=lambda kv: -kv[1])[:5]
        print("      busiest threads: " + ", ".join(f"{k} {100 * v:.2f} %" for k, v in busy))
    print(f"  one peak estimate (in the worker, for the shown frames): {peak_ms:.2f} ms")
    if loop is not None:
        if loop.get("clicks"):
            print(f"  loopback, {loop['clicks']} clicks (n_fft 256, hop 64): reported latency median "
                  f"{loop['reported_ms_median']:.1f} ms; reported minus loopback: median "
                  f"{loop['reported_minus_loopback_ms_median']:+.2f} ms, "
                  f"worst {loop['reported_minus_loopback_ms_max_abs']:.2f} ms;"
                  f" lowest latency of any frame {loop['latency_ms_min_all_frames']:.2f} ms")
        else:
            print(f"  loopback: {loop.get('error')}")


if __name__ == "__main__":
    main()
