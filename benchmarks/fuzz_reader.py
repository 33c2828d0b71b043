"""Fuzz the file reader and the command line with mutated generated files.

    python benchmarks/fuzz_reader.py [--cases N] [--seed S] [--mem-mib M] [--timeout-s T] [--keep DIR]

Thread: the main thread; every case runs in a child process of its own.

Files are generated here (never copied): every WAV subtype soundfile can
write (in RIFF, WAVEX, RF64), FLAC, OGG (Vorbis, Opus), AIFF, AU, CAF and W64,
a quarter of a second of a stereo tone at 8 kHz.  Each is mutated: truncated at
every byte offset of its header (and a few inside its data), each size field
of a RIFF-family header set to 0, 2**31 and 2**32 - 1, the fmt fields to their
limits, and random bit flips in the first 64 bytes.  ``specscope info``,
``peaks`` and ``export`` run on each file.

Each run is a forked child of a process that has imported specscope already
(so a case costs milliseconds, not an interpreter start), with an address-space
limit (``RLIMIT_AS``: the parent's current size plus ``--mem-mib``, 1024 by
default, since the child inherits the parent's mappings) and a time limit.
The child calls ``specscope.app.cli.main`` with stdout and stderr sent to
files.  Counted per run: exit statuses; tracebacks (an exception main did not
turn into one line); MemoryError (an allocation beyond the limit); crashes
(killed by a signal); hangs (over the time limit); and stderr that is not one
line for a refusal (exit 2) or more than the known warning lines on success.
Every unmutated file must also open with the frames and rate soundfile reports.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import struct
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf

import specscope.app.cli.progress
import specscope.app.io.audio_file
import specscope.app.io.export
import specscope.dsp.peaks
import specscope.dsp.stft  # noqa: F401 - imported once here, not in every forked case
from specscope.app.cli.main import build_parser
from specscope.app.cli.main import main as specscope_main
from specscope.app.io.audio_file import probe

build_parser()  # imports the listen command (and PortAudio) once

FS_HZ = 8000
SECONDS = 0.25
CONTAINERS = {
    "WAV": dict(format="WAV"),
    "WAVEX": dict(format="WAVEX"),
    "RF64": dict(format="RF64"),
    "W64": dict(format="W64"),
    "AIFF": dict(format="AIFF"),
    "AU": dict(format="AU"),
    "CAF": dict(format="CAF"),
    "FLAC": dict(format="FLAC"),
    "OGG": dict(format="OGG"),
}
EXT = {"WAV": "wav", "WAVEX": "wav", "RF64": "wav", "W64": "w64", "AIFF": "aiff", "AU": "au", "CAF": "caf",
       "FLAC": "flac", "OGG": "ogg"}
COMMANDS = (("info",), ("peaks", "--n-fft", "256"), ("export", "--n-fft", "256", "-o", "{out}"))
WARNING_MARKS = ("truncated", "non-finite")


def generate(folder: Path) -> list[Path]:
    """Every writable (container, subtype) pair as a short stereo tone."""
    t = np.arange(round(FS_HZ * SECONDS)) / FS_HZ
    x = np.column_stack([0.5 * np.sin(2 * np.pi * 1000 * t), 0.25 * np.sin(2 * np.pi * 440 * t)])
    paths = []
    for container, kw in CONTAINERS.items():
        for subtype in sf.available_subtypes(kw["format"]):
            path = folder / f"{container}_{subtype}.{EXT[container]}"
            try:
                sf.write(path, x, FS_HZ, subtype=subtype, **kw)
            except Exception:  # a pair libsndfile lists but cannot write: skip it
                path.unlink(missing_ok=True)
                continue
            paths.append(path)
    return paths


def riff_size_fields(data: bytes) -> list[tuple[int, str]]:
    """(offset, '<I' or '>I') of the RIFF size and of every chunk size of a RIFF/RIFX/RF64 file."""
    if data[:4] not in (b"RIFF", b"RIFX", b"RF64"):
        return []
    order = ">I" if data[:4] == b"RIFX" else "<I"
    fields = [(4, order)]
    offset = 12
    while offset + 8 <= len(data) and len(fields) < 32:
        fields.append((offset + 4, order))
        (size,) = struct.unpack(order, data[offset + 4 : offset + 8])
        if data[offset : offset + 4] == b"data":
            break
        offset += 8 + size + (size & 1)
    return fields


def header_bytes(data: bytes) -> int:
    """Bytes before the audio data: the WAV data chunk's body, else the first 128 bytes."""
    i = data.find(b"data")
    return i + 8 if data[:4] in (b"RIFF", b"RIFX", b"RF64") and i > 0 else min(128, len(data))


