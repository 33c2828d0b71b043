"""The spectrum panel's level range model: autoscale to what is shown, widen at once, narrow slowly."""

import numpy as np
import pytest

from specscope.app.live.level_range import SHRINK_AFTER_S, LevelRange


def _levels(noise_db, tone_db=None, n=1025):
    x = np.full(n, noise_db, np.float32)
    if tone_db is not None:
        x[100] = tone_db
    return x


def test_a_tone_above_the_range_widens_it_at_once():
    r = LevelRange(-80.0, -20.0)  # the colour range of issue 12 #8
    assert r.update(_levels(-95.0, -12.0), now_s=0.0)
    # -12 + 3 dB margin -> -9 -> up to the next 10 dB: 0; noise -95 - 3 -> -98 -> down to -100.
    assert (r.lo_db, r.hi_db) == (-100.0, 0.0)


def test_narrows_only_after_the_narrower_range_did_for_two_seconds():
    r = LevelRange(-120.0, 0.0)
    quiet = _levels(-70.0, -45.0)  # target: -80 .. -40
    assert r.target(quiet) == (-80.0, -40.0)
    assert not r.update(quiet, 0.0)
    assert not r.update(quiet, SHRINK_AFTER_S - 0.01)
    assert (r.lo_db, r.hi_db) == (-120.0, 0.0)
    louder = _levels(-70.0, -32.0)  # a louder moment inside the wait: the range narrows to cover it too
    assert not r.update(louder, 1.0)
    assert r.update(quiet, SHRINK_AFTER_S + 0.01)
    assert (r.lo_db, r.hi_db) == (-80.0, -20.0)
    assert not r.update(quiet, 10.0)  # a further narrowing waits again
    assert r.update(quiet, 10.0 + SHRINK_AFTER_S)
    assert (r.lo_db, r.hi_db) == (-80.0, -40.0)


def test_span_limits_and_manual_range():
    r = LevelRange(-120.0, 0.0)
    r.update(_levels(-60.0), 0.0)
    r.update(_levels(-60.0), 5.0)
    assert r.hi_db - r.lo_db == 40.0  # a flat spectrum still gets the minimum span
    r.update(_levels(-200.0, 0.0), 6.0)
    assert (r.lo_db, r.hi_db) == (-130.0, 10.0)  # 0 dBFS + 3 -> 10; the floor at most 140 dB below
    r.set_manual(-80.0, -20.0)
    assert not r.update(_levels(-95.0, -12.0), 7.0) and (r.lo_db, r.hi_db) == (-80.0, -20.0)
    with pytest.raises(ValueError, match="low < high"):
        r.set_manual(0.0, -10.0)
    r.set_autoscale(True)
    assert r.update(_levels(-95.0, -12.0), 8.0) and (r.lo_db, r.hi_db) == (-100.0, 0.0)
