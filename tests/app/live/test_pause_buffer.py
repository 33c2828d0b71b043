"""The pause buffer: frames received while the view is paused, in order, bounded."""

import numpy as np

from specscope.app.live.frames import LiveFrame
from specscope.app.live.pause_buffer import PausedFrames


def _frames(first, n):
    return [LiveFrame(db=np.full(3, float(i), np.float32), t_s=0.01 * i, index=i) for i in range(first, first + n)]


def test_holds_in_order_and_releases_once():
    buf = PausedFrames()
    buf.hold(_frames(0, 5), capacity=100)
    buf.hold(_frames(5, 7), capacity=100)
    out = buf.release()
    assert [f.index for f in out] == list(range(12)) and buf.n_discarded == 0
    assert buf.release() == [] and len(buf) == 0


def test_keeps_the_newest_capacity_frames_and_counts_the_rest():
    buf = PausedFrames()
    for k in range(10):
        buf.hold(_frames(10 * k, 10), capacity=35)
    assert len(buf) == 35 and buf.n_discarded == 65
    assert [f.index for f in buf.release()] == list(range(65, 100))
