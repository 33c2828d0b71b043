"""Tile geometry and frame spans on the STFT frame grid, against hand-computed times."""

import numpy as np
import pytest

from specscope.app.analysis.tiles import Tile, frame_span
from specscope.dsp.config import StftConfig
from specscope.dsp.overview import FLOOR_DB


def test_frame_span_hand_computed():
    cfg = StftConfig(fs_hz=1000.0, n_fft=100, hop=10)
    # frame i centre = (10 i + 50) / 1000 s: 0.05, 0.06, ...
    assert frame_span(cfg, 1000, 0.05, 0.08) == (0, 4)
    assert frame_span(cfg, 1000, 0.051, 0.08) == (1, 3)
    assert frame_span(cfg, 1000, 0.0, 0.0) == (0, 1)  # nothing centred inside: the nearest frame
    assert frame_span(cfg, 5, 0.0, 100.0) == (0, 5)  # clipped to the file


def test_tile_geometry():
    cfg = StftConfig(fs_hz=1000.0, n_fft=100, hop=10)
    tile = Tile(np.full((cfg.n_freqs, 4), FLOOR_DB, np.float32), cfg, first_frame=6, fpc=3, n_frames=12)
    # column 0 starts half a hop before frame 6's centre (0.11 s): 0.105 s; columns are 0.03 s wide.
    assert tile.t0_s == pytest.approx(0.105)
    assert tile.col_s == pytest.approx(0.03)
    assert tile.time_extent_s == pytest.approx((0.105, 0.225))
    assert tile.column_at(0.106) == 0 and tile.column_at(0.224) == 3 and tile.column_at(0.3) is None
