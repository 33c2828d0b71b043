"""The Qt-free playback engine: what the callback copies, volume, loop, and a real stream on the null sink."""

import builtins
import time
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from specscope.app.output.playback import PlaybackRun

FS_HZ = 8000


@pytest.fixture
def ramp(tmp_path):
    x = (np.arange(2 * FS_HZ, dtype=np.float32) / (4 * FS_HZ))  # 2 s, sample n = n / 32000
    path = tmp_path / "ramp.wav"
    sf.write(str(path), x, FS_HZ, subtype="FLOAT")
    return str(path), x


def _wait_ring(run, n, timeout_s=5.0):
    end = time.monotonic() + timeout_s
    while run.ring.n_available < n and time.monotonic() < end:
        time.sleep(0.005)
    assert run.ring.n_available >= n


def test_callback_copies_the_range_times_the_volume(ramp):
    path, x = ramp
    run = PlaybackRun(path, "mix", FS_HZ, 0.5, 1.0, volume=0.5, open_stream=False)
    try:
        _wait_ring(run, 512)
        out = np.full((512, 1), 9.0, dtype=np.float32)
        run.callback(out, 512, None, None)
        np.testing.assert_allclose(out[:, 0], 0.5 * x[4000:4512], rtol=1e-6)
        assert run.n_played == 512 and run.position_at(run.n_played) == pytest.approx(0.5 + 512 / FS_HZ)
        run.volume = 0.0
        run.callback(out, 512, None, None)
        assert not out.any()
    finally:
        run.close()


def test_callback_imports_and_allocates_nothing(ramp, monkeypatch):
    path, _ = ramp
    run = PlaybackRun(path, "mix", FS_HZ, 0.0, 2.0, open_stream=False)
    try:
        _wait_ring(run, 4096)
        out = np.zeros((256, 1), dtype=np.float32)
        run.callback(out, 256, None, None)  # warm up
        imports = []
        real_import = builtins.__import__
        monkeypatch.setattr(builtins, "__import__", lambda *a, **k: imports.append(a[0]) or real_import(*a, **k))
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for _ in range(8):
            run.callback(out, 256, None, None)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        monkeypatch.undo()
        assert imports == []
        grown = sum(s.size_diff for s in after.compare_to(before, "filename") if s.size_diff > 0)
        assert grown < 1024, f"callback allocated {grown} bytes (a 256-frame copy is 1024)"
    finally:
        run.close()


def test_end_raises_callback_stop_and_loop_wraps(ramp):
    import sounddevice as sd

    path, x = ramp
    once = PlaybackRun(path, "mix", FS_HZ, 1.9, 2.0, open_stream=False)  # 800 samples
    try:
        _wait_ring(once, 800)
        deadline = time.monotonic() + 5
        while not once.eof and time.monotonic() < deadline:
            time.sleep(0.005)
        out = np.zeros((1024, 1), dtype=np.float32)
        with pytest.raises(sd.CallbackStop):
            once.callback(out, 1024, None, None)
        np.testing.assert_allclose(out[:800, 0], x[15200:16000])
        assert not out[800:].any()
    finally:
        once.close()
    loop = PlaybackRun(path, "mix", FS_HZ, 1.9, 2.0, loop=True, open_stream=False)
    try:
        got = []
        for _ in range(3):
            _wait_ring(loop, 600)
            out = np.zeros((600, 1), dtype=np.float32)
            loop.callback(out, 600, None, None)
            got.append(out[:, 0].copy())
        expected = np.tile(x[15200:16000], 3)[:1800]
        np.testing.assert_allclose(np.concatenate(got), expected)  # seamless: no gap at the seam
        assert loop.position_at(loop.n_played) == pytest.approx(1.9 + (1800 % 800) / FS_HZ)
    finally:
        loop.close()


def test_real_stream_plays_to_the_end_on_the_null_sink(pulse_server, ramp):
    import sounddevice as sd

    try:
        sd.query_devices(kind="output")
    except Exception as err:
        pytest.skip(f"no output device: {err}")
    path, _ = ramp
    run = PlaybackRun(path, "mix", FS_HZ, 1.5, 1.8)
    try:
        deadline = time.monotonic() + 5.0
        while not run.done and time.monotonic() < deadline:
            time.sleep(0.01)
        assert run.done and run.error is None
        assert run.n_played == pytest.approx(0.3 * FS_HZ, abs=1)
    finally:
        run.close()
