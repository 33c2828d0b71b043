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