def mutations(data: bytes, rng: np.random.Generator) -> list[tuple[str, bytes]]:
    out = [("original", data)]
    head = header_bytes(data)
    for n in [*range(head + 2), head + 3, len(data) // 2, len(data) - 1]:
        if 0 < n < len(data):
            out.append((f"cut{n}", data[:n]))
    for offset, fmt in riff_size_fields(data):
        for value in (0, 1 << 31, (1 << 32) - 1):
            b = bytearray(data)
            b[offset : offset + 4] = struct.pack(fmt, value)
            out.append((f"size{offset}={value}", bytes(b)))
    if data[:4] in (b"RIFF", b"RF64"):
        i = data.find(b"fmt ") + 8
        for name, rel, width, values in (("channels", 2, "<H", (0, 65535)), ("rate", 4, "<I", (0, 1 << 31, 2**32 - 1)),
                                         ("align", 12, "<H", (0, 65535)), ("bits", 14, "<H", (0, 1, 65535))):
            for value in values:
                b = bytearray(data)
                b[i + rel : i + rel + struct.calcsize(width)] = struct.pack(width, value)
                out.append((f"{name}={value}", bytes(b)))
    for k in range(24):
        b = bytearray(data)
        for _ in range(int(rng.integers(1, 4))):
            bit = int(rng.integers(0, 8 * min(64, len(b))))
            b[bit // 8] ^= 1 << (bit % 8)
        out.append((f"flip{k}", bytes(b)))
    return out


def run_case(argv: list[str], folder: Path, mem_limit: int, timeout_s: float) -> tuple[str, int | None, str]:
    """Fork, run specscope's main(argv) under the limits; (outcome, exit status, stderr)."""
    out_path, err_path = folder / "stdout", folder / "stderr"
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
            os.dup2(os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
            os.dup2(os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
            code = int(specscope_main(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # reported through stderr, counted by the parent
            traceback.print_exc()
            code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    end = time.monotonic() + timeout_s
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > end:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "hang", None, ""
        time.sleep(0.002)
    err = err_path.read_text(errors="replace") if err_path.exists() else ""
    if os.WIFSIGNALED(status):
        return f"crash:{signal.Signals(os.WTERMSIG(status)).name}", None, err
    code = os.WEXITSTATUS(status)
    if "MemoryError" in err:
        return "memory", code, err
    if "Traceback" in err:
        return "traceback", code, err
    lines = [line for line in err.splitlines() if line.strip()]
    warnings = [line for line in lines if any(mark in line for mark in WARNING_MARKS)]
    if code == 2 and len(lines) != 1:
        return "chatter", code, err
    if code == 0 and len(lines) != len(warnings):
        return "chatter", code, err
    return f"exit{code}", code, err


def vm_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=0, help="at most this many files (0: all), sampled evenly")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--mem-mib", type=int, default=1024, help="address space a case may add (MiB)")
    ap.add_argument("--timeout-s", type=float, default=20.0)
    ap.add_argument("--keep", type=Path, help="copy each file with a bad outcome into this folder")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    work = Path(tempfile.mkdtemp(prefix="specscope-fuzz-"))
    try:
        sources = generate(work)
        cases = []
        for src in sources:
            for name, data in mutations(src.read_bytes(), rng):
                cases.append((src, name, data))
        if args.cases and len(cases) > args.cases:
            cases = [cases[i] for i in np.linspace(0, len(cases) - 1, args.cases).astype(int)]
        mem_limit = vm_bytes() + (args.mem_mib << 20)
        counts: Counter[str] = Counter()
        bad: list[str] = []
        started = time.monotonic()
        case_dir = work / "case"
        case_dir.mkdir()
        for src, name, data in cases:
            path = case_dir / f"{src.stem}.{name}{src.suffix}"
            path.write_bytes(data)
            for command in COMMANDS:
                argv = [command[0], str(path), *(a.format(out=case_dir / "out.npz") for a in command[1:])]
                outcome, code, err = run_case(argv, case_dir, mem_limit, args.timeout_s)
                counts[outcome] += 1
                if name == "original" and code != 0:
                    outcome = "wrong"
                    counts["wrong"] += 1
                if not outcome.startswith("exit"):
                    bad.append(f"{outcome} {command[0]} {path.name}: {err.strip().splitlines()[-1:] or ''}")
                    if args.keep:
                        args.keep.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(path, args.keep / path.name)
            if name == "original":
                with sf.SoundFile(src) as f:
                    info = probe(path)
                    if (info.frames, info.fs_hz) != (f.frames, f.samplerate):
                        counts["wrong"] += 1
                        bad.append(f"wrong info {path.name}: {info.frames} frames at {info.fs_hz} Hz, "
                                   f"soundfile says {f.frames} at {f.samplerate}")
            path.unlink()
        elapsed = time.monotonic() - started
        print(f"{len(sources)} generated files, {len(cases)} cases, {sum(counts.values())} runs in {elapsed:.0f} s "
              f"(memory limit +{args.mem_mib} MiB, time limit {args.timeout_s:g} s)")
        for key in sorted(counts):
            print(f"  {key:>16}: {counts[key]}")
        problems = {k: v for k, v in counts.items() if not k.startswith("exit")}
        print("problems:", sum(problems.values()))
        for line in bad[:60]:
            print("  ", line)
        return 1 if problems else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
