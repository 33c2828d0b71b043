"""The PortAudio capture source on the real test device: what it accepts, what it records, losing the device."""

import threading
import time

import numpy as np
import pytest

from specscope.app.live.capture import CaptureSource, TimingAnchors, default_blocksize, parse_latency
from specscope.app.live.devices import DeviceError
from specscope.dsp.ring_buffer import RingBuffer

FS_HZ = 48000


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"fs_hz": 768000.0}, ["768000 Hz", "Invalid sample rate"]),
        ({"channels": 99}, ["99 channel(s)", "Invalid number of channels", "up to 32"]),
        ({"fs_hz": -1.0}, ["sample rate must be a positive number"]),
        ({"channels": 0}, ["channels must be a positive integer"]),
        ({"latency": "fast"}, ["latency must be 'low', 'high' or seconds"]),
        ({"device": "nope"}, ["unknown input device 'nope'", '"pulse" (ALSA)']),
    ],
)
def test_refusals_are_one_clear_line(pulse_server, kwargs, words):
    with pytest.raises(DeviceError) as err:
        CaptureSource(**{"device": "pulse", **kwargs})
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_latency_choices():
    assert parse_latency("low") == "low"
    assert parse_latency("high") == "high"
    assert parse_latency("0.05") == 0.05
    with pytest.raises(DeviceError):
        parse_latency(0)


@pytest.mark.parametrize(("fs_hz", "blocksize"), [(48000, 1024), (44100, 1024), (96000, 2048), (192000, 4096),
                                                 (8000, 128), (22050, 512), (1000, 64)])
def test_default_blocksize_is_the_power_of_two_nearest_20_ms(fs_hz, blocksize):
    # 48 kHz: 960 samples in 20 ms, nearest power of two 1024 (21.3 ms); 8 kHz: 160 -> 128; 1 kHz: 20 -> floor 64.
    assert default_blocksize(fs_hz) == blocksize


def test_every_block_wakes_the_worker(pulse_server, pulse_feed):
    src = CaptureSource("pulse", FS_HZ, 1)
    assert src.blocksize == 1024
    ring = RingBuffer(FS_HZ, 1)
    wake = threading.Event()
    src.start(ring, wake)
    try:
        pulse_feed.play(pulse_feed.sine(440.0, -6.0, 1.0))
        assert wake.wait(5.0)
        blocks = 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.5:
            if wake.wait(0.2):
                wake.clear()
                blocks += 1
        written = ring.n_written
    finally:
        src.stop()
    # Every wake-up follows a block of 1024 samples; a woken reader never finds the ring empty.
    assert written % 1024 == 0
    assert 0.5 * 0.5 * FS_HZ / 1024 <= blocks <= written // 1024


def test_timing_anchors_extrapolate_at_the_sample_rate():
    anchors = TimingAnchors(48000.0)
    assert anchors.time_of(10) is None
    for k in range(100):  # more than N_ANCHORS: the newest slot wins
        anchors.put(480 * k, 10.0 + 0.01 * k)
    assert anchors.time_of(480 * 99) == pytest.approx(10.99)
    assert anchors.time_of(480 * 99 + 4800) == pytest.approx(11.09)
    assert anchors.time_of(480 * 50) == pytest.approx(10.50)


def test_records_what_is_played_sample_exactly(pulse_server, pulse_feed):
    src = CaptureSource("pulse", FS_HZ, 1, latency="low")
    assert (src.fs_hz, src.channels) == (FS_HZ, 1)
    ring = RingBuffer(4 * FS_HZ, 1)
    x = pulse_feed.sine(997.0, -6.0, 1.0, phase_rad=0.5)
    src.start(ring)
    try:
        pulse_feed.play(np.concatenate([np.zeros(FS_HZ // 10, np.float32), x, np.zeros(FS_HZ // 10, np.float32)]))
        pulse_feed.wait()
        time.sleep(0.2)
        y = ring.read()[:, 0]
        n_written, clock = ring.n_written, src.clock_s()
    finally:
        src.stop()
    assert src.n_overflows == 0 and ring.n_overwritten == 0 and src.error is None
    on = int(np.flatnonzero(np.abs(y) > 0.1)[0])
    # The sink holds 16-bit samples: what comes back is x rounded to multiples of 2^-15.
    expected = np.round(x.astype(np.float64) * 32768) / 32768
    np.testing.assert_array_equal(y[on : on + x.size], expected)
    assert np.all(y[on + x.size :] == 0) and np.all(y[:on] == 0)
    # The newest sample's ADC time is just behind the stream clock (PortAudio's estimate may lead by a few ms).
    assert -0.01 < clock - src.adc_time_s(n_written - 1) < 0.5


def test_device_loss_is_reported(pulse_server, sink_loss):
    src = CaptureSource("pulse", FS_HZ, 1)
    ring = RingBuffer(FS_HZ, 1)
    src.start(ring)
    try:
        time.sleep(0.5)
        assert ring.n_written > 0 and src.error is None
        sink_loss()
        t0 = time.monotonic()
        while src.error is None and time.monotonic() - t0 < 5:
            time.sleep(0.01)
        assert src.error is not None and "stopped delivering audio" in src.error
        assert src.finished
    finally:
        src.stop()
    src.stop()  # idempotent
