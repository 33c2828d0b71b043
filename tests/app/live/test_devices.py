"""Input device discovery against the real PortAudio device list (ALSA devices of the test PulseAudio server)."""

import json
import os
import subprocess
import sys

import pytest
import sounddevice as sd

from specscope.app.live.devices import DeviceError, list_input_devices, resolve_input_device


def test_list_matches_portaudio(pulse_server):
    devices = list_input_devices()
    raw = [d for d in sd.query_devices() if d["max_input_channels"] > 0]
    assert [d.index for d in devices] == [d["index"] for d in raw]
    assert [d.name for d in devices] == [d["name"] for d in raw]
    assert [d.max_input_channels for d in devices] == [d["max_input_channels"] for d in raw]
    assert [d.default_fs_hz for d in devices] == [float(d["default_samplerate"]) for d in raw]
    assert {"pulse", "default"} <= {d.name for d in devices}
    assert all(d.hostapi == "ALSA" for d in devices)
    defaults = [d for d in devices if d.is_default]
    assert len(defaults) == 1 and defaults[0].index == sd.query_devices(kind="input")["index"]
    assert json.loads(json.dumps(defaults[0].as_json()))["name"] == defaults[0].name


def test_resolve_by_index_name_substring_and_default(pulse_server):
    pulse = next(d for d in list_input_devices() if d.name == "pulse")
    assert resolve_input_device(pulse.index) == pulse
    assert resolve_input_device(str(pulse.index)) == pulse
    assert resolve_input_device("pulse") == pulse
    assert resolve_input_device("PUL") == pulse
    assert resolve_input_device(None).is_default


@pytest.mark.parametrize("spec", ["no-such-mic", 99, "l"])
def test_unknown_or_ambiguous_device_lists_the_available_ones(pulse_server, spec):
    with pytest.raises(DeviceError) as err:
        resolve_input_device(spec)
    message = str(err.value)
    assert "\n" not in message
    assert '"pulse" (ALSA)' in message and '"default" (ALSA)' in message


def test_no_input_device_at_all(tmp_path):
    # An ALSA configuration whose only device is a card that does not exist: PortAudio finds no device.
    conf = tmp_path / "asound.conf"
    conf.write_text("pcm.!default { type hw card 99 }\nctl.!default { type hw card 99 }\n")
    code = (
        "from specscope.app.live.devices import DeviceError, list_input_devices, resolve_input_device\n"
        "assert list_input_devices() == []\n"
        "try:\n    resolve_input_device(None)\nexcept DeviceError as e:\n    print(e)\n"
    )
    env = dict(os.environ, ALSA_CONFIG_PATH=str(conf))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("no input device found")


STDERR_WRITER = """
import os, sys, threading, time
from specscope.app.live.capture import CaptureSource
from specscope.app.live.devices import DeviceError, rescan_devices
CaptureSource("pulse", 48000.0, 1)  # the first use initialises PortAudio, before the other thread starts
done = threading.Event()
def writer():
    for i in range(300):
        os.write(2, b"line %d\\n" % i)
        time.sleep(0.001)
    done.set()
threading.Thread(target=writer).start()
refused = 0
while not done.is_set():
    try:
        CaptureSource("pulse", 768000.0, 1)  # refused: PortAudio checks the rate (and prints about it)
    except DeviceError:
        refused += 1
    rescan_devices()  # the window's Reconnect: PortAudio terminated and initialised again
print(refused)
"""


def test_stderr_of_other_threads_is_never_lost_while_devices_are_probed(pulse_server, tmp_path):
    # Redirecting fd 2 around each PortAudio call (the old quiet_stderr) swallowed whatever another thread
    # printed meanwhile: Python warnings, tracebacks, a log handler's lines.
    env = dict(os.environ, SPECSCOPE_LOG_DIR=str(tmp_path))
    res = subprocess.run([sys.executable, "-c", STDERR_WRITER], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stderr
    assert int(res.stdout) > 5
    assert res.stderr.splitlines() == [f"line {i}" for i in range(300)]


LOSS_WATCHER = """
import sys, threading
from specscope.app.live.capture import CaptureSource
from specscope.app.live.pipeline import Pipeline
from specscope.dsp.config import StftConfig
lost = threading.Event()
errors = []
def on_error(message):
    errors.append(message)
    lost.set()
pipe = Pipeline(CaptureSource("pulse", 48000.0, 1), StftConfig(48000.0), on_error=on_error)
pipe.start()
print("running", flush=True)
assert lost.wait(10.0)
pipe.stop()
print(errors[0], flush=True)
"""


def test_device_loss_prints_nothing_but_the_one_line(pulse_server, sink_loss, tmp_path):
    # PortAudio's ALSA host API prints three "Expression ... failed" lines from its own thread when the
    # device goes away; they go to the log folder's native.log, never to the terminal.
    env = dict(os.environ, SPECSCOPE_LOG_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", LOSS_WATCHER], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "running"
        sink_loss()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped delivering audio" in out and err == ""
    native = (tmp_path / "native.log").read_text()
    assert "Expression 'PaAlsaStream_WaitForFrames( stream, &framesAvail, &xrun )' failed" in native
