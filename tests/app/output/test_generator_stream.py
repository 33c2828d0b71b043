"""GeneratorStream on a real PortAudio output (the null sink via ALSA's 'pulse' device), recorded from the monitor."""

from __future__ import annotations

import subprocess
import threading
import time

import numpy as np
import pytest

from specscope.app.live.devices import DeviceError
from specscope.app.output.generator_stream import GeneratorStream, list_output_devices, resolve_output_device
from specscope.dsp.generator import GeneratorSettings

FS = 48000


def test_an_unknown_device_is_refused_in_one_line_naming_the_choices(pulse_server):
    with pytest.raises(DeviceError, match=r"unknown output device 'no-such-device'; available: .*pulse"):
        GeneratorStream(GeneratorSettings(), device="no-such-device")
    assert resolve_output_device("pulse").name == "pulse"
    assert any(d.is_default for d in list_output_devices())


def test_start_plays_and_stop_fades_out_without_a_click(pulse_server):
    proc = subprocess.Popen(["parec", f"--device={pulse_server.monitor}", "--format=float32le", f"--rate={FS}",
                             "--channels=1", "--raw", "--latency-msec=10"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            data = proc.stdout.read(4096)
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    amplitude = 10 ** (-6 / 20)
    try:
        time.sleep(0.3)
        stream = GeneratorStream(GeneratorSettings(kind="sine", frequency_hz=1000.0, level_dbfs=-6.0, fs_hz=FS,
                                                   fade_s=0.005), device="pulse")
        stream.start()
        time.sleep(1.0)
        assert stream.active and stream.n_played > FS // 2
        t0 = time.monotonic()
        stream.stop()
        assert stream.finished.is_set() and time.monotonic() - t0 < 2.5
        assert stream.generator.finished  # the fade played to its end
        time.sleep(0.5)
    finally:
        proc.kill()
        proc.wait()
        reader.join(2)
    x = np.frombuffer(b"".join(chunks)[: 4 * (len(b"".join(chunks)) // 4)], "<f4")
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    assert loud.shape[0] > FS // 2
    assert np.max(np.abs(x[loud[0] : loud[-1]])) == pytest.approx(amplitude, abs=0.05)
    # The last 1.5 ms before silence are inside the raised-cosine fade: well below the amplitude.
    tail = x[loud[-1] - 72 : loud[-1] + 1]
    assert np.max(np.abs(tail)) < 0.5 * amplitude
    head = x[loud[0] : loud[0] + 48]  # the first ms: fading in
    assert np.max(np.abs(head)) < 0.5 * amplitude
