"""``specscope measure`` of 1000 selections on a 1-hour file against the same numbers from librosa in a loop.

Thread: the main thread (the command runs as a subprocess, as a user runs it).

The file: 1 hour, 48 kHz mono, 16-bit PCM (345 MB), written once to
``/tmp/specscope-bench-measure/`` (kept for the next run): noise at -60 dBFS
rms and 1000 tones (0.3-1.5 s, 500-15000 Hz, -20..-6 dBFS) at random times.
The table: one Raven selection per tone, its time range plus 0.1 s either side
and its frequency +- 300 Hz.

specscope: ``specscope measure FILE --selections TABLE -o OUT`` (N 2048, hop
512, Hann), wall time of the whole command minus the same command on a table
of one selection (interpreter start-up, imports), divided by 1000; and the same
with CPU time (user + system of the child process), which other processes on
the two shared cores disturb less than wall time.

Peer, per selection in a Python loop: ``librosa.load(FILE, sr=None, offset,
duration)`` of the same samples, ``librosa.stft(center=False)`` for the box's
power (Freq 5 %, Freq 95 %: the same cumulative-energy formula, in numpy), and
``librosa.reassigned_spectrogram(center=False)`` for a sub-bin Peak Freq (the
reassigned frequency of the box's strongest cell; librosa's most accurate
frequency estimate).  Both sides' Peak Freq are compared with the true tone
frequencies and Freq 5 %/95 % with each other.  The peer's CPU time is
``time.process_time()`` of the loop.

Run: ``.venv/bin/python benchmarks/bench_measure.py`` (needs the ``bench``
extra: ``pip install librosa``).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

FS_HZ = 48000
DURATION_S = 3600
N_SEL = 1000
N_FFT, HOP = 2048, 512
FOLDER = Path("/tmp/specscope-bench-measure")
WAV = FOLDER / "rec_1h.wav"
TABLE = FOLDER / "rec_1h.Table.1.selections.txt"
ONE = FOLDER / "one.selections.txt"


def make_events(rng: np.random.Generator) -> np.ndarray:
    """(N_SEL, 4): onset s, duration s, frequency Hz, amplitude; non-overlapping, spread over the hour."""
    durations = rng.uniform(0.3, 1.5, N_SEL)
    slack = DURATION_S - 2.0 - durations.sum() - 0.4 * N_SEL
    gaps = rng.dirichlet(np.ones(N_SEL + 1)) * slack + 0.4
    onsets = 1.0 + np.cumsum(gaps[:-1]) + np.concatenate([[0.0], np.cumsum(durations[:-1])])
    freqs = rng.uniform(500.0, 15000.0, N_SEL)
    amps = 10 ** (rng.uniform(-20.0, -6.0, N_SEL) / 20)
    return np.column_stack([onsets, durations, freqs, amps])


def write_recording(events: np.ndarray, rng: np.random.Generator) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    tmp = WAV.with_suffix(".tmp.wav")
    chunk = 60 * FS_HZ
    with sf.SoundFile(tmp, "w", FS_HZ, 1, subtype="PCM_16") as fh:
        for start in range(0, DURATION_S * FS_HZ, chunk):
            n = min(chunk, DURATION_S * FS_HZ - start)
            x = 1e-3 * rng.standard_normal(n)
            t0, t1 = start / FS_HZ, (start + n) / FS_HZ
            for onset, dur, f, a in events[(events[:, 0] < t1) & (events[:, 0] + events[:, 1] > t0)]:
                i0 = max(0, round(onset * FS_HZ) - start)
                i1 = min(n, round((onset + dur) * FS_HZ) - start)
                t = (start + np.arange(i0, i1)) / FS_HZ
                x[i0:i1] += a * np.sin(2 * np.pi * f * t)
            fh.write(x.astype(np.float32))
    os.replace(tmp, WAV)


def write_tables(events: np.ndarray) -> list[tuple[float, float, float, float]]:
    header = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\n"
    boxes = [(on - 0.1, on + dur + 0.1, f - 300.0, f + 300.0) for on, dur, f, _ in events]
    rows = [f"{i}\tSpectrogram 1\t1\t{b:.6f}\t{e:.6f}\t{lo:.3f}\t{hi:.3f}\n"
            for i, (b, e, lo, hi) in enumerate(boxes, 1)]
    TABLE.write_text(header + "".join(rows))
    ONE.write_text(header + rows[0])
    return [(float(f"{b:.6f}"), float(f"{e:.6f}"), float(f"{lo:.3f}"), float(f"{hi:.3f}")) for b, e, lo, hi in boxes]


def run_specscope(table: Path, out: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system of the child) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "specscope.app.cli", "measure", str(WAV), "--selections", str(table),
                    "-o", str(out), "--n-fft", str(N_FFT), "--hop", str(HOP)], check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_out(out: Path) -> dict[str, np.ndarray]:
    lines = [line.split("\t") for line in out.read_text().splitlines()]
    header = lines[0]
    return {c: np.array([float(r[i]) for r in lines[1:]]) for i, c in enumerate(header)
            if c in ("Peak Freq (Hz)", "Freq 5% (Hz)", "Freq 95% (Hz)")}


def quantiles(energy: np.ndarray, edges: np.ndarray, qs) -> list[float]:
    """Where the cumulative energy, spread evenly over each bin, reaches each fraction (as specscope defines it)."""
    c = np.concatenate([[0.0], np.cumsum(energy)]) / energy.sum()
    j = np.clip(np.searchsorted(c, qs, side="left"), 1, c.size - 1)
    t = (np.asarray(qs) - c[j - 1]) / (c[j] - c[j - 1])
    return list(edges[j - 1] + t * (edges[j] - edges[j - 1]))


def run_librosa(boxes) -> tuple[float, float, np.ndarray]:
    import librosa

    df = FS_HZ / N_FFT
    n_frames_total = 1 + (DURATION_S * FS_HZ - N_FFT) // HOP
    out = np.empty((len(boxes), 3))
    t0, c0 = time.perf_counter(), time.process_time()
    for s, (begin, end, lo, hi) in enumerate(boxes):
        # The same frames as specscope: centres (i hop + N/2) / fs within [begin, end].
        first = max(0, int(np.ceil((begin * FS_HZ - N_FFT / 2) / HOP - 1e-9)))
        last = min(n_frames_total - 1, int(np.floor((end * FS_HZ - N_FFT / 2) / HOP + 1e-9)))
        n_samples = (last - first) * HOP + N_FFT
        y, _ = librosa.load(WAV, sr=None, offset=first * HOP / FS_HZ, duration=n_samples / FS_HZ)
        spec = librosa.stft(y, n_fft=N_FFT, hop_length=HOP, window="hann", center=False)
        k0, k1 = int(np.ceil(lo / df - 1e-9)), int(np.floor(hi / df + 1e-9))
        power = np.abs(spec[k0 : k1 + 1]) ** 2
        freqs = np.arange(k0, k1 + 1) * df
        edges = np.clip(np.concatenate([freqs - df / 2, [freqs[-1] + df / 2]]), lo, hi)
        f5, f95 = quantiles(power.sum(axis=1), edges, [0.05, 0.95])
        rf, _, mags = librosa.reassigned_spectrogram(y, sr=FS_HZ, n_fft=N_FFT, hop_length=HOP, window="hann",
                                                     center=False)
        band = mags[k0 : k1 + 1]
        i, k = np.unravel_index(np.argmax(band), band.shape)
        out[s] = (rf[k0 + i, k], f5, f95)
    return time.perf_counter() - t0, time.process_time() - c0, out


def main() -> None:
    rng = np.random.default_rng(2026)
    events = make_events(rng)
    if not WAV.exists():
        print(f"writing {WAV} (1 h, 48 kHz mono, 16-bit) ...", flush=True)
        write_recording(events, rng)
    boxes = write_tables(events)
    out = FOLDER / "out.txt"
    run_specscope(ONE, FOLDER / "one_out.txt")  # warm the page cache and the imports
    one = [run_specscope(ONE, FOLDER / "one_out.txt") for _ in range(3)]
    full = [run_specscope(TABLE, out) for _ in range(2)]
    startup, startup_cpu = min(w for w, _ in one), min(c for _, c in one)
    total, total_cpu = min(w for w, _ in full), min(c for _, c in full)
    per_sel_s = (total - startup) / N_SEL
    per_sel_cpu_s = (total_cpu - startup_cpu) / N_SEL
    ours = read_out(out)
    peer_s, peer_cpu_s, peer = run_librosa(boxes)
    truth = events[:, 2]
    df = FS_HZ / N_FFT
    err_ours = np.abs(ours["Peak Freq (Hz)"] - truth) / df
    err_peer = np.abs(peer[:, 0] - truth) / df
    print(f"file: {WAV} ({DURATION_S} s, {FS_HZ} Hz mono, PCM 16), {N_SEL} selections of 0.5-1.7 s, "
          f"N {N_FFT}, hop {HOP}, Hann")
    print(f"specscope measure: {total:.2f} s in all, start-up {startup:.2f} s, "
          f"{1e3 * per_sel_s:.2f} ms per selection")
    print(f"librosa loop:      {peer_s:.2f} s, {1e3 * peer_s / N_SEL:.2f} ms per selection "
          f"-> specscope {peer_s / N_SEL / per_sel_s:.1f}x faster per selection "
          f"({peer_s / total:.1f}x for the whole command with start-up)")
    print(f"CPU time (user + system; less sensitive to other processes on the cores): specscope "
          f"{1e3 * per_sel_cpu_s:.2f} ms per selection, librosa {1e3 * peer_cpu_s / N_SEL:.2f} ms "
          f"-> {peer_cpu_s / N_SEL / per_sel_cpu_s:.1f}x")
    print(f"Peak Freq error, bins of {df:.4f} Hz: specscope median {np.median(err_ours):.5f}, "
          f"max {err_ours.max():.5f}; librosa reassigned median {np.median(err_peer):.5f}, max {err_peer.max():.5f}")
    for col, j in (("Freq 5% (Hz)", 1), ("Freq 95% (Hz)", 2)):
        diff = np.abs(ours[col] - peer[:, j])
        print(f"{col}: specscope - librosa max |difference| {diff.max():.4f} Hz (output rounded to 1 mHz)")


if __name__ == "__main__":
    main()
