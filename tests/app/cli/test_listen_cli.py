"""`specscope devices` and `specscope listen`, run as a user runs them, on the real test device."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from specscope.app.live.devices import list_input_devices

FS_HZ = 48000
TONE_HZ = 1234.5
LINE_KEYS = {"t_s", "peak_hz", "peak_dbfs", "rms_dbfs", "frames", "overflows", "dropped", "latency_ms"}
CMD = [sys.executable, "-m", "specscope.app.cli"]


def specscope(*args, env=None, timeout=60):
    return subprocess.run([*CMD, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)


class Running:
    """A `specscope listen` child whose output lines arrive in a queue as they are printed."""

    def __init__(self, *args) -> None:
        self.proc = subprocess.Popen([*CMD, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.lines: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def next_json(self, timeout_s: float = 10.0) -> dict:
        return json.loads(self.lines.get(timeout=timeout_s))

    def finish(self, timeout_s: float = 10.0) -> tuple[int, list[dict], str]:
        rc = self.proc.wait(timeout=timeout_s)
        stderr = self.proc.stderr.read()
        time.sleep(0.1)
        rest = []
        while not self.lines.empty():
            rest.append(json.loads(self.lines.get()))
        return rc, rest, stderr

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_devices_text_and_json(pulse_server):
    res = specscope("devices", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == [d.as_json() for d in list_input_devices()]
    res = specscope("devices")
    assert res.returncode == 0
    lines = res.stdout.splitlines()
    assert "name" in lines[0] and "default Hz" in lines[0]
    marked = [line for line in lines[1:] if line.startswith("*")]
    default = next(d for d in list_input_devices() if d.is_default)
    assert len(marked) == 1 and default.name in marked[0] and marked[0].split()[1] == str(default.index)


def test_tone_reported_every_second_within_a_fifth_of_a_percent_of_a_bin(pulse_feed):
    n_fft = 2048
    delta_f_hz = FS_HZ / n_fft
    pulse_feed.tone(TONE_HZ, -12.0, 8.0)
    time.sleep(0.5)
    res = specscope("listen", "--device", "pulse", "--samplerate", FS_HZ, "--n-fft", n_fft, "--seconds", 4, "--json")
    assert res.returncode == 0, res.stderr
    objs = [json.loads(line) for line in res.stdout.splitlines()]
    lines, summary = objs[:-1], objs[-1]
    assert len(lines) == 4
    for k, line in enumerate(lines, start=1):
        assert set(line) == LINE_KEYS
        assert k <= line["t_s"] < k + 0.1
        assert abs(line["peak_hz"] - TONE_HZ) < 0.002 * delta_f_hz
        assert abs(line["peak_dbfs"] - -12.0) < 0.2
        assert abs(line["rms_dbfs"] - (-12.0 + 10 * np.log10(0.5))) < 0.05  # a sine's RMS is its amplitude / sqrt 2
        assert line["overflows"] == 0 and line["dropped"] == 0 and line["latency_ms"] is not None
    frames = [line["frames"] for line in lines]
    assert frames == sorted(frames) and frames[0] > 0
    assert summary["summary"] is True and summary["error"] is None
    assert summary["frames"] >= frames[-1] and summary["dropped"] == 0 and summary["overflows"] == 0
    assert summary["latency_ms_median"] is not None and summary["latency_ms_p95"] >= summary["latency_ms_median"]

    res = specscope("listen", "--device", "pulse", "--samplerate", FS_HZ, "--seconds", 1)
    assert res.returncode == 0, res.stderr
    first, last = res.stdout.splitlines()
    assert first.startswith("t ") and "1234.5" in first and "-12.0" in first and "overflows 0" in first
    assert last.startswith("summary: ")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--device", "no-such-mic"], ["unknown input device 'no-such-mic'", "available", '"pulse"']),
        (["--device", "pulse", "--samplerate", 768000], ["768000 Hz", "Invalid sample rate"]),
        (["--device", "pulse", "--channels", 2, "--channel", 2],
         ["specscope: pulse: --channel 2 does not exist: the input has 2 channel(s) (0..1)"]),
        (["--device", "pulse", "--channel", "left"], ["--channel must be 'mix' or a 0-based channel index"]),
        (["--device", "pulse", "--n-fft", 1000, "--hop", 2000], ["hop must be"]),
        (["--device", "pulse", "--n-fft", 1001], ["--n-fft must be an even number"]),
        (["--device", "pulse", "--seconds", -1], ["--seconds must be a positive number"]),
        (["--device", "pulse", "--latency", "soon"], ["latency must be 'low', 'high' or seconds"]),
    ],
)
def test_bad_input_is_one_line_and_status_2(pulse_server, args, words):
    res = specscope("listen", *args)
    assert res.returncode == 2
    assert res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    for word in words:
        assert word in res.stderr


def test_no_input_device_at_all(tmp_path):
    conf = tmp_path / "asound.conf"
    conf.write_text("pcm.!default { type hw card 99 }\nctl.!default { type hw card 99 }\n")
    env = dict(os.environ, ALSA_CONFIG_PATH=str(conf))
    res = specscope("listen", env=env)
    assert res.returncode == 2
    assert res.stderr.strip() == "specscope: no input device found: PortAudio lists none " \
                                 "(is a microphone or sound server available?)"
    res = specscope("devices", "--json", env=env)
    assert res.returncode == 0 and json.loads(res.stdout) == []
    res = specscope("devices", env=env)
    assert res.returncode == 0 and res.stdout.strip() == "no input devices found"


def test_device_lost_mid_run_reported_within_two_seconds(pulse_server, sink_loss):
    run = Running("listen", "--device", "pulse", "--samplerate", FS_HZ, "--json")
    try:
        first = run.next_json()
        assert set(first) == LINE_KEYS
        sink_loss()
        t0 = time.monotonic()
        rc, rest, stderr = run.finish(timeout_s=5.0)
        elapsed_s = time.monotonic() - t0
    finally:
        run.kill()
    assert elapsed_s < 2.0
    assert rc == 1
    assert "specscope: input device" in stderr and "stopped delivering audio" in stderr and "Traceback" not in stderr
    summary = rest[-1]
    assert summary["summary"] is True and "stopped delivering audio" in summary["error"]
    assert summary["frames"] >= first["frames"]


def test_ctrl_c_ends_cleanly_with_the_summary(pulse_server):
    run = Running("listen", "--device", "pulse", "--json")
    try:
        first = run.next_json()
        run.proc.send_signal(signal.SIGINT)
        rc, rest, stderr = run.finish()
    finally:
        run.kill()
    assert rc == 0 and "Traceback" not in stderr
    summary = rest[-1]
    assert summary["summary"] is True and summary["error"] is None and summary["frames"] >= first["frames"]


def test_listen_to_a_file_as_if_live(tmp_path):
    fs_hz = 16000
    t = np.arange(3 * fs_hz) / fs_hz
    path = tmp_path / "tone.wav"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 440.25 * t), fs_hz, subtype="FLOAT")
    res = specscope("listen", "--file", path, "--n-fft", 1024, "--json")
    assert res.returncode == 0, res.stderr
    objs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [round(o["t_s"]) for o in objs[:-1]] == [1, 2]
    for o in objs[:-1]:
        assert abs(o["peak_hz"] - 440.25) < 0.002 * fs_hz / 1024 and abs(o["peak_dbfs"] - 20 * np.log10(0.5)) < 0.2
    assert objs[-1]["summary"] is True and objs[-1]["frames"] == 1 + (3 * fs_hz - 1024) // 256
    res = specscope("listen", "--file", path, "--device", "pulse")
    assert res.returncode == 2 and "--file plays a file" in res.stderr


def test_listen_takes_the_shared_analysis_options(tmp_path):
    # The one option builder: --overlap 0.5 means hop N/2, and a channel the file lacks is refused in its words.
    fs_hz = 16000
    path = tmp_path / "stereo.wav"
    t = np.arange(2 * fs_hz) / fs_hz
    sf.write(path, np.column_stack([0 * t, 0.25 * np.sin(2 * np.pi * 1000.5 * t)]), fs_hz, subtype="FLOAT")
    res = specscope("listen", "--file", path, "--n-fft", 512, "--overlap", 0.5, "--channel", 1,
                    "--window", "kaiser:9", "--json")
    assert res.returncode == 0, res.stderr
    objs = [json.loads(line) for line in res.stdout.splitlines()]
    assert objs[-1]["frames"] == 1 + (2 * fs_hz - 512) // 256
    assert abs(objs[0]["peak_hz"] - 1000.5) < 0.002 * fs_hz / 512
    res = specscope("listen", "--file", path, "--channel", 2)
    assert res.returncode == 2
    assert res.stderr == f"specscope: {path}: --channel 2 does not exist: the input has 2 channel(s) (0..1)\n"


def test_silence_has_no_peak(pulse_server):
    res = specscope("listen", "--device", "pulse", "--samplerate", FS_HZ, "--seconds", 1, "--json")
    assert res.returncode == 0, res.stderr
    line = json.loads(res.stdout.splitlines()[0])
    assert line["peak_hz"] is None and line["peak_dbfs"] is None and line["rms_dbfs"] == -200.0
