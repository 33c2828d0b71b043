"""RingBuffer: wrap-around, contiguous views, overwrite counting, channels."""


import numpy as np
import pytest

from specscope.dsp.ring_buffer import RingBuffer


def ramp(start, n, channels=1):
    x = np.arange(start, start + n, dtype=np.float32)
    return np.column_stack([x + 1000 * c for c in range(channels)])


def test_wraps_around_and_keeps_order():
    rb = RingBuffer(10, 2)
    got = []
    written = 0
    for n in [3, 4, 5, 7, 2, 9, 1]:
        rb.write(ramp(written, n, 2))
        written += n
        got.append(rb.read())
    out = np.concatenate(got)
    np.testing.assert_array_equal(out, ramp(0, written, 2))
    assert rb.n_overwritten == 0


def test_peek_is_a_contiguous_view_across_the_wrap():
    rb = RingBuffer(8, 1)
    rb.write(ramp(0, 6))
    rb.advance(6)
    rb.write(ramp(6, 7))  # slots 6, 7, 0..4: wraps
    view = rb.peek(7)
    assert view.flags.c_contiguous
    assert np.shares_memory(view, rb._data)
    np.testing.assert_array_equal(view[:, 0], np.arange(6, 13))
    np.testing.assert_array_equal(rb.peek(3, offset=4)[:, 0], [10, 11, 12])


def test_stalled_reader_loses_oldest_and_counts_them():
    rb = RingBuffer(16, 1)
    rb.write(ramp(0, 10))
    rb.write(ramp(10, 20))  # 30 written, capacity 16: frames 0..13 are gone
    assert rb.n_available == 16
    assert rb.n_overwritten == 14
    np.testing.assert_array_equal(rb.read()[:, 0], np.arange(14, 30))
    rb.write(ramp(30, 40))  # one block longer than the buffer
    out = rb.read()
    np.testing.assert_array_equal(out[:, 0], np.arange(54, 70))
    assert rb.n_overwritten == 14 + 24


def test_reader_overrun_while_holding_a_view_is_detected():
    rb = RingBuffer(8, 1)
    rb.write(ramp(0, 8))
    start = rb.n_read
    assert not rb.was_overwritten(start)
    rb.write(ramp(8, 3))
    assert rb.was_overwritten(start)


def test_advance_and_peek_check_bounds():
    rb = RingBuffer(4, 1)
    rb.write(ramp(0, 2))
    with pytest.raises(ValueError, match="available"):
        rb.peek(3)
    with pytest.raises(ValueError, match="available"):
        rb.advance(3)
    with pytest.raises(ValueError, match="capacity"):
        RingBuffer(0)


_NO_ALLOCATION_CHECK = """
import json, tracemalloc
import numpy as np
from specscope.dsp.ring_buffer import RingBuffer
rb = RingBuffer(48000, 2)
block = np.ones((1024, 2), np.float32)
rb.write(block)  # first calls warm up any lazily created attributes
rb.advance(rb.peek(1024).shape[0])
tracemalloc.start()
before, _ = tracemalloc.get_traced_memory()
tracemalloc.reset_peak()
total = 0.0
for _ in range(240):
    rb.write(block)
    view = rb.peek(1024)
    total += view[0, 0]
    rb.advance(1024)
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({"allocated": peak - before, "block": block.nbytes, "total": float(total),
                  "written": rb.n_written, "read": rb.n_read}))
"""


def test_write_and_consume_do_not_allocate():
    # A second of stereo at 48 kHz in 1024-frame blocks, 5 s in all: the storage (768 kB) or one block (8 kB)
    # copied per call would show in tracemalloc's peak; a view object or two (about 200 bytes) may.  In a
    # fresh interpreter: tracemalloc counts every thread's allocations, and the suite's other threads (a
    # Dask cluster, PortAudio) allocated 272 kB during this loop once.
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _NO_ALLOCATION_CHECK], capture_output=True, text=True, timeout=60,
                         check=True)
    r = json.loads(out.stdout)
    assert r["allocated"] < 4096, f"{r['allocated']} bytes allocated while pushing and consuming"
    assert r["total"] == 240.0 and r["written"] == 241 * 1024 and r["read"] == r["written"]
