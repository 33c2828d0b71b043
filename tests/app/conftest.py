"""Real audio for the app tests: a private PulseAudio server with a null sink.

Thread: pytest's main thread; `pacat`/`parec` run as child processes.

What a test plays into the null sink ``specscope_test`` with :func:`pulse_feed`
comes back, as 16-bit samples, from its monitor, which is the default source:
PortAudio records it from the ALSA devices ``pulse`` and ``default``.

Fixtures
--------
pulse_server (session)
    Starts the services with ``scripts/test-services.sh start`` unless
    ``scripts/run-tests.sh`` already did, exports their variables into
    ``os.environ`` (so child processes and PortAudio find the server) and makes
    PortAudio enumerate its devices again.  It also keeps one low-latency
    recording (``parec`` into /dev/null) on the monitor: an idle null sink
    renders in 2-second blocks, which would delay the first samples of every
    new stream by up to 2 s; with a low-latency client attached it runs in
    10 ms steps, like a real sound card.  Skips when PulseAudio is not
    installed, unless ``SPECSCOPE_TEST_SINK`` is set (then it fails).
pulse_feed
    A :class:`PulseFeed`: ``feed.play(samples, fs_hz)`` plays a float32 array
    (mono, or (n, channels)) into the sink via pacat and returns at once;
    ``feed.tone(freq_hz, level_dbfs, seconds)`` makes and plays a sine.  All
    players still running are killed at teardown.
sink_loss
    A function that unloads the null-sink module (the "device disappears");
    at teardown the sink is loaded again, made the default and the keep-alive
    recording restarted, so later tests still have a source.

Everything played into the sink is mixed: two test runs sharing one server
(two developers, or two terminals) disturb each other's sample-exact checks.
Give a run its own server with ``SPECSCOPE_TEST_STATE=/tmp/some-dir``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SINK = "specscope_test"
SINK_RATE_HZ = 48000


@dataclass
class PulseServer:
    """The running test server: the sink's name, its module arguments and the keep-alive recording."""

    sink: str
    module_args: str
    keeper: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def monitor(self) -> str:
        return f"{self.sink}.monitor"

    def pactl(self, *args: str, check: bool = True) -> str:
        res = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10)
        if check and res.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {res.stderr.strip()}")
        return res.stdout

    def sink_module(self) -> str | None:
        """Index of the module that owns the null sink, or None if it is not loaded."""
        for line in self.pactl("list", "short", "modules").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[1] == "module-null-sink" and f"sink_name={self.sink}" in parts[2]:
                return parts[0]
        return None

    def start_keeper(self) -> None:
        self.stop_keeper()
        self.keeper = subprocess.Popen(
            ["parec", f"--device={self.monitor}", "--format=s16le", f"--rate={SINK_RATE_HZ}", "--channels=1",
             "--raw", "--latency-msec=10"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        flowing = threading.Event()

        def drain(pipe) -> None:
            while pipe.read(4096):
                flowing.set()

        threading.Thread(target=drain, args=(self.keeper.stdout,), daemon=True).start()
        # The sink switches to short blocks once its current (up to 2 s) idle block ends.
        if not flowing.wait(5.0):
            raise RuntimeError("the keep-alive recording got no samples from the null sink in 5 s")
        time.sleep(0.2)

    def stop_keeper(self) -> None:
        if self.keeper is not None:
            self.keeper.kill()
            self.keeper.wait()
            self.keeper = None

    def unload_sink(self) -> None:
        module = self.sink_module()
        if module is not None:
            self.pactl("unload-module", module)

    def ensure_sink(self) -> None:
        """Load the sink again if it is gone, make it the default, restart the keep-alive recording."""
        if self.sink_module() is None:
            self.pactl("load-module", "module-null-sink", *self.module_args.split())
            for _ in range(50):
                if self.monitor in self.pactl("list", "short", "sources"):
                    break
                time.sleep(0.05)
        self.pactl("set-default-sink", self.sink)
        self.pactl("set-default-source", self.monitor)
        if self.keeper is None or self.keeper.poll() is not None:
            self.start_keeper()


def _start_services() -> None:
    """Run scripts/test-services.sh start and export what it prints into os.environ."""
    res = subprocess.run([str(REPO / "scripts" / "test-services.sh"), "start"], capture_output=True, text=True,
                         timeout=60)
    if res.returncode != 0:
        raise RuntimeError(f"test-services.sh start failed: {res.stderr.strip()}")
    for line in res.stdout.splitlines():
        if line.startswith("export "):
            for assignment in line[len("export "):].split():
                key, _, value = assignment.partition("=")
                os.environ[key] = value


@pytest.fixture(scope="session")
def pulse_server():
    required = bool(os.environ.get("SPECSCOPE_TEST_SINK"))
    missing = [tool for tool in ("pulseaudio", "pactl", "pacat", "parec") if shutil.which(tool) is None]
    if missing:
        if required:
            pytest.fail(f"PulseAudio tools missing: {', '.join(missing)} (run `make test`)")
        pytest.skip(f"PulseAudio tools missing: {', '.join(missing)} (`make test` installs them)")
    if not required or subprocess.run(["pactl", "info"], capture_output=True, timeout=10).returncode != 0:
        _start_services()
    import sounddevice as sd

    sd._terminate()  # enumerate again now that the server's variables are set
    sd._initialize()
    server = PulseServer(sink=os.environ.get("SPECSCOPE_TEST_SINK", SINK),
                         module_args=f"sink_name={SINK} rate={SINK_RATE_HZ} channels=1 "
                                     f"sink_properties=device.description={SINK}")
    server.ensure_sink()
    yield server
    server.stop_keeper()


class PulseFeed:
    """Plays numpy arrays into the null sink with pacat (see the module docstring)."""

    def __init__(self, server: PulseServer, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir
        self.players: list[subprocess.Popen] = []

    def play(self, samples: np.ndarray, fs_hz: int = SINK_RATE_HZ) -> subprocess.Popen:
        """Start playing float32 `samples` ((n,) or (n, channels), full scale 1.0); returns the pacat process."""
        x = np.asarray(samples, dtype="<f4")
        channels = 1 if x.ndim == 1 else x.shape[1]
        fd, path = tempfile.mkstemp(suffix=".f32", dir=self.workdir)
        with os.fdopen(fd, "wb") as f:
            f.write(np.ascontiguousarray(x).tobytes())
        proc = subprocess.Popen(
            ["pacat", "--playback", f"--device={self.server.sink}", "--format=float32le", f"--rate={int(fs_hz)}",
             f"--channels={channels}", "--raw", path],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.players.append(proc)
        return proc

    @staticmethod
    def sine(freq_hz: float, level_dbfs: float, seconds: float, fs_hz: int = SINK_RATE_HZ,
             phase_rad: float = 0.0) -> np.ndarray:
        """``A cos(2 pi f n / fs + phase)`` with ``A = 10^(level/20)``, float32."""
        n = np.arange(round(seconds * fs_hz), dtype=np.float64)
        amp = 10.0 ** (level_dbfs / 20.0)
        return (amp * np.cos(2 * np.pi * freq_hz * n / fs_hz + phase_rad)).astype(np.float32)

    def tone(self, freq_hz: float, level_dbfs: float, seconds: float, fs_hz: int = SINK_RATE_HZ) -> np.ndarray:
        """Play a sine; returns the samples played."""
        x = self.sine(freq_hz, level_dbfs, seconds, fs_hz)
        self.play(x, fs_hz)
        return x

    def wait(self, timeout_s: float = 30.0) -> None:
        """Wait until every player has finished."""
        for proc in self.players:
            proc.wait(timeout=timeout_s)

    def stop(self) -> None:
        for proc in self.players:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self.players.clear()


@pytest.fixture
def pulse_feed(pulse_server, tmp_path):
    feed = PulseFeed(pulse_server, tmp_path)
    yield feed
    feed.stop()


@pytest.fixture
def sink_loss(pulse_server):
    yield pulse_server.unload_sink
    pulse_server.ensure_sink()
